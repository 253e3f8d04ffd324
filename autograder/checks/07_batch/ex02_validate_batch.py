"""Checks for 07_batch/ex02_validate_batch (see solutions/07_batch/ex02_validate_batch.py for the reference).

Hand-built batches whose answer is written out row by row (one broken value per row of each
kind, rows with several, the boundaries, every kind of missing value, repeated index labels),
then seeded messy batches from the data world (its raw text export and its typed transactions,
with broken cells planted) compared with the reference solution, smallest first. Every frame
carries an unchecked extra column `batch_row` (its position), which the contract keeps: it tells
which input row each output row is, even when index labels repeat.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import CheckFailure, differential, fail

VALID = "valid"  # the expected outcome of a row that passes

# The schema of the hand-built batches.
SCHEMA = {
    "amount": {"dtype": "float", "min": 0, "max": 5000, "finite": True},
    "items": {"dtype": "int", "min": 1, "max": 10},
    "channel": {"dtype": "category", "categories": ["web", "app", "pos"]},
    "paid_at": {"dtype": "datetime"},
    "merchant": {"dtype": "str"},
    "score": {"dtype": "float", "finite": True, "nullable": True},
    "ratio": {"dtype": "float", "nullable": True},
}
GOOD = {
    "amount": 12.5,
    "items": 2,
    "channel": "web",
    "paid_at": "2025-03-01T12:00:00Z",
    "merchant": "Kiosk 7",
    "score": 0.25,
    "ratio": 1.5,
}


def _batch(changes: list[dict], index: list | None = None, order: list[str] | None = None):
    """One row per dict of `changes`, each a good row with those values changed; object columns
    (so a column can hold "abc" and 2.5), and the extra column batch_row."""
    rows = [{**GOOD, **change} for change in changes]
    columns = order or list(GOOD)
    data = {c: pd.Series([r[c] for r in rows], dtype=object) for c in columns}
    df = pd.DataFrame(data)
    df["batch_row"] = np.arange(len(rows), dtype=np.int64)
    if index is not None:
        df.index = pd.Index(index)
    return df


# --- comparing a result with the expected outcome of every row --------------------------------


def _describe(df: pd.DataFrame, position: int, schema: dict) -> str:
    row = df.iloc[position]
    cells = ", ".join(f"{c}={row[c]!r}" for c in schema if c in df.columns)
    return f"row {position} (index label {df.index[position]!r}; {cells})"


def _same_value(a: Any, b: Any, loose: bool) -> bool:
    if pd.isna(a) or pd.isna(b):  # None stays None, NaN stays NaN, pd.NA stays pd.NA
        floats = isinstance(a, float | np.floating) and isinstance(b, float | np.floating)
        return bool(pd.isna(a) and pd.isna(b) and (loose or type(a) is type(b) or floats))
    if type(a) is not type(b) and not (
        isinstance(a, float | int | np.number) and isinstance(b, float | int | np.number)
    ):
        return False
    return bool(a == b)


def _same_cells(got: pd.Series, want: pd.Series) -> bool:
    """The same dtype and the same values (values are never converted). An object column that
    holds only strings and missing values crosses from the learner's process as pandas' str
    dtype (its missing values as NaN): for such a column the two dtypes count as one."""
    if got.dtype == want.dtype and want.dtype != object:
        return bool(got.reset_index(drop=True).equals(want.reset_index(drop=True)))
    textual = {np.dtype(object), pd.StringDtype(na_value=np.nan)}
    if got.dtype != want.dtype and not {got.dtype, want.dtype} <= textual:
        return False
    loose = got.dtype != want.dtype
    pairs = zip(got.astype(object).tolist(), want.astype(object).tolist(), strict=True)
    return all(_same_value(a, b, loose) for a, b in pairs)


def _unchanged(df: pd.DataFrame, before: pd.DataFrame) -> bool:
    return (
        list(df.columns) == list(before.columns)
        and df.index.equals(before.index)
        and all(_same_cells(df[c], before[c]) for c in before.columns)
    )


def _frames(result: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"validate_batch should return a tuple (valid, rejected), got {type(result).__name__}")
    valid, rejected = result
    for name, frame in (("valid", valid), ("rejected", rejected)):
        if not isinstance(frame, pd.DataFrame):
            fail(f"{name} should be a pandas DataFrame, got {type(frame).__name__}")
    return valid, rejected


def _outcomes(df: pd.DataFrame, result: Any, where: str) -> list[str]:
    """Each input row's outcome in the learner's answer: VALID or its reasons string. Checks on
    the way that nothing was lost, doubled or reordered, and that columns, dtypes, values and
    index labels are df's own."""
    valid, rejected = _frames(result)
    columns = list(df.columns)
    if list(valid.columns) != columns:
        fail(
            f"{where}: valid has columns {list(valid.columns)}, expected df's columns {columns} "
            "(all of them, in order: a column the schema does not name is kept too)"
        )
    if list(rejected.columns) != [*columns, "reasons"]:
        fail(
            f"{where}: rejected has columns {list(rejected.columns)}, expected df's columns "
            f"plus a last column 'reasons': {[*columns, 'reasons']}"
        )
    if len(valid) + len(rejected) != len(df):
        fail(
            f"{where}: {len(valid)} valid + {len(rejected)} rejected rows, but df has {len(df)}: "
            "every row must land in exactly one of the two frames (nothing lost, nothing "
            "doubled, even when index labels repeat: split by position, not by label)"
        )
    outcome: list[str | None] = [None] * len(df)
    for name, frame in (("valid", valid), ("rejected", rejected)):
        rows = frame["batch_row"].to_numpy()
        if len(rows) and (np.any(rows < 0) or np.any(rows >= len(df))):
            fail(f"{where}: {name} holds rows that are not df's (batch_row {rows.tolist()})")
        if np.any(np.diff(rows) <= 0):
            fail(
                f"{where}: the rows of {name} are not in df's order (their positions in df: "
                f"{rows.tolist()[:20]}); keep the input order"
            )
        expected_labels = df.index[rows].tolist()
        if frame.index.tolist() != expected_labels:
            fail(
                f"{where}: {name}'s index labels are {frame.index.tolist()[:12]}, expected df's "
                f"labels of those rows {expected_labels[:12]}: keep df's index"
            )
        for column in columns:
            if not _same_cells(frame[column], df[column].iloc[rows]):
                fail(
                    f"{where}: column {column!r} of {name} is not df's (dtype {frame[column].dtype} "
                    f"vs {df[column].dtype}, or values changed): the rows are checked, never "
                    "converted; return them as they came"
                )
        for k, row in enumerate(rows):
            if outcome[row] is not None:
                fail(f"{where}: {_describe(df, int(row), {})} appears twice in the output")
            if name == "valid":
                outcome[row] = VALID
            else:
                reasons = rejected["reasons"].iloc[k]
                if not isinstance(reasons, str):
                    fail(
                        f"{where}: reasons should be one string per row (the reasons joined by "
                        f"'; '), got {reasons!r} ({type(reasons).__name__})"
                    )
                outcome[row] = reasons
    return outcome  # type: ignore[return-value]


def _check_outcomes(
    df: pd.DataFrame, got: list[str], expected: list[str], schema: dict, where: str
) -> None:
    for position, (g, e) in enumerate(zip(got, expected, strict=True)):
        if g != e:
            said = "valid" if g == VALID else f"rejected with reasons {g!r}"
            want = "valid" if e == VALID else f"rejected with reasons {e!r}"
            fail(f"{where}: {_describe(df, position, schema)} should be {want}, but is {said}")


def _validate(submission, df: pd.DataFrame, schema: dict, where: str) -> list[str]:
    """The learner's outcome per row; also checks that df was not modified."""
    before = df.copy(deep=True)
    try:
        result = submission.validate_batch(df, schema)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:  # noqa: BLE001 - an unexpected error is the verdict
        fail(f"{where}: validate_batch raised {type(exc).__name__}: {str(exc).strip()[:300]}")
    if not _unchanged(df, before):
        fail(
            f"{where}: validate_batch modified df; work on what you read, not on the caller's frame"
        )
    return _outcomes(df, result, where)


def _expect(submission, df, schema, expected: list[str], where: str) -> None:
    _check_outcomes(df, _validate(submission, df, schema, where), expected, schema, where)


def _expect_value_error(submission, df, schema, why: str, mentions: tuple[str, ...] = ()) -> None:
    try:
        submission.validate_batch(df, schema)
    except NotImplementedError:
        raise
    except ValueError as exc:
        message = str(exc)
        missing = [m for m in mentions if m not in message]
        if missing:
            fail(f"the ValueError ({why}) should name {missing}, but says {message[:300]!r}")
        return
    except Exception as exc:  # noqa: BLE001 - the wrong kind of error is the verdict
        fail(f"expected ValueError ({why}), but your code raised {type(exc).__name__}: {exc}")
    fail(f"expected ValueError ({why}), but a result came back")


# --- the hand-built batches -------------------------------------------------------------------


class TestRules:
    def test_one_broken_value_per_row(self, submission):
        cases = [
            ({}, VALID),
            ({"amount": None}, "amount: missing value"),
            ({"amount": "abc"}, "amount: wrong type"),
            ({"amount": -1.0}, "amount: out of range"),
            ({"amount": 7000}, "amount: out of range"),
            ({"items": 3.5}, "items: wrong type"),
            ({"items": "x"}, "items: wrong type"),
            ({"items": 0}, "items: out of range"),
            ({"channel": "POS"}, "channel: unknown category"),
            ({"channel": None}, "channel: missing value"),
            ({"paid_at": "yesterday"}, "paid_at: wrong type"),
            ({"paid_at": None}, "paid_at: missing value"),
            ({"merchant": None}, "merchant: missing value"),
            ({"score": np.inf}, "score: not finite"),
            ({"amount": "7.25", "items": "3", "score": None, "ratio": np.inf}, VALID),
        ]
        df = _batch([change for change, _ in cases])
        _expect(
            submission,
            df,
            SCHEMA,
            [e for _, e in cases],
            "a batch with one broken value per row",
        )

    def test_several_reasons_in_schema_order(self, submission):
        order = ["merchant", "ratio", "paid_at", "channel", "score", "items", "amount"]
        cases = [
            ({"amount": -5, "channel": "POS"}, "amount: out of range; channel: unknown category"),
            (
                {"amount": "abc", "items": 0, "channel": None, "paid_at": "soon", "merchant": None},
                "amount: wrong type; items: out of range; channel: missing value; "
                "paid_at: wrong type; merchant: missing value",
            ),
            ({"items": 11, "score": -np.inf}, "items: out of range; score: not finite"),
            ({"ratio": "n/a", "amount": None}, "amount: missing value; ratio: wrong type"),
            ({}, VALID),
        ]
        df = _batch([change for change, _ in cases], order=order)
        _expect(
            submission,
            df,
            SCHEMA,
            [e for _, e in cases],
            "a batch whose columns are not in the schema's order, with several broken values "
            "per row (every reason, in the schema's column order)",
        )

    def test_first_failed_rule_only(self, submission):
        cases = [
            ({"amount": np.inf}, "amount: not finite"),
            ({"amount": "-inf"}, "amount: not finite"),
            ({"items": np.inf}, "items: wrong type"),
            ({"items": "abc"}, "items: wrong type"),
            ({"items": 12.5}, "items: wrong type"),
            ({"amount": ""}, "amount: wrong type"),
            ({"amount": "NaN"}, "amount: wrong type"),
            ({"channel": ""}, "channel: unknown category"),
            ({"merchant": ""}, VALID),
        ]
        df = _batch([change for change, _ in cases])
        _expect(
            submission,
            df,
            SCHEMA,
            [e for _, e in cases],
            "values that break several rules of one column (each value fails at most one rule, "
            "the first of RULES)",
        )

    def test_boundaries_are_inclusive(self, submission):
        cases = [
            ({"amount": 0.0}, VALID),
            ({"amount": 5000}, VALID),
            ({"amount": "5000"}, VALID),
            ({"amount": "1e3"}, VALID),
            ({"amount": float(np.nextafter(0.0, -1.0))}, "amount: out of range"),
            ({"amount": float(np.nextafter(5000.0, np.inf))}, "amount: out of range"),
            ({"amount": "5000.001"}, "amount: out of range"),
            ({"items": 1}, VALID),
            ({"items": 10}, VALID),
            ({"items": 10.0}, VALID),
            ({"items": "10"}, VALID),
            ({"items": 11}, "items: out of range"),
            ({"items": "10.5"}, "items: wrong type"),
            ({"paid_at": "2025-03-01"}, VALID),
            ({"paid_at": "2025-03-01T13:00:00+01:00"}, VALID),
            ({"paid_at": pd.Timestamp("2025-03-01 12:00", tz="UTC")}, VALID),
            ({"paid_at": "2025-02-30"}, "paid_at: wrong type"),
            ({"ratio": -np.inf, "score": 1e300}, VALID),
        ]
        df = _batch([change for change, _ in cases])
        _expect(
            submission,
            df,
            SCHEMA,
            [e for _, e in cases],
            "values at and just past each boundary (min and max are inclusive)",
        )

    def test_missing_values(self, submission):
        cases = [
            ({"amount": np.nan}, "amount: missing value"),
            ({"amount": pd.NA}, "amount: missing value"),
            ({"paid_at": pd.NaT}, "paid_at: missing value"),
            ({"items": None}, "items: missing value"),
            ({"merchant": np.nan}, "merchant: missing value"),
            ({"score": np.nan, "ratio": None}, VALID),
            ({"score": pd.NA, "ratio": np.nan}, VALID),
        ]
        df = _batch([change for change, _ in cases])
        _expect(
            submission,
            df,
            SCHEMA,
            [e for _, e in cases],
            "None, NaN, pd.NA and NaT in nullable and non-nullable columns (all missing; a "
            "missing value is valid in a nullable column)",
        )

    def test_typed_columns(self, submission):
        df = pd.DataFrame(
            {
                "amount": [12.5, np.nan, -3.0, np.inf, 40.0],
                "items": np.array([1, 2, 0, 3, 4], dtype=np.int64),
                "channel": pd.Categorical(["web", "pos", "app", "web", "atm"]),
                "paid_at": pd.to_datetime(
                    ["2025-03-01", "2025-03-02", None, "2025-03-04", "2025-03-05"], utc=True
                ),
                "merchant": pd.Series(["a", "b", "c", None, "e"], dtype="str"),
                "score": [0.1, 0.2, 0.3, 0.4, np.nan],
                "ratio": [1.0, 1.0, 1.0, 1.0, 1.0],
                "batch_row": np.arange(5, dtype=np.int64),
            }
        )
        expected = [
            VALID,
            "amount: missing value",
            "amount: out of range; items: out of range; paid_at: missing value",
            "amount: not finite; merchant: missing value",
            "channel: unknown category",
        ]
        _expect(
            submission,
            df,
            SCHEMA,
            expected,
            "a batch of typed columns (float64, int64, pandas category, datetime64 in UTC, str)",
        )


class TestRows:
    def test_repeated_and_unsorted_labels(self, submission):
        changes = [{}, {"amount": -1}, {}, {"channel": "atm"}, {}, {"items": 0}, {}]
        index = ["b", "a", "b", "c", "a", "b", "z"]
        df = _batch(changes, index=index)
        expected = [
            VALID,
            "amount: out of range",
            VALID,
            "channel: unknown category",
            VALID,
            "items: out of range",
            VALID,
        ]
        _expect(
            submission,
            df,
            SCHEMA,
            expected,
            f"a batch whose index labels repeat and are not sorted ({index})",
        )
        df = _batch(changes, index=[3, 3, 3, 1, 1, 0, 0])
        _expect(submission, df, SCHEMA, expected, "a batch with integer labels that repeat")

    def test_all_valid_and_empty(self, submission):
        df = _batch([{}, {"amount": 1}, {"items": "4"}])
        df["comment"] = pd.Series(["abc", np.inf, None], dtype=object)  # not in the schema
        _expect(
            submission,
            df,
            SCHEMA,
            [VALID] * 3,
            "a batch where every row is valid (a column the schema does not name holds 'abc', "
            "inf and None: it is kept and not checked)",
        )
        empty = _batch([{}]).iloc[:0]
        got = _validate(submission, empty, SCHEMA, "an empty batch")
        if got:
            fail(f"an empty batch gave outcomes {got}")


class TestErrors:
    def test_missing_columns_one_error(self, submission):
        df = _batch([{}, {"amount": -1}]).drop(columns=["items", "paid_at"])
        _expect_value_error(
            submission,
            df,
            SCHEMA,
            "the batch lacks the schema's columns 'items' and 'paid_at': one error naming both, "
            "not a rejection of every row",
            mentions=("items", "paid_at"),
        )
        _expect_value_error(
            submission,
            df.iloc[:0],
            SCHEMA,
            "an empty batch that lacks schema columns is still an error",
            mentions=("items", "paid_at"),
        )

    def test_bad_schema(self, submission):
        df = _batch([{}])
        cases = [
            ({"amount": "float"}, "a spec that is a string, not a dict"),
            ({"amount": {"dtype": "number"}}, "an unknown dtype 'number'"),
            ({"amount": {"min": 0}}, "a spec without a dtype"),
            ({"items": {"dtype": "int", "finite": True}}, "'finite' in an int column"),
            ({"amount": {"dtype": "float", "categories": ["a"]}}, "'categories' in a float column"),
            ({"amount": {"dtype": "float", "maximum": 5}}, "an unknown key 'maximum'"),
            ({"channel": {"dtype": "category"}}, "a category column without 'categories'"),
            ({"amount": {"dtype": "float", "min": 10, "max": 5}}, "a min above its max"),
        ]
        for schema, why in cases:
            _expect_value_error(submission, df, schema, f"a bad schema: {why}")

    def test_reasons_column_taken(self, submission):
        df = _batch([{}, {"amount": -1}])
        df["reasons"] = ["", ""]
        _expect_value_error(
            submission,
            df,
            SCHEMA,
            "df already has a column named 'reasons', the name of the output's column",
        )


# --- seeded messy batches against the reference ------------------------------------------------

_CATEGORIES = list(coursedata.SCHEMA["transactions"]["merchant_category"].values)
_COUNTRIES = list(coursedata.SCHEMA["transactions"]["card_country"].values)

RAW_SCHEMA = {
    "transaction_id": {"dtype": "int", "min": 1},
    "timestamp": {"dtype": "datetime"},
    "user_id": {"dtype": "int", "min": 1},
    "amount": {"dtype": "float", "min": 0.01, "max": 10_000, "finite": True},
    "currency": {"dtype": "category", "categories": ["EUR", "GBP", "CHF", "USD"]},
    "merchant_category": {"dtype": "category", "categories": _CATEGORIES},
    "channel": {"dtype": "category", "categories": ["web", "app", "pos"]},
    "card_country": {"dtype": "category", "categories": _COUNTRIES},
    "merchant_country": {"dtype": "category", "categories": _COUNTRIES, "nullable": True},
    "is_fraud": {"dtype": "int", "min": 0, "max": 1},
    "days_to_chargeback": {"dtype": "float", "min": 0, "nullable": True},
    "chargeback_at": {"dtype": "datetime", "nullable": True},
}

TYPED_SCHEMA = {
    "amount": {"dtype": "float", "min": 0.01, "max": 2_000, "finite": True},
    "user_id": {"dtype": "int", "min": 1},
    "timestamp": {"dtype": "datetime"},
    "channel": {"dtype": "category", "categories": ["web", "app"]},
    "merchant_country": {"dtype": "category", "categories": _COUNTRIES, "nullable": True},
    "days_to_chargeback": {"dtype": "float", "min": 0, "nullable": True},
}

_MESS = {
    "int": ["abc", "", None, np.nan, np.inf, 0, -3, 3.5, "12", 12.0, "7.5"],
    "float": ["abc", "", None, np.nan, np.inf, "-inf", -5, 0, 1e7, "3.5", 3.5, "1,234.50"],
    "datetime": ["not a date", "2025-02-30", None, "2025-03-01", "2025-03-01T10:00:00+02:00"],
    "category": ["POS", " web", "", None, "pos", "EUR", "gift_cards"],
}


@functools.cache
def _world() -> coursedata.World:
    return coursedata.sample("tiny", 0)


@functools.cache
def _raw() -> pd.DataFrame:
    return coursedata.raw_export(_world(), seed=0)


def _relabel(df: pd.DataFrame, rng: np.random.Generator, case: int) -> pd.DataFrame:
    """Case 0: the sampled (unsorted) labels; 1: a RangeIndex; 2: repeated labels."""
    if case % 3 == 1:
        return df.reset_index(drop=True)
    if case % 3 == 2:
        df.index = pd.Index(rng.integers(0, max(1, len(df) // 3), len(df)))
    return df


def _messy_raw(n: int, seed: int) -> pd.DataFrame:
    """n rows of the raw text export (its own mess: casing, stray spaces, missing countries,
    thousands separators), plus about n/3 planted broken cells."""
    rng = np.random.default_rng(seed)
    df = _raw().sample(n, random_state=seed).copy()
    columns = list(RAW_SCHEMA)
    for _ in range(n // 3 + 1):
        column = columns[rng.integers(len(columns))]
        menu = _MESS[RAW_SCHEMA[column]["dtype"]]
        df.iat[int(rng.integers(n)), df.columns.get_loc(column)] = menu[rng.integers(len(menu))]
    df["batch_row"] = np.arange(n, dtype=np.int64)
    return _relabel(df, rng, seed)


def _messy_typed(n: int, seed: int) -> pd.DataFrame:
    """n typed transactions (float64, int64, category, datetime64 UTC) with broken values that
    their dtypes can hold: negative, huge, infinite or missing amounts, missing times, ids of 0."""
    rng = np.random.default_rng(seed)
    df = _world().transactions.sample(n, random_state=seed).copy()
    df = df[
        [
            "transaction_id",
            "timestamp",
            "user_id",
            "amount",
            "channel",
            "merchant_country",
            "days_to_chargeback",
            "is_fraud",
        ]
    ]
    for _ in range(n // 3 + 1):
        i = int(rng.integers(n))
        kind = int(rng.integers(5))
        if kind == 0:
            df.iat[i, df.columns.get_loc("amount")] = [-1.0, np.inf, -np.inf, np.nan, 1e6][
                int(rng.integers(5))
            ]
        elif kind == 1:
            df.iat[i, df.columns.get_loc("timestamp")] = pd.NaT
        elif kind == 2:
            df.iat[i, df.columns.get_loc("user_id")] = 0
        elif kind == 3:
            df.iat[i, df.columns.get_loc("merchant_country")] = np.nan
        else:
            df.iat[i, df.columns.get_loc("days_to_chargeback")] = -2.0
    df["batch_row"] = np.arange(n, dtype=np.int64)
    return _relabel(df, rng, seed)


def _generated_cases() -> Iterator[tuple[str, Any]]:
    sizes = [(1, "raw"), (4, "typed"), (8, "raw"), (20, "typed"), (60, "raw")]
    for k, (n, kind) in enumerate(sizes):
        seed = 7201 + k
        if kind == "raw":
            df, schema = _messy_raw(n, seed), RAW_SCHEMA
            what = f"{n} rows of the raw export with broken cells (seed {seed})"
        else:
            df, schema = _messy_typed(n, seed), TYPED_SCHEMA
            what = f"{n} typed transactions with broken values (seed {seed})"
        labels = "repeated" if seed % 3 == 2 else "unique"
        yield f"{what}, {labels} index labels", functools.partial(_run_case, df, schema)


def _run_case(df: pd.DataFrame, schema: dict, fn: Any) -> Any:
    return fn(df, schema)


class TestAgainstReference:
    def test_messy_batches(self, submission, reference):
        seen: list[tuple[pd.DataFrame, dict]] = []

        def reference_call(df: pd.DataFrame, schema: dict) -> Any:
            seen.append((df, schema))  # the case that the next comparison is about
            return reference.validate_batch(df, schema)

        def compare(got: Any, expected: Any, where: str) -> None:
            df, schema = seen[-1]
            want = _outcomes(df, expected, "the reference solution")
            _check_outcomes(df, _outcomes(df, got, where), want, schema, where)

        differential(
            _generated_cases(),
            submission.validate_batch,
            reference_call,
            compare,
            "validate_batch",
        )
