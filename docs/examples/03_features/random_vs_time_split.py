"""Worked example: a random split against a split by time, on the columns a payment itself carries.

The model sees only what the payment says: amount, hour, channel, merchant category, the card's
and the merchant's country. No ids, no absolute time, so it cannot memorise a user or a day; what
is left of the gap between the two splits is what the random split borrows from the future (the
drift, the new fraud of the later months) and the luck of one draw, which five seeds show.

The split by time is scored twice: trained on `is_fraud` (the labels as finally known, weeks
after the cut: labels from the future) and trained on `coursedata.labels_as_of(world, cut)`, the
labels a model trained at the cut could have had. The test rows are scored on the final labels
in both cases: an offline evaluation waits for them.

Run: python docs/examples/03_features/random_vs_time_split.py (about three seconds)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

import coursedata

COLUMNS = ["amount", "hour", "channel", "merchant_category", "card_country", "merchant_country"]


def score(train: pd.DataFrame, labels: pd.Series, test: pd.DataFrame) -> tuple[float, float]:
    """(average precision, ROC AUC) on `test` of a model fitted on `train` with `labels`."""
    model = HistGradientBoostingClassifier(
        max_iter=100, categorical_features="from_dtype", random_state=0
    )
    model.fit(train[COLUMNS], labels)
    p = model.predict_proba(test[COLUMNS])[:, 1]
    return average_precision_score(test["is_fraud"], p), roc_auc_score(test["is_fraud"], p)


def main() -> None:
    world = coursedata.sample("medium", seed=0)
    tx = world.transactions.assign(hour=world.transactions["timestamp"].dt.hour)
    cut = tx["timestamp"].quantile(0.7)  # 70 % of the payments before, 30 % after
    train, test = tx[tx["timestamp"] < cut], tx[tx["timestamp"] >= cut]
    known = coursedata.labels_as_of(world, cut).loc[train.index]
    print(f"{len(tx):,} payments; the time split's cut: {cut:%Y-%m-%d %H:%M}")
    print(f"training fraud labelled at the cut: {known.sum()} of {train['is_fraud'].sum()}")
    print("| split | training labels | test fraud rate | average precision | ROC AUC |")
    print("|---|---|---:|---:|---:|")
    with threadpool_limits(limits=1):  # one thread: faster on a busy machine, same scores
        runs = []
        for seed in range(5):
            r_train, r_test = train_test_split(tx, test_size=0.3, random_state=seed)
            runs.append((*score(r_train, r_train["is_fraud"], r_test), r_test["is_fraud"].mean()))
        ap, auc, rate = np.array(runs).T
        print(
            f"| random, 5 seeds | final | {rate.mean():.2%} | {ap.mean():.3f} "
            f"({ap.min():.3f} to {ap.max():.3f}) | {auc.mean():.3f} "
            f"({auc.min():.3f} to {auc.max():.3f}) |"
        )
        rate = test["is_fraud"].mean()
        for name, labels in (
            ("final (from the future)", train["is_fraud"]),
            ("as of the cut", known),
        ):
            ap, auc = score(train, labels, test)
            print(f"| by time | {name} | {rate:.2%} | {ap:.3f} | {auc:.3f} |")


if __name__ == "__main__":
    main()
