"""Checks for 06_tracking/ex02_fingerprint (see solutions/06_tracking/ex02_fingerprint.py for the reference)."""

from __future__ import annotations

import builtins
import string
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from autograder.assertions import assert_vectorised, expect_raises, fail
from autograder.learner_process import Remote

# ex02 · dataset_fingerprint
#
# A fingerprint is only defined up to its encoding, so the checks test what it must tell apart:
# pairs of frames with the same content (names, dtypes, the multiset of rows) must get the same
# fingerprint, pairs that differ in anything else must not. Hand-built pairs take one rule each;
# the differential check asks, on seeded generated pairs, whether the learner's fingerprints are
# equal exactly when the reference's are.


def _base() -> pd.DataFrame:
    """Six payments, one column of every kind the contract names, an index of its own, the
    columns in no particular order, a NaN, a None and a NaT."""
    when = pd.to_datetime(
        [
            "2025-03-01 08:00",
            "2025-03-01 09:30",
            "2025-03-02 12:00",
            "2025-03-02 12:00",
            "2025-03-03 23:59",
            "2025-03-04 07:15",
        ]
    ).astype("datetime64[us]")
    return pd.DataFrame(
        {
            "merchant": pd.Series(
                ["grocer", "cinema", "grocer", "airline", "kiosk", "cinema"],
                dtype="str",
                index=[31, 7, 12, 50, 3, 18],
            ),
            "amount": [12.5, 1.0, np.nan, 0.1, 3.0, 250.75],
            "count": np.array([3, 1, 4, 1, 5, 9], dtype=np.int64),
            "code": np.array([7, 7, 2, 8, 1, 8], dtype=np.int32),
            "small": np.array([0, 255, 3, 4, 5, 6], dtype=np.uint8),
            "flag": [True, False, False, True, False, True],
            "channel": pd.Series(
                ["web", None, "app", "web", "", "pos"], dtype=object, index=[31, 7, 12, 50, 3, 18]
            ),
            "when": when,
            "paid_at": pd.DatetimeIndex(when).tz_localize("Europe/Paris"),
            "delay": pd.to_timedelta([90, 5, None, 30, 0, 1], unit="s").astype("timedelta64[us]"),
            "kind": pd.Categorical(
                ["card", "cash", "card", "wire", "cash", "card"],
                categories=["card", "cash", "wire"],
            ),
        },
        index=pd.Index([31, 7, 12, 50, 3, 18], name="payment_id"),
    )


def _said(what: Any) -> str:
    return what() if callable(what) else what


def _checked(out: Any, what: Any) -> str:
    if not isinstance(out, str):
        fail(
            f"dataset_fingerprint({_said(what)}) returned {type(out).__name__}, expected a str: the "
            "SHA-256 hex digest, hashlib.sha256(...).hexdigest()"
        )
    return out


def _fingerprints(submission, frames: list[tuple[Any, Any]]) -> list[str]:
    """The learner's fingerprints of `frames` ((what, frame) pairs, `what` a description or a
    function that makes it), in one round trip to the learner's process; each must be a str."""
    fn = submission.dataset_fingerprint
    calls = [((df,), {}) for _, df in frames]
    failed: BaseException | None = None
    if isinstance(fn, Remote):
        results, failed = fn.map(calls)
    else:
        results = []
        for args, _ in calls:
            try:
                results.append(fn(*args))
            except Exception as exc:  # noqa: BLE001 - reported below, as from the learner's process
                failed = exc
                break
    if isinstance(failed, NotImplementedError):
        raise failed
    if failed is not None:
        fail(
            f"dataset_fingerprint({_said(frames[len(results)][0])}) raised {type(failed).__name__}: "
            f"{str(failed).strip()[:200]}; this frame is valid"
        )
    return [_checked(out, what) for (what, _), out in zip(frames, results, strict=True)]


def _fp(submission, df: Any, what: str) -> str:
    return _fingerprints(submission, [(what, df)])[0]


class _Pairs:
    """Pairs of frames whose fingerprints must be equal (`same`) or not (`differ`), judged in
    the order given, all fingerprints computed in one round trip."""

    def __init__(self, submission) -> None:
        self.submission = submission
        self.pairs: list[tuple[pd.DataFrame, pd.DataFrame, str, bool, str]] = []

    def same(self, a: pd.DataFrame, b: pd.DataFrame, what: str, why: str) -> None:
        self.pairs.append((a, b, what, True, why))

    def differ(self, a: pd.DataFrame, b: pd.DataFrame, what: str, why: str) -> None:
        self.pairs.append((a, b, what, False, why))

    def judge(self) -> None:
        frames: list[tuple[str, pd.DataFrame]] = []
        position: dict[int, int] = {}
        for a, b, what, _, _ in self.pairs:
            for df, shown in ((a, f"the frame compared with {what}"), (b, what)):
                if id(df) not in position:
                    position[id(df)] = len(frames)
                    frames.append((shown, df))
        out = _fingerprints(self.submission, frames)
        for a, b, what, same, why in self.pairs:
            fa, fb = out[position[id(a)]], out[position[id(b)]]
            if same and fa != fb:
                fail(f"the fingerprint changed ({fa[:12]}... to {fb[:12]}...) for {what}: {why}")
            if not same and fa == fb:
                fail(f"the fingerprint stayed {fa[:12]}... for {what}: {why}")


def _set(df: pd.DataFrame, row: int, column: str, value: Any) -> pd.DataFrame:
    out = df.copy()
    out.iloc[row, out.columns.get_loc(column)] = value
    return out


def _swap(df: pd.DataFrame, column: str, i: int, j: int) -> pd.DataFrame:
    out = df.copy()
    k = out.columns.get_loc(column)
    vi, vj = out.iloc[i, k], out.iloc[j, k]
    out.iloc[i, k], out.iloc[j, k] = vj, vi
    return out


def _nan_with_payload(payload: int) -> float:
    return float(np.array([0x7FF8000000000000 | payload], dtype=np.uint64).view(np.float64)[0])


def _salted_hash_fingerprints(module: Any, df: pd.DataFrame) -> tuple[Any, Any]:
    """In the learner's process: the fingerprint of `df`, then again with the module's `hash()`
    salted differently, as it is in another Python process (the salt of str hashes is drawn when
    a process starts, so a string hashes differently in each)."""
    plain = module.dataset_fingerprint(df.copy())
    real = builtins.hash
    module.hash = lambda obj: real(("salted as in another process", obj))
    try:
        salted = module.dataset_fingerprint(df.copy())
    finally:
        del module.hash
    return plain, salted


def _wide_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(n)
    return pd.DataFrame(
        {
            "amount": rng.normal(50.0, 20.0, n),
            "count": rng.integers(0, 10, n),
            "flag": rng.random(n) < 0.3,
            "merchant": pd.Series(rng.choice(["grocer", "cinema", "kiosk"], n), dtype="str"),
            "channel": pd.Series(
                rng.choice(np.array(["web", "app", None], dtype=object), n), dtype=object
            ),
            "when": pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 10**6, n), "s"),
            "kind": pd.Categorical(rng.choice(["card", "cash"], n)),
        }
    )


def _fingerprint_rows(module: Any, n: int) -> Any:
    return module.dataset_fingerprint(_wide_frame(n))


# --- generated pairs for the differential check ---------------------------------------------------

KINDS = ("float", "int", "bool", "str", "object", "datetime", "category")


def _column(rng: np.random.Generator, kind: str, n: int) -> pd.Series:
    """A column of `n` values from a small pool (so rows repeat and values tie), some missing."""
    missing = rng.random(n) < 0.25
    if kind == "float":
        values = rng.choice([0.5, 1.0, 2.25, -3.0, 0.0, -0.0], n)
        values[missing] = np.nan
        return pd.Series(values, dtype="float64")
    if kind == "int":
        return pd.Series(rng.integers(0, 3, n), dtype="int64")
    if kind == "bool":
        return pd.Series(rng.random(n) < 0.5, dtype="bool")
    if kind in ("str", "object"):
        pool = ["a", "b", "ab", ""] if kind == "str" else ["x", "y", "nan"]
        values = rng.choice(np.array(pool, dtype=object), n)
        values[missing] = None
        return pd.Series(values, dtype="str" if kind == "str" else object)
    if kind == "datetime":
        days = pd.to_timedelta(rng.integers(0, 3, n), unit="D")
        values = pd.Series(pd.Timestamp("2025-01-01") + days).astype("datetime64[us]")
        return values.where(~missing, pd.NaT)
    values = pd.Categorical(rng.choice(["p", "q", "r"], n), categories=["r", "q", "p", "s"])
    return pd.Series(values)


def _frame(seed: int, n: int, k: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    kinds = rng.choice(KINDS, size=k, replace=False)
    df = pd.DataFrame({f"c{j}_{kind}": _column(rng, str(kind), n) for j, kind in enumerate(kinds)})
    df.index = rng.permutation(n) + 100
    return df


def _other_value(rng: np.random.Generator, column: pd.Series, value: Any) -> Any:
    """A value for `column` that differs from `value` (missing counts as a value of its own)."""
    kind = column.dtype.kind
    if isinstance(column.dtype, pd.CategoricalDtype):
        options = [c for c in column.cat.categories if c != value]
        return options[int(rng.integers(len(options)))]
    if pd.isna(value):
        return {"f": 1.0, "M": pd.Timestamp("2025-01-02")}.get(kind, "z")
    if kind == "f":
        return float(value) * (1 + 1e-10) if value != 0 else 1e-300
    if kind == "i":
        return int(value) + 1
    if kind == "b":
        return not value
    if kind == "M":
        return value + pd.Timedelta(1, unit="us")
    return str(value) + "z"


def _cast(column: pd.Series) -> pd.Series:
    """The column in another dtype, its values kept where they can be."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return column.astype("str")
    return {
        "f": lambda: column.astype(np.float32),
        "i": lambda: column.astype(np.float64),
        "b": lambda: column.astype(np.int64),
        "M": lambda: column.astype("datetime64[ns]"),
    }.get(dtype.kind, lambda: column.astype("str" if isinstance(dtype, np.dtype) else object))()


TRANSFORMS = (
    "rows shuffled",
    "one value changed",
    "columns reordered",
    "two cells of one column swapped",
    "a new index",
    "a row duplicated",
    "a column renamed",
    "a missing value moved",
    "a column cast to another dtype",
    "a row dropped",
)


def _transform(df: pd.DataFrame, name: str, rng: np.random.Generator) -> tuple[pd.DataFrame, str]:
    """`df` changed by the transform `name`, and the change in words."""
    n, k = df.shape
    j = int(rng.integers(k))
    column = df.columns[j]
    i, i2 = (int(v) for v in rng.choice(n, size=2, replace=n < 2))
    if name == "rows shuffled":
        order = rng.permutation(n)
        return df.iloc[order], f"its rows in the order {order.tolist()}"
    if name == "columns reordered":
        order = list(df.columns[::-1]) if k > 1 else list(df.columns)
        return df[order], f"its columns in the order {order}"
    if name == "a new index":
        order = rng.permutation(n)
        out = df.iloc[order].copy()
        out.index = pd.Index([f"r{v}" for v in range(n)], name="row")
        return out, f"its rows in the order {order.tolist()} and the index r0, r1, ..."
    if name == "one value changed":
        new = _other_value(rng, df[column], df.iloc[i, j])
        return _set(df, i, column, new), f"{column!r} at row {i} set to {new!r}"
    if name == "two cells of one column swapped":
        return _swap(df, column, i, i2), f"rows {i} and {i2} of {column!r} swapped"
    if name == "a row duplicated":
        return pd.concat([df, df.iloc[[i]]]), f"row {i} appended a second time"
    if name == "a row dropped":
        return df.drop(index=df.index[i]), f"row {i} dropped"
    if name == "a column renamed":
        return df.rename(columns={column: column + "_"}), f"{column!r} renamed {column + '_'!r}"
    if name == "a missing value moved":
        for column in df.columns:
            gaps = np.flatnonzero(df[column].isna().to_numpy())
            full = np.flatnonzero(df[column].notna().to_numpy())
            if len(gaps) and len(full):
                a, b = int(rng.choice(gaps)), int(rng.choice(full))
                return _swap(
                    df, column, a, b
                ), f"the missing value of {column!r} moved from row {a} to {b}"
        return df.iloc[::-1], "its rows reversed (it has no missing value to move)"
    cast = _cast(df[column])
    out = df.copy()
    out[column] = cast
    return out, f"{column!r} cast from {df[column].dtype} to {cast.dtype}"


def _shown(df: pd.DataFrame) -> str:
    columns = ", ".join(f"{c} ({df[c].dtype})" for c in df.columns)
    values = {c: df[c].tolist() for c in df.columns}
    text = f"{len(df)} rows, columns {columns}: {values!r}"
    return text if len(text) <= 400 else text[:400] + "..."


def _generated_pairs() -> Iterator[tuple[pd.DataFrame, pd.DataFrame, str]]:
    """Seeded frames a of 1 to 16 rows and 1 to 4 columns of every kind, smallest first, each
    with b = a changed by one transform of TRANSFORMS: some keep the content, some change it."""
    sizes = [(1, 1), (2, 2), (3, 2), (5, 3), (16, 4)]
    for size_index, (n, k) in enumerate(sizes):
        for t, name in enumerate(TRANSFORMS):
            seed = 6200 + 31 * size_index + t
            a = _frame(seed, n, k)
            b, change = _transform(a, name, np.random.default_rng(seed + 1))
            yield a, b, change


class TestDatasetFingerprint:
    def test_a_sha256_hex_digest(self, submission):
        df = _base()
        first = _fp(submission, df, "the frame of six payments")
        if len(first) != 64 or any(ch not in string.hexdigits.lower()[:16] for ch in first):
            fail(
                f"dataset_fingerprint returned {first!r:.100}: expected 64 lowercase hexadecimal "
                "characters, the SHA-256 digest as hashlib.sha256(...).hexdigest() writes it"
            )
        again = _fp(submission, df.copy(deep=True), "a copy of the same frame")
        if again != first:
            fail(
                f"two calls on the same content gave {first[:12]}... and {again[:12]}...: the "
                "fingerprint must depend on the content only (nothing random, no memory address, "
                "no pickle bytes, which hold pandas' memory layout)"
            )

    def test_row_order_does_not_count(self, submission):
        pairs = _Pairs(submission)
        df = _base()
        for order in ([5, 4, 3, 2, 1, 0], [2, 0, 5, 1, 3, 4], [1, 0, 2, 3, 4, 5]):
            pairs.same(
                df,
                df.iloc[order],
                f"the same rows in the order {order} (each keeping its index label)",
                "the order of the rows does not count: sort what you hash, or combine per-row "
                "hashes in sorted order",
            )
        pairs.judge()

    def test_index_does_not_count(self, submission):
        pairs = _Pairs(submission)
        df = _base()
        variants = {
            "the same rows with a fresh index 0..5 (reset_index(drop=True))": df.reset_index(
                drop=True
            ),
            "the same rows with string index labels": df.set_axis(list("abcdef"), axis=0),
            "the same rows shuffled, then given the index 0..5": df.iloc[
                [3, 1, 5, 0, 2, 4]
            ].reset_index(drop=True),
            "the same rows with a datetime index": df.set_axis(
                pd.date_range("2020-01-01", periods=6, name="day"), axis=0
            ),
            "the same rows with an unnamed index": df.rename_axis(None),
            "the same frame with its columns axis named 'features'": df.rename_axis(
                "features", axis=1
            ),
        }
        for what, other in variants.items():
            pairs.same(
                df,
                other,
                what,
                "the index is not data (its labels, type and name do not count): hash the "
                "columns only (index=False)",
            )
        pairs.judge()

    def test_column_order_does_not_count(self, submission):
        pairs = _Pairs(submission)
        df = _base()
        columns = list(df.columns)
        for order in (columns[::-1], sorted(columns), columns[3:] + columns[:3]):
            pairs.same(
                df,
                df[order],
                f"the same columns in the order {order}",
                "the order of the columns does not count: take them in sorted name order",
            )
        pairs.judge()

    def test_the_same_content_built_differently(self, submission):
        pairs = _Pairs(submission)
        df = _base()
        one_by_one = pd.DataFrame(index=df.index)
        for column in df.columns:
            one_by_one[column] = df[column]
        larger = pd.concat([df, df.iloc[:2].assign(count=[99, 98])]).assign(extra=1.5)
        variants = {
            "the same frame built column by column": one_by_one,
            "the same rows concatenated from two halves": pd.concat([df.iloc[3:], df.iloc[:3]]),
            "the same rows and columns sliced out of a larger frame": larger.iloc[:6].drop(
                columns="extra"
            ),
            "a deep copy of the frame": df.copy(deep=True),
        }
        for what, other in variants.items():
            pairs.same(
                df,
                other,
                what,
                "the same names, dtypes and rows are the same content, however the frame was "
                "built (pickle bytes and memory layouts differ between such frames: hash the "
                "values themselves)",
            )
        pairs.judge()

    def test_every_value_counts(self, submission):
        pairs = _Pairs(submission)
        df = _base()
        changes = [
            ("amount", 1, 1.0000000001),
            ("amount", 0, 12.5 * (1 + 1e-10)),
            ("count", 0, 4),
            ("code", 0, 6),
            ("small", 1, 254),
            ("flag", 1, True),
            ("merchant", 0, "grocer "),
            ("channel", 0, "Web"),
            ("when", 2, df["when"].iloc[2] + pd.Timedelta(1, unit="us")),
            ("paid_at", 3, df["paid_at"].iloc[3] + pd.Timedelta(1, unit="s")),
            ("delay", 0, df["delay"].iloc[0] + pd.Timedelta(1, unit="us")),
            ("kind", 0, "cash"),
        ]
        for column, row, new in changes:
            old = df[column].iloc[row]
            pairs.differ(
                df,
                _set(df, row, column, new),
                f"the frame with {column!r} ({df[column].dtype}) changed in one row, from "
                f"{old!r} to {new!r}",
                "every value counts, exactly",
            )
        pairs.judge()

    def test_floats_compared_exactly(self, submission):
        pairs = _Pairs(submission)
        values = np.array([1.0, 0.30000000000000004, 1e-300, 123456789.123, 2.5e15, -7.25])
        base = pd.DataFrame({"x": values, "id": np.arange(6)})
        for row in range(len(values)):
            pairs.differ(
                base,
                _set(base, row, "x", np.nextafter(values[row], np.inf)),
                f"the frame with x[{row}] = {values[row]!r} replaced by the next float up, "
                f"{np.nextafter(values[row], np.inf)!r}",
                "floats are compared exactly: rounding them, or writing them as text with "
                "fewer digits, hides real changes in the data",
            )
        pairs.differ(
            pd.DataFrame({"x": [1.0]}),
            pd.DataFrame({"x": [1.0000000001]}),
            "x = [1.0000000001] against x = [1.0]",
            "the two values are not equal",
        )
        pairs.judge()

    def test_dtypes_count(self, submission):
        pairs = _Pairs(submission)
        columns = [
            (pd.Series([1, 2, 3], dtype="int64"), pd.Series([1.0, 2.0, 3.0])),
            (pd.Series([1, 2, 3], dtype="int64"), pd.Series([1, 2, 3], dtype="int32")),
            (pd.Series([1, 2, 3], dtype="int64"), pd.Series([1, 2, 3], dtype="uint64")),
            (pd.Series([0.5, 1.5, 2.0]), pd.Series([0.5, 1.5, 2.0], dtype="float32")),
            (pd.Series([True, False, True]), pd.Series([1, 0, 1], dtype="int64")),
            (
                pd.Series(["a", "b", "c"], dtype="str"),
                pd.Series(["a", "b", "c"], dtype=object),
            ),
            (pd.Series(["a", "b", "c"], dtype="str"), pd.Series(["a", "b", "c"], dtype="category")),
            (
                pd.Series(pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"])),
                pd.Series(pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"])).astype(
                    "datetime64[ns]"
                ),
            ),
            (
                pd.Series(pd.date_range("2025-01-01", periods=3, freq="h", tz="UTC")),
                pd.Series(pd.date_range("2025-01-01", periods=3, freq="h", tz="UTC")).dt.tz_convert(
                    "Europe/Paris"
                ),
            ),
        ]
        for left, right in columns:
            a = pd.DataFrame({"id": [1, 2, 3], "x": left})
            b = pd.DataFrame({"id": [1, 2, 3], "x": right})
            pairs.differ(
                a,
                b,
                f"x = {right.tolist()!r:.80} as {right.dtype} against the same values as "
                f"{left.dtype}",
                "the dtype is part of the data (str(df[name].dtype)): a column read back as "
                "another dtype is another dataset",
            )
        pairs.judge()

    def test_column_names_count(self, submission):
        pairs = _Pairs(submission)
        df = _base()
        for old, new in (("amount", "Amount"), ("amount", "amount "), ("merchant", "shop")):
            pairs.differ(
                df,
                df.rename(columns={old: new}),
                f"the frame with the column {old!r} renamed {new!r}",
                "column names are part of the data",
            )
        a = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [4.0, 5.0, 6.0]})
        pairs.differ(
            a,
            a.rename(columns={"x": "y", "y": "x"}),
            "x = [1, 2, 3], y = [4, 5, 6] against x = [4, 5, 6], y = [1, 2, 3]",
            "each name goes with its own values: hash the values in the same sorted name order "
            "as the names",
        )
        pairs.differ(
            df,
            df.drop(columns="channel"),
            "the frame without its column 'channel'",
            "a column dropped is a change",
        )
        pairs.judge()

    def test_rows_stay_whole(self, submission):
        pairs = _Pairs(submission)
        a = pd.DataFrame({"n": [1, 2], "s": ["x", "y"]})
        pairs.differ(
            a,
            pd.DataFrame({"n": [1, 2], "s": ["y", "x"]}),
            "rows (1, 'x'), (2, 'y') against rows (1, 'y'), (2, 'x')",
            "each column holds the same values, but the rows differ: sorting or hashing each "
            "column on its own loses which values share a row",
        )
        b = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [4.0, 5.0, 6.0]})
        pairs.differ(
            b,
            pd.DataFrame({"x": [4.0, 2.0, 3.0], "y": [1.0, 5.0, 6.0]}),
            "x = [1, 2, 3], y = [4, 5, 6] against x = [4, 2, 3], y = [1, 5, 6]",
            "a value counts in its own column: the same values moved between columns are "
            "another dataset",
        )
        df = _base()
        pairs.differ(
            df,
            _swap(df, "merchant", 0, 1),
            "the frame with the merchants of its first two rows swapped",
            "a value counts together with the other values of its row",
        )
        pairs.judge()

    def test_duplicated_rows_count(self, submission):
        pairs = _Pairs(submission)
        df = _base()
        pairs.differ(
            df,
            pd.concat([df, df.iloc[[2]]]),
            "the frame with its third row appended a second time",
            "a duplicated row counts twice: 7 payments are not 6",
        )
        pairs.differ(
            df,
            df.drop(index=df.index[4]),
            "the frame without its fifth row",
            "a row dropped is a change",
        )
        a = pd.DataFrame({"n": [1, 1, 2]})
        pairs.differ(
            a,
            pd.DataFrame({"n": [1, 2, 2]}),
            "n = [1, 1, 2] against n = [1, 2, 2]",
            "the same distinct rows, but not as many times each (a set of rows, or "
            "drop_duplicates, loses that)",
        )
        b = pd.DataFrame({"n": [1, 2, 3, 3]})
        pairs.differ(
            b,
            pd.DataFrame({"n": [1, 2, 4, 4]}),
            "n = [1, 2, 3, 3] against n = [1, 2, 4, 4]",
            "rows that occur twice count twice (combining row hashes with XOR cancels them)",
        )
        pairs.judge()

    def test_missing_values_count(self, submission):
        pairs = _Pairs(submission)
        a = pd.DataFrame({"x": [1.0, np.nan], "s": ["p", "q"]})
        pairs.differ(
            a,
            pd.DataFrame({"x": [np.nan, 1.0], "s": ["p", "q"]}),
            "rows (1.0, 'p'), (NaN, 'q') against rows (NaN, 'p'), (1.0, 'q')",
            "where the NaNs sit counts",
        )
        for fill in (0.0, -1.0, -999.0):
            pairs.differ(
                pd.DataFrame({"x": [np.nan, 1.0]}),
                pd.DataFrame({"x": [fill, 1.0]}),
                f"x = [{fill}, 1.0] against x = [NaN, 1.0]",
                "a missing value differs from every value (filling it in first hides it)",
            )
        for dtype in (object, "str"):
            for text in ("None", "nan", "", "NaN", "<NA>"):
                pairs.differ(
                    pd.DataFrame({"s": pd.Series(["a", None], dtype=dtype)}),
                    pd.DataFrame({"s": pd.Series(["a", text], dtype=dtype)}),
                    f"a column of dtype {np.dtype(dtype) if dtype is object else dtype} holding "
                    f"['a', {text!r}] against ['a', missing]",
                    "a missing value differs from every string, the empty string included (text "
                    "such as astype(str) or CSV writes them alike)",
                )
        df = _base()
        pairs.differ(
            df,
            _swap(df, "amount", 2, 3),
            "the frame with its NaN amount moved to the next row",
            "where the NaNs sit counts",
        )
        pairs.differ(
            df,
            _swap(df, "delay", 2, 4),
            "the frame with its NaT delay moved to another row",
            "where the missing values sit counts, NaT too",
        )
        pairs.judge()

    def test_equal_values_are_the_same(self, submission):
        pairs = _Pairs(submission)
        a = pd.DataFrame({"x": [0.0, 2.0], "n": [1, 2]})
        pairs.same(
            a,
            pd.DataFrame({"x": [-0.0, 2.0], "n": [1, 2]}),
            "x = [-0.0, 2.0] against x = [0.0, 2.0]",
            "0.0 and -0.0 are equal, so the same value",
        )
        b = pd.DataFrame({"x": [np.nan, 2.0]})
        for payload in (1, 0x5A5A5):
            pairs.same(
                b,
                pd.DataFrame({"x": [_nan_with_payload(payload), 2.0]}),
                f"x = [NaN, 2.0] with another bit pattern of NaN (payload {payload:#x})",
                "every NaN is the same missing value, whatever its bits",
            )
        c = pd.DataFrame({"s": pd.Series(["a", None, "b"], dtype=object)})
        for missing in (np.nan, pd.NA):
            pairs.same(
                c,
                pd.DataFrame({"s": pd.Series(["a", missing, "b"], dtype=object)}),
                f"an object column ['a', {missing!r}, 'b'] against ['a', None, 'b']",
                "None, NaN and pd.NA are one and the same missing value",
            )
        pairs.judge()

    def test_categoricals_count_by_value(self, submission):
        pairs = _Pairs(submission)
        values = ["card", "cash", "card", "wire"]
        a = pd.DataFrame({"kind": pd.Categorical(values, categories=["card", "cash", "wire"])})
        for categories, what in (
            (["wire", "cash", "card"], "its categories listed in another order"),
            (["card", "cash", "crypto", "wire"], "an extra, unused category"),
        ):
            pairs.same(
                a,
                pd.DataFrame({"kind": pd.Categorical(values, categories=categories)}),
                f"the same categorical values with {what}",
                "a categorical counts by its values, not its codes nor its list of categories",
            )
        pairs.differ(
            a,
            pd.DataFrame(
                {
                    "kind": pd.Categorical(
                        ["card", "cash", "wire", "wire"], categories=["card", "cash", "wire"]
                    )
                }
            ),
            "the categorical with its third value changed from 'card' to 'wire'",
            "every value counts",
        )
        pairs.judge()

    def test_not_pythons_salted_hash(self, submission):
        df = _base()
        _fp(submission, df, "the frame of six payments")
        try:
            plain, salted = submission.observe(_salted_hash_fingerprints, df)
        except NotImplementedError:
            raise
        except Exception as exc:
            fail(
                f"with hash() salted as in another process, dataset_fingerprint raised "
                f"{type(exc).__name__}: {str(exc).strip()[:200]}"
            )
        if plain != salted:
            fail(
                "your fingerprint changed when Python's hash() was salted as it is in another "
                "process: hash() of a string is salted anew each time Python starts, so another "
                "run (or the machine that repeats it) gets another fingerprint. Hash bytes with "
                "hashlib.sha256, and per-row hashes with pd.util.hash_pandas_object, whose key "
                "is fixed"
            )

    def test_a_frame_with_no_rows(self, submission):
        pairs = _Pairs(submission)
        empty = pd.DataFrame({"x": pd.Series([], dtype="int64"), "s": pd.Series([], dtype="str")})
        digest = _fp(submission, empty, "a frame with no rows")
        if len(digest) != 64:
            fail(f"a frame with no rows gave {digest!r:.100}, expected a 64-character hex digest")
        pairs.differ(
            empty,
            empty.astype({"x": "float64"}),
            "a frame with no rows whose column x is float64 against int64",
            "a frame with no rows still has names and dtypes, and they count",
        )
        pairs.differ(
            empty,
            empty.rename(columns={"x": "y"}),
            "a frame with no rows whose column x is renamed y",
            "a frame with no rows still has names and dtypes, and they count",
        )
        pairs.differ(
            empty,
            pd.DataFrame({"x": [0], "s": pd.Series([""], dtype="str")}),
            "a frame with one row (0, '') against the frame with no rows",
            "a row of zeros and empty strings is still a row",
        )
        pairs.judge()

    def test_input_not_modified(self, submission):
        df = _base()
        before = df.copy(deep=True)
        try:  # one direct call: what it changes in df comes back into df
            submission.dataset_fingerprint(df)
        except NotImplementedError:
            raise
        except Exception as exc:
            fail(
                f"dataset_fingerprint(the frame of six payments) raised {type(exc).__name__}: "
                f"{str(exc).strip()[:200]}; this frame is valid"
            )
        if list(df.columns) != list(before.columns) or not df.index.equals(before.index):
            fail(
                f"after dataset_fingerprint(df), df has columns {list(df.columns)} and index "
                f"{df.index.tolist()}, expected {list(before.columns)} and "
                f"{before.index.tolist()}: do not sort, reorder or re-index df in place; work on "
                "what df[sorted_names] returns"
            )
        if not (df.equals(before) and df.dtypes.equals(before.dtypes)):
            fail(
                "dataset_fingerprint(df) changed df's values or dtypes: the caller's frame must "
                "come back as it was (compute on new objects, never assign into df)"
            )

    def test_rejects_what_is_not_a_frame_of_named_columns(self, submission):
        df = _base()
        for bad, why in (
            (df["amount"], "a Series is not a DataFrame"),
            (df[["amount", "count"]].to_numpy(), "a NumPy array has no column names nor dtypes"),
            ({"x": [1, 2]}, "a dict is not a DataFrame"),
        ):
            expect_raises(TypeError, submission.dataset_fingerprint, bad, why=why)
        expect_raises(
            TypeError,
            submission.dataset_fingerprint,
            pd.DataFrame(np.arange(6.0).reshape(3, 2)),
            why="column names 0 and 1 are not strings",
        )
        expect_raises(
            TypeError,
            submission.dataset_fingerprint,
            pd.DataFrame({"x": [1, 2], 1: [3, 4]}),
            why="the column name 1 is not a string",
        )
        expect_raises(
            ValueError,
            submission.dataset_fingerprint,
            pd.DataFrame([[1, 2], [3, 4]], columns=["x", "x"]),
            why="two columns named 'x' cannot be put in one order by name",
        )

    def test_vectorised(self, submission):
        _fp(submission, _wide_frame(20), "a frame of 20 rows")
        assert_vectorised(
            submission,
            _fingerprint_rows,
            200,
            5000,
            "dataset_fingerprint",
        )

    def test_matches_reference_on_generated_pairs(self, submission, reference):
        cases = list(_generated_pairs())
        frames = [(lambda df=df: _shown(df), df) for a, b, _ in cases for df in (a, b)]
        out = _fingerprints(submission, frames)
        for c, (a, b, change) in enumerate(cases):  # smallest first
            same = out[2 * c] == out[2 * c + 1]
            should = reference.dataset_fingerprint(a) == reference.dataset_fingerprint(b)
            if same != should:
                fail(
                    f"on a = {_shown(a)} and b = a with {change} (the smallest generated pair "
                    f"on which your answer differs from the reference solution): your "
                    f"fingerprints of a and b are {'equal' if same else 'different'}, but "
                    + (
                        "a and b hold the same content: the same column names and dtypes and "
                        "the same rows, each as many times (the order of rows and columns and "
                        "the index do not count, missing values are all alike, and 0.0 equals "
                        "-0.0)"
                        if should
                        else "a and b differ in content (a value, a dtype, a column name, or "
                        "how many times a row occurs)"
                    )
                )
