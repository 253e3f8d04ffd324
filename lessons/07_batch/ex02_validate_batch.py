"""Exercise 02 · Validate a batch.

Docs: docs/lessons/07-batch.md#ex02-validate-batch (the site: `mkdocs serve`, then Lesson 07)

Write `validate_batch(df, schema) -> (valid, rejected)`: split a batch of rows to score into the
rows that meet the schema and the rows that do not, each rejected row with every reason, so that
the good rows are scored and the bad ones go back to their owner with a note, and no row is lost.

A model scores whatever it is given: a text "abc" where a number belongs becomes a NaN the
imputer fills in, an amount of -50 or infinity gets a score, a channel spelt "POS" is an unknown
category encoded as zeros. Nothing fails; the scores are quietly wrong. Checking the batch first
turns those into rows someone can fix. pandera is the library for this: a `DataFrameSchema` of
`Column`s with `Check`s, validated with `lazy=True`, reports every failure at once
(`SchemaErrors.failure_cases`) instead of stopping at the first. Read the values inside your
`Check`s with `read_values` below rather than with pandera's `coerce=True`: its coercion cannot
tell "abc" from a missing value, and it turns 3.5 into the int 3 without a word.

The schema is plain data: a dict that maps each column name to a spec, a dict with a "dtype" and
the rules of that dtype (`SPEC_KEYS` lists which keys each dtype accepts):
- "float": a number, or text that `pd.to_numeric` reads ("1.5", "1e3", "inf"); "min" and "max"
  (numbers, both inclusive: a value equal to either is valid; either may be left out);
  "finite": True rejects +-inf (default False: infinity is a number like any other).
- "int": as "float", but a whole number (3, 3.0 and "3" are valid; 3.5, inf and "abc" are the
  wrong type); "min" and "max" as for "float".
- "datetime": a timestamp, or text that `pd.to_datetime(values, utc=True, format="ISO8601")`
  reads ("2025-03-01T12:00:00Z", "2025-03-01T13:00:00+01:00", "2025-03-01").
- "category": one of "categories" (a list, required), compared exactly: "POS" is not "pos".
- "str": any value (only a missing one can fail it).
- "nullable" (every dtype, default False): whether a value may be missing.

Contract:
- A value is missing when `pd.isna` says so (None, NaN, pd.NA, NaT); an empty string is a value.
  A missing value is valid in a nullable column and fails "missing value" in any other; a missing
  value is checked against nothing else.
- A value that is not missing is read as its column's dtype (with `pd.to_numeric` /
  `pd.to_datetime(..., utc=True, format="ISO8601")`, errors="coerce"): "wrong type" when that
  gives nothing (NaN, NaT), or, for "int", a number that is not whole. Then, in this order,
  "not finite" (+-inf in a column with "finite": True), "out of range" (below "min" or above
  "max"), "unknown category" (not in "categories").
- Each value fails at most one rule, the first of `RULES` it fails (inf in a finite column with a
  "max" is "not finite" only). A row is valid when every value in its schema columns passes.
- Returns `(valid, rejected)`. `valid` holds the valid rows, `rejected` the others plus a last
  column "reasons": one string per row, its reasons joined by "; ", one "<column>: <rule>" per
  failing column, in the schema's column order ("amount: out of range; channel: unknown
  category").
- Both frames keep all of `df`'s columns (a column the schema does not name is kept and not
  checked), its dtypes (values are checked, never converted) and its index labels, and the rows
  in `df`'s order. `len(valid) + len(rejected) == len(df)`: nothing lost, nothing doubled, even
  when index labels repeat. An empty `df` gives two empty frames with those columns (rejected
  with "reasons" too).
- `df` is not modified.
- Raise `ValueError`, before any row is checked: for a schema that breaks the rules above (a
  spec that is not a dict, a missing or unknown "dtype", a key its dtype does not accept, a
  "category" without "categories", a "min" above its "max"); for columns of the schema missing
  from `df` (one error naming every missing column, not a rejection of every row); for a `df`
  that already has a column named "reasons".
"""

import numpy as np
import pandas as pd
import pandera.pandas as pa

# The keys each dtype's spec may hold, besides "dtype".
SPEC_KEYS = {
    "float": {"nullable", "min", "max", "finite"},
    "int": {"nullable", "min", "max"},
    "datetime": {"nullable"},
    "category": {"nullable", "categories"},
    "str": {"nullable"},
}

# The rules, in the order they are tried: a value fails at most one, the first it fails.
RULES = ("missing value", "wrong type", "not finite", "out of range", "unknown category")


def read_values(values: pd.Series, dtype: str) -> pd.Series:
    """The values read as `dtype` ("float" and "int" as float64, "datetime" as UTC timestamps),
    NaN or NaT where they cannot be read (a missing value stays missing)."""
    if dtype in ("float", "int"):
        return pd.to_numeric(values, errors="coerce")
    if dtype == "datetime":
        return pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
    return values


def validate_batch(df: pd.DataFrame, schema: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    # TODO: check the schema, the columns and "reasons"; build a pandera DataFrameSchema of one Check per rule; validate a copy indexed by position with lazy=True; keep each value's first failed rule; split the rows and join the reasons
    raise NotImplementedError
