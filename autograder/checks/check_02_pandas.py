"""Checks for lesson 02, pandas for ML data. Each test grades one behaviour of one exercise.

Values are compared as plain NumPy arrays and Python scalars built here, never with the learner's
objects' own `==`: timestamps as int64 nanoseconds since the epoch (UTC), text as `str`.
The data are small hand-built frames for the edge cases and `coursedata` sample worlds (seeded,
generated in memory), so every check runs in well under a second on pandas 2.2 and 3.x alike.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

import coursedata
from autograder.assertions import assert_close, fail

NS_PER_DAY = 86_400 * 10**9
RAW_COLUMNS = list(coursedata.SCHEMA["raw_export"])


# --- shared helpers -----------------------------------------------------------------------------


def _frame(value: Any, what: str) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        fail(f"{what} should return a pandas.DataFrame, got {type(value).__name__}")
    return value


def _column(df: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in df.columns:
        fail(f"{what} has no column {name!r}; its columns are {[str(c) for c in df.columns]}")
    column = df[name]
    if isinstance(column, pd.DataFrame):
        fail(f"{what} has {column.shape[1]} columns named {name!r}; keep exactly one")
    return column


def _ints(series: pd.Series, what: str) -> np.ndarray:
    """An integer column as int64 values; fail for floats, bools, text."""
    if series.dtype.kind not in "iu":
        fail(
            f"{what} should hold integers (int64), got dtype {series.dtype}"
            + (
                "; counts are whole numbers: fill the empty windows with 0, then .astype('int64')"
                if series.dtype.kind == "f"
                else ""
            )
        )
    return np.asarray(series.to_numpy(), dtype=np.int64).copy()


def _floats(series: pd.Series, what: str) -> np.ndarray:
    if series.dtype.kind not in "fiu":
        fail(f"{what} should hold numbers (float64), got dtype {series.dtype}")
    return np.asarray(series.to_numpy(), dtype=np.float64).copy()


def _instants(series: pd.Series, what: str, require_utc: bool = False) -> np.ndarray:
    """A tz-aware datetime column as int64 nanoseconds since the epoch (the instant, any unit)."""
    if not isinstance(series.dtype, pd.DatetimeTZDtype):
        fail(
            f"{what} should be tz-aware datetimes (datetime64[..., UTC]), got dtype {series.dtype}: "
            "parse with pd.to_datetime(..., utc=True)"
        )
    if require_utc and str(series.dtype.tz) not in ("UTC", "Etc/UTC", "UTC+00:00"):
        fail(
            f"{what} is in time zone {series.dtype.tz}; the contract asks for UTC "
            "(pd.to_datetime(..., utc=True), or .dt.tz_convert('UTC'))"
        )
    return pd.DatetimeIndex(series).as_unit("ns").asi8.copy()


def _texts(series: pd.Series, what: str) -> list[str]:
    """A text column (object, str, string or category) as a list of Python strings."""
    values = series.astype(object).tolist()
    for i, value in enumerate(values):
        if not isinstance(value, str):
            shown = "missing" if _missing(value) else f"{value!r} ({type(value).__name__})"
            fail(f"{what}: row {i} is {shown}; every value should be text")
    return [str(v) for v in values]


def _missing(value: Any) -> bool:
    return (
        value is None
        or value is pd.NaT
        or value is pd.NA
        or (isinstance(value, float) and np.isnan(value))
    )


def _show_time(ns: int) -> str:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC").strftime("%Y-%m-%d %H:%M:%S UTC")


def _snapshot(df: pd.DataFrame) -> tuple:
    """Everything about a frame that a function must not change, as plain Python values."""
    values = {
        str(c): [None if _missing(v) else v for v in df[c].astype(object).tolist()]
        for c in df.columns
    }
    return [str(c) for c in df.columns], df.index.tolist(), [str(t) for t in df.dtypes], values


def _assert_unchanged(before: tuple, df: pd.DataFrame, name: str, fn: str) -> None:
    columns, index, dtypes, values = before
    now_columns, now_index, now_dtypes, now_values = _snapshot(df)
    advice = (
        f"{fn} changed the caller's {name}; work on a copy ({name}.copy(), or methods that "
        "return new frames) so the caller's data stays as it was"
    )
    if now_columns != columns:
        fail(f"{advice}: its columns were {columns}, now {now_columns}")
    if now_index != index:
        fail(f"{advice}: its index changed (first labels were {index[:5]}, now {now_index[:5]})")
    for column, old, new in zip(columns, dtypes, now_dtypes, strict=True):
        if old != new:
            fail(f"{advice}: column {column!r} changed dtype from {old} to {new}")
    for column in columns:
        for i, (old, new) in enumerate(zip(values[column], now_values[column], strict=True)):
            if not (old is None and new is None) and (old is None or new is None or old != new):
                fail(f"{advice}: {column!r} row {i} was {old!r}, now {new!r}")


# --------------------------------------------------------------------------------------------
# ex01 · clean the raw export

RAW_DEFAULTS = {
    "transaction_id": "1",
    "timestamp": "2025-03-01T12:00:00Z",
    "user_id": "11",
    "merchant_id": "21",
    "amount": "10.00",
    "currency": "EUR",
    "merchant_category": "grocery",
    "channel": "pos",
    "device_id": "31",
    "card_country": "DE",
    "merchant_country": "DE",
    "is_fraud": "0",
    "chargeback_at": None,
    "days_to_chargeback": None,
}


def _raw(*rows: dict[str, Any]) -> pd.DataFrame:
    """A hand-built export: every column text (object), each row RAW_DEFAULTS plus its changes."""
    return pd.DataFrame(
        [{**RAW_DEFAULTS, **row} for row in rows], columns=RAW_COLUMNS, dtype=object
    )


@cache
def _export() -> tuple[coursedata.World, pd.DataFrame]:
    world = coursedata.sample("small", seed=0)  # our own world: raw_export records its mess in it
    raw = coursedata.raw_export(world, seed=3)
    return world, raw


def _clean(submission, raw: pd.DataFrame) -> pd.DataFrame:
    out = _frame(submission.clean_transactions(raw.copy(deep=True)), "clean_transactions(raw)")
    if list(out.columns) != RAW_COLUMNS:
        fail(
            f"the result's columns are {[str(c) for c in out.columns]}; keep the export's columns, "
            f"in the same order: {RAW_COLUMNS}"
        )
    return out


def _first_row_per_id(out: pd.DataFrame) -> dict[int, int]:
    """transaction_id -> position of its first row in `out`."""
    ids = _ints(out["transaction_id"], "transaction_id")
    unique, first = np.unique(ids, return_index=True)
    return dict(zip(unique.tolist(), first.tolist(), strict=True))


def _expected_clean_sample() -> tuple[pd.DataFrame, pd.DataFrame, dict[int, int]]:
    """(the export, the clean transactions it should become, id -> export row of the kept copy)."""
    world, raw = _export()
    mess = world.truth.raw_export
    kept = np.setdiff1d(np.arange(len(raw)), mess.duplicate_rows)
    raw_row = {int(raw["transaction_id"].iat[r]): int(r) for r in kept}
    expected = world.transactions.sort_values(["timestamp", "transaction_id"]).reset_index(
        drop=True
    )
    expected = expected.astype(
        {c: object for c in ("merchant_category", "channel", "card_country", "merchant_country")}
    )
    for column, rows in (
        ("card_country", mess.missing_card_country_rows),
        ("merchant_country", mess.missing_merchant_country_rows),
    ):
        ids = {int(raw["transaction_id"].iat[r]) for r in np.intersect1d(rows, kept)}
        expected.loc[expected["transaction_id"].isin(ids), column] = "unknown"
    return raw, expected, raw_row


def _compare_by_id(
    out: pd.DataFrame,
    expected: pd.DataFrame,
    column: str,
    values: Any,
    raw: pd.DataFrame,
    raw_row: dict[int, int],
    why: str,
) -> None:
    """Compare `values(series, what)` of `column` transaction by transaction (first row per id)."""
    got_pos = _first_row_per_id(out)
    got = values(out[column], f"{column}")
    want = values(expected[column], f"expected {column}")
    wrong = []
    for i, tid in enumerate(expected["transaction_id"].tolist()):
        if tid in got_pos and got[got_pos[tid]] != want[i]:
            wrong.append((tid, got[got_pos[tid]], want[i]))
    if wrong:
        tid, g, w = wrong[0]
        show = _show_time if column == "timestamp" else repr
        fail(
            f"{len(wrong)} of {len(expected)} transactions have the wrong {column}; e.g. transaction "
            f"{tid}: the export says {raw[column].iat[raw_row[tid]]!r}, you gave {show(g)}, expected "
            f"{show(w)}. {why}"
        )


@pytest.mark.exercise("02_pandas/ex01_clean_transactions")
class TestCleanTransactions:
    def test_one_row_per_transaction_keeping_the_first(self, submission):
        raw = _raw(
            {
                "transaction_id": "7",
                "timestamp": "2025-03-01T10:00:00Z",
                "card_country": "FR",
                "amount": "1,234.50",
            },
            {"transaction_id": "8", "timestamp": "2025-03-01T11:00:00Z"},
            # the same payment exported again, formatted on its own: not an exact copy of the row
            {
                "transaction_id": "7",
                "timestamp": "2025-03-01T12:00:00+02:00",
                "card_country": None,
                "amount": "1,234.50",
                "channel": "POS",
            },
            {"transaction_id": "9", "timestamp": "2025-03-01T12:00:00Z"},
        )
        out = _clean(submission, raw)
        ids = _ints(out["transaction_id"], "transaction_id").tolist()
        if sorted(ids) == [7, 7, 8, 9]:
            fail(
                "transaction 7 appears twice in your result: the export repeats it (once at 10:00Z, "
                "once as 12:00+02:00, the same instant) and each payment must be one row. The copy "
                "is formatted differently, so drop_duplicates() over whole rows misses it: "
                "deduplicate on transaction_id"
            )
        if sorted(ids) != [7, 8, 9]:
            fail(f"the export holds transactions 7, 8, 9 (7 twice); your result has ids {ids}")
        country = _texts(out["card_country"], "card_country")[ids.index(7)]
        if country != "FR":
            fail(
                f"transaction 7 has card_country {country!r}; its first row in the export says 'FR' "
                "and the later copy has it missing: keep the first row (keep='first', in the "
                "export's order, before you sort)"
            )
        world, big = _export()
        counts = pd.Series(_ints(_clean(submission, big)["transaction_id"], "transaction_id"))
        repeated = counts[counts.duplicated()]
        if len(repeated):
            fail(
                f"on a {len(big):,}-row export, {len(repeated)} transaction ids still appear more than "
                f"once (e.g. {int(repeated.iat[0])}); deduplicate on transaction_id"
            )
        if len(counts) != len(world.transactions):
            fail(
                f"the export holds {len(world.transactions):,} distinct transactions; your result has "
                f"{len(counts):,} rows"
            )

    def test_amounts_with_thousands_separators(self, submission):
        amounts = ["1,234.56", "12,345,678.90", "0.99", "999.00", "1,000.00"]
        raw = _raw(
            *(
                {"transaction_id": str(i + 1), "amount": a, "timestamp": f"2025-03-01T1{i}:00:00Z"}
                for i, a in enumerate(amounts)
            )
        )
        out = _clean(submission, raw)
        if len(out) != len(amounts):
            fail(
                f"{len(amounts)} transactions went in ({amounts}) and {len(out)} rows came out: the "
                "rows whose amount has a thousands separator were lost. '1,234.56' is a number: "
                "remove the commas before converting (.str.replace(',', ''))"
            )
        if out["amount"].dtype != np.float64:
            fail(f"amount should have dtype float64, got {out['amount'].dtype}")
        got = dict(
            zip(
                _ints(out["transaction_id"], "transaction_id").tolist(),
                _floats(out["amount"], "amount").tolist(),
                strict=True,
            )
        )
        for i, text in enumerate(amounts):
            want = float(text.replace(",", ""))
            value = got.get(i + 1)
            if value is None or value != want:
                fail(
                    f"the amount {text!r} became {value!r}, expected {want}: the comma separates "
                    "thousands, it is not a decimal point and not a reason to give up on the value"
                )
        raw, expected, raw_row = _expected_clean_sample()
        _compare_by_id(
            _clean(submission, raw),
            expected,
            "amount",
            lambda s, w: _floats(s, w).tolist(),
            raw,
            raw_row,
            "Amounts of 1,000 and more carry a thousands separator.",
        )

    def test_offsets_become_utc_instants(self, submission):
        raw = _raw(
            {"transaction_id": "1", "timestamp": "2025-03-01T23:30:00-05:00"},
            {"transaction_id": "2", "timestamp": "2025-03-02T01:00:00Z"},
            {"transaction_id": "3", "timestamp": "2025-03-02T05:00:00+05:30"},
            {"transaction_id": "4", "timestamp": "2025-03-02T03:00:00+01:00"},
        )
        utc = {
            1: "2025-03-02T04:30:00",
            2: "2025-03-02T01:00:00",
            3: "2025-03-01T23:30:00",
            4: "2025-03-02T02:00:00",
        }
        out = _clean(submission, raw)
        times = _instants(_column(out, "timestamp", "the result"), "timestamp", require_utc=True)
        got = dict(
            zip(
                _ints(out["transaction_id"], "transaction_id").tolist(), times.tolist(), strict=True
            )
        )
        for tid, iso in utc.items():
            want = pd.Timestamp(iso, tz="UTC").as_unit("ns").value
            if got.get(tid) != want:
                text = raw["timestamp"].iat[tid - 1]
                shown = _show_time(got[tid]) if tid in got else "no row"
                fail(
                    f"{text!r} is the instant {_show_time(want)}, you gave {shown}. The offset says "
                    "how far the local clock is from UTC: -05:00 is five hours behind, so add five "
                    "hours. pd.to_datetime(..., utc=True, format='ISO8601') applies it; cutting it "
                    "off keeps the local clock time, which is hours wrong"
                )
        raw, expected, raw_row = _expected_clean_sample()
        _compare_by_id(
            _clean(submission, raw),
            expected,
            "timestamp",
            lambda s, w: _instants(s, w, require_utc=True).tolist(),
            raw,
            raw_row,
            "Timestamps with an offset such as +02:00 are local times: convert them to UTC.",
        )

    def test_labels_lowercase_and_stripped(self, submission):
        labels = [
            (" Grocery ", "POS"),
            ("GIFT_CARDS", "web "),
            ("  Gift_Cards ", " App"),
            ("transport", "Web"),
        ]
        raw = _raw(
            *(
                {
                    "transaction_id": str(i + 1),
                    "merchant_category": c,
                    "channel": ch,
                    "timestamp": f"2025-03-01T1{i}:00:00Z",
                }
                for i, (c, ch) in enumerate(labels)
            )
        )
        out = _clean(submission, raw)
        order = np.argsort(_ints(out["transaction_id"], "transaction_id"))
        for column, want in (
            ("merchant_category", ["grocery", "gift_cards", "gift_cards", "transport"]),
            ("channel", ["pos", "web", "app", "web"]),
        ):
            got = [_texts(out[column], column)[i] for i in order]
            if got != want:
                fail(
                    f"{column} {[lab[column == 'channel'] for lab in labels]} should become {want}, "
                    f"got {got}: strip the spaces and lowercase (.str.strip().str.lower()), so "
                    "one category is one value"
                )
        raw, expected, raw_row = _expected_clean_sample()
        out = _clean(submission, raw)
        for column in ("merchant_category", "channel"):
            _compare_by_id(
                out,
                expected,
                column,
                _texts,
                raw,
                raw_row,
                "Strip the spaces and lowercase the text.",
            )

    def test_missing_countries_become_unknown(self, submission):
        raw = _raw(
            {"transaction_id": "1", "card_country": None, "timestamp": "2025-03-01T10:00:00Z"},
            {"transaction_id": "2", "merchant_country": None, "timestamp": "2025-03-01T11:00:00Z"},
            {
                "transaction_id": "3",
                "card_country": "FR",
                "merchant_country": "GB",
                "timestamp": "2025-03-01T12:00:00Z",
            },
        )
        out = _clean(submission, raw)
        order = np.argsort(_ints(out["transaction_id"], "transaction_id"))
        for column, want in (
            ("card_country", ["unknown", "DE", "FR"]),
            ("merchant_country", ["DE", "unknown", "GB"]),
        ):
            values = out[column].astype(object).tolist()
            got = [values[i] for i in order]
            if got != want:
                fail(
                    f"{column} should be {want} for transactions 1, 2, 3 (missing becomes the text "
                    f"'unknown'; the others stay as they are), got {got}"
                )
        raw, expected, raw_row = _expected_clean_sample()
        out = _clean(submission, raw)
        for column in ("card_country", "merchant_country"):
            _compare_by_id(
                out,
                expected,
                column,
                _texts,
                raw,
                raw_row,
                "A missing country becomes 'unknown' (fillna).",
            )

    def test_ids_and_label_typed(self, submission):
        raw, expected, raw_row = _expected_clean_sample()
        out = _clean(submission, raw)
        for column in ("transaction_id", "user_id", "merchant_id", "device_id"):
            _ints(out[column], column)
        if out["is_fraud"].dtype != bool:
            fail(
                f"is_fraud should have dtype bool ('1' is True, '0' is False), got {out['is_fraud'].dtype}"
            )
        for column in ("user_id", "merchant_id", "device_id"):
            _compare_by_id(
                out,
                expected,
                column,
                lambda s, w: _ints(s, w).tolist(),
                raw,
                raw_row,
                "Ids are whole numbers: parse the text.",
            )
        _compare_by_id(
            out,
            expected,
            "is_fraud",
            lambda s, w: np.asarray(s, dtype=bool).tolist(),
            raw,
            raw_row,
            "'1' is True and '0' is False.",
        )

    def test_sorted_by_utc_time_with_fresh_index(self, submission):
        raw = _raw(
            {"transaction_id": "1", "timestamp": "2025-03-01T23:30:00-05:00"},  # 04:30 UTC
            {"transaction_id": "6", "timestamp": "2025-03-02T02:00:00Z"},  # 02:00, tied with 4
            {"transaction_id": "2", "timestamp": "2025-03-02T01:00:00Z"},  # 01:00
            {"transaction_id": "4", "timestamp": "2025-03-02T03:00:00+01:00"},  # 02:00, tied with 6
            {
                "transaction_id": "3",
                "timestamp": "2025-03-02T05:00:00+05:30",
            },  # 23:30 the day before
        )
        raw.index = [10, 11, 12, 13, 14]
        out = _clean(submission, raw)
        ids = _ints(out["transaction_id"], "transaction_id").tolist()
        if ids == [3, 2, 6, 4, 1]:
            fail(
                "transactions 4 ('2025-03-02T03:00:00+01:00') and 6 ('2025-03-02T02:00:00Z') are the "
                "same instant, and your result puts 6 first: break ties by transaction_id, "
                "sort_values(['timestamp', 'transaction_id'])"
            )
        if ids != [3, 2, 4, 6, 1]:
            fail(
                f"rows should be in UTC time order, ties by transaction_id: ids [3, 2, 4, 6, 1]; got "
                f"{ids}. Sort after converting to UTC (a string sort or the local clock puts them "
                "in another order): sort_values(['timestamp', 'transaction_id'])"
            )
        if not (
            isinstance(out.index, pd.RangeIndex) and out.index.start == 0 and out.index.step == 1
        ):
            fail(
                f"the index should be a fresh RangeIndex 0..{len(out) - 1}, got {out.index.tolist()}: "
                "after dropping and sorting rows, reset_index(drop=True)"
            )
        raw, expected, _ = _expected_clean_sample()
        got = _ints(_clean(submission, raw)["transaction_id"], "transaction_id")
        want = expected["transaction_id"].to_numpy()
        if len(got) == len(want) and not np.array_equal(got, want):
            i = int(np.argmax(got != want))
            fail(
                f"on the export, row {i} holds transaction {got[i]}, expected {want[i]}: rows must be "
                "sorted by timestamp (UTC), ties by transaction_id"
            )

    def test_raw_not_modified(self, submission):
        raw = _raw(
            {
                "transaction_id": "5",
                "amount": "2,500.00",
                "merchant_category": " Travel ",
                "card_country": None,
                "timestamp": "2025-03-01T10:00:00+01:00",
            },
            {"transaction_id": "5", "amount": "2,500.00", "channel": "WEB"},
            {"transaction_id": "6", "channel": " App", "timestamp": "2025-03-01T09:00:00Z"},
        )
        before = _snapshot(raw)
        submission.clean_transactions(raw)
        _assert_unchanged(before, raw, "raw", "clean_transactions")


# --------------------------------------------------------------------------------------------
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
            "timestamp": pd.to_datetime(list(times), utc=True).tz_convert(tz),
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


@pytest.mark.exercise("02_pandas/ex02_daily_spend")
class TestDailySpend:
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
        ]
        want = [(1, "2025-03-01", 2, 8.0), (1, "2025-03-02", 1, 3.0), (2, "2025-03-02", 1, 9.0)]
        for tz in ("Europe/Berlin", "America/New_York"):
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


# --------------------------------------------------------------------------------------------
# ex03 · attach merchants

CATEGORIES = ["grocery", "fuel", "travel", "retail", "electronics"]


def _shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six payments (merchant 999 is unknown) with an unsorted, non-default index; four merchants."""
    tx = pd.DataFrame(
        {
            "transaction_id": np.array([101, 102, 103, 104, 105, 106], dtype=np.int64),
            "merchant_id": np.array([5, 3, 999, 3, 7, 5], dtype=np.int64),
            "amount": [12.5, 3.0, 99.0, 4.5, 60.0, 7.25],
        },
        index=[30, 10, 20, 40, 50, 60],
    )
    merchants = pd.DataFrame(
        {
            "merchant_id": np.array([7, 3, 5, 8], dtype=np.int64),
            "name": ["Fuel Stop", "Corner Grocery", "Sky Travel", "Mall Retail"],
            "category": pd.Categorical(
                ["fuel", "grocery", "travel", "retail"], categories=CATEGORIES
            ),
            "risk_score": [0.2, 0.1, 0.6, 0.3],
        }
    )
    return tx, merchants


def _attach(submission, tx: pd.DataFrame, merchants: pd.DataFrame) -> pd.DataFrame:
    return _frame(
        submission.attach_merchants(tx.copy(), merchants.copy()), "attach_merchants(tx, merchants)"
    )


def _rows_kept_in_order(out: pd.DataFrame, tx: pd.DataFrame, merchants: pd.DataFrame) -> None:
    got = _ints(_column(out, "transaction_id", "the result"), "transaction_id").tolist()
    want = tx["transaction_id"].tolist()
    known = set(merchants["merchant_id"].tolist())
    lost = [t for t, m in zip(want, tx["merchant_id"], strict=True) if t not in got]
    if lost:
        unknown = [t for t, m in zip(want, tx["merchant_id"], strict=True) if m not in known]
        why = (
            " They pay merchants that are not in merchants: an inner join drops them; a left "
            "join (how='left') keeps every transaction"
            if set(lost) <= set(unknown)
            else ""
        )
        fail(
            f"{len(want)} transactions went in, {len(got)} rows came out; transactions {lost[:5]} "
            f"are lost.{why}"
        )
    if len(got) > len(want):
        fail(
            f"{len(want)} transactions went in, {len(got)} rows came out: some transactions now "
            "appear more than once (a merchant_id that repeats in merchants copies its rows)"
        )
    if got != want:
        i = next(k for k, (g, w) in enumerate(zip(got, want, strict=True)) if g != w)
        fail(
            f"the transactions should stay in tx's order; from row {i} on it is "
            f"{want[i : i + 6]}, you have {got[i : i + 6]}. A left join keeps the left frame's "
            "order; sorting, or joining the known and the unknown merchants apart and "
            "concatenating them, does not"
        )
    index = out.index.tolist()
    if index != tx.index.tolist():
        fail(
            f"the result's index is {index[:8]}; it must be tx's index, {tx.index.tolist()[:8]}, so "
            "the result lines up with tx row by row. merge() returns a fresh RangeIndex: set "
            "tx's index back on the result"
        )


@pytest.mark.exercise("02_pandas/ex03_attach_merchants")
class TestAttachMerchants:
    def test_every_transaction_kept_in_order(self, submission):
        tx, merchants = _shop()
        _rows_kept_in_order(_attach(submission, tx, merchants), tx, merchants)

    def test_merchant_columns_attached(self, submission):
        tx, merchants = _shop()
        out = _attach(submission, tx, merchants)
        want_columns = [*tx.columns, "name", "category", "risk_score"]
        if [str(c) for c in out.columns] != want_columns:
            fail(
                f"the columns should be tx's, then merchants' other columns: {want_columns}; got "
                f"{[str(c) for c in out.columns]}"
            )
        ids = _ints(out["transaction_id"], "transaction_id").tolist()
        if sorted(ids) != sorted(tx["transaction_id"].tolist()):
            fail(
                f"the result should hold transactions {tx['transaction_id'].tolist()}, one row "
                f"each; got {ids}"
            )
        names = out["name"].astype(object).tolist()
        risk = _floats(out["risk_score"], "risk_score")
        lookup = {7: ("Fuel Stop", 0.2), 3: ("Corner Grocery", 0.1), 5: ("Sky Travel", 0.6)}
        merchant_of = dict(zip(tx["transaction_id"], tx["merchant_id"], strict=True))
        for i, tid in enumerate(ids):
            mid = merchant_of[tid]
            if mid in lookup and (names[i] != lookup[mid][0] or risk[i] != lookup[mid][1]):
                fail(
                    f"transaction {tid} pays merchant {mid}, {lookup[mid][0]!r} with risk_score "
                    f"{lookup[mid][1]}; the result says {names[i]!r} and {risk[i]}"
                )

    def test_unknown_merchant_gets_category_unknown(self, submission):
        tx, merchants = _shop()
        out = _attach(submission, tx, merchants)
        ids = _ints(out["transaction_id"], "transaction_id").tolist()
        if 103 not in ids:
            fail(
                "transaction 103 (merchant 999, not in merchants) is missing from the result: a "
                "left join (how='left') keeps it, with category 'unknown'"
            )
        categories = _texts(_column(out, "category", "the result"), "category")
        merchant_of = dict(zip(tx["transaction_id"], tx["merchant_id"], strict=True))
        want = {5: "travel", 3: "grocery", 7: "fuel", 999: "unknown"}
        for i, tid in enumerate(ids):
            if categories[i] != want[merchant_of[tid]]:
                fail(
                    f"transaction {tid} (merchant {merchant_of[tid]}) has category "
                    f"{categories[i]!r}, expected {want[merchant_of[tid]]!r}. Unknown merchants get "
                    "'unknown'; on a categorical column add the category first "
                    "(.cat.add_categories) or convert the column to text"
                )
        name = out["name"].astype(object).tolist()[ids.index(103)]
        if not _missing(name):
            fail(
                f"transaction 103's merchant is unknown, so its name should be missing, got {name!r}"
            )

    def test_repeated_merchant_id_raises_naming_it(self, submission):
        tx, merchants = _shop()
        tx = pd.concat(
            [
                tx,
                pd.DataFrame(
                    {"transaction_id": [107], "merchant_id": [907], "amount": [15.0]}, index=[70]
                ),
            ]
        )
        merchants = pd.concat(
            [
                merchants,
                pd.DataFrame(
                    {
                        "merchant_id": np.array([907, 907, 55, 55], dtype=np.int64),
                        "name": ["Gem Store", "Gem Store Ltd", "Casino", "Casino"],
                        "category": pd.Categorical(
                            ["retail", "electronics", "retail", "retail"], categories=CATEGORIES
                        ),
                        "risk_score": [0.5, 0.5, 0.9, 0.9],
                    }
                ),
            ],
            ignore_index=True,
        )
        try:
            out = submission.attach_merchants(tx.copy(), merchants.copy())
        except NotImplementedError:
            raise
        except ValueError as exc:
            message = str(exc)
            missing = [m for m in ("907", "55") if m not in message]
            if missing:
                fail(
                    f"the ValueError says {message[:200]!r}, which does not name merchant id(s) "
                    f"{missing}; name the repeated ids so whoever fixes the merchants table knows "
                    "which rows to look at (merchants['merchant_id'].duplicated())"
                )
            return
        except Exception as exc:
            fail(
                f"merchants repeats merchant_id 907 and 55: expected ValueError, but your code raised "
                f"{type(exc).__name__}: {exc}"
            )
        n = len(out) if isinstance(out, pd.DataFrame) else "?"
        fail(
            f"merchants repeats merchant_id 907 and 55, and nothing was raised (your result has {n} "
            f"rows for {len(tx)} transactions). A repeated id copies each of its transactions once "
            "per repeat: check merchants['merchant_id'] first and raise ValueError naming them"
        )

    def test_matches_lookup_on_a_shuffled_sample(self, submission):
        world = coursedata.sample("small", seed=0)
        rng = np.random.default_rng(30)
        tx = world.transactions.iloc[rng.permutation(len(world.transactions))]
        tx = tx.set_axis(np.arange(len(tx)) * 7 + 5)[
            ["transaction_id", "user_id", "merchant_id", "amount"]
        ]
        dropped = [3, 17, 42]
        merchants = world.merchants[~world.merchants["merchant_id"].isin(dropped)]
        merchants = merchants.iloc[rng.permutation(len(merchants))]
        out = _attach(submission, tx, merchants)
        _rows_kept_in_order(out, tx, merchants)
        lookup = dict(
            zip(merchants["merchant_id"], merchants["category"].astype(object), strict=True)
        )
        want = [lookup.get(m, "unknown") for m in tx["merchant_id"].tolist()]
        got = _texts(_column(out, "category", "the result"), "category")
        wrong = [i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
        if wrong:
            i = wrong[0]
            fail(
                f"{len(wrong)} of {len(tx):,} categories are wrong; e.g. transaction "
                f"{tx['transaction_id'].iat[i]} (merchant {tx['merchant_id'].iat[i]}): got "
                f"{got[i]!r}, expected {want[i]!r}"
            )
        risk = dict(zip(merchants["merchant_id"], merchants["risk_score"], strict=True))
        assert_close(
            _floats(_column(out, "risk_score", "the result"), "risk_score"),
            np.array([risk.get(m, np.nan) for m in tx["merchant_id"].tolist()]),
            "risk_score, row by row",
            rtol=0,
            atol=0,
            why="each row carries its own merchant's risk_score (missing when unknown)",
        )

    def test_inputs_not_modified(self, submission):
        tx, merchants = _shop()
        before_tx, before_m = _snapshot(tx), _snapshot(merchants)
        submission.attach_merchants(tx, merchants)
        _assert_unchanged(before_tx, tx, "tx", "attach_merchants")
        _assert_unchanged(before_m, merchants, "merchants", "attach_merchants")


# --------------------------------------------------------------------------------------------
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


@pytest.mark.exercise("02_pandas/ex04_past_window_features")
class TestPastWindowFeatures:
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
                    f"{totals.tolist()}. The payment itself is not in its own past: at scoring "
                    "time a feature that includes it is not available (closed='left')"
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


# --------------------------------------------------------------------------------------------
# ex05 · optimize dtypes

TEXT_COLUMNS = ("currency", "merchant_category", "channel", "card_country", "merchant_country")


def _transactions_table() -> pd.DataFrame:
    """The small world's transactions with their text as plain strings, as ex01 leaves them."""
    tx = coursedata.sample("small", seed=0).transactions
    return tx.astype({c: object for c in TEXT_COLUMNS})


def _optimize(submission, df: pd.DataFrame) -> pd.DataFrame:
    out = _frame(submission.optimize_dtypes(df.copy()), "optimize_dtypes(df)")
    if [str(c) for c in out.columns] != [str(c) for c in df.columns]:
        fail(
            f"the result's columns are {[str(c) for c in out.columns]}; keep df's columns in "
            f"their order: {[str(c) for c in df.columns]}"
        )
    if out.index.tolist() != df.index.tolist():
        fail("the result's index differs from df's; keep the index (and the rows) as they are")
    return out


def _kind(dtype: Any) -> str:
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if isinstance(dtype, pd.DatetimeTZDtype) or getattr(dtype, "kind", "") == "M":
        return "datetime"
    return {"i": "integer", "u": "integer", "f": "float", "b": "bool"}.get(
        getattr(dtype, "kind", ""), "text"
    )


def _assert_same_values(before: pd.Series, after: pd.Series, name: str) -> None:
    was, now = _kind(before.dtype), _kind(after.dtype)
    if was in ("integer", "float", "bool", "datetime") and now != was:
        fail(
            f"column {name!r} held {was}s ({before.dtype}) and now holds {after.dtype}: "
            f"{was}s must stay {was}s, so code that does arithmetic on them keeps working"
        )
    if was == "integer":
        old, new = before.to_numpy(dtype=np.int64), np.asarray(after.to_numpy(), dtype=np.int64)
        bad = np.flatnonzero(old != new)
        if len(bad):
            i = int(bad[0])
            fail(
                f"column {name!r}: {old[i]} became {new[i]} in {after.dtype}, which only holds "
                f"{np.iinfo(after.dtype).min} to {np.iinfo(after.dtype).max}: it overflowed. "
                "Downcast only to a type every value fits in (pd.to_numeric(col, "
                "downcast='integer') checks the range for you)"
            )
    elif was == "float":
        old, new = before.to_numpy(dtype=np.float64), np.asarray(after.to_numpy(), dtype=np.float64)
        bad = np.flatnonzero(~((old == new) | (np.isnan(old) & np.isnan(new))))
        if len(bad):
            i = int(bad[0])
            fail(
                f"column {name!r}: {float(old[i])!r} came back as {float(new[i])!r} ({after.dtype}); float32 "
                "keeps about 7 significant digits, so most amounts change. Keep float64"
            )
    elif was == "bool":
        if not np.array_equal(
            before.to_numpy(dtype=bool), np.asarray(after.to_numpy(), dtype=bool)
        ):
            fail(f"column {name!r}: its True/False values changed")
    elif was == "datetime":
        if str(getattr(after.dtype, "tz", None)) != str(getattr(before.dtype, "tz", None)):
            fail(f"column {name!r} was {before.dtype} and is now {after.dtype}: keep its time zone")
        old = pd.DatetimeIndex(before).as_unit("ns").asi8
        new = pd.DatetimeIndex(after).as_unit("ns").asi8
        if not np.array_equal(old, new):
            fail(f"column {name!r}: its instants changed")
    else:
        if now in ("integer", "float", "bool", "datetime"):
            sample = before.dropna().astype(object).iloc[:1].tolist()
            fail(
                f"column {name!r} held text (e.g. {sample}) and now holds {after.dtype}. Text that "
                "looks like numbers is still text: '004512' as a number is 4512, and category "
                "codes are not the values. Turn repetitive text into category instead"
            )
        old_values, new_values = before.astype(object).tolist(), after.astype(object).tolist()
        for i, (old, new) in enumerate(zip(old_values, new_values, strict=True)):
            if _missing(old) and _missing(new):
                continue
            if _missing(old) or _missing(new) or not isinstance(new, str) or old != str(new):
                fail(
                    f"column {name!r}, row {i}: {old!r} came back as {new!r}. Every value must stay "
                    "exactly as it was: same text, same case, missing stays missing"
                )
    if was == "category":
        if now != "category":
            fail(
                f"column {name!r} was already category and is now {after.dtype}; leave it as it is"
            )
        old_cats, new_cats = list(before.cat.categories), list(after.cat.categories)
        if old_cats != new_cats or bool(before.cat.ordered) != bool(after.cat.ordered):
            fail(
                f"column {name!r} was category with categories {old_cats} (ordered="
                f"{before.cat.ordered}); now {new_cats} (ordered={after.cat.ordered}). Its order "
                "is part of its meaning (student < standard < premium): keep the dtype as it was"
            )


@pytest.mark.exercise("02_pandas/ex05_optimize_dtypes")
class TestOptimizeDtypes:
    def test_at_least_halves_the_memory(self, submission):
        df = _transactions_table()
        out = _optimize(submission, df)
        before = int(df.memory_usage(deep=True).sum())
        after_columns = out.memory_usage(deep=True)
        after = int(after_columns.sum())
        if after > before / 2:
            largest = after_columns.drop("Index", errors="ignore").sort_values(ascending=False)[:3]
            shown = ", ".join(f"{c} {int(b):,} B ({out[c].dtype})" for c, b in largest.items())
            fail(
                f"the table took {before:,} bytes and your result {after:,} ({after / before:.0%}); "
                f"the contract asks for at most half. Largest columns now: {shown}. A column of "
                "Python strings costs about 60 bytes per row; a category costs 1"
            )

    def test_every_value_unchanged_on_transactions(self, submission):
        df = _transactions_table()
        out = _optimize(submission, df)
        for name in df.columns:
            _assert_same_values(df[name], out[name], str(name))

    def test_integers_near_the_limits_of_small_types(self, submission):
        df = pd.DataFrame(
            {
                "transaction_id": np.array([1, 2, 3_000_000_000, 4] * 3, dtype=np.int64),
                "user_id": np.array([1, 40_000, 7, 7] * 3, dtype=np.int64),
                "merchant_id": np.array([1, 200, 3, 3] * 3, dtype=np.int64),
                "balance_change": np.array([-129, 0, 127, -40_000] * 3, dtype=np.int64),
                "n_items": np.array([0, 1, 2, 3] * 3, dtype=np.int64),
            }
        )
        out = _optimize(submission, df)
        for name in df.columns:
            _assert_same_values(df[name], out[name], name)

    def test_floats_keep_every_digit(self, submission):
        df = pd.DataFrame(
            {
                "amount": [0.1, 1234.57, 99_999.99, 0.001, 16_777_217.0, 12.34] * 2,
                "days_to_chargeback": [np.nan, 2.3458333333333332, np.nan, 7.0, np.nan, 3.5] * 2,
            }
        )
        out = _optimize(submission, df)
        for name in df.columns:
            _assert_same_values(df[name], out[name], name)

    def test_text_kept_exactly(self, submission):
        df = pd.DataFrame(
            {
                "card_bin": ["004512", "4512", "004512", "4512", "000017", "17"] * 3,
                "currency": ["EUR", "eur", "Eur", "EUR", "GBP", "EUR"] * 3,
                "note": [None, "gift", "gift", None, "refund", "gift"] * 3,
            },
            dtype=object,
        )
        out = _optimize(submission, df)
        for name in df.columns:
            _assert_same_values(df[name], out[name], name)

    def test_existing_categories_kept(self, submission):
        segments = pd.CategoricalDtype(["student", "standard", "premium"], ordered=True)
        df = pd.DataFrame(
            {
                "segment": pd.Series(["premium", "student", None, "standard"] * 3, dtype=segments),
                "country": pd.Categorical(
                    ["DE", "FR", "DE", "FR"] * 3, categories=["DE", "FR", "US"]
                ),
                "visits": np.arange(12, dtype=np.int64),
            }
        )
        out = _optimize(submission, df)
        for name in df.columns:
            _assert_same_values(df[name], out[name], name)

    def test_text_columns_stay_comparable(self, submission):
        df = _transactions_table()
        out = _optimize(submission, df)
        want = (df["card_country"] == df["merchant_country"]).to_numpy(dtype=bool)
        try:
            got = np.asarray(
                (out["card_country"] == out["merchant_country"]).to_numpy(), dtype=bool
            )
        except TypeError as exc:
            cats = [
                list(out[c].cat.categories)
                if isinstance(out[c].dtype, pd.CategoricalDtype)
                else str(out[c].dtype)
                for c in ("card_country", "merchant_country")
            ]
            fail(
                f"out['card_country'] == out['merchant_country'] raised TypeError ({exc}). The two "
                f"columns have categories {cats[0]} and {cats[1]}: card countries never include "
                "US, so each column got its own categories. Give them one shared set (the union "
                "of their values)"
            )
        if not np.array_equal(got, want):
            fail(
                f"card_country == merchant_country is True on {int(got.sum())} rows after your "
                f"function and on {int(want.sum())} before; the comparison must not change"
            )

    def test_df_not_modified(self, submission):
        df = pd.DataFrame(
            {
                "transaction_id": np.arange(1, 9, dtype=np.int64),
                "amount": [1.5, 2.25, 1000.1, 3.0] * 2,
                "channel": ["web", "app", "pos", "web"] * 2,
            },
            dtype=None,
        ).astype({"channel": object})
        before = _snapshot(df)
        submission.optimize_dtypes(df)
        _assert_unchanged(before, df, "df", "optimize_dtypes")
