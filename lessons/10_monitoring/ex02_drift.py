"""Exercise 02 · Drift, measured.

Docs: docs/lessons/10-monitoring.md#ex02-drift (the site: `mkdocs serve`, then Lesson 10)

A model is trained on last quarter's payments and scores this week's. When this week's inputs no
longer look like the training data, its scores stop meaning what they meant, long before the
chargebacks arrive to prove it. A scheduled drift job compares a *reference* window (the training
data) with a *current* window, feature by feature, and exports the result (lesson 10's
`fraud_feature_psi` gauge). Write its four functions, vectorised with NumPy and pandas: no Python
loop over rows (a loop over the bins, the categories or the columns is fine). A drift job reads
millions of rows: a check times `drift_report` against the reference's on 200,000 rows, in the
same process, and allows twenty times as long.

`psi(reference, current, bins=10) -> float`, the Population Stability Index of a numeric feature:
- `reference` and `current` are 1-D sequences of numbers (a list, a NumPy array or a pandas
  Series). NaN values are missing: they are left out of each input before anything else (the
  proportions below are over the values that are not NaN).
- Bin edges come from the REFERENCE only: the interior edges are
  `np.quantile(reference, [1/bins, 2/bins, ..., (bins-1)/bins])` (NumPy's default, linear
  interpolation), duplicates removed (`np.unique`: tied quantiles merge their bins, so a feature
  with few distinct values has fewer bins), and the outer edges are -inf and +inf, so that every
  value of `current`, even far outside the reference's range, falls into a bin.
- Bins are closed on the left, open on the right: a value equal to an edge belongs to the bin that
  starts at that edge (`np.searchsorted(interior_edges, x, side="right")`, or `np.histogram`
  with the outer edges, which agree).
- The proportion of a bin in an input is its count over that input's number of (non-NaN) values,
  raised to `EPS = 1e-4` when it is smaller (`np.maximum(p, EPS)`; not renormalised), so that an
  empty bin never gives an infinite or NaN result.
- `PSI = sum((q - p) * ln(q / p))` over the bins, `p` the reference's proportions and `q` the
  current's. It is >= 0, and 0 when both inputs have the same proportions. Returns a Python or
  NumPy float.
- `ValueError` when `bins` is not an integer >= 1 (a bool is not), when an input is not 1-D, is
  empty or holds only NaN, or holds an infinite value.

`ks_statistic(reference, current) -> float`: the two-sample Kolmogorov-Smirnov statistic, the
largest gap between the two empirical distribution functions, `max over x of |F_ref(x) -
F_cur(x)|` where `F(x)` is the share of an input's values `<= x`; it equals
`scipy.stats.ks_2samp(reference, current).statistic` (ties included). It is computed from the raw
values, never from binned ones. Inputs, NaN and `ValueError` as for `psi` (no `bins`).

`categorical_psi(reference, current) -> float`: the PSI of a categorical feature.
- Inputs are 1-D sequences of category values (strings, bools, or a pandas categorical Series).
  Missing values (None, NaN) are left out, as in `psi`.
- Categories are matched by NAME (by value), never by position or by code: each category seen in
  either input is one bin. A category seen only in `current` (new), or only in `reference` (gone),
  counts with proportion `EPS` on the side where it is missing. A category a pandas categorical
  declares but neither input holds changes nothing (both proportions are `EPS`).
- Proportions, `EPS` and the formula as in `psi`.
- `ValueError` when an input is not 1-D, is empty or holds only missing values.

`drift_report(reference_df, current_df, *, bins=10) -> pd.DataFrame`:
- One row per column that both frames have (a column in only one of them is left out), with the
  columns `feature` (the column's name), `kind`, `psi`, `ks`, `severity`, in that order, and a
  fresh index 0, 1, 2, ...
- `kind` is "numeric" when the column's dtype is numeric (integers and floats, but not bool:
  `pd.api.types.is_numeric_dtype` and not `is_bool_dtype`), else "categorical" (strings, pandas
  categoricals, bools). A column that is numeric in one frame and not in the other raises
  `ValueError` naming it.
- A numeric column's `psi` is `psi(ref, cur, bins=bins)` and its `ks` is `ks_statistic(ref, cur)`;
  a categorical column's `psi` is `categorical_psi(ref, cur)` and its `ks` is NaN. Compute them by
  calling this module's `psi`, `ks_statistic` and `categorical_psi` (looked up when
  `drift_report` runs: a test replaces them to probe the rules below).
- `severity`: "none" when psi < 0.1, "moderate" when 0.1 <= psi < 0.2, "major" when psi >= 0.2
  (exactly 0.1 is moderate, exactly 0.2 is major).
- Rows sorted by `psi`, largest first; equal `psi` values by `feature` name, in ascending order.
- `ValueError` when the frames share no column, or from the functions above (an empty column).

The data world (`coursedata`, docs/reference/data-world.md) plants drifts that this report must
flag, and only those. The checks build, from `coursedata.sample("medium").transactions`, the
frame `amount`, `hour` (the hour of `timestamp`, an int), `channel`, `merchant_category` and
`abroad` (`merchant_country != card_country`, a bool), and compare windows of it (start
included, end excluded). April (2025-04-01 to 2025-05-01) against 2025-05-01 to 2025-05-31 (the
step drift of May 1: every amount x1.6, the channel mix from pos to app) flags `channel` (psi
about 0.2) and `amount` (psi about 0.18, with a KS far above the hour's) and nothing else;
January (2025-01-01 to 2025-02-01) against April (payments abroad tripled, 6 % to 18 %) flags
`abroad` (psi about 0.15) and nothing else; and the two halves of April (split at 2025-04-16)
flag nothing. Every unplanted feature's psi stays under 0.01.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EPS = 1e-4  # the smallest proportion a bin may have: an empty bin counts as EPS
MODERATE = 0.1  # psi >= MODERATE: "moderate"
MAJOR = 0.2  # psi >= MAJOR: "major"
COLUMNS = ["feature", "kind", "psi", "ks", "severity"]


def psi(reference, current, bins=10) -> float:
    """The Population Stability Index of `current` against `reference`, on `bins` quantile bins
    of the reference (outer edges -inf and +inf; empty bins count as EPS)."""
    # TODO: quantile edges from the reference; left-closed bins; proportions; the sum
    raise NotImplementedError


def ks_statistic(reference, current) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: max |F_reference(x) - F_current(x)|."""
    # TODO: sort both; merge; each one's CDF at every value of either; the largest gap
    raise NotImplementedError


def categorical_psi(reference, current) -> float:
    """The PSI of a categorical feature, categories matched by name (new and gone ones count)."""
    # TODO: count each input's categories by value; align by name; EPS; the sum
    raise NotImplementedError


def drift_report(reference_df, current_df, *, bins=10) -> pd.DataFrame:
    """One row per shared column: feature, kind, psi, ks (NaN for categorical), severity;
    sorted by psi descending, ties by feature name."""
    # TODO: per shared column: kind, psi and ks, severity; sort by (-psi, feature)
    raise NotImplementedError
