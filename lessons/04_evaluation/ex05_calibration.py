"""Exercise 05 · Reliability table and expected calibration error.

Docs: docs/lessons/04-evaluation.md#ex05-calibration (the site: `mkdocs serve`, then Lesson 04)

A fraud score is used as a probability as soon as someone multiplies it by an amount: "a 3% chance
of fraud on a 2,000 EUR payment costs 60 EUR on average". That is only true if the model is
*calibrated*: among the payments it gives about 3%, about 3% are frauds. A reliability table checks
this bin by bin, and the expected calibration error (ECE) sums it up in one number.
Write `reliability_table(y_true, proba, n_bins=10)` and `expected_calibration_error(y_true, proba,
n_bins=10)`.

The bins are `n_bins` equal-width intervals of [0, 1], with edges
`np.linspace(0, 1, n_bins + 1)`: bin `i` holds the probabilities `p` with
`edges[i] <= p < edges[i + 1]`, so a probability exactly on an inner edge belongs to the bin
above it; the last bin also holds `p = 1.0` (it is `[edges[-2], 1]`).

`reliability_table` returns a `pandas.DataFrame` with one row per bin, in order (index `0` to
`n_bins - 1`), and exactly these columns, in this order:
- `bin_lower`, `bin_upper`: the bin's edges (floats; `0.0` and `1.0` at the ends);
- `count`: the number of rows in the bin (an integer column);
- `mean_predicted`: the mean of `proba` over the bin's rows;
- `fraction_positive`: the share of frauds (label 1) among the bin's rows.
An empty bin keeps its row, with `count` 0 and `NaN` in both means: a gap in the diagram is
information (the model never says "50%"), and a 0 would claim a value no row supports.

`expected_calibration_error` returns a `float`: the mean of `|fraction_positive -
mean_predicted|` over the non-empty bins, each bin weighted by its share of the rows
(`count / number of rows`). A bin with 500 rows matters 500 times as much as a bin with one; an
empty bin adds nothing (it is skipped, never a NaN in the sum). A perfectly calibrated set (in
each bin, the fraud rate equals the mean probability) has an ECE of 0. You may build it from the
table.

For both functions:
- `y_true` holds labels 0 or 1 (numbers or booleans), `proba` the predicted probabilities of
  fraud; both 1-D array-likes (lists, NumPy arrays, pandas Series, whose index is ignored) of the
  same, non-zero length.
- `ValueError` for: a probability below 0, above 1 or NaN; a label other than 0 or 1; inputs of
  different lengths, not 1-D, or empty; `n_bins` that is not an integer (a Python `int` or a NumPy
  integer; a `bool` is not) of at least 1.
- `y_true` and `proba` are not modified.
"""

import numpy as np
import pandas as pd


def reliability_table(y_true, proba, n_bins=10) -> pd.DataFrame:
    # TODO: validate; assign each probability to its bin (1.0 to the last); count, average the probabilities and the labels per bin, NaN for an empty bin
    raise NotImplementedError


def expected_calibration_error(y_true, proba, n_bins=10) -> float:
    # TODO: from the table: |fraction_positive - mean_predicted| of the non-empty bins, weighted by count / number of rows
    raise NotImplementedError
