"""Users and merchants: the two dimension tables, plus the hidden traits the generators use.

`make_users` and `make_merchants` return a `...Traits` record of numpy arrays, indexed by
*position*, with everything about each user or merchant, including the latent facts that never
appear in a table: how active a user is, which devices they own and when they switch phones, how
popular a merchant is. The transaction generators read only these records. The public frames
are built last (`users_frame`, `merchants_frame`), once the world has drawn the ids: ids are a
seeded random permutation of the positions, so an id says nothing about when, or why, its user,
merchant or device was created.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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
    """Per-user arrays, indexed by position (not by user_id)."""

    country: np.ndarray  # int64 index into COUNTRIES
    segment: np.ndarray  # int64 index into SEGMENTS
    spend_eur: np.ndarray  # float64, the usual amount in EUR (the `spend_level` column)
    signup_ns: np.ndarray  # int64 ns since epoch
    activity: np.ndarray  # float64, relative number of legitimate payments per active day
    device_base: np.ndarray  # int64, the user's first device slot (slots are 1-based, pre-id)
    n_devices: np.ndarray  # int64, devices owned from the start (0 for a fraudster's account)
    switch_ns: np.ndarray  # int64, when a new phone replaces the first device (NO_SWITCH: never)

    def __len__(self) -> int:
        return int(self.country.size)

    def primary_device(self, user: np.ndarray, ts_ns: np.ndarray) -> np.ndarray:
        """The device slot a user mostly pays with at `ts_ns` (the new phone after a switch)."""
        switched = ts_ns >= self.switch_ns[user]
        return self.device_base[user] + np.where(switched, self.n_devices[user], 0)

    @property
    def n_device_slots(self) -> int:
        """How many device slots honest users own (slots 1..n); fraudsters' come after."""
        slots = self.n_devices + (self.switch_ns != NO_SWITCH)
        return int(slots.sum())

    def concat(self, other: UserTraits) -> UserTraits:
        return UserTraits(
            **{f.name: np.r_[getattr(self, f.name), getattr(other, f.name)] for f in fields(self)}
        )


@dataclass(frozen=True)
class MerchantTraits:
    """Per-merchant arrays, indexed by position (not by merchant_id)."""

    country: np.ndarray  # int64 index into COUNTRIES
    category: np.ndarray  # int64 index into CATEGORIES
    legit_weight: np.ndarray  # float64, chance to serve a legitimate payment within its country
    fraud_weight: np.ndarray  # float64, chance to serve a fraudulent one within its country
    risk_score: np.ndarray  # float64, the public `risk_score`
    name: np.ndarray  # object, the display name


def draw_profiles(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(country, segment, spend_eur) for `n` account holders."""
    country = categorical(rng, vocab.USER_COUNTRY_WEIGHTS, n)
    segment = categorical(rng, vocab.SEGMENT_WEIGHTS, n)
    spend_eur = np.round(vocab.SEGMENT_SPEND_EUR[segment] * lognormal_factor(rng, 0.6, n), 2)
    return country, segment, spend_eur


def make_users(rng: np.random.Generator, n_users: int, start_ns: int, end_ns: int) -> UserTraits:
    """Draw `n_users` honest users. Signups fall before `start_ns` or in the first half of the
    window, so every user has at least half the window to pay in."""
    country, segment, spend_eur = draw_profiles(rng, n_users)
    joins_late = rng.random(n_users) < SHARE_JOINING_DURING_WINDOW
    before = start_ns - (rng.random(n_users) * SIGNUP_HISTORY_DAYS * NS_PER_DAY).astype(np.int64)
    during = start_ns + (rng.random(n_users) * 0.5 * (end_ns - start_ns)).astype(np.int64)
    signup_ns = np.where(joins_late, during, before) // NS_PER_SECOND * NS_PER_SECOND

    n_devices = 1 + rng.binomial(2, 0.3, size=n_users)
    switches = rng.random(n_users) < SHARE_SWITCHING_PHONE
    slots = n_devices + switches  # a switcher owns one extra slot: the new phone
    device_base = np.cumsum(slots) - slots + 1
    active_from = np.maximum(signup_ns, start_ns)
    switch_at = active_from + (rng.random(n_users) * (end_ns - active_from)).astype(np.int64)
    return UserTraits(
        country=country,
        segment=segment,
        spend_eur=spend_eur,
        signup_ns=signup_ns,
        activity=lognormal_factor(rng, 0.8, n_users),
        device_base=device_base.astype(np.int64),
        n_devices=n_devices.astype(np.int64),
        switch_ns=np.where(switches, switch_at, NO_SWITCH),
    )


def users_frame(traits: UserTraits, user_id: np.ndarray) -> pd.DataFrame:
    """The public users table, one row per position with its `user_id`, sorted by id."""
    order = np.argsort(user_id)
    return pd.DataFrame(
        {
            "user_id": user_id[order].astype(np.int64),
            "signup_at": utc_column(traits.signup_ns[order]),
            "home_country": categorical_column(traits.country[order], vocab.COUNTRIES),
            "segment": categorical_column(traits.segment[order], vocab.SEGMENTS),
            "spend_level": traits.spend_eur[order],
        }
    )


def make_merchants(rng: np.random.Generator, n_merchants: int) -> MerchantTraits:
    """Draw `n_merchants` merchants; every country gets at least one merchant."""
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
    return MerchantTraits(
        country=country,
        category=category,
        legit_weight=popularity * vocab.LEGIT_CATEGORY_WEIGHTS[category] / per_cell,
        fraud_weight=(0.5 + risk_score) * vocab.FRAUD_CATEGORY_WEIGHTS[category] / per_cell,
        risk_score=risk_score,
        name=name,
    )


def merchants_frame(traits: MerchantTraits, merchant_id: np.ndarray) -> pd.DataFrame:
    """The public merchants table, one row per position with its `merchant_id`, sorted by id."""
    order = np.argsort(merchant_id)
    return pd.DataFrame(
        {
            "merchant_id": merchant_id[order].astype(np.int64),
            "name": pd.Series(traits.name[order], dtype=object),
            "category": categorical_column(traits.category[order], vocab.CATEGORIES),
            "country": categorical_column(traits.country[order], vocab.COUNTRIES),
            "risk_score": traits.risk_score[order],
        }
    )
