#!/usr/bin/env python3
"""namegen's transformer training speed beside PyTorch's, in alternating rounds.

Both train makemore's transformer (4 layers, 4 heads, embed 64, T 16, 204,544 parameters) with
the default recipe (AdamW β 0.9, 0.99, weight decay 0.01, cosine lr, dropout 0.2) at batch 32,
timed over the optimisation steps only (draw a batch, forward, backward, update) after an untimed
warm-up of a tenth of the steps. Each round runs `namegen-bench --only transformer --threads T
--json` and `torch_transformer.py` with the same steps and threads (or the other way round,
alternating), and the script prints each round and the median of the per-round speed ratios.

Usage: .venv/bin/python Sources/namegen-bench/compare_torch_transformer.py [--threads 1 2] [--rounds 2]
       [--steps 1000] [--bench PATH]
"""
import argparse, json, os, re, statistics, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
parser.add_argument("--rounds", type=int, default=2)
parser.add_argument("--steps", type=int, default=1000, help="timed steps (namegen-bench times 1,000)")
parser.add_argument("--bench", default=".build/release/namegen-bench")
args = parser.parse_args()
if not os.access(args.bench, os.X_OK):
    sys.exit(f"Error: {args.bench} not found; build it first (swift build -c release --product namegen-bench)")


def namegen(threads):
    out = subprocess.run([args.bench, "--only", "transformer", "--threads", str(threads), "--json"],
                         capture_output=True, text=True, check=True).stdout
    system = next(json.loads(l) for l in out.splitlines() if '"system"' in l)
    row = next(json.loads(l) for l in out.splitlines() if '"transformer"' in l)
    return row["steps_per_s"], system


def torch(threads):
    out = subprocess.run([sys.executable, os.path.join(here, "torch_transformer.py"), "--steps", str(args.steps),
                          "--warmup-steps", str(args.steps // 10), "--threads", str(threads), "--no-final-eval"],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"steps/s ([0-9.]+)", out).group(1))


ratios = {t: [] for t in args.threads}
print("round  threads  namegen steps/s  pytorch steps/s  ratio")
for r in range(args.rounds):
    for t in args.threads:
        if r % 2 == 0:
            ours, system = namegen(t); theirs = torch(t)
        else:
            theirs = torch(t); ours, system = namegen(t)
        ratios[t].append(ours / theirs)
        print(f"{r + 1:5d}  {t:7d}  {ours:15.1f}  {theirs:15.1f}  {ours / theirs:5.2f}x", flush=True)
print(f"cpu: {system['cpu']}, kernel set: {system['kernels']}")
for t in args.threads:
    print(f"threads {t}: median ratio {statistics.median(ratios[t]):.2f}x over {args.rounds} rounds")
