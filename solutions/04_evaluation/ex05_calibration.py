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
    # BEGIN SOLUTION: validate; assign each probability to its bin (1.0 to the last); count, average the probabilities and the labels per bin, NaN for an empty bin
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ValueError(f"n_bins must be an integer of at least 1, got {n_bins!r}")
    y = np.asarray(y_true)
    p = np.asarray(proba, dtype=np.float64)
    if y.ndim != 1 or p.ndim != 1 or len(y) != len(p) or len(y) == 0:
        raise ValueError(
            f"y_true and proba must be 1-D, non-empty and of the same length, got shapes "
            f"{y.shape} and {p.shape}"
        )
    if not np.isin(y, [0, 1]).all():
        raise ValueError("y_true must hold only 0 and 1 (or False and True)")
    if not ((p >= 0.0) & (p <= 1.0)).all():
        raise ValueError("proba must hold probabilities between 0 and 1 (no NaN)")
    y = y.astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges, p, side="right") - 1
    bins = np.minimum(bins, n_bins - 1)  # p = 1.0 belongs to the last bin
    count = np.bincount(bins, minlength=n_bins)
    sum_p = np.bincount(bins, weights=p, minlength=n_bins)
    sum_y = np.bincount(bins, weights=y, minlength=n_bins)
    filled = count > 0
    mean_predicted = np.full(n_bins, np.nan)
    fraction_positive = np.full(n_bins, np.nan)
    mean_predicted[filled] = sum_p[filled] / count[filled]
    fraction_positive[filled] = sum_y[filled] / count[filled]
    return pd.DataFrame(
        {
            "bin_lower": edges[:-1],
            "bin_upper": edges[1:],
            "count": count.astype(np.int64),
            "mean_predicted": mean_predicted,
            "fraction_positive": fraction_positive,
        }
    )
    # END SOLUTION


def expected_calibration_error(y_true, proba, n_bins=10) -> float:
    # BEGIN SOLUTION: from the table: |fraction_positive - mean_predicted| of the non-empty bins, weighted by count / number of rows
    table = reliability_table(y_true, proba, n_bins)
    filled = table[table["count"] > 0]
    gaps = (filled["fraction_positive"] - filled["mean_predicted"]).abs().to_numpy()
    weights = filled["count"].to_numpy() / table["count"].sum()
    return float(np.sum(weights * gaps))
    # END SOLUTION
