#!/usr/bin/env python3
"""Rebuilds a namegen transformer checkpoint in plain torch.nn and prints its mean NLL per
character on a split, which must match `namegen eval` to 1e-4.

Everything about the model comes from the safetensors file: the hyperparameters and the
vocabulary from its metadata, the weights (PyTorch layout, loaded with load_state_dict, strict)
from its tensors. The names come from the data file, split as namegen splits them (see
transformer_common.py) with the seed and fractions the checkpoint records.

Usage: python3 transformer_eval.py CHECKPOINT [--data names.txt] [--split val|train|test]
"""
import argparse, json, os, sys
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformer_common import Transformer, encode, mean_nll, read_names, read_safetensors, split_names

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("checkpoint")
parser.add_argument("--data", default=None, help="the names file (default: the one the checkpoint names)")
parser.add_argument("--split", default="val", choices=["train", "val", "test"])
args = parser.parse_args()
torch.set_num_threads(1)

tensors, meta = read_safetensors(args.checkpoint)
record = json.loads(meta["run"]) if "run" in meta else None


def field(*keys):
    """A metadata value: from the format-1 keys, or from a typed run record if there is one."""
    for k in keys:
        if k in meta:
            return json.loads(meta[k])
        if record is not None and k in record:
            return record[k]
    raise SystemExit(f"error: the checkpoint has no '{keys[0]}' metadata")


model_kind = meta.get("model", "")
if model_kind and model_kind != "transformer" and not model_kind.startswith("{"):
    raise SystemExit(f"error: the checkpoint holds a '{model_kind}' model, not a transformer")
hp = field("hparams", "hyperparameters")
vocab = field("vocabulary")
split = field("split")
data = field("data")
stoi = {c: i + 1 for i, c in enumerate(vocab)}
V = len(vocab) + 1
T = int(hp["block_size"])
model = Transformer(V, block_size=T, n_embd=int(hp["embed"]), n_layer=int(hp["layers"]), n_head=int(hp["heads"]))
state = {k: v for k, v in tensors.items() if not k.startswith(("optimizer.", "resume."))}
model.load_state_dict(state, strict=True)

path = args.data or data["file"]
names = read_names(path)
parts = split_names(names, seed=int(split["seed"]), train=float(split["train"]), val=float(split["val"]),
                    dedupe=bool(split.get("dedupe", False)))
chosen = parts[["train", "val", "test"].index(args.split)]
X, Y = encode(chosen, stoi, T)
print(f"{args.split} {mean_nll(model, X, Y):.6f}")
