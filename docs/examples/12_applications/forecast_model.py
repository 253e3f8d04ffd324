"""Worked example: a gradient-boosting model on lag features against the seasonal naive forecast.

Every category's daily volume is forecast seven days ahead: the forecast for day d is made on the
evening of day d - 7, so each feature of d ends on day d - 7 or earlier (lags of 7 to 35 and 364
to 371 days; the mean and spread of the 7 and 28 days ending on d - 7). One model serves all 15
categories, refitted every 56 days on the days before its origin, over the last year. It is
compared with the seasonal naive forecast (the same weekday a week earlier: also made on d - 7),
day by day; then the same model is given one window that ends on d itself, a leak, to see what
a leak does to a backtest. Last, the eight weeks after the level shift on `digital_goods`.

Run: python docs/examples/12_applications/forecast_model.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

import coursedata

AHEAD = 7  # the forecast for day d is made at the end of day d - AHEAD
LAGS = (7, 14, 21, 28, 35, 364, 371)
WINDOWS = (7, 28)
REFIT = 56  # days between two fits: the model is refitted every eight weeks


def features_by_day(table: pd.DataFrame, leak: bool = False) -> pd.DataFrame:
    """Long frame, one row per (date, category): the features known AHEAD days before the date.

    `table` is wide (one column per category), so shifting it moves every category by the same
    number of days, and a category's features only ever read its own column."""
    known = table.shift(AHEAD)  # row d holds the volumes of day d - AHEAD
    parts = {f"lag_{lag}": table.shift(lag) for lag in LAGS}
    for w in WINDOWS:
        parts[f"mean_{w}"] = known.rolling(w).mean()
        parts[f"std_{w}"] = known.rolling(w).std()
    if leak:  # a window that ends on day d itself: it holds the answer
        parts["leaky_mean_7"] = table.rolling(7).mean()
    long = pd.concat({name: frame.stack() for name, frame in parts.items()}, axis=1)
    long["volume"] = table.stack()
    long = long.reset_index()
    long["weekday"] = long["date"].dt.day_of_week
    long["category"] = long["merchant_category"].cat.codes
    return long.dropna(ignore_index=True)


def fit_and_forecast(frame: pd.DataFrame, start: pd.Timestamp, days: int) -> np.ndarray:
    """Forecasts for the days in [start, start + days), from models refitted every REFIT days on
    the rows before their origin. Targets and lags are divided by the 28-day mean, so one model
    fits categories of every size."""
    volumes = [c for c in frame.columns if c.startswith(("lag_", "mean_", "std_", "leaky_"))]
    scale = frame["mean_28"].to_numpy() + 1.0
    X = np.column_stack(
        [frame[volumes].to_numpy() / scale[:, None], frame[["weekday", "category"]].to_numpy()]
    )
    y = frame["volume"].to_numpy() / scale
    forecast = np.full(len(frame), np.nan)
    for origin in pd.date_range(start, periods=-(-days // REFIT), freq=f"{REFIT}D"):
        train = (frame["date"] < origin).to_numpy()
        block = (frame["date"] >= origin) & (frame["date"] < origin + pd.Timedelta(days=REFIT))
        block &= frame["date"] < start + pd.Timedelta(days=days)
        model = HistGradientBoostingRegressor(max_iter=200, random_state=0)
        model.fit(X[train], y[train])
        forecast[block.to_numpy()] = model.predict(X[block.to_numpy()]) * scale[block.to_numpy()]
    return forecast


def last_year() -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """The wide table, the feature rows with the model's and the seasonal naive forecasts of
    the last 365 days, and the first of those days."""
    daily = coursedata.daily_volumes(seed=0)
    table = daily.pivot(index="date", columns="merchant_category", values="volume")
    start = table.index[-365]
    with threadpool_limits(limits=1):
        frame = features_by_day(table)
        frame["model"] = fit_and_forecast(frame, start, 365)
    frame["naive"] = frame["lag_7"]  # the same weekday, a week earlier
    return table, frame, start


def main() -> None:
    started = time.perf_counter()
    truth = coursedata.daily_volumes_truth(seed=0)
    table, frame, start = last_year()
    test = frame[frame["date"] >= start].copy()
    error = {m: (test[m] - test["volume"]).abs() for m in ("model", "naive")}
    print(f"{len(frame):,} (day, category) rows with every feature; backtest from {start.date()}")
    print(
        f"MAE per category-day, last 365 days: seasonal naive {error['naive'].mean():.1f}, "
        f"gradient boosting on lags {error['model'].mean():.1f} "
        f"({1 - error['model'].mean() / error['naive'].mean():.0%} lower)"
    )
    names = truth.holidays.drop_duplicates("date").set_index("date")["holiday"]
    by_day = pd.DataFrame(error).groupby(test["date"]).sum()
    print("the worst days (absolute error summed over the 15 categories):")
    for day, row in by_day.sort_values("model", ascending=False).head(4).iterrows():
        print(
            f"  {day.date()} {names.get(day, 'no holiday'):<17} model {row['model']:>6,.0f}"
            f" | naive {row['naive']:>6,.0f}"
        )
    print(
        f"  the median day                 model {by_day['model'].median():>6,.0f}"
        f" | naive {by_day['naive'].median():>6,.0f}"
    )
    after = by_day.loc[by_day.index.isin(names.index + pd.Timedelta(days=7))]
    print(
        f"a week after each holiday: model {after['model'].mean():,.0f}, "
        f"naive {after['naive'].mean():,.0f} (the naive forecast repeats the holiday)"
    )

    with threadpool_limits(limits=1):
        leaky = features_by_day(table, leak=True)
        leaky["model"] = fit_and_forecast(leaky, start, 2 * REFIT)
    leaky = leaky.dropna(subset="model")
    honest = error["model"][test["date"].isin(leaky["date"])].mean()
    print(
        f"the first {2 * REFIT} days, MAE: honest features {honest:.1f}"
        f"; with one window that ends on the day itself "
        f"{(leaky['model'] - leaky['volume']).abs().mean():.1f} (impossible in production)"
    )

    shift = truth.level_shift
    with threadpool_limits(limits=1):
        frame["shifted"] = fit_and_forecast(frame, shift.start, 56)
    weeks = frame[(frame["merchant_category"] == shift.category) & frame["shifted"].notna()]
    week = (weeks["date"] - shift.start).dt.days // 7 + 1
    bias = (weeks[["shifted", "naive"]].sub(weeks["volume"], axis=0)).groupby(week).mean()
    print(
        f"{shift.category} from its level shift ({shift.start.date()}, x{shift.factor}): "
        "mean error (forecast - actual) by week"
    )
    for n, row in bias.iterrows():
        print(f"  week {n}: model {row['shifted']:+7.1f} | naive {row['naive']:+7.1f}")
    print(f"({time.perf_counter() - started:.1f} s this run)")


if __name__ == "__main__":
    main()
