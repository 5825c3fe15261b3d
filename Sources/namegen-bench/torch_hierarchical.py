#!/usr/bin/env python3
"""The hierarchical (WaveNet-style) MLP trained in PyTorch, for comparing speed with namegen.

The same model and recipe as `namegen train --model hierarchical`: block 8, embedding 24, pairs
fused per level by a Linear (2·C → 128, no bias), BatchNorm over batch and position, tanh; an
output Linear (128 → V) whose weight is scaled by 0.1; SGD at 0.1, a tenth of it for the last
quarter, batch 32. It prints the steps per second of the step loop alone (forward, backward,
update), then train/val/test NLL on a seeded 80/10/10 split (Python's random.seed(42), so the
names fall elsewhere than in namegen's split; that is worth about ±0.01 in val).

It follows the WaveNet lecture's recipe (same layers, init scaling and schedule).

Usage: python3 torch_hierarchical.py [--steps 200000] [--batch-size 32] [--threads 1]
                                     [--embed 24] [--hidden 128] [--block-size 8] [--data names.txt] [--no-eval]
"""
import argparse, math, random, time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=200_000)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--embed", type=int, default=24)
parser.add_argument("--hidden", type=int, default=128)
parser.add_argument("--block-size", type=int, default=8)
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--data", default="names.txt")
parser.add_argument("--no-eval", action="store_true", help="skip the final NLL (speed runs)")
args = parser.parse_args()

import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(7)
torch.set_num_threads(args.threads)

words = open(args.data, encoding="utf-8").read().splitlines()
random.seed(42); random.shuffle(words)
n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
chars = sorted(set("".join(words))); stoi = {c: i + 1 for i, c in enumerate(chars)}; V = len(chars) + 1
T = args.block_size


def build(ws):
    xs, ys = [], []
    for w in ws:
        ctx = [0] * T
        for ch in list(w) + [None]:
            ix = 0 if ch is None else stoi[ch]
            xs.append(ctx); ys.append(ix); ctx = ctx[1:] + [ix]
    return torch.tensor(xs), torch.tensor(ys)


Xtr, Ytr = build(words[:n1]); Xva, Yva = build(words[n1:n2]); Xte, Yte = build(words[n2:])


class FuseConsecutive(nn.Module):
    def forward(self, x):
        n, t, c = x.shape
        x = x.reshape(n, t // 2, 2 * c)
        return x.squeeze(1) if x.shape[1] == 1 else x


class BatchNormOverPositions(nn.Module):  # BatchNorm1d over (N, T, C) or (N, C)
    def __init__(self, c):
        super().__init__(); self.bn = nn.BatchNorm1d(c)

    def forward(self, x):
        return self.bn(x.transpose(1, 2)).transpose(1, 2) if x.dim() == 3 else self.bn(x)


layers = [nn.Embedding(V, args.embed)]
width, t = args.embed, T
while t > 1:
    layers += [FuseConsecutive(), nn.Linear(2 * width, args.hidden, bias=False), BatchNormOverPositions(args.hidden), nn.Tanh()]
    width, t = args.hidden, t // 2
layers.append(nn.Linear(width, V))
model = nn.Sequential(*layers)
with torch.no_grad():
    model[-1].weight *= 0.1
print(f"hierarchical: {sum(p.nelement() for p in model.parameters())} parameters | batch {args.batch_size} | "
      f"{args.steps} steps | threads {args.threads}", flush=True)
opt = torch.optim.SGD(model.parameters(), lr=args.lr)
start = time.time()
for i in range(args.steps):
    lr = args.lr if i < 0.75 * args.steps else args.lr / 10
    for g in opt.param_groups:
        g["lr"] = lr
    ix = torch.randint(0, Xtr.shape[0], (args.batch_size,))
    loss = F.cross_entropy(model(Xtr[ix]), Ytr[ix])
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
seconds = time.time() - start
print(f"steps/s {args.steps / seconds:.1f} ({seconds:.1f} s)", flush=True)
if not args.no_eval:
    model.eval()
    with torch.no_grad():
        r = [F.cross_entropy(model(x), y).item() for x, y in [(Xtr, Ytr), (Xva, Yva), (Xte, Yte)]]
    print(f"train {r[0]:.4f} val {r[1]:.4f} test {r[2]:.4f}")
