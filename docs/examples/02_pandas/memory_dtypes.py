"""Worked example: measuring and shrinking a DataFrame's memory, on the users table.

What a text column costs depends on how its strings are stored, and the default depends on the
versions installed: pandas 2.2 stores text as Python objects (dtype object); pandas 3 uses its
`str` dtype, kept in Arrow memory when a recent enough pyarrow is installed and as Python objects
otherwise. So this example never relies on the default: it names each dtype it measures.
memory_usage(deep=True) counts Python strings; without deep=True pandas reports only their 8-byte
pointers. A category stores a small integer code per row; a narrower integer type stores the same
ids.

Run: python docs/examples/02_pandas/memory_dtypes.py
"""

import importlib.util

import pandas as pd

import coursedata

# The categories themselves are text too: named as Python strings, so every version stores
# them alike.
SEGMENT = pd.CategoricalDtype(
    pd.Index(["student", "standard", "premium"], dtype=object), ordered=True
)
COUNTRY = pd.CategoricalDtype(
    pd.Index(coursedata.SCHEMA["users"]["home_country"].values, dtype=object)
)
TEXT = ["home_country", "segment"]
HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None


def users_with_text(dtype: object) -> pd.DataFrame:
    """The medium world's users with the two text columns stored as `dtype`, named explicitly."""
    users = coursedata.sample("medium", seed=0).users
    return users.astype({column: dtype for column in TEXT})


def arrow_layout_bytes(text: pd.Series) -> int:
    """What Arrow stores for a text column: an 8-byte offset per row, then the UTF-8 bytes of
    every value one after the other (and one bit per row when some values are missing)."""
    utf8 = int(text.dropna().map(lambda s: len(s.encode("utf-8"))).sum())
    validity = (len(text) + 7) // 8 if text.isna().any() else 0
    return 8 * len(text) + utf8 + validity


def shrink_users(users: pd.DataFrame) -> pd.DataFrame:
    """Same values, cheaper dtypes: narrow ids, categories with a meaningful order."""
    return users.assign(
        user_id=pd.to_numeric(users["user_id"], downcast="unsigned"),
        home_country=users["home_country"].astype(COUNTRY),
        segment=users["segment"].astype(SEGMENT),
    )


def memory_by_column(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Bytes per column (deep) before and after, one row per column."""
    return pd.DataFrame(
        {"before": before.memory_usage(deep=True), "after": after.memory_usage(deep=True)}
    ).drop(index="Index")


def text_bytes(label: str, values: list[int], note: str = "") -> str:
    columns = " | ".join(f"{c} {v:>7,}" for c, v in zip(TEXT, values, strict=True))
    return f"  {label:<16} {columns}{note}"


def main() -> None:
    users = users_with_text(object)  # Python strings, as pandas 2.2 reads every text column
    shallow, deep = users.memory_usage().sum(), users.memory_usage(deep=True).sum()
    print(f"{len(users):,} users, text as object: {shallow:,} bytes shallow, {deep:,} bytes deep")

    print("text columns, bytes (deep), by string dtype:")
    for label, dtype in (("object", object), ("string[python]", "string[python]")):
        sized = users_with_text(dtype).memory_usage(deep=True)
        print(text_bytes(label, [sized[c] for c in TEXT]))
    layout = [arrow_layout_bytes(users[c]) for c in TEXT]
    print(text_bytes("Arrow layout", layout, "  (8 bytes a row + the UTF-8 bytes)"))
    if HAS_PYARROW:
        import pyarrow

        arrow = users_with_text("string[pyarrow]")
        measured = [arrow[c].memory_usage(deep=True, index=False) for c in TEXT]
        print(
            text_bytes("string[pyarrow]", measured, f"  (measured, pyarrow {pyarrow.__version__})")
        )
        print("string[pyarrow] measures the Arrow layout:", measured == layout)
        print(
            "string[pyarrow] shallow equals deep:",
            arrow.memory_usage().equals(arrow.memory_usage(deep=True)),
        )
    else:
        print("  string[pyarrow]  not measured: pyarrow is not installed (pip install pyarrow)")
    default = pd.Series(["DE"]).dtype  # the one line that depends on the versions installed
    storage = {"pyarrow": "Arrow memory", "python": "Python objects"}
    print(
        f"here, pandas {pd.__version__} makes text {default}, stored as",
        storage[getattr(default, "storage", "python")],
    )

    small = shrink_users(users)
    table = memory_by_column(users, small)
    print(table)
    before, after = table["before"].sum(), table["after"].sum()
    arrow_text = before - sum(table.loc[TEXT, "before"]) + sum(layout)
    print(
        f"columns: {before:,} bytes with object text, {arrow_text:,} with Arrow text, "
        f"{after:,} after"
    )
    print(
        f"after / before: {after / before:.0%} | "
        f"after / total with Arrow text: {after / arrow_text:.0%}"
    )
    print(
        "user_id now",
        small["user_id"].dtype,
        "| same ids:",
        bool((small["user_id"].astype("int64") == users["user_id"]).all()),
    )

    as_float32 = users["spend_level"].astype("float32").astype("float64")
    changed = (as_float32 != users["spend_level"]).mean()
    print(
        f"float32 would change {changed:.0%} of spend levels, e.g.",
        users["spend_level"].iloc[0],
        "->",
        float(as_float32.iloc[0]),
    )

    above_student = int((small["segment"] > "student").sum())
    print(
        "segment order:",
        " < ".join(small["segment"].cat.categories),
        "| users above student:",
        above_student,
    )

    # Two categoricals compare only with the same categories: share one dtype for one kind of value.
    payments = coursedata.sample("medium", seed=0).transactions
    card, shop = (
        payments["card_country"].astype(object),
        payments["merchant_country"].astype(object),
    )
    try:
        print((card.astype("category") == shop.astype("category")).mean())  # own categories each
    except TypeError as exc:
        print("categories of their own:", exc)
    domestic = card.astype(COUNTRY) == shop.astype(COUNTRY)
    print(f"one shared dtype: {domestic.mean():.1%} of payments are domestic")


if __name__ == "__main__":
    main()
