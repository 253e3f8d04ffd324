"""Worked example: a Dask DataFrame is partitions plus a plan; nothing runs until .compute().

`dd.from_pandas(frame, npartitions=4)` cuts the medium world's 50,000 payments into 4 pandas
DataFrames. `map_partitions(fn, meta=...)` adds one task per partition to the plan (the task
graph) and returns at once: `fn` has not run. `meta` is an empty DataFrame with the columns and
dtypes `fn` will return; without it Dask calls `fn` on a few made-up rows to find out, and with
wrong dtypes the plan describes a frame that the data will not be. `.compute()` runs the graph:
here with the synchronous scheduler, one task after another in this process, so a counter shows
every call. A reduction such as `.mean()` adds a partial result per partition and a few tasks to
combine them. `dd.read_parquet` of a folder makes a partition of each file (files this small are
not split further).

Run: python docs/examples/07_batch/dask_partitions.py
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.utils import key_split

import coursedata

CALLS = {"row_features": 0}
META = pd.DataFrame(
    {
        "log_amount": pd.Series(dtype="float64"),
        "abroad": pd.Series(dtype="bool"),
        "hour": pd.Series(dtype="int32"),
    }
)


def row_features(part: pd.DataFrame) -> pd.DataFrame:
    """Features of one partition's payments, each from its own row only."""
    CALLS["row_features"] += 1
    return pd.DataFrame(
        {
            "log_amount": np.log(part["amount"]),
            "abroad": part["card_country"] != part["merchant_country"],
            "hour": part["timestamp"].dt.hour.astype("int32"),
        },
        index=part.index,
    )


def tasks(collection) -> dict[str, int]:
    """The optimised graph's tasks, counted by the step that made them."""
    counts = Counter(key_split(key) for key in collection.optimize().__dask_graph__())
    return dict(sorted(counts.items()))


def main() -> None:
    payments = coursedata.sample("medium").transactions
    ddf = dd.from_pandas(payments, npartitions=4)
    sizes = ddf.map_partitions(len).compute(scheduler="synchronous").tolist()
    print(f"{len(payments):,} payments in {ddf.npartitions} partitions of {sizes} rows")

    features = ddf.map_partitions(row_features, meta=META)
    print(f"after map_partitions: calls of row_features {CALLS['row_features']}")
    print(f"tasks: {tasks(features)}")
    share = features["abroad"].mean()
    graph = tasks(share)
    print(f"tasks of .mean(): {sum(graph.values())}: {graph}")
    print(f"still nothing computed: calls {CALLS['row_features']}")
    value = share.compute(scheduler="synchronous")
    print(f".compute(): abroad share {value:.4f}; calls of row_features {CALLS['row_features']}")
    print(f"pandas on the whole frame agrees: {value == row_features(payments)['abroad'].mean()}")

    CALLS["row_features"] = 0
    guessed = ddf.map_partitions(row_features)
    print(f"without meta: calls while building the plan {CALLS['row_features']} (made-up rows)")
    print(f"its guess: {guessed.dtypes.astype(str).to_dict()}")
    wrong = ddf.map_partitions(row_features, meta=META.astype({"hour": "int64"}))
    computed = wrong.compute(scheduler="synchronous")
    print(
        f"meta says hour is {wrong.dtypes['hour']}, "
        f"the computed frame has {computed.dtypes['hour']}"
    )

    with tempfile.TemporaryDirectory() as folder:
        for month, rows in payments.groupby(payments["timestamp"].dt.month):
            rows.to_parquet(Path(folder) / f"payments-2025-{month:02d}.parquet")
        files = dd.read_parquet(folder)
        count = len(list(Path(folder).iterdir()))
        print(f"read_parquet of {count} monthly files: {files.npartitions} partitions")


if __name__ == "__main__":
    main()
