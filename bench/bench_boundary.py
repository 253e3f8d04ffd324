"""Benchmark: the cost of the process boundary (values cross between the learner's process and
the grading child).

    python bench/bench_boundary.py [--repeat 5]

Starts a learner process on a tiny exercise file that returns what it is given, and times calls
that carry a 200,000 x 50 float64 array (80 MB) there and back, against the same call made
in-process. Also times the start of a learner process, plain and sandboxed. Prints a Markdown table
and writes bench/results/boundary.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import sandbox  # noqa: E402
from autograder.atomic import atomic_write  # noqa: E402
from autograder.learner_process import LearnerProcess  # noqa: E402

EXERCISE = "import numpy as np\n\ndef echo(X):\n    return X\n\ndef column_means(X):\n    return X.mean(axis=0)\n"


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    X = np.random.default_rng(0).normal(size=(200_000, 50))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ex.py"
        path.write_text(EXERCISE)
        starts = {}
        for name, hide in (("plain", None), ("sandboxed", [])):
            if hide is not None and sandbox.probe() == sandbox.NONE:
                continue

            def start(hide=hide) -> None:
                process = LearnerProcess(path, "bench_ex", hide)
                process.load()
                process.close()

            starts[name] = timed(start, args.repeat)
        process = LearnerProcess(path, "bench_ex")
        module = process.load()
        module.echo(X[:10])  # warm up
        results = {
            "echo 200,000 x 50 across the boundary (X there, X back)": timed(
                lambda: module.echo(X), args.repeat
            ),
            "column means across the boundary (X there, 50 back)": timed(
                lambda: module.column_means(X), args.repeat
            ),
            "column means in-process": timed(lambda: X.mean(axis=0), args.repeat),
        }
        process.close()
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "repeat": args.repeat,
        "median_s": {k: round(v, 4) for k, v in results.items()},
        "learner_process_start_s": {k: round(v, 4) for k, v in starts.items()},
    }
    atomic_write(ROOT / "bench" / "results" / "boundary.json", json.dumps(result, indent=1) + "\n")
    print("| what | median |")
    print("|---|---|")
    for k, v in results.items():
        print(f"| {k} | {v * 1000:.0f} ms |")
    for k, v in starts.items():
        print(f"| start a learner process ({k}), load the file | {v * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
