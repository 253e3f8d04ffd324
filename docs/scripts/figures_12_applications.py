"""Figures of lesson 12 (anomalies, forecasts and recommendations).

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`,
drawn from the worked examples' own functions (docs/examples/12_applications/), so a figure
shows the numbers the page quotes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from plotting import load_example, save  # noqa: E402


def anomaly_kinds(out: Path) -> Path:
    """Share of each planted kind that each detector puts in its top k."""
    ex = load_example("12_applications", "anomaly_detectors")
    precision, found_by, planted = ex.judge()
    kinds = list(planted)
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110)
    width = 0.8 / len(found_by)
    x = np.arange(len(kinds))
    for i, (name, found) in enumerate(found_by.items()):
        shares = [found[c] / planted[c] for c in kinds]
        ax.bar(x + i * width, shares, width, label=f"{name} (precision@k {precision[name]:.3f})")
    ax.set_xticks(x + width * (len(found_by) - 1) / 2)
    ax.set_xticklabels([f"{c}\n({planted[c]} planted)" for c in kinds])
    ax.set_ylabel("share found in the top k = 131")
    ax.set_ylim(0, 1.4)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_title("Each detector finds some kinds and misses others")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper center", fontsize=8, ncol=2)
    return save(fig, out, "12-anomaly-kinds.png")


def forecast_errors(out: Path) -> Path:
    """Absolute error summed over the categories, day by day over the last year."""
    import coursedata

    ex = load_example("12_applications", "forecast_model")
    _, frame, start = ex.last_year()
    test = frame[frame["date"] >= start]
    by_day = (
        pd.DataFrame({m: (test[m] - test["volume"]).abs() for m in ("naive", "model")})
        .groupby(test["date"])
        .sum()
    )
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110)
    ax.plot(by_day.index, by_day["naive"], lw=0.9, color="tab:gray", label="seasonal naive")
    ax.plot(by_day.index, by_day["model"], lw=0.9, color="tab:blue", label="gradient boosting")
    holidays = coursedata.daily_volumes_truth(seed=0).holidays.drop_duplicates("date")
    for day in holidays.loc[holidays["date"] >= start, "date"]:
        ax.axvline(day, color="tab:red", alpha=0.25, lw=3)
    ax.set_ylabel("absolute error, summed over 15 categories")
    ax.set_title("Both forecasts fail on the holidays (red); naive fails again a week later")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    return save(fig, out, "12-forecast-errors.png")


def recommenders(out: Path) -> Path:
    """recall@10, nDCG@10 and catalogue coverage of the three recommenders (warm users)."""
    ex = load_example("12_applications", "recommend_merchants")
    result = ex.evaluate()
    metrics = ("recall@10", "nDCG@10", "coverage")
    fig, axes = plt.subplots(1, 3, figsize=(8, 3.4), dpi=110)
    colors = ("tab:gray", "tab:blue", "tab:orange")
    for j, (ax, metric) in enumerate(zip(axes, metrics, strict=True)):
        names = list(result["scores"])
        values = [result["scores"][n][j] for n in names]
        ax.bar(range(len(names)), values, color=colors)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels([n.replace(" ", "\n", 1) for n in names], fontsize=8)
        for i, v in enumerate(values):
            label = f"{v:.1%}" if metric == "coverage" else f"{v:.3f}"
            ax.annotate(label, (i, v), ha="center", va="bottom", fontsize=8)
        ax.set_title(metric)
        ax.set_ylim(0, max(values) * 1.2)
    fig.suptitle(f"{result['warm']:,} warm users, the last 14 days")
    return save(fig, out, "12-recommenders.png")


FIGURES = (anomaly_kinds, forecast_errors, recommenders)
