"""Worked example: training/serving skew from one window edge, and one function for both paths.

Feature: how many payments the same device made in the hour before a payment. The training table
counts [t - 1h, t): earlier payments only (groupby-rolling with `closed="left"`). The online
service keeps a counter per device that logs each payment as it arrives and then counts the last
hour, the payment itself included: (t - 1h, t], `closed="right"`. Every payment is served a count
one higher than the model learned on. The model, trained on the first 70 % of the medium world
(labels known at the cut), scores the last 30 % both ways; the alert threshold is the one that
flags 1 % of the test payments with the training feature.

The cure is one function that both paths call: `device_payments_before(history, rows)` reads
only `history`, so the nightly job (a day of rows in one call) and the online path (one row per
call) get the same number, and it equals the training column.

Run: python docs/examples/07_batch/feature_skew.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scoring_model import NUMBERS, TEXT, new_model, payment_features
from sklearn.metrics import average_precision_score
from threadpoolctl import threadpool_limits

import coursedata

WINDOW = pd.Timedelta("1h")
COLUMNS = [*NUMBERS, "device_payments_1h", *TEXT]


def rolling_count(payments: pd.DataFrame, closed: str) -> pd.Series:
    """Per payment, the same device's payments in the hour window, by rolling over the table."""
    ordered = payments.sort_values(["device_id", "timestamp"], kind="stable").assign(one=1.0)
    window = ordered.groupby("device_id")[["timestamp", "one"]].rolling(
        WINDOW, on="timestamp", closed=closed
    )
    counts = window.count()["one"].droplevel(0).reindex(payments.index)
    return counts.fillna(0).astype("int64")  # an empty window counts nothing


def device_payments_before(history: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """Payments in `history` of each row's device in [t - 1h, t): the one definition."""
    past = history[["device_id", "timestamp"]].sort_values("timestamp", kind="stable")
    past = past.assign(so_far=past.groupby("device_id").cumcount() + 1)

    def seen_before(times: pd.Series) -> np.ndarray:
        """How many of the device's payments in `history` are strictly before `times`."""
        probe = pd.DataFrame(
            {"device_id": rows["device_id"].to_numpy(), "timestamp": times.to_numpy()}
        ).assign(position=np.arange(len(rows)))
        found = pd.merge_asof(
            probe.sort_values("timestamp", kind="stable"),
            past,
            on="timestamp",
            by="device_id",
            allow_exact_matches=False,  # a payment at the same instant is not before
        )
        return found.sort_values("position")["so_far"].fillna(0).to_numpy(dtype=np.int64)

    counts = seen_before(rows["timestamp"]) - seen_before(rows["timestamp"] - WINDOW)
    return pd.Series(counts, index=rows.index, name="device_payments_1h")


def main() -> None:
    world = coursedata.sample("medium")
    tx = world.transactions
    trained_on, served = rolling_count(tx, "left"), rolling_count(tx, "right")
    gap = (served - trained_on).value_counts().sort_index()
    print("served - training: " + ", ".join(f"{k:+d} on {n:,}" for k, n in gap.items()))

    X = payment_features(world).astype({column: str for column in TEXT})
    X["device_payments_1h"] = trained_on
    cut = tx["timestamp"].quantile(0.7)
    train, test = tx["timestamp"] < cut, tx["timestamp"] >= cut
    known = coursedata.labels_as_of(world, cut)
    y = tx.loc[test, "is_fraud"].to_numpy()
    with threadpool_limits(limits=1):
        model = new_model([*NUMBERS, "device_payments_1h"]).fit(X.loc[train, COLUMNS], known[train])
        as_trained = model.predict_proba(X.loc[test, COLUMNS])[:, 1]
        as_served = model.predict_proba(
            X.loc[test, COLUMNS].assign(device_payments_1h=served[test])
        )[:, 1]
    threshold = np.quantile(as_trained, 0.99)
    print("| feature at scoring | AP | alerts | precision | recall |")
    print("|---|---:|---:|---:|---:|")
    for name, scores in (
        ("as trained, [t - 1h, t)", as_trained),
        ("as served, (t - 1h, t]", as_served),
    ):
        alert = scores >= threshold
        hits = np.sum(alert & y)
        print(
            f"| {name} | {average_precision_score(y, scores):.3f} | {alert.mean():.2%} "
            f"| {hits / alert.sum():.2f} | {hits / y.sum():.2f} |"
        )

    day = pd.Timestamp("2025-05-20", tz="UTC")
    rows = tx[(tx["timestamp"] >= day) & (tx["timestamp"] < day + pd.Timedelta("1D"))]
    history = tx[(tx["timestamp"] >= day - WINDOW) & (tx["timestamp"] < day + pd.Timedelta("1D"))]
    batch = device_payments_before(history, rows)
    online = pd.concat([device_payments_before(history, rows.loc[[i]]) for i in rows.index])
    training_column = trained_on[rows.index].rename(batch.name)
    print(f"one function, the {len(rows)} payments of {day:%Y-%m-%d}:")
    print(f"  one batch call equals {len(rows)} single-row calls: {batch.equals(online)}")
    print(f"  and equals the training column: {batch.equals(training_column)}")


if __name__ == "__main__":
    main()
