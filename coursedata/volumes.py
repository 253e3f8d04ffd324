"""`daily_volumes`: payments per day and merchant category over three years (lesson 12's
forecasting table), and `daily_volumes_truth`, what was planted in it.

Each category's expected volume is a base level times a slow trend, a weekly profile of its
own, a yearly cycle of its own, holiday factors on known dates, and (for one category) a level
shift on a known date; the observed volume is a Poisson draw around that expectation times
day-to-day noise (lognormal, about 6 %). `crypto` is a small category (about 3 payments a day):
it has days with no payment at all, on purpose (a MAPE must handle zero actuals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coursedata import vocabulary as vocab

TAG = 12_002
TOTAL_PER_DAY = 20_000.0  # the expected volume of an average day at the start, all categories
SMALL_CATEGORY = "crypto"
SMALL_CATEGORY_LEVEL = 3.0
NOISE_SIGMA = 0.10
TREND_PER_YEAR = 0.05  # volumes grow 5 % a year (every category)
SHIFT_CATEGORY = "digital_goods"
SHIFT_FACTOR = 1.5
SHIFT_FRACTION = 0.6  # the shift happens this far into the window, at midnight
ONLINE = ("digital_goods", "crypto", "gambling")  # not closed on holidays

# Weekly profiles (Mon..Sun, normalised to mean 1): shops shut on Sundays, evenings out at weekends.
_WEEKLY = {
    "grocery": (1.0, 0.95, 1.0, 1.05, 1.25, 1.3, 0.45),
    "restaurants": (0.75, 0.8, 0.9, 1.0, 1.3, 1.45, 0.8),
    "transport": (1.15, 1.15, 1.15, 1.15, 1.1, 0.75, 0.55),
    "fuel": (1.0, 1.0, 1.0, 1.05, 1.2, 1.0, 0.75),
    "retail": (0.9, 0.9, 0.95, 1.0, 1.2, 1.55, 0.5),
    "entertainment": (0.7, 0.7, 0.8, 0.9, 1.3, 1.6, 1.0),
    "travel": (1.05, 1.0, 1.0, 1.05, 1.15, 0.9, 0.85),
}
_WEEKLY_DEFAULT = (1.0, 1.0, 1.0, 1.05, 1.1, 1.05, 0.8)
# Yearly cycle: amplitude (relative) and the day of the year it peaks.
_YEARLY = {
    "travel": (0.35, 200),  # summer holidays
    "retail": (0.2, 350),  # December
    "electronics": (0.3, 345),
    "gift_cards": (0.45, 352),
    "jewelry": (0.4, 350),
    "fuel": (0.12, 210),
    "utilities": (0.1, 20),  # heating bills in winter
    "entertainment": (0.1, 15),
    "restaurants": (0.1, 180),
}
_YEARLY_DEFAULT = (0.05, 180)

# (name, month, day) of fixed holidays, and Easter Monday (moves): factor for shops that close.
_FIXED_HOLIDAYS = (
    ("New Year's Day", 1, 1, 0.45),
    ("Christmas Eve", 12, 24, 1.35),
    ("Christmas Day", 12, 25, 0.25),
    ("St Stephen's Day", 12, 26, 0.55),
    ("New Year's Eve", 12, 31, 1.25),
)
EASTER_MONDAY_FACTOR = 0.6


@dataclass(frozen=True)
class LevelShift:
    """From `start` on (midnight UTC), `category`'s expected volume is `factor` times higher."""

    category: str
    start: pd.Timestamp
    factor: float


@dataclass(frozen=True)
class VolumeTruth:
    """What `daily_volumes(seed, start, days)` planted (see docs/reference/data-world.md)."""

    seed: int
    start: pd.Timestamp
    days: int
    base_level: dict[str, float]  # expected volume per day at the start, before the profiles
    trend_per_year: float  # relative growth a year, every category
    weekly: dict[str, tuple[float, ...]]  # category -> Mon..Sun factors (mean 1)
    yearly: dict[str, tuple[float, int]]  # category -> (amplitude, peak day of year)
    holidays: pd.DataFrame  # date, holiday, merchant_category, factor (categories it moves)
    level_shift: LevelShift
    noise_sigma: float  # lognormal day-to-day noise, before the Poisson draw
    zero_categories: tuple[str, ...]  # categories small enough to have days with no payment
    expected: pd.DataFrame  # date, merchant_category, expected volume (the noiseless signal)


def easter_sunday(year: int) -> pd.Timestamp:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return pd.Timestamp(year=year, month=month, day=day, tz="UTC")


def daily_volumes(seed: int = 0, start: str = "2022-01-01", days: int = 1096) -> pd.DataFrame:
    """Daily payment counts per merchant category, long format: `date` (midnight UTC),
    `merchant_category` (the world's 15 categories), `volume` (int64, payments that day), sorted
    by category, then date; `days * 15` rows. The same arguments give the same frame. The
    planted seasonality, holidays and level shift: `daily_volumes_truth(seed, start, days)`.
    Raises `ValueError` for fewer than 28 days or more than 20 years."""
    frame, _ = _build(seed, start, days)
    return frame


def daily_volumes_truth(seed: int = 0, start: str = "2022-01-01", days: int = 1096) -> VolumeTruth:
    """The planted facts of `daily_volumes(seed, start, days)`."""
    return _build(seed, start, days)[1]


def _build(seed: int, start: str, days: int) -> tuple[pd.DataFrame, VolumeTruth]:
    if not 28 <= days <= 20 * 366:
        raise ValueError(f"days must be between 28 and {20 * 366}, got {days}")
    t0 = pd.Timestamp(start)
    t0 = (t0.tz_localize("UTC") if t0.tzinfo is None else t0.tz_convert("UTC")).normalize()
    dates = pd.date_range(t0, periods=days, freq="D")
    rng = np.random.default_rng([seed, TAG])
    cats = vocab.CATEGORIES
    n_cat = len(cats)

    share = vocab.LEGIT_CATEGORY_WEIGHTS / vocab.LEGIT_CATEGORY_WEIGHTS.sum()
    base = share * TOTAL_PER_DAY * rng.uniform(0.9, 1.1, n_cat)
    base[cats.index(SMALL_CATEGORY)] = SMALL_CATEGORY_LEVEL
    weekly = {c: _WEEKLY.get(c, _WEEKLY_DEFAULT) for c in cats}
    weekly = {c: tuple(np.round(np.array(w) / np.mean(w), 4).tolist()) for c, w in weekly.items()}
    yearly = {c: _YEARLY.get(c, _YEARLY_DEFAULT) for c in cats}

    t_years = np.arange(days) / 365.25
    dow = dates.day_of_week.to_numpy()
    doy = dates.day_of_year.to_numpy()
    week = np.array([weekly[c] for c in cats])[:, dow]  # (category, day)
    amp = np.array([yearly[c][0] for c in cats])[:, None]
    peak = np.array([yearly[c][1] for c in cats])[:, None]
    year = 1 + amp * np.cos(2 * np.pi * (doy[None, :] - peak) / 365.25)
    trend = (1 + TREND_PER_YEAR) ** t_years

    holidays = _holidays(dates)
    holiday_factor = np.ones((n_cat, days))
    day_of = {d: i for i, d in enumerate(dates)}
    for row in holidays.itertuples(index=False):
        holiday_factor[cats.index(row.merchant_category), day_of[row.date]] = row.factor

    shift_start = t0 + pd.Timedelta(days=int(days * SHIFT_FRACTION))
    shift = np.ones((n_cat, days))
    shift[cats.index(SHIFT_CATEGORY), dates >= shift_start] = SHIFT_FACTOR

    expected = base[:, None] * trend[None, :] * week * year * holiday_factor * shift
    noise = np.exp(rng.normal(-(NOISE_SIGMA**2) / 2, NOISE_SIGMA, expected.shape))
    volume = rng.poisson(expected * noise).astype(np.int64)

    category = pd.Categorical.from_codes(np.repeat(np.arange(n_cat), days), categories=cats)
    date_col = np.tile(dates.as_unit("ns").tz_localize(None).to_numpy(), n_cat)
    frame = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(date_col).tz_localize("UTC").as_unit("ns"),
            "merchant_category": category,
            "volume": volume.ravel(),
        }
    )
    truth = VolumeTruth(
        seed=seed,
        start=t0,
        days=days,
        base_level=dict(zip(cats, np.round(base, 3).tolist(), strict=True)),
        trend_per_year=TREND_PER_YEAR,
        weekly=weekly,
        yearly=yearly,
        holidays=holidays,
        level_shift=LevelShift(SHIFT_CATEGORY, shift_start, SHIFT_FACTOR),
        noise_sigma=NOISE_SIGMA,
        zero_categories=(SMALL_CATEGORY,),
        expected=frame[["date", "merchant_category"]].assign(expected=expected.ravel()),
    )
    return frame, truth


def _holidays(dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The holidays inside `dates`, one row per (holiday, category it moves): online-only
    categories do not close, and Christmas Eve and New Year's Eve lift shops and restaurants
    only."""
    rows = []
    for year in range(dates[0].year, dates[-1].year + 1):
        named = [(n, pd.Timestamp(year=year, month=m, day=d, tz="UTC"), f)
                 for n, m, d, f in _FIXED_HOLIDAYS]  # fmt: skip
        named.append(
            ("Easter Monday", easter_sunday(year) + pd.Timedelta(days=1), EASTER_MONDAY_FACTOR)
        )
        for name, day, factor in named:
            if not dates[0] <= day <= dates[-1]:
                continue
            for cat in vocab.CATEGORIES:
                if cat in ONLINE:
                    continue
                if factor > 1 and cat not in ("grocery", "restaurants", "retail", "gift_cards"):
                    continue
                rows.append((day, name, cat, factor))
    frame = pd.DataFrame(rows, columns=["date", "holiday", "merchant_category", "factor"])
    frame["date"] = pd.to_datetime(frame["date"], utc=True).dt.as_unit("ns")
    frame["merchant_category"] = pd.Categorical(
        frame["merchant_category"], categories=vocab.CATEGORIES
    )
    return frame.sort_values(["date", "merchant_category"], ignore_index=True)
