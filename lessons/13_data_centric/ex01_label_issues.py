"""Exercise 01 · Finding label issues.

Docs: docs/lessons/13-data-centric.md#ex01-label-issues (the site: `mkdocs serve`, then Lesson 13)

Some labels in a training set are wrong: a fraud a customer disputed in bad faith, a chargeback
that never came. Confident learning finds them without knowing which: a model's out-of-fold
probabilities say which class each row most likely belongs to, per-class thresholds say when the
model is confident, and the counts of "labelled i, confidently j" say how many rows of each
label are wrong. Write it by hand, without cleanlab (the docs compare the two).

Write two functions.

`out_of_fold_proba(model, X, y, n_splits=5, seed=0) -> ndarray` of shape `(n, K)`:

- Each row's probabilities come from a copy of `model` fitted WITHOUT that row: use
  `sklearn.model_selection.cross_val_predict(sklearn.base.clone(model), X, y,
  cv=StratifiedKFold(n_splits, shuffle=True, random_state=seed), method="predict_proba")`.
  A model scoring rows it was trained on is confident about every label, wrong ones included,
  and confident learning then finds nothing. `model` itself is left unfitted (clone it).

`find_label_issues(y, pred_proba) -> ndarray` of row indices (int64, sorted ascending):

- `y`: the given labels, a 1-D array-like of integers in `0..K-1` (NumPy or Python integers; not
  bools, not floats); `pred_proba`: a 2-D array-like of shape `(n, K)`, K >= 2, of out-of-fold
  probabilities (column j = class j), each value in [0, 1]. Every class `0..K-1` must occur in `y`.
- Thresholds: `t[j]` = the mean of `pred_proba[k, j]` over the rows k labelled j (a threshold
  per class, not one for all: a rare class is rarely predicted with high probability).
- The confident joint `C` (K x K integers): a row k labelled i counts in `C[i][j]` where j is,
  among the classes whose probability is at least their threshold
  (`pred_proba[k, j] >= t[j] - 1e-6`, the small tolerance cleanlab uses), the one with the
  highest probability (ties: the lowest class index). A row with no class at its threshold is
  not counted at all.
- Calibrate each row of `C` to the number of rows labelled i: `Q[i][j] = C[i][j] * n_i /
  sum_j C[i][j]` (`n_i` = the number of rows labelled i; multiply first, so that a half is
  exactly a half; `sum_j C[i][j]` is never 0, since a row labelled i reaches the mean).
- Prune by noise rate: the number of issues in class i is `m_i = sum over j != i of
  floor(Q[i][j] + 0.5)` (each off-diagonal count rounded to the nearest integer, halves up),
  at most `n_i`. Among the rows labelled i, flag the `m_i` rows with the largest margin
  `max over j != i of pred_proba[k, j] - pred_proba[k, i]` (ties: the lower row index first).
  Not every row below its class threshold is an issue: only as many as the counts say.
- Returns the flagged rows' positions (0-based, as in `y`), sorted ascending, as an int64 array
  (empty when there are none).
- `ValueError` when: `y` is not 1-D or not integers (bools and floats refused); `pred_proba` is
  not 2-D with at least 2 columns, or has a value that is NaN or outside [0, 1]; the lengths
  differ; a label is outside `0..K-1`; a class of `0..K-1` has no row in `y`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict

TOLERANCE = 1e-6


def out_of_fold_proba(model, X, y, n_splits=5, seed=0) -> np.ndarray:
    """Every row's predicted probabilities from a clone of `model` fitted without that row."""
    # TODO: cross_val_predict with a clone and a shuffled StratifiedKFold
    raise NotImplementedError


def find_label_issues(y, pred_proba) -> np.ndarray:
    """The positions of the rows whose given label is likely wrong (confident learning)."""
    # TODO: validate; thresholds; confident joint; calibrate; prune by noise rate
    raise NotImplementedError
