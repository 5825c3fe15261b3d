#!/usr/bin/env python3
"""makemore's transformer trained in PyTorch on namegen's split of a names file, with the recipe
`namegen train --model transformer` uses: 4 layers, 4 heads, embed 64, block = longest name + 1,
AdamW (β 0.9, 0.99, ε 1e-8, weight decay on every tensor), batch 32. It checks namegen's numbers
and times PyTorch on the same model for the side-by-side speed comparison.

It is makemore's transformer recipe (same architecture, optimiser
and loss) with two changes: the names are split as namegen splits them (namegen_torch.py),
so that val losses compare directly, and the options below.

Usage: python3 torch_transformer.py [--steps 100000] [--dropout 0.2] [--lr 1e-3] [--schedule cosine|constant]
                                    [--batch-size 32] [--threads 1] [--eval-every 10000] [--data names.txt]
                                    [--warmup-steps N --no-final-eval]   (timing only)
Prints steps/s over the step loop (evaluations excluded) and the final train/val/test NLL.
"""
import argparse, math, os, sys, time
import torch, torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformer_common import Transformer, encode, mean_nll, read_names, split_names, train_step

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=100000)
parser.add_argument("--dropout", type=float, default=0.2)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--schedule", default="cosine", choices=["cosine", "constant"])
parser.add_argument("--weight-decay", type=float, default=0.01)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--eval-every", type=int, default=0, help="val NLL every N steps (0: only at the end)")
parser.add_argument("--no-final-eval", action="store_true", help="only time the steps")
parser.add_argument("--warmup-steps", type=int, default=0, help="untimed steps before the --steps timed ones")
parser.add_argument("--data", default="names.txt")
parser.add_argument("--seed", type=int, default=3)
args = parser.parse_args()
torch.manual_seed(args.seed)
torch.set_num_threads(args.threads)

train, val, test = split_names(read_names(args.data))
chars = sorted(set("".join(train + val + test)))
stoi = {c: i + 1 for i, c in enumerate(chars)}
V, T = len(chars) + 1, max(len(w) for w in train + val + test) + 1
tr, va, te = encode(train, stoi, T), encode(val, stoi, T), encode(test, stoi, T)
model = Transformer(V, block_size=T, dropout=args.dropout)
print(f"params {sum(p.numel() for p in model.parameters())} T {T} threads {args.threads} {vars(args)}", flush=True)
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.99), eps=1e-8, weight_decay=args.weight_decay)
timed = 0.0
total = args.warmup_steps + args.steps
for i in range(total):
    if i == args.warmup_steps:
        start = time.time()
    cosine = args.lr * 0.5 * (1 + math.cos(math.pi * i / total))
    train_step(model, opt, *tr, args.batch_size, cosine if args.schedule == "cosine" else None)
    if args.eval_every and (i + 1) % args.eval_every == 0 and i >= args.warmup_steps:
        timed += time.time() - start
        print(f"step {i + 1} val {mean_nll(model, *va):.4f} ({timed:.0f}s)", flush=True)
        start = time.time()
timed += time.time() - start
print(f"steps/s {args.steps / timed:.1f}", flush=True)
if not args.no_final_eval:
    print(f"train {mean_nll(model, *tr):.4f} val {mean_nll(model, *va):.4f} test {mean_nll(model, *te):.4f} "
          f"time {timed:.0f}s", flush=True)
