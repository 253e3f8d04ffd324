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
    # TODO: check the columns; lesson 02's cleaning; recover the countries from users and merchants
    raise NotImplementedError


def build_features(transactions: pd.DataFrame) -> pd.DataFrame:
    """The model's input: the FEATURES of each row, from that row alone, as float64."""
    # TODO: check the seven fields; compute each feature from the row alone
    raise NotImplementedError
