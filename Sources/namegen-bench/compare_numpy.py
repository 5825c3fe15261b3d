#!/usr/bin/env python3
"""namegen's matmul beside numpy's, shape by shape, in alternating rounds (`make bench-numpy`).

On a shared VM the speed of a core can change by 10-50% from one minute to the next, so two
benchmark runs a minute apart do not compare the two libraries, they compare two minutes. This
script pairs them closely: for each shape it runs `namegen-bench --shape M,K,N --json` and then
times numpy on the same shape (or the other way round, alternating), `--rounds` times, and
reports the median of the per-round time ratios next to the medians of the times.

numpy is timed the usual way: `np.matmul(A, B, out=C)` on preallocated float32 operands (the transposed forms as views), one warm-up call, then five runs
of `reps` calls with reps = 3e8 / flops clamped to 5..20000, and the median of the five per-call
times. namegen-bench uses the same recipe.

namegen's kernel set is the CPU's widest unless NAMEGEN_KERNELS forces one; it is printed at the end.
To benchmark numpy fairly, leave OPENBLAS_CORETYPE unset, so that OpenBLAS picks its kernels for
this CPU.

Usage: python3 compare_numpy.py [--threads 2] [--rounds 5] [--shape M,K,N ...] [--bench PATH] [--json]
"""
import argparse, json, os, statistics, subprocess, sys, time

SHAPES = [(32, 80, 200), (32, 200, 200), (32, 200, 27), (256, 200, 200), (128, 256, 512),
          (64, 64, 64), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024)]

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=int, default=2, help="threads for both libraries (default 2)")
parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per shape (default 5)")
parser.add_argument("--shape", action="append", default=None, help="M,K,N (repeatable; default: all)")
parser.add_argument("--bench", default=".build/release/namegen-bench", help="namegen-bench binary")
parser.add_argument("--json", action="store_true", help="one JSON object per line")
args = parser.parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[var] = str(args.threads)
import numpy as np  # after the thread count is set

if not os.access(args.bench, os.X_OK):
    sys.exit(f"Error: {args.bench} not found; build it first (swift build -c release --product namegen-bench)")
def parse_shape(text):
    try:
        sizes = tuple(int(x) for x in text.split(","))
    except ValueError:
        sizes = ()
    if len(sizes) != 3 or not all(1 <= x <= 4096 for x in sizes):
        sys.exit(f"Error: --shape {text!r}: expected three whole numbers from 1 to 4096, as in 32,200,200")
    return sizes


if args.threads < 1 or args.rounds < 1:
    sys.exit("Error: --threads and --rounds must be at least 1")
shapes = [parse_shape(text) for text in args.shape] if args.shape else SHAPES


def numpy_us(form, m, k, n, rng):
    a = rng.standard_normal((k, m) if form == "tn" else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if form == "nt" else (k, n), dtype=np.float32)
    lhs = a.T if form == "tn" else a
    rhs = b.T if form == "nt" else b
    out = np.empty((m, n), dtype=np.float32)
    flops = 2 * m * k * n
    reps = max(5, min(20000, int(3e8 / max(flops, 1))))
    np.matmul(lhs, rhs, out=out)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(reps):
            np.matmul(lhs, rhs, out=out)
        runs.append((time.perf_counter() - start) / reps)
    return sorted(runs)[2] * 1e6


def namegen_us(m, k, n):
    # OpenBLAS's threads keep spinning for a while after numpy's last call; namegen's worker
    # pool would see them take its core and back off to one thread. Let them go to sleep first.
    time.sleep(1.0)
    out = subprocess.run([args.bench, "--only", "matmul", "--threads", str(args.threads),
                          "--shape", f"{m},{k},{n}", "--json"], capture_output=True, text=True, check=True)
    for line in out.stderr.splitlines():
        print(f"namegen-bench: {line}", file=sys.stderr)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    global kernels
    kernels = next((row["kernels"] for row in rows if "kernels" in row), kernels)
    return {row["variant"]: row["us"] for row in rows if "variant" in row}


kernels = "?"


rng = np.random.default_rng(0)
if not args.json:
    print(f"namegen vs numpy {np.__version__}, {args.threads} thread(s) each, {args.rounds} alternating rounds per shape")
    print("time ratio: median of the rounds' namegen/numpy times (their range); GFLOPS: namegen's as a share of numpy's")
    print(f"{'form':4} {'M':>6} {'K':>5} {'N':>5} {'namegen µs':>12} {'numpy µs':>10} {'ratio':>8} {'(rounds)':>13} {'GFLOPS':>10}")
for (m, k, n) in shapes:
    ours = {f: [] for f in ("nn", "nt", "tn")}
    theirs = {f: [] for f in ("nn", "nt", "tn")}
    for r in range(args.rounds):
        steps = ("namegen", "numpy") if r % 2 == 0 else ("numpy", "namegen")
        for step in steps:
            if step == "namegen":
                for form, us in namegen_us(m, k, n).items():
                    ours[form].append(us)
            else:
                for form in theirs:
                    theirs[form].append(numpy_us(form, m, k, n, rng))
    for form in ("nn", "nt", "tn"):
        ratios = [o / t for o, t in zip(ours[form], theirs[form])]
        ratio = statistics.median(ratios)
        row = {"variant": form, "m": m, "k": k, "n": n, "threads": args.threads,
               "namegen_us": round(statistics.median(ours[form]), 2),
               "numpy_us": round(statistics.median(theirs[form]), 2),
               "time_ratio": round(ratio, 3), "ratio_min": round(min(ratios), 3),
               "ratio_max": round(max(ratios), 3), "gflops_share": round(1 / ratio, 3)}
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print(f"{form:4} {m:6} {k:5} {n:5} {row['namegen_us']:12.2f} {row['numpy_us']:10.2f} {ratio:8.2f} "
                  f"{'(%.2f-%.2f)' % (min(ratios), max(ratios)):>13} {'%.1f%%' % (100 / ratio):>10}", flush=True)
if not args.json:
    print(f"namegen kernel set: {kernels}")
