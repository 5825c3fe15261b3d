#!/usr/bin/env python3
"""Training speed of namegen's rnn, gru, lstm and bow beside PyTorch's, in alternating rounds.

Both sides train the same model with the same recipe (`--embed 64 --hidden 64`, AdamW 2e-3,
weight decay 0.01, cosine decay, batch 32) on names.txt. namegen runs `namegen train` and reports
the steps/s of its training loop (the `saved ... steps/s` line: the loop only, not reading the
data or the final evaluation); PyTorch runs torch_recurrent.py or torch_bow.py, whose `time`
covers its training loop only. Rounds alternate which side goes first; the script prints each
round and the median of the per-round ratios for each model and thread count.

Usage: /root/torchvenv/bin/python Sources/namegen-bench/compare_torch_zoo.py [--models rnn gru lstm bow]
       [--threads 1 2] [--rounds 3] [--namegen-steps 3000] [--torch-steps 1000] [--namegen PATH]
"""
import argparse, os, re, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--models", nargs="+", default=["rnn", "gru", "lstm", "bow"])
parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--namegen-steps", type=int, default=3000)
parser.add_argument("--torch-steps", type=int, default=1000)
parser.add_argument("--namegen", default=".build/release/namegen")
parser.add_argument("--data", default="names.txt")
args = parser.parse_args()
if not os.access(args.namegen, os.X_OK):
    sys.exit(f"Error: {args.namegen} not found; build it first (swift build -c release --product namegen)")
recipe = ["--embed", "64", "--hidden", "64", "--optimizer", "adamw", "--lr", "2e-3", "--weight-decay", "0.01"]
scratch = tempfile.mkdtemp(prefix="namegen-zoo-")


def namegen(model, threads):
    path = os.path.join(scratch, f"{model}.safetensors")
    err = subprocess.run([args.namegen, "train", "--model", model, *recipe, "--steps", str(args.namegen_steps),
                          "--threads", str(threads), "--data", args.data, "--checkpoint", path, "--force"],
                         capture_output=True, text=True, check=True).stderr
    return float(re.search(r"steps in [0-9.]+ s, ([0-9.]+) steps/s", err).group(1))


def torch(model, threads):
    script = ["torch_bow.py"] if model == "bow" else ["torch_recurrent.py", "--model", model]
    out = subprocess.run([sys.executable, os.path.join(here, script[0]), *script[1:], *recipe,
                          "--steps", str(args.torch_steps), "--threads", str(threads), "--data", args.data],
                         capture_output=True, text=True, check=True).stdout
    return args.torch_steps / float(re.search(r"time ([0-9.]+)s", out).group(1))


ratios = {}
print("round  model  threads  namegen steps/s  pytorch steps/s  ratio")
for r in range(args.rounds):
    for model in args.models:
        for t in args.threads:
            if r % 2 == 0:
                ours = namegen(model, t); theirs = torch(model, t)
            else:
                theirs = torch(model, t); ours = namegen(model, t)
            ratios.setdefault((model, t), []).append(ours / theirs)
            print(f"{r + 1:5d}  {model:5s}  {t:7d}  {ours:15.1f}  {theirs:15.1f}  {ours / theirs:5.2f}x", flush=True)
for (model, t), rs in ratios.items():
    print(f"{model} threads {t}: median ratio {statistics.median(rs):.2f}x over {len(rs)} rounds")
