"""Worked example: a file name and a row count are not a data version; a content hash is.

1. The training table of this lesson's fraud model, the payments before the cut with the labels
   known at the time, exported twice under one name: on the day of the cut, and a month later,
   when more chargebacks have arrived. Same rows, same columns, same dtypes; different labels,
   so a model trained on one is not the model trained on the other.
2. `pandas.util.hash_pandas_object(frame, index=False)` gives one 64-bit hash per row, from the
   values. The example hashes those row hashes, in order, into one SHA-256 digest, then changes
   a small frame in one way at a time to show what that digest sees and what it does not.

Exercise 02 builds a fingerprint with other rules; this digest is only the starting point.

Run: python docs/examples/06_tracking/data_versions.py (about two seconds)
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

import coursedata

COLUMNS = ["transaction_id", "timestamp", "user_id", "amount", "channel", "merchant_category"]


def row_hash_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of the frame's row hashes, in row order. Ignores the index (index=False)."""
    rows = pd.util.hash_pandas_object(frame, index=False)  # one uint64 per row
    return hashlib.sha256(rows.to_numpy().tobytes()).hexdigest()


def training_export(world: coursedata.World, cut: pd.Timestamp, exported: str) -> pd.DataFrame:
    """The payments before `cut`, with the labels known on the day of the export."""
    tx = world.transactions
    before = tx["timestamp"] < cut
    table = tx.loc[before, COLUMNS].copy()
    table["is_fraud"] = coursedata.labels_as_of(world, exported)[before]
    return table


def small_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "amount": [12.5, np.nan, 80.0],
            "channel": ["web", "app", "pos"],
            "n_prev_1h": np.array([0, 2, 1], dtype="int64"),
        }
    )


def variants(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The frame changed in one way at a time."""
    one_value = frame.copy()
    one_value.loc[2, "amount"] = 80.01
    nan_moved = frame.copy()
    nan_moved["amount"] = [np.nan, 12.5, 80.0]
    return {
        "one value changed (80.0 -> 80.01)": one_value,
        "the NaN and 12.5 swap rows": nan_moved,
        "a column renamed": frame.rename(columns={"n_prev_1h": "n_prev_24h"}),
        "int64 column as float64": frame.astype({"n_prev_1h": "float64"}),
        "int64 column as int32": frame.astype({"n_prev_1h": "int32"}),
        "text column as category": frame.astype({"channel": "category"}),
        "rows in another order": frame.iloc[[2, 0, 1]],
        "columns in another order": frame[["channel", "amount", "n_prev_1h"]],
        "another index": frame.set_axis([10, 11, 12]),
    }


def main() -> None:
    world = coursedata.sample("small", 0)
    cut = world.transactions["timestamp"].quantile(0.7)
    first = training_export(world, cut, cut)
    later = training_export(world, cut, cut + pd.Timedelta(days=30))
    print(f"'payments_until_{cut:%Y-%m-%d}.parquet', exported at the cut and 30 days later:")
    print(
        f"  rows {len(first):,} and {len(later):,} | same columns: "
        f"{list(first.columns) == list(later.columns)} | same dtypes: "
        f"{first.dtypes.equals(later.dtypes)}"
    )
    changed = int((first["is_fraud"] != later["is_fraud"]).sum())
    print(
        f"  frauds labelled: {int(first['is_fraud'].sum())} and {int(later['is_fraud'].sum())}; "
        f"labels that differ: {changed}"
    )
    a, b = row_hash_digest(first), row_hash_digest(later)
    print(f"  digests {a[:12]} and {b[:12]}: equal {a == b}")

    frame = small_frame()
    base = row_hash_digest(frame)
    print("| change to a 3-row frame | row-hash digest changes |")
    print("|---|---|")
    for change, other in variants(frame).items():
        print(f"| {change} | {'yes' if row_hash_digest(other) != base else 'no'} |")


if __name__ == "__main__":
    main()
