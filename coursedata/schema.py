"""`SCHEMA`: every column of every table, with its dtype, meaning and (for categories) values.

`SCHEMA[table][column]` is a `Column`. The tables are "transactions", "users", "merchants",
"raw_export", and the later lessons' "daily_volumes", "interactions" and "dispute_notes";
columns are listed in frame order. `str(frame[column].dtype) == Column.dtype` holds for every
generated frame (a test checks it), and `schema_markdown` renders the tables that
docs/reference/data-world.md shows (a test checks the page holds them verbatim).
"""

from __future__ import annotations

from dataclasses import dataclass

from coursedata import vocabulary as vocab

UTC = "datetime64[ns, UTC]"


@dataclass(frozen=True)
class Column:
    dtype: str  # as `str(series.dtype)` prints it
    meaning: str
    values: tuple[str, ...] = ()  # the categories, in order, for `category` columns


def _category(meaning: str, values: tuple[str, ...]) -> Column:
    return Column("category", meaning, values)


TRANSACTIONS: dict[str, Column] = {
    "transaction_id": Column(
        "int64", "Unique id: a random permutation of 1..n, unrelated to time or label."
    ),
    "timestamp": Column(UTC, "When the payment was authorised (whole seconds)."),
    "user_id": Column("int64", "The paying user (`users.user_id`)."),
    "merchant_id": Column("int64", "The merchant paid (`merchants.merchant_id`)."),
    "amount": Column("float64", "Amount in `currency`, rounded to cents; always > 0."),
    "currency": _category("The merchant's currency.", vocab.CURRENCIES),
    "merchant_category": _category(
        "The merchant's category (`merchants.category`).", vocab.CATEGORIES
    ),
    "channel": _category("web (browser), app (mobile app) or pos (card present).", vocab.CHANNELS),
    "device_id": Column(
        "int64",
        "Device the payment came from (random id); fraudsters' devices are new to the user.",
    ),
    "card_country": _category("Country of the card: the user's `home_country`.", vocab.COUNTRIES),
    "merchant_country": _category(
        "Country of the merchant (`merchants.country`).", vocab.COUNTRIES
    ),
    "is_fraud": Column(
        "bool",
        "The label: a chargeback arrived, at any time (about 1.5 %). A few rows differ from the "
        "truth: see `labels_as_of` and the planted label noise.",
    ),
    "chargeback_at": Column(
        UTC, "LEAK. When the chargeback arrived, 2+ days later (median 19); NaT unless is_fraud."
    ),
    "days_to_chargeback": Column(
        "float64", "LEAK. (chargeback_at - timestamp) in days; NaN unless is_fraud."
    ),
}

USERS: dict[str, Column] = {
    "user_id": Column("int64", "Unique id: a random permutation of 1..n_users."),
    "signup_at": Column(
        UTC,
        "When the account was opened (before or during the window; a fraudster's new account "
        "hours before its first payment).",
    ),
    "home_country": _category("Where the user lives; the country of their card.", vocab.COUNTRIES),
    "segment": _category("Customer segment; sets the usual spending level.", vocab.SEGMENTS),
    "spend_level": Column(
        "float64", "The user's usual payment size in EUR (before category and drift)."
    ),
}

MERCHANTS: dict[str, Column] = {
    "merchant_id": Column("int64", "Unique id: a random permutation of 1..n_merchants."),
    "name": Column("object", "Display name (not unique)."),
    "category": _category("What the merchant sells.", vocab.CATEGORIES),
    "country": _category("Where the merchant is registered; sets its currency.", vocab.COUNTRIES),
    "risk_score": Column(
        "float64", "Risk rating in [0, 1] from the acquirer; higher in risky categories."
    ),
}

_RAW_MESS: dict[str, str] = {
    "timestamp": 'ISO 8601: mostly "...Z", some local time with an offset such as "+02:00".',
    "amount": 'With thousands separators: "1,234.56".',
    "merchant_category": 'Mixed casing and stray spaces: " Grocery ", "GIFT_CARDS".',
    "channel": 'Mixed casing and stray spaces: "POS", "web ".',
    "card_country": "Missing (None) in some rows; recover it from `users.home_country`.",
    "merchant_country": "Missing (None) in some rows; recover it from `merchants.country`.",
    "is_fraud": '"1" or "0".',
    "chargeback_at": 'ISO 8601 ending in "Z"; None unless is_fraud.',
    "days_to_chargeback": "Decimal text; None unless is_fraud.",
}
RAW_EXPORT: dict[str, Column] = {
    name: Column("object", "Text. " + _RAW_MESS.get(name, "As in `transactions`."))
    for name in TRANSACTIONS
}

DAILY_VOLUMES: dict[str, Column] = {
    "date": Column(UTC, "The day (midnight UTC); every day of the window, for every category."),
    "merchant_category": _category("The merchants' category.", vocab.CATEGORIES),
    "volume": Column(
        "int64", "Payments that day in that category (>= 0; `crypto` has days with none)."
    ),
}

INTERACTIONS: dict[str, Column] = {
    "user_id": Column("int64", "The buyer: a random permutation of 1..n_users (its own users)."),
    "merchant_id": Column(
        "int64", "The merchant bought from: a random permutation of 1..n_merchants (its own)."
    ),
    "timestamp": Column(UTC, "When the purchase was made (whole seconds)."),
}

DISPUTE_NOTES: dict[str, Column] = {
    "note_id": Column("int64", "Unique id: a random permutation of 1..n."),
    "transaction_id": Column("int64", "The disputed payment (`transactions.transaction_id`)."),
    "created_at": Column(
        UTC, "When the customer wrote it: after the payment, before its chargeback if any."
    ),
    "text": Column("str", "The customer's note: 1 to 3 sentences, English, unique."),
    "gold_reason": _category(
        "The reason, labelled by an analyst, for a random 20 % of the notes; missing elsewhere.",
        vocab.DISPUTE_REASONS,
    ),
}

SCHEMA: dict[str, dict[str, Column]] = {
    "transactions": TRANSACTIONS,
    "users": USERS,
    "merchants": MERCHANTS,
    "raw_export": RAW_EXPORT,
    "daily_volumes": DAILY_VOLUMES,
    "interactions": INTERACTIONS,
    "dispute_notes": DISPUTE_NOTES,
}


def schema_markdown(table: str) -> str:
    """The Markdown table (column | dtype | meaning) for one table of `SCHEMA`, no trailing
    newline. Category columns list their values. Unknown `table` raises `KeyError`."""
    lines = ["| column | dtype | meaning |", "|---|---|---|"]
    for name, col in SCHEMA[table].items():
        meaning = col.meaning
        if col.values:
            meaning += " Values: " + ", ".join(f"`{v}`" for v in col.values) + "."
        lines.append(f"| `{name}` | `{col.dtype}` | {meaning} |")
    return "\n".join(lines)
