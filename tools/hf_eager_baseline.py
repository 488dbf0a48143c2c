#!/usr/bin/python3
"""The Hugging Face transformers baseline of issue 8: fixture check and the two timings, on hf_gpt2_eager.py.

transformers cannot be installed on these machines, so ``hf_gpt2_eager`` ports its GPT-2 eager path
(``GPT2LMHeadModel`` with the tuple KV cache, greedy ``generate()``; its docstring lists what is mirrored and
what is left out). ``generate()``'s per-step Python bookkeeping (logits processors, stopping criteria, output
dataclasses) is not reproduced, so the stand-in is if anything FASTER than real HF: ratios against it
understate kvlab's lead. Modes, each printing one JSON line (``pandas.read_json(f, lines=True)``):

- ``--check FIXTURE_DIR``: weights' sha256, logits and greedy ids against an hf-gpt2 fixture folder
  (made by transformers itself), alone and in one left-padded batch; exit 1 on a mismatch.
- ``--decode``: batch-1 greedy decode from an 8-token prompt, decode tok/s and median TPOT (no prefill).
- ``--static-batches``: ``kvlab bench``'s 64-request mixed workload (``kvlab_workload``) in padded static
  batches of 8, as HF ``generate()`` serves a queue; output tok/s over the whole workload.

Export ``OMP_WAIT_POLICY=PASSIVE`` before running (as kvlab's launcher does): libgomp reads it when it
loads, and its default spin-wait fights OpenBLAS's threads. Bad input: one line on stderr, exit 2.
Usage: tools/README.md. Needs only Debian 12's python3-torch (run with /usr/bin/python3).
"""

import argparse
import ctypes
import hashlib
import json
import os
import statistics
import sys
import time

import torch

import kvlab_workload
from hf_gpt2_eager import BadInput, generate, left_padded, load_model

LOGITS_TOLERANCE = 1e-4          # fixtures README: a correct float32 implementation is within 1e-4 of HF
DECODE_PROMPT = [464, 2068, 7586, 21831, 18045, 625, 262, 16931]   # the fixtures' "fox" prompt


# ---------------------------------------------------------------------------------------------- check


def check_tensor_hashes(model, fixture_dir):
    """Number of tensors whose sha256 equals tensor-sha256.json; raises if any differs or is missing."""
    with open(os.path.join(fixture_dir, "tensor-sha256.json"), encoding="utf-8") as f:
        expected = json.load(f)
    for name, digest in expected.items():
        if name not in model.w:
            raise BadInput(f"--model lacks tensor {name} of {fixture_dir}")
        got = hashlib.sha256(model.w[name].contiguous().numpy().tobytes()).hexdigest()
        if got != digest:
            raise BadInput(f"--model tensor {name} is not the fixture's (sha256 differs): wrong checkpoint or seed")
    return len(expected)


def fixture_logits(fixture_dir, file_name):
    """A fixture logits file: [vocab] little-endian float32."""
    with open(os.path.join(fixture_dir, file_name), "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32)


def compare_prompts(model, fixture_dir, prompts, batched):
    """Max |logit diff| and the prompts whose greedy ids differ, generating alone or all in one padded batch."""
    names = list(prompts)
    n_new = max(len(prompts[n]["generated_ids"]) for n in names)
    captured = {}

    def keep(step, logits, _seconds):
        captured[step] = logits.clone()

    groups = [names] if batched else [[n] for n in names]
    generated, max_diff = {}, 0.0
    for group in groups:
        captured.clear()
        ids, mask = left_padded([prompts[n]["prompt_ids"] for n in group], model.eos)
        out = generate(model, ids, mask, n_new, keep)
        for row, name in enumerate(group):
            generated[name] = out[row].tolist()
            for step, file_name in prompts[name]["logits_files"].items():
                diff = (captured[int(step)][row] - fixture_logits(fixture_dir, file_name)).abs().max().item()
                max_diff = max(max_diff, diff)
    mismatched = [n for n in names if generated[n] != prompts[n]["generated_ids"]]
    return max_diff, mismatched


def run_check(model, fixture_dir):
    """``--check``: weights, then logits and greedy ids alone and left-padded in one batch; exit 1 on mismatch."""
    with open(os.path.join(fixture_dir, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    hashed = check_tensor_hashes(model, fixture_dir)
    result = {"mode": "check", "fixture": fixture_dir, "tensors_hash_equal": hashed, "tolerance": LOGITS_TOLERANCE}
    for label, batched in (("alone", False), ("padded_batch", True)):
        max_diff, mismatched = compare_prompts(model, fixture_dir, expected["prompts"], batched)
        result[f"{label}_max_abs_logit_diff"] = max_diff
        result[f"{label}_ids_mismatched"] = mismatched
    ok = all(result[f"{lb}_max_abs_logit_diff"] <= LOGITS_TOLERANCE and not result[f"{lb}_ids_mismatched"]
             for lb in ("alone", "padded_batch"))
    result["ok"] = ok
    print(json.dumps(result))
    return 0 if ok else 1


# ---------------------------------------------------------------------------------------------- timing


def run_decode(model, max_new_tokens):
    """``--decode``: batch-1 greedy from the 8-token prompt; decode tok/s and TPOT exclude the prefill."""
    times = []
    ids, mask = left_padded([DECODE_PROMPT], model.eos)
    generate(model, ids, mask, max_new_tokens, lambda step, _logits, s: times.append(s))
    decode = times[1:]
    return {"mode": "decode", "prompt_tokens": len(DECODE_PROMPT), "new_tokens": max_new_tokens,
            "prefill_ms": times[0] * 1e3,
            "decode_tok_s": len(decode) / sum(decode) if decode else None,
            "tpot_median_ms": statistics.median(decode) * 1e3 if decode else None}


def workload(model, args):
    """The 64-request mixed workload of ``kvlab bench --only batching``, checked against --requests-from."""
    requests = kvlab_workload.mixed_workload(args.requests, args.prompt_median, args.output_median, args.seed,
                                             model.eos, model.positions)
    if args.requests_from:
        bench = kvlab_workload.lengths_from_bench(args.requests_from)
        ours = [(len(ids), n) for ids, n in requests]
        if bench != ours:
            raise BadInput(f"--requests-from {args.requests_from}: its request lengths differ from this workload's "
                           "(other --requests/--seed/medians, or kvlab's generator changed)")
    return requests


def run_static_batches(model, requests, batch):
    """``--static-batches``: groups of ``batch`` in arrival order, left-padded, each run to its longest output."""
    steps, output_tokens = 0, 0
    t0 = time.perf_counter()
    for start in range(0, len(requests), batch):
        group = requests[start:start + batch]
        longest = max(n for _, n in group)
        ids, mask = left_padded([p for p, _ in group], model.eos)
        if ids.size(1) + longest > model.positions:
            raise BadInput(f"a static group needs {ids.size(1) + longest} positions, the model has {model.positions}")
        generate(model, ids, mask, longest)
        steps += longest
        output_tokens += sum(n for _, n in group)
    wall = time.perf_counter() - t0
    return {"mode": "static-batches", "requests": len(requests), "batch": batch, "steps": steps,
            "output_tokens": output_tokens, "wall_s": wall, "output_tok_s": output_tokens / wall}


# ---------------------------------------------------------------------------------------------- CLI


def set_threads(n):
    """torch's intra-op threads and OpenBLAS's own pool (Debian's torch does not forward the count to it)."""
    if n > 1 and os.environ.get("OMP_WAIT_POLICY") is None:
        print("hf_eager_baseline: warning: OMP_WAIT_POLICY is not set; export OMP_WAIT_POLICY=PASSIVE before "
              "starting (libgomp's spin-wait slows OpenBLAS's threads)", file=sys.stderr)
    torch.set_num_threads(n)
    try:
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(n)
    except (OSError, AttributeError):
        pass


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (via :class:`BadInput`) instead of the usage text."""

    def error(self, message):
        """Raises instead of printing usage and exiting."""
        raise BadInput(message)


def parse_args(argv):
    """The command line; exactly one of --check, --decode, --static-batches."""
    p = OneLineParser(description="HF transformers GPT-2 eager stand-in (see the module docstring).")
    p.add_argument("--model", required=True, help="Hugging Face GPT-2 directory (config.json, model.safetensors F32)")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", metavar="FIXTURE_DIR", help="compare with an hf-gpt2 fixture folder; exit 1 if off")
    mode.add_argument("--decode", action="store_true", help="batch-1 greedy decode from the 8-token prompt")
    mode.add_argument("--static-batches", action="store_true", help="the mixed workload in padded static batches")
    p.add_argument("--threads", type=int, default=torch.get_num_threads(),
                   help="torch and OpenBLAS threads (default: torch's own default, what a plain HF user gets: "
                        f"{torch.get_num_threads()} here); pass kvlab's count to compare")
    p.add_argument("--max-new-tokens", type=int, default=200, help="--decode: tokens to generate (default 200)")
    p.add_argument("--batch", type=int, default=8, help="--static-batches: requests per group (default 8)")
    p.add_argument("--requests", type=int, default=64, help="workload requests (default 64)")
    p.add_argument("--prompt-median", type=int, default=24, help="workload median prompt tokens (default 24)")
    p.add_argument("--output-median", type=int, default=24, help="workload median output tokens (default 24)")
    p.add_argument("--seed", type=int, default=0, help="workload seed (default 0)")
    p.add_argument("--requests-from", metavar="FILE",
                   help="a kvlab bench requests.csv/.jsonl whose lengths the workload must equal")
    args = p.parse_args(argv)
    for name in ("threads", "max_new_tokens", "batch", "requests", "prompt_median", "output_median"):
        if getattr(args, name) < 1:
            raise BadInput(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    return args


def environment(args):
    """The facts a timing row needs beside its numbers."""
    return {"model": args.model, "threads": args.threads, "torch": torch.__version__,
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY")}


def main(argv):
    """Runs one mode; returns the exit status."""
    try:
        args = parse_args(argv)
        set_threads(args.threads)
        model = load_model(args.model)
        if args.check:
            return run_check(model, args.check)
        if args.decode:
            if len(DECODE_PROMPT) + args.max_new_tokens > model.positions:
                raise BadInput(f"--max-new-tokens {args.max_new_tokens} does not fit {model.positions} positions")
            row = run_decode(model, args.max_new_tokens)
        else:
            row = run_static_batches(model, workload(model, args), args.batch)
        print(json.dumps({**row, **environment(args)}))
        return 0
    except (BadInput, OSError, ValueError) as e:
        print(f"hf_eager_baseline: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
