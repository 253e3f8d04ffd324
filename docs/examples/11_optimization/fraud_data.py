"""Worked example: the data and the unoptimized model every example of this lesson measures against.

The rows are the medium data world's 50,000 payments, as the lesson-08 service sees them:
`coursekit.serving_model.to_features` (log amount, hour, night, abroad, web, app, risky
category; seven float columns). The split is in time, with a gap for the labels, as in lesson 04:

- training: the payments before 1 April 2025, with the labels known on 1 April
  (`coursedata.labels_as_of`: a fraud whose chargeback had not arrived yet counts as legitimate);
- test: the payments from 1 May 2025 on, with their final labels. April is left out: a model
  trained on 1 April is used from then on, and its test must not overlap its training.

The unoptimized model is a random forest of 300 trees (leaves of at least 10 payments, one
thread, a fixed seed): the kind of model that wins an offline comparison and then has to be
served. The other examples import `split()` and `big_forest()` from here.

Run: python docs/examples/11_optimization/fraud_data.py
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score

import coursedata
from coursekit.serving_model import FEATURES, to_features

TRAIN_END = pd.Timestamp("2025-04-01", tz="UTC")  # the labels are those known on this day
TEST_START = pd.Timestamp("2025-05-01", tz="UTC")  # a month's gap for the chargebacks


class Split(NamedTuple):
    X_train: np.ndarray  # float32: what scikit-learn's trees and ONNX work in anyway
    y_train: np.ndarray  # labels known on TRAIN_END
    X_test: np.ndarray
    y_test: np.ndarray  # final labels
    train: pd.DataFrame  # the payments themselves, for examples that need more columns
    test: pd.DataFrame


@cache
def split() -> Split:
    """The medium world's payments as FEATURES, split in time (see the module's docstring)."""
    world = coursedata.sample("medium")
    tx = world.transactions
    X = to_features(tx.to_dict("records")).to_numpy(dtype=np.float32)
    known = coursedata.labels_as_of(world, TRAIN_END).reindex(tx.index, fill_value=False)
    train = (tx["timestamp"] < TRAIN_END).to_numpy()
    test = (tx["timestamp"] >= TEST_START).to_numpy()
    return Split(
        X[train],
        known.to_numpy()[train].astype(np.int64),
        X[test],
        tx["is_fraud"].to_numpy()[test].astype(np.int64),
        tx[train],
        tx[test],
    )


def big_forest(n_trees: int = 300, **params) -> RandomForestClassifier:
    """The unoptimized model, unfitted: a random forest, one thread, a fixed seed."""
    params = {"min_samples_leaf": 10, "max_samples": 0.5, "n_jobs": 1, "random_state": 0, **params}
    return RandomForestClassifier(n_estimators=n_trees, **params)


def main() -> None:
    data = split()
    print(f"features: {', '.join(FEATURES)}")
    print(
        f"training: {len(data.y_train):,} payments before {TRAIN_END:%Y-%m-%d}, "
        f"{data.y_train.sum()} labelled fraud on that day "
        f"({data.train['is_fraud'].sum()} will be)"
    )
    print(
        f"test: {len(data.y_test):,} payments from {TEST_START:%Y-%m-%d}, "
        f"{data.y_test.sum()} fraud ({data.y_test.mean():.2%})"
    )
    model = big_forest(n_trees=30).fit(data.X_train, data.y_train)
    auc = roc_auc_score(data.y_test, model.predict_proba(data.X_test)[:, 1])
    print(f"a 30-tree forest of the same kind: test ROC AUC {auc:.3f}")


if __name__ == "__main__":
    main()
