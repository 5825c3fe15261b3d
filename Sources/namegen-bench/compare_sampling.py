#!/usr/bin/env python3
"""Sampling speed of namegen beside PyTorch's, from the same checkpoint, in alternating rounds.

PyTorch loads the checkpoint with namegen_torch.py (Sources/namegen-torch) and samples as
makemore's generate() does: a batch of `--batch` rows (default 1000) starting with the start token
0; at each step the model's logits of the last position, softmax, torch.multinomial, append; for
max_new_tokens steps (default: the transformer's block_size, 16 for any other model, makemore's
block_size on names.txt; makemore's print_samples runs one step fewer, --max-new-tokens 15); then
each row is cut at its first 0 and decoded, as makemore's print_samples does (a row whose first
draw is 0 is an empty name; the time covers drawing and decoding, not printing). As in makemore,
every step recomputes the model over the whole context, cropped to the last block_size tokens:
there is no KV cache, and an mlp computes its window at every position of the cropped context
though only the last one is used (NamegenModel.forward) — makemore's way is measured, not the
fastest PyTorch can do. Every row runs all max_new_tokens steps. namegen_torch.sample is not used:
it stops when all rows have ended, runs up to 51 steps, forbids the end token at the first step and
passes a window model the uncropped context.

namegen runs `namegen sample --checkpoint CKPT -n N --seed 1 --threads T > /dev/null`, timed by
wall clock (so including start-up, reading the checkpoint and data file, and the summary on
stderr). `--baseline` is a second namegen binary, an older build: if its sample command rejects
`--threads` (exit 64) it runs with its default threads, once per thread count all the same.

Each round runs, for each thread count, namegen, the baseline (if given) and PyTorch
(torch.set_num_threads(T), after one untimed warm-up batch at the start) in turn, and prints
their names/s; the end prints the median ratios namegen/torch and namegen/baseline. Then a sanity
check that both sample the same distribution: over the PyTorch sample (empty names dropped) and
a namegen sample of the same size, the largest |difference| of a first character's frequency
divided by its binomial standard error (pooled): below ~4 is what the same distribution gives.

Usage: /root/torchvenv/bin/python Sources/namegen-bench/compare_sampling.py --checkpoint CKPT
       [--threads 1,2] [--rounds 3] [--names 1000000] [--torch-names 20000] [--batch 1000]
       [--max-new-tokens N] [--namegen PATH] [--baseline PATH] [--seed 1]
"""
import argparse, collections, math, os, statistics, subprocess, sys, time

import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "namegen-torch"))
import namegen_torch as ng  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--checkpoint", default="checkpoints/model.safetensors")
parser.add_argument("--threads", nargs="+", default=["1,2"], help="thread counts: 1,2 or 1 2 (default 1,2)")
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--names", type=int, default=1_000_000, help="names per namegen run")
parser.add_argument("--torch-names", type=int, default=20_000, help="names per PyTorch run")
parser.add_argument("--batch", type=int, default=1000, help="PyTorch rows per generate() batch")
parser.add_argument("--max-new-tokens", type=int, default=None,
                    help="PyTorch steps per batch (default: the transformer's block_size, else 16)")
parser.add_argument("--namegen", default=".build/release/namegen")
parser.add_argument("--baseline", default=None, help="an older namegen binary to time as well")
parser.add_argument("--seed", type=int, default=1, help="seed of PyTorch's generator (namegen always runs --seed 1)")
args = parser.parse_args()
threads = [int(t) for arg in args.threads for t in arg.split(",") if t]
for binary in filter(None, [args.namegen, args.baseline]):
    if not os.access(binary, os.X_OK):
        sys.exit(f"Error: {binary} not found; build it first (swift build -c release --product namegen)")

model = ng.load(args.checkpoint)
block_size = model.block_size
steps = args.max_new_tokens or (block_size if model.model_kind == "transformer" else 16)
if model.labelled:
    sys.exit("Error: a labelled checkpoint; this script samples models of plain names")
if model.model_kind in ("transformer", "bow") and steps > block_size:
    sys.exit(f"Error: --max-new-tokens {steps} is more than the {model.model_kind}'s block_size {block_size}")


@torch.no_grad()
def generate(idx, max_new_tokens, generator):
    """makemore's generate(): max_new_tokens steps of the last position's softmax, cropped context."""
    for _ in range(max_new_tokens):
        idx_cond = idx if idx.size(1) <= block_size else idx[:, -block_size:]
        logits = model(idx_cond)[:, -1, :]
        probs = F.softmax(logits, dim=-1)
        idx_next = torch.multinomial(probs, num_samples=1, generator=generator)
        idx = torch.cat((idx, idx_next), dim=1)
    return idx


def torch_names(n, generator):
    """n names, `--batch` rows at a time, each row cut at its first end token (makemore's print_samples)."""
    names = []
    for start in range(0, n, args.batch):
        rows = generate(torch.zeros(min(args.batch, n - start), 1, dtype=torch.long), steps, generator)
        for row in rows[:, 1:].tolist():
            names.append(model.decode(row[:row.index(0)] if 0 in row else row))
    return names


def run_namegen(binary, n, t, stdout=subprocess.DEVNULL):
    command = [binary, "sample", "--checkpoint", args.checkpoint, "-n", str(n), "--seed", "1"]
    if t is not None:
        command += ["--threads", str(t)]
    return subprocess.run(command, stdout=stdout, stderr=subprocess.DEVNULL, check=True, text=True)


def takes_threads(binary):
    """Whether a namegen's sample command has --threads (an older one exits 64: unknown option)."""
    code = subprocess.run([binary, "sample", "--checkpoint", args.checkpoint, "-n", "1", "--seed", "1",
                           "--threads", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if code not in (0, 64):
        sys.exit(f"Error: {binary} sample exited {code}")
    return code == 0


def namegen_speed(binary, t):
    start = time.perf_counter()
    run_namegen(binary, args.names, t)
    return args.names / (time.perf_counter() - start)


def torch_speed(t, generator):
    torch.set_num_threads(t)
    start = time.perf_counter()
    names = torch_names(args.torch_names, generator)
    return args.torch_names / (time.perf_counter() - start), names


cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout
            .splitlines() if l.startswith("Model name")), "unknown")
print(f"cpu: {cpu}, {os.cpu_count()} logical cores; torch {torch.__version__}, "
      f"cpu capability {torch.backends.cpu.get_cpu_capability()}")
print(f"checkpoint {args.checkpoint}: {model.model_kind}, block_size {block_size}; PyTorch: batch {args.batch}, "
      f"{steps} steps per batch, {args.torch_names} names per run; namegen: {args.names} names per run")
baseline_threads = takes_threads(args.baseline) if args.baseline else False
if args.baseline:
    print(f"baseline {args.baseline}: " + ("--threads T" if baseline_threads else "default threads (no --threads)"))

generator = torch.Generator().manual_seed(args.seed)
torch.set_num_threads(threads[0])
torch_names(min(args.batch, args.torch_names), generator)  # warm-up, untimed
ratios, base_ratios, sample = {}, {}, None
print("round  threads  namegen names/s" + ("  baseline names/s" if args.baseline else "") +
      "  pytorch names/s  namegen/torch" + ("  namegen/baseline" if args.baseline else ""))
for r in range(args.rounds):
    for t in threads:
        ours = namegen_speed(args.namegen, t)
        base = namegen_speed(args.baseline, t if baseline_threads else None) if args.baseline else None
        theirs, sample = torch_speed(t, generator)
        ratios.setdefault(t, []).append(ours / theirs)
        line = f"{r + 1:5d}  {t:7d}  {ours:15.0f}"
        if base is not None:
            line += f"  {base:16.0f}"
            base_ratios.setdefault(t, []).append(ours / base)
        line += f"  {theirs:15.0f}  {ours / theirs:12.2f}x"
        if base is not None:
            line += f"  {ours / base:15.2f}x"
        print(line, flush=True)
for t in threads:
    line = f"threads {t}: median namegen/torch {statistics.median(ratios[t]):.2f}x"
    if args.baseline:
        line += f", namegen/baseline {statistics.median(base_ratios[t]):.2f}x"
    print(line + f" over {args.rounds} rounds")

# The same distribution? First-character frequencies of the last PyTorch sample and of a namegen
# sample of the same size (namegen never draws an empty name: PyTorch's empty ones are dropped).
if sample is not None:
    ours = run_namegen(args.namegen, len(sample), threads[-1], stdout=subprocess.PIPE).stdout.splitlines()
    theirs = [s for s in sample if s]
    a, b = collections.Counter(s[0] for s in ours), collections.Counter(s[0] for s in theirs)
    n1, n2 = len(ours), len(theirs)
    worst, worst_char = 0.0, None
    for c in set(a) | set(b):
        p = (a[c] + b[c]) / (n1 + n2)
        z = abs(a[c] / n1 - b[c] / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2)) if 0 < p < 1 else 0.0
        if z > worst:
            worst, worst_char = z, c
    unended = sum(len(s) == steps for s in sample)
    print(f"first characters: max |difference| / standard error {worst:.2f} (at {worst_char!r}) over namegen's "
          f"{n1} names and PyTorch's {n2} ({len(sample) - n2} empty ones dropped; {unended} rows had no end token "
          f"in {steps} steps); below ~4 is the same distribution")
