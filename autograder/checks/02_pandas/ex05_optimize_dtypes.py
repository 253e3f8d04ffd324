"""Checks for 02_pandas/ex05_optimize_dtypes (see solutions/02_pandas/ex05_optimize_dtypes.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import fail

from ._shared import (
    _assert_unchanged,
    _frame,
    _missing,
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
