"""Exercise 05 · Shrink a DataFrame's memory without changing a single value.

Docs: docs/lessons/02-pandas.md#ex05-optimize-dtypes (the site: `mkdocs serve`, then Lesson 02)

Write `optimize_dtypes(df)`: return a copy of `df` with cheaper dtypes.

Contract:
- The result has `df`'s columns in the same order and `df`'s index, and every value is unchanged:
  the same integers, the same floats to the last bit, the same text (case and leading zeros
  included: "007" stays "007", "EUR" and "eur" stay different), the same instants, and missing
  values stay missing.
- Integers stay integers, floats stay floats, bools stay bools, datetimes stay datetimes. A smaller
  integer type is fine only where every value of the column fits in it.
- Columns that already are `category` keep their categories and their order.
- Repetitive text may become `category`. Each text column you turn into `category` has as its
  categories that column's own values: the values it holds (missing aside), nothing taken from
  another column and nothing the column never holds.
- On a transactions table as ex01 cleans it (ids int64, `amount` float64, timestamps, and the text
  columns `currency`, `merchant_category`, `channel`, `card_country`, `merchant_country`), the
  result takes at most half the memory of `df`, measured with `memory_usage(deep=True).sum()`.
- Works on any DataFrame, not only transactions. `df` is never modified.
"""

import pandas as pd


def optimize_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    # BEGIN SOLUTION: downcast integers where they fit; keep floats, bools, datetimes and categories; turn repetitive text into categories, each column with its own values as its categories
    out = df.copy()
    for name, column in df.items():
        if isinstance(column.dtype, pd.CategoricalDtype) or column.dtype.kind == "b":
            continue
        if column.dtype.kind in "iu":
            out[name] = pd.to_numeric(column, downcast="integer")  # picks a type every value fits
        elif pd.api.types.infer_dtype(column, skipna=True) == "string" and (
            column.nunique(dropna=True) <= len(column) // 2  # repetitive: worth a category
        ):
            # its categories are its own values: none from other columns, none it never holds
            out[name] = pd.Categorical(column)
        # floats stay float64: float32 keeps about 7 digits and changes values such as 0.1
    return out
    # END SOLUTION
