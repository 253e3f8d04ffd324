"""Worked example: a random split flatters a fraud model; a split by time does not.

Fraud in `coursedata` comes in bursts: a takeover makes several payments within minutes. Split
the payments at random and the same burst lands on both sides, so a model that memorises "this
user, this day" finds the test half of every burst it trained on. Split by time and every test
burst is new, as in production. Same model, same columns, two splits:

Run: python docs/examples/03_features/random_vs_time_split.py (about two seconds)
"""

from __future__ import annotations

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

import coursedata

COLUMNS = ["amount", "hour", "user_id", "day"]  # day: days since the window opened


def with_time_columns(tx: pd.DataFrame) -> pd.DataFrame:
    start = tx["timestamp"].min()
    return tx.assign(
        hour=tx["timestamp"].dt.hour,
        day=(tx["timestamp"] - start).dt.total_seconds() / 86_400,
    )


def score(train: pd.DataFrame, test: pd.DataFrame) -> tuple[float, float]:
    """(average precision, ROC AUC) on `test` of a model fitted on `train`."""
    model = HistGradientBoostingClassifier(max_iter=100, random_state=0)
    model.fit(train[COLUMNS], train["is_fraud"])
    p = model.predict_proba(test[COLUMNS])[:, 1]
    return average_precision_score(test["is_fraud"], p), roc_auc_score(test["is_fraud"], p)


def main() -> None:
    tx = with_time_columns(coursedata.sample("medium", seed=0).transactions)
    # 70 % / 30 % either way: at random, or the first 70 % of the time window against the rest.
    shuffled = train_test_split(tx, test_size=0.3, random_state=0)
    cut = tx["timestamp"].quantile(0.7)
    by_time = (tx[tx["timestamp"] < cut], tx[tx["timestamp"] >= cut])
    print(f"{len(tx):,} payments, fraud rate {tx['is_fraud'].mean():.2%}")
    print("| split | average precision | ROC AUC |")
    print("|---|---|---|")
    with threadpool_limits(limits=1):  # one thread: faster on a busy machine, same scores
        for name, (train, test) in (("random", shuffled), ("by time", by_time)):
            ap, auc = score(train, test)
            print(f"| {name} | {ap:.3f} | {auc:.3f} |")


if __name__ == "__main__":
    main()
