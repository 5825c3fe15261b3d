"""Shared by the PyTorch comparison scripts: the training step and the recipe arguments, and,
re-exported from namegen_torch.py (Sources/namegen-torch), namegen's split, the mean NLL and the
models in torch.nn with namegen's checkpoint tensor names.
"""
import os, sys
import torch, torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "namegen-torch"))
from namegen_torch import BoW, CELLS, RNN, Transformer, encode, mean_nll, read_names, split_names  # noqa: F401 (re-exported)


def train_step(model, opt, X, Y, batch_size, lr=None):
    """One optimiser step on `batch_size` random padded names of (X, Y) (at learning rate `lr`,
    when given): the mean cross-entropy over the real targets, as namegen's trainer does."""
    if lr is not None:
        for g in opt.param_groups:
            g["lr"] = lr
    ix = torch.randint(0, len(X), (batch_size,))
    logits = model(X[ix])
    loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), Y[ix].view(-1), ignore_index=-1)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss


def add_recipe_arguments(parser):
    """makemore's sizes and the comparison recipe: --embed, --hidden, AdamW --lr and --weight-decay,
    --steps of --batch-size names."""
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--optimizer", default="adamw", choices=["adamw"])
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--steps", type=int, default=30000)
    parser.add_argument("--batch-size", type=int, default=32)
