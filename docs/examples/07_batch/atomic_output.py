"""Worked example: a job that dies halfway, writing its output directly and atomically.

Yesterday's job left `scores.csv` behind. Today's job writes 5 chunks of 2,000 scores, and the
disk fills up on the 4th (simulated: the chunk source raises `OSError`).

- Written directly into `scores.csv`, the job leaves 6,000 rows of today's scores: a well-formed
  CSV with a header, nothing to show that 4,000 rows are missing, and yesterday's file is gone.
  The next step of the pipeline reads it as if it were complete.
- Written into a temporary file in the same folder and moved onto `scores.csv` with `os.replace`
  only after the last chunk, the failure leaves yesterday's file untouched, and the temporary file
  is deleted. `os.replace` is atomic on one file system: a reader opens the old file or the new
  one, never half of one. (A temporary file in another folder may be on another file system,
  where the move is a copy, and not atomic.)

Run: python docs/examples/07_batch/atomic_output.py
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

CHUNKS, ROWS = 5, 2_000


def todays_scores(fail_at: int | None) -> Iterator[pd.DataFrame]:
    """Chunks of ids and scores; the chunk numbered `fail_at` (from 1) fails."""
    rng = np.random.default_rng(0)
    for number in range(1, CHUNKS + 1):
        if number == fail_at:
            raise OSError(28, "No space left on device")
        ids = np.arange((number - 1) * ROWS, number * ROWS)
        yield pd.DataFrame({"transaction_id": ids, "fraud_score": rng.random(ROWS)})


def write_directly(out: Path, chunks: Iterator[pd.DataFrame]) -> None:
    with open(out, "w", newline="") as sink:
        for number, chunk in enumerate(chunks):
            chunk.to_csv(sink, index=False, header=number == 0)


def write_atomically(out: Path, chunks: Iterator[pd.DataFrame]) -> None:
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="") as sink:
            for number, chunk in enumerate(chunks):
                chunk.to_csv(sink, index=False, header=number == 0)
        os.replace(temporary, out)  # the only moment `out` changes
    except BaseException:
        Path(temporary).unlink(missing_ok=True)  # leave nothing behind
        raise


def main() -> None:
    yesterday = pd.DataFrame({"transaction_id": [7, 8, 9], "fraud_score": [0.1, 0.2, 0.3]})
    for writer in (write_directly, write_atomically):
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "scores.csv"
            yesterday.to_csv(out, index=False)
            try:
                writer(out, todays_scores(fail_at=4))
            except OSError as error:
                failure = error.strerror
            left = pd.read_csv(out)
            kept = left.equals(yesterday)
            others = sorted(p.name for p in Path(folder).iterdir() if p.name != "scores.csv")
            print(
                f"{writer.__name__}: '{failure}' on chunk 4; scores.csv holds {len(left):,} rows "
                f"(yesterday's: {kept}); other files left: {len(others)}"
            )
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "scores.csv"
            writer(out, todays_scores(fail_at=None))
            print(f"{writer.__name__}, no failure: {len(pd.read_csv(out)):,} rows")


if __name__ == "__main__":
    main()
