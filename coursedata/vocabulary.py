"""The closed vocabularies of the data world and the weights that drive its generators.

Every categorical column takes its categories from a tuple here, in this order, so two frames
(or two worlds) always share the same categories and compare with `==` without surprises.
Weights are relative (the generators normalise them); they are the knobs of the simulation and
are documented in docs/reference/data-world.md.
"""

from __future__ import annotations

import numpy as np

# Countries of cards (users' home countries) and of merchants. No user lives in the US, so a
# payment to a US merchant is always a payment abroad (travel, a foreign web shop, or fraud).
COUNTRIES: tuple[str, ...] = ("DE", "FR", "ES", "IT", "NL", "IE", "GB", "CH", "US")
USER_COUNTRY_WEIGHTS = np.array([0.26, 0.18, 0.12, 0.12, 0.08, 0.03, 0.16, 0.05, 0.0])
MERCHANT_COUNTRY_WEIGHTS = np.array([0.24, 0.17, 0.11, 0.11, 0.08, 0.03, 0.15, 0.05, 0.06])

CURRENCIES: tuple[str, ...] = ("EUR", "GBP", "CHF", "USD")
# Index into CURRENCIES for each country in COUNTRIES: a merchant charges in its own currency.
CURRENCY_OF_COUNTRY = np.array([0, 0, 0, 0, 0, 0, 1, 2, 3])
# Units of each currency per euro, fixed for the whole world (amounts are in `currency`).
EUR_RATES = np.array([1.0, 0.85, 0.95, 1.08])

CHANNELS: tuple[str, ...] = ("web", "app", "pos")
CHANNEL_MIX_BEFORE_DRIFT = np.array([0.20, 0.35, 0.45])
CHANNEL_MIX_AFTER_DRIFT = np.array([0.20, 0.55, 0.25])
FRAUD_CHANNEL_MIX = np.array([0.45, 0.35, 0.20])

# category: (weight among legitimate payments, weight among fraud, amount multiplier, risky)
_CATEGORY_TABLE: dict[str, tuple[float, float, float, bool]] = {
    "grocery": (0.24, 0.08, 0.6, False),
    "restaurants": (0.15, 0.06, 0.9, False),
    "transport": (0.09, 0.03, 0.5, False),
    "fuel": (0.07, 0.05, 1.3, False),
    "retail": (0.14, 0.16, 1.4, False),
    "utilities": (0.05, 0.02, 2.2, False),
    "health": (0.05, 0.03, 1.1, False),
    "entertainment": (0.06, 0.05, 0.9, False),
    "travel": (0.04, 0.12, 4.0, False),
    "electronics": (0.04, 0.10, 3.0, True),
    "digital_goods": (0.03, 0.08, 0.6, True),
    "gift_cards": (0.01, 0.09, 1.6, True),
    "jewelry": (0.005, 0.05, 4.5, True),
    "crypto": (0.005, 0.05, 3.5, True),
    "gambling": (0.005, 0.04, 1.2, True),
}
CATEGORIES: tuple[str, ...] = tuple(_CATEGORY_TABLE)
LEGIT_CATEGORY_WEIGHTS = np.array([row[0] for row in _CATEGORY_TABLE.values()])
FRAUD_CATEGORY_WEIGHTS = np.array([row[1] for row in _CATEGORY_TABLE.values()])
CATEGORY_AMOUNT_MULTIPLIER = np.array([row[2] for row in _CATEGORY_TABLE.values()])
RISKY_CATEGORIES: tuple[str, ...] = tuple(c for c, row in _CATEGORY_TABLE.items() if row[3])
IS_RISKY_CATEGORY = np.array([row[3] for row in _CATEGORY_TABLE.values()])
# Categories sold only online: a point-of-sale payment there is redrawn as an app payment.
ONLINE_ONLY = np.isin(CATEGORIES, ("digital_goods", "crypto", "gambling"))

# segment: (share of users, median typical amount in EUR)
SEGMENTS: tuple[str, ...] = ("student", "standard", "premium")
SEGMENT_WEIGHTS = np.array([0.2, 0.6, 0.2])
SEGMENT_SPEND_EUR = np.array([15.0, 35.0, 90.0])

# Relative activity by hour of day (UTC; the users live in Europe): quiet nights, busy evenings.
HOUR_WEIGHTS = np.array(
    [2.2, 1.6, 1.2, 1.0, 1.2, 1.8, 3, 4, 6, 6, 6, 7, 8, 7, 6, 6, 7, 8, 9, 9, 8, 6, 4, 2],
    dtype=float,
)
NIGHT_HOURS_UTC: tuple[int, int] = (0, 5)  # [start, end): 00:00 to 04:59 UTC
# Relative volume by weekday, Monday first (mean 1): busy Fridays and Saturdays, shops shut on
# Sundays. Peak / trough = 1.2 / 0.7.
WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_WEIGHTS = np.array([0.95, 0.95, 1.0, 1.05, 1.2, 1.15, 0.7])

MERCHANT_NAME_FIRST: tuple[str, ...] = (
    "Blue", "Nordic", "Golden", "Silver", "Urban", "Harbor", "Alpine", "Maple", "Copper",
    "Royal", "Bright", "Quiet", "Swift", "Olive", "Cedar", "Coral", "Amber", "Lunar",
)  # fmt: skip
MERCHANT_NAME_SECOND: tuple[str, ...] = (
    "Fox", "Bridge", "Market", "Corner", "Lane", "Garden", "Works", "House", "Point",
    "Square", "Hub", "Street", "Bay", "Field", "Gate", "Hill",
)  # fmt: skip

# Why a customer disputes a payment (lesson 13's dispute notes); the simulated LLM answers with one.
DISPUTE_REASONS: tuple[str, ...] = (
    "unauthorized", "not_received", "not_as_described", "duplicate", "cancelled",
)  # fmt: skip
