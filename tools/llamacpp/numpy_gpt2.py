#!/usr/bin/python3
"""A plain numpy fp32 GPT-2 (KV cache, greedy, EOS never picked) with a switchable GELU: why llama.cpp's logits
differ from Hugging Face's and kvlab's (tools/README.md, "Agreement with kvlab").

``--gelu exact``: GPT-2's tanh GELU in fp32. ``--gelu ggml-fp16``: ggml's CPU GELU (``GGML_GELU_FP16``): the input
rounded to fp16, the tanh GELU of that, the result rounded to fp16; 0 below -10 and x above 10. Prints one JSON
line: the greedy ids and each step's top-2 logit margin; ``--logits-out FILE`` writes step 0's logits (raw
little-endian float32, like the hf-gpt2 fixtures' ``logits-*.f32``). Slow (gpt2-small: ~30 s for 200 tokens).
Bad input: one line on stderr, exit 2.
"""

import argparse
import json
import os
import sys

import numpy as np

from gguf_export import BadInput, load_config, read_safetensors

SQRT_2_OVER_PI = np.float32(0.7978845608028654)
GELU_COEF_A = np.float32(0.044715)


def gelu_tanh(x):
    return (np.float32(0.5) * x * (1 + np.tanh(SQRT_2_OVER_PI * x * (1 + GELU_COEF_A * x * x)))).astype(np.float32)


def gelu_ggml_fp16(x):
    y = gelu_tanh(x.astype(np.float16).astype(np.float32)).astype(np.float16).astype(np.float32)
    return np.where(x <= -10, np.float32(0), np.where(x >= 10, x, y)).astype(np.float32)


class Gpt2:
    def __init__(self, model_dir, gelu):
        cfg = load_config(model_dir)
        self.w = {k: np.ascontiguousarray(v) for k, v in read_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
        self.n_layer, self.n_head, self.eos = cfg["n_layer"], cfg["n_head"], cfg.get("eos_token_id")
        self.eps = np.float32(cfg.get("layer_norm_epsilon", 1e-5))
        self.gelu = gelu
        self.k = [None] * self.n_layer  # per layer: [positions, n_head, head_dim]
        self.v = [None] * self.n_layer
        self.pos = 0

    def norm(self, x, name):
        m = x.mean(-1, keepdims=True)
        var = ((x - m) ** 2).mean(-1, keepdims=True)
        return ((x - m) / np.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]).astype(np.float32)

    def forward(self, ids):
        """Logits [vocab] after appending ids to the cache."""
        w, t = self.w, len(ids)
        x = w["wte.weight"][ids] + w["wpe.weight"][self.pos:self.pos + t]
        for i in range(self.n_layer):
            p = f"h.{i}."
            qkv = self.norm(x, p + "ln_1") @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
            q, k, v = (a.reshape(t, self.n_head, -1) for a in np.split(qkv, 3, -1))
            self.k[i] = k if self.k[i] is None else np.concatenate([self.k[i], k])
            self.v[i] = v if self.v[i] is None else np.concatenate([self.v[i], v])
            s = np.einsum("thd,shd->hts", q, self.k[i]) / np.float32(np.sqrt(q.shape[-1]))
            future = np.arange(self.k[i].shape[0])[None, :] > (self.pos + np.arange(t))[:, None]
            s = np.exp(np.where(future[None], -np.inf, s) - s.max(-1, keepdims=True))
            s = (s / s.sum(-1, keepdims=True)).astype(np.float32)
            x = x + np.einsum("hts,shd->thd", s, self.v[i]).reshape(t, -1) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
            h = self.gelu(self.norm(x, p + "ln_2") @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
            x = x + h @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
        self.pos += t
        return (self.norm(x[-1:], "ln_f") @ w["wte.weight"].T)[0]


def main(argv):
    p = argparse.ArgumentParser(description="numpy fp32 GPT-2 greedy with exact or ggml-fp16 GELU")
    p.add_argument("--model", required=True, help="Hugging Face GPT-2 directory")
    p.add_argument("--gelu", choices=["exact", "ggml-fp16"], default="exact")
    p.add_argument("--prompt-ids", default="464,2068,7586,21831,18045,625,262,16931")
    p.add_argument("--max-new-tokens", type=int, default=200)
    p.add_argument("--logits-out", help="write step 0's logits here (float32)")
    a = p.parse_args(argv)
    try:
        prompt = [int(t) for t in a.prompt_ids.split(",")]
        if a.max_new_tokens < 1:
            raise BadInput("--max-new-tokens must be at least 1")
        model = Gpt2(a.model, gelu_tanh if a.gelu == "exact" else gelu_ggml_fp16)
    except (BadInput, ValueError, OSError) as e:
        print(f"numpy_gpt2: {e}", file=sys.stderr)
        return 2
    logits = model.forward(prompt)
    if a.logits_out:
        logits.astype("<f4").tofile(a.logits_out)
    ids, margins = [], []
    for _ in range(a.max_new_tokens):
        if model.eos is not None:
            logits[model.eos] = -np.inf
        top2 = np.argsort(logits)[-2:]
        margins.append(float(logits[top2[1]] - logits[top2[0]]))
        ids.append(int(top2[1]))
        logits = model.forward([ids[-1]])
    print(json.dumps({"gelu": a.gelu, "prompt_ids": prompt, "ids": ids, "top2_margins": margins}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
