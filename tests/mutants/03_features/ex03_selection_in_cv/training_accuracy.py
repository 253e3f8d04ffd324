# MUTANT: Fits the pipeline on all rows and reports its accuracy on those same rows.
"""Exercise 03 · Feature selection inside cross-validation.

Docs: docs/lessons/03-feature-engineering.md#ex03-selection-in-cv (the site: `mkdocs serve`, then Lesson 03)

Write `selection_cv_score(X, y, k, cv=5, seed=0)`: the mean cross-validated accuracy of a model
that keeps the `k` features most related to the label and fits a logistic regression on them.

Choosing features is learning from the labels, just as fitting the model is. Choose them on all
the rows and then cross-validate, and every test fold has already helped pick the features that
score it: on pure noise (random labels, thousands of random features) that reports about 0.9
accuracy for a model that is no better than a coin. Selection has to happen inside each training
fold, which is what a `Pipeline` passed to the cross-validation does.

Contract:
- The model is `SelectKBest(f_classif, k=k)` followed by `LogisticRegression(max_iter=1000)`
  (all other settings at their defaults), in one `Pipeline`.
- The folds are `StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)`; the score is
  the mean of the `cv` test-fold accuracies, a Python float. The same seed gives the same score.
- The selection sees only the training part of each fold, never the test fold.
- `k` below 1 or above the number of columns of `X`, or `X` and `y` with different numbers of
  rows, raise `ValueError` (before any fitting).
"""

import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


def selection_cv_score(X: np.ndarray, y: np.ndarray, k: int, cv: int = 5, seed: int = 0) -> float:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or not 1 <= k <= X.shape[1]:
        raise ValueError(
            f"k must be between 1 and the number of columns of X, got k={k} for shape {X.shape}"
        )
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    model = Pipeline(
        [
            ("select", SelectKBest(f_classif, k=k)),
            ("classify", LogisticRegression(max_iter=1000)),
        ]
    )
    return float(model.fit(X, y).score(X, y))
