"""The mixed workload of ``kvlab bench``, reproduced in Python for tools/hf_eager_baseline.py.

Mirrors ``dev.kvlab.bench.Workloads.build`` for ``--workload mixed`` (the ``batching`` sweep of
``--preset full``: 64 requests, prompt and output medians 24, seed 0): one ``java.util.Random(seed)``
draws, per request, a prompt length (``LengthDist.sample``: ``round(median * exp(0.8 * z))``, clipped to
``[max(1, median // 8), 6 * median]``), then that many token ids uniform in ``[0, eos)``, then an output
length (the same distribution, further capped at ``positions - prompt length``). ``JavaRandom`` is
``java.util.Random`` bit for bit (its LCG is specified in the Javadoc), so ids and lengths are kvlab's.

``lengths_from_bench`` reads a ``kvlab bench`` ``requests.csv`` or ``requests.jsonl`` so a caller can
check the port against the kvlab version at hand.
"""

import csv
import json
import math

MASK_48 = (1 << 48) - 1
MULTIPLIER = 0x5DEECE66D
ADDEND = 0xB
SHAREGPT_SIGMA = 0.8


class JavaRandom:
    """``java.util.Random``: 48-bit LCG, ``nextInt(bound)``, ``nextDouble()``, ``nextGaussian()`` (polar)."""

    def __init__(self, seed):
        """Seeds as ``new Random(seed)`` does (scrambled with the multiplier)."""
        self._seed = (seed ^ MULTIPLIER) & MASK_48
        self._next_gaussian = None

    def _next(self, bits):
        """``Random.next(bits)``: the top ``bits`` of the new state, as a signed 32-bit int."""
        self._seed = (self._seed * MULTIPLIER + ADDEND) & MASK_48
        value = self._seed >> (48 - bits)
        return value - (1 << 32) if value >= (1 << 31) else value

    def next_int(self, bound):
        """``Random.nextInt(bound)``, with Java's rejection of the biased top range."""
        r = self._next(31)
        m = bound - 1
        if bound & m == 0:
            return (bound * r) >> 31
        u = r
        r = u % bound
        while u - r + m >= (1 << 31):      # Java: u - r + m < 0 after int overflow
            u = self._next(31)
            r = u % bound
        return r

    def next_double(self):
        """``Random.nextDouble()``: 53 random bits in [0, 1)."""
        return ((self._next(26) << 27) + self._next(27)) * (1.0 / (1 << 53))

    def next_gaussian(self):
        """``Random.nextGaussian()``: Marsaglia's polar method, the second value kept for the next call."""
        if self._next_gaussian is not None:
            value, self._next_gaussian = self._next_gaussian, None
            return value
        while True:
            v1 = 2 * self.next_double() - 1
            v2 = 2 * self.next_double() - 1
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        multiplier = math.sqrt(-2 * math.log(s) / s)
        self._next_gaussian = v2 * multiplier
        return v1 * multiplier


def sharegpt_length(rng, median):
    """``LengthDist.sharegptLike(median).sample(rng)``; Java's ``Math.round`` is floor(x + 0.5)."""
    value = median * math.exp(SHAREGPT_SIGMA * rng.next_gaussian())
    return int(max(max(1, median // 8), min(6 * median, math.floor(value + 0.5))))


def mixed_workload(requests, prompt_median, output_median, seed, eos, positions):
    """The requests of ``kvlab bench --workload mixed``: a list of (prompt ids, output length), in arrival order."""
    rng = JavaRandom(seed)
    out = []
    for _ in range(requests):
        n_prompt = sharegpt_length(rng, prompt_median)
        ids = [rng.next_int(eos) for _ in range(n_prompt)]
        if len(ids) >= positions:
            raise ValueError(f"workload prompt of {len(ids)} tokens does not fit the {positions}-position context")
        out.append((ids, min(sharegpt_length(rng, output_median), positions - len(ids))))
    return out


def lengths_from_bench(path):
    """(prompt_tokens, output_tokens) per request of the first run in a kvlab bench requests.csv/.jsonl."""
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()] if path.endswith(".jsonl") else list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path} has no requests")
    first = (rows[0]["experiment"], rows[0]["label"])
    run = [r for r in rows if (r["experiment"], r["label"]) == first]
    run.sort(key=lambda r: r["id"])
    return [(int(r["prompt_tokens"]), int(r["output_tokens"])) for r in run]
