"""`raw_export`: the world's transactions as the messy CSV-like export a data team really gets.

Every column is text (`object` dtype). The mess, all of it recorded in `world.truth.raw_export`:

- amounts as strings with thousands separators ("1,234.56");
- `merchant_category` and `channel` in inconsistent casing with stray spaces (" Grocery ", "POS");
- duplicated rows: some transactions appear twice, the copy a few rows after the original and
  formatted independently (so `drop_duplicates()` on whole rows misses some; use the id);
- missing `card_country` / `merchant_country` (None); both are recoverable from `users` and
  `merchants`, since a card's country is its user's `home_country`;
- timestamps as ISO 8601 strings, most ending in "Z", some in local time with an offset such as
  "+02:00" (the same instant: parsing them naively, dropping the offset, gets the time wrong).

Cleaning recovers `world.transactions` exactly: drop repeated `transaction_id`s, parse numbers and
`pd.to_datetime(..., utc=True, format="ISO8601")`, strip and lowercase the categories, refill the
countries from the dimension tables, restore the dtypes in `coursedata.SCHEMA`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursedata.draws import NS_PER_SECOND
from coursedata.truth import RawExportTruth
from coursedata.world import World

# (label, minutes east of UTC): the local times some source systems write.
OFFSETS: tuple[tuple[str, int], ...] = (
    ("+01:00", 60),
    ("+02:00", 120),
    ("-05:00", -300),
    ("+05:30", 330),
)
COPY_MAX_DISTANCE_ROWS = 30


def raw_export(
    world: World,
    seed: int = 0,
    duplicate_rate: float = 0.02,
    missing_country_rate: float = 0.02,
    offset_rate: float = 0.3,
    messy_category_rate: float = 0.4,
) -> pd.DataFrame:
    """The transactions of `world` as a messy all-text export (columns as in `SCHEMA
    ["raw_export"]`, a fresh RangeIndex). Rates are shares of transactions (duplicates) or of
    export rows (the others), each in [0, 1); anything else raises `ValueError`.

    Records what it planted in `world.truth.raw_export` (replacing an earlier record); the same
    world and arguments always give the same export. The world's frames are not modified.
    """
    rates = {
        "duplicate_rate": duplicate_rate,
        "missing_country_rate": missing_country_rate,
        "offset_rate": offset_rate,
        "messy_category_rate": messy_category_rate,
    }
    for name, rate in rates.items():
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {rate}")
    rng = np.random.default_rng(seed)
    tx = world.transactions
    n = len(tx)

    n_copies = round(duplicate_rate * n)
    copied = np.sort(rng.choice(n, size=n_copies, replace=False))
    # A copy lands a few rows after its original, so the first occurrence is the original.
    key = np.r_[
        np.arange(n, dtype=float), copied + 0.5 + rng.random(n_copies) * COPY_MAX_DISTANCE_ROWS
    ]
    order = np.argsort(key, kind="stable")
    source = np.r_[np.arange(n), copied][order]
    is_copy = np.r_[np.zeros(n, dtype=bool), np.ones(n_copies, dtype=bool)][order]
    rows = tx.iloc[source]
    n_rows = source.size

    missing_card = rng.random(n_rows) < missing_country_rate
    missing_merchant = rng.random(n_rows) < missing_country_rate
    timestamp, offset_rows = _timestamps_with_offsets(rng, rows["timestamp"], offset_rate)
    category, messy_rows = _messy_casing(rng, rows["merchant_category"], messy_category_rate)
    channel, messy_channel = _messy_casing(rng, rows["channel"], messy_category_rate)
    # The chargeback columns are text only on charged-back (is_fraud) rows, None elsewhere.
    has_chargeback = rows["is_fraud"].to_numpy()
    chargeback_ns = pd.DatetimeIndex(rows["chargeback_at"]).tz_localize(None).asi8[has_chargeback]
    chargeback_text = np.full(n_rows, None, dtype=object)
    chargeback_text[has_chargeback] = [
        f"{s}Z" for s in np.datetime_as_string(chargeback_ns.view("M8[ns]"), unit="s")
    ]
    days_text = np.full(n_rows, None, dtype=object)
    days_text[has_chargeback] = rows["days_to_chargeback"].to_numpy()[has_chargeback].astype(str)

    export = pd.DataFrame(
        {
            "transaction_id": _text(rows["transaction_id"]),
            "timestamp": timestamp,
            "user_id": _text(rows["user_id"]),
            "merchant_id": _text(rows["merchant_id"]),
            "amount": np.array(list(map("{:,.2f}".format, rows["amount"].tolist())), dtype=object),
            "currency": rows["currency"].to_numpy(dtype=object),
            "merchant_category": category,
            "channel": channel,
            "device_id": _text(rows["device_id"]),
            "card_country": np.where(
                missing_card, None, rows["card_country"].to_numpy(dtype=object)
            ),
            "merchant_country": np.where(
                missing_merchant, None, rows["merchant_country"].to_numpy(dtype=object)
            ),
            "is_fraud": np.where(rows["is_fraud"].to_numpy(), "1", "0").astype(object),
            "chargeback_at": chargeback_text,
            "days_to_chargeback": days_text,
        },
        dtype=object,
    )
    ids = tx["transaction_id"].to_numpy()
    world.truth.raw_export = RawExportTruth(
        seed=seed,
        n_rows=n_rows,
        duplicated_ids=np.unique(ids[copied]),
        duplicate_rows=np.flatnonzero(is_copy),
        missing_card_country_rows=np.flatnonzero(missing_card),
        missing_merchant_country_rows=np.flatnonzero(missing_merchant),
        offset_timestamp_rows=offset_rows,
        messy_category_rows=messy_rows,
        messy_channel_rows=messy_channel,
        params=rates,
    )
    return export


def _text(column: pd.Series) -> np.ndarray:
    """Integers as decimal strings (object); each distinct value is formatted once."""
    distinct, where = np.unique(column.to_numpy(), return_inverse=True)
    return distinct.astype(str).astype(object)[where]


def _timestamps_with_offsets(
    rng: np.random.Generator, timestamp: pd.Series, offset_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """ISO strings: "...Z" for most rows, local wall time plus an offset for `offset_rate` of
    them (the same instant). Returns the strings and the sorted rows that carry an offset."""
    utc_ns = pd.DatetimeIndex(timestamp).tz_localize(None).asi8
    with_offset = rng.random(utc_ns.size) < offset_rate
    which = rng.integers(0, len(OFFSETS), utc_ns.size)
    minutes = np.array([m for _, m in OFFSETS])[which]
    local_ns = utc_ns + np.where(with_offset, minutes * 60 * NS_PER_SECOND, 0)
    wall = pd.Series(np.datetime_as_string(local_ns.view("M8[ns]"), unit="s"), dtype=object)
    suffix = np.where(
        with_offset, np.array([label for label, _ in OFFSETS], dtype=object)[which], "Z"
    )
    return (wall + suffix).to_numpy(dtype=object), np.flatnonzero(with_offset)


def _messy_casing(
    rng: np.random.Generator, column: pd.Series, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Categorical values rewritten, for `rate` of the rows, as UPPER, Title, or padded with
    spaces. Returns the strings and the sorted rows that were changed."""
    categories = list(column.cat.categories)
    variants = np.array(
        [[c, c.upper(), c.title(), f" {c}", f"{c} ", f"  {c.title()} "] for c in categories],
        dtype=object,
    )
    messy = rng.random(len(column)) < rate
    variant = np.where(messy, rng.integers(1, variants.shape[1], len(column)), 0)
    return variants[column.cat.codes.to_numpy(), variant], np.flatnonzero(messy)
