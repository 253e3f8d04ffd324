"""Figures of lesson 04 (evaluating models for rare, costly events), drawn from its worked examples.

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`.
The examples fit the models once per process (`scored_payments.fitted` is cached), so the four
figures share one fit.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plotting import EXAMPLES, load_example, save  # noqa: E402

MODELS = {"boosting": ("lesson 03's boosting", "tab:blue"), "logistic": ("logistic", "tab:orange")}


def _example(name: str) -> ModuleType:
    """An example by name. scored_payments is imported as the examples import it, so its cached fit
    is the one they use; the others are loaded by path under a private name."""
    if name != "scored_payments":
        return load_example("04_evaluation", name, on_path=True)
    folder = str(EXAMPLES / "04_evaluation")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module("scored_payments")


def pr_and_roc(out: Path) -> Path:
    """ROC and precision-recall curves of both models on the test months, each with the
    operating point of the threshold that cost least in April."""
    from sklearn.metrics import precision_recall_curve, roc_curve

    fm = _example("scored_payments")
    frame = fm.scored()
    val, test = frame[frame["period"] == "validation"], frame[frame["period"] == "test"]
    y = test["y"].to_numpy()
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(9, 4), dpi=110)
    for column, (label, color) in MODELS.items():
        p = test[column].to_numpy()
        fpr, tpr, _ = roc_curve(y, p)
        precision, recall, _ = precision_recall_curve(y, p)
        roc_ax.plot(fpr, tpr, color=color, label=label)
        pr_ax.plot(recall, precision, color=color, drawstyle="steps-post", label=label)
        flagged = p >= fm.cheapest_threshold(val, column)
        tp, fp = np.sum(flagged & y), np.sum(flagged & ~y)
        roc_ax.plot(fp / np.sum(~y), tp / y.sum(), "o", color=color, ms=7, mec="black")
        pr_ax.plot(tp / y.sum(), tp / flagged.sum(), "o", color=color, ms=7, mec="black")
    diagonal = np.linspace(0, 1, 401)  # many points: the log part of the axis bends it
    roc_ax.plot(diagonal, diagonal, color="grey", lw=1, ls="--")
    roc_ax.set_xscale("symlog", linthresh=0.01)
    roc_ax.set_xlim(0, 1)
    roc_ax.set_xticks([0, 0.005, 0.01, 0.1, 1], ["0", "0.005", "0.01", "0.1", "1"])
    roc_ax.set_xlabel("false-positive rate (legitimate payments flagged; log past 0.01)")
    roc_ax.set_ylabel("recall (frauds caught)")
    roc_ax.set_title("ROC: dashed is random")
    pr_ax.axhline(y.mean(), color="grey", lw=1, ls="--")
    pr_ax.set_xlabel("recall (frauds caught)")
    pr_ax.set_ylabel("precision (alerts that are fraud)")
    pr_ax.set_title(f"Precision-recall: dashed is random ({y.mean():.1%})")
    pr_ax.set_ylim(0, 1.02)
    for ax in (roc_ax, pr_ax):
        ax.grid(True, alpha=0.3)
    roc_ax.legend(loc="lower right", title="dot: threshold cheapest in April", fontsize=9)
    return save(fig, out, "04-pr-roc.png")


def cost_curve(out: Path) -> Path:
    """Cost per day against the threshold, in April and in the test months."""
    fm = _example("scored_payments")
    frame = fm.scored()
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    for period, color in (("validation", "tab:green"), ("test", "tab:blue")):
        part = frame[frame["period"] == period]
        days = part["timestamp"].dt.floor("D").nunique()
        thresholds, costs = fm.cost_by_threshold(part["y"], part["boosting"], part["amount_eur"])
        finite = np.isfinite(thresholds) & (thresholds > 0)
        name = "April (validation)" if period == "validation" else "May and June (test)"
        ax.semilogx(thresholds[finite], costs[finite] / days, color=color, label=name)
        best = np.argmin(costs)
        ax.plot(thresholds[best], costs[best] / days, "v", color=color, ms=8, mec="black")
    chosen = fm.cheapest_threshold(frame[frame["period"] == "validation"], "boosting")
    ax.axvline(chosen, color="tab:green", lw=1, ls=":")
    ax.axvline(0.5, color="grey", lw=1, ls=":")
    ax.text(0.5, 1300, "predict\n(0.5) ", color="grey", fontsize=9, va="top", ha="right")
    ax.text(chosen, 1300, " chosen\n in April", color="tab:green", fontsize=9, va="top")
    ax.text(1.1e-4, 1480, "below every score: flag everything", fontsize=9)
    ax.set_xlim(1e-4, 1)
    ax.set_ylim(0, 3000)
    ax.set_xlabel("threshold: flag payments scored at or above it (log scale)")
    ax.set_ylabel("cost per day, EUR")
    ax.set_title("5 EUR per false alarm + the amount of each missed fraud")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.55, 0.98),
        title="triangle: the period's cheapest threshold",
        fontsize=9,
    )
    return save(fig, out, "04-cost-curve.png")


def reliability_diagram(out: Path) -> Path:
    """Reliability on the test months, before and after CalibratedClassifierCV (sigmoid, fitted
    on April), for lesson 03's model and a class-weighted logistic regression."""
    cal = _example("calibration")
    fm = _example("scored_payments")
    world, X, models = fm.fitted()
    frame = fm.scored()
    test = frame[frame["period"] == "test"]
    y = test["y"].to_numpy()
    calibrated = cal.calibrated_models(world, X, models)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), dpi=110, sharey=True)
    for ax, name in zip(axes, ("boosting", "logistic, balanced"), strict=True):
        for suffix, color, label in (
            ("", "tab:red", "as trained"),
            (" + sigmoid", "tab:blue", "calibrated"),
        ):
            p = fm.score(calibrated[name + suffix], X.loc[test.index])
            table = cal.reliability(y, p)
            ax.plot(
                table["predicted"],
                table["observed"],
                "o-",
                color=color,
                label=f"{label} (ECE {cal.ece(y, p):.4f})",
            )
        ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        title = (
            "lesson 03's boosting" if name == "boosting" else 'logistic, class_weight="balanced"'
        )
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("mean predicted probability (10 bins)")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="lower right" if name == "boosting" else "upper left", fontsize=9)
    axes[0].set_ylabel("share that is fraud")
    fig.suptitle(
        "Above the diagonal: the model under-predicts; below: it over-predicts", fontsize=11
    )
    return save(fig, out, "04-reliability.png")


def bootstrap_spread(out: Path) -> Path:
    """Bootstrap distributions of AP and of the cost, resampling payments or fraud episodes."""
    boot = _example("bootstrap_episodes")
    fm = _example("scored_payments")
    frame = fm.scored()
    threshold = fm.cheapest_threshold(frame[frame["period"] == "validation"], "boosting")
    test = frame[frame["period"] == "test"]
    draws = {
        by: boot.bootstrap(test, boot.units(test, by), threshold, seed=0)
        for by in ("payment", "episode")
    }
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), dpi=110)
    styles = {"payment": ("tab:orange", "by payment"), "episode": ("tab:blue", "by fraud episode")}
    for ax, metric, label in zip(
        axes, ("AP", "cost"), ("average precision", "cost of May and June, EUR"), strict=True
    ):
        values = np.concatenate([d[metric] for d in draws.values()])
        bins = np.linspace(values.min(), values.max(), 31)
        for by, results in draws.items():
            color, name = styles[by]
            if by == "payment":
                ax.hist(results[metric], bins=bins, color=color, alpha=0.4, label=name)
            else:
                ax.hist(results[metric], bins=bins, color=color, histtype="step", lw=2, label=name)
            for q in (0.025, 0.975):
                ax.axvline(results[metric].quantile(q), color=color, lw=1.5)
        ax.set_xlabel(label)
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel(f"resamples (of {boot.N_RESAMPLES})")
    axes[0].legend(loc="upper left", title="resampled", fontsize=9)
    fig.suptitle("Lines: the 95 % percentile intervals; episodes move together", fontsize=11)
    return save(fig, out, "04-bootstrap.png")


FIGURES = (pr_and_roc, cost_curve, reliability_diagram, bootstrap_spread)
