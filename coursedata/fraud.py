"""Fraud: short episodes whose signature shows only against the account's history.

Two patterns, recorded per episode in the world's truth:

- **account takeover**: a fraudster takes over an honest user's account (one at least a week
  old) and makes one or a few payments minutes apart, mostly from a device the victim never used;
- **new account**: a fraudster opens an account, often with stolen details, and pays with it a
  few hours after signup, always from a fraudster's device. The account pays nothing honest.

Fraud starts on the first day of the window. Episodes fall on a day in proportion to that day's
legitimate volume (so the fraud rate does not follow the week), times `PREVALENCE_FACTOR` from
the prevalence shift on. Each trait below is planted with a probability, so no single column
gives the label away; the strong signals (a burst, a new device, an amount far above the
account's usual, a very young account) need the account's past to be seen at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coursedata import vocabulary as vocab
from coursedata.draws import (
    NS_PER_DAY,
    NS_PER_SECOND,
    categorical,
    choose_within_groups,
    lognormal_factor,
    other_country,
)
from coursedata.entities import NO_SWITCH, MerchantTraits, UserTraits, draw_profiles
from coursedata.frames import Payments, categorical_column, utc_column
from coursedata.labels import chargeback_delay_ns
from coursedata.timeline import Timeline

PATTERNS: dict[str, float] = {
    "p_new_account": 0.30,  # the episode is new-account fraud (else an account takeover)
    "mean_takeover_size": 1.5,  # payments per takeover episode: 1 + Poisson(0.5)
    "mean_new_account_size": 2.0,  # payments per new-account episode: 1 + Poisson(1)
    "new_account_mean_hours": 6.0,  # signup to first payment: 5 minutes + exponential
    "burst_gap_mean_minutes": 4.0,  # exponential gaps between the payments of an episode
    "p_night": 0.35,  # the episode starts between 00:00 and 05:00 UTC
    "p_new_device": 0.85,  # takeover: a fraudster's device (a new account always has one)
    "p_abroad": 0.30,  # the merchant's country differs from the card's
    "p_large_amount": 0.65,  # amounts around 5x the account's usual (else ordinary amounts)
    "p_card_test": 0.25,  # the first payment is a 1-9 EUR test of the card
    "share_risky_categories": float(
        vocab.FRAUD_CATEGORY_WEIGHTS[vocab.IS_RISKY_CATEGORY].sum()
        / vocab.FRAUD_CATEGORY_WEIGHTS.sum()
    ),
}
PATTERN_NAMES: tuple[str, ...] = ("account_takeover", "new_account")
MIN_VICTIM_ACCOUNT_DAYS = 7  # a takeover victim's account is at least this old
FRAUD_DEVICES_PER_EPISODE = 1 / 3  # fraudsters reuse devices across episodes
LARGE_AMOUNT_FACTOR = 5.0


def plan_episodes(
    rng: np.random.Generator, n_fraud: int, max_new_accounts: int
) -> tuple[np.ndarray, np.ndarray]:
    """(sizes, is_new_account) of the episodes. There are `round(n_fraud / mean size)` of them
    (at least 1), so a world's episode count is fixed by its fraud count; each is new-account
    fraud with probability `p_new_account` (at most `max_new_accounts` of them), and the sizes,
    each at least 1, sum to exactly `n_fraud`: the payments beyond one per episode are shared
    out in proportion to each pattern's mean extra size (Poisson sizes, given their sum)."""
    p_new = PATTERNS["p_new_account"]
    extra = {False: PATTERNS["mean_takeover_size"] - 1, True: PATTERNS["mean_new_account_size"] - 1}
    mean_size = 1 + (1 - p_new) * extra[False] + p_new * extra[True]
    n_ep = min(max(1, round(n_fraud / mean_size)), n_fraud)
    new = rng.random(n_ep) < p_new
    new[np.flatnonzero(new)[max(max_new_accounts, 0) :]] = False  # too few users to spare
    weight = np.where(new, extra[True], extra[False])
    sizes = 1 + rng.multinomial(n_fraud - n_ep, weight / weight.sum())
    return sizes.astype(np.int64), new


@dataclass
class FraudBatch:
    """The fraud of a world: its payments, the 0-based episode of each, one record per episode
    (arrays, in order of start; `user` is a position) and the fraudsters' own accounts, whose
    positions follow the honest users'."""

    payments: Payments
    episode: np.ndarray
    episodes: dict[str, np.ndarray]
    accounts: UserTraits
    n_device_slots: int  # honest slots plus the fraudsters' device pool


def fraud_payments(
    rng: np.random.Generator,
    sizes: np.ndarray,
    is_new_account: np.ndarray,
    users: UserTraits,
    merchants: MerchantTraits,
    timeline: Timeline,
    day_volume: np.ndarray,
) -> FraudBatch:
    """The fraudulent payments of the planned episodes. `users` are the honest users and
    `day_volume` the expected legitimate volume of each day of the window."""
    n_ep, n_fraud = sizes.size, int(sizes.sum())
    start_ns, end_ns = timeline.start_ns, timeline.end_ns

    # When: a day in proportion to its volume (x the prevalence factor), then a time of day.
    day = categorical(rng, day_volume * timeline.prevalence_multiplier(), n_ep)
    night = rng.random(n_ep) < PATTERNS["p_night"]
    second = np.where(
        night, rng.integers(0, 5 * 3600, n_ep), rng.integers(0, 24 * 3600, n_ep)
    ).astype(np.int64)
    t0 = start_ns + day * NS_PER_DAY + second * NS_PER_SECOND
    by_start = np.argsort(t0, kind="stable")  # episode ids follow time; pairing stays random
    t0, night = t0[by_start], night[by_start]

    # Who: a takeover picks a victim among accounts old enough, in proportion to activity.
    min_age = min(MIN_VICTIM_ACCOUNT_DAYS * NS_PER_DAY, (end_ns - start_ns) // 5)
    by_signup = np.argsort(users.signup_ns, kind="stable")
    signup_sorted = users.signup_ns[by_signup]
    cum_activity = np.cumsum(users.activity[by_signup])
    eligible = np.searchsorted(signup_sorted, t0 - min_age, side="right")
    too_early = (eligible == 0) & ~is_new_account  # only in worlds of very few users
    t0 = np.where(too_early, np.maximum(t0, signup_sorted[0] + min_age), t0)
    eligible = np.maximum(eligible, 1)
    pick = np.searchsorted(cum_activity, rng.random(n_ep) * cum_activity[eligible - 1], "right")
    victim = by_signup[np.minimum(pick, eligible - 1)]

    # A new account: its own profile, opened a few hours before the first payment.
    new = is_new_account
    n_new = int(new.sum())
    country, segment, spend = draw_profiles(rng, n_new)
    lag_s = 300 + rng.exponential(PATTERNS["new_account_mean_hours"] * 3600, n_new)
    accounts = UserTraits(
        country=country,
        segment=segment,
        spend_eur=spend,
        signup_ns=(t0[new] - lag_s.astype(np.int64) * NS_PER_SECOND),
        activity=np.zeros(n_new),
        device_base=np.zeros(n_new, dtype=np.int64),
        n_devices=np.zeros(n_new, dtype=np.int64),
        switch_ns=np.full(n_new, NO_SWITCH, dtype=np.int64),
    )
    account = np.where(new, len(users) + np.cumsum(new) - 1, victim)
    home = np.where(new, 0, users.country[victim])
    home[new] = country
    usual = np.where(new, 0.0, users.spend_eur[victim])
    usual[new] = spend

    episode = np.repeat(np.arange(n_ep), sizes)
    first_row = np.cumsum(sizes) - sizes
    is_first = np.zeros(n_fraud, dtype=bool)
    is_first[first_row] = True
    gaps = (10 + rng.exponential(PATTERNS["burst_gap_mean_minutes"] * 60, n_fraud)).astype(np.int64)
    gaps[is_first] = 0
    offset = np.cumsum(gaps) - np.cumsum(gaps)[first_row][episode]
    ts = np.minimum(t0[episode] + offset * NS_PER_SECOND, end_ns - NS_PER_SECOND)

    new_device = new | (rng.random(n_ep) < PATTERNS["p_new_device"])
    honest_slots = users.n_device_slots
    n_pool = max(1, int(n_ep * FRAUD_DEVICES_PER_EPISODE))
    fraud_device = honest_slots + 1 + rng.integers(0, n_pool, n_ep)
    own_device = users.primary_device(victim, t0)
    device = np.where(new_device, fraud_device, own_device)[episode]

    abroad = rng.random(n_ep) < PATTERNS["p_abroad"]
    shop_country = np.where(abroad, other_country(rng, home, len(vocab.COUNTRIES)), home)[episode]
    merchant = choose_within_groups(rng, merchants.country, merchants.fraud_weight, shop_country)
    category = merchants.category[merchant]

    channel = categorical(rng, vocab.FRAUD_CHANNEL_MIX, n_fraud)
    channel = np.where(
        vocab.ONLINE_ONLY[category] & (channel == vocab.CHANNELS.index("pos")),
        vocab.CHANNELS.index("app"),
        channel,
    )

    spend = usual[episode]
    large = rng.random(n_ep) < PATTERNS["p_large_amount"]
    mult = vocab.CATEGORY_AMOUNT_MULTIPLIER[category]
    large_amount = spend * LARGE_AMOUNT_FACTOR * np.sqrt(mult) * lognormal_factor(rng, 0.5, n_fraud)
    usual_amount = spend * mult * lognormal_factor(rng, 0.55, n_fraud)
    amount_eur = np.where(large[episode], large_amount, usual_amount)
    card_test = rng.random(n_ep) < PATTERNS["p_card_test"]
    test_row = is_first & card_test[episode]
    amount_eur = np.where(test_row, rng.integers(1, 10, n_fraud).astype(float), amount_eur)

    payments = Payments(
        user=account[episode],
        merchant=merchant,
        ts_ns=ts,
        amount_eur=amount_eur,
        channel=channel.astype(np.int64),
        device=device.astype(np.int64),
        is_fraud=np.ones(n_fraud, dtype=bool),
        chargeback_ns=ts + chargeback_delay_ns(rng, n_fraud),
    )
    episodes = {
        "pattern": new.astype(np.int64),
        "user": account,
        "started_at": t0,
        "n_transactions": sizes,
        "night": night,
        "new_device": new_device,
        "abroad": abroad,
        "large_amount": large,
        "card_test": card_test,
    }
    return FraudBatch(payments, episode, episodes, accounts, honest_slots + n_pool)


def episodes_frame(episodes: dict[str, np.ndarray], user_id: np.ndarray) -> pd.DataFrame:
    """One row per episode with public ids (`user_id` maps positions to ids)."""
    n = episodes["started_at"].size
    return pd.DataFrame(
        {
            "episode_id": np.arange(1, n + 1, dtype=np.int64),
            "pattern": categorical_column(episodes["pattern"], PATTERN_NAMES),
            "user_id": user_id[episodes["user"]].astype(np.int64),
            "started_at": utc_column(episodes["started_at"]),
            "n_transactions": episodes["n_transactions"],
            **{k: episodes[k] for k in ("night", "new_device", "abroad", "large_amount")},
            "card_test": episodes["card_test"],
        }
    )
