#!/usr/bin/env python3
"""Rebuild a namegen `hierarchical` checkpoint in plain torch.nn and print `namegen eval`'s NLL.

Everything about the model comes from the safetensors file: the configuration (metadata
`hparams`), the vocabulary, the split (seed, fractions, dedupe) and the tensors, which are in
PyTorch's layout and load into the modules below with `load_state_dict`. The names come from the
data file the checkpoint names (or --data). The split is rebuilt as namegen builds it: xoshiro256**
seeded by splitmix64, a Fisher-Yates shuffle with Lemire's bounded integers, then the first
floor(n * train) names for train and the next floor(n * val) for val.

The NLL is the mean over every character of the split, the end token included, computed in
float64 from float32 logits, as namegen computes it. Names are split into characters by Python
code points, which matches namegen's grapheme clusters for names.txt and other precomposed text.

Usage: python3 hierarchical_eval.py CHECKPOINT [--data FILE] [--split val|train|test|all]
Needs torch and safetensors (pip install torch safetensors).
"""
import argparse, json, math, sys

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("checkpoint")
parser.add_argument("--data", help="names file (default: the file the checkpoint names)")
parser.add_argument("--split", default="val", choices=["train", "val", "test", "all"])
args = parser.parse_args()

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file

with safe_open(args.checkpoint, "pt") as f:
    meta = f.metadata()
if meta.get("model") != "hierarchical":
    sys.exit(f"Error: {args.checkpoint} holds a {meta.get('model')!r} model, not a hierarchical one")
hp = json.loads(meta["hparams"])
chars = json.loads(meta["vocabulary"])
split = json.loads(meta["split"])
data_path = args.data or json.loads(meta["data"])["file"]
V, T, E, H = len(chars) + 1, hp["block_size"], hp["embed"], hp["hidden"]


# ---- the split, exactly as namegen's Dataset builds it ----
MASK = (1 << 64) - 1

class Xoshiro256StarStar:
    def __init__(self, seed):
        self.s, sm = [], seed
        for _ in range(4):  # splitmix64
            sm = (sm + 0x9E3779B97F4A7C15) & MASK
            z = sm
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    def next(self):
        s0, s1, s2, s3 = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK
        result = (rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def below(self, bound):  # Lemire's method, as RandomGenerator.nextInt(below:)
        m = self.next() * bound
        if m & MASK < bound:
            threshold = ((1 << 64) - bound) % bound
            while m & MASK < threshold:
                m = self.next() * bound
        return m >> 64

with open(data_path, encoding="utf-8") as f:
    names = [line.strip() for line in f.read().splitlines()]
names = [n for n in names if n]
if split.get("dedupe"):
    seen = set(); names = [n for n in names if not (n in seen or seen.add(n))]
rng = Xoshiro256StarStar(split["seed"])
for i in range(len(names) - 1, 0, -1):
    j = rng.below(i + 1)
    names[i], names[j] = names[j], names[i]
n = len(names)
n1 = min(n, math.floor(n * split["train"]))
n2 = min(n, n1 + math.floor(n * split["val"]))
splits = {"train": names[:n1], "val": names[n1:n2], "test": names[n2:]}
stoi = {c: i + 1 for i, c in enumerate(chars)}


def windows(ws):
    xs, ys = [], []
    for w in ws:
        ctx = [0] * T
        for ch in list(w) + [None]:
            ix = 0 if ch is None else stoi[ch]
            xs.append(ctx); ys.append(ix); ctx = ctx[1:] + [ix]
    return torch.tensor(xs), torch.tensor(ys)


# ---- the model in plain torch.nn, parameter names as in the checkpoint ----
class Level(nn.Module):
    """Fuse consecutive pairs, Linear without bias, BatchNorm over batch and position, activation."""
    def __init__(self, inputs):
        super().__init__()
        self.linear = nn.Linear(2 * inputs, H, bias=False)
        self.norm = nn.BatchNorm1d(H)

    def forward(self, x):  # x (N, T, C) → (N, T/2, H)
        n, t, c = x.shape
        x = self.linear(x.reshape(n, t // 2, 2 * c))
        x = self.norm(x.transpose(1, 2)).transpose(1, 2)
        return torch.tanh(x) if hp["activation"] == "tanh" else torch.relu(x)


class Hierarchical(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.levels = nn.ModuleList([Level(E if i == 0 else H) for i in range(int(math.log2(T)))])
        self.output = nn.Linear(H, V)

    def forward(self, idx):
        x = self.embedding(idx)
        for level in self.levels:
            x = level(x)
        return self.output(x.squeeze(1))


model = Hierarchical()
tensors = {k: v for k, v in load_file(args.checkpoint).items() if not k.startswith(("optimizer.", "resume."))}
state = model.state_dict()
# BatchNorm1d's num_batches_tracked only matters with momentum=None; namegen keeps no such counter.
missing = [k for k in state if k not in tensors and not k.endswith("num_batches_tracked")]
if missing:
    sys.exit(f"Error: the checkpoint has no tensor {missing[0]!r}")
model.load_state_dict({k: tensors.get(k, state[k]) for k in state})
model.eval()

print("split   names      nll")
with torch.no_grad():
    for name in (["train", "val", "test"] if args.split == "all" else [args.split]):
        x, y = windows(splits[name])
        nll = F.cross_entropy(model(x).double(), y).item()
        print(f"{name:<5} {len(splits[name]):7d}  {nll:.6f}")
