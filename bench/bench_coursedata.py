"""Benchmark the data world: generation time and memory for 100k and 1M transactions.

Run: `python bench/bench_coursedata.py` (about half a minute). Prints a Markdown table for
docs/reference/data-world.md and docs/reference/benchmarks.md, and writes the raw numbers to
bench/results/coursedata.json. Times are the best of `--repeats` wall-clock runs; "peak" is the
most memory allocated at once during one `generate` call (tracemalloc sees numpy's buffers);
"frames" is what the three frames then hold (`memory_usage(deep=True)`). The target: a million
transactions generate in at most 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import coursedata  # noqa: E402
from autograder.atomic import atomic_write  # noqa: E402

# (transactions, users, merchants): about 25 payments per user over the 180 days.
SIZES = ((100_000, 4_000, 600), (1_000_000, 40_000, 3_000))
MB = 1024 * 1024
TARGET_1M_S = 1.5


def best_time(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def peak_mb(run: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def frame_mb(*frames: pd.DataFrame) -> float:
    return sum(int(f.memory_usage(deep=True).sum()) for f in frames) / MB


def measure(n_transactions: int, n_users: int, n_merchants: int, repeats: int) -> dict[str, float]:
    def make() -> coursedata.World:
        return coursedata.generate(n_transactions, n_users, n_merchants, seed=0)

    world = make()
    raw = coursedata.raw_export(world)
    return {
        "generate_s": best_time(make, repeats),
        "generate_peak_mb": peak_mb(make),
        "frames_mb": frame_mb(world.transactions, world.users, world.merchants),
        "raw_export_s": best_time(lambda: coursedata.raw_export(world), repeats),
        "raw_export_mb": frame_mb(raw),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} CPUs ({platform.machine()}), load average {load:.1f} at the start\n"
    )
    print(
        "| transactions | users | merchants | `generate` (s) | peak memory (MB) | frames (MB) "
        "| `raw_export` (s) | raw export (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for n_tx, n_users, n_merchants in SIZES:
        m = measure(n_tx, n_users, n_merchants, args.repeats)
        rows.append({"transactions": n_tx, "users": n_users, "merchants": n_merchants, **m})
        print(
            f"| {n_tx:,} | {n_users:,} | {n_merchants:,} | {m['generate_s']:.2f} "
            f"| {m['generate_peak_mb']:.0f} | {m['frames_mb']:.0f} | {m['raw_export_s']:.2f} "
            f"| {m['raw_export_mb']:.0f} |"
        )
    world = coursedata.sample("medium")
    tables = {
        "with_anomalies": lambda: coursedata.with_anomalies(world),
        "daily_volumes": coursedata.daily_volumes,
        "interactions": coursedata.interactions,
        "dispute_notes": lambda: coursedata.dispute_notes(world),
        "noisy_labels": lambda: coursedata.noisy_labels(world),
    }
    print("\n| later lessons' table (medium world, default sizes) | seconds |\n|---|---:|")
    later = {}
    for name, make_table in tables.items():
        later[name] = round(best_time(make_table, args.repeats), 4)
        print(f"| `{name}` | {later[name]:.3f} |")
    million = rows[-1]["generate_s"]
    verdict = "within" if million <= TARGET_1M_S else "OVER"
    print(f"\n1,000,000 transactions in {million:.2f} s: {verdict} the {TARGET_1M_S} s target")
    result = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "cpus": os.cpu_count(),
        "load_average_at_start": round(load, 2),
        "repeats": args.repeats,
        "target_1m_generate_s": TARGET_1M_S,
        "sizes": [
            {k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows
        ],
        "later_tables_s": later,
    }
    atomic_write(
        ROOT / "bench" / "results" / "coursedata.json", json.dumps(result, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
