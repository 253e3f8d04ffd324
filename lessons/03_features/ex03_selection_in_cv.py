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
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline


def selection_cv_score(X: np.ndarray, y: np.ndarray, k: int, cv: int = 5, seed: int = 0) -> float:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    # TODO: validate k and the row counts; cross-validate a Pipeline(SelectKBest, LogisticRegression) on shuffled stratified folds
    raise NotImplementedError
