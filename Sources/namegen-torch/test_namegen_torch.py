#!/usr/bin/env python3
"""Checks namegen_torch.py against the namegen binary: for every model kind, a small checkpoint
trained by `namegen train` (200 steps on the first 2,000 names of names.txt) must give the same
val NLL in the loader as `namegen eval` (to 1e-5); and the sampler's first characters over
100,000 names from a bigram checkpoint must follow p(c | start) / (1 − p(end | start)) within
4.5 standard errors. Prints `N passed, M failed` last; exits 1 on any failure.

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namegen", required=True, help="the namegen binary")
    parser.add_argument("--names", default=os.path.join(HERE, "..", "..", "names.txt"))
    parser.add_argument("--samples", type=int, default=100_000)
    args = parser.parse_args()
    namegen = os.path.abspath(args.namegen)
    torch.set_num_threads(1)
    passed, failed = 0, 0

    def check(ok, message):
        nonlocal passed, failed
        passed, failed = passed + bool(ok), failed + (not ok)
        print(("ok    " if ok else "FAIL  ") + message, flush=True)

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
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
