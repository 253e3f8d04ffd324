"""Figures of lesson 13 (data-centric AI and hybrid ML + LLM labelling).

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`.
Both run the worked examples' own measurements: the cost-quality curve of
docs/examples/13_data_centric/cost_quality.py (the simulated LLM, served on 127.0.0.1 with no
latency) and the learning curves of active_learning_curves.py.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from plotting import load_example, save  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def cost_quality(out: Path) -> Path:
    """Test F1 against the LLM's bill, from the model alone (0 %) to the LLM alone (100 %)."""
    ex = load_example("13_data_centric", "cost_quality", on_path=True)
    with threadpool_limits(limits=1):
        on_validation, on_test = ex.measure()
    best = ex.choose_share(on_validation, on_validation["cost"].iloc[-1] / 2)["share"]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    cents = on_test["cost"] * 100
    ax.plot(cents, on_test["f1"], "-o", color="tab:blue", label="hybrid, test half")
    for share, x, y in zip(on_test["share"], cents, on_test["f1"], strict=True):
        ax.annotate(f"{share:.0%}", (x, y), textcoords="offset points", xytext=(4, -12), fontsize=8)
    ends = on_test.iloc[[0, -1]]
    ax.plot(
        ends["cost"] * 100, ends["f1"], "s", color="tab:red", ms=9, label="model alone, LLM alone"
    )
    chosen = on_test[on_test["share"] == best].iloc[0]
    ax.plot(
        chosen["cost"] * 100,
        chosen["f1"],
        "*",
        color="tab:green",
        ms=16,
        label=f"chosen on validation, half the LLM's bill ({best:.0%} to the LLM)",
    )
    ax.set_xlabel("LLM cost for the 500 test notes (US cents, simulated prices)")
    ax.set_ylabel("F1, unauthorized or not")
    ax.set_title("The uncertain half to the LLM: the LLM's F1 for half its bill")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    return save(fig, out, "13-cost-quality.png")


def learning_curves(out: Path) -> Path:
    """Test accuracy against labels bought, margin and random sampling, mean ± std over seeds."""
    ex = load_example("13_data_centric", "active_learning_curves", on_path=True)
    with threadpool_limits(limits=1):
        summary = ex.learning_curves()
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    styles = {
        "margin": ("tab:blue", "margin (uncertainty) sampling"),
        "random": ("tab:orange", "random sampling"),
    }
    for strategy, (color, label) in styles.items():
        part = summary[summary["strategy"] == strategy]
        ax.plot(part["labels"], part["mean"], "-o", color=color, ms=4, label=label)
        ax.fill_between(
            part["labels"],
            part["mean"] - part["std"],
            part["mean"] + part["std"],
            color=color,
            alpha=0.2,
        )
    ax.set_xlabel("labels bought (notes an analyst labelled)")
    ax.set_ylabel(f"test accuracy, mean ± std over {len(ex.SEEDS)} seeds")
    ax.set_title("Labels the model chose, against labels drawn at random")
    ax.set_ylim(0.3, 0.8)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    return save(fig, out, "13-learning-curves.png")


FIGURES = (cost_quality, learning_curves)
