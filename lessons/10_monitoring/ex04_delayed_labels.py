"""Exercise 04 · Performance when labels arrive late.

Docs: docs/lessons/10-monitoring.md#ex04-delayed-labels (the site: `mkdocs serve`, then Lesson 10)

The service scores every payment at once, but whether a payment was fraud is known only when
its chargeback arrives: 2 days later at the soonest, 18.5 days at the median, and a fifth of
them after 30 days (the course's data world). Last week's precision computed today is wrong
either way: count every fraud still to be charged back as a legitimate payment and the flags
that caught it look like false alarms (precision far too low); drop the unlabelled payments and
what is left looks perfect. So measure each window of predictions only once it is old enough (mature), and count only the
payments whose label is known; report how many are still unknown rather than calling them
legitimate.

Write `mature_performance(predictions, labels, as_of, maturity="30D", window="7D",
threshold=0.5) -> DataFrame`.

Inputs:
- `predictions`: a DataFrame with one row per scored payment and (at least) the columns
  `transaction_id` (unique), `timestamp` (when it was scored: a datetime64 column; the data
  world's are UTC) and `score` (a number, higher is more suspicious). Rows in any order.
- `labels`: a DataFrame with one row per payment whose label is (or will be) known, and the
  columns `transaction_id` (unique), `is_fraud` (True/False, or 1/0) and `labelled_at` (when the
  label became known, same kind of datetime column: a fraud's `chargeback_at`; for a legitimate
  payment, when it was confirmed, e.g. its statement closed without a dispute). Rows in any
  order; ids that are not in `predictions` are ignored.
- `as_of`: the time the report is made (a timestamp or a string; a naive one is read in the
  time zone of `predictions["timestamp"]`). `maturity` and `window`: timedeltas or strings such
  as "30D" (converted for you). `threshold`: a real number.

Rules:
- A prediction is mature when `timestamp <= as_of - maturity`; the others are left out
  entirely (not counted anywhere).
- A prediction's label is known at `as_of` when `labels` has a row with its `transaction_id`
  (matched by id, never by position) whose `labelled_at <= as_of`. A label with `labelled_at`
  after `as_of` or missing (NaT), or no row at all, means unlabelled: such a prediction is
  counted in `n_unlabelled` and NEVER as a negative (nor as a positive).
- A prediction is flagged when `score >= threshold` (a score exactly at the threshold is flagged).
- Windows are left-closed, `[window_start, window_start + window)`, and follow each other from
  an origin: midnight (00:00 in the column's time zone) of the day of the earliest prediction in
  `predictions`. A prediction exactly on an edge belongs to the window that starts there.
- One row per window that holds at least one mature prediction (windows with none are left
  out), sorted by `window_start`, with a fresh index 0, 1, 2, ... and exactly these columns:
  `window_start`, `window_end` (= `window_start + window`, even when the last window is only
  partly mature: only its mature predictions count), `n_mature` (mature predictions in the
  window), `n_labelled`, `n_unlabelled` (they add up to `n_mature`), `tp`, `fp`, `fn` (over the
  labelled predictions only; integers), `precision = tp / (tp + fp)` and
  `recall = tp / (tp + fn)` (floats).
- A precision with no flagged labelled prediction (`tp + fp == 0`), or a recall with no
  labelled fraud (`tp + fn == 0`), is NaN: "no information this week", not 0.0 (a 0 on a
  monitoring chart reads as a collapse of the model and fires an alert).
- No mature prediction at all (a service younger than `maturity`): a frame with those columns
  and no rows.
- Neither input frame is modified.
- `ValueError` (saying what is wrong) when: a frame lacks one of its columns; a
  `transaction_id` appears twice in `predictions` or twice in `labels`; a prediction's
  `timestamp` is missing (NaT) or its `score` is NaN (any prediction, mature or not); an
  `is_fraud` value is anything but True/False/1/0 (NaN included), in any row of `labels` (known
  at `as_of` or not, its id in `predictions` or not); `maturity` is negative (zero is allowed);
  `window` is not positive; `threshold` is NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PREDICTION_COLUMNS = ["transaction_id", "timestamp", "score"]
LABEL_COLUMNS = ["transaction_id", "is_fraud", "labelled_at"]
COLUMNS = [
    "window_start",
    "window_end",
    "n_mature",
    "n_labelled",
    "n_unlabelled",
    "tp",
    "fp",
    "fn",
    "precision",
    "recall",
]


def mature_performance(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    as_of: str | pd.Timestamp,
    maturity: str | pd.Timedelta = "30D",
    window: str | pd.Timedelta = "7D",
    threshold: float = 0.5,
) -> pd.DataFrame:
    as_of = pd.Timestamp(as_of)
    maturity = pd.Timedelta(maturity)
    window = pd.Timedelta(window)
    # TODO: validate the frames and the parameters; read a naive as_of in the column's time zone
    raise NotImplementedError
    # TODO: keep the mature predictions; join the labels known at as_of by transaction_id; count per window
    raise NotImplementedError
