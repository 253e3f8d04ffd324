"""Checks for 12_applications/ex03_forecast_features (see solutions/12_applications/ex03_forecast_features.py for the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from autograder.assertions import assert_close, differential, expect_raises, fail

# ex03 · lag_features

BASE = ["date", "merchant_category", "volume"]


def _names(lags, windows) -> list[str]:
    names = [f"lag_{int(k)}" for k in lags]
    for w in windows:
        names += [f"roll_mean_{int(w)}", f"roll_std_{int(w)}"]
    return names


def _by_hand(daily: pd.DataFrame, lags, windows) -> pd.DataFrame:
    """The features computed here by looking each day up: slow, plainly right, small frames."""
    table = {
        (c, pd.Timestamp(d)): float(v)
        for c, d, v in zip(daily["merchant_category"], daily["date"], daily["volume"], strict=True)
    }
    out = daily[BASE].copy()
    day = pd.Timedelta(days=1)
    rows = []
    for c, d in zip(daily["merchant_category"], daily["date"], strict=True):
        d = pd.Timestamp(d)
        row = [table.get((c, d - k * day), np.nan) for k in lags]
        for w in windows:
            past = [table.get((c, d - j * day), np.nan) for j in range(1, int(w) + 1)]
            if np.isnan(past).any():
                row += [np.nan, np.nan]
            else:
                row += [float(np.mean(past)), float(np.std(past, ddof=1)) if w > 1 else np.nan]
        rows.append(row)
    names = _names(lags, windows)
    values = np.array(rows, dtype=np.float64).reshape(len(out), len(names))
    for j, name in enumerate(names):
        out[name] = values[:, j]
    return out


def _frame(spec: dict, start="2024-05-06", tz=None, seed=None, index_from=None) -> pd.DataFrame:
    """A long frame from {category: (first day offset, volumes)}; shuffled rows when seeded."""
    parts = []
    for cat, (offset, volumes) in spec.items():
        first = pd.Timestamp(start) + pd.Timedelta(days=offset)  # naive: calendar days
        dates = pd.date_range(first, periods=len(volumes), freq="D", tz=tz)
        parts.append(pd.DataFrame({"date": dates, "merchant_category": cat, "volume": volumes}))
    frame = pd.concat(parts, ignore_index=True)
    if seed is not None:
        frame = frame.iloc[np.random.default_rng(seed).permutation(len(frame))]
    if index_from is not None:
        frame.index = np.arange(index_from, index_from + 3 * len(frame), 3)[::-1]
    return frame


def _volumes(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(10, 500, n)


def _call(submission, daily, lags, windows, where: str):
    try:
        return submission.lag_features(daily, lags, windows)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"lag_features raised {type(exc).__name__}: {exc}, on {where}")


_WHY = {
    "lag": "lag_k of a row is its own category's volume k days before its date (NaN when that "
    "day is not in the data)",
    "roll_mean": "roll_mean_w is the mean of the category's volumes on the w days before the "
    "row's date, the day itself excluded; NaN unless all w days are there",
    "roll_std": "roll_std_w is the sample standard deviation (ddof=1) of the category's volumes "
    "on the w days before the row's date, the day itself excluded; NaN unless all w are there",
}


def _compare_layout(got, columns: list, index: pd.Index, where: str) -> None:
    if not isinstance(got, pd.DataFrame):
        fail(f"{where}: expected a pandas DataFrame, got {type(got).__name__}")
    if list(got.columns) != list(columns):
        fail(
            f"{where}: the columns are {list(got.columns)}, expected {list(columns)} "
            "(date, merchant_category, volume, then lag_k in the order of lags, then "
            "roll_mean_w, roll_std_w for each w in the order of windows)"
        )
    if len(got) != len(index) or not got.index.equals(index):
        fail(
            f"{where}: the result's index starts {got.index[:6].tolist()}, expected "
            f"{index[:6].tolist()} ({len(index)} rows): one row per row of daily, "
            "in daily's order and with its index, so that it lines up with daily"
        )


def _compare(got, expected: pd.DataFrame, where: str) -> None:
    _compare_layout(got, list(expected.columns), expected.index, where)
    for col in BASE:
        if not got[col].reset_index(drop=True).equals(expected[col].reset_index(drop=True)):
            fail(f"{where}: the {col!r} column is not daily's {col!r} column, as given, in order")
    for col in expected.columns[3:]:
        if got[col].dtype != np.float64:
            fail(f"{where}: column {col!r} has dtype {got[col].dtype}, expected float64")
        want = expected[col].to_numpy(dtype=np.float64)
        scale = max(1.0, float(np.nanmax(np.abs(want)))) if np.isfinite(want).any() else 1.0
        assert_close(
            got[col].to_numpy(dtype=np.float64),
            want,
            f"{where}: column {col!r} (in daily's row order)",
            rtol=1e-7,
            atol=1e-9 * scale,
            why=_WHY[col.rsplit("_", 1)[0]],
        )


def _features(got: pd.DataFrame) -> pd.DataFrame:
    return got[[c for c in got.columns if c not in BASE]]


def _first_difference(a: pd.DataFrame, b: pd.DataFrame) -> tuple[int, str] | None:
    """(row position, column) of the first feature that differs beyond rounding, else None."""
    x, y = a.to_numpy(dtype=np.float64), b.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        same = np.isclose(x, y, rtol=1e-9, atol=1e-9, equal_nan=True)
    if same.all():
        return None
    row, col = np.argwhere(~same)[0]
    return int(row), str(a.columns[col])


def _checked(got, daily: pd.DataFrame, lags, windows, where: str) -> pd.DataFrame:
    """`got`, once its layout is right: a frame of daily's rows and the expected columns."""
    _compare_layout(got, BASE + _names(lags, windows), daily.index, where)
    return got


class TestLagFeatures:
    def test_hand_built(self, submission):
        # Two categories over 10 days: lags 1 and 3, a window of 3.
        daily = _frame(
            {
                "fuel": (0, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]),
                "retail": (0, [5, 1, 4, 1, 5, 9, 2, 6, 5, 3]),
            }
        )
        got = _call(submission, daily, [1, 3], [3], "two categories of 10 days")
        expected = _by_hand(daily, [1, 3], [3])
        # fuel on day 4 (volume 40): lag_1 30, lag_3 10, roll_mean_3 20 (10, 20, 30, not 40)
        assert expected.loc[3, ["lag_1", "lag_3", "roll_mean_3", "roll_std_3"]].tolist() == [
            30.0,
            10.0,
            20.0,
            10.0,
        ]
        _compare(got, expected, "two categories of 10 days, lags=[1, 3], windows=[3]")

    def test_window_ends_the_day_before(self, submission):
        # One spike: the spike day's own window must not contain it; the next w days' must.
        volumes = [100] * 12
        volumes[6] = 10_000
        daily = _frame({"travel": (0, volumes)})
        got = _call(submission, daily, [], [2, 4], "a spike on day 7 of 12")
        spike_row = got.iloc[6] if isinstance(got, pd.DataFrame) and len(got) == 12 else None
        if spike_row is not None and "roll_mean_2" in got and spike_row["roll_mean_2"] != 100.0:
            fail(
                f"on the spike's own day (volume 10000, the 6 days before it 100 each), "
                f"roll_mean_2 is {spike_row['roll_mean_2']!r}, expected 100.0: the window must "
                "end the day before the row's date; a window that includes the day hands the "
                "model the answer it is asked to forecast"
            )
        _compare(got, _by_hand(daily, [], [2, 4]), "a spike on day 7 of 12, windows=[2, 4]")

    def test_a_later_change_never_changes_earlier_rows(self, submission):
        daily = _frame({"fuel": (0, _volumes(30, 1)), "grocery": (3, _volumes(25, 2))}, seed=3)
        lags, windows = [1, 2, 7], [3, 7]
        where = "a shuffled frame of two categories"
        base = _checked(_call(submission, daily, lags, windows, where), daily, lags, windows, where)
        for cat, day in (("fuel", 12), ("grocery", 20), ("fuel", 29)):
            changed = daily.copy()
            when = pd.Timestamp("2024-05-06") + pd.Timedelta(days=day)
            at = (changed["merchant_category"] == cat) & (changed["date"] == when)
            changed.loc[at, "volume"] = 99_999
            where = f"the same frame, {cat} on {when.date()} changed"
            got = _checked(
                _call(submission, changed, lags, windows, where), daily, lags, windows, where
            )
            keep = (daily["date"] <= when).to_numpy() | (
                daily["merchant_category"] != cat
            ).to_numpy()
            before, after = _features(base)[keep], _features(got)[keep]
            found = _first_difference(before, after)
            if found is not None:
                row, col = found
                label = before.index[row]
                fail(
                    f"changing {cat}'s volume on {when.date()} to 99999 changed {col} of the row "
                    f"{label!r} ({daily.loc[label, 'merchant_category']} on "
                    f"{daily.loc[label, 'date'].date()}) from {before.iloc[row][col]!r} to "
                    f"{after.iloc[row][col]!r}: a feature may use only its own category's days "
                    "before the row's date; a later value (or another category's) leaks into it"
                )

    def test_level_shift_never_leaks_backward(self, submission):
        # digital_goods jumps x1.5 from day 20 on: every row before day 20 keeps its features.
        vols = _volumes(40, 4).astype(float)
        daily = _frame({"digital_goods": (0, vols), "health": (0, _volumes(40, 5))}, seed=6)
        shifted = daily.copy()
        start = pd.Timestamp("2024-05-26")
        late = (shifted["merchant_category"] == "digital_goods") & (shifted["date"] >= start)
        shifted.loc[late, "volume"] = shifted.loc[late, "volume"] * 1.5
        lags, windows = [1, 7], [3, 7, 14]
        where = "two categories of 40 days"
        a = _checked(_call(submission, daily, lags, windows, where), daily, lags, windows, where)
        where = "the same with a level shift on day 21"
        b = _checked(_call(submission, shifted, lags, windows, where), daily, lags, windows, where)
        before = (daily["date"] <= start).to_numpy()
        if _first_difference(_features(a)[before], _features(b)[before]) is not None:
            fail(
                "a level shift (digital_goods x1.5 from 2024-05-26 on) changed the features of "
                "rows on or before 2024-05-26: the shift leaks backward, so the model learns "
                "the new level before it happened (a centred window, a back-fill, or a statistic "
                "of the whole series does this). Use only the days before each row's date"
            )
        _compare(b, _by_hand(shifted, lags, windows), "a level shift on day 21 of 40")

    def test_categories_stay_apart(self, submission):
        # Categories interleaved by date, starting on different days: a lag taken down the
        # sorted frame, or across the end of one category into the next, shows.
        daily = _frame(
            {"a": (0, _volumes(15, 7)), "b": (2, _volumes(10, 8)), "c": (-1, _volumes(12, 9))}
        ).sort_values(["date", "merchant_category"])
        got = _call(submission, daily, [1, 2], [2], "three categories sorted by date")
        _compare(got, _by_hand(daily, [1, 2], [2]), "three interleaved categories")
        alone = daily[daily["merchant_category"] == "b"]
        where = "category b alone"
        only_b = _checked(_call(submission, alone, [1, 2], [2], where), alone, [1, 2], [2], where)
        with_all = _features(got)[(daily["merchant_category"] == "b").to_numpy()]
        if _first_difference(_features(only_b), with_all) is not None:
            fail(
                "category b's features differ when the other categories are in the frame: "
                "compute every lag and window within one category (a groupby), never across"
            )

    def test_any_row_order_aligned(self, submission):
        daily = _frame(
            {"fuel": (0, _volumes(20, 10)), "retail": (1, _volumes(18, 11))},
            seed=12,
            index_from=500,
        )
        daily["store"] = "s1"  # another column: left out of the result
        got = _call(submission, daily, [2, 1], [5], "a shuffled frame with its own index")
        _compare(got, _by_hand(daily, [2, 1], [5]), "a shuffled frame with index 500, 503, ...")

    def test_short_history_is_nan(self, submission):
        daily = _frame({"x": (0, _volumes(6, 13)), "y": (4, _volumes(3, 14))})
        for lags, windows in (([1, 5, 7], [1, 3, 6, 7]), ([], [2]), ([3], []), ([], [])):
            got = _call(submission, daily, lags, windows, "categories of 6 and 3 days")
            _compare(
                got,
                _by_hand(daily, lags, windows),
                f"categories of 6 and 3 days, lags={lags}, windows={windows} (NaN where the "
                "history is shorter than the lag or the window; roll_std_1 always NaN)",
            )

    def test_daylight_saving_change(self, submission):
        # Europe/Paris days around a change of the clocks (31 March 2024: a day of 23 hours; 27
        # October 2024: 25 hours): consecutive calendar days, a valid frame. Its features are
        # those of the same days without a time zone.
        for start, change in (("2024-03-20", "2024-03-31"), ("2024-10-15", "2024-10-27")):
            daily = _frame(
                {"fuel": (0, _volumes(30, 20)), "retail": (2, _volumes(25, 21))},
                start=start,
                tz="Europe/Paris",
                seed=22,
            )
            where = (
                f"two categories of Europe/Paris days from {start} (the clocks change on {change})"
            )
            try:
                got = submission.lag_features(daily, [1, 7], [3])
            except NotImplementedError:
                raise
            except Exception as exc:  # noqa: BLE001
                fail(
                    f"lag_features raised {type(exc).__name__}: {exc}, on {where}: the day of "
                    f"{change} lasts {23 if change.endswith('03-31') else 25} hours there, and is "
                    "still one calendar day. Compare calendar dates (e.g. the wall-clock dates, "
                    "date.dt.tz_localize(None)), not 24-hour gaps"
                )
            naive = daily.assign(date=daily["date"].dt.tz_localize(None))
            expected = _by_hand(naive, [1, 7], [3]).assign(date=daily["date"])
            _compare(got, expected, f"{where}, lags=[1, 7], windows=[3]")

    def test_coursedata_dtypes_and_numpy_integers(self, submission):
        import coursedata

        daily = coursedata.daily_volumes(seed=1, start="2023-03-01", days=40)
        daily = daily[daily["merchant_category"].isin(["crypto", "fuel"])]
        lags = [np.int64(1), 7]
        got = _call(submission, daily, lags, (np.int64(7),), "daily_volumes (category, UTC dates)")
        _compare(got, _by_hand(daily, [1, 7], [7]), "daily_volumes(seed=1, days=40), 2 categories")

    def test_daily_not_modified(self, submission):
        daily = _frame({"fuel": (0, _volumes(12, 15)), "retail": (0, _volumes(12, 16))}, seed=17)
        daily["note"] = "kept"
        before = daily.copy()
        _call(submission, daily, [1], [3], "a shuffled frame")
        if not daily.equals(before) or not daily.index.equals(before.index):
            fail("lag_features modified the frame it was given: work on a copy")

    def test_bad_inputs_raise(self, submission):
        daily = _frame({"fuel": (0, _volumes(10, 18)), "retail": (0, _volumes(10, 19))})
        nan = daily.astype({"volume": float})
        nan.loc[4, "volume"] = np.nan
        cases = [
            ((daily.drop(columns="volume"), [1], [2]), "daily lacks the volume column"),
            ((daily.drop(columns="merchant_category"), [1], [2]), "daily lacks merchant_category"),
            ((nan, [1], [2]), "a volume is missing"),
            ((daily.astype({"date": str}), [1], [2]), "the dates are strings, not datetime64"),
            ((pd.concat([daily, daily.iloc[[3]]]), [1], [2]), "a category holds a date twice"),
            ((daily.drop(index=4), [1], [2]), "a category skips a day"),
            ((daily, [0], [2]), "lag 0 is the day itself"),
            ((daily, [-1], [2]), "lag -1 is tomorrow"),
            ((daily, [1.5], [2]), "lag 1.5 is not an integer"),
            ((daily, [True], [2]), "lag True (a bool)"),
            ((daily, [1, 1], [2]), "lags holds a repeat"),
            ((daily, [1], [0]), "window 0"),
            ((daily, [1], [3, 3]), "windows holds a repeat"),
            ((daily, [1], [2.0]), "window 2.0 is not an integer"),
        ]
        for (frame, lags, windows), why in cases:
            expect_raises(ValueError, submission.lag_features, frame, lags, windows, why=why)

    def test_matches_reference_on_daily_volumes(self, submission, reference):
        import coursedata

        daily = coursedata.daily_volumes(seed=2, start="2023-01-01", days=365)
        params = [([1], [2]), ([7, 1, 14], [7]), ([28], [28, 7]), ([1, 2, 3, 7, 364], [3, 91])]
        cats = [["crypto"], ["grocery", "digital_goods"], ["crypto", "fuel", "gambling"]]

        def cases():
            for k, (lags, windows) in enumerate(params):
                for j, chosen in enumerate(cats):
                    frame = daily[daily["merchant_category"].isin(chosen)]
                    frame = frame.iloc[np.random.default_rng(10 * k + j).permutation(len(frame))]
                    yield (
                        f"daily_volumes(seed=2, days=365) of {chosen}, shuffled, lags={lags}, "
                        f"windows={windows}",
                        lambda f, d=frame, lg=lags, w=windows: f(d.copy(), list(lg), list(w)),
                    )

        differential(
            cases(), submission.lag_features, reference.lag_features, _compare, "lag_features"
        )
