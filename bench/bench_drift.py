"""Benchmark lesson 10's drift report: a million rows of ten columns, reference against current.

Run: `python bench/bench_drift.py` (about half a minute; `--rows 100000` for a quick look).
Prints a Markdown table for docs/reference/benchmarks.md and writes the raw numbers to
bench/results/drift.json. The function timed is `coursekit.drift.drift_report` (the reference
solution of 10_monitoring/ex02_drift, given to later lessons): PSI on ten quantile bins of the
reference and the KS statistic for each numeric column, PSI by category name for each
categorical one.

The frames are seeded: a reference and a current window of `--rows` rows each, with five
numeric columns (skewed amounts, hours, scores, counts, ages; float64 and int64) and five
categorical ones (pandas `category` dtype, 3 to 15 categories, one new category in the current),
the current shifted a little in most columns. A row "as strings" repeats the measurement with
the categorical columns as plain Python strings (`object` dtype), as a CSV read without dtypes
gives them. Times are the best of `--repeats` runs: wall-clock seconds, and the CPU seconds
of this process (`time.process_time`; NumPy sorts on one thread here, so on a busy machine the
CPU time is close to what the wall clock shows on an idle one). "peak" is the most memory
allocated at once during one call (tracemalloc sees NumPy's and pandas' buffers), the input
frames not counted. The target: 1,000,000 rows x 10 columns in at most 1 s.
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
from scipy.stats import ks_2samp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.atomic import atomic_write  # noqa: E402
from coursekit.drift import categorical_psi, drift_report, ks_statistic, psi  # noqa: E402

MB = 1024 * 1024
TARGET_S = 1.0
CATEGORIES = {
    "channel": ["web", "app", "pos"],
    "currency": ["EUR", "GBP", "CHF", "USD"],
    "card_country": ["DE", "FR", "ES", "IT", "NL", "IE", "GB", "CH", "US"],
    "merchant_country": ["DE", "FR", "ES", "IT", "NL", "IE", "GB", "CH", "US"],
    "merchant_category": [f"category_{k:02d}" for k in range(15)],
}


def frame(rows: int, seed: int, shift: float) -> pd.DataFrame:
    """`rows` seeded rows of 5 numeric and 5 categorical columns; `shift` moves most of them."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {
        "amount": (rng.lognormal(3.3, 1.1, rows) * (1 + shift)).round(2),
        "hour": rng.integers(0, 24, rows),
        "score": rng.beta(1.0, 30.0 - 10 * shift, rows),
        "n_prev_day": rng.poisson(2.0 + shift, rows),
        "account_age_days": rng.uniform(0, 900, rows),
    }
    for k, (name, values) in enumerate(CATEGORIES.items()):
        weights = np.linspace(1.0, 1.0 + shift * (k + 1), len(values))
        codes = rng.choice(len(values), rows, p=weights / weights.sum())
        names = values + (["new"] if shift and name == "channel" else [])
        if shift and name == "channel":
            codes[rng.random(rows) < 0.01] = len(values)  # a new category in the current
        columns[name] = pd.Categorical.from_codes(codes, categories=names)
    return pd.DataFrame(columns)


def best_time(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """The best wall-clock seconds and the best CPU seconds of this process over `repeats` runs."""
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return min(wall), min(cpu)


def peak_mb(run: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        run()
        return (tracemalloc.get_traced_memory()[1] - base) / MB
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} CPUs ({platform.machine()}), load average {load:.1f} at the start\n"
    )
    reference, current = frame(args.rows, 1, 0.0), frame(args.rows, 2, 0.3)
    as_strings = [ref.astype({c: object for c in CATEGORIES}) for ref in (reference, current)]
    numeric = [c for c in reference.columns if c not in CATEGORIES]
    drift_report(reference.iloc[:1000], current.iloc[:1000])  # lazy imports, first allocations

    cases = {
        "drift_report, 10 columns": lambda: drift_report(reference, current),
        "drift_report, 10 columns, categories as strings": lambda: drift_report(*as_strings),
        "psi, 1 numeric column": lambda: psi(reference["amount"], current["amount"]),
        "ks_statistic, 1 numeric column": lambda: ks_statistic(
            reference["amount"], current["amount"]
        ),
        "scipy.stats.ks_2samp, 1 numeric column (for comparison)": lambda: ks_2samp(
            reference["amount"], current["amount"]
        ),
        "categorical_psi, 1 categorical column": lambda: categorical_psi(
            reference["merchant_category"], current["merchant_category"]
        ),
    }
    print("| call | rows (each side) | wall (s) | CPU (s) | peak memory (MB) |")
    print("|---|---:|---:|---:|---:|")
    results = []
    for name, run in cases.items():
        seconds, cpu = best_time(run, args.repeats)
        peak = peak_mb(run)
        results.append(
            {"call": name, "rows": args.rows, "seconds": seconds, "cpu_s": cpu, "peak_mb": peak}
        )
        print(f"| {name} | {args.rows:,} | {seconds:.3f} | {cpu:.3f} | {peak:.0f} |", flush=True)

    report = drift_report(reference, current)
    print("\nThe report (current shifted by 0.3 in most columns):\n")
    print("| feature | kind | psi | ks | severity |\n|---|---|---:|---:|---|")
    for feature, kind, value, ks, severity in report.itertuples(index=False):
        print(f"| {feature} | {kind} | {value:.4f} | {ks:.4f} | {severity} |")
    total, cpu = results[0]["seconds"], results[0]["cpu_s"]
    verdict = "within" if total <= TARGET_S else "OVER"
    print(
        f"\n{args.rows:,} rows x 10 columns ({len(numeric)} numeric) in {total:.2f} s wall "
        f"({cpu:.2f} s of CPU): {verdict} the {TARGET_S} s target"
    )
    if args.no_save:
        return
    result = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "cpus": os.cpu_count(),
        "load_average_at_start": round(load, 2),
        "repeats": args.repeats,
        "target_1m_x_10_s": TARGET_S,
        "columns": {"numeric": numeric, "categorical": list(CATEGORIES)},
        "results": [
            {k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in results
        ],
    }
    atomic_write(ROOT / "bench" / "results" / "drift.json", json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
