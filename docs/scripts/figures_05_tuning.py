"""Figures of lesson 05 (cross-validation and tuning), drawn from its worked examples.

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plotting import load_example, save  # noqa: E402


def nested_vs_selected(out: Path) -> Path:
    """Random labels, one pair of scores per seed: the grid search's best_score_ and the nested
    CV score of the same search."""
    ex = load_example("05_tuning", "nested_cv", on_path=True)
    seeds = np.arange(8)
    runs = [ex.selected_and_nested(int(seed)) for seed in seeds]
    best = np.array([run["best of 12"] for run in runs])
    nested = np.array([run["nested"] for run in runs])
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.vlines(seeds, np.minimum(best, nested), np.maximum(best, nested), color="lightgrey", lw=2)
    ax.plot(
        seeds, best, "o", color="tab:red", label="best_score_: chosen and scored on the same folds"
    )
    ax.plot(seeds, nested, "s", color="tab:blue", label="nested CV: scored on outer folds")
    ax.axhline(best.mean(), color="tab:red", lw=1, ls=":")
    ax.axhline(nested.mean(), color="tab:blue", lw=1, ls=":")
    ax.axhline(0.5, color="grey", lw=1, ls="--")
    ax.text(7.35, 0.503, "chance", color="grey", fontsize=9, va="bottom")
    ax.set_xticks(seeds)
    ax.set_xlim(-0.5, 8.2)
    ax.set_xlabel("seed of the random data set (dotted: mean over the seeds)")
    ax.set_ylabel("ROC AUC on random labels")
    ax.set_ylim(0.3, 0.75)
    ax.set_title("The selected model's own score is optimistic; the nested score is not")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    return save(fig, out, "05-nested-vs-selected.png")


def optuna_history(out: Path) -> Path:
    """Optimisation history of the fraud model's search: every trial's CV AP and the best so far,
    for the TPE and the random sampler, same seed and budget."""
    ex = load_example("05_tuning", "search_strategies", on_path=True)
    import optuna

    n_trials = 14
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    for name, sampler, color, marker, style in (
        ("TPE", optuna.samplers.TPESampler(seed=0, n_startup_trials=4), "tab:blue", "o", "-"),
        ("random", optuna.samplers.RandomSampler(seed=0), "tab:grey", "s", "--"),
    ):
        study = ex.run_search(sampler, n_trials=n_trials)
        values = np.array([trial.value for trial in study.trials])
        trials = np.arange(1, n_trials + 1)
        ax.plot(trials, values, marker, color=color, alpha=0.7, label=f"{name}: each trial")
        best = np.maximum.accumulate(values)
        ax.step(trials, best, where="post", color=color, ls=style, label=f"{name}: best so far")
    ax.axvspan(0.5, 4.5, color="tab:blue", alpha=0.06)
    ax.text(2.5, 0.05, "TPE's random\nstart-up trials", ha="center", fontsize=8, color="tab:blue")
    ax.set_xlabel("trial")
    ax.set_ylabel("3-fold CV average precision")
    ax.set_xlim(0.5, n_trials + 0.5)
    ax.set_ylim(0, 0.72)
    ax.set_title("Optimisation history: a plateau near 0.6, a cliff at high learning rates")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, ncols=2)
    return save(fig, out, "05-optuna-history.png")


FIGURES = (nested_vs_selected, optuna_history)
