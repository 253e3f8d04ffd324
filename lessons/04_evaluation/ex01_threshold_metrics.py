"""Exercise 01 · The confusion matrix and its rates, at one threshold.

Docs: docs/lessons/04-evaluation.md#ex01-threshold-metrics (the site: `mkdocs serve`, then Lesson 04)

The fraud model of lesson 03 gives every transaction a score; the bank reviews (flags) every
transaction whose score reaches a threshold. Whether that is a good threshold is a question about
four counts: the frauds caught (true positives), the good customers bothered (false positives),
the frauds missed (false negatives) and the good customers left alone (true negatives). With one
fraud in a hundred, accuracy says nothing (flagging nothing is 99% accurate); these counts and the
rates built on them do. Write `threshold_metrics(y_true, scores, threshold)`.

Contract:
- `y_true`: the labels, 1 for fraud and 0 for a legitimate transaction, as integers or as booleans
  (True is fraud); `scores`: one real number per transaction, higher meaning more suspicious
  (integers are fine). Both are lists or 1-D NumPy arrays, of the same non-zero length.
- A transaction is flagged (predicted positive) when `score >= threshold`: a score exactly at the
  threshold is flagged. `threshold` is any real number; `inf` flags nothing and `-inf` everything.
- Returns a dict with exactly these eight keys:
  - `tp`, `fp`, `fn`, `tn`: the four counts, as Python `int` (not NumPy integers, which
    `json.dumps` cannot write); they add up to the number of transactions.
  - `precision = tp / (tp + fp)`, `recall = tp / (tp + fn)`, `fpr = fp / (fp + tn)` (the false
    positive rate), and `f1 = 2 * precision * recall / (precision + recall)`: Python `float`s.
  - A rate whose denominator is zero is `0.0`: precision when nothing is flagged, recall when there
    is no fraud, fpr when there is no legitimate transaction, and f1 when precision and recall are
    both 0. Never NaN, never an exception, and no warning either (do not divide by zero at all).
- `y_true` and `scores` are not modified.
- `ValueError` (with a message saying what is wrong) when: an input is not 1-D; the lengths
  differ; the inputs are empty; a label is anything but 0 and 1 (2, -1, 0.5, NaN); a score is NaN
  or infinite; the threshold is NaN.
"""

import numpy as np


def threshold_metrics(y_true, scores, threshold) -> dict:
    # TODO: validate the inputs (1-D, same non-zero length, labels 0/1, finite scores, threshold not NaN)
    raise NotImplementedError
    # TODO: count tp, fp, fn, tn (flag score >= threshold); the four rates, 0.0 for a zero denominator
    raise NotImplementedError
