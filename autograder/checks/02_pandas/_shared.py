"""Helpers shared by the checks of lesson 02_pandas.

Checks for lesson 02, pandas for ML data. Each test grades one behaviour of one exercise.

Values are compared as plain NumPy arrays and Python scalars built here, never with the learner's
objects' own `==`: timestamps as int64 nanoseconds since the epoch (UTC), text as `str`.
The data are small hand-built frames for the edge cases and `coursedata` sample worlds (seeded,
generated in memory), so every check runs in well under a second on pandas 2.2 and 3.x alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import fail

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


def _fresh_range_index(index: pd.Index) -> bool:
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def _show_frame(df: pd.DataFrame, max_rows: int = 8) -> str:
    """A small generated input as text, for the message that names it."""
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        text = df.head(max_rows).to_string()
    more = f"\n  ... and {len(df) - max_rows} more rows" if len(df) > max_rows else ""
    return "\n  " + text.replace("\n", "\n  ") + more


def _cells(series: pd.Series) -> list[Any]:
    """Each value as a plain Python value: None when missing, else the value itself."""
    return [None if _missing(v) else v for v in series.astype(object).tolist()]


def _assert_same_column(
    got: pd.Series,
    want: pd.Series,
    name: str,
    where: str,
    rtol: float = 1e-9,
    atol: float = 1e-6,
    by_label: bool = False,
) -> None:
    """The learner's column against the reference's, compared by value as plain Python/NumPy
    data (never with the learner's own `==`): the kind of values must match (integers, floats,
    bools, instants, text) and every row must hold the same value, missing where it is missing.
    Floats agree within `rtol`/`atol` (sums taken in another order differ in the last bits).
    With `by_label`, a differing row is named by its label in `want`'s index."""

    def row(i: int) -> str:
        return f"the row labelled {want.index[i]!r}" if by_label else f"row {i}"

    kind = want.dtype.kind if not isinstance(want.dtype, pd.CategoricalDtype) else "O"
    if isinstance(want.dtype, pd.DatetimeTZDtype):
        got_v = _instants(got, f"{where}: column {name!r}").tolist()
        want_v = _instants(want, "expected").tolist()
        show = _show_time
    elif kind in "iu":
        got_v = _ints(got, f"{where}: column {name!r}").tolist()
        want_v = np.asarray(want.to_numpy(), dtype=np.int64).tolist()
        show = repr
    elif kind == "b":
        if got.dtype != bool:
            fail(f"{where}: column {name!r} should have dtype bool, got {got.dtype}")
        got_v = np.asarray(got.to_numpy(), dtype=bool).tolist()
        want_v = np.asarray(want.to_numpy(), dtype=bool).tolist()
        show = repr
    elif kind == "f":
        g = _floats(got, f"{where}: column {name!r}")
        w = np.asarray(want.to_numpy(), dtype=np.float64)
        both_nan = np.isnan(g) & np.isnan(w)
        with np.errstate(invalid="ignore"):
            same = both_nan | np.isclose(g, w, rtol=rtol, atol=atol)
        bad = np.flatnonzero(~same)
        if len(bad):
            i = int(bad[0])
            show_v = ["missing (NaN)" if np.isnan(x) else repr(float(x)) for x in (g[i], w[i])]
            fail(
                f"{where}: column {name!r}, {row(i)}: got {show_v[0]}, expected {show_v[1]} "
                f"({len(bad)} of {len(w)} rows differ)"
            )
        return
    else:  # text (object, str, string or category): plain str, or None when missing
        got_v, want_v = _cells(got), _cells(want)
        for i, value in enumerate(got_v):
            if value is not None and not isinstance(value, str):
                fail(
                    f"{where}: column {name!r}, {row(i)} is {value!r} ({type(value).__name__}); "
                    f"expected text, {want_v[i]!r}"
                )
        show = repr
    if len(got_v) != len(want_v):
        fail(f"{where}: column {name!r} has {len(got_v)} rows, expected {len(want_v)}")
    for i, (g, w) in enumerate(zip(got_v, want_v, strict=True)):
        if g != w:
            shown = ["missing" if v is None else show(v) for v in (g, w)]
            n_bad = sum(1 for a, b in zip(got_v, want_v, strict=True) if a != b)
            fail(
                f"{where}: column {name!r}, {row(i)}: got {shown[0]}, expected {shown[1]} "
                f"({n_bad} of {len(want_v)} rows differ)"
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


def _assert_same_frame(
    out: pd.DataFrame, expected: pd.DataFrame, where: str, index_is: str
) -> None:
    """Same column names in the same order, the same index labels, each column the same values."""
    columns, want_columns = [str(c) for c in out.columns], [str(c) for c in expected.columns]
    if columns != want_columns:
        fail(f"{where}: the columns should be {want_columns}; got {columns}")
    if out.index.tolist() != expected.index.tolist():
        fail(
            f"{where}: the index should be {index_is}, {expected.index.tolist()[:8]}; got "
            f"{out.index.tolist()[:8]}"
        )
    for column in want_columns:
        _assert_same_column(out[column], expected[column], column, where, by_label=True)
