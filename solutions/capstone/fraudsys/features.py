"""Part QUALITY · Clean the raw export, and the features both paths compute.

Docs: docs/capstone.md#features (the site: `mkdocs serve`, then Capstone)

Every model of the system sees the world through two functions. `clean_raw` turns the nightly
all-text export into typed transactions (lesson 02): training (fraudsys/train.py) and the batch
job (fraudsys/batch.py) start from it. `build_features` turns typed transactions into the
model's input: training calls it on months of history, the service (fraudsys/service.py) on the
one payment a client sent, the batch job on a chunk of a file. It is the same function on all
three paths, and it may look at nothing but the row itself, so that a payment gets the same
features, hence the same score, whichever path scores it (lesson 07's feature parity).

The export holds a planted leak: `chargeback_at` and `days_to_chargeback` are known only once the
chargeback has arrived, weeks after the payment, and `is_fraud` is the label itself. A model that
reads any of them scores beautifully offline and is useless in production, where a payment being
scored has none of them yet. They may be used to make labels (train.py does), never as features.

`LEAKY_COLUMNS`: the tuple ("chargeback_at", "days_to_chargeback", "is_fraud").

`clean_raw(raw, users, merchants) -> DataFrame`: lesson 02's cleaning, plus what the other two
tables recover.
- `raw` has the export's columns (`coursedata.SCHEMA["raw_export"]`), every value text or None;
  `users` and `merchants` are the world's typed tables (`world.users`, `world.merchants`).
- The result has `raw`'s columns, in the same order, one row per transaction, sorted by
  `timestamp`, ties by `transaction_id`, with a fresh RangeIndex 0, 1, 2, ...
- A `transaction_id` exported more than once keeps only its first row in `raw`'s order.
- `transaction_id`, `user_id`, `merchant_id`, `device_id` become int64; `amount` float64 (the
  text has thousands separators: "1,234.56" is 1234.56); `is_fraud` bool ("1" is True).
- `timestamp` and `chargeback_at` become tz-aware UTC datetimes (the offset in the text says
  which instant it is: "2025-03-01T23:30:00-05:00" is 2025-03-02 04:30 UTC); a missing
  `chargeback_at` is NaT. `days_to_chargeback` becomes float64 (NaN when missing).
- `merchant_category` and `channel` become lowercase text without surrounding spaces
  (" Gift_Cards " is "gift_cards"); `currency` stays as it is.
- A missing `card_country` is recovered from the paying user's `users.home_country` (by
  `user_id`), a missing `merchant_country` from `merchants.country` (by `merchant_id`); a
  country that neither the export nor the table knows is "unknown" (`config.UNKNOWN`).
  Countries, categories, channels and currencies are plain text (`str` or `object`), not
  categoricals.
- `raw`, `users` and `merchants` are never modified.
- `ValueError` when `raw` lacks one of the export's columns, `users` lacks `user_id` or
  `home_country`, or `merchants` lacks `merchant_id` or `country`.

`FEATURES`: the tuple of the feature names, in the order of `build_features`'s columns.

`build_features(transactions) -> DataFrame`: the model's input.
- `transactions` is a DataFrame of typed transactions. It reads only the fields a client sends to
  the service (`coursekit.schemas.Transaction`): `timestamp` (tz-aware), `amount`, `currency`,
  `merchant_category`, `channel`, `card_country`, `merchant_country` (text or categorical).
  Any other column is ignored: a frame without the leaky columns, or with garbage in them, gives
  exactly the same features.
- The result: one row per input row, with the input's index (labels and order), the columns
  `FEATURES` in that order, every column float64. No input row may change another's features:
  a row gets the same features alone, in any frame, in any order (no per-user history, no
  statistic over the frame such as a mean or a rank).
- The features (per row; UTC times; EUR = amount / `config.CURRENCY_RATES[currency]`):
  `log_amount_eur` (log1p of the amount in EUR; NaN for a currency not in the rates),
  `hour` (0 to 23), `night` (1.0 when the hour is in `config.NIGHT_HOURS_UTC`, else 0.0),
  `abroad` (1.0 when both countries are known, not "unknown", and differ), `merchant_us`
  (1.0 when the merchant's country is "US"), `risky_category` (1.0 when the category is in
  `config.RISKY_CATEGORIES`), `category_code` (the category's position in
  `coursekit.schemas.CATEGORIES`, -1.0 when it is not there), `channel_web`, `channel_app`,
  `channel_pos` (one-hot: 1.0 on the row's channel, 0.0 elsewhere).
- An input with no rows gives a frame with the columns and no rows. `transactions` is never
  modified. `ValueError` when one of the seven fields above is missing.

How the quality is judged, on a world seed you have not seen: `clean_raw` and `build_features`
of the export's payments before `as_of` (four weeks before the world's end) feed train.py's
`make_model()`, fitted as `train` fits it (labels known at `as_of`, the label-delay gap, the
threshold chosen on validation at config's costs); it then scores the payments of the four
hidden weeks from `as_of`, with their final labels. Its average precision there must be at
least 0.20 (a random score gets about 0.025), and the cost at the chosen threshold at most 0.80
of the cost of flagging nothing (every fraud missed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.schemas import CATEGORIES
from fraudsys import config

LEAKY_COLUMNS = ("chargeback_at", "days_to_chargeback", "is_fraud")
RAW_COLUMNS = (
    "transaction_id",
    "timestamp",
    "user_id",
    "merchant_id",
    "amount",
    "currency",
    "merchant_category",
    "channel",
    "device_id",
    "card_country",
    "merchant_country",
    "is_fraud",
    "chargeback_at",
    "days_to_chargeback",
)
INPUT_COLUMNS = (
    "timestamp",
    "amount",
    "currency",
    "merchant_category",
    "channel",
    "card_country",
    "merchant_country",
)
FEATURES = (
    "log_amount_eur",
    "hour",
    "night",
    "abroad",
    "merchant_us",
    "risky_category",
    "category_code",
    "channel_web",
    "channel_app",
    "channel_pos",
)


def clean_raw(raw: pd.DataFrame, users: pd.DataFrame, merchants: pd.DataFrame) -> pd.DataFrame:
    """The export as typed transactions: one row per transaction, in time order."""
    # BEGIN SOLUTION: check the columns; lesson 02's cleaning; recover the countries from users and merchants
    _require(raw, RAW_COLUMNS, "raw")
    _require(users, ("user_id", "home_country"), "users")
    _require(merchants, ("merchant_id", "country"), "merchants")
    tx = raw.loc[:, list(raw.columns)].copy()
    for column in ("transaction_id", "user_id", "merchant_id", "device_id"):
        tx[column] = pd.to_numeric(tx[column]).astype("int64")
    tx = tx.drop_duplicates(subset="transaction_id", keep="first")
    for column in ("timestamp", "chargeback_at"):
        tx[column] = pd.to_datetime(tx[column], utc=True, format="ISO8601")
    tx["amount"] = pd.to_numeric(tx["amount"].str.replace(",", "", regex=False)).astype("float64")
    tx["days_to_chargeback"] = pd.to_numeric(tx["days_to_chargeback"]).astype("float64")
    for column in ("merchant_category", "channel"):
        tx[column] = tx[column].str.strip().str.lower()
    tx["is_fraud"] = tx["is_fraud"].eq("1")
    home = _lookup(users, "user_id", "home_country")
    where = _lookup(merchants, "merchant_id", "country")
    tx["card_country"] = tx["card_country"].fillna(tx["user_id"].map(home))
    tx["merchant_country"] = tx["merchant_country"].fillna(tx["merchant_id"].map(where))
    for column in ("card_country", "merchant_country"):
        tx[column] = tx[column].fillna(config.UNKNOWN).astype(str)
    tx = tx.sort_values(["timestamp", "transaction_id"], kind="stable")
    return tx.reset_index(drop=True)
    # END SOLUTION


def build_features(transactions: pd.DataFrame) -> pd.DataFrame:
    """The model's input: the FEATURES of each row, from that row alone, as float64."""
    # BEGIN SOLUTION: check the seven fields; compute each feature from the row alone
    _require(transactions, INPUT_COLUMNS, "transactions")
    tx = transactions
    rates = tx["currency"].astype(str).map(config.CURRENCY_RATES).astype("float64")
    amount_eur = tx["amount"].astype("float64") / rates
    hour = pd.to_datetime(tx["timestamp"], utc=True).dt.hour.astype("float64")
    start, end = config.NIGHT_HOURS_UTC
    card = tx["card_country"].astype(str)
    merchant = tx["merchant_country"].astype(str)
    category = tx["merchant_category"].astype(str)
    channel = tx["channel"].astype(str)
    codes = {name: float(k) for k, name in enumerate(CATEGORIES)}
    known = card.ne(config.UNKNOWN) & merchant.ne(config.UNKNOWN)
    features = pd.DataFrame(
        {
            "log_amount_eur": np.log1p(amount_eur),
            "hour": hour,
            "night": hour.ge(start) & hour.lt(end),
            "abroad": known & card.ne(merchant),
            "merchant_us": merchant.eq("US"),
            "risky_category": category.isin(config.RISKY_CATEGORIES),
            "category_code": category.map(codes).fillna(-1.0),
            "channel_web": channel.eq("web"),
            "channel_app": channel.eq("app"),
            "channel_pos": channel.eq("pos"),
        },
        index=tx.index,
    )
    return features.loc[:, list(FEATURES)].astype("float64")


def _require(frame: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {missing}")


def _lookup(table: pd.DataFrame, key: str, value: str) -> pd.Series:
    """`table[value]` indexed by `table[key]`, as text (a categorical's categories left behind)."""
    return pd.Series(table[value].astype(str).to_numpy(), index=table[key].to_numpy())
    # END SOLUTION
