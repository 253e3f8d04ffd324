"""Worked example: score a file a chunk at a time, and measure the peak memory both ways.

The whole-file job reads the table, scores it, writes the scores: its memory grows with the file.
The streamed job reads `ROWS_PER_CHUNK` rows (`pandas.read_csv(chunksize=)` for CSV,
`pyarrow.parquet.ParquetFile.iter_batches(batch_size=)` for Parquet), scores them, appends their
ids and scores to the output, and lets them go: its memory depends on the chunk, not the file.

Peak memory is measured with `tracemalloc` (what Python and NumPy allocate) plus the peak of
Arrow's memory pool (Parquet is decoded by Arrow, which tracemalloc does not see). The CSV's two
text columns are read as `category` (integer codes): smaller, and counted by tracemalloc, where
pandas 3's default Arrow-backed text would be invisible to it. Two file sizes, 4x apart.

Run: python docs/examples/07_batch/chunked_scoring.py
"""

from __future__ import annotations

import gc
import os
import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv
import pyarrow.parquet as pq
from scoring_model import FEATURES, payments_table, trained_model
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

ROWS_PER_CHUNK = 2_000
SIZES = (10_000, 40_000)
TEXT_AS_CODES = {"channel": "category", "merchant_category": "category"}


def read_whole(path: Path) -> pd.DataFrame:
    """The whole table in memory."""
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=TEXT_AS_CODES)
    return pd.read_parquet(path)


def read_chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """The table, `rows` at a time; only the columns the job needs are decoded."""
    wanted = ["transaction_id", *FEATURES]
    if path.suffix == ".csv":
        yield from pd.read_csv(path, usecols=wanted, dtype=TEXT_AS_CODES, chunksize=rows)
    else:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows, columns=wanted):
            yield batch.to_pandas()


def ids_and_scores(model: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    probability = model.predict_proba(frame[FEATURES])[:, 1]
    return pd.DataFrame({"transaction_id": frame["transaction_id"], "fraud_score": probability})


def score_whole(path: Path, out: Path, model: Pipeline) -> int:
    scored = ids_and_scores(model, read_whole(path))
    scored.to_parquet(out, index=False)
    return len(scored)


def score_streamed(path: Path, out: Path, model: Pipeline, rows: int = ROWS_PER_CHUNK) -> int:
    """Append each chunk's scores to a temporary file, a Parquet row group per chunk; move it
    onto `out` once every chunk is written."""
    written = 0
    partial = out.with_name(f".{out.name}.partial")
    schema = pa.schema([("transaction_id", pa.int64()), ("fraud_score", pa.float64())])
    with pq.ParquetWriter(partial, schema) as sink:
        for chunk in read_chunks(path, rows):
            scored = ids_and_scores(model, chunk)
            sink.write_table(pa.Table.from_pandas(scored, schema=schema, preserve_index=False))
            written += len(scored)
    os.replace(partial, out)  # see atomic_output.py for what happens when a chunk fails
    return written


ARROW_POOL = pa.default_memory_pool()  # where Arrow allocates; each measurement wraps it
COUNTERS = []  # every wrapper stays alive: a buffer it allocated must find it when freed


def peak_mb(job, *args) -> float:
    """Peak memory of `job(*args)` in MB: tracemalloc's peak plus Arrow's pool's peak."""
    arrow = pa.proxy_memory_pool(ARROW_POOL)  # counts what goes through it, and its peak
    COUNTERS.append(arrow)
    pa.set_memory_pool(arrow)
    gc.collect()
    gc.disable()  # the collector runs when it likes; it would move the peak from run to run
    tracemalloc.start()
    try:
        job(*args)
        python_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        gc.enable()
        pa.set_memory_pool(ARROW_POOL)
    return (python_peak + arrow.max_memory()) / 1e6


def write_table(table: pd.DataFrame, path: Path) -> None:
    """`table` as a CSV or Parquet file (by the suffix), with Arrow's writers (pandas' CSV writer
    is slower)."""
    rows = pa.Table.from_pandas(table, preserve_index=False)
    if path.suffix == ".csv":
        pa.csv.write_csv(rows, path)
    else:
        pq.write_table(rows, path, row_group_size=ROWS_PER_CHUNK)


def measure(folder: Path, sizes=SIZES) -> list[dict]:
    """Peak memory of both jobs, for CSV and Parquet files of each size."""
    model = trained_model()
    table = payments_table(max(sizes), seed=3).drop(columns="is_fraud")
    for suffix in (".csv", ".parquet"):  # run each job once unmeasured: imports, caches
        warm_up = folder / f"warm-up{suffix}"
        write_table(table.head(ROWS_PER_CHUNK), warm_up)
        score_whole(warm_up, folder / "whole.parquet", model)
        score_streamed(warm_up, folder / "streamed.parquet", model)
    results = []
    for rows in sizes:
        for suffix in (".csv", ".parquet"):
            path = folder / f"payments_{rows}{suffix}"
            write_table(table.head(rows), path)
            whole = peak_mb(score_whole, path, folder / "whole.parquet", model)
            streamed = peak_mb(score_streamed, path, folder / "streamed.parquet", model)
            same = pd.read_parquet(folder / "whole.parquet").equals(
                pd.read_parquet(folder / "streamed.parquet")
            )
            results.append(
                {"format": suffix[1:], "rows": rows, "whole": whole, "streamed": streamed}
                | {"same": same}
            )
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, threadpool_limits(limits=1):
        results = measure(Path(folder))
    print(
        f"chunks of {ROWS_PER_CHUNK:,} rows; "
        "peak memory of read + score + write (scores to Parquet)"
    )
    print("| file | rows | whole file | in chunks | same scores |")
    print("|---|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['format']} | {r['rows']:,} | {r['whole']:.1f} MB | {r['streamed']:.1f} MB "
            f"| {r['same']} |"
        )


if __name__ == "__main__":
    main()
