"""Users and merchants: the two dimension tables, plus the hidden traits the generators use.

`make_users` and `make_merchants` return the public frame *and* a `...Traits` record of numpy
arrays (indexed by position, i.e. id - 1) with the latent facts that never appear in a table:
how active a user is, which device ids they own and when they switch phones, how popular a
merchant is. The transaction generators read only these records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coursedata import vocabulary as vocab
from coursedata.draws import NS_PER_DAY, NS_PER_SECOND, categorical, lognormal_factor
from coursedata.frames import categorical_column, utc_column

SIGNUP_HISTORY_DAYS = 3 * 365  # users who joined before the window joined within this span
SHARE_JOINING_DURING_WINDOW = 0.2
SHARE_SWITCHING_PHONE = 0.15
NO_SWITCH = np.iinfo(np.int64).max


@dataclass(frozen=True)
class UserTraits:
    """Per-user arrays, position i = user_id i + 1."""

    country: np.ndarray  # int64 index into COUNTRIES
    spend_eur: np.ndarray  # float64, the usual amount in EUR (the `spend_level` column)
    signup_ns: np.ndarray  # int64 ns since epoch
    activity: np.ndarray  # float64, relative number of payments per active day
    device_base: np.ndarray  # int64, the user's first device id
    n_devices: np.ndarray  # int64, devices owned from the start (1-3)
    switch_ns: np.ndarray  # int64, when a new phone replaces the first device (NO_SWITCH: never)

    def primary_device(self, user: np.ndarray, ts_ns: np.ndarray) -> np.ndarray:
        """The device a user mostly pays with at time `ts_ns` (the new phone after a switch)."""
        switched = ts_ns >= self.switch_ns[user]
        return self.device_base[user] + np.where(switched, self.n_devices[user], 0)

    @property
    def last_device_id(self) -> int:
        """The highest device id any user owns; fraudsters' devices are numbered above it."""
        return int(self.device_base[-1] + self.n_devices[-1])


@dataclass(frozen=True)
class MerchantTraits:
    """Per-merchant arrays, position i = merchant_id i + 1."""

    country: np.ndarray  # int64 index into COUNTRIES
    category: np.ndarray  # int64 index into CATEGORIES
    legit_weight: np.ndarray  # float64, chance to serve a legitimate payment within its country
    fraud_weight: np.ndarray  # float64, chance to serve a fraudulent one within its country


def make_users(
    rng: np.random.Generator, n_users: int, start_ns: int, end_ns: int
) -> tuple[pd.DataFrame, UserTraits]:
    """Draw `n_users` users; ids are 1..n_users. Signups fall before `start_ns` or in the first
    half of the window, so every user has at least half the window to pay in."""
    country = categorical(rng, vocab.USER_COUNTRY_WEIGHTS, n_users)
    segment = categorical(rng, vocab.SEGMENT_WEIGHTS, n_users)
    spend_eur = np.round(vocab.SEGMENT_SPEND_EUR[segment] * lognormal_factor(rng, 0.6, n_users), 2)

    joins_late = rng.random(n_users) < SHARE_JOINING_DURING_WINDOW
    before = start_ns - (rng.random(n_users) * SIGNUP_HISTORY_DAYS * NS_PER_DAY).astype(np.int64)
    during = start_ns + (rng.random(n_users) * 0.5 * (end_ns - start_ns)).astype(np.int64)
    signup_ns = np.where(joins_late, during, before) // NS_PER_SECOND * NS_PER_SECOND

    n_devices = 1 + rng.binomial(2, 0.3, size=n_users)
    switches = rng.random(n_users) < SHARE_SWITCHING_PHONE
    slots = n_devices + switches  # a switcher owns one extra id: the new phone
    device_base = np.cumsum(slots) - slots + 1
    active_from = np.maximum(signup_ns, start_ns)
    switch_at = active_from + (rng.random(n_users) * (end_ns - active_from)).astype(np.int64)
    traits = UserTraits(
        country=country,
        spend_eur=spend_eur,
        signup_ns=signup_ns,
        activity=lognormal_factor(rng, 0.8, n_users),
        device_base=device_base.astype(np.int64),
        n_devices=n_devices.astype(np.int64),
        switch_ns=np.where(switches, switch_at, NO_SWITCH),
    )
    users = pd.DataFrame(
        {
            "user_id": np.arange(1, n_users + 1, dtype=np.int64),
            "signup_at": utc_column(signup_ns),
            "home_country": categorical_column(country, vocab.COUNTRIES),
            "segment": categorical_column(segment, vocab.SEGMENTS),
            "spend_level": spend_eur,
        }
    )
    return users, traits


def make_merchants(
    rng: np.random.Generator, n_merchants: int
) -> tuple[pd.DataFrame, MerchantTraits]:
    """Draw `n_merchants` merchants (ids 1..n); every country gets at least one merchant."""
    n_countries = len(vocab.COUNTRIES)
    if n_merchants < n_countries:
        raise ValueError(f"n_merchants must be at least {n_countries} (one per country)")
    country = np.r_[
        np.arange(n_countries),
        categorical(rng, vocab.MERCHANT_COUNTRY_WEIGHTS, n_merchants - n_countries),
    ].astype(np.int64)
    # Shops are spread a little more evenly than payments, so rare categories still exist.
    legit_share = vocab.LEGIT_CATEGORY_WEIGHTS / vocab.LEGIT_CATEGORY_WEIGHTS.sum()
    category = categorical(rng, 0.6 * legit_share + 0.4 / len(vocab.CATEGORIES), n_merchants)
    risky = vocab.IS_RISKY_CATEGORY[category]
    risk_score = np.round(
        np.where(risky, rng.beta(5, 3, n_merchants), rng.beta(2, 8, n_merchants)), 3
    )

    # Within a country, a category's merchants share that category's weight between them.
    cell = country * len(vocab.CATEGORIES) + category
    per_cell = np.bincount(cell, minlength=n_countries * len(vocab.CATEGORIES))[cell]
    popularity = lognormal_factor(rng, 0.7, n_merchants)
    traits = MerchantTraits(
        country=country,
        category=category,
        legit_weight=popularity * vocab.LEGIT_CATEGORY_WEIGHTS[category] / per_cell,
        fraud_weight=(0.5 + risk_score) * vocab.FRAUD_CATEGORY_WEIGHTS[category] / per_cell,
    )
    first = np.asarray(vocab.MERCHANT_NAME_FIRST, dtype=object)
    second = np.asarray(vocab.MERCHANT_NAME_SECOND, dtype=object)
    label = np.asarray([c.replace("_", " ").title() for c in vocab.CATEGORIES], dtype=object)
    name = (
        first[rng.integers(0, first.size, n_merchants)]
        + " "
        + second[rng.integers(0, second.size, n_merchants)]
        + " "
        + label[category]
    )
    merchants = pd.DataFrame(
        {
            "merchant_id": np.arange(1, n_merchants + 1, dtype=np.int64),
            "name": pd.Series(name, dtype=object),
            "category": categorical_column(category, vocab.CATEGORIES),
            "country": categorical_column(country, vocab.COUNTRIES),
            "risk_score": risk_score,
        }
    )
    return merchants, traits
