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
    # BEGIN SOLUTION: quantile edges from the reference; left-closed bins; proportions; the sum
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be an integer >= 1, got {bins!r}")
    ref = _numbers(reference, "reference")
    cur = _numbers(current, "current")
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    return _psi_of_counts(_bin_counts(ref, edges), _bin_counts(cur, edges))


def _bin_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """How many values fall in each bin [e_k, e_k+1) of (-inf, *edges, +inf)."""
    if _is_sorted(values):  # drift_report passes sorted arrays: count by the edges' positions
        return np.diff(np.r_[0, np.searchsorted(values, edges, side="left"), values.size])
    return np.bincount(np.searchsorted(edges, values, side="right"), minlength=edges.size + 1)


def _is_sorted(values: np.ndarray) -> bool:
    return bool((values[1:] >= values[:-1]).all())


def _numbers(values, what: str) -> np.ndarray:
    """`values` as a 1-D float array without its NaNs; ValueError when that is not possible."""
    if isinstance(values, (pd.Series, pd.Index)):
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {array.shape}")
    missing = np.isnan(array)
    if missing.any():
        array = array[~missing]
    if array.size == 0:
        raise ValueError(f"{what} has no values (empty, or only NaN)")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} holds an infinite value")
    return array


def _psi_of_counts(p_counts: np.ndarray, q_counts: np.ndarray) -> float:
    """PSI from the two inputs' counts per bin (bins aligned)."""
    p = np.maximum(p_counts / p_counts.sum(), EPS)
    q = np.maximum(q_counts / q_counts.sum(), EPS)
    return float(np.sum((q - p) * np.log(q / p)))
    # END SOLUTION


def ks_statistic(reference, current) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: max |F_reference(x) - F_current(x)|."""
    # BEGIN SOLUTION: sort both; merge; each one's CDF at every value of either; the largest gap
    ref = _numbers(reference, "reference")
    cur = _numbers(current, "current")
    ref, cur = (x if _is_sorted(x) else np.sort(x) for x in (ref, cur))
    # Merge the two sorted runs (a stable sort of their concatenation merges them in linear
    # time) and follow each input's CDF along the merged values.
    merged = np.concatenate([ref, cur])
    order = np.argsort(merged, kind="stable")
    n_ref = np.cumsum(order < ref.size)  # reference values among the first k merged values
    # Ties: F(x) counts every copy of x, so compare the CDFs after the last copy of each value.
    values = merged[order]
    last = np.flatnonzero(np.r_[values[1:] != values[:-1], True])
    n_ref = n_ref[last]
    n_cur = last + 1 - n_ref
    return float(np.max(np.abs(n_ref / ref.size - n_cur / cur.size)))
    # END SOLUTION


def categorical_psi(reference, current) -> float:
    """The PSI of a categorical feature, categories matched by name (new and gone ones count)."""
    # BEGIN SOLUTION: count each input's categories by value; align by name; EPS; the sum
    counts = pd.concat(
        [_counts(reference, "reference"), _counts(current, "current")], axis=1
    ).fillna(0)
    return _psi_of_counts(counts.iloc[:, 0].to_numpy(), counts.iloc[:, 1].to_numpy())


def _counts(values, what: str) -> pd.Series:
    """The count of each category of `values` (missing values left out), indexed by name."""
    if np.ndim(values) != 1:
        raise ValueError(f"{what} must be 1-D, got shape {np.shape(values)}")
    series = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
    counts = series.value_counts(dropna=True, sort=False)
    if counts.sum() == 0:
        raise ValueError(f"{what} has no values (empty, or only missing values)")
    if isinstance(counts.index, pd.CategoricalIndex):
        counts.index = counts.index.astype(object)  # align by name, not by code
    return counts
    # END SOLUTION


def drift_report(reference_df, current_df, *, bins=10) -> pd.DataFrame:
    """One row per shared column: feature, kind, psi, ks (NaN for categorical), severity;
    sorted by psi descending, ties by feature name."""
    # BEGIN SOLUTION: per shared column: kind, psi and ks, severity; sort by (-psi, feature)
    shared = [c for c in reference_df.columns if c in current_df.columns]
    if not shared:
        raise ValueError("reference_df and current_df share no column")
    rows = []
    for name in shared:
        ref, cur = reference_df[name], current_df[name]
        numeric = [_is_numeric(ref), _is_numeric(cur)]
        if numeric[0] != numeric[1]:
            raise ValueError(
                f"column {name!r} is numeric in one frame and not in the other "
                f"({ref.dtype} against {cur.dtype})"
            )
        if numeric[0]:
            # Sorted once here: psi and ks_statistic do not care about the order, and skip
            # their own sorting work on sorted input.
            ref_sorted = np.sort(_numbers(ref, f"reference column {name!r}"))
            cur_sorted = np.sort(_numbers(cur, f"current column {name!r}"))
            value = psi(ref_sorted, cur_sorted, bins=bins)
            ks = ks_statistic(ref_sorted, cur_sorted)
            kind = "numeric"
        else:
            value, ks, kind = categorical_psi(ref, cur), np.nan, "categorical"
        rows.append((name, kind, float(value), float(ks), severity_of(value)))
    report = pd.DataFrame(rows, columns=COLUMNS)
    report = report.sort_values(["psi", "feature"], ascending=[False, True], kind="stable")
    return report.reset_index(drop=True)


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def severity_of(value: float) -> str:
    """'none' below 0.1, 'moderate' from 0.1, 'major' from 0.2."""
    if value >= MAJOR:
        return "major"
    if value >= MODERATE:
        return "moderate"
    return "none"
    # END SOLUTION
