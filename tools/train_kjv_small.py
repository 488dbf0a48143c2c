#!/usr/bin/env python3
"""Train kvlab's built-in `kjv-small`: a small GPT-2 on the King James Bible (Debian `bible-kjv-text`).

Deterministic end to end: the corpus comes from the `bible` command, the byte-level BPE tokenizer is trained
here on the training split only, and the model is trained with fixed seeds on ONE torch thread for a fixed
number of steps. Output directory (Hugging Face layout, loadable with `--model DIR`):

  config.json, model.safetensors (F32, canonical GPT-2 names, tied LM head), tokenizer.json,
  heldout.txt (the held-out books as one text), train_log.tsv (step, lr, train loss, seconds)

Split: held-out = the whole books HELDOUT_BOOKS; every other book is training text. Text format: a book is
`<|endoftext|>` followed by its chapters; a chapter is the line "Book N", then one verse per line (no verse
numbers), then a blank line.

Usage: python3 tools/train_kjv_small.py OUT_DIR [--steps N] [--probe]
See tools/README.md for the exact command, the torch version and the wall time.
"""
import argparse
import collections
import json
import math
import os
import struct
import subprocess
import sys
import time

import regex
import torch

HELDOUT_BOOKS = ["Ruth", "Ecclesiastes", "John", "Hebrews"]
EOT = "<|endoftext|>"
VOCAB_SIZE = 4096          # 256 byte tokens + BPE merges + <|endoftext|>
N_LAYER, N_EMBD, N_HEAD, N_POSITIONS = 4, 256, 4, 1024
SEQ_LEN = 1024             # held-out evaluation windows
# Sequence-length warmup: (share of the steps, sequence length, batch); every step is 2048 tokens. Short
# sequences early are cheaper per token (attention is most of a step's time at 1024) and give more independent
# samples per batch; the last phase trains every position 0..1023 at full context.
SEQ_SCHEDULE = [(0.4, 256, 8), (0.3, 512, 4), (0.3, 1024, 2)]
STEPS, WARMUP, LR, MIN_LR, WEIGHT_DECAY = 2700, 30, 3e-3, 1e-4, 0.1
SEED = 1234
GPT2_PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


# ---------------------------------------------------------------- corpus

def read_books():
    """[(book, text)] in canon order from `bible`; text per the format in the module doc."""
    out = subprocess.run(["bible", "-l100000", "gen1:1-rev22:21"], check=True, capture_output=True,
                         text=True).stdout
    books, chapters = [], collections.OrderedDict()
    cur = None
    for line in out.split("\n"):
        if not line.strip():
            continue
        if not line.startswith(" "):
            book, ch = line.rsplit(" ", 1)
            cur = (book, int(ch))
            chapters[cur] = []
        else:
            num, verse = line.strip().split(" ", 1)
            chapters[cur].append(verse.strip())
    by_book = collections.OrderedDict()
    for (book, ch), verses in chapters.items():
        by_book.setdefault(book, []).append(f"{book} {ch}\n" + "\n".join(verses) + "\n\n")
    for book, chs in by_book.items():
        books.append((book, EOT + "".join(chs)))
    assert sum(len(c) for c in chapters.values()) == 31102, "KJV has 31102 verses"
    assert all(b in by_book for b in HELDOUT_BOOKS)
    return books


# ---------------------------------------------------------------- tokenizer (GPT-2 byte-level BPE)

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()


def pieces(text):
    """GPT-2 pre-tokenization; <|endoftext|> is split out as its own piece (it is a special added token)."""
    out = []
    for i, part in enumerate(text.split(EOT)):
        if i:
            out.append(EOT)
        out.extend("".join(B2U[b] for b in p.encode("utf-8")) for p in GPT2_PAT.findall(part))
    return out


def train_bpe(texts):
    """Byte-level BPE merges learned from `texts`; highest pair count first, ties by the pair's strings."""
    counts = collections.Counter(p for t in texts for p in pieces(t) if p != EOT)
    words = [list(w) for w in counts]
    freq = list(counts.values())
    vocab = {B2U[b]: None for b in range(256)}
    vocab = {s: i for i, s in enumerate(sorted(vocab, key=lambda s: [k for k, v in B2U.items() if v == s][0]))}
    pair_count = collections.Counter()
    where = collections.defaultdict(set)
    for wi, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += freq[wi]
            where[(a, b)].add(wi)
    merges = []
    while len(vocab) < VOCAB_SIZE - 1:
        best = max(pair_count.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pair_count[best] <= 0:
            break
        a, b = best
        merges.append(f"{a} {b}")
        if a + b not in vocab:
            vocab[a + b] = len(vocab)
        for wi in sorted(where.pop(best, ())):
            w = words[wi]
            for x, y in zip(w, w[1:]):
                pair_count[(x, y)] -= freq[wi]
            nw, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    nw.append(a + b)
                    i += 2
                else:
                    nw.append(w[i])
                    i += 1
            words[wi] = nw
            for x, y in zip(nw, nw[1:]):
                pair_count[(x, y)] += freq[wi]
                where[(x, y)].add(wi)
        del pair_count[best]
    vocab[EOT] = len(vocab)
    return vocab, merges


def tokenizer_json(vocab, merges):
    bl = lambda **k: {"type": "ByteLevel", "use_regex": True, **k}
    return {"version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": vocab[EOT], "content": EOT, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": True, "special": True}],
            "normalizer": None,
            "pre_tokenizer": bl(add_prefix_space=False, trim_offsets=True),
            "post_processor": bl(add_prefix_space=True, trim_offsets=False),
            "decoder": bl(add_prefix_space=True, trim_offsets=True),
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": "", "end_of_word_suffix": "", "fuse_unk": False,
                      "byte_fallback": False, "ignore_merges": False, "vocab": vocab, "merges": merges}}


class Encoder:
    """The standard GPT-2 BPE encode (lowest merge rank first), which is what HF's BPE model does."""

    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.ranks = {tuple(m.split(" ")): i for i, m in enumerate(merges)}
        self.cache = {}

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            pairs = [(self.ranks.get(p, math.inf), i) for i, p in enumerate(zip(parts, parts[1:]))]
            rank, i = min(pairs)
            if rank == math.inf:
                break
            a, b = parts[i], parts[i + 1]
            nw, j = [], 0
            while j < len(parts):
                if j + 1 < len(parts) and parts[j] == a and parts[j + 1] == b:
                    nw.append(a + b)
                    j += 2
                else:
                    nw.append(parts[j])
                    j += 1
            parts = nw
        ids = [self.vocab[p] for p in parts]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        out = []
        for p in pieces(text):
            out.extend([self.vocab[EOT]] if p == EOT else self.bpe(p))
        return out


# ---------------------------------------------------------------- model (GPT-2, HF Conv1D layout)

class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        e = N_EMBD
        self.ln_1 = torch.nn.LayerNorm(e, eps=1e-5)
        self.c_attn_w = torch.nn.Parameter(torch.randn(e, 3 * e) * 0.02)
        self.c_attn_b = torch.nn.Parameter(torch.zeros(3 * e))
        self.attn_proj_w = torch.nn.Parameter(torch.randn(e, e) * 0.02 / math.sqrt(2 * N_LAYER))
        self.attn_proj_b = torch.nn.Parameter(torch.zeros(e))
        self.ln_2 = torch.nn.LayerNorm(e, eps=1e-5)
        self.c_fc_w = torch.nn.Parameter(torch.randn(e, 4 * e) * 0.02)
        self.c_fc_b = torch.nn.Parameter(torch.zeros(4 * e))
        self.mlp_proj_w = torch.nn.Parameter(torch.randn(4 * e, e) * 0.02 / math.sqrt(2 * N_LAYER))
        self.mlp_proj_b = torch.nn.Parameter(torch.zeros(e))

    def forward(self, x, mask):
        bsz, t, e = x.shape
        hd = e // N_HEAD
        qkv = torch.addmm(self.c_attn_b, self.ln_1(x).reshape(-1, e), self.c_attn_w).view(bsz, t, 3, N_HEAD, hd)
        q, k, v = (z.reshape(bsz * N_HEAD, t, hd) for z in qkv.permute(2, 0, 3, 1, 4))  # each [B*H, T, hd]
        att = torch.baddbmm(mask[:t, :t].expand(bsz * N_HEAD, t, t), q, k.transpose(1, 2),
                            alpha=1.0 / math.sqrt(hd)).softmax(-1)            # [B*H, T, T]
        y = torch.bmm(att, v).view(bsz, N_HEAD, t, hd).transpose(1, 2).reshape(-1, e)
        x = x + torch.addmm(self.attn_proj_b, y, self.attn_proj_w).view(bsz, t, e)
        h = torch.nn.functional.gelu(torch.addmm(self.c_fc_b, self.ln_2(x).reshape(-1, e), self.c_fc_w),
                                     approximate="tanh")
        return x + torch.addmm(self.mlp_proj_b, h, self.mlp_proj_w).view(bsz, t, e)


class Gpt2(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = torch.nn.Parameter(torch.randn(VOCAB_SIZE, N_EMBD) * 0.02)
        self.wpe = torch.nn.Parameter(torch.randn(N_POSITIONS, N_EMBD) * 0.01)
        self.h = torch.nn.ModuleList(Block() for _ in range(N_LAYER))
        self.ln_f = torch.nn.LayerNorm(N_EMBD, eps=1e-5)
        self.register_buffer("mask", torch.full((N_POSITIONS, N_POSITIONS), float("-inf")).triu(1),
                             persistent=False)

    def forward(self, ids):
        x = self.wte[ids] + self.wpe[: ids.shape[1]]
        for blk in self.h:
            x = blk(x, self.mask)
        return self.ln_f(x) @ self.wte.t()

    def hf_tensors(self):
        """Canonical HF GPT-2 names, in kvlab's Gpt2Weights order."""
        t = [("wte.weight", self.wte), ("wpe.weight", self.wpe)]
        for i, b in enumerate(self.h):
            p = f"h.{i}."
            t += [(p + "ln_1.weight", b.ln_1.weight), (p + "ln_1.bias", b.ln_1.bias),
                  (p + "attn.c_attn.weight", b.c_attn_w), (p + "attn.c_attn.bias", b.c_attn_b),
                  (p + "attn.c_proj.weight", b.attn_proj_w), (p + "attn.c_proj.bias", b.attn_proj_b),
                  (p + "ln_2.weight", b.ln_2.weight), (p + "ln_2.bias", b.ln_2.bias),
                  (p + "mlp.c_fc.weight", b.c_fc_w), (p + "mlp.c_fc.bias", b.c_fc_b),
                  (p + "mlp.c_proj.weight", b.mlp_proj_w), (p + "mlp.c_proj.bias", b.mlp_proj_b)]
        return t + [("ln_f.weight", self.ln_f.weight), ("ln_f.bias", self.ln_f.bias)]


def write_safetensors(path, named):
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in named:
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def config_json():
    return {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": VOCAB_SIZE,
            "n_positions": N_POSITIONS, "n_ctx": N_POSITIONS, "n_embd": N_EMBD, "n_layer": N_LAYER,
            "n_head": N_HEAD, "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "initializer_range": 0.02,
            "bos_token_id": VOCAB_SIZE - 1, "eos_token_id": VOCAB_SIZE - 1, "tie_word_embeddings": True,
            "torch_dtype": "float32"}


# ---------------------------------------------------------------- training

def lr_at(step, steps):
    if step < WARMUP:
        return LR * (step + 1) / WARMUP
    p = (step - WARMUP) / max(1, steps - WARMUP)
    return MIN_LR + 0.5 * (LR - MIN_LR) * (1 + math.cos(math.pi * p))


def phase_at(step, steps):
    """(sequence length, batch) of `step` under SEQ_SCHEDULE."""
    end = 0.0
    for share, seq, batch in SEQ_SCHEDULE:
        end += share
        if step < round(end * steps):
            return seq, batch
    return SEQ_SCHEDULE[-1][1:]


def heldout_loss(model, ids):
    model.eval()
    with torch.no_grad():
        tot, n = 0.0, 0
        for s in range(0, len(ids) - SEQ_LEN - 1, SEQ_LEN):
            x = torch.tensor(ids[s:s + SEQ_LEN])[None]
            y = torch.tensor(ids[s + 1:s + SEQ_LEN + 1])[None]
            tot += torch.nn.functional.cross_entropy(model(x)[0], y[0], reduction="sum").item()
            n += SEQ_LEN
    model.train()
    return tot / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--probe", action="store_true", help="time 12 steps and exit")
    args = ap.parse_args()
    if args.steps < 1:
        ap.error(f"--steps must be >= 1, got {args.steps}")
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    books = read_books()
    train_text = [t for b, t in books if b not in HELDOUT_BOOKS]
    held_text = "".join(t for b, t in books if b in HELDOUT_BOOKS)
    vocab, merges = train_bpe(train_text)
    assert len(vocab) == VOCAB_SIZE, len(vocab)
    with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False)
    with open(os.path.join(args.out, "heldout.txt"), "w", encoding="utf-8") as f:
        f.write(held_text)
    enc = Encoder(vocab, merges)
    train_ids = [i for t in train_text for i in enc.encode(t)]
    held_ids = enc.encode(held_text)
    print(f"corpus: {len(books)} books, train {len(train_ids)} tokens, held-out {len(held_ids)} tokens "
          f"({', '.join(HELDOUT_BOOKS)}); tokenizer {time.time() - t0:.0f}s", flush=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config_json(), f, indent=2)

    model = Gpt2()
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and "ln" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() == 2 and "ln" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                             {"params": no_decay, "weight_decay": 0.0}], lr=LR, betas=(0.9, 0.95))
    data = torch.tensor(train_ids)
    gen = torch.Generator().manual_seed(SEED)
    log = open(os.path.join(args.out, "train_log.tsv"), "w")
    log.write("step\tseq\tlr\tloss\tseconds\n")
    steps = 12 if args.probe else args.steps
    t1 = time.time()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps)
        seq, batch = phase_at(step, steps)
        starts = torch.randint(0, len(train_ids) - seq - 1, (batch,), generator=gen)
        x = torch.stack([data[s:s + seq] for s in starts])
        y = torch.stack([data[s + 1:s + seq + 1] for s in starts])
        loss = torch.nn.functional.cross_entropy(model(x).view(-1, VOCAB_SIZE), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        log.write(f"{step}\t{seq}\t{lr_at(step, steps):.6f}\t{loss.item():.4f}\t{time.time() - t1:.1f}\n")
        log.flush()
        if not args.probe and step + 1 < steps and phase_at(step + 1, steps)[0] != seq:
            print(f"end of seq-{seq} phase at step {step}: held-out loss {heldout_loss(model, held_ids):.4f}",
                  flush=True)
        if step % 50 == 0 or step == steps - 1 or args.probe:
            print(f"step {step} loss {loss.item():.4f} {time.time() - t1:.1f}s", flush=True)
    if args.probe:
        print(f"probe: {(time.time() - t1) / steps:.2f} s/step", flush=True)
        return
    write_safetensors(os.path.join(args.out, "model.safetensors"), model.hf_tensors())
    hl = heldout_loss(model, held_ids)
    print(f"held-out loss {hl:.4f} perplexity {math.exp(hl):.2f}; total {time.time() - t0:.0f}s "
          f"(training {time.time() - t1:.0f}s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
