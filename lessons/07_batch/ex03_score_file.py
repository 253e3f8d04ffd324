"""Exercise 03 · Score a file in chunks, atomically.

Docs: docs/lessons/07-batch.md#ex03-score-file (the site: `mkdocs serve`, then Lesson 07)

A nightly job scores every row of a table with a trained model. The table grows every month; the
machine does not. So read a few thousand rows at a time, score them, write their scores, and let
them go: memory then stays flat however long the file. And the output appears whole or not at
all: a job that dies halfway must not leave a half-written file that the next step reads as if it
were complete.

Write `score_file(in_path, out_path, model, chunk_size) -> int`:

- The input `in_path` (a `str` or a `Path`) is a CSV file (suffix `.csv`, with a header) or a
  Parquet file (suffix `.parquet`). It has an `id` column and the model's feature columns, in any
  order; any other column is ignored.
- `model` is a fitted scikit-learn classifier that knows its features: `model.feature_names_in_`
  (set when it was fitted on a DataFrame). A row's score is `model.predict_proba(X)[:, 1]`, where
  `X` is a DataFrame of the feature columns in the order of `model.feature_names_in_`.
- Read `chunk_size` rows at a time (`pandas.read_csv(..., chunksize=)`, or
  `pyarrow.parquet.ParquetFile(...).iter_batches(batch_size=)`) and write each chunk's ids and
  scores before reading the next. Never hold the whole file, nor all of its scores, in memory: a
  file 10 times as long must not need several times the memory.
- The output `out_path` has two columns, `id` then `score`, and one row per input row, in the
  input's order: the id as read, the score as a float at full precision. Its format follows its
  suffix: `.csv` (a header line `id,score`, no index column) or `.parquet`. The result is the same
  for every `chunk_size`: the same as scoring the whole table at once.
- A chunk with no rows is not given to the model (`predict_proba` rejects an empty `X`): an input
  with a header but no rows gives an output with the two columns and no rows.
- Write atomically: write into a temporary file in `out_path`'s folder (the same file system, so
  that `os.replace` can move it in one step), and move it onto `out_path` with `os.replace` only
  once every chunk is written. Until then `out_path` is not touched. If anything fails on the way
  (the model raises on the 5th chunk, a column is missing), delete the temporary file and let the
  exception propagate unchanged: no `out_path` appears, an existing `out_path` keeps its old
  contents, and nothing new is left in the folder.
- `ValueError`, before anything is written, when: `chunk_size` is not an integer >= 1 (a Python
  or NumPy integer, not a bool); a path's suffix is neither `.csv` nor `.parquet`; the model has
  no `feature_names_in_`; the input lacks the `id` column or one of the feature columns.
- Returns the number of rows scored.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SUFFIXES = (".csv", ".parquet")


def score_file(in_path, out_path, model, chunk_size) -> int:
    """Score every row of `in_path` with `model`, `chunk_size` rows at a time, into `out_path`
    (columns `id`, `score`), atomically; return the number of rows scored."""
    # TODO: validate; stream chunks; score and write each to a temporary file; replace
    raise NotImplementedError
