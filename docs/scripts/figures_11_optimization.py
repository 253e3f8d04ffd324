"""Figures of lesson 11 (smaller, faster, cheaper models).

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`.
Each runs a worked example's own functions (docs/examples/11_optimization/): the cost per row
against the rows per call (where_time_goes.py: timings of the run that draws it), size on disk
against ROC AUC for the compressed models (compression.py: the same on every run), and the time
in a simulated queue against utilisation (capacity.py: seeded, the same on every run).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plotting import load_example, save  # noqa: E402

LESSON = "11_optimization"


def batch_size(out: Path) -> Path:
    """Microseconds per row against rows per call, log-log: the fixed cost of a call spread."""
    from threadpoolctl import threadpool_limits

    ex = load_example(LESSON, "where_time_goes", on_path=True)
    with threadpool_limits(limits=1):
        pipeline, rows = ex.fraud_pipeline()
        seconds = ex.measure(pipeline, rows)
    n = np.array(list(seconds), dtype=float)
    t = np.array(list(seconds.values()))
    per_row, fixed = np.polyfit(n, t, 1)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.loglog(n, t / n * 1e6, "o-", color="tab:blue", label="measured (median of repeats)")
    grid = np.logspace(0, 4, 50)
    ax.loglog(
        grid,
        (fixed / grid + per_row) * 1e6,
        "--",
        color="tab:gray",
        label=f"fixed {fixed * 1e3:.1f} ms per call / n + {per_row * 1e6:.0f} µs per row",
    )
    ax.set_xlabel("rows per predict_proba call")
    ax.set_ylabel("µs per row")
    ax.set_title("A forest of 100 trees behind a feature step: cost per row (one run)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper right", fontsize=9)
    return save(fig, out, "11-batch-size.png")


def size_and_auc(out: Path) -> Path:
    """Bytes on disk (log) against ROC AUC, one point per candidate, the big forest marked."""
    ex = load_example(LESSON, "compression", on_path=True)
    rows, _, _ = ex.measure(timed=False)
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    auc0 = rows[0][2]
    for name, size, auc, *_ in rows:
        onnx = name.startswith("ONNX")
        ax.scatter(
            size / 1e6,
            auc,
            marker="s" if onnx else "o",
            s=50,
            color="tab:orange" if onnx else "tab:blue",
            zorder=3,
        )
        ax.annotate(  # ONNX labels above: the same trees in scikit-learn sit beside them
            name,
            (size / 1e6, auc),
            textcoords="offset points",
            xytext=(0, 8) if onnx else (6, -11),
            ha="center" if onnx else "left",
            fontsize=8,
        )
    ax.axhspan(
        auc0 - 0.01, auc0, color="tab:green", alpha=0.12, label="within 1 point of the forest"
    )
    ax.set_xscale("log")
    ax.set_xlim(0.02, 20)
    ax.set_xlabel("size on disk (MB, log scale; pickle or ONNX bytes)")
    ax.set_ylabel("ROC AUC on the test months")
    ax.set_title("Smaller models of the fraud forest: size against AUC")
    ax.grid(True, which="both", alpha=0.3)
    aucs = [auc for _, _, auc, *_ in rows]
    ax.set_ylim(min(aucs) - 0.008, max(aucs) + 0.008)
    ax.legend(loc="lower left", fontsize=9)
    return save(fig, out, "11-size-auc.png")


def utilisation(out: Path) -> Path:
    """Median and p99 time in the system of the simulated one-worker queue, against how busy
    the worker is, with the M/M/1 formula for the p99."""
    ex = load_example(LESSON, "capacity", on_path=True)
    busy = np.array([0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9])
    medians, p99s = [], []
    for u in busy:
        times = ex.simulate(float(u))["in_system"][10_000:] / ex.SERVICE_MS
        medians.append(np.median(times))
        p99s.append(np.percentile(times, 99))
    fine = np.linspace(0.3, 0.92, 100)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.plot(busy * 100, p99s, "o-", color="tab:red", label="p99, simulated")
    ax.plot(
        fine * 100, math.log(100) / (1 - fine), ":", color="tab:red", label="p99, M/M/1 formula"
    )
    ax.plot(busy * 100, medians, "o-", color="tab:blue", label="median, simulated")
    ax.set_xlabel("utilisation: share of the time the worker is busy (%)")
    ax.set_ylabel("time in the system (× the mean service time)")
    ax.set_title("Waiting grows as 1 / (1 − utilisation): headroom keeps the tail short")
    ax.set_ylim(0, 60)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    return save(fig, out, "11-utilisation.png")


FIGURES = (batch_size, size_and_auc, utilisation)
