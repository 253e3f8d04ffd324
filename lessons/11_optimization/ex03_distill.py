"""Exercise 03 · Distillation, honestly measured.

Docs: docs/lessons/11-optimization.md#ex03-distill (the site: `mkdocs serve`, then Lesson 11)

A 300-tree forest scores well but is big and slow; a small model is cheap to serve. Distillation
trains the small model (the student) to imitate the big one (the teacher): its targets are the
teacher's scores, which say "0.7 fraud" where a label only says 0 or 1, and the teacher can
score rows whose labels have not arrived yet. Whether that beats training the small model on the
labels directly is a question for the data, not a belief: so measure it, on a time split.

Write `distill(teacher, student, X_unlabelled, X, y, alpha, cv=5) -> fitted student`:

- `teacher` is an UNFITTED scikit-learn binary classifier with `predict_proba`; its score of a
  row is `predict_proba(...)[:, 1]`. `student` is an UNFITTED scikit-learn regressor: it is
  fitted on soft targets in [0, 1] (a classifier would want hard labels), and its `predict` is
  its score. Fit clones (`sklearn.base.clone`); return the fitted student.
- `X` (the labelled rows) and `X_unlabelled` are 2-D: both NumPy arrays or both DataFrames, with
  the same columns; `y` holds `X`'s labels, 0 or 1 (ints or bools). `X_unlabelled` may have no
  rows.
- The teacher is never scored on a row it was trained on: a big model nearly memorises its
  training rows, and scores of 0.99 on the frauds it has seen teach the student nothing about
  frauds it has not. So the labelled rows get OUT-OF-FOLD scores: split `X` with
  `StratifiedKFold(n_splits=cv)` (no shuffling), and score each fold's rows with a clone of the
  teacher fitted on the other folds. This is exactly
  `cross_val_predict(teacher, X, y, cv=cv, method="predict_proba")[:, 1]`.
- The unlabelled rows are scored by a clone of the teacher fitted on all of `X`, `y` (when
  `X_unlabelled` has rows: `predict_proba` refuses an empty input).
- The targets: for a labelled row, `alpha * y + (1 - alpha) * teacher_score` (alpha = 1: the
  labels alone; alpha = 0: the teacher alone); for an unlabelled row, the teacher's score alone
  (whatever alpha: it has no label).
- The student (a clone) is fitted ONCE on all the rows, labelled and unlabelled together (in any
  order), with their targets.
- `ValueError` when: `alpha` is not a number in [0, 1]; `cv` is not an integer >= 2 (a Python
  or NumPy integer, not a bool); `len(y)` differs from the number of rows of `X`; `y` holds
  anything but 0 and 1, or only one of them; `X_unlabelled` has another number of columns than
  `X` (or, for DataFrames, other column names).

Write `compare_students(teacher, student, X, y, times, cutoff, test_start, alpha=0.5, cv=5)
-> DataFrame`: the distilled student against the SAME student trained on the labels alone, on a
time split of one table:

- `times` gives each row's time (anything `<` compares: timestamps, numbers), one per row of `X`.
  The rows before `cutoff` are labelled (their labels had arrived when the model is trained);
  the rows from `cutoff` (included) to before `test_start` are UNLABELLED: their chargebacks
  had not arrived yet, so their `y` is ignored (it may be NaN); the rows from `test_start`
  (included) on are the test rows.
- "distilled" is `distill(teacher, student, <unlabelled rows>, <labelled rows>, <their y>,
  alpha, cv)`; "labels_only" is a clone of `student` fitted on the labelled rows and their `y`.
  Neither sees a test row when it is trained: the teacher neither.
- Both are evaluated on the test rows only (never on the rows they learnt from): ROC AUC and
  average precision (`sklearn.metrics.roc_auc_score`, `average_precision_score`) of their
  `predict` against the test rows' `y`.
- The result: a DataFrame with the index `["roc_auc", "average_precision"]` and the columns
  `["distilled", "labels_only", "difference"]`, where difference = distilled - labels_only
  (positive: distillation won).
- `ValueError` when: `times` or `y` has another length than `X`; `cutoff` is after
  `test_start`; there are no labelled rows; the test rows do not hold both classes.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold


def distill(teacher, student, X_unlabelled, X, y, alpha, cv=5):
    """Fit a clone of `student` on `alpha * y + (1 - alpha) * teacher score` for the labelled
    rows (out-of-fold teacher scores) and on the teacher's score for the unlabelled rows."""
    # TODO: validate; out-of-fold teacher scores on X; a full teacher on X_unlabelled; mix; fit
    raise NotImplementedError


def compare_students(teacher, student, X, y, times, cutoff, test_start, alpha=0.5, cv=5):
    """ROC AUC and average precision on the test rows of the distilled student and of the same
    student trained on labels alone, and their difference."""
    # TODO: split by time; distill and fit on labels; score the test rows only
    raise NotImplementedError
