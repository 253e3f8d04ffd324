"""Checks for 02_pandas/ex05_optimize_dtypes (see solutions/02_pandas/ex05_optimize_dtypes.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import CheckFailure, differential, fail

from ._shared import (
    _assert_unchanged,
    _frame,
    _missing,
    _show_frame,
    _snapshot,
)

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


def _assert_own_categories(before: pd.Series, after: pd.Series, name: str) -> None:
    """A text column turned into category has as categories only values it holds."""
    if not _is_text(before) or not isinstance(after.dtype, pd.CategoricalDtype):
        return
    held = {str(v) for v in before.dropna().astype(object).tolist()}
    foreign = [str(c) for c in after.cat.categories.astype(object).tolist() if str(c) not in held]
    if foreign:
        fail(
            f"column {name!r} became category with {len(after.cat.categories)} categories, "
            f"{len(foreign)} of which never occur in it: {foreign[:8]}. Give each text column its "
            "own values as categories (pd.Categorical(col)), not a vocabulary shared with other "
            "columns: each extra category is stored again in every column (past 127 of them the "
            "codes take 2 bytes a row), and "
            "whatever reads the categories sees values the column cannot hold (pd.get_dummies "
            f"makes a column {name}_{foreign[0]}, a model reads {foreign[0]!r} as a possible "
            f"{name} it was never shown)"
        )


def _is_text(column: pd.Series) -> bool:
    return not isinstance(column.dtype, pd.CategoricalDtype) and (
        pd.api.types.infer_dtype(column, skipna=True) == "string"
    )


def _random_table(seed: int, n_rows: int) -> pd.DataFrame:
    """A seeded table with a column of every kind the contract names: integers whose range ends
    at or next to the limit of a small type, floats (some whole numbers, some missing), bools,
    datetimes with and without a time zone (with NaT), an ordered category with a missing value
    and an unused category, text with missing values and text without (object and the default
    string dtype), numeric-looking text with leading zeros; under an unsorted index."""
    rng = np.random.default_rng(seed)
    edge = int(rng.choice([127, 128, 255, 256, 32_767, 32_768, 2**31 - 1, 2**31]))
    low = int(rng.choice([0, -128, -129, -32_768, -32_769, -(2**31), -(2**31) - 1]))
    ints = rng.integers(0, 50, n_rows)
    ints[0] = edge
    if n_rows > 1:
        ints[1] = low
    t0 = pd.Timestamp("2025-03-01T10:00:00Z").value
    seconds = rng.integers(0, 10**6, n_rows) * 10**9
    when = pd.to_datetime(t0 + seconds, utc=True).tz_convert("Europe/Berlin")
    countries = ["DE", "FR", "GB", "US"]
    table = {
        "n_items": pd.Series(ints, dtype=np.int64),
        "amount": pd.Series(rng.choice([0.1, 1234.57, 12.0, 99_999.99, np.nan], n_rows)),
        "quantity": pd.Series(rng.choice([1.0, 2.0, 3.0, 40.0], n_rows)),
        "is_fraud": pd.Series(rng.random(n_rows) < 0.3),
        "timestamp": pd.Series(when).where(rng.random(n_rows) < 0.8),
        "day": pd.Series(pd.to_datetime(t0 + seconds)).dt.floor("D"),
        "segment": pd.Series(
            pd.Categorical(
                rng.choice(["premium", "student", "none"], n_rows),
                categories=["student", "standard", "premium"],  # "none" becomes missing
                ordered=True,
            )
        ),
        "card_country": pd.Series(rng.choice(countries[:3], n_rows), dtype=object),
        "merchant_country": pd.Series(
            [None if rng.random() < 0.2 else str(c) for c in rng.choice(countries[1:], n_rows)],
            dtype=object,
        ),
        "card_bin": pd.Series(rng.choice(["004512", "4512", "000017"], n_rows), dtype=object),
        "currency": pd.Series(rng.choice(["EUR", "eur", "GBP"], n_rows), dtype="str"),
    }
    keep = [c for c in table if c in ("card_country", "merchant_country") or rng.random() < 0.7]
    df = pd.DataFrame({c: table[c] for c in keep})
    return df.set_axis(rng.choice(np.arange(10 * n_rows + 10), n_rows, replace=False))


def _generated_tables():
    for k, n_rows in enumerate([1, 2, 3, 4, 5, 6, 8, 10, 13, 17, 25, 40]):
        df = _random_table(600 + k, n_rows)
        yield (
            f"this {n_rows}-row df (seed {600 + k}, dtypes "
            f"{dict((str(c), str(t)) for c, t in df.dtypes.items())}):{_show_frame(df)}\n ",
            lambda fn, df=df: (df, fn(df.copy(deep=True))),
        )


def _compare_optimized(got: Any, expected: Any, where: str) -> None:
    """Both are (df, result): the learner's result is compared with df itself by value (a
    cheaper dtype than the reference's is fine), and a text column turned into category may have
    only its own values as categories."""
    df, out = got
    out = _frame(out, "optimize_dtypes(df)")
    if [str(c) for c in out.columns] != [str(c) for c in df.columns]:
        fail(
            f"{where}: the columns should be df's, {[str(c) for c in df.columns]}; got "
            f"{[str(c) for c in out.columns]}"
        )
    if out.index.tolist() != df.index.tolist():
        fail(
            f"{where}: the index should be df's, {df.index.tolist()[:8]}; got {out.index.tolist()[:8]}"
        )
    try:
        for name in df.columns:
            _assert_same_values(df[name], out[name], str(name))
            _assert_own_categories(df[name], out[name], str(name))
    except CheckFailure as exc:
        fail(f"{where}: {exc}")


class TestOptimizeDtypes:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_tables(),
            submission.optimize_dtypes,
            reference.optimize_dtypes,
            _compare_optimized,
            "optimize_dtypes(df)",
        )

    def test_integers_at_the_edges_of_small_types(self, submission):
        columns = {
            "int8_range": [-128, 127],
            "one_above_int8": [0, 128],
            "one_below_int8": [-129, 0],
            "uint8_range": [0, 255],
            "one_above_uint8": [0, 256],
            "int16_range": [-32_768, 32_767],
            "one_above_int16": [0, 32_768],
            "one_below_int16": [-32_769, 0],
            "int32_range": [-(2**31), 2**31 - 1],
            "one_above_int32": [0, 2**31],
            "one_below_int32": [-(2**31) - 1, 0],
        }
        df = pd.DataFrame(
            {name: np.array(edges + [1, 2] * 5, dtype=np.int64) for name, edges in columns.items()}
        )
        df["unsigned"] = np.array([0, 4_000_000_000] + [1, 2] * 5, dtype=np.uint32)
        out = _optimize(submission, df)
        for name in df.columns:
            _assert_same_values(df[name], out[name], name)

    def test_whole_number_floats_stay_floats(self, submission):
        df = pd.DataFrame(
            {
                "quantity": [1.0, 2.0, 3.0, 40.0] * 3,
                "amount": [10.0, 250.0, 3.0, 7.0] * 3,
                "n_items": np.array([1, 2, 3, 4] * 3, dtype=np.int64),
            }
        )
        out = _optimize(submission, df)
        for name in df.columns:
            _assert_same_values(df[name], out[name], name)

    def test_bools_and_datetimes_stay_as_they_are(self, submission):
        when = pd.to_datetime(
            ["2025-03-01T10:00:00Z", None, "2025-03-30T01:30:00Z", "2025-03-30T01:30:00Z"] * 3,
            utc=True,
            format="ISO8601",
        )
        df = pd.DataFrame(
            {
                "is_fraud": [True, False, False, True] * 3,
                "chargeback_at": when.tz_convert("Europe/Berlin"),
                "day": pd.to_datetime(["2025-03-01", "2025-03-02", None, "2025-03-01"] * 3),
                "channel": pd.Series(["web", "pos", "web", "app"] * 3, dtype=object),
            }
        )
        out = _optimize(submission, df)
        for name in df.columns:
            _assert_same_values(df[name], out[name], name)

    def test_index_kept(self, submission):
        df = pd.DataFrame(
            {
                "channel": np.array(["web", "pos", "web", "app"] * 3, dtype=object),
                "currency": np.array(["EUR", "GBP", None, "EUR"] * 3, dtype=object),
                "user_id": np.array([7, 8, 9, 7] * 3, dtype=np.int64),
                "amount": [1.5, 2.25, 3.0, 10.1] * 3,
            },
            index=[50, 11, 72, 33, 94, 15, 26, 87, 48, 19, 60, 41],
        )
        out = _frame(submission.optimize_dtypes(df.copy()), "optimize_dtypes(df)")
        if out.index.tolist() != df.index.tolist():
            fail(
                f"df's index is {df.index.tolist()[:6]}...; the result's is "
                f"{out.index.tolist()[:6]}...: keep df's index (and its rows in their order)"
            )
        if [str(c) for c in out.columns] != [str(c) for c in df.columns]:
            fail(f"the result's columns are {[str(c) for c in out.columns]}; keep df's columns")
        for name in ("channel", "user_id", "amount"):
            if any(_missing(v) for v in out[name].astype(object).tolist()):
                fail(
                    f"column {name!r} came back with missing values where df (index "
                    f"{df.index.tolist()[:4]}...) has none. A new Series built on a fresh "
                    "RangeIndex (pd.Series(pd.Categorical(...))) is matched to df's rows by label "
                    "when assigned, not by position: assign the Categorical itself, or build "
                    "the Series with index=df.index"
                )
        for name in df.columns:
            _assert_same_values(df[name], out[name], name)

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

    def test_each_text_column_has_its_own_categories(self, submission):
        df = _transactions_table()
        out = _optimize(submission, df)
        for name in df.columns:
            _assert_same_values(df[name], out[name], str(name))
            _assert_own_categories(df[name], out[name], str(name))

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
