"""Worked example: a scaler fitted on every row, then evaluated, against one in a pipeline.

`StandardScaler().fit_transform(X)` before the evaluation lets the test rows shape the means and
standard deviations that the training rows are scaled with. Put the scaler in a `Pipeline` and
each fit refits it on the training rows only.

Everything else is honest in both arms, so the difference is the scaler's alone: the payments
stay in time order (five `TimeSeriesSplit` folds, each training on the past and testing on the
next stretch of time), and each fold trains on the labels known when its test period starts
(`coursedata.labels_as_of`). A mean and a standard deviation carry almost nothing about the
labels, and the example prints how little the leak moves the score. The habit is what matters:
the same code shape with a step that learns *from the labels* (feature selection, target
encoding) leaks a lot.

Run: python docs/examples/03_features/scaler_leak.py (about two seconds)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import coursedata


def features(world: coursedata.World) -> tuple[pd.DataFrame, np.ndarray]:
    """Four numeric columns per payment (amount, hour, the user's spend level, the merchant's
    risk score), in time order like `world.transactions`."""
    tx = world.transactions.merge(world.users, on="user_id", how="left").merge(
        world.merchants, on="merchant_id", how="left"
    )  # a left join keeps the payments' order
    X = np.column_stack(
        [tx["amount"], tx["timestamp"].dt.hour, tx["spend_level"], tx["risk_score"]]
    )
    return tx, X


def time_ordered_auc(world: coursedata.World, tx: pd.DataFrame, X: np.ndarray, model) -> float:
    """Mean test ROC AUC over five time-ordered folds; each fold trains on the labels known at
    the start of its test period and is scored on the final labels."""
    y = tx["is_fraud"].to_numpy()
    scores = []
    for train, test in TimeSeriesSplit(n_splits=5).split(X):
        known = coursedata.labels_as_of(world, tx["timestamp"].iloc[test[0]])
        model.fit(X[train], known.iloc[train].to_numpy())
        scores.append(roc_auc_score(y[test], model.predict_proba(X[test])[:, 1]))
    return float(np.mean(scores))


def main() -> None:
    world = coursedata.sample("medium", seed=0)
    tx, X = features(world)
    assert tx["timestamp"].is_monotonic_increasing  # TimeSeriesSplit cuts by row position

    # Leaky: the scaler sees all rows, the test periods included, before any split.
    leaky = time_ordered_auc(world, tx, StandardScaler().fit_transform(X), LogisticRegression())
    # Honest: the pipeline is refitted per fold, so the scaler sees training rows only.
    honest = time_ordered_auc(world, tx, X, make_pipeline(StandardScaler(), LogisticRegression()))

    print(f"scaler fitted on all rows:  ROC AUC {leaky:.4f}")
    print(f"scaler inside the pipeline: ROC AUC {honest:.4f}")
    print(f"difference: {leaky - honest:+.5f}")


if __name__ == "__main__":
    main()
