"""Worked example: where the time of a prediction goes, for one row and for a batch.

A pipeline of two steps scores raw payments: `features` turns them into the seven columns of
`coursekit.serving_model.to_features` (a Python loop over the rows), then `forest` is a random
forest of 100 trees (`fraud_data.big_forest(100)`). Two measurements:

1. cProfile, the standard library's profiler, records every Python function call of one
   `predict_proba`: how many calls each function got, and the time spent inside each step.
   The profiler slows Python code down, so its times are a rough map, not a benchmark.
2. The same `predict_proba` on 1 to 10,000 rows, timed without a profiler (median of repeats,
   after an untimed call): the time of one call is close to a fixed cost plus a cost per row,
   t(n) = a + b * n, and a least-squares line through the points estimates both.

Times vary from run to run: the example prints them "(this run)".

Run: python docs/examples/11_optimization/where_time_goes.py
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import time

import numpy as np
import pandas as pd
from fraud_data import big_forest, split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_limits

from coursekit.serving_model import to_features

RAW = ["timestamp", "amount", "channel", "merchant_category", "card_country", "merchant_country"]
SIZES = (1, 10, 100, 1_000, 10_000)


def payment_rows(frame: pd.DataFrame) -> np.ndarray:
    return to_features(frame.to_dict("records")).to_numpy(dtype=np.float32)


def fraud_pipeline() -> tuple[Pipeline, pd.DataFrame]:
    """The two-step pipeline, fitted, and the raw test payments it scores."""
    data = split()
    forest = big_forest(100).fit(data.X_train, data.y_train)
    features = FunctionTransformer(payment_rows).fit(data.train[RAW].head(1))
    return Pipeline([("features", features), ("forest", forest)]), data.test[RAW]


def profile(pipeline: Pipeline, rows: pd.DataFrame) -> pstats.Stats:
    pipeline.predict_proba(rows)  # warm-up: imports and caches are not what we look for
    profiler = cProfile.Profile()
    profiler.enable()
    pipeline.predict_proba(rows)
    profiler.disable()
    return pstats.Stats(profiler)


def step_seconds(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative time inside each step's method, from the profile."""
    where = {"features": "_function_transformer.py", "forest": "ensemble/_forest.py"}
    found = {}
    for (path, _, function), (_, _, _, cumulative, _) in stats.stats.items():
        for step, ending in where.items():
            wanted = "transform" if step == "features" else "predict_proba"
            if path.endswith(ending) and function == wanted:
                found[step] = cumulative
    return found


def measure(pipeline: Pipeline, rows: pd.DataFrame, sizes=SIZES) -> dict[int, float]:
    """Median seconds of one predict_proba call on n rows, for each n in sizes."""
    result = {}
    for n in sizes:
        batch = rows.head(n)
        pipeline.predict_proba(batch)
        times = []
        for _ in range(7 if n < 10_000 else 3):
            start = time.perf_counter()
            pipeline.predict_proba(batch)
            times.append(time.perf_counter() - start)
        result[n] = statistics.median(times)
    return result


def main() -> None:
    with threadpool_limits(limits=1):
        pipeline, rows = fraud_pipeline()
        one = profile(pipeline, rows.head(1))
        thousand = profile(pipeline, rows.head(1000))
        seconds = measure(pipeline, rows)

    print(f"one row: {one.total_calls:,} Python function calls, {thousand.total_calls:,} for 1,000")
    libraries = [item for item in one.stats.items() if "/sklearn/" in item[0][0]]
    busiest = sorted(libraries, key=lambda item: (-item[1][1], item[0]))[:5]
    print("scikit-learn's most called functions for one row:")
    for (path, _, function), (_, calls, *_) in busiest:
        module = "/".join(path.split("/")[-2:])
        print(f"  {calls:>4} calls of {function} ({module})")
    counts = {(path.split("/")[-1], f): c for (path, _, f), (_, c, *_) in one.stats.items()}
    print(
        f"one row, 100 trees: {counts[('_classes.py', 'predict_proba')]} calls of a tree's "
        f"predict_proba, {counts[('_config.py', 'set_config')]} of set_config, "
        f"{counts[('validation.py', 'check_array')]} of check_array"
    )
    for name, stats in (("1 row", one), ("1,000 rows", thousand)):
        steps = step_seconds(stats)
        total = sum(steps.values())
        shares = ", ".join(f"{step} {t / total:.0%}" for step, t in steps.items())
        print(f"{name}, share of the two steps under the profiler: {shares} (this run)")

    print("| rows per call | ms per call | µs per row |  (this run)")
    print("|---:|---:|---:|")
    for n, t in seconds.items():
        print(f"| {n:,} | {t * 1e3:.2f} | {t / n * 1e6:,.1f} |")
    n = np.array(list(seconds), dtype=float)
    per_row, fixed = np.polyfit(n, np.array(list(seconds.values())), 1)
    print(
        f"t(n) ~ {fixed * 1e3:.1f} ms + {per_row * 1e6:.1f} µs x n; one row alone costs "
        f"{seconds[1] / (seconds[10_000] / 10_000):,.0f} times a row of a 10,000-row batch "
        "(this run)"
    )


if __name__ == "__main__":
    main()
