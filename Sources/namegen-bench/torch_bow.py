#!/usr/bin/env python3
"""makemore's BoW trained in PyTorch on namegen's split.

The recipe of `namegen train --model bow` (AdamW β 0.9, 0.99, ε 1e-8, weight decay on every
tensor, batch 32, cosine decay to 0); prints train/val/test NLL:

    python3 torch_bow.py --embed 64 --hidden 64 --optimizer adamw --lr 2e-3 --weight-decay 0.01 --steps 30000

The model is makemore's `BoW` (namegen_torch.py's); the names are split as namegen splits them.
"""
import argparse, math, os, sys, time
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformer_common import BoW, add_recipe_arguments, encode, mean_nll, read_names, split_names, train_step


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
add_recipe_arguments(parser)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--data", default=None, help="the names file (default: names.txt)")
parser.add_argument("--seed", type=int, default=3)
args = parser.parse_args()
torch.set_num_threads(args.threads)

torch.manual_seed(args.seed)
train, val, test = split_names(read_names(args.data or "names.txt"))
chars = sorted(set("".join(train + val + test)))
stoi = {c: i + 1 for i, c in enumerate(chars)}
V, T = len(chars) + 1, max(len(w) for w in train + val + test) + 1
tr, va, te = encode(train, stoi, T), encode(val, stoi, T), encode(test, stoi, T)
model = BoW(V, T, args.embed, args.hidden)
print(f"params {sum(p.numel() for p in model.parameters())} T {T} {vars(args)}", flush=True)
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.99), eps=1e-8, weight_decay=args.weight_decay)
start = time.time()
for i in range(args.steps):
    train_step(model, opt, *tr, args.batch_size, args.lr * 0.5 * (1 + math.cos(math.pi * i / args.steps)))
elapsed = time.time() - start
print(f"train {mean_nll(model, *tr):.4f} val {mean_nll(model, *va):.4f} test {mean_nll(model, *te):.4f} "
      f"time {elapsed:.2f}s", flush=True)
