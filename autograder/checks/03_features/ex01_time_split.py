"""Checks for 03_features/ex01_time_split (see solutions/03_features/ex01_time_split.py for the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autograder.assertions import differential, expect_raises, fail

from ._shared import (
    _frame,
    _labels,
    _outcome,
    _same_outcome_kind,
    _world,
)

# ex01 · time_split


def _days_frame() -> pd.DataFrame:
    """One row per day from 2025-01-01 to 2025-01-10 (UTC midnight), shuffled, plus a missing time."""
    days = pd.date_range("2025-01-01", periods=10, freq="D", tz="UTC")
    order = [3, 7, 0, 9, 5, 1, 8, 2, 6, 4]
    times = pd.Series(list(days[order]) + [pd.NaT], dtype="datetime64[ns, UTC]")
    return pd.DataFrame(
        {"at": times.to_numpy(), "amount": np.arange(11, dtype=np.float64) * 1.5},
        index=pd.Index([500 + 7 * i for i in range(11)], name="row"),
    )


def _split(submission, df: pd.DataFrame, test_start, gap="0D") -> tuple[pd.DataFrame, pd.DataFrame]:
    out = submission.time_split(df, "at" if "at" in df else "timestamp", test_start, gap)
    if not isinstance(out, tuple) or len(out) != 2:
        fail(f"time_split should return a tuple (train, test), got {type(out).__name__}")
    train, test = _frame(out[0], "train"), _frame(out[1], "test")
    for name, part in (("train", train), ("test", test)):
        if list(part.columns) != list(df.columns):
            fail(
                f"{name} has columns {list(part.columns)}, expected df's columns {list(df.columns)}"
            )
    return train, test


def _expected_labels(df: pd.DataFrame, mask: pd.Series) -> list:
    return _labels(df[mask.to_numpy()])


def _edges_frame() -> pd.DataFrame:
    """Naive times one second either side of both cuts of test_start 2025-03-10 12:00 with a gap
    of one day (cut 2025-03-09 12:00), in shuffled order, each row labelled by what it must be."""
    rows = [  # (time, side)
        ("2025-03-10 12:00:01", "test"),
        ("2025-03-09 12:00:00", "neither"),  # exactly test_start - gap
        ("2025-03-08 09:00:00", "train"),
        ("2025-03-10 11:59:59", "neither"),  # one second before test_start: in the gap
        ("2025-03-09 11:59:59", "train"),  # one second before the cut
        ("2025-03-11 08:00:00", "test"),
        ("2025-03-10 12:00:00", "test"),  # exactly test_start
        ("2025-03-09 12:00:01", "neither"),  # one second after the cut
        ("2025-03-10 00:30:00", "neither"),
    ]
    return pd.DataFrame(
        {
            "at": pd.to_datetime([r[0] for r in rows]),
            "side": [r[1] for r in rows],
            "amount": np.linspace(5.0, 45.0, len(rows)),
        },
        index=pd.Index([91, 14, 55, 3, 78, 26, 40, 67, 9], name="row"),
    )


_TIME_ZONES = ("UTC", None, "America/New_York")


def _generated_split_cases():
    """Seeded frames, smallest first: times on an hourly grid (so rows fall exactly on both
    cuts), missing times, naive and zoned columns, unsorted rows and index labels, gaps of zero,
    a few hours, and below zero; test_start as a string or a Timestamp."""
    base = pd.Timestamp("2025-03-01")
    for k, n in enumerate([1, 2, 3, 4, 5, 6, 8, 10, 14, 20, 30, 45]):
        for variant in range(3):
            rng = np.random.default_rng(3100 + 7 * k + variant)
            tz = _TIME_ZONES[(k + variant) % 3]
            times = pd.Series(base + pd.to_timedelta(rng.integers(0, 10, n), unit="h"))
            if tz is not None:
                times = times.dt.tz_localize(tz)
            times[rng.random(n) < 0.15] = pd.NaT
            df = pd.DataFrame(
                {
                    "at": times.to_numpy() if tz is None else times.array,
                    "amount": rng.normal(50.0, 20.0, n).round(2),
                    "merchant": rng.choice(["grocer", "cinema", "airline"], n),
                    "is_fraud": rng.random(n) < 0.3,
                },
                index=pd.Index(rng.permutation(3 * n)[:n] + 100, name="payment"),
            )
            start = base + pd.Timedelta(hours=int(rng.integers(0, 11)))
            gap_hours = int(rng.choice([0, 0, 1, 2, 3, -1]))
            if variant == 1:  # a Timestamp in the column's zone and a Timedelta
                test_start = start if tz is None else start.tz_localize(tz)
                gap = pd.Timedelta(hours=gap_hours)
            else:
                test_start, gap = start.strftime("%Y-%m-%d %H:%M"), f"{gap_hours}h"
            shown = ""
            if n <= 8:
                shown = ", times " + str(
                    ["NaT" if pd.isna(t) else t.strftime("%m-%d %H:%M") for t in df["at"]]
                )
            yield (
                f"a {n}-row frame ({'naive' if tz is None else tz} times{shown}), "
                f"test_start={test_start!r}, gap={gap!r}",
                lambda fn, df=df, test_start=test_start, gap=gap: _outcome(
                    lambda: fn(df.copy(), "at", test_start, gap)
                ),
            )


def _compare_split(got, expected, where: str) -> None:
    if _same_outcome_kind(
        got, expected, where, "a negative gap, or a split that leaves a side empty"
    ):
        return
    if not isinstance(got, tuple) or len(got) != 2:
        fail(f"{where}: time_split should return a tuple (train, test), got {type(got).__name__}")
    for name, mine, theirs in (("train", got[0], expected[0]), ("test", got[1], expected[1])):
        mine = _frame(mine, f"{where}: {name}")
        if _labels(mine) != _labels(theirs):
            fail(
                f"{where}: {name} should hold the rows labelled {_labels(theirs)} (in df's order), "
                f"got {_labels(mine)}. train: times < test_start - gap; test: times >= test_start"
            )
        try:
            pd.testing.assert_frame_equal(mine, theirs)
        except AssertionError as exc:
            fail(
                f"{where}: {name} has the right rows, but not df's own columns and values: "
                f"{str(exc).strip().splitlines()[0][:200]}"
            )


class TestTimeSplit:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_split_cases(),
            submission.time_split,
            reference.time_split,
            _compare_split,
            "time_split(df, 'at', test_start, gap)",
        )

    def test_cut_edges_to_the_second(self, submission):
        df = _edges_frame()
        train, test = _split(submission, df, "2025-03-10 12:00", gap="1D")
        for name, part in (("train", train), ("test", test)):
            expected = _expected_labels(df, df["side"] == name)
            if _labels(part) == expected:
                continue
            wrong = df.loc[[label for label in _labels(part) if label not in expected]]
            missing = df.loc[[label for label in expected if label not in _labels(part)]]
            detail = "; ".join(
                [f"{t} should not be in {name}" for t in wrong["at"].astype(str)]
                + [f"{t} is missing from {name}" for t in missing["at"].astype(str)]
            )
            fail(
                f"test_start 2025-03-10 12:00 with gap='1D' (cut at 2025-03-09 12:00), times to "
                f"the second: {detail or 'rows out of order'}. train holds times < test_start - "
                "gap and test times >= test_start, compared as full timestamps (not calendar "
                "dates): the rows in [cut, test_start) are in neither"
            )

    def test_one_row_on_a_side_is_enough(self, submission):
        df = _days_frame()
        train, test = _split(submission, df, "2025-01-10", gap="8D")
        first = _expected_labels(df, df["at"] == pd.Timestamp("2025-01-01", tz="UTC"))
        last = _expected_labels(df, df["at"] == pd.Timestamp("2025-01-10", tz="UTC"))
        if _labels(train) != first or _labels(test) != last:
            fail(
                f"test_start 2025-01-10 with gap='8D' leaves exactly one row on each side (train: "
                f"2025-01-01, label {first}; test: 2025-01-10, label {last}), got train "
                f"{_labels(train)} and test {_labels(test)}. One row is not an empty side"
            )

    def test_boundary_row_is_a_test_row(self, submission):
        df = _days_frame()
        train, test = _split(submission, df, "2025-01-06")
        start = pd.Timestamp("2025-01-06", tz="UTC")
        boundary = df.index[df["at"] == start][0]
        if boundary in _labels(train) and boundary in _labels(test):
            fail(
                "the row at exactly test_start (2025-01-06 00:00) is in both train and test: the "
                "model is scored on a row it trained on. train is strictly before the cut (<), "
                "test from the cut on (>=)"
            )
        if boundary in _labels(train):
            fail(
                "the row at exactly test_start (2025-01-06 00:00) went to train; it belongs to test "
                "(test holds times >= test_start, train times < test_start - gap)"
            )
        expected_train = _expected_labels(df, df["at"] < start)
        expected_test = _expected_labels(df, df["at"] >= start)
        later = int((train["at"] >= start).sum())
        if later:
            fail(
                f"{later} training rows are from on or after test_start: a random split trains on "
                "the future. Select the rows by comparing the time column with test_start"
            )
        if _labels(test) != expected_test:
            fail(
                f"test should be the rows labelled {expected_test} (2025-01-06 to 01-10, in df's "
                f"order), got {_labels(test)}"
            )
        if _labels(train) != expected_train:
            fail(
                f"train should be the rows labelled {expected_train} (2025-01-01 to 01-05, in "
                f"df's order), got {_labels(train)}"
            )

    def test_gap_leaves_rows_out(self, submission):
        df = _days_frame()
        train, test = _split(submission, df, "2025-01-06", gap="2D")
        start = pd.Timestamp("2025-01-06", tz="UTC")
        cut = start - pd.Timedelta("2D")
        in_gap = df.index[(df["at"] >= cut) & (df["at"] < start)]
        leaked = [label for label in in_gap if label in _labels(train)]
        if leaked:
            fail(
                f"with gap='2D' and test_start 2025-01-06, rows from 2025-01-04 up to the cut must "
                f"be in neither side, but train holds {len(leaked)} of them (labels {leaked}). The "
                "gap is what keeps labels that arrive late (chargebacks) out of training: train is "
                "times < test_start - gap"
            )
        assert_labels = _expected_labels(df, df["at"] < cut)
        if _labels(train) != assert_labels:
            fail(
                f"train should be the rows labelled {assert_labels} (before 2025-01-04), got "
                f"{_labels(train)}"
            )
        if _labels(test) != _expected_labels(df, df["at"] >= start):
            fail(
                f"the gap only shortens train: test should still start at test_start, got rows "
                f"{_labels(test)}"
            )

    def test_missing_times_go_nowhere(self, submission):
        df = _days_frame()
        train, test = _split(submission, df, "2025-01-06", gap="1D")
        missing = df.index[df["at"].isna()][0]
        if missing in _labels(train) or missing in _labels(test):
            fail(
                "the row with a missing time (NaT) landed in a split: a row whose time is unknown "
                "is neither past nor future, so it belongs to neither side"
            )

    def test_coursedata_split_by_time(self, submission):
        world = _world("small", 0)
        tx = world.transactions
        start, gap = world.truth.drift_start, pd.Timedelta("7D")
        train, test = _split(submission, tx, start, gap="7D")
        times = tx["timestamp"]
        expected_train, expected_test = times < start - gap, times >= start
        future = int((train["timestamp"] >= start - gap).sum())
        if future:
            fail(
                f"{future} of your {len(train):,} training payments are from on or after "
                f"{(start - gap).date()} (test_start - gap): a random split mixes the future into "
                "training, and the model scores better offline than it ever will live"
            )
        past = int((test["timestamp"] < start).sum())
        if past:
            fail(f"{past} test payments are from before test_start {start.date()}")
        if len(train) != int(expected_train.sum()) or len(test) != int(expected_test.sum()):
            fail(
                f"expected {int(expected_train.sum()):,} training and {int(expected_test.sum()):,} "
                f"test payments, got {len(train):,} and {len(test):,}"
            )
        if not (
            np.array_equal(_labels(train), tx.index[expected_train.to_numpy()])
            and np.array_equal(_labels(test), tx.index[expected_test.to_numpy()])
        ):
            fail(
                "the right rows, but not in df's order with df's index labels: keep both (filter "
                "with a boolean mask, do not sort or reset the index)"
            )

    def test_input_not_modified(self, submission):
        df = _days_frame()
        before = df.copy()
        _split(submission, df, "2025-01-05", gap="1D")
        try:
            pd.testing.assert_frame_equal(df, before)
        except AssertionError:
            fail(
                "time_split changed the caller's frame (sorted it, added a column, reset its "
                "index?): return new frames and leave df as it was"
            )

    @pytest.mark.parametrize(
        ("test_start", "gap", "why"),
        [
            ("2024-12-15", "0D", "every row is at or after test_start: train would be empty"),
            ("2025-02-01", "0D", "no row is at or after test_start: test would be empty"),
            ("2025-01-04", "5D", "the gap reaches back past the first row: train would be empty"),
            (
                "2025-01-10",
                "9D",
                "the only row before the gap is exactly at test_start - gap, which is not "
                "training time: train would be empty",
            ),
            (
                "2025-01-10 00:00:01",
                "0D",
                "the last row is one second before test_start: test would be empty",
            ),
            ("2025-01-06", "-1D", "a negative gap lets train overlap test"),
            ("2025-01-06", "-1s", "a gap of minus one second is still negative"),
        ],
        ids=[
            "empty-train",
            "empty-test",
            "gap-empties-train",
            "row-at-cut-empties-train",
            "test-one-second-late",
            "negative-gap",
            "gap-minus-one-second",
        ],
    )
    def test_raises_value_error(self, submission, test_start, gap, why):
        expect_raises(
            ValueError, submission.time_split, _days_frame(), "at", test_start, gap, why=why
        )
