"""Figures of lesson 10 (monitoring in production).

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`,
drawn from the worked examples in docs/examples/10_monitoring/ (their own functions and data),
so a figure never disagrees with the numbers the page quotes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.dates

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from plotting import load_example, save  # noqa: E402

LESSON = "10_monitoring"


def latency_quantiles(out: Path) -> Path:
    """Latencies of the quantiles example: the mean sits in the fast bulk, p99 in the slow tail."""
    ex = load_example(LESSON, "latency_quantiles", on_path=True)
    values = ex.latencies(100_000, slow_share=0.03, seed=0) * 1000
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    bins = np.geomspace(1, 400, 80)
    ax.hist(values, bins=bins, color="tab:blue", alpha=0.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    marks = (
        (values.mean(), "mean", "tab:green", "-"),
        (np.quantile(values, 0.5), "p50", "black", ":"),
        (np.quantile(values, 0.99), "p99", "tab:red", "-"),
        (ex.OBJECTIVE * 1000, "objective", "tab:orange", "--"),
    )
    for x, label, color, line in marks:
        ax.axvline(x, color=color, ls=line, lw=2, label=f"{label}: {x:.1f} ms")
    for edge in ex.CHOSEN:
        ax.axvline(edge * 1000, color="grey", lw=0.5, alpha=0.5)
    ax.set_xlabel("request latency (ms, log scale); thin grey lines: the chosen bucket edges")
    ax.set_ylabel("requests (log scale)")
    ax.set_title("3 % slow requests: the mean stays fast, p99 does not")
    ax.legend(loc="upper right", fontsize=9)
    return save(fig, out, "10-latency-quantiles.png")


def drift_weekly(out: Path) -> Path:
    """Weekly PSI of each feature against January, with the planted dates."""
    ex = load_example(LESSON, "drift_windows", on_path=True)
    drift = __import__("coursekit.drift", fromlist=["drift_report"])
    reference = ex.features(ex.window("2025-01-01", "2025-02-01"))
    starts = pd.date_range("2025-02-03", "2025-06-23", freq="7D", tz="UTC")
    rows = []
    for start in starts:
        end = start + pd.Timedelta(days=7)
        current = ex.features(ex.window(str(start.date()), str(end.date())))
        report = drift.drift_report(reference, current).set_index("feature")
        rows.append(report["psi"])
    table = pd.DataFrame(rows, index=starts)
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    colors = {
        "channel": "tab:blue",
        "amount": "tab:orange",
        "abroad": "tab:green",
        "hour": "tab:grey",
        "merchant_category": "tab:purple",
    }
    for feature, color in colors.items():
        ax.plot(table.index, table[feature], marker="o", ms=3, color=color, label=feature)
    events = (
        ("2025-01-31", "gradual drift starts"),
        ("2025-04-01", "gradual drift ends"),
        ("2025-05-01", "step"),
        ("2025-05-16", "incident (1 day)"),
        ("2025-05-31", "prevalence x2"),
    )
    for day, label in events:
        x = pd.Timestamp(day, tz="UTC")
        ax.axvline(x, color="black", lw=0.8, ls=":")
        ax.text(x, 0.265, f" {label}", rotation=90, va="top", fontsize=8)
    ax.axhline(0.1, color="tab:red", lw=0.8, ls="--")
    ax.axhline(0.2, color="tab:red", lw=1.2, ls="--")
    ax.set_ylim(0, 0.27)
    ax.set_ylabel("PSI of the week against January")
    ax.set_xlabel("week starting")
    ax.set_title("Weekly drift report: the step shows at once, the gradual drift slowly")
    ax.legend(loc="center left", fontsize=8)
    ax.grid(True, alpha=0.3)
    return save(fig, out, "10-drift-weekly.png")


def label_maturity(out: Path) -> Path:
    """Precision per week as of 2025-06-30: the truth, unlabelled counted as legit, labelled only."""
    ex = load_example(LESSON, "label_maturity", on_path=True)
    rows = ex.weekly(ex.scored_payments(), n_weeks=20)
    starts = [r[0] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110)
    series = (
        (2, "final labels (known only later)", "black", "-"),
        (3, "unlabelled counted as legitimate", "tab:red", "--"),
        (4, "labelled rows only (legit after 60 days)", "tab:blue", ":"),
    )
    for index, label, color, line in series:
        ax.plot(starts, [r[index] for r in rows], line, marker="o", ms=3, color=color, label=label)
    for days, label in ((30, "30 days before"), (60, "60 days before")):
        ax.axvline(ex.AS_OF - pd.Timedelta(days=days), color="grey", lw=0.8, ls=":")
        ax.text(ex.AS_OF - pd.Timedelta(days=days), 1.02, label, ha="center", fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%b %d"))
    ax.set_ylabel("precision of the week's flags")
    ax.set_xlabel(f"week starting (as of {ex.AS_OF.date()})")
    ax.set_title("Recent weeks: too bad with unknowns as negatives, too good without them")
    ax.legend(loc="center left", fontsize=8)
    ax.grid(True, alpha=0.3)
    return save(fig, out, "10-label-maturity.png")


def alert_timeline(out: Path) -> Path:
    """The 5m error ratio of the alert example, with the states of both rules."""
    ex = load_example(LESSON, "alert_for", on_path=True)
    errors = ex.error_counter()
    ok = np.arange(ex.MINUTES + 1) * ex.OK_PER_MINUTE
    timeline = ex.states(errors, ok)
    minutes = np.arange(len(timeline))
    fig, (ax, states) = plt.subplots(
        2, 1, figsize=(8, 4.5), dpi=110, sharex=True, gridspec_kw={"height_ratios": [3, 1.3]}
    )
    ax.step(
        minutes,
        [r[0] * 100 for r in timeline],
        where="post",
        color="tab:blue",
        label="5xx share over the last 5 minutes",
    )
    ax.axhline(ex.THRESHOLD * 100, color="tab:red", ls="--", label="threshold 5 %")
    ax.axvspan(10, 11, color="tab:orange", alpha=0.2, label="errors happen")
    ax.axvspan(20, 30, color="tab:orange", alpha=0.2)
    ax.set_ylabel("%")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(True, alpha=0.3)
    colors = {"ok": "white", "pending": "gold", "firing": "tab:red"}
    for row, index in enumerate((1, 2)):
        for t, r in enumerate(timeline):
            states.barh(row, 1, left=t, color=colors[r[index]], edgecolor="lightgrey")
    states.set_yticks([0, 1], ["no for", "for: 5m"])
    states.set_xlabel("minute (yellow: pending, red: firing)")
    states.set_xlim(0, ex.MINUTES + 1)
    fig.suptitle("A one-minute blip fires an alert without `for`; the incident fires both")
    return save(fig, out, "10-alert-timeline.png")


FIGURES = (latency_quantiles, drift_weekly, label_maturity, alert_timeline)
