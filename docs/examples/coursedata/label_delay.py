"""Worked example: labels arrive weeks late. How late, and what a model trained today can know.

A payment's label is "a chargeback arrived", and chargebacks take weeks: the median is about 19
days, and fewer than one in ten arrives within a week. `coursedata.labels_as_of(world, t)` gives
the labels as known at time `t`: a fraud whose chargeback is still to come is labelled False.
Training on `is_fraud` as if it were known at once trains on labels from the future.

Run: python docs/examples/coursedata/label_delay.py
"""

from __future__ import annotations

import pandas as pd

import coursedata


def delay_summary(world: coursedata.World) -> dict[str, float]:
    """Quantiles of the chargeback delay in days, and the share arriving within 7/14/30/60 days."""
    delay = world.transactions["days_to_chargeback"].dropna()
    summary = {f"q{round(q * 100)}": float(delay.quantile(q)) for q in (0.1, 0.25, 0.5, 0.75, 0.9)}
    summary |= {f"within_{d}d": float((delay <= d).mean()) for d in (7, 14, 30, 60)}
    return summary


def known_share(world: coursedata.World, t: pd.Timestamp, lookback_days: int) -> float:
    """Of the chargebacks the payments of the `lookback_days` before `t` will ever get, the
    share that has arrived by `t`."""
    tx = world.transactions
    recent = tx["timestamp"] > t - pd.Timedelta(days=lookback_days)
    known = coursedata.labels_as_of(world, t)
    eventually = tx.loc[known.index, "is_fraud"]
    window = recent.loc[known.index]
    return float(known[window].sum() / eventually[window].sum())


def main() -> None:
    world = coursedata.sample("medium")  # 50,000 payments, 180 days
    s = delay_summary(world)
    print(
        "chargeback delay (days): "
        f"10% {s['q10']:.1f} | 25% {s['q25']:.1f} | median {s['q50']:.1f} | "
        f"75% {s['q75']:.1f} | 90% {s['q90']:.1f}"
    )
    print(
        "arrived within: "
        + " | ".join(f"{d} days {s[f'within_{d}d']:.1%}" for d in (7, 14, 30, 60))
    )

    # Training on 2025-05-01 (the drift date): what was labelled then, against what was fraud.
    t = pd.Timestamp("2025-05-01", tz="UTC")
    known = coursedata.labels_as_of(world, t)
    eventually = world.transactions.loc[known.index, "is_fraud"]
    print(
        f"on {t:%Y-%m-%d}: {len(known):,} payments so far, {int(known.sum())} labelled fraud, "
        f"{int(eventually.sum())} will be"
    )
    for days in (7, 30, 60):
        print(f"  of the last {days} days' chargebacks, {known_share(world, t, days):.0%} known")
    at_end = coursedata.labels_as_of(world, world.truth.end)
    missing = int(world.transactions["is_fraud"].sum() - at_end.sum())
    print(f"at the window's end {missing} chargebacks are still to come")


if __name__ == "__main__":
    main()
