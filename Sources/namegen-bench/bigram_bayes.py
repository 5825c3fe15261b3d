#!/usr/bin/env python3
"""A generative baseline for labelled names: one character-bigram model per category, classified
by Bayes' rule.

For each category c, counts N_c[prev, next] of the character pairs of its training names (start
and end token 0 around each name, as namegen's bigram); p(next | prev, c) = (N_c[prev, next] + k) /
(Σ_next N_c[prev, next] + k·V) with add-k smoothing (V = the data's characters + the end token).
A name is assigned argmax_c log p(c) + Σ log p(next | prev, c), with the prior p(c) = the share
of the training names. The split is namegen's stratified split (namegen_torch.split_labelled),
so the numbers compare with a labelled namegen model trained on the same data.

Modes:
  python3 bigram_bayes.py DATA                     val and test accuracy (and NLL per char under
                                                   each name's category) as JSON on stdout
  python3 bigram_bayes.py DATA --classify-file F --expect french
                                                   classifies each line of F (e.g. the output of
                                                   `namegen sample --category french`) and prints
                                                   the share assigned to --expect as JSON
DATA is a directory of per-category files or a .tsv of category<TAB>name lines. Needs torch.
"""
import argparse, json, math, os, sys, time
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labelled_common import add_data_arguments, load_split, log, ng, per_category  # noqa: E402


def pairs(names, stoi):
    """The bigrams of `names` as flat tensors (prev, next, the name each belongs to)."""
    prev, nxt, owner = [], [], []
    for i, name in enumerate(names):
        tokens = [0] + [stoi[ch] for ch in name] + [0]
        prev += tokens[:-1]
        nxt += tokens[1:]
        owner += [i] * (len(tokens) - 1)
    return torch.tensor(prev), torch.tensor(nxt), torch.tensor(owner)


class BigramBayes:
    def __init__(self, names, categories, n_categories, stoi, k=1.0):
        V = len(stoi) + 1
        prev, nxt, _ = pairs(names, stoi)
        cats = torch.tensor(categories)
        # Each pair's category: its name's, repeated over the name's len + 1 pairs.
        pair_cats = cats.repeat_interleave(torch.tensor([len(n) + 1 for n in names]))
        flat = (pair_cats * V + prev) * V + nxt
        counts = torch.bincount(flat, minlength=n_categories * V * V).view(n_categories, V, V).double()
        self.log_p = ((counts + k) / (counts.sum(2, keepdim=True) + k * V)).log()  # (C, V, V)
        prior = torch.bincount(cats, minlength=n_categories).double()
        self.log_prior = (prior / prior.sum()).log()
        self.stoi = stoi

    def log_likelihoods(self, names):
        """log p(name | c) of each name under each category, (N, C)."""
        prev, nxt, owner = pairs(names, self.stoi)
        per_pair = self.log_p[:, prev, nxt].T  # (pairs, C)
        return torch.zeros(len(names), per_pair.shape[1], dtype=torch.float64).index_add_(0, owner, per_pair)

    def classify(self, names):
        return (self.log_prior + self.log_likelihoods(names)).argmax(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(parser)
    parser.add_argument("--smoothing", "-k", type=float, default=1.0, help="add-k smoothing of every count (default 1)")
    parser.add_argument("--classify-file", metavar="FILE", help="classify the names of FILE (one per line) instead")
    parser.add_argument("--expect", metavar="CATEGORY", help="with --classify-file: report the share assigned to CATEGORY")
    args = parser.parse_args()
    if args.expect and not args.classify_file:
        parser.error("--expect needs --classify-file")
    torch.set_num_threads(1)

    parts = load_split(args)
    categories = parts["categories"]
    extra = ng.read_names(args.classify_file) if args.classify_file else []
    # Characters of every split (namegen's vocabulary is the whole file's) and of the names to classify.
    chars = sorted(set("".join(parts["train"][0] + parts["val"][0] + parts["test"][0] + extra)))
    stoi = {c: i + 1 for i, c in enumerate(chars)}
    began = time.time()
    model = BigramBayes(*parts["train"], len(categories), stoi, args.smoothing)
    log(f"counted {len(parts['train'][0])} training names in {time.time() - began:.1f} s")

    if args.classify_file:
        if args.expect is not None and args.expect not in categories:
            parser.error(f"--expect {args.expect!r} is not a category ({', '.join(categories)})")
        predicted = model.classify(extra).tolist() if extra else []
        shares = {name: sum(1 for p in predicted if p == c) / max(len(predicted), 1) for c, name in enumerate(categories)}
        result = {"file": args.classify_file, "names": len(predicted), "assigned": shares}
        if args.expect is not None:
            result["expect"] = args.expect
            result["fraction"] = shares[args.expect]
        print(json.dumps(result))
        return

    result = {"model": "bigram-bayes", "smoothing": args.smoothing, "categories": categories,
              "train_names": len(parts["train"][0])}
    for which in ("val", "test"):
        names, truth = parts[which]
        if not names:
            result[which] = None
            continue
        ll = model.log_likelihoods(names)
        predicted = (model.log_prior + ll).argmax(1)
        own = ll[torch.arange(len(names)), torch.tensor(truth)].sum().item()
        chars_total = sum(len(n) + 1 for n in names)
        result[which] = {"names": len(names),
                         "accuracy": (predicted == torch.tensor(truth)).double().mean().item(),
                         "nll": -own / chars_total,
                         "per_category": per_category(categories, truth, predicted.tolist())}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
