"""Figures of lesson 03 (feature engineering and leakage), drawn from its worked examples.

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plotting import load_example, save  # noqa: E402


def selection_leak_vs_noise(out: Path) -> Path:
    """CV accuracy on random labels as noise columns grow: selection outside vs inside the folds."""
    ex = load_example("03_features", "selection_leak")
    widths = [50, 150, 500, 1500, 5000]
    seeds = (0, 1)
    leaky, honest = [], []
    for width in widths:
        runs = [ex.noise(100, width, seed) for seed in seeds]
        leaky.append(np.mean([ex.cv_accuracy(X, y, 50, select_per_fold=False) for X, y in runs]))
        honest.append(np.mean([ex.cv_accuracy(X, y, 50, select_per_fold=True) for X, y in runs]))
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.semilogx(
        widths, leaky, marker="o", color="tab:red", label="50 columns chosen on all rows, then CV"
    )
    ax.semilogx(
        widths,
        honest,
        marker="o",
        color="tab:blue",
        label="50 columns chosen inside each training fold",
    )
    ax.axhline(0.5, color="grey", lw=1, ls="--")
    ax.text(
        5000, 0.33, "dashed: chance (the labels are random)", color="grey", fontsize=9, ha="right"
    )
    ax.set_xticks(widths, [f"{w:,}" for w in widths])
    ax.minorticks_off()
    ax.set_xlabel("number of noise columns (100 rows)")
    ax.set_ylabel("mean 5-fold CV accuracy")
    ax.set_ylim(0.3, 1.02)
    ax.set_title("Selecting before cross-validation turns noise into 'signal'")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left")
    return save(fig, out, "03-selection-leak-vs-noise.png")


def target_encoding_leak_vs_cardinality(out: Path) -> Path:
    """CV AUC on random labels as categories get rarer: in-fold encoding of all rows before the
    CV, against the in-fold and the out-of-fold encoder inside the cross-validated pipeline."""
    ex = load_example("03_features", "target_encoding_leak")
    n_rows = 600
    devices = [6, 30, 120, 300, 600]
    seeds = (0, 1)
    curves = np.array(
        [
            np.mean([ex.compare(n_rows, n_devices, seed) for seed in seeds], axis=0)
            for n_devices in devices
        ]
    )  # one row per device count: (encoded before CV, in-fold in pipeline, out-of-fold in pipeline)
    rows_per_device = [n_rows / d for d in devices]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    styles = (
        ("in-fold encoding of all rows, then CV", "tab:red", "o"),
        ("in-fold encoder inside the pipeline", "tab:orange", "s"),
        ("out-of-fold encoder inside the pipeline", "tab:blue", "^"),
    )
    for k, (label, color, marker) in enumerate(styles):
        ax.semilogx(rows_per_device, curves[:, k], marker=marker, color=color, label=label)
    ax.axhline(0.5, color="grey", lw=1, ls="--")
    ax.text(1, 0.33, "dashed: chance (the labels are random)", color="grey", fontsize=9, ha="right")
    ax.set_xticks(rows_per_device, [f"{r:g}" for r in rows_per_device])
    ax.minorticks_off()
    ax.invert_xaxis()
    ax.set_xlabel("payments per device (fewer: rarer categories)")
    ax.set_ylabel("CV ROC AUC of a model on the encoding")
    ax.set_ylim(0.3, 1.02)
    ax.set_title("On random labels, encoding before the CV leaks more as categories get rarer")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left")
    return save(fig, out, "03-target-encoding-leak.png")


FIGURES = (selection_leak_vs_noise, target_encoding_leak_vs_cardinality)
