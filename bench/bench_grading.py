"""Benchmark: one lesson's feedback, cold, through the isolated runner vs bare pytest.

    python bench/bench_grading.py [--lesson 01] [--repeat 7]

Both sides are cold processes (a new interpreter each run) grading the same checks against
`solutions/`. Prints a Markdown table and writes bench/results/grading.json.
Targets (2-core machine): isolated CLI <= 3 s cold; isolated / bare <= 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.atomic import atomic_write  # noqa: E402
from autograder.manifest import load_course  # noqa: E402


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="01")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    course = load_course()
    lesson = next(lesson for lesson in course.lessons if lesson.number == args.lesson)
    env = {
        **os.environ,
        "MLGRADE_STATE_DIR": "/tmp/mlgrade-bench-state",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    solutions = str(ROOT / "solutions")
    isolated = [
        sys.executable,
        "-m",
        "autograder",
        "check",
        lesson.id,
        "--target",
        solutions,
        "--format",
        "json",
        "--output",
        "/tmp/mlgrade-bench-report.json",
    ]
    isolated_1 = [*isolated, "--jobs", "1"]
    bare = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        str(ROOT / "autograder" / "checks" / "pytest.ini"),
        str(ROOT / "autograder" / "checks" / lesson.id),
        "--mlgrade-target",
        solutions,
        "-q",
    ]
    n_checks = None
    samples: dict[str, list[float]] = {
        "isolated (jobs=2)": [],
        "isolated (jobs=1)": [],
        "bare pytest": [],
    }
    for _ in range(args.repeat):  # interleave so machine load hits all three alike
        samples["isolated (jobs=2)"].append(timed(isolated, env))
        samples["isolated (jobs=1)"].append(timed(isolated_1, env))
        samples["bare pytest"].append(timed(bare, env))
    report = json.loads(Path("/tmp/mlgrade-bench-report.json").read_text())
    n_checks = sum(len(e["checks"]) for e in report["exercises"])
    med = {k: statistics.median(v) for k, v in samples.items()}
    result = {
        "lesson": lesson.id,
        "checks": n_checks,
        "repeat": args.repeat,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "min_s": {k: round(min(v), 3) for k, v in samples.items()},
        "ratio_isolated_over_bare": round(med["isolated (jobs=2)"] / med["bare pytest"], 2),
        "ratio_isolated_jobs1_over_bare": round(med["isolated (jobs=1)"] / med["bare pytest"], 2),
    }
    out = ROOT / "bench" / "results" / "grading.json"
    atomic_write(out, json.dumps(result, indent=2) + "\n")
    print(
        f"Lesson {lesson.id}: {n_checks} checks, {args.repeat} cold runs each ({result['machine']})\n"
    )
    print("| run | median (s) | min (s) |\n|---|---:|---:|")
    for k in samples:
        print(f"| {k} | {med[k]:.2f} | {min(samples[k]):.2f} |")
    print(
        f"\nisolated / bare: {result['ratio_isolated_over_bare']}x (jobs=2), "
        f"{result['ratio_isolated_jobs1_over_bare']}x (jobs=1); target <= 1.5x, cold <= 3 s"
    )


if __name__ == "__main__":
    main()
