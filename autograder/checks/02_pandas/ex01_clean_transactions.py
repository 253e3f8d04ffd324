"""Checks for 02_pandas/ex01_clean_transactions (see solutions/02_pandas/ex01_clean_transactions.py for the reference)."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import differential, fail

from ._shared import (
    RAW_COLUMNS,
    _assert_same_column,
    _assert_unchanged,
    _cells,
    _column,
    _floats,
    _frame,
    _fresh_range_index,
    _instants,
    _ints,
    _show_frame,
    _show_time,
    _snapshot,
    _texts,
)

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


# (label, minutes east of UTC) of the offsets the generated exports write; "Z" is UTC.
OFFSETS = (("Z", 0), ("+01:00", 60), ("+02:00", 120), ("-05:00", -300), ("+05:30", 330))
AMOUNTS = (0.5, 12.34, 999.99, 1000.0, 1234.56, 20000.0, 12345678.9)


def _messy(rng: np.random.Generator, label: str) -> str:
    return str(
        rng.choice([label, label.upper(), label.title(), f" {label}", f"  {label.title()} "])
    )


def _random_export(seed: int, n_rows: int) -> pd.DataFrame:
    """A seeded all-text export of `n_rows` rows: ids that repeat (each copy formatted on its own,
    with its own offset, casing and missing countries, so copies disagree), instants on a coarse
    grid (ties between different ids), amounts around the thousands separator, both labels of
    is_fraud, chargeback text on fraud rows, and the rows in random order."""
    rng = np.random.default_rng(seed)
    n_ids = max(1, n_rows - int(rng.integers(0, n_rows // 2 + 1)))
    ids = rng.choice(np.arange(1, 4 * n_rows + 2), size=n_ids, replace=False)
    copies = np.r_[np.arange(n_ids), rng.integers(0, n_ids, n_rows - n_ids)]
    base = pd.Timestamp("2025-03-01T21:00:00Z").value
    instants = base + rng.integers(0, 6, n_ids) * 45 * 60 * 10**9  # few distinct: ties
    truth = {
        "user_id": rng.integers(1, 4, n_ids),
        "merchant_id": rng.integers(1, 4, n_ids),
        "device_id": rng.integers(1, 4, n_ids),
        "amount": rng.choice(AMOUNTS, n_ids),
        "currency": rng.choice(["EUR", "GBP"], n_ids),
        "merchant_category": rng.choice(["grocery", "gift_cards", "travel"], n_ids),
        "channel": rng.choice(["pos", "web", "app"], n_ids),
        "card_country": rng.choice(["DE", "FR", "GB"], n_ids),
        "merchant_country": rng.choice(["DE", "FR", "GB"], n_ids),
        "is_fraud": rng.random(n_ids) < 0.4,
        "days": rng.choice([0.5, 7.0, 12.25], n_ids),
    }
    rows = []
    for k in rng.permutation(copies):
        label, minutes = OFFSETS[int(rng.integers(0, len(OFFSETS)))]
        wall = pd.Timestamp(int(instants[k]) + minutes * 60 * 10**9, unit="ns")
        fraud = bool(truth["is_fraud"][k])
        rows.append(
            {
                "transaction_id": str(ids[k]),
                "timestamp": wall.strftime("%Y-%m-%dT%H:%M:%S") + label,
                "user_id": str(truth["user_id"][k]),
                "merchant_id": str(truth["merchant_id"][k]),
                "amount": f"{truth['amount'][k]:,.2f}",
                "currency": str(truth["currency"][k]),
                "merchant_category": _messy(rng, str(truth["merchant_category"][k])),
                "channel": _messy(rng, str(truth["channel"][k])),
                "device_id": str(truth["device_id"][k]),
                "card_country": None if rng.random() < 0.35 else str(truth["card_country"][k]),
                "merchant_country": (
                    None if rng.random() < 0.35 else str(truth["merchant_country"][k])
                ),
                "is_fraud": "1" if fraud else "0",
                "chargeback_at": "2025-03-09T10:00:00Z" if fraud else None,
                "days_to_chargeback": str(truth["days"][k]) if fraud else None,
            }
        )
    return pd.DataFrame(rows, columns=RAW_COLUMNS, dtype=object)


def _generated_exports():
    """Seeded exports, smallest first (1 row up to 40), then a sample world's export with many
    copies and missing countries."""
    for k, n_rows in enumerate([1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 13, 17, 25, 40]):
        raw = _random_export(200 + k, n_rows)
        yield (
            f"this {n_rows}-row export (seed {200 + k}):{_show_frame(raw)}",
            lambda fn, raw=raw: fn(raw.copy(deep=True)),
        )
    world = coursedata.sample("tiny", seed=2)
    raw = coursedata.raw_export(world, seed=5, duplicate_rate=0.2, missing_country_rate=0.2)
    yield (
        f"the tiny sample world's export ({len(raw):,} rows, 20% of the payments exported twice)",
        lambda fn, raw=raw: fn(raw.copy(deep=True)),
    )


def _compare_clean(got: Any, expected: pd.DataFrame, where: str) -> None:
    out = _frame(got, "clean_transactions(raw)")
    if [str(c) for c in out.columns] != RAW_COLUMNS:
        fail(f"{where}: the columns are {[str(c) for c in out.columns]}, expected {RAW_COLUMNS}")
    if len(out) != len(expected):
        fail(
            f"{where}: your result has {len(out)} rows, expected {len(expected)} (one per "
            "distinct transaction_id)"
        )
    if not _fresh_range_index(out.index):
        fail(f"{where}: the index should be a fresh RangeIndex, got {out.index.tolist()[:8]}")
    for column in ("transaction_id", "user_id", "merchant_id", "device_id"):
        if out[column].dtype != np.int64:
            fail(f"{where}: column {column!r} should have dtype int64, got {out[column].dtype}")
    if out["amount"].dtype != np.float64:
        fail(f"{where}: column 'amount' should have dtype float64, got {out['amount'].dtype}")
    _instants(out["timestamp"], f"{where}: column 'timestamp'", require_utc=True)
    for column in RAW_COLUMNS:
        _assert_same_column(out[column], expected[column], column, where)


class TestCleanTransactions:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_exports(),
            submission.clean_transactions,
            reference.clean_transactions,
            _compare_clean,
            "clean_transactions(raw)",
        )

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
            # here the first row is the one with a missing country, and the copy has it
            {
                "transaction_id": "12",
                "timestamp": "2025-03-01T13:00:00Z",
                "card_country": None,
                "merchant_country": "GB",
            },
            {
                "transaction_id": "12",
                "timestamp": "2025-03-01T14:00:00+01:00",
                "card_country": "FR",
                "merchant_country": None,
            },
        )
        out = _clean(submission, raw)
        ids = _ints(out["transaction_id"], "transaction_id").tolist()
        if sorted(ids) in ([7, 7, 8, 9, 12, 12], [7, 7, 8, 9, 12]):
            fail(
                "transaction 7 appears twice in your result: the export repeats it (once at 10:00Z, "
                "once as 12:00+02:00, the same instant) and each payment must be one row. The copy "
                "is formatted differently, so drop_duplicates() over whole rows misses it: "
                "deduplicate on transaction_id"
            )
        if sorted(ids) != [7, 8, 9, 12]:
            fail(
                f"the export holds transactions 7, 8, 9, 12 (7 and 12 twice); your result has ids {ids}"
            )
        country = _texts(out["card_country"], "card_country")[ids.index(7)]
        if country != "FR":
            fail(
                f"transaction 7 has card_country {country!r}; its first row in the export says 'FR' "
                "and the later copy has it missing: keep the first row (keep='first', in the "
                "export's order, before you sort)"
            )
        got = (
            _texts(out["card_country"], "card_country")[ids.index(12)],
            _texts(out["merchant_country"], "merchant_country")[ids.index(12)],
        )
        if got != ("unknown", "GB"):
            fail(
                f"transaction 12 has card_country {got[0]!r} and merchant_country {got[1]!r}; its "
                "first row in the export has card_country missing and merchant_country 'GB' (the "
                "copy has 'FR' and missing), so expected 'unknown' and 'GB'. Keep the first row "
                "whole: groupby().first() takes the first non-missing value of each column, which "
                "mixes the two rows; drop_duplicates(subset='transaction_id', keep='first') does not"
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
        hand = _raw(
            {"transaction_id": "1", "is_fraud": "1", "user_id": "3000000000"},
            {"transaction_id": "2", "is_fraud": "0", "timestamp": "2025-03-01T13:00:00Z"},
            {"transaction_id": "3", "is_fraud": "1", "timestamp": "2025-03-01T14:00:00Z"},
        )
        out = _clean(submission, hand)
        for column in ("transaction_id", "user_id", "merchant_id", "device_id"):
            if out[column].dtype != np.int64:
                fail(
                    f"{column} should have dtype int64 (the contract names it: ids outgrow "
                    f"smaller types, user 3000000000 does not fit in int32), got {out[column].dtype}"
                )
        if out["is_fraud"].dtype != bool:
            fail(
                f"is_fraud should have dtype bool ('1' is True, '0' is False), got {out['is_fraud'].dtype}"
            )
        flags = dict(
            zip(
                _ints(out["transaction_id"], "transaction_id").tolist(),
                np.asarray(out["is_fraud"], dtype=bool).tolist(),
                strict=True,
            )
        )
        if flags != {1: True, 2: False, 3: True}:
            fail(
                f"is_fraud '1', '0', '1' should become True, False, True; got {flags}. The text '0' "
                "is not empty, so .astype(bool) makes it True: compare with the text, .eq('1')"
            )
        if _ints(out["user_id"], "user_id").max() != 3_000_000_000:
            fail("user_id '3000000000' came back as another number: parse ids into int64")
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

    def test_currency_and_chargeback_columns_stay_as_they_are(self, submission):
        raw = _raw(
            {
                "transaction_id": "1",
                "currency": "GBP",
                "is_fraud": "1",
                "chargeback_at": "2025-03-09T10:00:00Z",
                "days_to_chargeback": "7.5",
            },
            {"transaction_id": "2", "currency": "EUR", "timestamp": "2025-03-01T13:00:00Z"},
        )
        out = _clean(submission, raw)
        order = np.argsort(_ints(out["transaction_id"], "transaction_id")).tolist()
        for column in ("currency", "chargeback_at", "days_to_chargeback"):
            cells = _cells(out[column])
            got = [cells[i] for i in order]
            want = raw[column].tolist()
            if got != want:
                fail(
                    f"{column} should stay as it is in the export, {want} for transactions 1, 2; "
                    f"got {got}. The contract changes only the columns it names: leave currency's "
                    "case alone and keep the chargeback columns as their text (missing stays missing)"
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
