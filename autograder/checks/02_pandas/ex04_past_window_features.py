"""Checks for 02_pandas/ex04_past_window_features (see solutions/02_pandas/ex04_past_window_features.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import differential, fail

from ._shared import (
    _assert_same_frame,
    _assert_unchanged,
    _column,
    _floats,
    _frame,
    _ints,
    _show_frame,
    _snapshot,
)

# ex04 · past-window features


def _timeline(rows: list[tuple[int, str, float]], index: list[int] | None = None) -> pd.DataFrame:
    """(user_id, UTC time, amount) rows."""
    users, times, amounts = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "user_id": np.array(users, dtype=np.int64),
            "timestamp": pd.to_datetime(list(times), utc=True),
            "amount": np.array(amounts, dtype=np.float64),
        },
        index=index,
    )


def _reference_windows(tx: pd.DataFrame, window: str) -> tuple[np.ndarray, np.ndarray]:
    """Brute force: for row i, the same user's rows j with 0 < t_i - t_j <= w."""
    times = pd.DatetimeIndex(tx["timestamp"]).as_unit("ns").asi8
    users = tx["user_id"].to_numpy()
    amounts = tx["amount"].to_numpy(dtype=np.float64)
    width = pd.Timedelta(window).value
    counts = np.zeros(len(tx), dtype=np.int64)
    totals = np.zeros(len(tx))
    for user in np.unique(users):
        rows = np.flatnonzero(users == user)
        gap = times[rows][:, None] - times[rows][None, :]
        inside = (gap > 0) & (gap <= width)
        counts[rows] = inside.sum(axis=1)
        totals[rows] = inside @ amounts[rows]
    return counts, totals


def _windows(submission, tx: pd.DataFrame, windows: tuple[str, ...] | None = None) -> dict:
    """{window: (counts, totals)} from the learner's result, after checking its index."""
    args = () if windows is None else (windows,)
    out = _frame(submission.past_window_features(tx.copy(), *args), "past_window_features(tx)")
    index = out.index.tolist()
    if index != tx.index.tolist():
        same = sorted(map(str, index)) == sorted(map(str, tx.index.tolist()))
        fail(
            f"the result's index should be tx's index, in tx's order: {tx.index.tolist()[:6]}...; "
            f"got {index[:6]}..."
            + (
                " (the same labels, in another order: put the rows back in tx's order)"
                if same
                else ""
            )
        )
    found = {}
    for window in windows or ("1h", "24h", "7D"):
        counts = _ints(_column(out, f"n_tx_{window}", "the result"), f"n_tx_{window}")
        totals = _floats(
            _column(out, f"total_amount_{window}", "the result"), f"total_amount_{window}"
        )
        found[window] = (counts, totals)
    return found


def _same_rows_shuffled(
    counts: np.ndarray, totals: np.ndarray, want_n: np.ndarray, want_t: np.ndarray
) -> bool:
    """True when the (count, total) pairs are the expected ones, only on other rows."""
    got = sorted(zip(counts.tolist(), np.round(totals, 6).tolist(), strict=True))
    want = sorted(zip(want_n.tolist(), np.round(want_t, 6).tolist(), strict=True))
    return got == want


def _assert_windows(got: dict, tx: pd.DataFrame, why: str) -> None:
    times = pd.DatetimeIndex(tx["timestamp"])
    for window, (counts, totals) in got.items():
        want_n, want_t = _reference_windows(tx, window)
        wrong = np.flatnonzero(
            (counts != want_n) | ~np.isclose(totals, want_t, rtol=1e-9, atol=1e-6)
        )
        if len(wrong) and _same_rows_shuffled(counts, totals, want_n, want_t):
            fail(
                f"for window {window} you computed the right values but put them on the wrong rows "
                f"({len(wrong)} of {len(tx)} rows hold another row's result). Results computed in "
                "(user, time) order must go back to the row they belong to: align on tx's index "
                "(or on the row position you kept), not by position in the sorted order"
            )
        if len(wrong):
            i = int(wrong[0])
            fail(
                f"{len(wrong)} of {len(tx)} rows are wrong for window {window}; e.g. the row labelled "
                f"{tx.index[i]} (user {tx['user_id'].iat[i]}, {times[i]:%Y-%m-%d %H:%M:%S} UTC): got "
                f"n_tx_{window}={counts[i]}, total_amount_{window}={totals[i]:.2f}; expected "
                f"{want_n[i]} and {want_t[i]:.2f}, the user's payments in "
                f"[t - {window}, t). {why}"
            )


WINDOWS = ("30min", "1h", "2h", "24h", "7D")
ZONES = ("UTC", "Europe/Berlin", "America/New_York")


def _random_timeline(seed: int, n_rows: int) -> tuple[pd.DataFrame, list[str]]:
    """Seeded (tx, windows): a few users whose payments sit on a 30-minute grid over ten days
    (so ties, and gaps of exactly 30 min, 1 h, 2 h, 24 h and 7 days, are common), rows in random
    order under unique integer or text labels, times in a random zone (Berlin changes its clocks
    on 30 March), an extra column, and a random choice and order of windows."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-03-25T00:00:00Z").value
    slots = rng.integers(0, 10 * 48, n_rows)
    slots = np.where(rng.random(n_rows) < 0.3, slots % 8, slots)  # crowd the first slots
    labels = rng.choice(np.arange(10 * n_rows + 10), n_rows, replace=False)
    tx = pd.DataFrame(
        {
            "user_id": rng.integers(1, 4, n_rows).astype(np.int64),
            "merchant_id": rng.integers(1, 9, n_rows).astype(np.int64),
            "timestamp": pd.to_datetime(start + slots * 1800 * 10**9, utc=True).tz_convert(
                str(rng.choice(ZONES))
            ),
            "amount": rng.choice([0.5, 2.0, 10.0, 99.99, 250.0], n_rows),
        },
        index=[f"r{k}" for k in labels] if rng.random() < 0.4 else labels,
    )
    windows = [str(w) for w in rng.permutation(WINDOWS)[: int(rng.integers(1, 4))]]
    return tx, windows


def _generated_timelines():
    for k, n_rows in enumerate([1, 2, 3, 3, 4, 5, 6, 8, 10, 13, 20, 40, 80]):
        tx, windows = _random_timeline(500 + k, n_rows)
        yield (
            f"windows={windows} and this {n_rows}-row tx (seed {500 + k}):{_show_frame(tx)}\n ",
            lambda fn, tx=tx, windows=windows: fn(tx.copy(deep=True), list(windows)),
        )


def _compare_windows(got: Any, expected: pd.DataFrame, where: str) -> None:
    out = _frame(got, "past_window_features(tx, windows)")
    _assert_same_frame(out, expected, where, "tx's index in tx's order")


class TestPastWindowFeatures:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_timelines(),
            submission.past_window_features,
            reference.past_window_features,
            _compare_windows,
            "past_window_features(tx, windows)",
        )

    def test_columns_in_window_order(self, submission):
        tx = _timeline(
            [
                (1, "2025-03-01T10:00:00Z", 1.0),
                (1, "2025-03-01T10:30:00Z", 2.0),
                (1, "2025-03-08T10:00:00Z", 4.0),  # exactly 7 days after the first
                (1, "2025-03-08T10:20:00Z", 8.0),
            ],
            index=[5, 6, 7, 8],
        )
        windows = ["7D", "30min"]  # not the default windows, not sorted by length
        out = _frame(submission.past_window_features(tx.copy(), windows), "past_window_features")
        want = ["n_tx_7D", "total_amount_7D", "n_tx_30min", "total_amount_30min"]
        got = [str(c) for c in out.columns]
        if got != want:
            fail(
                f"past_window_features(tx, windows={windows}) should have exactly the columns "
                f"{want}: for each window in the order given, its count then its total, named with "
                f"the window text as given; got {got}"
            )
        _assert_windows(
            _windows(submission, tx, tuple(windows)),
            tx,
            "The window of the payment at 2025-03-08 10:00 starts exactly 7 days earlier, so the "
            "two payments of 1 March count; 30min holds only what is less than 30 minutes before",
        )

    def test_window_is_t_minus_w_up_to_t(self, submission):
        tx = _timeline(
            [
                (1, "2025-03-01T10:00:00Z", 1.0),
                (1, "2025-03-01T10:30:00Z", 2.0),
                (1, "2025-03-01T11:00:00Z", 4.0),  # exactly 1h after 10:00: 10:00 is in its window
                (
                    1,
                    "2025-03-01T11:00:00Z",
                    8.0,
                ),  # a tie: neither 11:00 payment is before the other
                (1, "2025-03-01T11:00:01Z", 16.0),
            ]
        )
        ((counts, totals),) = _windows(submission, tx, ("1h",)).values()
        want_n, want_t = [0, 1, 2, 2, 3], [0.0, 1.0, 3.0, 3.0, 14.0]
        if counts.tolist() != want_n or not np.allclose(totals, want_t):
            fail(
                f"payments at 10:00, 10:30, 11:00, 11:00, 11:00:01 (amounts 1, 2, 4, 8, 16) should "
                f"have n_tx_1h = {want_n} and total_amount_1h = {want_t}; got {counts.tolist()} "
                f"and {totals.tolist()}. The window of a payment at t is [t - 1h, t): 10:00 is "
                "inside the window of 11:00 (the start counts), the payment itself and the other "
                "11:00 payment are not (a tie is not 'before'). rolling(..., closed='left')"
            )

    def test_current_transaction_not_counted(self, submission):
        tx = _timeline(
            [
                (1, "2025-03-01T10:00:00Z", 5.0),
                (2, "2025-03-02T10:00:00Z", 6.0),
                (3, "2025-03-03T10:00:00Z", 7.0),
            ],
            index=[4, 5, 6],
        )
        for window, (counts, totals) in _windows(submission, tx).items():
            if counts[0] == 0 and counts[1:].any():
                fail(
                    f"three users paid once each, a day apart; the later users have n_tx_{window} = "
                    f"{counts.tolist()}: their windows hold the other users' payments. Each user's "
                    "window holds only their own: group by user_id before rolling"
                )
            if counts.any() or totals.any():
                fail(
                    f"three users with one payment each should have n_tx_{window} = 0 and "
                    f"total_amount_{window} = 0.0 everywhere; got {counts.tolist()} and "
                    f"{totals.tolist()}. The payment itself is outside this exercise's window "
                    "[t - w, t) (closed='left'): the features describe the past before it"
                )

    def test_future_never_counted(self, submission):
        tx = _timeline(
            [
                (1, "2025-03-01T09:40:00Z", 4.0),
                (1, "2025-03-01T09:20:00Z", 2.0),
                (1, "2025-03-01T09:00:00Z", 1.0),
            ],
            index=[3, 2, 1],
        )
        got = _windows(submission, tx, ("1h",))["1h"]
        if got[0].tolist() == [0, 1, 2] and np.allclose(got[1], [0.0, 1.0, 3.0]):
            fail(
                "one user paid at 09:00, 09:20 and 09:40, given latest first (index 3, 2, 1); your "
                "n_tx_1h is [0, 1, 2] in tx's row order: the values of the time-sorted rows, put on "
                "tx's rows by position. Align the results on tx's index: the 09:40 row (label 3) "
                "has 2 payments before it"
            )
        if got[0].tolist() != [2, 1, 0] or not np.allclose(got[1], [3.0, 1.0, 0.0]):
            leak = (
                " The 09:00 payment has no past: counting a later payment leaks the future into "
                "a feature, which scores well offline and cannot exist in production"
                if (got[0] > [2, 1, 0]).any()
                else ""
            )
            fail(
                "one user paid at 09:00, 09:20 and 09:40 (rows given latest first); n_tx_1h should "
                f"be [2, 1, 0] and total_amount_1h [3.0, 1.0, 0.0] in tx's row order; got "
                f"{got[0].tolist()} and {got[1].tolist()}.{leak}"
            )

    def test_windows_are_time_not_rows(self, submission):
        rows = [(1, f"2025-03-01T08:0{m}:00Z", 1.0) for m in range(5)]  # five payments in 4 minutes
        rows += [(1, "2025-03-01T11:00:00Z", 10.0), (1, "2025-03-03T11:00:00Z", 100.0)]
        tx = _timeline(rows)
        got = _windows(submission, tx, ("1h", "24h"))
        _assert_windows(
            got,
            tx,
            "Payments are irregular: a window is a span of time before the "
            "payment, not a number of rows (rolling('1h', on='timestamp'), not "
            "rolling(1))",
        )

    def test_each_user_separately(self, submission):
        rows = [(1 + k % 2, f"2025-03-01T10:{5 * k:02d}:00Z", float(k + 1)) for k in range(8)]
        tx = _timeline(rows, index=list(range(100, 108)))
        _assert_windows(
            _windows(submission, tx, ("1h",)),
            tx,
            "Two users pay in turns: each one's window holds only their own payments "
            "(group by user_id before rolling)",
        )

    def test_aligned_with_an_unsorted_index(self, submission):
        rows = [
            (2, "2025-03-01T10:50:00Z", 8.0),
            (1, "2025-03-01T10:00:00Z", 1.0),
            (2, "2025-03-01T10:40:00Z", 4.0),
            (1, "2025-03-01T10:20:00Z", 2.0),
            (2, "2025-03-01T10:30:00Z", 16.0),
            (1, "2025-03-01T10:10:00Z", 32.0),
        ]
        tx = _timeline(rows, index=[17, 3, 42, 8, 25, 11])
        _assert_windows(
            _windows(submission, tx, ("1h",)),
            tx,
            "Results computed in (user, time) order must be put back on the rows they "
            "belong to: align on tx's index, not by position",
        )

    def test_windows_are_elapsed_time_across_a_clock_change(self, submission):
        tx = _timeline(
            [
                (1, "2025-03-29T11:00:00Z", 1.0),  # 12:00 in Berlin (CET, +01:00)
                (1, "2025-03-30T00:30:00Z", 2.0),  # 01:30 CET; at 02:00 the clocks jump to 03:00
                (1, "2025-03-30T01:15:00Z", 4.0),  # 03:15 CEST: 45 minutes after the last one
                (1, "2025-03-30T10:30:00Z", 8.0),  # 12:30 CEST: 23.5 hours after the first
            ]
        )
        tx["timestamp"] = tx["timestamp"].dt.tz_convert("Europe/Berlin")
        got = _windows(submission, tx, ("1h", "24h"))
        _assert_windows(
            got,
            tx,
            "The times are shown in Europe/Berlin, which moves its clocks from 02:00 to 03:00 on "
            "30 March: 01:30 to 03:15 on the wall clock is 45 minutes. A window is elapsed time; "
            "dropping the time zone (tz_localize(None)) measures the wall clock instead",
        )

    def test_matches_brute_force_on_a_shuffled_sample(self, submission):
        tx = coursedata.sample("tiny", seed=1).transactions
        rng = np.random.default_rng(40)
        order = rng.permutation(len(tx))
        tx = tx.iloc[order].set_axis(order * 5 + 7)
        _assert_windows(
            _windows(submission, tx),
            tx,
            "This is the tiny sample world, rows shuffled, index unsorted",
        )

    def test_tx_not_modified(self, submission):
        tx = _timeline(
            [
                (2, "2025-03-01T10:50:00Z", 8.0),
                (1, "2025-03-01T10:00:00Z", 1.0),
                (2, "2025-03-01T10:40:00Z", 4.0),
            ],
            index=[9, 3, 5],
        )
        before = _snapshot(tx)
        submission.past_window_features(tx)
        _assert_unchanged(before, tx, "tx", "past_window_features")
