"""Checks for 02_pandas/ex02_daily_spend (see solutions/02_pandas/ex02_daily_spend.py for the reference)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import differential, fail

from ._shared import (
    NS_PER_DAY,
    _assert_unchanged,
    _column,
    _floats,
    _frame,
    _fresh_range_index,
    _ints,
    _show_frame,
    _show_time,
    _snapshot,
)

# ex02 · daily spend per user


def _payments(
    rows: list[tuple[int, int, str, float]], tz: str = "UTC", index: list[int] | None = None
) -> pd.DataFrame:
    """(transaction_id, user_id, UTC time, amount) rows; timestamps shown in time zone `tz`."""
    ids, users, times, amounts = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "transaction_id": np.array(ids, dtype=np.int64),
            "user_id": np.array(users, dtype=np.int64),
            "timestamp": pd.to_datetime(list(times), utc=True, format="ISO8601").tz_convert(tz),
            "amount": np.array(amounts, dtype=np.float64),
        },
        index=index,
    )


def _utc_days(series: pd.Series, what: str) -> np.ndarray:
    """The `date` column as int64 days since 1970-01-01 (UTC); fail for anything but UTC days."""
    if series.dtype.kind == "M" or isinstance(series.dtype, pd.DatetimeTZDtype):
        ns = pd.DatetimeIndex(series).as_unit("ns").asi8
        bad = np.flatnonzero(ns % NS_PER_DAY)
        if len(bad):
            fail(
                f"{what} should be UTC days (midnight UTC), but row {int(bad[0])} is "
                f"{_show_time(ns[bad[0]])}: you floored in another time zone. Convert to UTC "
                "first: timestamp.dt.tz_convert('UTC').dt.floor('D')"
            )
        return ns // NS_PER_DAY
    values = series.astype(object).tolist()
    days = []
    for i, value in enumerate(values):
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            fail(
                f"{what} should hold UTC days (midnight UTC timestamps or datetime.date objects); "
                f"row {i} is {value!r} ({type(value).__name__})"
            )
        days.append((value - dt.date(1970, 1, 1)).days)
    return np.array(days, dtype=np.int64)


def _show_day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _daily(submission, tx: pd.DataFrame) -> list[tuple[int, str, int, float]]:
    out = _frame(submission.daily_spend(tx.copy()), "daily_spend(tx)")
    users = _ints(_column(out, "user_id", "the result"), "user_id")
    days = _utc_days(_column(out, "date", "the result"), "date")
    counts = _ints(_column(out, "n_tx", "the result"), "n_tx")
    totals = _floats(_column(out, "total_amount", "the result"), "total_amount")
    return [
        (int(u), _show_day(d), int(n), float(t))
        for u, d, n, t in zip(users, days, counts, totals, strict=True)
    ]


def _assert_daily(got: list, want: list, why: str) -> None:
    """Compare (user, day, n_tx, total) rows, ignoring order (the sort has its own check)."""
    got_keyed = {(u, d): (n, t) for u, d, n, t in got}
    want_keyed = {(u, d): (n, t) for u, d, n, t in want}
    if len(got_keyed) != len(got):
        dup = next((u, d) for u, d, *_ in got if sum(1 for g in got if g[:2] == (u, d)) > 1)
        fail(f"user {dup[0]} on {dup[1]} has more than one row; one row per user per UTC day")
    missing = sorted(set(want_keyed) - set(got_keyed))
    extra = sorted(set(got_keyed) - set(want_keyed))
    if missing or extra:
        fail(
            f"the (user_id, date) rows differ from the expected ones: missing {missing[:4]}, "
            f"unexpected {extra[:4]}. {why}"
        )
    for key, (n, t) in want_keyed.items():
        gn, gt = got_keyed[key]
        if gn != n or not np.isclose(gt, t, rtol=1e-9, atol=1e-9):
            fail(
                f"user {key[0]} on {key[1]}: got n_tx={gn}, total_amount={gt:.2f}; expected "
                f"n_tx={n}, total_amount={t:.2f}. {why}"
            )


ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham")
# Seconds into a UTC day: midnight itself, one second either side of it, noon, and others.
SECONDS_OF_DAY = (0, 1, 1800, 19_800, 43_200, 66_600, 84_600, 86_399)


def _random_payments(seed: int, n_rows: int) -> pd.DataFrame:
    """Seeded payments: ids that repeat (a copy has the same user and instant, another amount),
    instants at and next to UTC midnight, shown in a random time zone, an unsorted index and
    an extra column."""
    rng = np.random.default_rng(seed)
    n_ids = max(1, n_rows - int(rng.integers(0, n_rows // 2 + 1)))
    ids = rng.choice(np.arange(1, 4 * n_rows + 2), size=n_ids, replace=False)
    users = rng.integers(1, 4, n_ids)
    day = pd.Timestamp("2025-03-29T00:00:00Z").value  # the weekend Europe changes its clocks
    instants = (
        day
        + rng.integers(0, 3, n_ids) * NS_PER_DAY
        + rng.choice(SECONDS_OF_DAY, n_ids) * 10**9
        + rng.choice([0, 999_000_000], n_ids)  # and a millisecond before the next second
    )
    rows = rng.permutation(np.r_[np.arange(n_ids), rng.integers(0, n_ids, n_rows - n_ids)])
    tz = str(rng.choice(ZONES))
    return pd.DataFrame(
        {
            "transaction_id": ids[rows].astype(np.int64),
            "user_id": users[rows].astype(np.int64),
            "timestamp": pd.to_datetime(instants[rows], utc=True).tz_convert(tz),
            "merchant_id": rng.integers(1, 9, n_rows),
            "amount": rng.choice([0.5, 1.25, 10.0, 99.99, 1000.0], n_rows),  # copies disagree
        },
        index=rng.choice(np.arange(10 * n_rows + 10), n_rows, replace=False),
    )


def _generated_payments():
    for k, n_rows in enumerate([1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 13, 17, 25, 40, 80]):
        tx = _random_payments(300 + k, n_rows)
        yield (
            f"this {n_rows}-row tx (seed {300 + k}, times in {tx['timestamp'].dt.tz}):"
            f"{_show_frame(tx)}",
            lambda fn, tx=tx: fn(tx.copy(deep=True)),
        )


def _rows_in_order(out: Any, what: str) -> list[tuple[int, str, int, float]]:
    out = _frame(out, what)
    users = _ints(_column(out, "user_id", what), f"{what}: user_id")
    days = _utc_days(_column(out, "date", what), f"{what}: date")
    counts = _ints(_column(out, "n_tx", what), f"{what}: n_tx")
    totals = _floats(_column(out, "total_amount", what), f"{what}: total_amount")
    return [
        (int(u), _show_day(d), int(n), round(float(t), 6))
        for u, d, n, t in zip(users, days, counts, totals, strict=True)
    ]


def _compare_daily(got: Any, expected: pd.DataFrame, where: str) -> None:
    rows = _rows_in_order(got, where)
    want = _rows_in_order(expected, "the reference")
    if rows != want:
        i = next(
            (k for k, (g, w) in enumerate(zip(rows, want, strict=False)) if g != w),
            min(len(rows), len(want)),
        )
        fail(
            f"{where}: the rows (user_id, date, n_tx, total_amount) should be {want}; got {rows} "
            f"(they differ from row {i} on)"
        )
    if not _fresh_range_index(got.index):
        fail(f"{where}: the index should be a fresh RangeIndex, got {got.index.tolist()[:8]}")


class TestDailySpend:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_payments(),
            submission.daily_spend,
            reference.daily_spend,
            _compare_daily,
            "daily_spend(tx)",
        )

    def test_counts_and_totals_per_user_and_day(self, submission):
        tx = _payments(
            [
                (1, 2, "2025-03-01T08:00:00Z", 10.0),
                (2, 1, "2025-03-01T09:00:00Z", 5.5),
                (3, 2, "2025-03-01T20:00:00Z", 2.25),
                (4, 2, "2025-03-03T00:00:00Z", 1.0),
                (5, 1, "2025-03-02T23:59:59Z", 4.0),
            ]
        )
        want = [
            (1, "2025-03-01", 1, 5.5),
            (1, "2025-03-02", 1, 4.0),
            (2, "2025-03-01", 2, 12.25),
            (2, "2025-03-03", 1, 1.0),
        ]
        _assert_daily(
            _daily(submission, tx),
            want,
            "One row per user and UTC day with a payment, no rows for days without one.",
        )

    def test_days_are_utc_days(self, submission):
        rows = [
            (1, 1, "2025-03-01T23:30:00Z", 7.0),  # 00:30 on 2 March in Berlin
            (2, 1, "2025-03-02T00:30:00Z", 3.0),
            (3, 1, "2025-03-01T22:00:00Z", 1.0),  # 23:00 on 1 March in Berlin
            (4, 2, "2025-03-02T03:00:00Z", 9.0),  # 04:00 in Berlin, 22:00 on 1 March in New York
            (5, 3, "2025-03-02T00:00:00Z", 2.0),  # midnight UTC opens 2 March
            (6, 3, "2025-03-01T23:59:59.999Z", 4.0),  # and the millisecond before ends 1 March
            (7, 3, "2025-03-02T19:00:00Z", 8.0),  # 00:30 on 3 March in Kolkata (+05:30)
        ]
        want = [
            (1, "2025-03-01", 2, 8.0),
            (1, "2025-03-02", 1, 3.0),
            (2, "2025-03-02", 1, 9.0),
            (3, "2025-03-01", 1, 4.0),
            (3, "2025-03-02", 2, 10.0),
        ]
        for tz in ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"):
            _assert_daily(
                _daily(submission, _payments(rows, tz=tz)),
                want,
                f"The timestamps came in time zone {tz}, but days are UTC days: "
                "2025-03-01 23:30 UTC belongs to 1 March wherever the clock shows it. "
                "Convert with .dt.tz_convert('UTC') before you take the day",
            )

    def test_repeated_transaction_ids_count_once(self, submission):
        tx = _payments(
            [
                (1, 3, "2025-03-01T08:00:00Z", 20.0),
                (2, 3, "2025-03-01T09:00:00Z", 5.0),
                (1, 3, "2025-03-01T08:00:00Z", 20.0),  # transaction 1 delivered again
                (1, 3, "2025-03-01T08:00:00Z", 20.0),  # and again
                (3, 4, "2025-03-01T10:00:00Z", 1.5),
            ]
        )
        want = [(3, "2025-03-01", 2, 25.0), (4, "2025-03-01", 1, 1.5)]
        _assert_daily(
            _daily(submission, tx),
            want,
            "Transaction 1 appears three times but is one payment: count it, and add its "
            "amount, once (drop_duplicates(subset='transaction_id') before grouping)",
        )
        # The copies of a payment need not agree: its first row is the one that counts.
        tx = _payments(
            [
                (8, 5, "2025-03-01T08:00:00Z", 20.0),
                (9, 5, "2025-03-01T09:00:00Z", 5.0),
                (8, 5, "2025-03-01T08:00:00Z", 200.0),  # transaction 8 again, another amount
                (8, 5, "2025-03-01T08:00:00Z", 2.0),  # and again
            ],
            index=[4, 3, 2, 1],
        )
        _assert_daily(
            _daily(submission, tx),
            [(5, "2025-03-01", 2, 25.0)],
            "Transaction 8 appears three times with amounts 20.0, 200.0 and 2.0: it is one "
            "payment, counted once with the amount of its first row, 20.0. Copies that differ "
            "are not removed by drop_duplicates() over whole rows, and keep='last' keeps 2.0: "
            "drop_duplicates(subset='transaction_id', keep='first')",
        )

    def test_sorted_by_user_then_date(self, submission):
        tx = _payments(
            [
                (1, 9, "2025-03-05T10:00:00Z", 1.0),
                (2, 1, "2025-03-07T10:00:00Z", 2.0),
                (3, 9, "2025-03-01T10:00:00Z", 3.0),
                (4, 5, "2025-03-03T10:00:00Z", 4.0),
                (5, 1, "2025-03-02T10:00:00Z", 5.0),
                (6, 5, "2025-03-09T10:00:00Z", 6.0),
            ],
            index=[60, 50, 40, 30, 20, 10],
        )
        out = _frame(submission.daily_spend(tx.copy()), "daily_spend(tx)")
        got = [(u, d) for u, d, *_ in _daily(submission, tx)]
        want = [
            (1, "2025-03-02"),
            (1, "2025-03-07"),
            (5, "2025-03-03"),
            (5, "2025-03-09"),
            (9, "2025-03-01"),
            (9, "2025-03-05"),
        ]
        if got != want:
            fail(f"rows should be sorted by user_id, then date: {want}; got {got}")
        if not (
            isinstance(out.index, pd.RangeIndex) and out.index.start == 0 and out.index.step == 1
        ):
            fail(
                f"the index should be a fresh RangeIndex 0..{len(out) - 1}, got {out.index.tolist()}"
            )

    def test_matches_reference_on_a_shuffled_sample(self, submission):
        tx = coursedata.sample("small", seed=0).transactions
        rng = np.random.default_rng(20)
        repeats = tx.iloc[rng.choice(len(tx), size=60, replace=False)]
        tx = pd.concat([tx, repeats]).iloc[rng.permutation(len(tx) + 60)]
        tx = tx.assign(timestamp=tx["timestamp"].dt.tz_convert("Europe/Paris"))
        tx.index = np.arange(len(tx)) * 3 + 1000
        unique = tx.drop_duplicates("transaction_id")
        days = pd.DatetimeIndex(unique["timestamp"]).as_unit("ns").asi8 // NS_PER_DAY
        keys = pd.DataFrame(
            {"u": unique["user_id"].to_numpy(), "d": days, "a": unique["amount"].to_numpy()}
        )
        ref = keys.groupby(["u", "d"]).agg(n=("a", "size"), t=("a", "sum")).reset_index()
        want = [
            (int(u), _show_day(d), int(n), float(t)) for u, d, n, t in ref.itertuples(index=False)
        ]
        _assert_daily(
            _daily(submission, tx),
            want,
            "This is the small sample world, shuffled, shown in Europe/Paris time, with 60 "
            "payments delivered twice",
        )

    def test_tx_not_modified(self, submission):
        tx = _payments(
            [
                (1, 1, "2025-03-01T23:30:00Z", 7.0),
                (1, 1, "2025-03-01T23:30:00Z", 7.0),
                (2, 2, "2025-03-02T00:30:00Z", 3.0),
            ],
            tz="Europe/Berlin",
            index=[7, 8, 9],
        )
        before = _snapshot(tx)
        submission.daily_spend(tx)
        _assert_unchanged(before, tx, "tx", "daily_spend")
