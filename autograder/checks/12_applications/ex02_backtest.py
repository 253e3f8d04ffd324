"""Checks for 12_applications/ex02_backtest (see solutions/12_applications/ex02_backtest.py for the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from autograder.assertions import assert_close, differential, expect_raises, fail

# ex02 · rolling_origin_backtest
#
# The model_fn callables below are module-level, so they cross into the learner's process by
# reference; the spy records what each call was given there, and `submission.observe` reads it.

COLUMNS = ["origin", "date", "step", "actual", "forecast", "mae", "mape", "mase"]
METRICS = ["mae", "mape", "mase"]


# --- model_fn callables (they run in the learner's process) -----------------------------------


def seasonal_naive(train, horizon):
    """The same weekday one week before."""
    return [float(train.iloc[-7 + (k % 7)]) for k in range(horizon)]


def last_value(train, horizon):
    return np.full(horizon, float(train.iloc[-1]))


def mean_28(train, horizon):
    return pd.Series(np.full(horizon, float(train.iloc[-28:].mean())))


def max_seen(train, horizon):
    """The largest value of the training window: a spike anywhere in it shows."""
    return np.full(horizon, float(np.max(np.asarray(train, dtype=float))))


def as_series_with_other_index(train, horizon):
    """A forecast Series whose index matches nothing in the series: it must be read in order."""
    return pd.Series(
        np.arange(1.0, horizon + 1.0) + float(train.iloc[-1]),
        index=np.arange(1000, 1000 + horizon)[::-1],
    )


class Constant:
    def __init__(self, value: float) -> None:
        self.value = value

    def __call__(self, train, horizon):
        return [self.value] * horizon


class WrongLength:
    def __init__(self, extra: int) -> None:
        self.extra = extra

    def __call__(self, train, horizon):
        return np.zeros(horizon + self.extra)


def with_nan(train, horizon):
    out = np.ones(horizon)
    out[-1] = np.nan
    return out


def with_inf(train, horizon):
    out = np.ones(horizon)
    out[0] = np.inf
    return out


def one_value(train, horizon):
    """A single number, whatever the horizon."""
    return [5.0]


_SEEN: list = []  # what each spy call was given, in the learner's process


def spy(train, horizon):
    """Record the training window exactly, then forecast its last value."""
    _SEEN.append(
        {
            "type": f"{type(train).__module__}.{type(train).__qualname__}",
            "dates": list(pd.DatetimeIndex(train.index)) if hasattr(train, "index") else None,
            "values": np.asarray(train, dtype=float).tolist(),
            "horizon": horizon,
        }
    )
    return np.full(horizon, float(np.asarray(train, dtype=float)[-1]))


def vandal(train, horizon):
    """A model that scribbles over the window it was given (after recording it)."""
    out = spy(train, horizon)
    train.iloc[:] = -1.0
    return out


def _spied(module, series, horizon, n_origins, step, fn_name):
    """Run the learner's backtest with the spy (or the vandal) in the learner's process."""
    _SEEN.clear()
    model_fn = spy if fn_name == "spy" else vandal
    result = module.rolling_origin_backtest(series, model_fn, horizon, n_origins, step)
    return list(_SEEN), result, series


# --- building series ---------------------------------------------------------------------------


def _series(values, start="2024-03-04", tz=None, shuffle_seed=None) -> pd.Series:
    values = np.asarray(values, dtype=float)
    index = pd.date_range(start, periods=len(values), freq="D", tz=tz)
    s = pd.Series(values, index=index, name="volume")
    if shuffle_seed is not None:
        s = s.iloc[np.random.default_rng(shuffle_seed).permutation(len(s))]
    return s


def _noisy(n: int, seed: int) -> np.ndarray:
    """Distinct positive values: a window's contents identify it."""
    rng = np.random.default_rng(seed)
    return np.round(100 + 10 * np.sin(np.arange(n) / 2.0) + rng.uniform(0, 20, n), 3)


def _expected_frame(s: pd.Series, forecasts: dict, horizon: int, origins: list) -> pd.DataFrame:
    """The answer computed here, independently: `forecasts[origin position]` -> array."""
    s = s.sort_index()
    v = s.to_numpy(dtype=float)
    rows = []
    for o in origins:
        f = np.asarray(forecasts[o], dtype=float)
        a = v[o : o + horizon]
        err = np.abs(a - f)
        nz = a != 0
        mape = float(np.mean(err[nz] / np.abs(a[nz]))) if nz.any() else np.nan
        h = v[:o]
        scale = float(np.mean(np.abs(h[7:] - h[:-7])))
        mae = float(err.mean())
        for k in range(horizon):
            rows.append(
                {
                    "origin": s.index[o],
                    "date": s.index[o + k],
                    "step": k + 1,
                    "actual": a[k],
                    "forecast": f[k],
                    "mae": mae,
                    "mape": mape,
                    "mase": mae / scale if scale > 0 else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _run(submission, series, model_fn, horizon, n_origins, step, where):
    try:
        return submission.rolling_origin_backtest(series, model_fn, horizon, n_origins, step)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"rolling_origin_backtest raised {type(exc).__name__}: {exc}, on {where}")


def _compare(got, expected: pd.DataFrame, where: str, why: str = "") -> None:
    if not isinstance(got, pd.DataFrame):
        fail(f"{where}: expected a pandas DataFrame, got {type(got).__name__}")
    if list(got.columns) != COLUMNS:
        fail(f"{where}: the columns are {list(got.columns)}, expected exactly {COLUMNS}")
    if len(got) != len(expected):
        fail(
            f"{where}: {len(got)} rows, expected {len(expected)} (one per origin and forecast "
            "day: n_origins * horizon)"
        )
    if not got.index.equals(pd.RangeIndex(len(expected))):
        fail(f"{where}: the index is {got.index[:5].tolist()}..., expected a fresh RangeIndex")
    for col in ("origin", "date"):
        try:
            got_dates = pd.DatetimeIndex(got[col])
        except (TypeError, ValueError):
            fail(f"{where}: the {col!r} column holds {got[col].head(3).tolist()}, not dates")
        want = pd.DatetimeIndex(expected[col])
        if (got_dates.tz is None) != (want.tz is None) or not np.array_equal(
            got_dates.asi8, want.asi8
        ):
            bad = int(np.flatnonzero(got_dates != want)[0]) if got_dates.tz == want.tz else 0
            fail(
                f"{where}: row {bad} has {col} {got_dates[bad]}, expected {want[bad]}. The last "
                "origin leaves exactly `horizon` days, the others are `step` days apart going "
                "back, in chronological order, and an origin is its own first forecast day "
                "(dates keep the series' time zone)"
            )
    if not pd.api.types.is_integer_dtype(got["step"]) or not np.array_equal(
        got["step"].to_numpy(), expected["step"].to_numpy()
    ):
        fail(
            f"{where}: the step column is {got['step'].head(8).tolist()}..., expected integers "
            f"{expected['step'].head(8).tolist()}... (1 for the origin itself up to horizon)"
        )
    for col in ("actual", "forecast", *METRICS):
        try:
            values = got[col].to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            fail(f"{where}: the {col!r} column holds {got[col].head(3).tolist()}, not numbers")
        assert_close(
            values,
            expected[col].to_numpy(dtype=np.float64),
            f"{where}: column {col!r}",
            rtol=1e-9,
            atol=1e-9,
            why=why or _WHY[col],
        )


_WHY = {
    "actual": "actual is the series' value on that row's date",
    "forecast": "the forecasts are model_fn's values for that origin, read in order",
    "mae": "mae is the mean of |actual - forecast| over the origin's horizon days",
    "mape": "mape is the mean of |actual - forecast| / |actual| over the origin's days whose actual "
    "is not 0 (a fraction, not a percentage); NaN when every actual is 0",
    "mase": "mase is mae divided by the mean of |y[t] - y[t-7]| over that origin's own training "
    "window (the seasonal naive with a season of 7 days); NaN when that scale is 0",
}


def _run_spy(submission, series, horizon, n_origins, step, fn_name="spy"):
    where = f"a series of {len(series)} days, horizon={horizon}, n_origins={n_origins}, step={step}"
    try:
        return (*submission.observe(_spied, series, horizon, n_origins, step, fn_name), where)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        fail(f"rolling_origin_backtest raised {type(exc).__name__}: {exc}, on {where}")


def _check_seen(seen, series: pd.Series, origins: list, horizon: int, where: str) -> None:
    s = series.sort_index()
    if len(seen) != len(origins):
        fail(
            f"on {where}, model_fn was called {len(seen)} time(s), expected {len(origins)} "
            "(once per origin)"
        )
    for k, (call, o) in enumerate(zip(seen, origins, strict=True)):
        origin = s.index[o]
        if not call["type"].startswith("pandas.") or not call["type"].endswith("Series"):
            fail(f"on {where}, model_fn got a {call['type']}, expected a pandas Series")
        if call["horizon"] != horizon:
            fail(f"on {where}, model_fn got horizon={call['horizon']!r}, expected {horizon}")
        dates = pd.DatetimeIndex(call["dates"])
        want = s.index[:o]
        if len(dates) != len(want) or not np.array_equal(dates.asi8, want.asi8):
            future = int((dates >= origin).sum()) if len(dates) else 0
            fail(
                f"on {where}, call {k + 1} (origin {origin.date()}) trained on {len(dates)} "
                f"day(s), {future} of them on or after the origin; expected the {len(want)} "
                f"days from {want[0].date()} to {want[-1].date()}, in order: every day before "
                "the origin and nothing else. A model that sees its own future (or a random "
                "set of days) looks better in the backtest than it will ever be in production"
            )
        assert_close(
            np.asarray(call["values"]),
            s.to_numpy(dtype=float)[:o],
            f"on {where}, the values of call {k + 1}'s training window",
            why="train holds the series' own values on those days",
        )


class TestBacktest:
    def test_hand_built_layout(self, submission):
        # 20 days, horizon 3, 3 origins 2 days apart: origins at positions 13, 15, 17.
        s = _series(_noisy(20, 1))
        got = _run(submission, s, last_value, 3, 3, 2, "a series of 20 days, last_value model")
        origins = [13, 15, 17]
        v = s.to_numpy()
        expected = _expected_frame(s, {o: np.full(3, v[o - 1]) for o in origins}, 3, origins)
        _compare(got, expected, "20 days, horizon=3, n_origins=3, step=2, forecast = last value")

    def test_model_fn_sees_only_the_past(self, submission):
        s = _series(_noisy(30, 2))
        seen, _got, _after, _where = _run_spy(submission, s, 4, 3, 5)
        _check_seen(seen, s, [16, 21, 26], 4, "a series of 30 days, horizon=4, n_origins=3, step=5")

    def test_expanding_window_over_a_long_series(self, submission):
        # More than a year of days: every origin trains on all the days from the first one.
        s = _series(_noisy(400, 12), start="2023-01-02")
        seen, _got, _after, _where = _run_spy(submission, s, 7, 2, 7)
        _check_seen(
            seen,
            s,
            [386, 393],
            7,
            "a series of 400 days, horizon=7, n_origins=2, step=7 (an expanding window from the "
            "first day, never cut to the last year or to any fixed length)",
        )

    def test_spike_right_after_an_origin(self, submission):
        # A spike on the last origin's first forecast day: no training window may contain it.
        values = _noisy(40, 3)
        values[33] = 1e6
        s = _series(values)
        got = _run(submission, s, max_seen, 7, 3, 7, "a series with a spike on an origin")
        forecasts = got["forecast"].to_numpy(dtype=float) if "forecast" in got else np.array([])
        if (forecasts >= 1e6).any():
            fail(
                "a series of 40 days has a spike of 1e6 on day 34, the last origin (horizon=7, "
                "n_origins=3, step=7), and the model forecasts the largest value it was trained "
                "on: some forecast is 1e6, so that origin's training window held its own first "
                "forecast day. Train each origin on the days strictly before it"
            )
        origins = [19, 26, 33]
        expected = _expected_frame(
            s, {o: np.full(7, values[:o].max()) for o in origins}, 7, origins
        )
        _compare(got, expected, "a series of 40 days with a spike on the last origin")

    def test_metrics_by_hand(self, submission):
        # 15 days: training window of the one origin = the first 12 days, horizon 3.
        values = [10, 12, 11, 13, 9, 10, 14, 12, 12, 15, 11, 10, 8, 0, 20]
        s = _series(values)
        got = _run(submission, s, Constant(10.0), 3, 1, 1, "the hand-built 15 days")
        # errors |8-10|, |0-10|, |20-10| = 2, 10, 10: mae 22/3; mape over 8 and 20 only:
        # (2/8 + 10/20) / 2; scale: days 8..12 against days 1..5: (2 + 0 + 4 + 2 + 1) / 5 = 1.8
        scale = 1.8
        mae = 22 / 3
        expected = _expected_frame(s, {12: np.full(3, 10.0)}, 3, [12])
        _compare(got, expected, "15 hand-built days, horizon=3, one origin, forecast 10")
        row = got.iloc[0]
        for name, value in (("mae", mae), ("mape", (2 / 8 + 10 / 20) / 2), ("mase", mae / scale)):
            assert_close(
                np.array([row[name]], dtype=float), np.array([value]), name, why=_WHY[name]
            )

    def test_zero_actuals(self, submission):
        # Origin 1 has a zero among its actuals (left out of mape); origin 2 has only zeros.
        values = list(_noisy(14, 4)) + [5.0, 0.0, 10.0, 0.0, 0.0, 0.0]
        s = _series(values)
        got = _run(submission, s, Constant(4.0), 3, 2, 3, "a series whose actuals hold zeros")
        expected = _expected_frame(s, {14: np.full(3, 4.0), 17: np.full(3, 4.0)}, 3, [14, 17])
        _compare(got, expected, "a series whose actuals hold zeros (horizon=3, 2 origins)")

    def test_weekly_series_mase(self, submission):
        # A weekly pattern, but the first week of history is off: the seasonal naive is perfect
        # on every forecast day (mase 0), a constant is not (mase > 0); a perfectly weekly
        # history has a scale of 0 (mase NaN).
        week = np.array([50.0, 80, 90, 85, 95, 120, 30])
        values = np.tile(week, 8)
        values[:7] += np.array([5.0, -3, 8, 0, 2, -6, 4])
        s = _series(values)
        where = "a weekly series of 8 weeks (the first week perturbed), horizon=7, 3 origins"
        got = _run(submission, s, seasonal_naive, 7, 3, 7, where + ", seasonal naive")
        origins = [35, 42, 49]
        exp = _expected_frame(s, {o: values[o - 7 : o] for o in origins}, 7, origins)
        _compare(got, exp, where + ", seasonal naive (mase must be 0)")
        got = _run(submission, s, Constant(70.0), 7, 3, 7, where + ", constant 70")
        exp = _expected_frame(s, {o: np.full(7, 70.0) for o in origins}, 7, origins)
        _compare(got, exp, where + ", constant 70 (a season of 7, not 1 or 365)")
        pure = _series(np.tile(week, 5))
        got = _run(submission, pure, Constant(70.0), 7, 1, 7, "a perfectly weekly series")
        exp = _expected_frame(pure, {28: np.full(7, 70.0)}, 7, [28])
        _compare(got, exp, "a perfectly weekly series of 5 weeks (its scale is 0: mase NaN)")

    def test_any_input_order_and_time_zone(self, submission):
        s = _series(_noisy(25, 5), tz="UTC")
        shuffled = s.iloc[np.random.default_rng(5).permutation(len(s))]
        before = shuffled.copy()
        got = _run(submission, shuffled, last_value, 2, 4, 3, "a shuffled, UTC series")
        origins = [14, 17, 20, 23]
        v = s.to_numpy()
        exp = _expected_frame(s, {o: np.full(2, v[o - 1]) for o in origins}, 2, origins)
        _compare(got, exp, "a series of 25 UTC days given in a shuffled order (sort by date)")
        if not shuffled.equals(before) or not shuffled.index.equals(before.index):
            fail("rolling_origin_backtest modified the series it was given (sorted it in place?)")

    def test_daylight_saving_change(self, submission):
        # Europe/Paris days around a change of the clocks (31 March 2024: a day of 23 hours; 27
        # October 2024: 25 hours): still one value per calendar day, a valid series.
        for start, change in (("2024-03-20", "2024-03-31"), ("2024-10-15", "2024-10-27")):
            s = _series(_noisy(30, 11), start=start, tz="Europe/Paris", shuffle_seed=4)
            where = (
                f"30 Europe/Paris days from {start} (the clocks change on {change}), "
                "horizon=3, n_origins=3, step=4"
            )
            try:
                got = submission.rolling_origin_backtest(s, last_value, 3, 3, 4)
            except NotImplementedError:
                raise
            except Exception as exc:  # noqa: BLE001
                fail(
                    f"rolling_origin_backtest raised {type(exc).__name__}: {exc}, on {where}: "
                    f"the day of {change} lasts {23 if change.endswith('03-31') else 25} hours "
                    "there, and is still one calendar day. Compare calendar dates (e.g. the "
                    "index's wall-clock dates, index.tz_localize(None)), not 24-hour gaps"
                )
            v = s.sort_index().to_numpy()
            origins = [19, 23, 27]
            exp = _expected_frame(s, {o: np.full(3, v[o - 1]) for o in origins}, 3, origins)
            _compare(got, exp, where)

    def test_series_and_windows_not_modified(self, submission):
        s = _series(_noisy(24, 6)).iloc[::-1]
        before = s.copy()
        seen, _got, after, _where = _run_spy(submission, s, 3, 3, 3, fn_name="vandal")
        _check_seen(
            seen,
            before,
            [15, 18, 21],
            3,
            "a series of 24 days given in reverse order, with a model_fn that overwrites the "
            "window it gets (each call must get a new Series)",
        )
        if not after.equals(before) or not after.index.equals(before.index):
            fail(
                "rolling_origin_backtest (or the model_fn through the window it was given) "
                "modified the input series: give model_fn a new Series, and sort a copy"
            )

    def test_forecast_read_in_order(self, submission):
        s = _series(_noisy(20, 7))
        fns = [
            (as_series_with_other_index, "a Series with an unrelated index"),
            (mean_28, "a Series"),
        ]
        for fn, what in fns:
            got = _run(submission, s, fn, 4, 2, 2, f"a model_fn returning {what}")
            v = s.to_numpy()
            if fn is mean_28:
                f = {o: np.full(4, v[:o][-28:].mean()) for o in (14, 16)}
            else:
                f = {o: np.arange(1.0, 5.0) + v[o - 1] for o in (14, 16)}
            _compare(
                got,
                _expected_frame(s, f, 4, [14, 16]),
                f"a model_fn returning {what}",
                why="the forecast is model_fn's return value read in order, by position",
            )

    def test_boundaries(self, submission):
        cases = [
            (12, 1, 1, 1, [11], "horizon=1, one origin"),
            (11, 3, 1, 1, [8], "exactly 8 training days"),
            (30, 2, 3, 9, [10, 19, 28], "step > horizon"),
            (20, 5, 4, 1, [12, 13, 14, 15], "step=1 (overlapping windows)"),
        ]
        for n, horizon, n_origins, step, origins, what in cases:
            s = _series(_noisy(n, 8 + n))
            where = f"{what}: {n} days, horizon={horizon}, n_origins={n_origins}, step={step}"
            got = _run(submission, s, last_value, np.int64(horizon), n_origins, step, where)
            v = s.to_numpy()
            exp = _expected_frame(
                s, {o: np.full(horizon, v[o - 1]) for o in origins}, horizon, origins
            )
            _compare(got, exp, where)

    def test_bad_model_output_raises(self, submission):
        s = _series(_noisy(20, 9))
        for fn, why in (
            (WrongLength(1), "model_fn returned horizon + 1 values"),
            (WrongLength(-1), "model_fn returned horizon - 1 values"),
            (with_nan, "model_fn returned a NaN forecast"),
            (with_inf, "model_fn returned an infinite forecast (the forecasts must be finite)"),
            (one_value, "model_fn returned one value for a horizon of 3 (never broadcast it)"),
        ):
            expect_raises(ValueError, submission.rolling_origin_backtest, s, fn, 3, 2, 2, why=why)

    def test_bad_arguments_raise(self, submission):
        s = _series(_noisy(20, 10))
        gap = s.drop(s.index[5])
        dup = pd.concat([s, s.iloc[[3]]])
        nan = s.copy()
        nan.iloc[4] = np.nan
        cases = [
            ((s.to_numpy(), 3, 2, 2), "series is an array, not a Series"),
            ((s.reset_index(drop=True), 3, 2, 2), "series has a RangeIndex, not dates"),
            ((s.to_frame(), 3, 2, 2), "series is a DataFrame"),
            ((gap, 3, 2, 2), "a day is missing from the series"),
            ((dup, 3, 2, 2), "a date appears twice"),
            ((nan, 3, 2, 2), "the series holds a missing value"),
            ((s, 0, 2, 2), "horizon=0"),
            ((s, 2.0, 2, 2), "horizon=2.0 is not an integer"),
            ((s, True, 2, 2), "horizon=True (a bool is not a number of days)"),
            ((s, 3, 0, 2), "n_origins=0"),
            ((s, 3, -1, 2), "n_origins=-1"),
            ((s, 3, 2, 0), "step=0"),
            ((s, 3, 2, 1.5), "step=1.5"),
            ((s, 3, 3, 5), "the earliest origin leaves 7 training days (fewer than 8)"),
            ((s, 25, 1, 1), "horizon longer than the series"),
        ]
        for (series, horizon, n_origins, step), why in cases:
            expect_raises(
                ValueError,
                submission.rolling_origin_backtest,
                series,
                last_value,
                horizon,
                n_origins,
                step,
                why=why,
            )

    def test_matches_reference_on_daily_volumes(self, submission, reference):
        import coursedata

        daily = coursedata.daily_volumes(seed=3, start="2023-01-01", days=365)
        cats = ["grocery", "crypto", "digital_goods"]
        fns = [
            (seasonal_naive, "seasonal naive"),
            (mean_28, "mean of 28 days"),
            (last_value, "last value"),
        ]
        params = [(7, 4, 7), (14, 6, 10), (1, 10, 3), (28, 3, 28)]

        def cases():
            for k, (horizon, n_origins, step) in enumerate(params):
                for cat in cats:
                    s = daily[daily["merchant_category"] == cat].set_index("date")["volume"]
                    fn, what = fns[(k + len(cat)) % len(fns)]
                    yield (
                        f"daily_volumes(seed=3, days=365), {cat}, {what}, horizon={horizon}, "
                        f"n_origins={n_origins}, step={step}",
                        lambda f, s=s, fn=fn, h=horizon, n=n_origins, st=step: f(
                            s.copy(), fn, h, n, st
                        ),
                    )

        differential(
            cases(),
            submission.rolling_origin_backtest,
            reference.rolling_origin_backtest,
            lambda got, exp, where: _compare(got, exp, where),
            "rolling_origin_backtest",
        )
