"""Exercise 03 · Forecast features without leaks.

Docs: docs/lessons/12-applications.md#ex03-forecast-features

A model that forecasts tomorrow's volume from yesterday's and last week's learns from lags and
rolling windows. Each feature of a day must be known the evening before: a window that includes
the day itself, a lag taken across two categories, or a smoothing that looks ahead all give the
model a piece of the answer, and the backtest then flatters a model that production will not.

Write `lag_features(daily, lags, windows) -> pd.DataFrame`:

- `daily` is a long `DataFrame` with the columns `date` (a datetime64 column of days, naive or
  time-zone aware), `merchant_category` (any hashable labels, a `category` dtype included) and
  `volume` (numbers, no missing value), like `coursedata.daily_volumes()`; other columns are
  ignored. Its rows may come in any order. Within each category, the dates run over consecutive
  days, each once (categories may start and end on different days). Days are calendar days: in
  a time zone with daylight saving, the day of the change lasts 23 or 25 hours and is still one
  day.
- `lags` and `windows` are lists (or tuples) of integers >= 1, each without repeats; either may be
  empty.
- For a row of category `c` on day `d`:
  - `lag_{k}` is the volume of `c` on day `d - k`; NaN when `c` has no row that day.
  - `roll_mean_{w}` and `roll_std_{w}` are the mean and the sample standard deviation
    (`ddof=1`, pandas' default) of the volumes of `c` on the `w` days `d - w` to `d - 1`: the
    window ends the day BEFORE `d`, never including `d`. NaN unless `c` has all `w` of those days
    (so the first `w` days of each category are NaN; `roll_std_1` is always NaN).
  - Only `c`'s own history counts: another category's volumes never enter a feature, and nothing
    at or after day `d` does (changing a later volume never changes an earlier row's features).
- The result has one row per row of `daily`, in `daily`'s row order and with its index (so that
  it lines up with `daily`), and exactly these columns: `date`, `merchant_category`, `volume`
  (as given: same values, same dtypes), then `lag_{k}` for each `k` in the order of `lags`, then
  `roll_mean_{w}`, `roll_std_{w}` for each `w` in the order of `windows`; every feature column is
  float64. A row's features do not depend on the order of `daily`'s rows. `daily` is not
  modified.
- `ValueError` when a column is missing, `date` is not datetime64, a volume is missing, a
  category holds a date twice or skips a day, or `lags` / `windows` holds something other than
  integers >= 1 (a bool included) or a repeat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["date", "merchant_category", "volume"]


def lag_features(daily, lags, windows) -> pd.DataFrame:
    """Per-category lags and rolling means and standard deviations of `volume`, each ending the
    day before its row; one row per row of `daily`, in its order."""
    # TODO: validate; sort by category and date; shift and roll within each category
    raise NotImplementedError
