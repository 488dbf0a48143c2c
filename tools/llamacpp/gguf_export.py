#!/usr/bin/python3
"""A Hugging Face GPT-2 directory as an f32 GGUF for llama.cpp's ``gpt2`` architecture (issue 8's baseline).

Writes the GGUF v3 format itself (no ``gguf`` package here): header, KV metadata, tensor infos, 32-byte aligned
tensor data. Names, shapes and metadata keys follow llama.cpp's ``convert_hf_to_gguf.py`` ``GPT2Model`` and
``gguf-py`` constants:

- HF Conv1D weights are stored ``[in, out]``; they are transposed to ``[out, in]`` (numpy row-major), which GGUF
  records in ggml's ``ne`` order (fastest dimension first, i.e. the numpy shape reversed): ``attn_qkv`` is
  ``ne = {n_embd, 3 n_embd}``, ``ffn_up`` ``{n_embd, n_ff}``, ``ffn_down`` ``{n_ff, n_embd}``;
- the lm_head is tied: no ``output.weight`` is written and llama.cpp reuses ``token_embd`` (an untied
  ``lm_head.weight`` that differs from ``wte`` is written as ``output.weight``);
- the tokenizer comes from ``tokenizer.json`` (BPE vocab, merges, added tokens as CONTROL), pre-tokenizer
  ``gpt-2``, BOS/EOS from ``config.json``; tokens past the tokenizer's size (a padded vocab) are ``[PADn]``, UNUSED.

Modes (bad input: one line on stderr, exit 2):

- ``--model DIR --out FILE.gguf``: export (F32, F16 and BF16 tensors are written as F32).
- ``--model DIR --check FILE.gguf``: re-read the GGUF and compare every tensor (bit-exact) and the metadata
  against the checkpoint; exit 1 naming the first mismatch.

Needs only numpy (Debian 12's ``/usr/bin/python3``). Usage: tools/README.md.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
ALIGNMENT = 32
GGML_TYPE_F32 = 0
FILE_TYPE_ALL_F32 = 0

# gguf value types (gguf-py GGUFValueType)
T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY, T_UINT64, T_INT64, \
    T_FLOAT64 = range(13)
SCALAR_FORMATS = {T_UINT8: "<B", T_INT8: "<b", T_UINT16: "<H", T_INT16: "<h", T_UINT32: "<I", T_INT32: "<i",
                  T_FLOAT32: "<f", T_BOOL: "<?", T_UINT64: "<Q", T_INT64: "<q", T_FLOAT64: "<d"}

# llama_token_type (gguf-py TokenType)
TOKEN_NORMAL, TOKEN_CONTROL, TOKEN_USER_DEFINED, TOKEN_UNUSED = 1, 3, 4, 5

SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": "bf16"}


class BadInput(Exception):
    """An input this tool refuses: reported as one line, exit 2."""


# ---------------------------------------------------------------- checkpoint


def read_safetensors(path):
    """name -> float32 array (memory-mapped where already F32); the ``transformer.`` prefix stripped."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    base = 8 + n
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise BadInput(f"{path}: tensor {name} has dtype {info['dtype']}; only F32, F16, BF16 are supported")
        start, end = info["data_offsets"]
        buf = raw[base + start:base + end]
        if dtype == "bf16":
            arr = (buf.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            arr = buf.view(dtype).astype(np.float32, copy=False)
        key = name[len("transformer."):] if name.startswith("transformer.") else name
        tensors[key] = arr.reshape(info["shape"])
    return tensors


def load_config(model_dir):
    path = os.path.join(model_dir, "config.json")
    if not os.path.isfile(path):
        raise BadInput(f"{model_dir}: no config.json (want a Hugging Face GPT-2 directory)")
    with open(path) as f:
        cfg = json.load(f)
    if cfg.get("model_type", "gpt2") != "gpt2":
        raise BadInput(f"{path}: model_type {cfg.get('model_type')!r}, want gpt2")
    act = cfg.get("activation_function", "gelu_new")
    if act not in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        # llama.cpp's gpt2 graph has the tanh GELU only; an exact-erf model would silently differ.
        raise BadInput(f"{path}: activation_function {act!r}; llama.cpp's gpt2 graph computes the tanh GELU only")
    return cfg


def load_tokenizer(path):
    """(tokens by id, merges as 'a b' strings, set of special ids)."""
    if not os.path.isfile(path):
        raise BadInput(f"{path}: no tokenizer.json (give --tokenizer FILE)")
    with open(path, encoding="utf-8") as f:
        tok = json.load(f)
    model = tok.get("model", {})
    if model.get("type") != "BPE":
        raise BadInput(f"{path}: tokenizer model {model.get('type')!r}, want BPE")
    by_id = {i: t for t, i in model["vocab"].items()}
    special = set()
    for added in tok.get("added_tokens", []):
        by_id[added["id"]] = added["content"]
        if added.get("special", False):
            special.add(added["id"])
    n = max(by_id) + 1
    missing = [i for i in range(n) if i not in by_id]
    if missing:
        raise BadInput(f"{path}: token ids have holes (first missing id {missing[0]})")
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    return [by_id[i] for i in range(n)], merges, special


def gguf_tensors(cfg, st):
    """[(gguf name, float32 array in numpy layout)] in llama.cpp's order, from the checkpoint's tensors."""
    def get(name):
        if name not in st:
            raise BadInput(f"model.safetensors: no tensor {name}")
        return st[name]

    out = [("token_embd.weight", get("wte.weight")), ("position_embd.weight", get("wpe.weight"))]
    for i in range(cfg["n_layer"]):
        h = f"h.{i}."
        b = f"blk.{i}."
        out += [
            (b + "attn_norm.weight", get(h + "ln_1.weight")), (b + "attn_norm.bias", get(h + "ln_1.bias")),
            (b + "attn_qkv.weight", get(h + "attn.c_attn.weight").T), (b + "attn_qkv.bias", get(h + "attn.c_attn.bias")),
            (b + "attn_output.weight", get(h + "attn.c_proj.weight").T),
            (b + "attn_output.bias", get(h + "attn.c_proj.bias")),
            (b + "ffn_norm.weight", get(h + "ln_2.weight")), (b + "ffn_norm.bias", get(h + "ln_2.bias")),
            (b + "ffn_up.weight", get(h + "mlp.c_fc.weight").T), (b + "ffn_up.bias", get(h + "mlp.c_fc.bias")),
            (b + "ffn_down.weight", get(h + "mlp.c_proj.weight").T), (b + "ffn_down.bias", get(h + "mlp.c_proj.bias")),
        ]
    out += [("output_norm.weight", get("ln_f.weight")), ("output_norm.bias", get("ln_f.bias"))]
    lm_head = st.get("lm_head.weight")
    if lm_head is not None and not np.array_equal(lm_head, st["wte.weight"]):
        out.append(("output.weight", lm_head))
    return out


def metadata(cfg, model_dir, tokens, merges, special):
    """[(key, value type, value)]: the keys convert_hf_to_gguf.py's GPT2Model writes."""
    n_embd = cfg["n_embd"]
    n_ff = cfg.get("n_inner") or 4 * n_embd
    n_ctx = cfg.get("n_positions", cfg.get("n_ctx"))
    vocab = cfg.get("vocab_size", len(tokens))
    if vocab < len(tokens):
        raise BadInput(f"config vocab_size {vocab} < the tokenizer's {len(tokens)} tokens")
    types = [TOKEN_CONTROL if i in special else TOKEN_NORMAL for i in range(len(tokens))]
    for i in range(len(tokens), vocab):
        tokens.append(f"[PAD{i}]")
        types.append(TOKEN_UNUSED)
    eos = cfg.get("eos_token_id", vocab - 1)
    bos = cfg.get("bos_token_id", eos)
    return [
        ("general.architecture", T_STRING, "gpt2"),
        ("general.name", T_STRING, os.path.basename(os.path.normpath(model_dir))),
        ("general.file_type", T_UINT32, FILE_TYPE_ALL_F32),
        ("general.alignment", T_UINT32, ALIGNMENT),
        ("gpt2.block_count", T_UINT32, cfg["n_layer"]),
        ("gpt2.context_length", T_UINT32, n_ctx),
        ("gpt2.embedding_length", T_UINT32, n_embd),
        ("gpt2.feed_forward_length", T_UINT32, n_ff),
        ("gpt2.attention.head_count", T_UINT32, cfg["n_head"]),
        ("gpt2.attention.layer_norm_epsilon", T_FLOAT32, cfg.get("layer_norm_epsilon", 1e-5)),
        ("tokenizer.ggml.model", T_STRING, "gpt2"),
        ("tokenizer.ggml.pre", T_STRING, "gpt-2"),
        ("tokenizer.ggml.tokens", (T_ARRAY, T_STRING), tokens),
        ("tokenizer.ggml.token_type", (T_ARRAY, T_INT32), types),
        ("tokenizer.ggml.merges", (T_ARRAY, T_STRING), merges),
        ("tokenizer.ggml.bos_token_id", T_UINT32, bos),
        ("tokenizer.ggml.eos_token_id", T_UINT32, eos),
        ("tokenizer.ggml.add_bos_token", T_BOOL, False),
    ]


def load_checkpoint(model_dir, tokenizer_path):
    cfg = load_config(model_dir)
    st_path = os.path.join(model_dir, "model.safetensors")
    if not os.path.isfile(st_path):
        raise BadInput(f"{model_dir}: no model.safetensors")
    tokens, merges, special = load_tokenizer(tokenizer_path or os.path.join(model_dir, "tokenizer.json"))
    meta = metadata(cfg, model_dir, tokens, merges, special)
    tensors = gguf_tensors(cfg, read_safetensors(st_path))
    vocab = len(tokens)
    if tensors[0][1].shape != (vocab, cfg["n_embd"]):
        raise BadInput(f"wte.weight is {list(tensors[0][1].shape)}, want [{vocab}, {cfg['n_embd']}]")
    return meta, tensors


# ---------------------------------------------------------------- writing


def pack_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def pack_value(vtype, value):
    if isinstance(vtype, tuple):
        _, elem = vtype
        head = struct.pack("<IQ", elem, len(value))
        if elem == T_STRING:
            return head + b"".join(pack_string(v) for v in value)
        return head + np.asarray(value, dtype=SCALAR_FORMATS[elem]).tobytes()
    if vtype == T_STRING:
        return pack_string(value)
    return struct.pack(SCALAR_FORMATS[vtype], value)


def pad_to(n):
    return (ALIGNMENT - n % ALIGNMENT) % ALIGNMENT


def write_gguf(path, meta, tensors):
    header = [GGUF_MAGIC, struct.pack("<IQQ", GGUF_VERSION, len(tensors), len(meta))]
    for key, vtype, value in meta:
        header += [pack_string(key), struct.pack("<I", vtype[0] if isinstance(vtype, tuple) else vtype),
                   pack_value(vtype, value)]
    offset = 0
    for name, arr in tensors:
        dims = arr.shape[::-1]  # ggml ne order: fastest dimension first
        header += [pack_string(name), struct.pack("<I", len(dims)), struct.pack(f"<{len(dims)}Q", *dims),
                   struct.pack("<IQ", GGML_TYPE_F32, offset)]
        offset += arr.size * 4
        offset += pad_to(offset)
    head = b"".join(header)
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(head + b"\0" * pad_to(len(head)))
        for _, arr in tensors:
            data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
            f.write(data + b"\0" * pad_to(len(data)))
    os.replace(tmp, path)


# ---------------------------------------------------------------- reading (--check)


class Reader:
    def __init__(self, path):
        self.buf = np.memmap(path, dtype=np.uint8, mode="r")
        self.pos = 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        vals = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return vals if len(vals) > 1 else vals[0]

    def string(self):
        n = self.take("<Q")
        s = bytes(self.buf[self.pos:self.pos + n]).decode("utf-8")
        self.pos += n
        return s

    def value(self, vtype):
        if vtype == T_STRING:
            return self.string()
        if vtype == T_ARRAY:
            elem, n = self.take("<IQ")
            return [self.value(elem) for _ in range(n)]
        return self.take(SCALAR_FORMATS[vtype])


def read_gguf(path):
    """(metadata dict, {name: float32 array in numpy layout})."""
    r = Reader(path)
    if bytes(r.buf[:4]) != GGUF_MAGIC:
        raise BadInput(f"{path}: not a GGUF file")
    r.pos = 4
    version, n_tensors, n_kv = r.take("<IQQ")
    if version != GGUF_VERSION:
        raise BadInput(f"{path}: GGUF version {version}, want {GGUF_VERSION}")
    meta = {}
    for _ in range(n_kv):
        key = r.string()
        meta[key] = r.value(r.take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        n_dims = r.take("<I")
        dims = [r.take("<Q") for _ in range(n_dims)]
        ttype, offset = r.take("<IQ")
        if ttype != GGML_TYPE_F32:
            raise BadInput(f"{path}: tensor {name} has ggml type {ttype}, this checker reads F32 only")
        infos.append((name, dims, offset))
    align = meta.get("general.alignment", ALIGNMENT)
    data = r.pos + (align - r.pos % align) % align
    tensors = {}
    for name, dims, offset in infos:
        if offset % align:
            raise BadInput(f"{path}: tensor {name} at offset {offset}, not a multiple of {align}")
        count = int(np.prod(dims))
        start = data + offset
        tensors[name] = r.buf[start:start + 4 * count].view("<f4").reshape(dims[::-1])
    return meta, tensors


def check(path, meta, tensors):
    """None if the GGUF holds exactly this metadata and these tensors, else the first difference."""
    got_meta, got = read_gguf(path)
    for key, vtype, value in meta:
        if key == "general.name":
            continue  # the directory's name, not the checkpoint's content
        have = got_meta.get(key)
        if vtype == T_FLOAT32:
            value = struct.unpack("<f", struct.pack("<f", value))[0]
        if have != value:
            shown = have if not isinstance(have, list) else f"a list of {len(have)}"
            return f"metadata {key}: GGUF has {shown}, checkpoint gives {value if not isinstance(value, list) else len(value)}"
    extra = set(got_meta) - {k for k, _, _ in meta}
    if extra:
        return f"metadata keys not from the checkpoint: {sorted(extra)}"
    names = [n for n, _ in tensors]
    if sorted(got) != sorted(names):
        return f"tensor names differ: GGUF {sorted(set(got) ^ set(names))}"
    for name, arr in tensors:
        have = got[name]
        if have.shape != arr.shape:
            return f"{name}: GGUF shape {list(have.shape)}, checkpoint {list(arr.shape)}"
        if not np.array_equal(have.view(np.uint32), np.ascontiguousarray(arr, dtype="<f4").view(np.uint32)):
            return f"{name}: values differ (max |diff| {np.max(np.abs(have - arr))})"
    return None


def main(argv):
    p = argparse.ArgumentParser(description="HF GPT-2 directory -> f32 GGUF (llama.cpp gpt2 architecture)")
    p.add_argument("--model", required=True, help="Hugging Face GPT-2 directory (config.json, model.safetensors)")
    p.add_argument("--tokenizer", help="tokenizer.json (default: the model directory's)")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--out", help="GGUF file to write")
    mode.add_argument("--check", metavar="FILE", help="GGUF file to compare against the checkpoint")
    args = p.parse_args(argv)
    try:
        meta, tensors = load_checkpoint(args.model, args.tokenizer)
        if args.out:
            write_gguf(args.out, meta, tensors)
            print(json.dumps({"wrote": args.out, "bytes": os.path.getsize(args.out), "tensors": len(tensors),
                              "metadata_keys": len(meta)}))
            return 0
        diff = check(args.check, meta, tensors)
    except BadInput as e:
        print(f"gguf_export: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"gguf_export: {e}", file=sys.stderr)
        return 2
    if diff:
        print(f"gguf_export: MISMATCH {args.check}: {diff}", file=sys.stderr)
        return 1
    print(json.dumps({"check": args.check, "ok": True, "tensors": len(tensors), "metadata_keys": len(meta)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
