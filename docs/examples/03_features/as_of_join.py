"""Worked example: joining a daily rate to payments, by date and as of the payment's time.

A reference exchange rate is published once a day at 16:00 UTC. Joining it to payments "by date"
gives every payment made before 16:00 a rate that did not exist yet when it was made: a value from
the future, harmless in a report and a leak in a training set (a feature computed from it is not
available at prediction time). `pd.merge_asof` takes, for each payment, the latest rate published
at or before it.

Exercise 06 does the same per user (`by=`), for events in any order.

Run: python docs/examples/03_features/as_of_join.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import coursedata


def daily_rates(first_day: pd.Timestamp, days: int, seed: int = 0) -> pd.DataFrame:
    """One EUR->GBP rate per day, published at 16:00 UTC, drifting slowly."""
    rng = np.random.default_rng(seed)
    published = pd.date_range(first_day + pd.Timedelta("16h"), periods=days, freq="D")
    rate = 0.85 * np.exp(np.cumsum(rng.normal(0, 0.003, days)))
    return pd.DataFrame({"published_at": published, "eur_gbp": rate.round(5)})


def main() -> None:
    world = coursedata.sample("small", seed=0)
    payments = world.transactions[["transaction_id", "timestamp", "amount"]]
    rates = daily_rates(world.truth.start, days=91)
    # merge_asof needs join keys of exactly the same dtype, time unit included (ns vs us).
    rates["published_at"] = rates["published_at"].astype(payments["timestamp"].dtype)

    # By date: the day's rate, whatever the time of publication.
    by_date = payments.assign(day=payments["timestamp"].dt.floor("D")).merge(
        rates.assign(day=rates["published_at"].dt.floor("D")), on="day", how="left"
    )
    # As of: the latest rate published at or before the payment (both frames sorted by time).
    as_of = pd.merge_asof(
        payments, rates, left_on="timestamp", right_on="published_at", direction="backward"
    )

    for name, joined in (("by date", by_date), ("as of", as_of)):
        future = (joined["published_at"] > joined["timestamp"]).mean()
        missing = joined["eur_gbp"].isna().mean()
        print(
            f"{name:8s} rate published after the payment: {future:6.1%}   "
            f"no rate yet: {missing:5.1%}"
        )


if __name__ == "__main__":
    main()
