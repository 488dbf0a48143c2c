#!/usr/bin/env python3
"""Unigram and bigram baselines for kjv-small on the same split and tokenizer as the model.

Unigram: add-one smoothed token frequencies of the training books. Bigram: interpolated absolute discounting
(D = 0.75) backing off to that unigram. Both are scored on the held-out books exactly as `kvlab eval` scores the
model: the held-out text as one token stream cut into consecutive 1024-token windows, the first token of each
window unscored. Also prints the held-out token count and first ids (the Java tests pin them).

Usage: python3 tools/kjv_baselines.py CHECKPOINT_DIR   (the directory train_kjv_small.py wrote)
"""
import collections
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_kjv_small import EOT, HELDOUT_BOOKS, Encoder, read_books  # noqa: E402

D, CTX = 0.75, 1024


def main(ckpt):
    tok = json.load(open(os.path.join(ckpt, "tokenizer.json"), encoding="utf-8"))
    vocab, merges = tok["model"]["vocab"], tok["model"]["merges"]
    vocab[EOT] = tok["added_tokens"][0]["id"]
    enc = Encoder(vocab, merges)
    books = read_books()
    train = [i for b, t in books if b not in HELDOUT_BOOKS for i in enc.encode(t)]
    held_text = "".join(t for b, t in books if b in HELDOUT_BOOKS)
    assert held_text == open(os.path.join(ckpt, "heldout.txt"), encoding="utf-8").read()
    held = enc.encode(held_text)
    v = len(vocab)
    uni = collections.Counter(train)
    p_uni = [(uni[w] + 1) / (len(train) + v) for w in range(v)]
    big = collections.Counter(zip(train, train[1:]))
    ctx_count = collections.Counter(train[:-1])
    followers = collections.Counter(a for a, _ in big)
    scored = [(held[s + i - 1], held[s + i]) for s in range(0, len(held) - 1, CTX)
              for i in range(1, min(CTX, len(held) - s))]
    nll_uni = -sum(math.log(p_uni[w]) for _, w in scored) / len(scored)

    def p_big(a, w):
        c = ctx_count[a]
        if c == 0:
            return p_uni[w]
        return max(big[(a, w)] - D, 0) / c + D * followers[a] / c * p_uni[w]

    nll_big = -sum(math.log(p_big(a, w)) for a, w in scored) / len(scored)
    print(json.dumps({"heldout_tokens": len(held), "scored_tokens": len(scored), "train_tokens": len(train),
                      "unigram_perplexity": math.exp(nll_uni), "bigram_perplexity": math.exp(nll_big),
                      "unigram_nll": nll_uni, "bigram_nll": nll_big, "first_ids": held[:32]}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
