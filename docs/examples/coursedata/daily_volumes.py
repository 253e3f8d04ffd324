"""Worked example: three years of daily payment volumes per category, what was planted in them,
and a quick check that a gradient-boosting model on lags beats the seasonal naive forecast.

`coursedata.daily_volumes()` is the table; `coursedata.daily_volumes_truth()` records the weekly
and yearly profiles, the holidays, the level shift and the noise. The model here forecasts each
day of the last year from data at least 7 days old (lags of 7 to 35 and 364 to 371 days, scaled
by the mean of the last four same weekdays), one model for all categories.

Run: python docs/examples/coursedata/daily_volumes.py
"""

from __future__ import annotations

import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

import coursedata

LAGS = (7, 14, 21, 28, 35, 364, 371)


def lagged(daily: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Lag features per category (never across categories), scaled by the mean of the last four
    same weekdays; and that scale."""
    by = daily.groupby("merchant_category", observed=True)["volume"]
    features = pd.DataFrame(
        {
            "category": daily["merchant_category"].cat.codes,
            "weekday": daily["date"].dt.day_of_week,
        },
        index=daily.index,
    )
    for lag in LAGS:
        features[f"lag_{lag}"] = by.shift(lag).astype(float)
    scale = features[["lag_7", "lag_14", "lag_21", "lag_28"]].mean(axis=1) + 1.0
    for lag in LAGS:
        features[f"lag_{lag}"] /= scale
    return features, scale


def backtest_last_year(daily: pd.DataFrame) -> pd.DataFrame:
    """Fit once on everything before the last 365 days; forecast each of those days (7 days
    ahead at least, so every lag is known). Returns actual, seasonal naive and model per row."""
    daily = daily.sort_values(["merchant_category", "date"], ignore_index=True)
    features, scale = lagged(daily)
    test = daily["date"] > daily["date"].max() - pd.Timedelta(days=365)
    train = ~test & features["lag_371"].notna()
    model = HistGradientBoostingRegressor(max_iter=300, random_state=0)
    target = daily["volume"] / scale
    with threadpool_limits(limits=1):
        model.fit(features[train], target[train])
        predicted = model.predict(features[test]) * scale[test]
    return pd.DataFrame(
        {
            "date": daily.loc[test, "date"],
            "merchant_category": daily.loc[test, "merchant_category"],
            "actual": daily.loc[test, "volume"],
            "naive": features.loc[test, "lag_7"] * scale[test],
            "model": predicted,
        }
    )


def main() -> None:
    daily = coursedata.daily_volumes(seed=0)
    truth = coursedata.daily_volumes_truth(seed=0)
    print(
        f"{len(daily):,} rows: {daily['merchant_category'].nunique()} categories x "
        f"{daily['date'].nunique()} days from {truth.start.date()}"
    )
    week = daily.assign(weekday=daily["date"].dt.day_of_week)
    grocery = week[week["merchant_category"] == "grocery"].groupby("weekday")["volume"].mean()
    print(f"grocery: Saturday / Sunday volume {grocery[5] / grocery[6]:.2f} (planted "
          f"{truth.weekly['grocery'][5] / truth.weekly['grocery'][6]:.2f})")  # fmt: skip
    travel = daily[daily["merchant_category"] == "travel"].set_index("date")["volume"]
    july, january = (travel[travel.index.month == m].mean() for m in (7, 1))
    print(f"travel: July / January volume {july / january:.2f}")
    shift = truth.level_shift
    series = daily[daily["merchant_category"] == shift.category].set_index("date")["volume"]
    before = series[shift.start - pd.Timedelta(days=28) : shift.start - pd.Timedelta(days=1)]
    after = series[shift.start : shift.start + pd.Timedelta(days=27)]
    print(
        f"level shift: {shift.category} x{shift.factor} from {shift.start.date()}; "
        f"measured x{after.mean() / before.mean():.2f} (28 days after / before)"
    )
    zeros = daily[daily["volume"] == 0]["merchant_category"].value_counts()
    print(f"days with no payment: {zeros[zeros > 0].to_dict()}")
    names = truth.holidays.drop_duplicates("date")
    print(f"{len(names)} holiday dates, e.g. " + ", ".join(
        f"{d.date()} {n}" for d, n in names[["date", "holiday"]].tail(6).itertuples(index=False)
    ))  # fmt: skip

    result = backtest_last_year(daily)
    mae = {c: float((result[c] - result["actual"]).abs().mean()) for c in ("naive", "model")}
    print(
        f"last 365 days, MAE per category-day: seasonal naive {mae['naive']:.1f}, "
        f"gradient boosting on lags {mae['model']:.1f} "
        f"({1 - mae['model'] / mae['naive']:.0%} lower)"
    )
    errors = (
        result.assign(
            naive=(result["naive"] - result["actual"]).abs(),
            model=(result["model"] - result["actual"]).abs(),
        )
        .groupby("date")[["naive", "model"]]
        .sum()
    )
    worst = errors.sort_values("model", ascending=False).head(5)
    holidays = dict(zip(names["date"], names["holiday"], strict=True))
    print("worst days for the model (absolute error summed over categories):")
    for day, row in worst.iterrows():
        name = holidays.get(day, "")
        print(
            f"  {day.date()} {name:<17} model {row['model']:>6,.0f} | naive {row['naive']:>6,.0f}"
        )


if __name__ == "__main__":
    main()
