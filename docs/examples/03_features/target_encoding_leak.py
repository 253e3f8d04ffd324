"""Worked example: in-fold target encoding on random labels, against out-of-fold encoding.

A column with many categories (300 device ids for 600 payments, two payments per device) and
labels drawn at random: the device says nothing about the label. Replace each device by the mean
label of its rows (in-fold: the row's own label is part of that mean) and a model trained on the
encoding scores far above chance in cross-validation, because each row's encoding leans towards
its own label. scikit-learn's `TargetEncoder` encodes each training row with statistics from the
*other* folds (cross fitting), and the same model scores at chance, which is the truth.

Exercise 04 builds such an out-of-fold encoder; here the naive version is a pandas one-liner and
the honest one is scikit-learn's.

Run: python docs/examples/03_features/target_encoding_leak.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.preprocessing import TargetEncoder


def random_devices(n_rows: int, n_devices: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    devices = pd.DataFrame({"device": rng.integers(0, n_devices, n_rows).astype(str)})
    return devices, rng.integers(0, 2, n_rows)  # labels independent of the device


def in_fold_means(X: pd.DataFrame, y: np.ndarray) -> np.ndarray:
    """Each row gets the mean label of its device, its own label included (the leak)."""
    return pd.Series(y).groupby(X["device"].to_numpy()).transform("mean").to_numpy()[:, None]


def target_encoder() -> TargetEncoder:
    """scikit-learn's cross-fitting encoder, with its folds fixed so that runs repeat. From
    scikit-learn 1.9 the folds are passed as `cv`; before, as `random_state` (now deprecated)."""
    if tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 9):
        return TargetEncoder(
            target_type="binary", cv=StratifiedKFold(5, shuffle=True, random_state=0)
        )
    return TargetEncoder(target_type="binary", random_state=0)


def downstream_auc(encoded: np.ndarray, y: np.ndarray) -> float:
    """Mean 5-fold ROC AUC of a logistic regression that sees only the encoded column."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    return float(
        cross_val_score(LogisticRegression(), encoded, y, cv=folds, scoring="roc_auc").mean()
    )


def compare(n_rows: int = 600, n_devices: int = 300, seed: int = 0) -> tuple[float, float]:
    """(in-fold AUC, out-of-fold AUC) on one random-label data set."""
    X, y = random_devices(n_rows, n_devices, seed)
    out_of_fold = target_encoder().fit_transform(X, y)
    return downstream_auc(in_fold_means(X, y), y), downstream_auc(out_of_fold, y)


def main() -> None:
    in_fold, out_of_fold = compare()
    print("600 payments, 300 devices, random labels")
    print(f"in-fold mean encoding:           CV ROC AUC {in_fold:.2f}")
    print(f"out-of-fold (TargetEncoder):     CV ROC AUC {out_of_fold:.2f}")
    X, y = random_devices(600, 300, seed=0)
    encoder = target_encoder()
    train_rows = encoder.fit_transform(X, y)
    print("fit_transform equals fit().transform():", np.allclose(train_rows, encoder.transform(X)))


if __name__ == "__main__":
    main()
