"""Worked example: choosing features before cross-validation makes noise look like signal.

100 rows, 2,000 columns of pure noise, and random labels: nothing here can be predicted, so an
honest estimate of accuracy is 0.5. Pick the 50 columns most correlated with the labels on all the
rows, then cross-validate a model on them, and the estimate comes out near 0.9: with 2,000
candidates, some columns match the labels by chance, *including the test folds' labels*. Pick the
columns inside each training fold instead, and the estimate falls back to chance.
(The demonstration follows the INRIA scikit-learn MOOC.)

The selection here is written by hand (absolute correlation with the label) and the folds are a
plain loop, so every step is visible; exercise 03 does the same with SelectKBest and a Pipeline.

Run: python docs/examples/03_features/selection_leak.py
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


def most_correlated(X: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k columns of X with the largest |Pearson correlation| with y."""
    Xc = X - X.mean(axis=0)
    yc = y - y.mean()
    corr = (Xc * yc[:, None]).sum(axis=0) / (np.linalg.norm(Xc, axis=0) * np.linalg.norm(yc))
    return np.argsort(-np.abs(corr))[:k]


def cv_accuracy(
    X: np.ndarray, y: np.ndarray, k: int, select_per_fold: bool, seed: int = 0
) -> float:
    """Mean 5-fold accuracy of logistic regression on k selected columns."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    chosen_once = most_correlated(X, y, k)  # looks at every row, test folds included
    scores = []
    for train, test in folds.split(X, y):
        columns = most_correlated(X[train], y[train], k) if select_per_fold else chosen_once
        model = LogisticRegression(max_iter=1000).fit(X[train][:, columns], y[train])
        scores.append(model.score(X[test][:, columns], y[test]))
    return float(np.mean(scores))


def noise(n_rows: int, n_columns: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_rows, n_columns)), rng.integers(0, 2, size=n_rows)


def main() -> None:
    X, y = noise(100, 2000, seed=0)
    leaky = np.mean([cv_accuracy(X, y, 50, select_per_fold=False, seed=s) for s in range(5)])
    honest = np.mean([cv_accuracy(X, y, 50, select_per_fold=True, seed=s) for s in range(5)])
    print("100 rows, 2,000 noise columns, random labels, k = 50")
    print(f"columns chosen on all rows, then CV: accuracy {leaky:.2f}")
    print(f"columns chosen inside each fold:     accuracy {honest:.2f}")


if __name__ == "__main__":
    main()
