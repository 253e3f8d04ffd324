"""Benchmark: `mlgrade batch` over a class of 100 lesson-01 submissions.

    python bench/bench_batch.py [--submissions 100] [--jobs 2]

The class is a mix: reference solutions, untouched stubs, and solutions with one exercise swapped
for a mutant from tests/mutants/01_numpy/ (one realistic mistake each). Each submission is graded
in a process of its own, forked from the batch's warm worker, as `mlgrade batch` does. Prints submissions per minute and a
Markdown table, and writes bench/results/batch.json.
Target (2-core machine): >= 100 submissions per minute with --jobs 2, sandboxed.
`--cold` grades each submission in a fresh interpreter instead of forking it from the batch's
warm worker, for comparison.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import dev, stubs  # noqa: E402
from autograder.atomic import atomic_write  # noqa: E402
from autograder.manifest import load_course  # noqa: E402

LESSON = "01_numpy"
TARGET_PER_MINUTE = 100  # sandboxed, 2 jobs (issue 8)


def make_class(dest: Path, n: int) -> dict[str, str]:
    """`n` submissions of lesson 01 in `dest`; returns each one's kind."""
    course = load_course()
    exercises = [ex for ex in course.exercises if ex.lesson_id == LESSON]
    mutants = [m for m in dev.find_mutants(course) if m.exercise_id.startswith(f"{LESSON}/")]
    kinds = {}
    for i in range(n):
        name = f"learner{i:03d}"
        kind = ("solutions", "stubs", "mutant")[i % 3]
        mutant = mutants[(i // 3) % len(mutants)] if kind == "mutant" else None
        for ex in exercises:
            out = dest / name / ex.relpath
            out.parent.mkdir(parents=True, exist_ok=True)
            if kind == "stubs":
                out.write_text(stubs.stub_text(course, ex), encoding="utf-8")
            elif mutant is not None and mutant.exercise_id == ex.id:
                out.write_text(mutant.source(course), encoding="utf-8")
            else:
                shutil.copyfile(stubs.solution_path(course, ex), out)
        kinds[name] = kind if mutant is None else f"mutant ({mutant.exercise_id}/{mutant.name})"
    return kinds


def cold_grade_seconds(target: Path, repeat: int = 3) -> float:
    """One `mlgrade grade` of one submission, cold, as each batch child runs it."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-P",
                "-m",
                "autograder",
                "grade",
                str(target),
                "--format",
                "json",
                "--output",
                os.devnull,
                "--jobs",
                "1",
            ],
            check=True,
            capture_output=True,
            cwd=tempfile.gettempdir(),
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="a fresh interpreter per submission")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mlgrade-bench-batch-") as tmp:
        subs = Path(tmp) / "submissions"
        kinds = make_class(subs, args.submissions)
        out = Path(tmp) / "grades.csv"
        single = cold_grade_seconds(subs / "learner000")
        load_before = os.getloadavg()[0]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "autograder",
                "batch",
                str(subs),
                "--jobs",
                str(args.jobs),
                "--output",
                str(out),
                *(["--cold"] if args.cold else []),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_after = os.getloadavg()[0]
        if proc.returncode != 0:
            raise SystemExit(f"mlgrade batch failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        with open(out, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))

    if len(rows) != args.submissions or any(r["status"] != "graded" for r in rows):
        raise SystemExit(f"expected {args.submissions} graded rows, got {len(rows)}")
    by_kind: dict[str, list[float]] = {}
    for row in rows:
        kind = kinds[row["submission"]].split(" ")[0]
        by_kind.setdefault(kind, []).append(float(row["total"]))
    per_minute = 60 * len(rows) / elapsed
    # CPU seconds the batch and every process under it used: what the class costs, whatever else
    # the machine was doing. N cores give at most 60 * N / cpu_per_submission submissions a minute.
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    cpu_per_submission = cpu / len(rows)
    cores = min(args.jobs, os.cpu_count() or 1)
    result = {
        "submissions": len(rows),
        "jobs": args.jobs,
        "mode": "cold" if args.cold else "warm",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        "elapsed_s": round(elapsed, 2),
        "per_minute": round(per_minute, 1),
        "seconds_per_submission": round(elapsed / len(rows), 3),
        "cpu_s_per_submission": round(cpu_per_submission, 3),
        "cpu_bound_per_minute": round(60 * cores / cpu_per_submission, 1),
        "single_cold_grade_s": round(single, 3),
        "mean_total_by_kind": {k: round(statistics.mean(v), 2) for k, v in sorted(by_kind.items())},
        "count_by_kind": {k: len(v) for k, v in sorted(by_kind.items())},
        "target_per_minute": TARGET_PER_MINUTE,
    }
    atomic_write(
        ROOT / "bench" / "results" / f"batch{'-cold' if args.cold else ''}.json",
        json.dumps(result, indent=2) + "\n",
    )
    print(
        f"mlgrade batch: {len(rows)} submissions of lesson {LESSON}, --jobs {args.jobs}, "
        f"{result['mode']} "
        f"({result['machine']}; load average {load_before:.2f} before, {load_after:.2f} after)\n"
    )
    print("| measure | value |\n|---|---:|")
    print(f"| wall time | {elapsed:.1f} s |")
    print(f"| submissions per minute | {per_minute:.0f} |")
    print(f"| seconds per submission (wall) | {elapsed / len(rows):.2f} |")
    print(f"| CPU seconds per submission | {cpu_per_submission:.2f} |")
    print(
        f"| CPU-bound rate on {cores} idle cores | {60 * cores / cpu_per_submission:.0f} per minute |"
    )
    print(f"| one cold `mlgrade grade` (jobs 1) | {single:.2f} s |")
    print("\n| kind | submissions | mean total |\n|---|---:|---:|")
    for kind, totals in sorted(by_kind.items()):
        print(f"| {kind} | {len(totals)} | {statistics.mean(totals):.1f} |")
    verdict = "meets" if per_minute >= TARGET_PER_MINUTE else "MISSES"
    print(
        f"\n{per_minute:.0f} submissions per minute: {verdict} the target of {TARGET_PER_MINUTE} on 2 cores"
    )


if __name__ == "__main__":
    main()
