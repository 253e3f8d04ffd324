"""Exercise 02 · A dataset fingerprint.

Docs: docs/lessons/06-tracking.md#ex02-fingerprint (the site: `mkdocs serve`, then Lesson 06)

"Trained on transactions.parquet" does not say which transactions: the file is rewritten every
night, a filter upstream changes, someone casts a column. A run you can repeat names the exact
data it saw, by a fingerprint of the content, logged with the run (ex03): two runs whose
fingerprints match trained on the same data, and a changed fingerprint is a changed dataset,
however small the change. Write `dataset_fingerprint(df)`, which returns that fingerprint.

Contract:
- It returns a SHA-256 digest as 64 lowercase hexadecimal characters (what
  `hashlib.sha256(...).hexdigest()` gives).
- What counts: the column names, each column's dtype as `str(df[name].dtype)` (so int64 and
  float64 differ, int64 and int32 too, and an `object` column of strings differs from a `str`
  one, pandas' default for text), and the rows: two frames get the same fingerprint when they
  have the same names, the same dtypes and the same rows, each row as many times in one as in
  the other (a duplicated row counts twice).
- What does not count: the order of the rows, the order of the columns, and the index (its labels,
  its type and its name, and the name of the columns axis). Rows stay whole: a value counts
  together with the other values of its row (hashing each column sorted on its own loses that).
- Values are compared exactly: 1.0000000001 and 1.0 differ (never round floats or write them as
  text that rounds). Two values are the same when they are equal (so 0.0 and -0.0 are the same
  value) or both missing: NaN (whatever its bits), None, NaT and pd.NA are one and the same
  missing value, and a missing value differs from every value, including the strings "nan" and
  "None", the empty string and 0. So where the missing values sit counts. A categorical column
  counts by its values, not by its codes nor its list of categories.
- The same content gives the same fingerprint on every call and in every Python process, however
  the frame was built: never use Python's built-in `hash()` (it salts strings anew in each
  process) nor pickle bytes (they hold the index and pandas' memory layout).
- Columns hold numbers (int, uint, float, bool), strings (object or str dtype; an object column
  holds strings and missing values), datetimes (with or without a time zone), timedeltas, or
  categoricals of those. A frame with no rows is fine: its
  fingerprint covers the names and dtypes.
- Anything but a DataFrame raises `TypeError`, and so does a column name that is not a string;
  two columns of the same name raise `ValueError`.
- Work on whole columns, not a Python loop over the rows (an `.apply` or `.map` of a Python
  function is such a loop too): the checks count the lines your code runs on 200 and on 5,000
  rows, which must not grow. `df` is not modified.
"""

import hashlib
import json

import numpy as np
import pandas as pd


def dataset_fingerprint(df: pd.DataFrame) -> str:
    # TODO: check df and its column names; hash the names and dtypes, then one hash per row (columns sorted by name, index left out), sorted
    raise NotImplementedError
