"""Benchmark: grading time of this checkout against an earlier revision, cold, interleaved.

    python bench/bench_versus.py --before f722e12 [--repeat 7] [SELECTOR]

Checks the earlier revision out into a temporary git worktree, then grades each side's own
`solutions/` with `python -m autograder check SELECTOR` in a fresh interpreter, alternating the
two so that machine load hits both alike. Prints the medians and their ratio. Used for the cost of
the process boundary (f722e12 is the last revision whose checks ran beside the learner's code).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def grade_seconds(checkout: Path, selector: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    cmd = [sys.executable, "-m", "autograder", "check", *selector]
    cmd += ["--target", str(checkout / "solutions"), "--format", "json"]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the earlier revision")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("selector", nargs="*", help="a lesson or exercise (default: everything)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "before"
        subprocess.run(
            ["git", "worktree", "add", "-q", "--detach", str(before), args.before],
            cwd=ROOT,
            check=True,
        )
        try:
            samples: dict[str, list[float]] = {"before": [], "now": []}
            for _ in range(args.repeat):
                samples["before"].append(grade_seconds(before, args.selector))
                samples["now"].append(grade_seconds(ROOT, args.selector))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, check=False
            )
    med = {k: statistics.median(v) for k, v in samples.items()}
    print(f"| {args.before} | now | ratio |")
    print("|---:|---:|---:|")
    print(f"| {med['before']:.2f} s | {med['now']:.2f} s | {med['now'] / med['before']:.2f}× |")


if __name__ == "__main__":
    main()
