#!/usr/bin/env python3
"""makemore's BoW in PyTorch on namegen's split: train it, or rebuild a namegen bow checkpoint.

Train (the recipe of `namegen train --model bow`: AdamW β 0.9, 0.99, ε 1e-8, weight decay on
every tensor, batch 32, cosine decay to 0) and print train/val/test NLL:

    python3 torch_bow.py --embed 64 --hidden 64 --optimizer adamw --lr 2e-3 --weight-decay 0.01 --steps 30000

Rebuild a namegen checkpoint in plain torch.nn from the safetensors file alone (hyperparameters
and vocabulary from its metadata, weights through load_state_dict(strict=True)) and print its
mean NLL per character on a split, which must match `namegen eval` to 1e-5:

    python3 torch_bow.py --checkpoint runs/bow.safetensors --split val

The model is makemore's `BoW`, `BoWBlock` and `CausalBoW`; its parameter names are makemore's,
which are namegen's checkpoint tensor names. (makemore registers the causal mask as a buffer in
the state_dict; here it is not persistent, so that the checkpoint's tensors are all there is.)
The names are split as namegen splits them (transformer_common.py).
"""
import argparse, json, math, os, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformer_common import add_recipe_arguments, encode, mean_nll, read_names, read_safetensors, split_names, train_step


class CausalBoW(nn.Module):
    """Each position the uniform average of the positions up to it: softmax over a causal mask of zeros."""

    def __init__(self, block_size):
        super().__init__()
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, block_size, block_size),
                             persistent=False)

    def forward(self, x):
        B, T, C = x.size()
        att = torch.zeros((B, T, T), device=x.device)
        att = att.masked_fill(self.bias[:, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        return att @ x


class BoWBlock(nn.Module):
    def __init__(self, n_embd, n_embd2, block_size):
        super().__init__()
        self.cbow = CausalBoW(block_size)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(n_embd, n_embd2), c_proj=nn.Linear(n_embd2, n_embd)))

    def forward(self, x):
        x = x + self.cbow(x)
        return x + self.mlp.c_proj(torch.tanh(self.mlp.c_fc(x)))


class BoW(nn.Module):
    def __init__(self, vocab_size, block_size, n_embd, n_embd2):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.context_block = BoWBlock(n_embd, n_embd2, block_size)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
        return self.lm_head(self.context_block(x))


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--checkpoint", help="rebuild this namegen bow checkpoint and print its NLL instead of training")
parser.add_argument("--split", default="val", choices=["train", "val", "test"])
add_recipe_arguments(parser)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--data", default=None, help="the names file (default: names.txt, or the one the checkpoint names)")
parser.add_argument("--seed", type=int, default=3)
args = parser.parse_args()
torch.set_num_threads(args.threads)

if args.checkpoint:
    tensors, meta = read_safetensors(args.checkpoint)
    if meta.get("model") != "bow":
        raise SystemExit(f"error: the checkpoint holds a '{meta.get('model')}' model, not bow")
    hp, vocab, split = (json.loads(meta[k]) for k in ("hparams", "vocabulary", "split"))
    stoi = {c: i + 1 for i, c in enumerate(vocab)}
    T = int(hp["block_size"])
    model = BoW(len(vocab) + 1, T, int(hp["embed"]), int(hp["hidden"]))
    model.load_state_dict({k: v for k, v in tensors.items() if not k.startswith(("optimizer.", "resume."))}, strict=True)
    path = args.data or json.loads(meta["data"])["file"]
    parts = split_names(read_names(path), seed=int(split["seed"]), train=float(split["train"]), val=float(split["val"]),
                        dedupe=bool(split.get("dedupe", False)))
    chosen = parts[["train", "val", "test"].index(args.split)]
    print(f"{args.split} {mean_nll(model, *encode(chosen, stoi, T)):.6f}")
    sys.exit(0)

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
