"""Figures of lesson 06 (experiment tracking and reproducibility), drawn from its worked examples.

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plotting import load_example, save  # noqa: E402


def seed_spread(out: Path) -> Path:
    """The fraud model trained with ten seeds: validation AP after each boosting iteration."""
    ex = load_example("06_tracking", "seeds", on_path=True)
    split = ex.time_split()
    curves = []
    for seed in range(10):
        fitted = ex.model(seed)
        with ex.threadpool_limits(limits=1):
            fitted.fit(split.X_train, split.y_train)
        curves.append(ex.ap_curve(fitted, split.X_valid, split.y_valid))
    curves = np.array(curves)
    steps = np.arange(1, curves.shape[1] + 1)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.fill_between(
        steps, curves.min(axis=0), curves.max(axis=0), color="tab:blue", alpha=0.15, lw=0
    )
    for curve in curves:
        ax.plot(steps, curve, color="tab:blue", lw=0.8, alpha=0.6)
    ends = curves[:, -1]
    ax.plot(np.full(10, steps[-1]), ends, "o", color="tab:blue", ms=4)
    ax.annotate(
        f"final AP: {ends.min():.3f} to {ends.max():.3f}",
        xy=(steps[-1], ends.min()),
        xytext=(62, 0.35),
        arrowprops={"arrowstyle": "->", "color": "grey"},
        fontsize=9,
    )
    ax.set_xlabel("boosting iteration")
    ax.set_ylabel("validation average precision")
    ax.set_xlim(0, steps[-1] + 3)
    ax.set_ylim(0.2, 0.8)
    ax.set_title("One model, one data set, ten seeds: the seed alone moves the score")
    ax.grid(True, alpha=0.3)
    return save(fig, out, "06-seed-spread.png")


def learning_curve(out: Path) -> Path:
    """The valid_ap history of the tracked run, read back from MLflow, and three readings of it."""
    ex = load_example("06_tracking", "tracked_run", on_path=True)
    with tempfile.TemporaryDirectory(prefix="store-") as tmp:
        got = ex.tracked_run_demo(Path(tmp))
    steps, values = got["steps"], got["values"]
    best = int(np.argmax(values))
    killed = 45  # find_runs.py: the same settings, killed at iteration 45
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.plot(steps, values, color="tab:blue", label="valid_ap, one value per step")
    ax.plot(steps[best], values[best], "o", color="tab:green", label="best step")
    ax.plot(steps[killed - 1], values[killed - 1], "s", color="tab:red", label="a run killed here")
    ax.plot(steps[-1], values[-1], "D", color="black", label="last step: run.data.metrics")
    ax.annotate(
        f"step {steps[best]}: {values[best]:.3f}",
        xy=(steps[best], values[best]),
        xytext=(steps[best] - 30, values[best] + 0.04),
        fontsize=9,
        color="tab:green",
    )
    ax.annotate(
        f"step {killed}: {values[killed - 1]:.3f}",
        xy=(steps[killed - 1], values[killed - 1]),
        xytext=(steps[killed - 1] + 5, values[killed - 1] + 0.04),
        fontsize=9,
        color="tab:red",
    )
    ax.annotate(
        f"step {steps[-1]}: {values[-1]:.3f}",
        xy=(steps[-1], values[-1]),
        xytext=(steps[-1] - 22, values[-1] - 0.09),
        fontsize=9,
    )
    ax.set_xlabel("step (boosting iteration)")
    ax.set_ylabel("validation average precision")
    ax.set_ylim(0.2, 0.8)
    ax.set_title("A metric history read back with MlflowClient.get_metric_history")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    return save(fig, out, "06-learning-curve.png")


FIGURES = (seed_spread, learning_curve)
