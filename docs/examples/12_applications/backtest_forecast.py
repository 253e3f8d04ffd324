"""Worked example: judging a forecast with a rolling-origin backtest, and why not a random split.

Part 1 fits one model on calendar features (day number, weekday, day of year) to a category's
daily volumes twice: on a random 80 % of the days, scored on the other 20 %, and from successive
origins, each fit on the days before its origin and scored on the 28 days after it. Part 2
backtests two simple forecasts the same way on three categories and reports MAE, MAPE and MASE;
`crypto`, which has days without a payment, shows what MAPE does with a zero.

Run: python docs/examples/12_applications/backtest_forecast.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

import coursedata

HORIZON = 28  # forecast four weeks from each origin
ORIGINS = 13  # one origin every 28 days over the last year


def wide(daily: pd.DataFrame) -> pd.DataFrame:
    """One column per category, one row per day."""
    return daily.pivot(index="date", columns="merchant_category", values="volume").astype(float)


def calendar(index: pd.DatetimeIndex) -> np.ndarray:
    days = (index - index[0]).days
    return np.column_stack([days, index.day_of_week, index.day_of_year])


def calendar_model(seed: int = 0) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(max_iter=100, random_state=seed)


def seasonal_naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """Each day gets the volume of the same weekday in the last week of the history."""
    last_week = history[-7:]
    return np.resize(last_week, horizon)


def four_weekdays(history: np.ndarray, horizon: int) -> np.ndarray:
    """Each day gets the mean of the last four volumes of its weekday."""
    weeks = history[-28:].reshape(4, 7).mean(axis=0)
    return np.resize(weeks, horizon)


def scores(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray) -> dict[str, float]:
    """MAE; MAPE over the days whose actual is not zero; MASE against the in-sample error of
    the weekly seasonal naive forecast on the history."""
    error = np.abs(actual - forecast)
    naive_error = np.abs(history[7:] - history[:-7]).mean()
    nonzero = actual != 0
    return {
        "mae": error.mean(),
        "mape": (error[nonzero] / actual[nonzero]).mean() if nonzero.any() else np.nan,
        "mase": error.mean() / naive_error,
        "zeros": int((~nonzero).sum()),
    }


def backtest(
    values: np.ndarray, forecaster: Callable[[np.ndarray, int], np.ndarray]
) -> pd.DataFrame:
    """One row per origin: the forecaster sees only the days before its origin."""
    last = len(values) - HORIZON
    rows = []
    for origin in range(last - (ORIGINS - 1) * HORIZON, last + 1, HORIZON):
        history = values[:origin]
        forecast = forecaster(history, HORIZON)
        rows.append(scores(values[origin : origin + HORIZON], forecast, history))
    return pd.DataFrame(rows)


def random_vs_time(series: pd.Series, start: pd.Timestamp, weeks: int = 8) -> tuple[float, float]:
    """The calendar model's MAE over the `weeks` weeks from `start`: on a random 20 % of those
    days, fitted on every other day of the three years (before and after; five random splits,
    averaged), and from origins every 28 days, each fitted on the days before it."""
    features, target = calendar(series.index), series.to_numpy()
    first = series.index.get_loc(start)
    period = np.zeros(len(series), dtype=bool)
    period[first : first + 7 * weeks] = True
    random_errors = []
    for seed in range(5):
        held_out = period & (np.random.default_rng(seed).random(len(series)) < 0.2)
        model = calendar_model().fit(features[~held_out], target[~held_out])
        random_errors.append(np.abs(model.predict(features[held_out]) - target[held_out]))
    time_errors = []
    for origin in range(first, first + 7 * weeks, HORIZON):
        model = calendar_model().fit(features[:origin], target[:origin])
        forecast = model.predict(features[origin : origin + HORIZON])
        time_errors.append(np.abs(forecast - target[origin : origin + HORIZON]))
    return float(np.concatenate(random_errors).mean()), float(np.concatenate(time_errors).mean())


def main() -> None:
    started = time.perf_counter()
    table = wide(coursedata.daily_volumes(seed=0))
    print(
        f"{table.shape[0]} days x {table.shape[1]} categories; {ORIGINS} origins "
        f"{HORIZON} days apart, the first {table.index[-ORIGINS * HORIZON].date()}"
    )
    shift = coursedata.daily_volumes_truth(seed=0).level_shift
    with threadpool_limits(limits=1):
        random_mae, time_mae = random_vs_time(table[shift.category], shift.start)
    print(
        f"{shift.category}, 8 weeks from its level shift ({shift.start.date()}, x{shift.factor}): "
        f"calendar model MAE on random days {random_mae:.1f}, from origins {time_mae:.1f} "
        f"(x{time_mae / random_mae:.1f})"
    )
    print(f"\n{'category':<14}{'forecast':<15}{'MAE':>8}{'MAPE':>8}{'MASE':>6}")
    for category in ("grocery", "digital_goods", "crypto"):
        for name, forecaster in (("seasonal naive", seasonal_naive), ("4 weekdays", four_weekdays)):
            result = backtest(table[category].to_numpy(), forecaster).mean()
            print(
                f"{category:<14}{name:<15}{result['mae']:8.1f}{result['mape']:8.1%}"
                f"{result['mase']:6.2f}"
            )
    crypto = table["crypto"].to_numpy()
    last_year, naive = crypto[-365:], crypto[-372:-7]
    with np.errstate(divide="ignore"):
        raw = np.abs(last_year - naive) / last_year
    print(
        f"\ncrypto, last 365 days: {int((last_year == 0).sum())} days with no payment; "
        f"MAPE with them in: {raw.mean()}; without: {raw[last_year > 0].mean():.1%}"
    )
    print(f"({time.perf_counter() - started:.1f} s this run)")


if __name__ == "__main__":
    main()
