#!/usr/bin/env python3
"""makemore's recurrent models (RNN, GRU) and char-rnn's LSTM cell in plain torch.nn, with
namegen's checkpoint tensor names: trains one on namegen's split, or rebuilds a namegen
checkpoint and prints its mean NLL per character on a split (to compare with `namegen eval`).

The split is namegen's (transformer_common.py reproduces it); names are padded rows
[start, c1, …, cn] with targets [c1, …, cn, stop] and −1 on padding, T = longest name + 1.
Training draws batches of `--batch-size` names uniformly with replacement, AdamW (betas 0.9,
0.99, namegen's recipe) with cosine decay to 0 (peak·½(1 + cos(π·s/S)) at step s), and
evaluates on val at the end.

Usage:
  python3 torch_recurrent.py --model gru --embed 64 --hidden 64 --lr 2e-3 --weight-decay 0.01 --steps 30000
  python3 torch_recurrent.py --checkpoint runs/gru.safetensors --split val
"""
import argparse, json, math, os, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformer_common import add_recipe_arguments, encode, mean_nll, read_names, read_safetensors, split_names


class RNNCell(nn.Module):
    """makemore's RNNCell: h = tanh(xh_to_h([x, hprev]))."""

    def __init__(self, n_embd, n_embd2):
        super().__init__()
        self.xh_to_h = nn.Linear(n_embd + n_embd2, n_embd2)

    def forward(self, xt, hprev, cprev):
        return torch.tanh(self.xh_to_h(torch.cat([xt, hprev], dim=1))), cprev


class GRUCell(nn.Module):
    """makemore's GRUCell."""

    def __init__(self, n_embd, n_embd2):
        super().__init__()
        self.xh_to_z = nn.Linear(n_embd + n_embd2, n_embd2)
        self.xh_to_r = nn.Linear(n_embd + n_embd2, n_embd2)
        self.xh_to_hbar = nn.Linear(n_embd + n_embd2, n_embd2)

    def forward(self, xt, hprev, cprev):
        xh = torch.cat([xt, hprev], dim=1)
        r = torch.sigmoid(self.xh_to_r(xh))
        hbar = torch.tanh(self.xh_to_hbar(torch.cat([xt, r * hprev], dim=1)))
        z = torch.sigmoid(self.xh_to_z(xh))
        return (1 - z) * hprev + z * hbar, cprev


class LSTMCell(nn.Module):
    """char-rnn's LSTM cell: one Linear of [x, hprev] gives the gates i, f, g, o (4H);
    c = σ(f)·cprev + σ(i)·tanh(g), h = σ(o)·tanh(c)."""

    def __init__(self, n_embd, n_embd2):
        super().__init__()
        self.xh_to_gates = nn.Linear(n_embd + n_embd2, 4 * n_embd2)

    def forward(self, xt, hprev, cprev):
        i, f, g, o = self.xh_to_gates(torch.cat([xt, hprev], dim=1)).chunk(4, dim=1)
        c = torch.sigmoid(f) * cprev + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


CELLS = {"rnn": RNNCell, "gru": GRUCell, "lstm": LSTMCell}


class RNN(nn.Module):
    """makemore's RNN: a learned start state (zeros at first), token embeddings, the cell over
    every position, lm_head on every hidden state. The LSTM's memory starts at 0."""

    def __init__(self, kind, vocab_size, n_embd=64, n_embd2=64):
        super().__init__()
        self.start = nn.Parameter(torch.zeros(1, n_embd2))
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.cell = CELLS[kind](n_embd, n_embd2)
        self.lm_head = nn.Linear(n_embd2, vocab_size)

    def forward(self, idx):
        b, t = idx.size()
        emb = self.wte(idx)
        h = self.start.expand((b, -1))
        c = torch.zeros_like(h)
        hiddens = []
        for i in range(t):
            h, c = self.cell(emb[:, i, :], h, c)
            hiddens.append(h)
        return self.lm_head(torch.stack(hiddens, 1))


def evaluate_checkpoint(args):
    """Rebuilds the checkpoint's model (hyperparameters and vocabulary from its metadata,
    weights through load_state_dict, strict) and prints its NLL on the split."""
    tensors, meta = read_safetensors(args.checkpoint)
    record = json.loads(meta["run"]) if "run" in meta else {}
    field = lambda k: json.loads(meta[k]) if k in meta else record[k]
    kind = meta.get("model", "")
    if kind not in CELLS:
        raise SystemExit(f"error: the checkpoint holds a '{kind}' model, not one of {sorted(CELLS)}")
    hp, vocab, split, data = field("hparams"), field("vocabulary"), field("split"), field("data")
    stoi = {c: i + 1 for i, c in enumerate(vocab)}
    model = RNN(kind, len(vocab) + 1, int(hp["embed"]), int(hp["hidden"]))
    model.load_state_dict({k: v for k, v in tensors.items() if not k.startswith(("optimizer.", "resume."))}, strict=True)
    parts = split_names(read_names(args.data or data["file"]), seed=int(split["seed"]), train=float(split["train"]),
                        val=float(split["val"]), dedupe=bool(split.get("dedupe", False)))
    for name in (["train", "val", "test"] if args.split == "all" else [args.split]):
        X, Y = encode(parts[["train", "val", "test"].index(name)], stoi, int(hp["block_size"]))
        print(f"{name} {mean_nll(model, X, Y):.6f}")


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
parser.add_argument("--checkpoint", help="rebuild this namegen checkpoint and print its NLL instead of training")
parser.add_argument("--split", default="val", choices=["train", "val", "test", "all"])
parser.add_argument("--data", default=None, help="the names file (training: names.txt; a checkpoint: the file it names)")
parser.add_argument("--model", default="gru", choices=sorted(CELLS))
add_recipe_arguments(parser)
parser.add_argument("--seed", type=int, default=1337)
parser.add_argument("--log-every", type=int, default=5000)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
torch.set_num_threads(args.threads)
if args.checkpoint:
    evaluate_checkpoint(args)
else:
    args.data = args.data or "names.txt"
    train(args)
