"""Legitimate payments: everyday behaviour, including the innocent look-alikes of fraud.

Honest customers also pay at night, abroad, at risky categories, with big amounts (premium users'
ordinary amounts dwarf students' fraud), in quick sessions of several payments, and on a new
phone. That is what keeps single raw columns weak and makes per-user history necessary.
Volume follows the week (busy Fridays, quiet Sundays) and the day (quiet nights, busy evenings).
The channel mix changes at the drift date, the share of payments abroad rises linearly through
the gradual drift; the amount drift and the data incident are applied by the world builder.
"""

from __future__ import annotations

import numpy as np

from coursedata import vocabulary as vocab
from coursedata.draws import (
    NS_PER_DAY,
    NS_PER_SECOND,
    categorical,
    choose_within_groups,
    lognormal_factor,
    other_country,
    time_of_day_ns,
)
from coursedata.entities import MerchantTraits, UserTraits
from coursedata.frames import NAT_NS, Payments
from coursedata.timeline import Timeline

SESSION_SHARE = 0.12  # payments that follow another payment of the same user within minutes
SESSION_GAP_MEAN_S = 360.0
PRIMARY_DEVICE_SHARE = 0.75
AMOUNT_SIGMA = 0.55
POS = vocab.CHANNELS.index("pos")
APP = vocab.CHANNELS.index("app")


def legit_payments(
    rng: np.random.Generator,
    n: int,
    users: UserTraits,
    merchants: MerchantTraits,
    timeline: Timeline,
) -> Payments:
    """`n` legitimate payments with timestamps in the window, none before the payer's signup
    day. Users pay in proportion to their activity and to the volume of the days since their
    signup; days are drawn in proportion to the weekday profile."""
    start_ns, end_ns = timeline.start_ns, timeline.end_ns
    first_day = timeline.first_day(users.signup_ns)
    cum = np.r_[0.0, np.cumsum(timeline.day_weights())]  # cum[d]: volume of the days before d
    reach = cum[-1] - cum[first_day]  # each user's volume from their first day on
    user = categorical(rng, users.activity * reach, n)
    u = cum[first_day[user]] + rng.random(n) * reach[user]
    day = np.clip(np.searchsorted(cum, u, side="right") - 1, first_day[user], timeline.n_days - 1)
    ts = start_ns + day * NS_PER_DAY + time_of_day_ns(rng, vocab.HOUR_WEIGHTS, n)
    user, ts = _sessions(rng, user, ts, start_ns, end_ns)
    drift_ns = timeline.drift_ns

    home = users.country[user]
    abroad = rng.random(n) < timeline.abroad_share(ts)
    shop_country = np.where(abroad, other_country(rng, home, len(vocab.COUNTRIES)), home)
    merchant = choose_within_groups(rng, merchants.country, merchants.legit_weight, shop_country)
    category = merchants.category[merchant]

    u = rng.random(n)
    channel = np.where(
        ts >= drift_ns,
        np.searchsorted(np.cumsum(vocab.CHANNEL_MIX_AFTER_DRIFT), u, side="right"),
        np.searchsorted(np.cumsum(vocab.CHANNEL_MIX_BEFORE_DRIFT), u, side="right"),
    ).astype(np.int64)
    channel = np.where(vocab.ONLINE_ONLY[category] & (channel == POS), APP, channel)

    # Mostly the current main phone (the new one after a switch), sometimes another own device.
    other_device = users.device_base[user] + (rng.random(n) * users.n_devices[user]).astype(
        np.int64
    )
    primary = rng.random(n) < PRIMARY_DEVICE_SHARE
    device = np.where(primary, users.primary_device(user, ts), other_device)

    amount_eur = (
        users.spend_eur[user]
        * vocab.CATEGORY_AMOUNT_MULTIPLIER[category]
        * lognormal_factor(rng, AMOUNT_SIGMA, n)
    )
    return Payments(
        user=user,
        merchant=merchant,
        ts_ns=ts,
        amount_eur=amount_eur,
        channel=channel,
        device=device,
        is_fraud=np.zeros(n, dtype=bool),
        chargeback_ns=np.full(n, NAT_NS, dtype=np.int64),
    )


def _sessions(
    rng: np.random.Generator, user: np.ndarray, ts: np.ndarray, start_ns: int, end_ns: int
) -> tuple[np.ndarray, np.ndarray]:
    """Turn SESSION_SHARE of the payments into followers of another payment: same user, a few
    minutes later (or earlier, at the very end of the window). Innocent bursts."""
    n = ts.size
    m = int(SESSION_SHARE * n)
    if m == 0 or m == n:
        return user, ts
    shuffled = rng.permutation(n)
    follower, anchors = shuffled[:m], shuffled[m:]
    anchor = anchors[rng.integers(0, anchors.size, m)]
    gap = (5 + rng.exponential(SESSION_GAP_MEAN_S, m)).astype(np.int64) * NS_PER_SECOND
    user, ts = user.copy(), ts.copy()
    user[follower] = user[anchor]
    later = ts[anchor] + gap
    ts[follower] = np.clip(
        np.where(later < end_ns, later, ts[anchor] - gap), start_ns, end_ns - NS_PER_SECOND
    )
    return user, ts
