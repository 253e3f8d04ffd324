"""Figures of lesson 07 (batch inference).

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`.
The peak-memory figure runs the worked example's own jobs (docs/examples/07_batch/
chunked_scoring.py) at five file sizes; the crossover figure reads the benchmark's results
(bench/results/batch_scoring.json, written by bench/bench_batch_scoring.py), which take minutes
to measure and so are not measured again here.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plotting import ROOT, load_example, save  # noqa: E402

BENCH = ROOT / "bench" / "results" / "batch_scoring.json"


def peak_memory(out: Path) -> Path:
    """Peak memory of read + score + write against the file's rows: whole file and in chunks."""
    from threadpoolctl import threadpool_limits

    ex = load_example("07_batch", "chunked_scoring", on_path=True)
    sizes = (5_000, 10_000, 20_000, 40_000, 80_000)
    with tempfile.TemporaryDirectory() as folder, threadpool_limits(limits=1):
        results = ex.measure(Path(folder), sizes)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    styles = {"csv": ("tab:blue", "o"), "parquet": ("tab:orange", "s")}
    for fmt, (color, marker) in styles.items():
        rows = [r["rows"] for r in results if r["format"] == fmt]
        for job, line in (("whole", "-"), ("streamed", "--")):
            # to 0.1 MB, as the example prints: the last digits move by a few kB between runs
            peaks = [round(r[job], 1) for r in results if r["format"] == fmt]
            label = (
                f"{fmt}, {'whole file' if job == 'whole' else f'chunks of {ex.ROWS_PER_CHUNK:,}'}"
            )
            ax.plot(rows, peaks, line, color=color, marker=marker, label=label)
    ax.set_xlabel("rows in the file")
    ax.set_ylabel("peak memory (MB, tracemalloc + Arrow)")
    ax.set_title("Whole-file scoring grows with the file; chunked scoring stays flat")
    ax.set_xticks(sizes, [f"{s // 1000}k" for s in sizes])
    ax.set_ylim(0, None)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    return save(fig, out, "07-peak-memory.png")


def dask_crossover(out: Path) -> Path:
    """Seconds to read, score and write n rows: pandas on 1 and 2 threads, a local cluster of 2
    processes (warm), and the cluster counting its start, from the benchmark's JSON."""
    result = json.loads(BENCH.read_text(encoding="utf-8"))
    dask = result["dask"]
    rows = np.array([r["rows"] for r in dask["sizes"]])
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    series = (
        ("pandas_1_thread", "pandas, model on 1 thread", "tab:blue", "-"),
        ("pandas_2_threads", "pandas, model on 2 threads", "tab:cyan", "-"),
        ("cluster", "LocalCluster, 2 processes (started)", "tab:orange", "-"),
    )
    for key, label, color, line in series:
        seconds = np.array([r[key] for r in dask["sizes"]])
        ax.loglog(rows, seconds, line, color=color, marker="o", label=label)
    cold = np.array([r["cluster"] for r in dask["sizes"]]) + dask["cluster_start_s"]
    ax.loglog(rows, cold, "--", color="tab:orange", label="LocalCluster, counting its start")
    ax.set_xlabel("rows scored (read Parquet, score, write Parquet)")
    ax.set_ylabel("seconds (best of the runs)")
    ax.set_title(f"pandas or a local cluster, on this {result['cpus']}-core machine")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    return save(fig, out, "07-dask-crossover.png")


FIGURES = (peak_memory, dask_crossover)
