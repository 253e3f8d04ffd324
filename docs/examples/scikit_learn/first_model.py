"""Worked example: a first fraud model on the data world, split by time, scored two ways.

Train on the payments before a cut, with the labels that were known *at* the cut
(`coursedata.labels_as_of`): chargebacks arrive weeks late, so some of the latest frauds still
look honest, as they would in production. Test on the payments after the cut, with the labels
as finally known. Two models see the same columns: a `LogisticRegression` behind a
`ColumnTransformer` (it needs numbers on one scale and categories one-hot encoded) and a
`HistGradientBoostingClassifier` (trees: no scaling, and pandas categories used as they are).
Each is scored with ROC AUC and average precision; then the same scores are weighed as if
legitimate payments were four times as many, to show which metric moves with the fraud rate.

Run: python docs/examples/scikit_learn/first_model.py (about three seconds)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from payment_features import CATEGORICAL, NUMERIC, payment_features
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import coursedata


def models() -> dict[str, object]:
    """The two models, unfitted."""
    logistic = make_pipeline(
        make_column_transformer(
            (StandardScaler(), NUMERIC),
            (OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ),
        LogisticRegression(max_iter=1_000),
    )
    boosting = HistGradientBoostingClassifier(
        max_iter=100, categorical_features="from_dtype", random_state=0
    )
    return {"LogisticRegression": logistic, "HistGradientBoosting": boosting}


def main() -> None:
    world = coursedata.sample("medium", seed=0)
    tx, X = world.transactions, payment_features(world)
    cut = pd.Timestamp("2025-04-01", tz="UTC")

    # labels_as_of: one label per payment made at or before the cut, True if its chargeback had
    # arrived by then. The payment exactly at the cut (if any) would be a test row, so drop it.
    known = coursedata.labels_as_of(world, cut)
    train_rows = known.index[tx.loc[known.index, "timestamp"] < cut]
    y_train = known.loc[train_rows]
    test = tx["timestamp"] >= cut
    X_train, X_test, y_test = X.loc[train_rows], X[test], tx.loc[test, "is_fraud"]
    print(
        f"train: {len(X_train):,} payments before {cut:%Y-%m-%d}, {y_train.sum()} known frauds "
        f"at the cut ({tx.loc[train_rows, 'is_fraud'].sum()} in the end)"
    )
    print(f"test: {len(X_test):,} payments from {cut:%Y-%m-%d}, fraud rate {y_test.mean():.2%}")

    print("| model | ROC AUC | average precision |")
    print("|---|---|---|")
    scores = {}
    with threadpool_limits(limits=1):  # one thread: faster on a busy machine, same scores
        for name, model in models().items():
            model.fit(X_train, y_train)
            scores[name] = model.predict_proba(X_test)[:, 1]  # column 1: P(class True)
            auc = roc_auc_score(y_test, scores[name])
            ap = average_precision_score(y_test, scores[name])
            print(f"| {name} | {auc:.3f} | {ap:.3f} |")
    print(f"| random scores | 0.500 | {y_test.mean():.3f} (the fraud rate) |")

    # The same payments and scores, each legitimate payment counted four times: fraud is a
    # quarter as common. ROC AUC compares frauds with legitimate payments, each as a share of
    # its own class, so it cannot move; precision counts false alarms against catches, so it falls.
    weight = np.where(y_test, 1.0, 4.0)
    rate = np.average(y_test, weights=weight)
    for name, p in scores.items():
        auc = roc_auc_score(y_test, p, sample_weight=weight)
        ap = average_precision_score(y_test, p, sample_weight=weight)
        print(f"legitimate x4 (fraud rate {rate:.2%}), {name}: ROC AUC {auc:.3f}, AP {ap:.3f}")


if __name__ == "__main__":
    main()
