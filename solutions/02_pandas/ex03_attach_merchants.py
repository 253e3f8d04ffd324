"""Exercise 03 · Attach the merchant of every transaction.

Docs: docs/lessons/02-pandas.md#ex03-attach-merchants (the site: `mkdocs serve`, then Lesson 02)

Write `attach_merchants(tx, merchants)`: every transaction, with the columns of its merchant.

Contract:
- `tx` has a `merchant_id` column; `merchants` has `merchant_id` and `category`, and usually more
  (`name`, `country`, `risk_score`). The two share no column other than `merchant_id`.
- A left join: the result has exactly one row per row of `tx`, in `tx`'s order and with `tx`'s
  index, so it lines up with `tx` row by row. Its columns are `tx`'s, then `merchants`' other
  columns.
- A transaction whose `merchant_id` is not in `merchants` keeps its row: its `category` is the
  text "unknown", and its other merchant columns are missing.
- `merchants` must have one row per `merchant_id`. When an id repeats, raise `ValueError` with a
  message that names the repeated id(s), such as "merchant_id repeated in merchants: [907]":
  joining would copy each of that merchant's transactions once per repeat.
- Neither input is modified.
"""

import pandas as pd


def attach_merchants(tx: pd.DataFrame, merchants: pd.DataFrame) -> pd.DataFrame:
    # BEGIN SOLUTION: reject repeated merchant ids by name, left-join on merchant_id, restore tx's index, fill the category of unknown merchants
    repeated = merchants.loc[merchants["merchant_id"].duplicated(), "merchant_id"].unique()
    if len(repeated):
        raise ValueError(f"merchant_id repeated in merchants: {sorted(repeated.tolist())}")
    joined = tx.merge(merchants, on="merchant_id", how="left", validate="many_to_one")
    joined.index = tx.index  # a left join keeps tx's row order; merge drops the labels
    joined["category"] = joined["category"].astype(object).fillna("unknown")
    return joined
    # END SOLUTION
