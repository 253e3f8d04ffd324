"""Exercise 02 · Daily spend per user, by UTC day.

Docs: docs/lessons/02-pandas.md#ex02-daily-spend (the site: `mkdocs serve`, then Lesson 02)

Write `daily_spend(tx)`: one row per user per UTC calendar day on which the user paid at least
once, with the number of payments and their total amount.

Contract:
- `tx` has at least the columns `transaction_id`, `user_id`, `timestamp` and `amount`.
  `timestamp` is tz-aware, in any time zone: a dashboard may have converted it to
  "Europe/Berlin". Days are always UTC days: a payment at 2025-03-01 23:30 UTC belongs to
  2025-03-01, even when its timestamp reads 2025-03-02 00:30+01:00.
- `tx` may hold the same `transaction_id` on several rows (a payment delivered twice). Each
  transaction counts once, and its amount once (its first row).
- The result has the columns `user_id`, `date`, `n_tx` and `total_amount`:
  `date` is the UTC day as a timestamp at midnight UTC (`datetime.date` objects are accepted too),
  `n_tx` the number of distinct transactions (an integer), `total_amount` their summed amount.
- Days without a payment do not appear. Rows are sorted by `user_id`, then `date`, with a fresh
  RangeIndex 0, 1, 2, ...
- `tx` is never modified.
"""

import pandas as pd


def daily_spend(tx: pd.DataFrame) -> pd.DataFrame:
    # BEGIN SOLUTION: drop repeated transaction ids, take the UTC day of each payment, group by user and day, count and sum, sort
    payments = tx.drop_duplicates(subset="transaction_id", keep="first")
    utc_day = payments["timestamp"].dt.tz_convert("UTC").dt.floor("D")
    daily = (
        payments.assign(date=utc_day)
        .groupby(["user_id", "date"], sort=True)
        .agg(n_tx=("transaction_id", "size"), total_amount=("amount", "sum"))
        .reset_index()
    )
    return daily.sort_values(["user_id", "date"], kind="stable", ignore_index=True)
    # END SOLUTION
