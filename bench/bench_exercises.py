"""Benchmark: the lesson 01 reference solutions at the sizes their contracts promise.

    python bench/bench_exercises.py

standardize on 200,000 x 50 "takes a fraction of a second"; pairwise_sq_dists keeps its peak
extra memory "a small multiple of n*m floats". Writes bench/results/exercises.json.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.atomic import atomic_write  # noqa: E402


def load(stem: str):
    path = ROOT / "solutions" / "01_numpy" / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    standardize = load("ex01_standardize").standardize
    X = rng.normal(size=(200_000, 50))
    t_std = best_of(lambda: standardize(X))
    mean, std = X.mean(0), X.std(0)
    loop = lambda: np.array([(row - mean) / std for row in X[:20_000]])  # noqa: E731
    t_loop_20k = best_of(loop, repeat=3)

    pairwise = load("ex02_pairwise").pairwise_sq_dists
    n, m, d = 2_000, 1_500, 128
    A, B = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    t_pw = best_of(lambda: pairwise(A, B))
    tracemalloc.start()
    pairwise(A, B)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    result = {
        "standardize_200k_x_50_s": round(t_std, 4),
        "row_loop_20k_rows_s": round(t_loop_20k, 4),
        "row_loop_200k_rows_extrapolated_s": round(t_loop_20k * 10, 2),
        "pairwise_2000x1500x128_s": round(t_pw, 4),
        "pairwise_peak_bytes": peak,
        "pairwise_peak_in_nm_floats": round(peak / (n * m * 8), 2),
        "pairwise_3d_intermediate_would_be_bytes": n * m * d * 8,
    }
    atomic_write(ROOT / "bench" / "results" / "exercises.json", json.dumps(result, indent=2) + "\n")
    print("| measurement | value |\n|---|---:|")
    print(f"| standardize, 200,000 x 50 (best of 5) | {t_std * 1000:.0f} ms |")
    print(
        f"| the same arithmetic looping over rows (from 20,000 rows, x10) | {t_loop_20k * 10 * 1000:.0f} ms |"
    )
    print(f"| pairwise_sq_dists, 2,000 x 1,500, d=128 | {t_pw * 1000:.0f} ms |")
    print(
        f"| its peak extra memory | {peak / 1e6:.1f} MB = {peak / (n * m * 8):.1f} x n*m floats |"
    )
    print(f"| an (n, m, d) intermediate would need | {n * m * d * 8 / 1e9:.1f} GB |")


if __name__ == "__main__":
    main()
