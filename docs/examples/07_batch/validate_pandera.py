"""Worked example: check a batch before scoring it, with pandera.

A model scores whatever it is given. An hour of 24, a channel spelt "POS", a missing risk score
or a negative account age all get a score, without an error; the scores are quietly wrong. A
pandera `DataFrameSchema` states what each column must hold; `validate(batch, lazy=True)`
checks every rule on every row and raises one `SchemaErrors` whose `failure_cases` frame lists
every failure (column, check, value, row), instead of stopping at the first.

The batch is 5,000 rows of the lesson's payments table with problems planted in 16 rows (an
upstream bug's worth): 18 failures, since two rows have two problems each and a duplicated id
fails in both of its rows. The example validates it, counts the failures by check, splits the rows
(`drop_invalid_rows=True` keeps the valid ones) and shows what a missing column does: one
schema-level failure, not a failure per row.

Run: python docs/examples/07_batch/validate_pandera.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from scoring_model import FEATURES, payments_table, trained_model
from threadpoolctl import threadpool_limits

import coursedata

CHANNELS = list(coursedata.SCHEMA["transactions"]["channel"].values)
CATEGORIES = list(coursedata.SCHEMA["transactions"]["merchant_category"].values)

SCHEMA = pa.DataFrameSchema(
    {
        "transaction_id": pa.Column("int64", unique=True),
        "log_amount": pa.Column("float64", pa.Check(np.isfinite, name="finite")),
        "abroad": pa.Column("int64", pa.Check.isin([0, 1])),
        "risk_score": pa.Column("float64", pa.Check.in_range(0, 1)),  # not nullable: NaN fails
        "account_age_days": pa.Column("float64", pa.Check.ge(0)),
        "hour": pa.Column("int64", pa.Check.in_range(0, 23)),
        "channel": pa.Column("str", pa.Check.isin(CHANNELS)),
        "merchant_category": pa.Column("str", pa.Check.isin(CATEGORIES)),
    }
)


def broken_batch() -> pd.DataFrame:
    """5,000 payments with planted problems; the rows chosen by a seeded generator."""
    batch = payments_table(5_000, seed=7).drop(columns="is_fraud")
    rows = np.random.default_rng(0).choice(len(batch), size=15, replace=False)
    batch.loc[rows[0:3], "hour"] = 24
    batch.loc[rows[3:7], "channel"] = "POS"  # the right word in the wrong case
    batch.loc[rows[7:10], "risk_score"] = np.nan
    batch.loc[rows[10:12], "account_age_days"] = -0.5  # signed up after paying: a clock problem
    batch.loc[rows[12], "log_amount"] = np.inf
    batch.loc[rows[13], "transaction_id"] = batch.loc[rows[14], "transaction_id"]  # 2 rows
    batch.loc[rows[0], "channel"] = "fax"  # a second problem in the same row
    batch.loc[batch.index[-1], ["hour", "channel"]] = [-1, "web "]  # 16th row, two problems
    return batch


def main() -> None:
    batch = broken_batch()
    with threadpool_limits(limits=1):
        scores = trained_model().predict_proba(batch[FEATURES])[:, 1]
    print(
        f"the model scored all {len(scores):,} rows without an error: {np.isfinite(scores).all()}"
    )

    try:
        SCHEMA.validate(batch, lazy=True)
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases
    print(f"failure_cases: {len(failures)} rows, columns {list(failures.columns)}")
    counts = failures.groupby(["column", "check"]).size().rename("failures").reset_index()
    print(counts.to_string(index=False))

    drop_invalid = pa.DataFrameSchema(SCHEMA.columns, drop_invalid_rows=True)
    valid = drop_invalid.validate(batch, lazy=True)
    rejected = batch.loc[~batch.index.isin(valid.index)]
    print(f"valid rows: {len(valid):,}, rejected rows: {len(rejected)}")
    row = failures.loc[failures["failure_case"] == "fax", "index"].iloc[0]
    reasons = failures.loc[failures["index"] == row, ["column", "check", "failure_case"]]
    print(f"the row with channel 'fax' (index {row}) fails {len(reasons)} checks:")
    print(reasons.to_string(index=False))

    for problem, wrong in [
        ("risk_score missing", valid.drop(columns="risk_score")),
        ("hour read as float", valid.astype({"hour": "float64"})),
    ]:
        try:
            drop_invalid.validate(wrong, lazy=True)
        except pa.errors.SchemaErrors as errors:
            case = errors.failure_cases.iloc[0]
            print(
                f"{problem}: {len(errors.failure_cases)} failure, {case['schema_context']} check "
                f"{case['check']}, index {case['index']}"
            )


if __name__ == "__main__":
    main()
