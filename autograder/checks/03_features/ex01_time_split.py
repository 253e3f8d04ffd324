"""Checks for 03_features/ex01_time_split (see solutions/03_features/ex01_time_split.py for the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autograder.assertions import expect_raises, fail

from ._shared import (
    _frame,
    _labels,
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


class TestTimeSplit:
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
            ("2025-01-06", "-1D", "a negative gap lets train overlap test"),
        ],
        ids=["empty-train", "empty-test", "gap-empties-train", "negative-gap"],
    )
    def test_raises_value_error(self, submission, test_start, gap, why):
        expect_raises(
            ValueError, submission.time_split, _days_frame(), "at", test_start, gap, why=why
        )
