"""Exercise 02 · Average precision, computed by hand with NumPy.

Docs: docs/lessons/04-evaluation.md#ex02-average-precision (the site: `mkdocs serve`, then Lesson 04)

One threshold gives one (precision, recall) point; sliding the threshold down from the highest
score traces the whole precision-recall curve. Average precision (AP) sums that curve up in one
number, and unlike ROC AUC it stays honest when fraud is rare: a model that buries the frauds under
thousands of false alarms has a high ROC AUC and a low AP. It is the number the fraud team tracks
from night to night. Write `average_precision(y_true, scores)` with NumPy, exactly as
scikit-learn's `average_precision_score` computes it.

The definition. Take every distinct score value `t`, from the highest down; flagging the scores
`>= t` gives a precision `P(t)` and a recall `R(t)` (as in ex01). Then

    AP = sum over the distinct t, from the highest down, of (R(t) - R(t_before)) * P(t)

where `t_before` is the distinct value just above `t` (and `R = 0` before the highest one). Each
recall step is weighted by the precision reached at that step: the curve as a staircase, with no
interpolation and no trapezoids. A value `t` at which recall does not move adds nothing.

Contract:
- `y_true`: 1 for fraud, 0 for legitimate, as integers or booleans; `scores`: real numbers, higher
  meaning more suspicious (integers are fine). Lists or 1-D NumPy arrays of the same non-zero
  length. `y_true` needs at least one fraud, and may hold nothing else (AP is then 1.0).
- Ties: all the transactions with the same score are flagged together, so they form ONE step of
  the curve, whatever their order in the input. Shuffling the rows never changes the result.
- Returns a Python `float` (not a NumPy float), between 0 and 1; 1.0 when every fraud scores above
  every legitimate transaction. It equals `sklearn.metrics.average_precision_score(y_true,
  scores)` to within 1e-12.
- NumPy only: do not call scikit-learn (a check watches for calls into it while your function
  runs). No Python loop over the rows or the thresholds either: sort once, then cumulative sums;
  a check counts the Python lines your function runs for 200 and for 5,000 transactions.
- `y_true` and `scores` are not modified.
- `ValueError` (with a message saying what is wrong) when: there is no fraud in `y_true` (recall
  is undefined, so AP is too); an input is not 1-D; the lengths differ; the inputs are empty; a
  label is anything but 0 and 1; a score is NaN or infinite.
"""

import numpy as np


def average_precision(y_true, scores) -> float:
    # TODO: validate the inputs as in ex01, and require at least one fraud
    raise NotImplementedError
    # TODO: sort by score, highest first; cumulative tp and fp at the last row of each run of equal scores; sum the recall steps times precision
    raise NotImplementedError
