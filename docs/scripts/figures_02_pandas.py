"""Figures of lesson 02 (pandas for ML data), drawn from its worked examples.

docs/scripts/make_plots.py imports this module and calls each function in FIGURES with the output
folder; each writes one PNG and returns its path.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from plotting import load_example, save  # noqa: E402


def _minutes(times: pd.Series, origin: pd.Timestamp) -> list[float]:
    return ((times - origin) / pd.Timedelta("1min")).tolist()


def window_edges_timeline(out: Path) -> Path:
    """Lesson 02: which logins the window of one login holds, and what closed= changes."""
    ex = load_example("02_pandas", "rolling_windows")
    logins = ex.LOGINS
    row = 4  # device a's second login at 12:10, tied with another at 12:10
    t = logins.loc[row, "at"]
    start = t - pd.Timedelta(ex.WINDOW)
    origin = pd.Timestamp("2025-03-01 12:00", tz="UTC")
    counts = {
        closed: int(ex.logins_before(logins, ex.WINDOW, closed).loc[row])
        for closed in ("left", "right", "both")
    }

    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
    x0, x1 = _minutes(pd.Series([start, t]), origin)
    ax.axvspan(x0, x1, color="tab:green", alpha=0.12)
    ax.text(
        (x0 + x1) / 2, 1.55, "window [t − 10 min, t)", ha="center", fontsize=9, color="tab:green"
    )
    groups = {
        "in [t − w, t)": ([0, 1], "tab:green", "o"),
        "the login itself: in (t − w, t] only": ([4], "tab:red", "*"),
        "a tie at t: 'right' counts it if it is the row above": ([3], "tab:orange", "D"),
        "later: never": ([6, 7], "0.45", "o"),
        "another device: never": ([2, 5], "0.75", "s"),
    }
    for label, (rows, color, marker) in groups.items():
        sub = logins.loc[rows]
        y = [
            0.0 if d == "b" else (1.12 if r == 4 else 0.88 if r == 3 else 1.0)
            for r, d in zip(rows, sub["device"], strict=True)
        ]
        ax.scatter(
            _minutes(sub["at"], origin),
            y,
            s=140 if marker == "*" else 60,
            c=color,
            marker=marker,
            label=label,
            zorder=3,
            edgecolors="black",
            linewidths=0.5,
        )
    ax.annotate(
        "exactly t − w:\nin [t − w, t),\nnot in (t − w, t]",
        xy=(x0, 1.0),
        xytext=(x0 + 2.6, 0.5),
        fontsize=8,
        arrowprops={"arrowstyle": "->", "color": "0.3", "shrinkA": 2, "shrinkB": 5},
        ha="center",
        va="center",
    )
    ax.set_yticks([0, 1], ["device b", "device a"])
    ax.set_ylim(-1.3, 1.8)
    ax.set_xlim(-3, 32)
    ax.set_xlabel("minutes after 12:00 UTC")
    ax.set_title(
        f"Device a's second 12:10 login: closed='left' counts {counts['left']} (12:00, 12:04);\n"
        f"the default 'right' counts {counts['right']} (12:04, the tied login in the row above, "
        "itself)",
        fontsize=10,
    )
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, ncol=2, framealpha=0.9)
    return save(fig, out, "02-window-edges.png")


def memory_before_after(out: Path) -> Path:
    """Lesson 02: deep memory per column of the users table, with text as Python strings, as Arrow
    strings (the layout the example checks against string[pyarrow]) and with cheaper dtypes."""
    ex = load_example("02_pandas", "memory_dtypes")
    users = ex.users_with_text(object)
    small = ex.shrink_users(users)
    table = ex.memory_by_column(users, small)
    arrow = table["before"].copy()
    for column in ex.TEXT:
        arrow[column] = ex.arrow_layout_bytes(users[column])
    bars = (
        (table["before"], "tab:red", "text as object (Python strings)"),
        (arrow, "tab:orange", "text as string[pyarrow]"),
        (table["after"], "tab:blue", "cheaper dtypes (categories)"),
    )
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    rows = range(len(table))
    for k, (values, color, label) in enumerate(bars):
        ax.barh(
            [r + (k - 1) * 0.27 for r in rows],
            values,
            height=0.27,
            color=color,
            label=f"{label}: {values.sum() / 1e3:,.0f} kB",
        )
    labels = [
        f"{c}\ntext → {small[c].dtype}"
        if c in ex.TEXT
        else f"{c}\n{users[c].dtype} → {small[c].dtype}"
        if users[c].dtype != small[c].dtype
        else f"{c}\n{users[c].dtype} (kept)"
        for c in table.index
    ]
    ax.set_yticks(list(rows), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("bytes, memory_usage(deep=True) (log scale)")
    ax.set_title(f"{len(users):,} users: the text costs most as Python strings", fontsize=10)
    ax.grid(True, axis="x", which="major", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return save(fig, out, "02-memory-by-column.png")


FIGURES = (window_edges_timeline, memory_before_after)
