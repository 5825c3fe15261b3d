"""What the labelled-data baselines (bigram_bayes.py, gru_classifier.py) share: the data and split
arguments, and the labelled split as namegen makes it (namegen_torch.py's read_labelled and
split_labelled), so that every baseline trains on namegen's train names and is scored on its val
and test names.
"""
import json, os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "namegen-torch"))
import namegen_torch as ng  # noqa: E402


def add_data_arguments(parser):
    parser.add_argument("data", help="labelled data: a directory with one file of names per category "
                                     "(category = file name without its last extension), or a .tsv of category<TAB>name lines")
    parser.add_argument("--split-seed", type=int, default=42, help="seed of the split, as namegen train --split-seed (default 42)")
    parser.add_argument("--train-fraction", type=float, default=0.8, help="as namegen train (default 0.8)")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="as namegen train (default 0.1)")
    parser.add_argument("--dedupe", action="store_true", help="drop repeated names before the split, as namegen train --dedupe")
    parser.add_argument("--split-from", metavar="CHECKPOINT", default=None,
                        help="take the split settings (seed, fractions, dedupe) from a namegen checkpoint instead")


def load_split(args):
    """namegen's stratified split of args.data: a dict with "train", "val", "test" (each
    (names, category indices)) and "categories" (sorted names)."""
    seed, train, val, dedupe = args.split_seed, args.train_fraction, args.val_fraction, args.dedupe
    if args.split_from:
        _, meta = ng.read_safetensors(args.split_from)
        s = json.loads(meta["split"])
        seed, train, val, dedupe = int(s["seed"]), float(s["train"]), float(s["val"]), bool(s.get("dedupe", False))
    began = time.time()
    parts = ng.split_data(args.data, seed=seed, train=train, val=val, dedupe=dedupe, labelled=True)
    log(f"data {args.data}: {len(parts['categories'])} categories, train {len(parts['train'][0])} | "
        f"val {len(parts['val'][0])} | test {len(parts['test'][0])} names ({time.time() - began:.1f} s)")
    return parts


def log(message):
    """Progress goes to stderr; stdout holds only the JSON result."""
    print(message, file=sys.stderr, flush=True)


def per_category(categories, truth, predicted):
    """Each category's recall (the share of its names classified as it) and count."""
    out = {}
    for c, name in enumerate(categories):
        total = sum(1 for t in truth if t == c)
        hits = sum(1 for t, p in zip(truth, predicted) if t == c and p == c)
        out[name] = {"names": total, "recall": hits / total if total else None}
    return out
