"""Worked example: confident learning on the training rows, with in-sample and out-of-fold
probabilities.

Confident learning needs, for every training row, the model's probability of each class. From a
model that was trained on that very row (in-sample), the probability agrees with the label, right
or wrong; from a model that never saw it (out-of-fold), it says what the row looks like. The
example computes both, a threshold per class, the confident joint (rows labelled i whose
probability of class j reaches j's threshold), and flags the rows of its off-diagonal cells:
cleanlab's `filter_by="confident_learning"`. Exercise 01 prunes by noise rate instead. Then the
small model is retrained without the flagged rows.

Run: python docs/examples/13_data_centric/confident_learning.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from noisy_fraud import load, model
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

SMALL = {"max_iter": 100}
NAMES = ("honest", "fraud")


def confident_joint(labels: np.ndarray, proba: np.ndarray) -> tuple:
    """Per-class thresholds, and for each row the class it confidently belongs to (-1: none).

    A class is a candidate for a row when its probability reaches the class's threshold (the
    mean probability of that class over the rows labelled with it); the row goes to the most
    probable candidate. Returns the thresholds, each row's confident class, the joint counts."""
    classes = np.arange(proba.shape[1])
    thresholds = np.array([proba[labels == k][:, k].mean() for k in classes])
    candidate = proba >= thresholds
    best = np.argmax(np.where(candidate, proba, -np.inf), axis=1)
    confident = np.where(candidate.any(axis=1), best, -1)
    counted = confident >= 0
    joint = pd.crosstab(
        pd.Series(labels[counted], name="given"), pd.Series(confident[counted], name="confident")
    )
    return thresholds, confident, joint


def report(name: str, labels, proba, wrong) -> np.ndarray:
    thresholds, confident, joint = confident_joint(labels, proba)
    flagged = np.flatnonzero((confident >= 0) & (confident != labels))
    print(
        f"{name}: thresholds {thresholds[0]:.3f} (honest), {thresholds[1]:.3f} (fraud); "
        f"flagged {len(flagged)}, of which wrong labels {int(wrong[flagged].sum())} "
        f"of {int(wrong.sum())}"
    )
    for given in joint.index:
        cells = ", ".join(f"{joint.loc[given, k]:,} as {NAMES[k]}" for k in joint.columns)
        print(f"  labelled {NAMES[given]}, confidently: {cells}")
    return flagged


def main() -> None:
    data = load()
    X, y = data.X.iloc[data.train], data.noisy[data.train].astype(int)
    wrong = y != data.truth[data.train]
    with threadpool_limits(limits=1):
        in_sample = model(**SMALL).fit(X, y).predict_proba(X)
        report("in-sample", y, in_sample, wrong)
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        out_of_fold = cross_val_predict(model(**SMALL), X, y, cv=folds, method="predict_proba")
        flagged = report("out-of-fold (5 folds)", y, out_of_fold, wrong)
        keep = np.setdiff1d(np.arange(len(y)), flagged)
        for name, rows in (("noisy labels", np.arange(len(y))), ("flagged rows removed", keep)):
            fitted = model(**SMALL).fit(X.iloc[rows], y[rows])
            score = fitted.predict_proba(data.X.iloc[data.test])[:, 1]
            ap = average_precision_score(data.truth[data.test], score)
            print(f"small model, {name} ({len(rows):,} rows): test AP on the truth {ap:.3f}")


if __name__ == "__main__":
    main()
