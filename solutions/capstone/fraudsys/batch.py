"""Part BATCH · The nightly scoring job.

Docs: docs/capstone.md#batch (the site: `mkdocs serve`, then Capstone)

Every night Kestrel Pay re-scores the day's payments for the fraud team's queue. The table does
not fit in the job's memory budget, and it must not need to: read a chunk, score it, write its
scores, let it go. The scores must be the service's to the last digit (part SERVE): the same
`build_features` on the same typed columns, or the model meets other inputs offline than online
(training-serving skew, lesson 07 exercise 05). And the output appears whole or not at all
(lesson 07 exercise 03): the step after this job reads whatever file it finds.

Write `score_file(model_path, input_path, output_path, *, chunk_rows=CHUNK_ROWS) -> int`:

- `model_path`: a model file saved by `save_model` (part TRAIN's); load it with `load_model`
  (imported below) exactly once per call, by this name (the checks count the calls).
- `input_path`: a Parquet file of cleaned transactions (part QUALITY's `clean_raw` output, or
  any table with the same column types) with at least the columns of `INPUT_COLUMNS`; any other
  column is ignored (the leaky ones too: never read them).
- Read at most `chunk_rows` rows at a time (`pyarrow.parquet.ParquetFile(...).iter_batches(
  batch_size=chunk_rows, columns=...)`) and write each chunk's scores before reading the next.
  Never hold the whole file, nor all of its scores: a file 10 times as long must not need
  several times the memory.
- A chunk's frame is its `INPUT_COLUMNS` as the service builds one from a request: `timestamp`
  converted to UTC, the text columns (`TEXT_COLUMNS`, often categories in a file) as strings.
  Its scores are column 1 of `model.predict_proba(build_features(frame))` (part QUALITY's
  `build_features`, imported below, never a copy of it). A row of the file and the same
  transaction sent to the service get the same score (within 1e-9; the checks score with a
  model they fit on your own `build_features`).
- `output_path`: a Parquet file with exactly two columns, `transaction_id` (int64, as read) then
  `score` (float64), one row per input row, in the input's order, whatever `chunk_rows`. An
  input with no rows gives an output with the two columns and no rows (the model never sees an
  empty frame).
- Write atomically: into a temporary file in `output_path`'s folder, moved onto `output_path`
  with `os.replace` once every chunk is written. If anything fails on the way, delete the
  temporary file and let the exception propagate: no `output_path` appears, an existing one
  keeps its old contents, and nothing new is left in the folder.
- `ValueError`, before anything is written: `chunk_rows` not an int >= 1 (a bool is not); a
  path whose suffix is not `.parquet`; an input lacking a column of `INPUT_COLUMNS` (name it).
- Returns the number of rows scored.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from coursekit.model_io import load_model
from coursekit.schemas import Transaction
from fraudsys.features import build_features

CHUNK_ROWS = 10_000  # rows read, scored and written at a time

# The columns the job reads: the fields of the service's request (coursekit.schemas.Transaction).
INPUT_COLUMNS = tuple(Transaction.model_fields)
TEXT_COLUMNS = ("currency", "merchant_category", "channel", "card_country", "merchant_country")
OUTPUT_SCHEMA = pa.schema([("transaction_id", pa.int64()), ("score", pa.float64())])


def score_file(model_path, input_path, output_path, *, chunk_rows=CHUNK_ROWS) -> int:
    """Score every row of the Parquet file `input_path` with the model at `model_path`,
    `chunk_rows` rows at a time, into `output_path`, atomically; return the rows scored."""
    # BEGIN SOLUTION: validate; load once; stream chunks into a temporary file; os.replace
    input_path, output_path = Path(input_path), Path(output_path)
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ValueError(f"chunk_rows must be an int >= 1, got {chunk_rows!r}")
    for what, path in (("input_path", input_path), ("output_path", output_path)):
        if path.suffix != ".parquet":
            raise ValueError(f"{what} must be a .parquet file, got {str(path)!r}")
    parquet = pq.ParquetFile(input_path)
    missing = [c for c in INPUT_COLUMNS if c not in parquet.schema_arrow.names]
    if missing:
        raise ValueError(f"{input_path.name} lacks the column(s) {missing}")
    model, _ = load_model(model_path)

    fd, name = tempfile.mkstemp(
        prefix=f".{output_path.name}.", suffix=".tmp", dir=output_path.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        rows = 0
        with pq.ParquetWriter(tmp, OUTPUT_SCHEMA) as writer:
            for batch in parquet.iter_batches(batch_size=chunk_rows, columns=list(INPUT_COLUMNS)):
                if batch.num_rows == 0:
                    continue
                frame = batch.to_pandas()
                frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
                for column in TEXT_COLUMNS:  # a category column as the service's plain strings
                    frame[column] = frame[column].astype(str)
                scores = model.predict_proba(build_features(frame))[:, 1]
                writer.write_table(
                    pa.table(
                        {
                            "transaction_id": frame["transaction_id"].to_numpy(dtype=np.int64),
                            "score": np.asarray(scores, dtype=np.float64),
                        },
                        schema=OUTPUT_SCHEMA,
                    )
                )
                rows += batch.num_rows
        os.replace(tmp, output_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return rows
    # END SOLUTION
