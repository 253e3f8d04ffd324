"""Worked example: the analysts can review k alerts a day. Which k, and what do they catch?

A fraud team does not pick a threshold in the abstract: it has so many analysts, and each
reviews so many alerts a day. With a budget of k alerts a day, the question is precision at k
(the share of the day's k highest-scored payments that are fraud) and the recall that buys.
The example takes each test day's k highest scores, for several k, and pools the counts over
the 60 days: precision is all frauds reviewed over all alerts reviewed, never a mean of daily
precisions. Then it shows how a fixed threshold behaves instead: its alerts come in a number
that changes from day to day, and a mean of daily precisions gives every day the same weight,
the quiet days included, and is undefined on a day without alerts.

Run: python docs/examples/04_evaluation/alert_budget.py (about three seconds)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scored_payments import cheapest_threshold, cost_of_alerts, scored

BUDGETS = (5, 10, 20, 40)  # alerts a day


def main() -> None:
    frame = scored()
    val, test = frame[frame["period"] == "validation"], frame[frame["period"] == "test"]
    test = test.assign(day=test["timestamp"].dt.floor("D"))
    y, p = test["y"].to_numpy(), test["boosting"].to_numpy()
    days = test["day"].nunique()
    print(f"{days} days, {len(test) / days:.0f} payments and {y.sum() / days:.1f} frauds a day")
    print("| alerts a day (k) | precision at k | recall | cost, EUR |")
    print("|---:|---:|---:|---:|")
    rank_in_day = test.groupby("day")["boosting"].rank(method="first", ascending=False)
    for k in BUDGETS:
        reviewed = (rank_in_day <= k).to_numpy()
        caught = np.sum(reviewed & y)
        cost = cost_of_alerts(y, reviewed, test["amount_eur"])
        print(f"| {k} | {caught / reviewed.sum():.3f} | {caught / y.sum():.3f} | {cost:,.0f} |")

    # A fixed threshold instead: the one that cost least in April.
    threshold = cheapest_threshold(val, "boosting")
    daily = (
        test.assign(alert=p >= threshold, hit=(p >= threshold) & y)
        .groupby("day")[["alert", "hit"]]
        .sum()
    )
    print(
        f"threshold {threshold:.4f}: {daily['alert'].mean():.1f} alerts a day on average, "
        f"{daily['alert'].min()} to {daily['alert'].max()}; "
        f"{np.sum(daily['alert'] > 20)} days over 20"
    )
    for t in (threshold, 0.5):
        alert = p >= t
        per_day = test.assign(alert=alert, hit=alert & y).groupby("day")[["alert", "hit"]].sum()
        with np.errstate(invalid="ignore"):
            precision = per_day["hit"] / per_day["alert"]  # 0/0 = NaN on a day without alerts
        print(
            f"threshold {t:.4f}: precision {alert[y].sum() / alert.sum():.3f} pooled, "
            f"{precision.mean():.3f} as a mean of days ({precision.isna().sum()} days skipped)"
        )
    by_month = test.assign(alert=p >= threshold).groupby(test["day"].dt.month)
    for month, part in by_month:
        alerts = part[part["alert"]]
        print(
            f"  {pd.Timestamp(2025, month, 1):%B}: {part['day'].nunique()} days, "
            f"{len(alerts) / part['day'].nunique():.1f} alerts a day, "
            f"precision {alerts['y'].mean():.3f}"
        )


if __name__ == "__main__":
    main()
