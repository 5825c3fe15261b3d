#!/usr/bin/env python3
"""namegen's mlp training speed beside PyTorch's, in alternating rounds (`make bench-torch`).

The recipe is namegen's default mlp: context 8, embedding 10, six hidden layers of 200
(Linear without bias -> BatchNorm1d -> tanh), an output Linear whose initial weight is scaled
by 0.1, cross-entropy, SGD at lr 0.1. Both sides are timed over the optimisation steps only
(sample a batch, forward, backward, update), after a warm-up of a tenth of the steps.

Each round runs `namegen-bench --only train --threads T --json` (batch 32 for 3,000 steps, then
batch 256 for 600) and then PyTorch on the same batch sizes, steps and thread count (or the other
way round, alternating), and the script prints the median of the per-round speed ratios.
On a shared VM the speed of a core drifts from minute to minute; alternating compares the two
libraries rather than two minutes.

Needs PyTorch in a virtual environment (see the README):
    python3 -m venv .venv && .venv/bin/pip install torch numpy
Usage: .venv/bin/python Sources/namegen-bench/compare_torch.py [--threads 1 2] [--rounds 3]
       [--bench PATH] [--data names.txt]
"""
import argparse, json, os, statistics, subprocess, sys, time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default 1 2)")
parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
parser.add_argument("--bench", default=".build/release/namegen-bench", help="namegen-bench binary")
parser.add_argument("--data", default="names.txt", help="the names file (default names.txt)")
args = parser.parse_args()
if args.rounds < 1 or any(t < 1 for t in args.threads):
    sys.exit("Error: --rounds and --threads must be at least 1")
if not os.access(args.bench, os.X_OK):
    sys.exit(f"Error: {args.bench} not found; build it first (swift build -c release --product namegen-bench)")
try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit("Error: PyTorch is not installed here. Make a venv: python3 -m venv .venv && .venv/bin/pip install torch numpy")

STEPS = {32: 3000, 256: 600}  # as namegen-bench's training section


def dataset(path, block=8, seed=42):
    """Training windows of the first 80% of the names after a seeded shuffle."""
    names = [line.strip() for line in open(path, encoding="utf-8") if line.strip()]
    order = torch.randperm(len(names), generator=torch.Generator().manual_seed(seed)).tolist()
    names = [names[i] for i in order][: int(0.8 * len(names))]
    index = {c: i + 1 for i, c in enumerate(sorted(set("".join(names))))}
    xs, ys = [], []
    for name in names:
        context = [0] * block
        for token in [index[c] for c in name] + [0]:
            xs.append(context)
            ys.append(token)
            context = context[1:] + [token]
    return torch.tensor(xs), torch.tensor(ys), len(index) + 1


def torch_steps_per_second(x, y, vocab, batch, steps, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    layers, width = [torch.nn.Embedding(vocab, 10), torch.nn.Flatten()], 80
    for _ in range(6):
        layers += [torch.nn.Linear(width, 200, bias=False), torch.nn.BatchNorm1d(200), torch.nn.Tanh()]
        width = 200
    layers.append(torch.nn.Linear(width, vocab))
    model = torch.nn.Sequential(*layers)
    with torch.no_grad():
        layers[-1].weight *= 0.1
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    warmup = steps // 10
    for step in range(warmup + steps):
        if step == warmup:
            start = time.perf_counter()
        rows = torch.randint(0, x.shape[0], (batch,))
        loss = F.cross_entropy(model(x[rows]), y[rows])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return steps / (time.perf_counter() - start)


def namegen_steps_per_second(threads):
    out = subprocess.run([args.bench, "--only", "train", "--threads", str(threads), "--json"],
                         check=True, capture_output=True, text=True).stdout
    rates, kernels = {}, "?"
    for line in out.splitlines():
        record = json.loads(line)
        if record.get("bench") == "train":
            rates[record["batch"]] = record["steps_per_s"]
        elif record.get("bench") == "system":
            kernels = record["kernels"]
    return rates, kernels


x, y, vocab = dataset(args.data)
print(f"PyTorch {torch.__version__}; namegen kernel set from NAMEGEN_KERNELS or the CPU")
print("batch  threads   namegen steps/s   PyTorch steps/s   ratio   (rounds)     kernels")
for threads in args.threads:
    ratios = {b: [] for b in STEPS}
    ours = {b: [] for b in STEPS}
    theirs = {b: [] for b in STEPS}
    kernels = "?"
    for r in range(args.rounds):
        order = ["namegen", "torch"] if r % 2 == 0 else ["torch", "namegen"]
        result = {}
        for side in order:
            if side == "namegen":
                result["namegen"], kernels = namegen_steps_per_second(threads)
            else:
                result["torch"] = {b: torch_steps_per_second(x, y, vocab, b, s, threads) for b, s in STEPS.items()}
            time.sleep(1)  # let the other library's threads go idle
        for b in STEPS:
            ours[b].append(result["namegen"][b])
            theirs[b].append(result["torch"][b])
            ratios[b].append(result["namegen"][b] / result["torch"][b])
    for b in STEPS:
        print(f"{b:5d}  {threads:7d}   {statistics.median(ours[b]):15.1f}   {statistics.median(theirs[b]):15.1f}"
              f"   {statistics.median(ratios[b]):5.2f}x  ({min(ratios[b]):.2f}-{max(ratios[b]):.2f})  {kernels:>8}")
