"""Benchmark: proving mutants at the course's full size, on a synthetic projection.

    python bench/bench_mutants.py [--target 400] [--shards 2]

The course will have about 14 lessons and 400 mutants; today it has fewer. This grades today's
mutants over and over (each pass the whole set, in the same warm worker processes that
`mlgrade dev mutants --shard K/N` uses) until `--target` mutant gradings are done, and reports the
wall time, so that the default `pytest` run can be planned against its 6-minute budget.
It also times the old way, one cold `mlgrade check` subprocess per mutant, on a sample.
Prints a Markdown table and writes bench/results/mutants.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import dev  # noqa: E402
from autograder.atomic import atomic_write  # noqa: E402
from autograder.manifest import load_course  # noqa: E402
from autograder.runner import Limits  # noqa: E402


def worker(k: int, n: int, target: int) -> None:
    """Grade the k-th of n interleaved shares of `target` mutant gradings; print the count."""
    course = load_course()
    mutants = dev.find_mutants(course)
    projected = [mutants[i % len(mutants)] for i in range(target)][k - 1 :: n]
    limits = dev._mutant_limits(Limits(memory_mb=course.memory_limit_mb, jobs=1))
    caught = sum(not v.problem for v in dev.grade_mutants(course, projected, limits))
    print(json.dumps({"graded": len(projected), "caught": caught}))


def warm(target: int, shards: int) -> tuple[float, int, int]:
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", f"{k}/{shards}", "--target", str(target)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(1, shards + 1)
    ]
    graded = caught = 0
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"a worker failed ({proc.returncode}):\n{out[-2000:]}")
        counts = json.loads(out.strip().splitlines()[-1])
        graded, caught = graded + counts["graded"], caught + counts["caught"]
    return time.perf_counter() - start, graded, caught


def cold_sample(sample: int) -> float:
    """Seconds per mutant the old way: one `mlgrade check` subprocess of the mutant's lesson."""
    course = load_course()
    mutants = dev.find_mutants(course)
    step = max(1, len(mutants) // sample)
    chosen = mutants[::step][:sample]
    start = time.perf_counter()
    for mutant in chosen:
        lesson = mutant.exercise_id.split("/")[0]
        with tempfile.TemporaryDirectory() as tmp:
            for ex in course.exercises:  # the old target: the whole lesson, the mutant in its place
                if ex.lesson_id != lesson:
                    continue
                out = Path(tmp) / ex.relpath
                out.parent.mkdir(parents=True, exist_ok=True)
                source = dev.stubs.solution_path(course, ex).read_text(encoding="utf-8")
                out.write_text(mutant.source(course) if ex.id == mutant.exercise_id else source)
            subprocess.run(
                [sys.executable, "-m", "autograder", "check", lesson, "--target", tmp]
                + ["--format", "json"],
                cwd=ROOT,
                capture_output=True,
                check=False,
            )
    return (time.perf_counter() - start) / len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=int, default=400, help="mutant gradings to project to")
    parser.add_argument("--shards", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cold-sample", type=int, default=12, help="mutants timed the old way")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        k, n = (int(x) for x in args.worker.split("/"))
        worker(k, n, args.target)
        return
    course = load_course()
    today = len(dev.find_mutants(course))
    seconds_today, _, _ = warm(today, args.shards)
    seconds, graded, caught = warm(args.target, args.shards)
    per_cold = cold_sample(args.cold_sample)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "mutants_today": today,
        "warm_s_today": round(seconds_today, 1),
        "projected_mutants": graded,
        "caught": caught,
        "shards": args.shards,
        "warm_s_projected": round(seconds, 1),
        "warm_s_per_mutant": round(seconds / graded, 3),
        "cold_s_per_mutant_sample": round(per_cold, 3),
        "cold_s_projected": round(per_cold * graded, 1),
    }
    out = ROOT / "bench" / "results" / "mutants.json"
    atomic_write(out, json.dumps(result, indent=1) + "\n")
    print("| mutants | way | wall time |")
    print("|---|---|---|")
    print(f"| {today} (today) | warm, {args.shards} processes | {seconds_today:.1f} s |")
    print(f"| {graded} (projection) | warm, {args.shards} processes | {seconds:.1f} s |")
    print(f"| {graded} (projection) | one cold subprocess each | {per_cold * graded:.0f} s |")


if __name__ == "__main__":
    main()
