"""transformers' GPT-2 eager inference (``GPT2LMHeadModel`` + greedy ``generate()``), ported to plain torch.

The model of tools/hf_eager_baseline.py, which stands in for Hugging Face transformers (it cannot be installed
here). It mirrors transformers 4.40 (the version that made the fixtures in ``model/src/test/resources/hf-gpt2``),
``src/transformers/models/gpt2/modeling_gpt2.py``, eager attention:

- ``Conv1D``: ``torch.addmm(bias, x.view(-1, nx), weight)`` with the weight as stored, ``[in, out]``.
- ``GPT2Attention``: ``c_attn`` then ``split(n_embd, dim=2)``, ``_split_heads`` (view + permute), the legacy
  tuple KV cache (``torch.cat`` of past K and V with the new ones, per layer, every step), ``_attn``:
  ``matmul(q, k.transpose(-1, -2))`` divided by ``sqrt(head_dim)`` (a division, as HF does), the causal mask
  by ``torch.where`` against the bool ``tril`` buffer ``bias`` with the dtype's min value, plus the additive
  attention mask ``(1 - mask) * finfo.min`` (left padding), ``softmax``, ``matmul`` with V, ``_merge_heads``
  (permute + contiguous + view), ``c_proj``.
- ``GPT2MLP``: ``c_fc``, ``gelu_new`` (``NewGELUActivation``'s tanh formula with ``torch.pow(x, 3.0)``),
  ``c_proj``. ``GPT2Block``: pre-LN residuals. ``GPT2Model``: ``wte + wpe``, blocks, ``ln_f``.
  ``GPT2LMHeadModel``: tied ``lm_head`` (``F.linear`` with ``wte``) over every position, as 4.40 does.
- ``generate()`` greedy (``_greedy_search``): ``prepare_inputs_for_generation``'s positions
  (``attention_mask.cumsum(-1) - 1``, 1 at padding), the last position's logits, ``argmax``, and per step
  ``torch.cat`` of ``input_ids`` and of the attention mask. EOS is ignored as HF's ``min_new_tokens`` does
  it (its logit set to -inf before the argmax; the fixtures were made that way). ``torch.no_grad()``.

Left out, so that this stand-in is if anything FASTER than real HF: ``generate()``'s per-step Python
bookkeeping (``LogitsProcessorList``/``StoppingCriteriaList`` objects, ``GenerateOutput`` and
``ModelOutput`` dataclasses, ``unfinished_sequences`` arithmetic, hooks, ``nn.Module.__call__`` dispatch),
dropout modules (no-ops in eval) and ``head_mask``. Not this path: the SDPA attention class that later
transformers releases use by default for GPT-2 (``attn_implementation="sdpa"``), flash-attention,
``torch.compile`` and the static cache. Real HF CPU wheels link MKL; Debian's torch 1.13 links OpenBLAS
(``libopenblas0-pthread``), whose thread count hf_eager_baseline.py sets to ``--threads`` as torch's own.

Loads a Hugging Face GPT-2 directory (config.json + F32 model.safetensors, parsed here with ``json`` and
``torch.frombuffer``). Needs only Debian 12's python3-torch.
"""

import json
import math
import os
import struct
import time

import torch
import torch.nn.functional as F

SAFETENSORS_F32 = "F32"


class BadInput(Exception):
    """Input this script refuses: reported as one line, exit 2."""


class Gpt2:
    """A loaded GPT-2: config values and float32 weights under HF's names without ``transformer.``."""

    def __init__(self, config, weights):
        """``config``: HF config.json dict; ``weights``: name to tensor; ``bias``: [1, 1, P, P] bool tril."""
        self.n_layer = config["n_layer"]
        self.n_head = config["n_head"]
        self.n_embd = config["n_embd"]
        self.eps = config.get("layer_norm_epsilon", 1e-5)
        self.eos = config.get("eos_token_id", 50256)
        self.positions = config["n_positions"]
        self.w = weights
        p = self.positions
        self.bias = torch.tril(torch.ones((p, p), dtype=torch.bool)).view(1, 1, p, p)


def read_safetensors(path):
    """Every tensor of a safetensors file, F32 only, as torch tensors owning their bytes."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = bytearray(f.read())
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != SAFETENSORS_F32:
            raise BadInput(f"{path}: tensor {name} is {meta['dtype']}, only F32 checkpoints are supported")
        start, end = meta["data_offsets"]
        t = torch.frombuffer(data, dtype=torch.float32, count=(end - start) // 4, offset=start)
        out[name] = t.view(meta["shape"]) if meta["shape"] else t.view(())
    return out


def load_model(model_dir):
    """A Hugging Face GPT-2 directory (config.json + model.safetensors) as a :class:`Gpt2`."""
    config_path = os.path.join(model_dir, "config.json")
    weights_path = os.path.join(model_dir, "model.safetensors")
    if not (os.path.isfile(config_path) and os.path.isfile(weights_path)):
        raise BadInput(f"--model {model_dir}: needs config.json and model.safetensors")
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    if config.get("activation_function", "gelu_new") != "gelu_new":
        raise BadInput(f"--model {model_dir}: activation {config['activation_function']} is not gelu_new")
    tensors = read_safetensors(weights_path)
    weights = {(k[len("transformer."):] if k.startswith("transformer.") else k): v for k, v in tensors.items()}
    missing = [n for n in required_weights(config["n_layer"]) if n not in weights]
    if missing:
        raise BadInput(f"--model {model_dir}: model.safetensors lacks {missing[0]} ({len(missing)} missing)")
    return Gpt2(config, weights)


def required_weights(n_layer):
    """HF's tensor names (without ``transformer.``) that the forward pass reads; lm_head is tied to wte."""
    per_layer = [f"{m}.{w}" for m in ("ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj")
                 for w in ("weight", "bias")]
    layers = [f"h.{i}.{n}" for i in range(n_layer) for n in per_layer]
    return ["wte.weight", "wpe.weight"] + layers + ["ln_f.weight", "ln_f.bias"]


def conv1d(x, weight, bias):
    """HF ``Conv1D.forward``: ``addmm(bias, x.view(-1, nx), weight)``, weight ``[in, out]``."""
    size_out = x.size()[:-1] + (weight.size(-1),)
    return torch.addmm(bias, x.view(-1, x.size(-1)), weight).view(size_out)


def split_heads(t, n_head):
    """``_split_heads``: [B, T, E] to [B, H, T, E/H]."""
    return t.view(t.size()[:-1] + (n_head, t.size(-1) // n_head)).permute(0, 2, 1, 3)


def merge_heads(t):
    """``_merge_heads``: [B, H, T, D] to [B, T, H*D]."""
    t = t.permute(0, 2, 1, 3).contiguous()
    return t.view(t.size()[:-2] + (t.size(-2) * t.size(-1),))


def attend(model, q, k, v, attention_mask):
    """``GPT2Attention._attn`` (eager): scaled scores, causal ``where``, additive mask, softmax, times V."""
    w = torch.matmul(q, k.transpose(-1, -2))
    w = w / torch.full([], v.size(-1) ** 0.5, dtype=w.dtype)
    q_len, k_len = q.size(-2), k.size(-2)
    causal = model.bias[:, :, k_len - q_len:k_len, :k_len]
    w = torch.where(causal, w, torch.full([], torch.finfo(w.dtype).min, dtype=w.dtype))
    w = w + attention_mask
    w = F.softmax(w, dim=-1).type(v.dtype)
    return torch.matmul(w, v)


def attention_block(model, i, h, past, attention_mask):
    """``GPT2Attention.forward`` of layer ``i``: returns (output [B, T, E], present (K, V) [B, H, S, D])."""
    p = f"h.{i}.attn."
    q, k, v = conv1d(h, model.w[p + "c_attn.weight"], model.w[p + "c_attn.bias"]).split(model.n_embd, dim=2)
    q, k, v = split_heads(q, model.n_head), split_heads(k, model.n_head), split_heads(v, model.n_head)
    if past is not None:
        k = torch.cat((past[0], k), dim=-2)
        v = torch.cat((past[1], v), dim=-2)
    out = merge_heads(attend(model, q, k, v, attention_mask))
    return conv1d(out, model.w[p + "c_proj.weight"], model.w[p + "c_proj.bias"]), (k, v)


def gelu_new(x):
    """``NewGELUActivation``: the tanh approximation, written as HF writes it."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def mlp(model, i, h):
    """``GPT2MLP.forward`` of layer ``i``."""
    p = f"h.{i}.mlp."
    h = gelu_new(conv1d(h, model.w[p + "c_fc.weight"], model.w[p + "c_fc.bias"]))
    return conv1d(h, model.w[p + "c_proj.weight"], model.w[p + "c_proj.bias"])


def layer_norm(model, name, h):
    """``nn.LayerNorm`` with the weights ``name.weight`` / ``name.bias``."""
    return F.layer_norm(h, (model.n_embd,), model.w[name + ".weight"], model.w[name + ".bias"], model.eps)


def block(model, i, h, past, attention_mask):
    """``GPT2Block.forward``: pre-LN attention and MLP with residuals; returns (h, present)."""
    a, present = attention_block(model, i, layer_norm(model, f"h.{i}.ln_1", h), past, attention_mask)
    h = a + h
    return h + mlp(model, i, layer_norm(model, f"h.{i}.ln_2", h)), present


def forward(model, input_ids, position_ids, attention_mask, past):
    """``GPT2LMHeadModel.forward``: logits [B, T, V] over every position and the new per-layer (K, V) tuple."""
    additive = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
    h = F.embedding(input_ids, model.w["wte.weight"]) + F.embedding(position_ids, model.w["wpe.weight"])
    presents = []
    for i in range(model.n_layer):
        h, present = block(model, i, h, None if past is None else past[i], additive)
        presents.append(present)
    h = layer_norm(model, "ln_f", h)
    return F.linear(h, model.w["wte.weight"]), tuple(presents)


def positions_for(attention_mask, past, n_new):
    """``prepare_inputs_for_generation``: cumsum of the mask minus 1, 1 at padding, the last ``n_new`` if cached."""
    position_ids = attention_mask.long().cumsum(-1) - 1
    position_ids.masked_fill_(attention_mask == 0, 1)
    return position_ids[:, -n_new:] if past is not None else position_ids


def generate(model, input_ids, attention_mask, max_new_tokens, on_step=None):
    """Greedy ``generate()`` with the KV cache, EOS suppressed (``min_new_tokens``); returns new ids [B, N].

    ``on_step(step, logits [B, V], seconds)`` is called after each step (step 0 = the prefill), the time
    covering the forward pass, the argmax and the step's bookkeeping.
    """
    past = None
    start = input_ids.size(1)
    with torch.no_grad():
        for step in range(max_new_tokens):
            t0 = time.perf_counter()
            model_ids = input_ids if past is None else input_ids[:, -1:]
            position_ids = positions_for(attention_mask, past, model_ids.size(1))
            logits, past = forward(model, model_ids, position_ids, attention_mask, past)
            scores = logits[:, -1, :].clone()
            scores[:, model.eos] = -float("inf")
            next_tokens = torch.argmax(scores, dim=-1)
            input_ids = torch.cat([input_ids, next_tokens[:, None]], dim=-1)
            attention_mask = torch.cat([attention_mask, attention_mask.new_ones((attention_mask.size(0), 1))], dim=-1)
            seconds = time.perf_counter() - t0
            if on_step is not None:
                on_step(step, logits[:, -1, :], seconds)
    return input_ids[:, start:]


def left_padded(prompts, pad):
    """HF tokenizer-style left padding: (input_ids [B, T], attention_mask [B, T]) for lists of ids."""
    width = max(len(p) for p in prompts)
    ids = torch.tensor([[pad] * (width - len(p)) + list(p) for p in prompts], dtype=torch.long)
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], dtype=torch.long)
    return ids, mask
