"""Exercise 02 · Backtesting a forecast.

Docs: docs/lessons/12-applications.md#ex02-backtest

A forecast is judged the way it will be used: trained on the past, asked about the next days,
again and again as time moves on. One split of the days at random lets the model see the future
of the days it forecasts; one split by time judges a single stretch of the calendar. A rolling-
origin backtest makes several honest forecasts and scores each one.

Write `rolling_origin_backtest(series, model_fn, horizon, n_origins, step) -> pd.DataFrame`:

- `series` is a `pandas.Series` of numbers (no missing value) with a `DatetimeIndex` of one value
  per calendar day (naive or time-zone aware), in any order: it is sorted by date first. Every day
  between the first and the last is there once: a duplicate or a missing day raises `ValueError`.
  Days are calendar days: in a time zone with daylight saving, the day of the change lasts 23 or
  25 hours and is still one day.
- The origins are days of the sorted series. The last origin leaves exactly `horizon` days from
  itself to the end of the series; each earlier origin is `step` days before the next:
  `n_origins` origins in all. An origin's forecast covers the `horizon` days starting at the
  origin itself (the origin is the first forecast day).
- For each origin, in chronological order, call `model_fn(train, horizon)` once, where `train` is
  a new `pandas.Series` (with its dates as index) of every day of the sorted series strictly
  before the origin, from the first day on (an expanding window), and nothing else. It returns
  the `horizon` forecasts (a list, an array or a Series, read in order as floats): not exactly
  `horizon` finite numbers raises `ValueError`. `series` itself is never modified.
- The result has one row per origin and forecast day, origins in chronological order and
  steps in order within each origin, a fresh `RangeIndex`, and exactly these columns in this
  order: `origin` (the origin's date), `date` (the forecast day's date; both datetime64 in the
  series' own time zone, if any), `step` (int, 1 for the
  origin itself up to `horizon`), `actual` (the series' value that day, float), `forecast`
  (float), then that origin's metrics, repeated on each of its rows:
  - `mae`: the mean of |actual - forecast| over the origin's `horizon` days;
  - `mape`: the mean of |actual - forecast| / |actual| over the origin's days whose actual is
    not 0 (a fraction: 0.1 means 10 %); days with an actual of 0 are left out, and when every
    actual of the origin is 0 its `mape` is NaN;
  - `mase`: `mae` divided by the in-sample MAE of the seasonal-naive forecast with a season of
    7 days on that origin's own training window: the mean of |y[t] - y[t - 7]| over the days of
    `train` that have a day 7 days before them in `train`. When that scale is 0 (a perfectly
    weekly history), `mase` is NaN.
- `ValueError` when `series` is not a `Series` with a `DatetimeIndex`, holds a missing value, a
  duplicate or a missing day; when `horizon`, `n_origins` or `step` is not an integer >= 1 (a
  Python or NumPy integer, not a bool); when the earliest origin would leave fewer than 8 training
  days (the seasonal-naive scale needs one day with a day 7 days before it).

The overall score of a model is the mean of the per-origin metrics:
`result.groupby("origin")[["mae", "mape", "mase"]].first().mean()`. A MASE below 1 beats the
seasonal-naive forecast's in-sample error; the seasonal naive itself is
`lambda train, h: [train.iloc[-7 + (k % 7)] for k in range(h)]`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEASON = 7


def rolling_origin_backtest(series, model_fn, horizon, n_origins, step) -> pd.DataFrame:
    """Forecasts of `model_fn` from `n_origins` origins `step` days apart, the last one leaving
    `horizon` days; one row per origin and forecast day, with each origin's MAE, MAPE and MASE."""
    # BEGIN SOLUTION: validate; sort; for each origin fit on the days before it and score
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
        raise ValueError("series must be a pandas Series with a DatetimeIndex (one value a day)")
    for name, value in (("horizon", horizon), ("n_origins", n_origins), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    horizon, n_origins, step = int(horizon), int(n_origins), int(step)
    try:
        values = series.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"series must hold numbers: {exc}") from exc
    if np.isnan(values).any():
        raise ValueError(f"series holds {int(np.isnan(values).sum())} missing value(s)")
    s = pd.Series(values, index=series.index).sort_index(kind="stable")
    if s.index.has_duplicates:
        raise ValueError("series has duplicate dates")
    # calendar days: compare wall-clock dates, so a 23- or 25-hour day at a daylight-saving
    # change is still one day
    days = s.index.tz_localize(None) if s.index.tz is not None else s.index
    gaps = days[1:] - days[:-1]
    if len(gaps) and (gaps != pd.Timedelta(days=1)).any():
        raise ValueError("series must have one value per calendar day, with no missing day")

    n = len(s)
    last = n - horizon
    first = last - (n_origins - 1) * step
    if first < SEASON + 1:
        raise ValueError(
            f"the earliest origin leaves {max(first, 0)} training day(s); at least {SEASON + 1} "
            f"are needed (series of {n} days, horizon={horizon}, n_origins={n_origins}, "
            f"step={step})"
        )

    frames = []
    for origin in range(first, last + 1, step):
        train = s.iloc[:origin].copy()
        forecast = np.asarray(model_fn(train, horizon), dtype=np.float64).reshape(-1)
        if forecast.shape != (horizon,) or not np.isfinite(forecast).all():
            raise ValueError(
                f"model_fn must return {horizon} finite numbers, got {forecast.size} "
                f"(origin {s.index[origin].date()})"
            )
        actual = s.iloc[origin : origin + horizon].to_numpy()
        err = np.abs(actual - forecast)
        nonzero = actual != 0
        mape = float(np.mean(err[nonzero] / np.abs(actual[nonzero]))) if nonzero.any() else np.nan
        history = s.iloc[:origin].to_numpy()
        scale = float(np.mean(np.abs(history[SEASON:] - history[:-SEASON])))
        mae = float(err.mean())
        frames.append(
            pd.DataFrame(
                {
                    "origin": s.index[origin],
                    "date": s.index[origin : origin + horizon],
                    "step": np.arange(1, horizon + 1, dtype=np.int64),
                    "actual": actual,
                    "forecast": forecast,
                    "mae": mae,
                    "mape": mape,
                    "mase": mae / scale if scale > 0 else np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
    # END SOLUTION
