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
    # BEGIN SOLUTION: validate; stream chunks; score and write each to a temporary file; replace
    in_path, out_path = Path(in_path), Path(out_path)
    for what, path in (("in_path", in_path), ("out_path", out_path)):
        if path.suffix not in SUFFIXES:
            raise ValueError(f"{what} must end in .csv or .parquet, got {str(path)!r}")
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, (int, np.integer))
        or chunk_size < 1
    ):
        raise ValueError(f"chunk_size must be an integer >= 1, got {chunk_size!r}")
    features = getattr(model, "feature_names_in_", None)
    if features is None:
        raise ValueError(
            "the model has no feature_names_in_: fit it on a DataFrame so that it knows "
            "which columns to read"
        )
    features = [str(name) for name in features]
    header = _empty_frame(in_path)
    missing = [c for c in ["id", *features] if c not in header.columns]
    if missing:
        raise ValueError(f"{in_path.name} lacks the column(s) {missing}")

    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        rows = 0
        empty = pd.DataFrame({"id": header["id"], "score": np.empty(0, dtype=np.float64)})
        with contextlib.ExitStack() as stack:
            writer = None
            if out_path.suffix == ".csv":
                text = stack.enter_context(open(tmp, "w", newline="", encoding="utf-8"))
                empty.to_csv(text, index=False)  # the header line
            for chunk in _chunks(in_path, ["id", *features], int(chunk_size)):
                if len(chunk) == 0:
                    continue
                scores = model.predict_proba(chunk[features])[:, 1]
                out = pd.DataFrame(
                    {"id": chunk["id"].to_numpy(), "score": np.asarray(scores, dtype=np.float64)}
                )
                if out_path.suffix == ".csv":
                    out.to_csv(text, index=False, header=False)
                else:
                    table = pa.Table.from_pandas(out, preserve_index=False)
                    if writer is None:
                        writer = stack.enter_context(pq.ParquetWriter(tmp, table.schema))
                    writer.write_table(table.cast(writer.schema))
                rows += len(out)
            if out_path.suffix == ".parquet" and writer is None:
                pq.write_table(pa.Table.from_pandas(empty, preserve_index=False), tmp)
        os.replace(tmp, out_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return rows


def _empty_frame(in_path: Path) -> pd.DataFrame:
    """The input's columns (no rows), read without reading the rows."""
    if in_path.suffix == ".csv":
        return pd.read_csv(in_path, nrows=0)
    return pq.ParquetFile(in_path).schema_arrow.empty_table().to_pandas()


def _chunks(in_path: Path, columns: list[str], chunk_size: int) -> Iterator[pd.DataFrame]:
    """The input's rows, `chunk_size` at a time, as DataFrames of `columns`."""
    if in_path.suffix == ".csv":
        with pd.read_csv(in_path, usecols=columns, chunksize=chunk_size) as reader:
            yield from reader
    else:
        parquet = pq.ParquetFile(in_path)
        for batch in parquet.iter_batches(batch_size=chunk_size, columns=columns):
            yield batch.to_pandas()
    # END SOLUTION
