# MUTANT: Keeps the last copy of a repeated transaction_id instead of the first.
"""Exercise 01 · Clean the raw transactions export.

Docs: docs/lessons/02-pandas.md#ex01-clean-transactions (the site: `mkdocs serve`, then Lesson 02)

Write `clean_transactions(raw)`: turn the all-text export that `coursedata.raw_export` produces
into a typed table with one row per transaction, sorted by time.

Contract:
- `raw` has the export's columns (`coursedata.SCHEMA["raw_export"]`); every value is text or None.
  The result has the same columns, in the same order.
- `transaction_id`, `user_id`, `merchant_id` and `device_id` become int64.
- `timestamp` becomes a tz-aware UTC datetime (`datetime64[ns, UTC]`, or `[us, UTC]` as pandas 3
  parses it). The text is ISO 8601: most end in "Z", some are local time with an offset, and the
  offset says which instant it is: "2025-03-01T23:30:00-05:00" is 2025-03-02 04:30 UTC.
- `amount` becomes float64. The text has thousands separators: "1,234.56" is 1234.56.
- `merchant_category` and `channel` become lowercase text without surrounding spaces:
  " Gift_Cards " is "gift_cards", "POS" is "pos".
- A missing `card_country` or `merchant_country` becomes the text "unknown".
- `is_fraud` becomes bool: "1" is True, "0" is False.
- `currency`, `chargeback_at` and `days_to_chargeback` stay as they are.
- A `transaction_id` that occurs more than once is one payment exported twice: keep only its first
  row in `raw`'s order. The copy is formatted on its own (another offset, other casing), so
  compare ids, not whole rows.
- Rows are sorted by `timestamp`, ties by `transaction_id`, with a fresh RangeIndex 0, 1, 2, ...
- `raw` is never modified.
"""

import pandas as pd

ID_COLUMNS = ("transaction_id", "user_id", "merchant_id", "device_id")
LABEL_COLUMNS = ("merchant_category", "channel")
COUNTRY_COLUMNS = ("card_country", "merchant_country")


def clean_transactions(raw: pd.DataFrame) -> pd.DataFrame:
    tx = raw.copy()  # every change below lands on the copy: the caller's frame stays as it was
    for column in ID_COLUMNS:
        tx[column] = pd.to_numeric(tx[column]).astype("int64")
    tx = tx.drop_duplicates(subset="transaction_id", keep="last")
    tx["timestamp"] = pd.to_datetime(tx["timestamp"], utc=True, format="ISO8601")
    tx["amount"] = pd.to_numeric(tx["amount"].str.replace(",", "", regex=False)).astype("float64")
    for column in LABEL_COLUMNS:
        tx[column] = tx[column].str.strip().str.lower()
    for column in COUNTRY_COLUMNS:
        tx[column] = tx[column].fillna("unknown")
    tx["is_fraud"] = tx["is_fraud"].eq("1")
    tx = tx.sort_values(["timestamp", "transaction_id"], kind="stable")
    return tx.reset_index(drop=True)
