#!/usr/bin/env python3
"""makemore's recurrent models (RNN, GRU) and char-rnn's LSTM cell (namegen_torch.py's) trained
in PyTorch on namegen's split.

Names are padded rows [start, c1, …, cn] with targets [c1, …, cn, stop] and −1 on padding,
T = longest name + 1. Training draws batches of `--batch-size` names uniformly with replacement,
AdamW (betas 0.9, 0.99, namegen's recipe) with cosine decay to 0 (peak·½(1 + cos(π·s/S)) at
step s), and evaluates on val at the end.

Usage:
  python3 torch_recurrent.py --model gru --embed 64 --hidden 64 --lr 2e-3 --weight-decay 0.01 --steps 30000
"""
import argparse, math, os, sys, time
import torch, torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformer_common import CELLS, RNN, add_recipe_arguments, encode, mean_nll, read_names, split_names


def train(args):
    torch.manual_seed(args.seed)
    train_names, val_names, _ = split_names(read_names(args.data))
    chars = sorted(set("".join(train_names + val_names + _)))
    stoi = {c: i + 1 for i, c in enumerate(chars)}
    T = max(len(w) for w in train_names + val_names + _) + 1
    Xtr, Ytr = encode(train_names, stoi, T)
    Xva, Yva = encode(val_names, stoi, T)
    model = RNN(args.model, len(chars) + 1, args.embed, args.hidden)
    print(f"{args.model}: {sum(p.numel() for p in model.parameters())} parameters, T = {T}", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.99), eps=1e-8, weight_decay=args.weight_decay)
    began = time.time()
    for step in range(args.steps):
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * step / max(1, args.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        ix = torch.randint(0, len(Xtr), (args.batch_size,))
        logits = model(Xtr[ix])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), Ytr[ix].reshape(-1), ignore_index=-1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if (step + 1) % args.log_every == 0 or step + 1 == args.steps:
            print(f"step {step + 1}/{args.steps} | loss {loss.item():.4f} | lr {lr:.6f} | {time.time() - began:.0f} s", flush=True)
    elapsed = time.time() - began
    print(f"val {mean_nll(model, Xva, Yva):.4f} time {elapsed:.2f}s ({args.steps / elapsed:.1f} steps/s)")


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", default="names.txt", help="the names file")
parser.add_argument("--model", default="gru", choices=sorted(CELLS))
add_recipe_arguments(parser)
parser.add_argument("--seed", type=int, default=1337)
parser.add_argument("--log-every", type=int, default=5000)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
torch.set_num_threads(args.threads)
train(args)
