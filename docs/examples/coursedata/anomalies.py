"""Worked example: the planted anomalies, and which detector sees which kind.

`coursedata.with_anomalies(world)` plants three kinds of anomaly and records them with the data
incident's rows in `world.truth.anomaly_ids`. A z-score of the amount per category built on the
mean and standard deviation is blinded by a few absurd amounts in one category; one built on
the median and the MAD is not; neither sees a night-time payment that is ordinary for its
category but huge for its user, which an IsolationForest on three features together finds.

Run: python docs/examples/coursedata/anomalies.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

import coursedata


def amount_scores(frame: pd.DataFrame, robust: bool) -> np.ndarray:
    """How far each amount lies from its category's centre, in units of its spread."""
    by = frame.groupby("merchant_category", observed=True)["amount"]
    if not robust:
        return ((frame["amount"] - by.transform("mean")) / by.transform("std")).to_numpy()
    centre = by.transform("median")
    spread = (frame["amount"] - centre).abs().groupby(frame["merchant_category"], observed=True)
    return ((frame["amount"] - centre) / (1.4826 * spread.transform("median"))).to_numpy()


def forest_scores(frame: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Higher = more anomalous: an IsolationForest on the log amount, the hour (UTC) and the
    log of the amount over the user's median amount. No label is used."""
    usual = frame.groupby("user_id")["amount"].transform("median")
    features = np.column_stack(
        [
            np.log(frame["amount"]),
            frame["timestamp"].dt.hour,
            np.log(frame["amount"] / usual),
        ]
    )
    forest = IsolationForest(random_state=seed).fit(features)  # 100 trees, as in lesson 12
    return -forest.score_samples(features)


def ranks(scores: np.ndarray) -> np.ndarray:
    """0 for the highest score, ties broken by row order."""
    order = np.argsort(-scores, kind="stable")
    out = np.empty_like(order)
    out[order] = np.arange(order.size)
    return out


def evaluate(world: coursedata.World, frame: pd.DataFrame) -> pd.DataFrame:
    """For each detector: precision at k = the number of anomalies, and how many of each kind
    it puts in its top k."""
    record = world.truth.extras["anomalies"]
    k = len(world.truth.anomaly_ids)
    kind = frame["transaction_id"].map(record.set_index("transaction_id")["kind"])
    rows = {}
    for name, scores in [
        ("mean/std", amount_scores(frame, robust=False)),
        ("median/MAD", amount_scores(frame, robust=True)),
        ("forest", forest_scores(frame)),
    ]:
        top = ranks(scores) < k
        found = kind[top].value_counts()
        rows[name] = {"precision@k": round(float(kind[top].notna().mean()), 3)} | {
            str(c): int(found.get(c, 0)) for c in record["kind"].cat.categories
        }
    return pd.DataFrame(rows).T


def main() -> None:
    world = coursedata.sample("medium")
    frame = coursedata.with_anomalies(world, rate=0.002, seed=0)
    record = world.truth.extras["anomalies"]
    counts = record["kind"].value_counts()
    print(
        f"{len(world.truth.anomaly_ids)} anomalies in {len(frame):,} payments: "
        + ", ".join(f"{counts[c]} {c}" for c in record["kind"].cat.categories)
    )
    table = evaluate(world, frame)
    print(f"k = {len(world.truth.anomaly_ids)}")
    for name, row in table.iterrows():
        print(
            f"{name:<10} precision@k {row['precision@k']:.3f} | found: "
            + ", ".join(f"{c} {int(row[c])}/{counts[c]}" for c in record["kind"].cat.categories)
        )
    masking = frame["transaction_id"].isin(
        record.loc[record["kind"] == "masking_outlier", "transaction_id"]
    )
    in_category = frame["merchant_category"] == "restaurants"
    spread = frame.loc[in_category & ~masking, "amount"]
    print(
        f"restaurants: std {frame.loc[in_category, 'amount'].std():,.0f} with the "
        f"{int(masking.sum())} absurd amounts, {spread.std():,.0f} without; "
        f"median {frame.loc[in_category, 'amount'].median():.2f} and "
        f"{spread.median():.2f}"
    )
    z = amount_scores(frame, robust=False)
    outliers = (
        frame["transaction_id"]
        .isin(record.loc[record["kind"] == "amount_outlier", "transaction_id"])
        .to_numpy()
    )
    missed = outliers & (ranks(z) >= len(world.truth.anomaly_ids))
    print(
        f"mean/std misses {int(missed.sum())} amount outliers, "
        f"{int((missed & in_category.to_numpy()).sum())} of them in restaurants"
    )
    combo = frame["transaction_id"].isin(
        record.loc[record["kind"] == "unusual_combination", "transaction_id"]
    )
    for name, scores in [
        ("median/MAD", amount_scores(frame, robust=True)),
        ("forest", forest_scores(frame)),
    ]:
        r = ranks(scores)[combo.to_numpy()]
        span = f"ranks {r.min()} to {r.max()} (median {np.median(r):.0f})"
        print(f"unusual combinations, {name}: {span}")


if __name__ == "__main__":
    main()
