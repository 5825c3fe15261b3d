#!/usr/bin/env python3
"""Checks namegen_torch.py against the namegen binary: for every model kind, a small checkpoint
trained by `namegen train` (200 steps on the first 2,000 names of names.txt) must give the same
val NLL in the loader as `namegen eval` (to 1e-5); and the sampler's first characters over
100,000 names from a bigram checkpoint must follow p(c | start) / (1 − p(end | start)) within
4.5 standard errors.

Labelled checkpoints: every model kind is trained again on the same names labelled with three
categories (a .tsv; mlp also from a directory of per-category files with a hidden file to skip,
hierarchical also with --dedupe over names repeated across categories). The checkpoint's
per-category training counts must be the loader's stratified split's, the loader's val and test
NLL under each name's category must be `namegen eval`'s (to 1e-5), and the per-name log-probs
under each category must add up to that NLL. A kind whose conditioning namegen does not have yet
(training fails, or the checkpoint has no category tensor) is reported as skipped. For the
labelled mlp, the first characters of names sampled with a fixed category must follow that
category's p(c | start) / (1 − p(end | start)), and names sampled without one must have the
training prior's categories, each within 4.5 standard errors. Without namegen: the loader's
labelled bigram, filled with the training counts, must give bigram_bayes.py's val NLL and classes.

Prints `N passed, M failed, K skipped` last; exits 1 on any failure.

Usage: python3 test_namegen_torch.py --namegen .build/release/namegen [--names names.txt]
Needs torch.
"""
import argparse, json, math, os, subprocess, sys, tempfile
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import namegen_torch as ng

SMALL = ["--steps", "200"]
CASES = {
    "bigram": ["--model", "bigram"],
    "onehot": ["--model", "onehot"],
    "mlp": ["--model", "mlp", "--embed", "4", "--hidden", "16", "--layers", "2"] + SMALL,
    "mlp-relu-no-batchnorm": ["--model", "mlp", "--embed", "4", "--hidden", "16", "--layers", "3", "--activation", "relu",
                              "--no-batchnorm", "--block-size", "3"] + SMALL,
    "mlp-dropout": ["--model", "mlp", "--embed", "4", "--hidden", "16", "--layers", "2", "--dropout", "0.2"] + SMALL,
    "hierarchical": ["--model", "hierarchical", "--embed", "6", "--hidden", "16"] + SMALL,
    "hierarchical-relu": ["--model", "hierarchical", "--embed", "6", "--hidden", "16", "--block-size", "4",
                          "--activation", "relu"] + SMALL,
    "transformer": ["--model", "transformer", "--embed", "16", "--heads", "2", "--layers", "2"] + SMALL,
    "rnn": ["--model", "rnn", "--embed", "8", "--hidden", "16"] + SMALL,
    "gru": ["--model", "gru", "--embed", "8", "--hidden", "16"] + SMALL,
    "lstm": ["--model", "lstm", "--embed", "8", "--hidden", "16"] + SMALL,
    "bow": ["--model", "bow", "--embed", "16", "--hidden", "16"] + SMALL,
}


# The categories of the labelled data: by a name's first letter, so that they differ.
def label_of(name):
    return "early" if name[0] < "h" else ("mid" if name[0] < "p" else "late")


LABELLED = {case: ("tsv", options) for case, options in CASES.items()}
LABELLED["mlp-directory"] = ("directory", CASES["mlp"])
LABELLED["hierarchical-dedupe"] = ("dedupe", CASES["hierarchical"] + ["--dedupe"])


def conditioned(path, kind):
    """Whether a labelled checkpoint holds its model's conditioning: `category.weight`, the
    bigram's per-category count tables, or onehot's per-category weight tables."""
    tensors, _ = ng.read_safetensors(path)
    if kind == "bigram":
        return tensors["counts"].dim() == 3
    if kind == "onehot":
        return tensors["weight"].shape[0] > tensors["weight"].shape[1]
    return "category.weight" in tensors


def z_scores(counts, expected):
    """Standard errors between the observed frequencies `counts` and the probabilities `expected`."""
    n = counts.sum()
    return (counts / n - expected) / (expected * (1 - expected) / n).clamp_min(1e-300).sqrt()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namegen", required=True, help="the namegen binary")
    parser.add_argument("--names", default=os.path.join(HERE, "..", "..", "names.txt"))
    parser.add_argument("--samples", type=int, default=100_000)
    args = parser.parse_args()
    namegen = os.path.abspath(args.namegen)
    torch.set_num_threads(1)
    passed, failed, skipped = 0, 0, 0

    def check(ok, message):
        nonlocal passed, failed
        passed, failed = passed + bool(ok), failed + (not ok)
        print(("ok    " if ok else "FAIL  ") + message, flush=True)

    def skip(message):
        nonlocal skipped
        skipped += 1
        print("skip  " + message, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "names.txt")
        with open(args.names, encoding="utf-8") as f:
            lines = f.read().split("\n")[:2000]
        with open(data, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        checkpoints = {}
        for case, options in CASES.items():
            path = os.path.join(tmp, case + ".safetensors")
            run = subprocess.run([namegen, "train", "--data", data, "--checkpoint", path, "--threads", "1"] + options,
                                 capture_output=True, text=True)
            if run.returncode != 0:
                check(False, f"{case}: namegen train failed: {run.stderr.strip()[-300:]}")
                continue
            run = subprocess.run([namegen, "eval", "--json", "--split", "val", "--checkpoint", path],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                check(False, f"{case}: namegen eval failed: {run.stderr.strip()[-300:]}")
                continue
            expected = json.loads(run.stdout)["splits"]["val"]["nll"]
            try:
                model = ng.load(path)
                got = ng.nll(model, ng.split(model, "val", data))
            except Exception as e:  # a loader error is this case's failure, not the run's end
                check(False, f"{case}: the loader raised {type(e).__name__}: {e}")
                continue
            checkpoints[case] = model
            check(abs(got - expected) <= 1e-5 and model.model_kind == options[1],
                  f"{case:<22} namegen {expected:.6f}  loader {got:.6f}  difference {got - expected:+.1e}")

        bigram = checkpoints.get("bigram")
        if bigram is None:
            check(False, "sampler: no bigram checkpoint")
        else:
            names = ng.sample(bigram, args.samples, generator=torch.Generator().manual_seed(1))
            p = torch.softmax(bigram(torch.zeros(1, 1, dtype=torch.long))[0, 0].double(), 0)
            expected = p[1:] / (1 - p[0])
            counts = torch.zeros(len(expected), dtype=torch.float64)
            for name in names:
                if name:
                    counts[bigram.stoi[name[0]] - 1] += 1
            n = int(counts.sum())
            z = (counts / n - expected) / (expected * (1 - expected) / n).sqrt()
            worst = int(z.abs().argmax())
            check(len(names) == n == args.samples and z.abs().max().item() < 4.5,
                  f"sampler: {len(names)} names, {n} not empty, first characters within {z.abs().max().item():.2f} standard errors "
                  f"(worst '{bigram.vocabulary[worst]}': {counts[worst] / n:.5f} against {expected[worst]:.5f})")
        labelled_checks(namegen, tmp, lines, check, skip, args.samples // 5)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed else 0)


def write_labelled(tmp, lines):
    """The labelled data sets: a .tsv, a directory of per-category files, and a .tsv whose
    names repeat across categories (for --dedupe)."""
    names = [line.strip() for line in lines if line.strip()]
    tsv = os.path.join(tmp, "labelled.tsv")
    with open(tsv, "w", encoding="utf-8") as f:
        f.write("".join(f"{label_of(n)}\t{n}\n" for n in names))
    directory = os.path.join(tmp, "labelled")
    os.makedirs(directory)
    files = {"early": "early.txt", "mid": "mid.txt", "late": "late.names"}  # category = name without the last extension
    for label, file in files.items():
        with open(os.path.join(directory, file), "w", encoding="utf-8") as f:
            f.write("".join(n + "\n" for n in names if label_of(n) == label))
    with open(os.path.join(directory, ".hidden.txt"), "w", encoding="utf-8") as f:
        f.write("zzz\n")
    repeated = os.path.join(tmp, "repeated.tsv")
    with open(repeated, "w", encoding="utf-8") as f:
        # Every fifth name first under another category (dedupe keeps that one), every seventh
        # again under its own; spaces around the tab are trimmed.
        rows = []
        for i, n in enumerate(names):
            if i % 5 == 0:
                rows.append(f"{'late' if label_of(n) != 'late' else 'early'} \t {n}")
            rows.append(f"{label_of(n)}\t{n}")
            if i % 7 == 0:
                rows.append(f"{label_of(n)}\t{n}")
        f.write("\n".join(rows) + "\n")
    return {"tsv": tsv, "directory": directory, "dedupe": repeated}


def bigram_against_baseline(path, check):
    """The loader's labelled bigram, its (C, V, V) counts filled from the training names, must
    give Sources/namegen-bench/bigram_bayes.py's val NLL and classes (two implementations of the
    same per-category add-k tables)."""
    sys.path.insert(0, os.path.join(HERE, "..", "namegen-bench"))
    import bigram_bayes
    parts = ng.split_data(path, labelled=True)
    chars = sorted(set("".join(parts["train"][0] + parts["val"][0] + parts["test"][0])))
    baseline = bigram_bayes.BigramBayes(*parts["train"], len(parts["categories"]), {c: i + 1 for i, c in enumerate(chars)})
    counts = parts["train"][1]
    model = ng.NamegenModel("bigram", {"smoothing": 1}, chars,
                            categories=[{"name": n, "count": counts.count(c)} for c, n in enumerate(parts["categories"])])
    V = len(chars) + 1
    table = torch.zeros(len(parts["categories"]), V, V)
    for name, c in zip(*parts["train"]):
        tokens = [0] + model.encode(name) + [0]
        for a, b in zip(tokens, tokens[1:]):
            table[c, a, b] += 1
    model.net.counts.copy_(table)
    names, cats = parts["val"]
    got = ng.nll(model, names, cats)
    ll = baseline.log_likelihoods(names)
    want = -ll[torch.arange(len(names)), torch.tensor(cats)].sum().item() / sum(len(n) + 1 for n in names)
    same = bool((ng.classify(model, names)[0] == baseline.classify(names)).all())
    check(abs(got - want) <= 1e-6 and same,
          f"labelled bigram (loader only): val NLL {got:.6f}, bigram_bayes.py {want:.6f}; classes {'agree' if same else 'differ'}")


def score_checks(namegen, path, model, names, per_name, mixture, case, check):
    """`namegen score` and `classify` against the loader, name by name: the NLL per character under
    the mixture and under the first category, and the posterior of the best category, to 1e-5."""
    def run(args):
        out = subprocess.run([namegen] + args + ["--checkpoint", path, "--json", "-"], input="\n".join(names) + "\n",
                             capture_output=True, text=True, check=True).stdout
        return [json.loads(line) for line in out.splitlines()]
    chars = torch.tensor([len(n) + 1 for n in names], dtype=torch.float64)
    worst = 0.0
    for rows, want in ((run(["score"]), -mixture / chars),
                       (run(["score", "--category", model.category_names[0]]), -per_name[:, 0] / chars)):
        got = torch.tensor([r["nll_per_char"] for r in rows], dtype=torch.float64)
        worst = max(worst, (got - want).abs().max().item() if len(rows) == len(names) else float("inf"))
    _, posterior = ng.classify(model, names, per_category=per_name)
    rows = run(["classify"])
    best = posterior.max(1)
    got = torch.tensor([r["categories"][0]["probability"] for r in rows], dtype=torch.float64)
    same = [r["categories"][0]["category"] for r in rows] == [model.category_names[i] for i in best.indices.tolist()]
    worst_p = (got - best.values).abs().max().item()
    check(worst <= 1e-5 and worst_p <= 1e-5 and same,
          f"labelled {case:<22} score on {len(names)} names: NLL per character within {worst:.1e} (mixture and "
          f"one category); classify: same best categories, posteriors within {worst_p:.1e}")


def labelled_checks(namegen, tmp, lines, check, skip, samples):
    data = write_labelled(tmp, lines)
    mlp = None
    for case, (source, options) in LABELLED.items():
        kind = options[1]
        path = os.path.join(tmp, "labelled-" + case + ".safetensors")
        run = subprocess.run([namegen, "train", "--data", data[source], "--checkpoint", path, "--threads", "1"] + options,
                             capture_output=True, text=True)
        if run.returncode != 0 or not conditioned(path, kind):
            why = run.stderr.strip()[-200:] if run.returncode != 0 else "the checkpoint has no conditioning tensor"
            check(False, f"labelled {case}: namegen did not train a conditioned {kind} ({why})")
            continue
        run = subprocess.run([namegen, "eval", "--json", "--split", "all", "--checkpoint", path, "--data", data[source]],
                             capture_output=True, text=True)
        if run.returncode != 0:
            check(False, f"labelled {case}: namegen eval failed: {run.stderr.strip()[-300:]}")
            continue
        expected = json.loads(run.stdout)["splits"]
        try:
            model = ng.load(path)
            train = ng.split(model, "train", data[source], with_categories=True)
            counts = [train[1].count(c) for c in range(len(model.category_names))]
            check(counts == model.category_counts and model.category_names == ["early", "late", "mid"],
                  f"labelled {case:<22} training names per category: checkpoint {model.category_counts}, loader {counts}")
            for which in ("val", "test"):
                names, cats = ng.split(model, which, data[source], with_categories=True)
                got = ng.nll(model, names, cats)
                want = expected[which]["nll"]
                check(abs(got - want) <= 1e-5 and len(names) == expected[which]["names"],
                      f"labelled {case:<22} {which:<4} namegen {want:.6f}  loader {got:.6f}  difference {got - want:+.1e}")
            names, cats = ng.split(model, "val", data[source], with_categories=True)
            per_name = ng.category_log_probs(model, names)
            own = -per_name[torch.arange(len(names)), torch.tensor(cats)].sum().item() / ng.scored_characters(model, names)
            mixture = ng.mixture_log_probs(model, names)
            check(abs(own - ng.nll(model, names, cats)) <= 1e-9 and bool((mixture >= per_name.max(1).values
                                                                          + model.prior.log().min() - 1e-9).all()),
                  f"labelled {case:<22} per-name log p(name | c) at the names' categories give the NLL ({own:.6f}); "
                  f"the mixture bounds hold")
            score_checks(namegen, path, model, names[:100], per_name[:100], mixture[:100], case, check)
        except Exception as e:  # a loader error is this case's failure, not the run's end
            check(False, f"labelled {case}: the loader raised {type(e).__name__}: {e}")
            continue
        if case == "mlp":
            mlp = model

    bigram_against_baseline(data["tsv"], check)
    if mlp is None:
        skip("labelled sampler: no labelled mlp checkpoint")
        return
    g = torch.Generator().manual_seed(2)
    for c, category in enumerate(mlp.category_names):
        names = ng.sample(mlp, samples, generator=g, category=category)
        p = torch.softmax(mlp(torch.zeros(1, 1, dtype=torch.long), torch.tensor([c]))[0, 0].double(), 0)
        expected = p[1:] / (1 - p[0])
        counts = torch.zeros(len(expected), dtype=torch.float64)
        for name in names:
            counts[mlp.stoi[name[0]] - 1] += 1
        z = z_scores(counts, expected)
        check(len(names) == samples and z.abs().max().item() < 4.5,
              f"labelled sampler, category {category}: first characters within {z.abs().max().item():.2f} standard errors")
    names, cats = ng.sample(mlp, samples, generator=g, with_categories=True)
    counts = torch.bincount(torch.tensor(cats), minlength=len(mlp.category_names)).double()
    z = z_scores(counts, mlp.prior)
    check(len(names) == samples and z.abs().max().item() < 4.5,
          f"labelled sampler without a category: categories within {z.abs().max().item():.2f} standard errors of the prior")


if __name__ == "__main__":
    main()
