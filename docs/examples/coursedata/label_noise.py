"""Worked example: does the planted label noise give confident learning something to find?

A model's out-of-fold probabilities on `sample("medium")` (the fraud baseline's raw and history
features, 5 folds) feed a bare confident-learning rule: a row is suspect when the probability of
the *other* class reaches that class's threshold (its mean predicted probability over the rows
labelled with it). Once on `is_fraud` (the world's own 45 friendly and 45 missed frauds), once
on `coursedata.noisy_labels(world, rate=0.2)`, which flips more at known rows; then a model
trained on the noisy labels against one trained with the suspects removed, scored on the
truth over the last 30 % of the window.

Run: python docs/examples/coursedata/label_noise.py (about 15 seconds)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

import coursedata

_spec = importlib.util.spec_from_file_location(
    "fraud_baseline", Path(__file__).with_name("fraud_baseline.py")
)
baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(baseline)
COLUMNS = baseline.RAW_COLUMNS + baseline.HISTORY_COLUMNS


def model() -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=200, categorical_features="from_dtype", random_state=0
    )


def suspects(features: pd.DataFrame, label: np.ndarray) -> np.ndarray:
    """Row positions whose out-of-fold probability of the other class reaches its threshold."""
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    proba = cross_val_predict(model(), features, label, cv=folds, method="predict_proba")
    y = label.astype(int)
    threshold = np.array([proba[y == k, k].mean() for k in (0, 1)])
    other = 1 - y
    return np.flatnonzero(proba[np.arange(y.size), other] >= threshold[other])


def main() -> None:
    world = coursedata.sample("medium")
    tx = world.transactions
    features = baseline.past_window_features(tx, world.users)
    features = pd.concat(
        [tx[baseline.RAW_COLUMNS[:1] + baseline.RAW_COLUMNS[2:]], features], axis=1
    )
    features = features[COLUMNS]
    ids = tx["transaction_id"].to_numpy()
    truth = world.truth
    with threadpool_limits(limits=1):
        found = suspects(features, tx["is_fraud"].to_numpy())
        hit = ids[found]
        print(
            f"is_fraud: {len(found)} suspects, {np.isin(hit, truth.label_noise_ids).sum()} of the "
            f"{len(truth.label_noise_ids)} planted ({np.isin(hit, truth.friendly_fraud_ids).sum()} "
            f"friendly, {np.isin(hit, truth.missed_fraud_ids).sum()} missed)"
        )
        noisy = coursedata.noisy_labels(world, rate=0.2, seed=0).to_numpy()
        flips = truth.extras["noisy_labels"]
        found = suspects(features, noisy)
        wrong = np.r_[flips.flipped_ids, truth.label_noise_ids]
        print(
            f"noisy_labels(rate=0.2): {len(flips.to_false_ids)} frauds turned honest, "
            f"{len(flips.to_true_ids)} honest turned fraud; {len(found)} suspects, "
            f"{np.isin(ids[found], flips.flipped_ids).sum()} of the {len(flips.flipped_ids)} flips "
            f"({np.isin(ids[found], wrong).sum()} wrong labels of any kind)"
        )
        true_label = np.isin(ids, truth.true_fraud_ids)
        cut = int(0.7 * len(tx))
        train = np.arange(cut)
        test = np.arange(cut, len(tx))
        for name, rows in (("noisy", train), ("cleaned", np.setdiff1d(train, found))):
            fitted = model().fit(features.iloc[rows], noisy[rows])
            score = fitted.predict_proba(features.iloc[test])[:, 1]
            ap = average_precision_score(true_label[test], score)
            print(f"trained on {name} labels ({len(rows):,} rows): test AP on the truth {ap:.3f}")


if __name__ == "__main__":
    main()
