"""Worked example: what in-fold target encoding costs, measured two ways.

In-fold encoding gives each training row the mean label of its category *including its own
label*; scikit-learn's `TargetEncoder.fit(X, y).transform(X)` does exactly that, while its
`fit_transform(X, y)` encodes each row with statistics of the other folds (cross fitting).

1. Contamination. 600 payments from 300 devices, labels drawn at random: the device says
   nothing. Encode all rows in-fold *before* cross-validating, and each test fold's encodings
   already hold that fold's labels: the score is far above chance. Put the same in-fold encoder
   inside the cross-validated pipeline and the test folds are encoded with training-fold
   statistics only: chance, like the out-of-fold encoder.
2. A worse model. On the data world, trained before the cut on the labels known then, tested
   after: `device_id` carries honest signal (a fraudster's device comes back in later
   episodes). Inside a pipeline, fitted on the training rows only, in-fold encoding makes the
   device look like a near-perfect predictor on the training rows; the model trusts it, and
   on the test rows, where the encoding is honest, it ranks worse than the model fed
   out-of-fold encodings.

Exercise 04 builds an out-of-fold encoder; here both sides are scikit-learn's.

Run: python docs/examples/03_features/target_encoding_leak.py (about three seconds)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import TargetEncoder
from threadpoolctl import threadpool_limits

import coursedata

RAW = ["amount", "hour", "channel", "merchant_category", "card_country", "merchant_country"]


class InFoldTargetEncoder(TargetEncoder):
    """The leaky variant: training rows are encoded with statistics that include their own label
    (fit, then transform the same rows), not cross fitted."""

    def fit_transform(self, X, y, **fit_params):
        return self.fit(X, y).transform(X)


def encoder(in_fold: bool = False) -> TargetEncoder:
    """A binary target encoder with its folds fixed, so that runs repeat. From scikit-learn 1.9
    the folds are passed as `cv`; before, as `random_state` (now deprecated)."""
    cls = InFoldTargetEncoder if in_fold else TargetEncoder
    if tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 9):
        return cls(target_type="binary", cv=StratifiedKFold(5, shuffle=True, random_state=0))
    return cls(target_type="binary", random_state=0)


def random_devices(n_rows: int, n_devices: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    devices = pd.DataFrame({"device": rng.integers(0, n_devices, n_rows).astype(str)})
    return devices, rng.integers(0, 2, n_rows)  # labels independent of the device


def cv_auc(model, X, y: np.ndarray) -> float:
    """Mean 5-fold ROC AUC."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    return float(cross_val_score(model, X, y, cv=folds, scoring="roc_auc").mean())


def compare(n_rows: int = 600, n_devices: int = 300, seed: int = 0) -> tuple[float, float, float]:
    """CV ROC AUC on random labels: (in-fold encoding of all rows, then CV; in-fold encoder
    inside the pipeline; out-of-fold encoder inside the pipeline)."""
    X, y = random_devices(n_rows, n_devices, seed)
    encoded_first = encoder(in_fold=True).fit_transform(X, y)  # sees every fold's labels
    return (
        cv_auc(LogisticRegression(), encoded_first, y),
        cv_auc(make_pipeline(encoder(in_fold=True), LogisticRegression()), X, y),
        cv_auc(make_pipeline(encoder(), LogisticRegression()), X, y),
    )


def fraud_model(device: str) -> Pipeline:
    """Gradient boosting on the raw columns, plus `device_id` encoded "in-fold" or
    "out-of-fold" (or "not used")."""
    steps = [] if device == "not used" else [(encoder(device == "in-fold"), ["device_id"])]
    columns = make_column_transformer(
        *steps, ("passthrough", RAW), verbose_feature_names_out=False
    ).set_output(transform="pandas")
    booster = HistGradientBoostingClassifier(
        max_iter=100, categorical_features="from_dtype", random_state=0
    )
    return make_pipeline(columns, booster)


def main() -> None:
    before, in_fold, out_of_fold = compare()
    print("1. 600 payments, 300 devices, random labels: CV ROC AUC of a model on the encoding")
    print(f"in-fold encoding of all rows, then CV:      {before:.3f}")
    print(f"in-fold encoder inside the pipeline:        {in_fold:.3f}")
    print(f"out-of-fold encoder inside the pipeline:    {out_of_fold:.3f}")
    X, y = random_devices(600, 300, seed=0)
    cross_fitted = encoder().fit_transform(X, y)
    same = np.allclose(cross_fitted, encoder().fit(X, y).transform(X))
    print("fit_transform equals fit().transform():", same)

    world = coursedata.sample("medium", seed=0)
    tx = world.transactions.assign(hour=world.transactions["timestamp"].dt.hour)
    cut = tx["timestamp"].quantile(0.7)
    train, test = tx[tx["timestamp"] < cut], tx[tx["timestamp"] >= cut]
    labels = coursedata.labels_as_of(world, cut).loc[train.index]
    print(f"2. data world: trained before {cut:%Y-%m-%d} on the labels known then, tested after")
    print("| device_id | its training-row ROC AUC | test average precision | test ROC AUC |")
    print("|---|---:|---:|---:|")
    with threadpool_limits(limits=1):
        for device in ("not used", "in-fold", "out-of-fold"):
            columns = RAW if device == "not used" else [*RAW, "device_id"]
            model = fraud_model(device).fit(train[columns], labels)
            p = model.predict_proba(test[columns])[:, 1]
            ap, auc = (
                average_precision_score(test["is_fraud"], p),
                roc_auc_score(test["is_fraud"], p),
            )
            if device == "not used":
                seen = "-"
            else:  # what the model is shown on its training rows: the encoding alone, as a score
                encoded = encoder(device == "in-fold").fit_transform(train[["device_id"]], labels)
                seen = f"{roc_auc_score(labels, encoded[:, 0]):.3f}"
            print(f"| {device} | {seen} | {ap:.3f} | {auc:.3f} |")
        fitted = encoder().fit(train[["device_id"]], labels)
        on_test = roc_auc_score(test["is_fraud"], fitted.transform(test[["device_id"]])[:, 0])
        print(f"the device encoding alone on the test rows: ROC AUC {on_test:.3f}")


if __name__ == "__main__":
    main()
