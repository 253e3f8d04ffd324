"""Fraud: account-takeover episodes whose signature shows only against the victim's history.

An episode takes over one victim after a warm-up of honest history, then makes a burst of
payments minutes apart. Each trait below is planted with a probability, so no single column gives
the label away; the strong signals (burst, new device, amount far above the user's usual) need
the user's past payments to be seen at all. The probabilities are recorded in the world's truth.

Every fraud row gets a chargeback 2+ days later: `chargeback_at` is the planted target leak.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursedata import vocabulary as vocab
from coursedata.draws import (
    NS_PER_DAY,
    NS_PER_HOUR,
    NS_PER_SECOND,
    categorical,
    choose_within_groups,
    lognormal_factor,
    other_country,
)
from coursedata.entities import MerchantTraits, UserTraits
from coursedata.frames import Payments, utc_column

PATTERNS: dict[str, float] = {
    "mean_burst_size": 4.0,  # payments per episode: 1 + Poisson(3)
    "burst_gap_mean_minutes": 4.0,  # exponential gaps between the payments of an episode
    "p_night": 0.35,  # the episode starts between 00:00 and 05:00 UTC
    "p_new_device": 0.85,  # a fraudster's device, never used by the victim before
    "p_abroad": 0.30,  # the merchant's country differs from the card's
    "p_large_amount": 0.65,  # amounts around 5x the victim's usual (else ordinary amounts)
    "p_card_test": 0.25,  # the first payment is a 1-9 EUR test of the stolen card
    "share_risky_categories": float(
        vocab.FRAUD_CATEGORY_WEIGHTS[vocab.IS_RISKY_CATEGORY].sum()
        / vocab.FRAUD_CATEGORY_WEIGHTS.sum()
    ),
}
WARM_UP_DAYS = 14  # a victim's account has at least this much honest history first
FRAUD_DEVICES_PER_EPISODE = 1 / 3  # fraudsters reuse devices across victims
LARGE_AMOUNT_FACTOR = 5.0
CHARGEBACK_MIN_DAYS = 2.0


def episode_sizes(rng: np.random.Generator, n_fraud: int) -> np.ndarray:
    """Episode sizes (>= 1) that sum to exactly `n_fraud` (the last one is trimmed)."""
    mean = PATTERNS["mean_burst_size"]
    sizes = 1 + rng.poisson(mean - 1, size=int(n_fraud / mean * 1.5) + 10)
    while sizes.sum() < n_fraud:  # astronomically rare; keeps the contract exact
        sizes = np.r_[sizes, 1 + rng.poisson(mean - 1, size=sizes.size)]
    n_episodes = int(np.searchsorted(np.cumsum(sizes), n_fraud)) + 1
    sizes = sizes[:n_episodes].copy()
    sizes[-1] -= sizes.sum() - n_fraud
    return sizes.astype(np.int64)


def fraud_payments(
    rng: np.random.Generator,
    n_fraud: int,
    users: UserTraits,
    merchants: MerchantTraits,
    start_ns: int,
    end_ns: int,
) -> tuple[Payments, np.ndarray, pd.DataFrame]:
    """`n_fraud` fraudulent payments in [start_ns, end_ns), the 1-based episode id of each, and
    one row per episode describing what was planted (columns: episode_id, user_id, started_at,
    n_transactions, night, new_device, abroad, large_amount)."""
    sizes = episode_sizes(rng, n_fraud)
    n_ep = sizes.size
    warm_up = min(WARM_UP_DAYS * NS_PER_DAY, (end_ns - start_ns) // 5)
    latest = end_ns - NS_PER_DAY
    earliest = np.minimum(np.maximum(users.signup_ns, start_ns) + warm_up, latest - NS_PER_HOUR)
    victim = categorical(rng, users.activity * (latest - earliest), n_ep)
    t0 = earliest[victim] + (rng.random(n_ep) * (latest - earliest[victim])).astype(np.int64)
    night = rng.random(n_ep) < PATTERNS["p_night"]
    night_t0 = t0 // NS_PER_DAY * NS_PER_DAY + rng.integers(0, 5 * 3600, n_ep) * NS_PER_SECOND
    t0 = np.maximum(np.where(night, night_t0, t0), start_ns) // NS_PER_SECOND * NS_PER_SECOND

    episode = np.repeat(np.arange(n_ep), sizes)
    first_row = np.cumsum(sizes) - sizes
    is_first = np.zeros(n_fraud, dtype=bool)
    is_first[first_row] = True
    gaps = (10 + rng.exponential(PATTERNS["burst_gap_mean_minutes"] * 60, n_fraud)).astype(np.int64)
    gaps[is_first] = 0
    offset = np.cumsum(gaps) - np.cumsum(gaps)[first_row][episode]
    ts = np.minimum(t0[episode] + offset * NS_PER_SECOND, end_ns - NS_PER_SECOND)

    new_device = rng.random(n_ep) < PATTERNS["p_new_device"]
    n_pool = max(1, int(n_ep * FRAUD_DEVICES_PER_EPISODE))
    fraud_device = users.last_device_id + 1 + rng.integers(0, n_pool, n_ep)
    device = np.where(new_device, fraud_device, users.primary_device(victim, t0))[episode]

    abroad = rng.random(n_ep) < PATTERNS["p_abroad"]
    home = users.country[victim]
    shop_country = np.where(abroad, other_country(rng, home, len(vocab.COUNTRIES)), home)[episode]
    merchant = choose_within_groups(rng, merchants.country, merchants.fraud_weight, shop_country)
    category = merchants.category[merchant]

    channel = categorical(rng, vocab.FRAUD_CHANNEL_MIX, n_fraud)
    channel = np.where(
        vocab.ONLINE_ONLY[category] & (channel == vocab.CHANNELS.index("pos")),
        vocab.CHANNELS.index("app"),
        channel,
    )

    spend = users.spend_eur[victim][episode]
    large = rng.random(n_ep) < PATTERNS["p_large_amount"]
    mult = vocab.CATEGORY_AMOUNT_MULTIPLIER[category]
    large_amount = spend * LARGE_AMOUNT_FACTOR * np.sqrt(mult) * lognormal_factor(rng, 0.5, n_fraud)
    usual_amount = spend * mult * lognormal_factor(rng, 0.55, n_fraud)
    amount_eur = np.where(large[episode], large_amount, usual_amount)
    card_test = is_first & (rng.random(n_fraud) < PATTERNS["p_card_test"])
    amount_eur = np.where(card_test, rng.integers(1, 10, n_fraud).astype(float), amount_eur)

    delay_days = CHARGEBACK_MIN_DAYS + rng.gamma(2.0, 10.0, n_fraud)
    chargeback = ts + (delay_days * 86400).astype(np.int64) * NS_PER_SECOND

    payments = Payments(
        user=victim[episode],
        merchant=merchant,
        ts_ns=ts,
        amount_eur=amount_eur,
        channel=channel.astype(np.int64),
        device_id=device.astype(np.int64),
        is_fraud=np.ones(n_fraud, dtype=bool),
        chargeback_ns=chargeback,
    )
    episodes = pd.DataFrame(
        {
            "episode_id": np.arange(1, n_ep + 1, dtype=np.int64),
            "user_id": victim + 1,
            "started_at": utc_column(t0),
            "n_transactions": sizes,
            "night": night,
            "new_device": new_device,
            "abroad": abroad,
            "large_amount": large,
        }
    )
    return payments, episode + 1, episodes
