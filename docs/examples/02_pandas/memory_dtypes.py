"""Worked example: measuring and shrinking a DataFrame's memory, on the users table.

Loaded from a CSV, text columns are Python strings: about 50 to 60 bytes a row each, however short.
memory_usage(deep=True) counts them; without deep=True pandas reports only the 8-byte pointers.
A category stores a small integer code per row; a narrower integer type stores the same ids.

Run: python docs/examples/02_pandas/memory_dtypes.py
"""

import pandas as pd

import coursedata

SEGMENT = pd.CategoricalDtype(["student", "standard", "premium"], ordered=True)
COUNTRY = pd.CategoricalDtype(coursedata.SCHEMA["users"]["home_country"].values)


def users_as_loaded() -> pd.DataFrame:
    """The medium world's users as read_csv would give them: text columns as Python strings."""
    users = coursedata.sample("medium", seed=0).users
    return users.astype({"home_country": object, "segment": object})


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


def main() -> None:
    users = users_as_loaded()
    shallow, deep = users.memory_usage().sum(), users.memory_usage(deep=True).sum()
    print(f"{len(users):,} users: {shallow:,} bytes shallow, {deep:,} bytes deep")

    small = shrink_users(users)
    table = memory_by_column(users, small)
    print(table)
    ratio = table["after"].sum() / table["before"].sum()
    print(f"after / before: {ratio:.0%}")
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
