"""`generate` builds a world: three typed frames and the truth planted in them.

A world is a pure function of its arguments: the same arguments give frames with identical
hashes (`pd.util.hash_pandas_object`), a different seed gives different frames. No file, network
or global random state is touched. One million transactions take well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from coursedata import vocabulary as vocab
from coursedata.draws import NS_PER_DAY
from coursedata.entities import (
    MerchantTraits,
    make_merchants,
    make_users,
    merchants_frame,
    users_frame,
)
from coursedata.frames import NAT_NS, Payments, categorical_column, utc_column
from coursedata.fraud import PATTERNS, episodes_frame, fraud_payments, plan_episodes
from coursedata.labels import CHARGEBACK_DELAY, plant_label_noise
from coursedata.legit import legit_payments
from coursedata.timeline import (
    ABROAD_SHARE_AFTER,
    ABROAD_SHARE_BEFORE,
    INCIDENT_COLUMN,
    INCIDENT_FACTOR,
    INCIDENT_VALUE,
    PREVALENCE_FACTOR,
    Timeline,
)
from coursedata.truth import DataIncident, GradualDrift, PrevalenceShift, Seasonality, Truth

DRIFT_AMOUNT_FACTOR = 1.6
MIN_AMOUNT_EUR = 0.5


@dataclass
class World:
    """The payments company's data: `transactions`, `users`, `merchants` (see `SCHEMA`) and the
    `truth` planted in them. Transactions are sorted by `timestamp`, ties by `transaction_id`;
    ids are 1-based and drawn as seeded random permutations, so no id follows time, creation
    order or the label. `users` and `merchants` are sorted by id."""

    transactions: pd.DataFrame
    users: pd.DataFrame
    merchants: pd.DataFrame
    truth: Truth


def generate(
    n_transactions: int = 50_000,
    n_users: int = 2_000,
    n_merchants: int = 300,
    seed: int = 0,
    start: str | pd.Timestamp = "2025-01-01",
    days: int = 180,
    drift_start: str | pd.Timestamp | None = None,
    fraud_rate: float = 0.015,
) -> World:
    """Generate a world of exactly `n_transactions` transactions over `days` days from `start`
    (midnight UTC; a naive `start` is read as UTC).

    `drift_start` (default: `start` + two thirds of `days`, at midnight) is when amounts grow by
    `DRIFT_AMOUNT_FACTOR` and the channel mix moves from pos to app; it must lie inside the
    window. `round(fraud_rate * n_transactions)` payments are truly fraudulent, in short
    episodes; the observed label `is_fraud` (a chargeback arrived) differs from the truth on a
    few known rows. `n_users` counts every account, the fraudsters' new accounts included.

    Raises `ValueError` for sizes below 100 transactions / 1 user / 9 merchants, `days` < 7,
    a `fraud_rate` outside (0, 0.2], or a `drift_start` outside the window.
    """
    if n_transactions < 100 or n_users < 1 or days < 7:
        raise ValueError("need n_transactions >= 100, n_users >= 1 and days >= 7")
    if not 0.0 < fraud_rate <= 0.2:
        raise ValueError(f"fraud_rate must be in (0, 0.2], got {fraud_rate}")
    t_start = _utc(start).normalize()
    t_end = t_start + pd.Timedelta(days=days)
    t_drift = (
        t_start + pd.Timedelta(days=days * 2 // 3) if drift_start is None else _utc(drift_start)
    )
    if not t_start <= t_drift <= t_end:
        raise ValueError(f"drift_start {t_drift} is outside the window [{t_start}, {t_end}]")
    timeline = Timeline.make(t_start.value, days, t_drift.value)

    rng_users, rng_merchants, rng_legit, rng_fraud, rng_noise, rng_ids = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)
    )
    n_fraud = max(1, round(fraud_rate * n_transactions))
    sizes, is_new_account = plan_episodes(rng_fraud, n_fraud, max_new_accounts=n_users - 1)
    honest = make_users(
        rng_users, n_users - int(is_new_account.sum()), timeline.start_ns, timeline.end_ns
    )
    merchant_traits = make_merchants(rng_merchants, n_merchants)
    legit = legit_payments(rng_legit, n_transactions - n_fraud, honest, merchant_traits, timeline)
    fraud = fraud_payments(
        rng_fraud,
        sizes,
        is_new_account,
        honest,
        merchant_traits,
        timeline,
        _expected_day_volume(honest.activity, timeline.first_day(honest.signup_ns), timeline),
    )
    friendly, missed = plant_label_noise(rng_noise, legit, fraud.payments)
    users = honest.concat(fraud.accounts)

    # Ids: seeded random permutations, drawn after everything else they could reveal.
    user_id = rng_ids.permutation(len(users)).astype(np.int64) + 1
    merchant_id = rng_ids.permutation(n_merchants).astype(np.int64) + 1
    device_id = rng_ids.permutation(fraud.n_device_slots).astype(np.int64) + 1
    transaction_id = rng_ids.permutation(n_transactions).astype(np.int64) + 1

    order = np.argsort(np.r_[legit.ts_ns, fraud.payments.ts_ns], kind="stable")
    row_of = np.empty_like(order)  # the sorted frame's row of each concatenated payment
    row_of[order] = np.arange(order.size)
    pay = Payments.concat([legit, fraud.payments]).take(order)
    # Payments in the same second: ids ascend, so the frame is sorted by (timestamp, id).
    tied = np.flatnonzero(np.r_[False, pay.ts_ns[1:] == pay.ts_ns[:-1]])
    tied = np.union1d(tied, tied - 1)
    transaction_id[tied] = transaction_id[tied][np.lexsort((transaction_id[tied], pay.ts_ns[tied]))]
    transactions, incident_rows = _transactions_frame(
        pay,
        users.country,
        merchant_traits,
        timeline,
        transaction_id,
        (user_id, merchant_id, device_id),
    )
    n_legit = len(legit)

    def ids(rows: np.ndarray) -> np.ndarray:
        return np.sort(transaction_id[rows]).astype(np.int64)

    fraud_rows = row_of[n_legit:]
    episode_of = pd.Series(
        fraud.episode + 1, index=pd.Index(transaction_id[fraud_rows], name="transaction_id")
    )
    true_fraud = pay.is_fraud
    before_shift = pay.ts_ns < timeline.prevalence_ns
    friendly_ids, missed_ids = ids(row_of[friendly]), ids(fraud_rows[missed])
    truth = Truth(
        seed=seed,
        params={
            "n_transactions": n_transactions,
            "n_users": n_users,
            "n_merchants": n_merchants,
            "seed": seed,
            "start": t_start,
            "days": days,
            "drift_start": t_drift,
            "fraud_rate": fraud_rate,
        },
        start=t_start,
        end=t_end,
        fraud_rate=float(transactions["is_fraud"].mean()),
        true_fraud_rate=float(true_fraud.mean()),
        true_fraud_ids=ids(fraud_rows),
        friendly_fraud_ids=friendly_ids,
        missed_fraud_ids=missed_ids,
        chargeback_delay=dict(CHARGEBACK_DELAY),
        fraud_patterns=dict(PATTERNS),
        fraud_episodes=episodes_frame(fraud.episodes, user_id),
        fraud_episode_of=episode_of.sort_index().rename("episode_id"),
        risky_categories=vocab.RISKY_CATEGORIES,
        night_hours_utc=vocab.NIGHT_HOURS_UTC,
        seasonality=_seasonality(),
        drift_start=t_drift,
        drift_amount_factor=DRIFT_AMOUNT_FACTOR,
        channel_mix_before=dict(
            zip(vocab.CHANNELS, vocab.CHANNEL_MIX_BEFORE_DRIFT.tolist(), strict=True)
        ),
        channel_mix_after=dict(
            zip(vocab.CHANNELS, vocab.CHANNEL_MIX_AFTER_DRIFT.tolist(), strict=True)
        ),
        gradual_drift=GradualDrift(
            feature="merchant_country",
            measure="share of legitimate payments abroad (merchant_country != card_country)",
            start=_ts(timeline.gradual_start_ns),
            end=_ts(timeline.gradual_end_ns),
            value_before=ABROAD_SHARE_BEFORE,
            value_after=ABROAD_SHARE_AFTER,
        ),
        prevalence_shift=PrevalenceShift(
            start=_ts(timeline.prevalence_ns),
            factor=PREVALENCE_FACTOR,
            rate_before=float(true_fraud[before_shift].mean()) if before_shift.any() else 0.0,
            rate_after=float(true_fraud[~before_shift].mean()) if (~before_shift).any() else 0.0,
        ),
        incident=DataIncident(
            start=_ts(timeline.incident_ns),
            end=_ts(timeline.incident_ns + NS_PER_DAY),
            column=INCIDENT_COLUMN,
            value=INCIDENT_VALUE,
            feature="amount",
            factor=INCIDENT_FACTOR,
            transaction_ids=ids(incident_rows),
        ),
        label_noise_ids=np.union1d(friendly_ids, missed_ids).astype(np.int64),
    )
    return World(
        transactions=transactions,
        users=users_frame(users, user_id),
        merchants=merchants_frame(merchant_traits, merchant_id),
        truth=truth,
    )


def _utc(value: str | pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _ts(ns: int) -> pd.Timestamp:
    return pd.Timestamp(ns, tz="UTC")


def _expected_day_volume(
    activity: np.ndarray, first_day: np.ndarray, timeline: Timeline
) -> np.ndarray:
    """The expected legitimate volume of each day: the weekday profile times the activity of
    the users who can pay by then."""
    active = np.cumsum(np.bincount(first_day, weights=activity, minlength=timeline.n_days))
    return timeline.day_weights() * active


def _seasonality() -> Seasonality:
    week = vocab.WEEKDAY_WEIGHTS / vocab.WEEKDAY_WEIGHTS.mean()
    hour = vocab.HOUR_WEIGHTS / vocab.HOUR_WEIGHTS.mean()
    return Seasonality(
        weekday_volume=dict(zip(vocab.WEEKDAYS, np.round(week, 4).tolist(), strict=True)),
        hour_volume=tuple(np.round(hour, 4).tolist()),
        weekly_peak_to_trough=round(float(week.max() / week.min()), 4),
        daily_peak_to_trough=round(float(hour.max() / hour.min()), 4),
    )


def _transactions_frame(
    pay: Payments,
    user_country: np.ndarray,
    merchants: MerchantTraits,
    timeline: Timeline,
    transaction_id: np.ndarray,
    entity_ids: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[pd.DataFrame, np.ndarray]:
    """The public transactions frame from payments sorted by time, with the ids drawn for each
    row, user position, merchant position and device slot; and the rows the data incident
    corrupted."""
    user_id, merchant_id, device_id = entity_ids
    merchant_country = merchants.country[pay.merchant]
    currency = vocab.CURRENCY_OF_COUNTRY[merchant_country]
    amount_eur = np.maximum(pay.amount_eur, MIN_AMOUNT_EUR)
    amount_eur = amount_eur * np.where(pay.ts_ns >= timeline.drift_ns, DRIFT_AMOUNT_FACTOR, 1.0)
    amount = np.round(amount_eur * vocab.EUR_RATES[currency], 2)
    incident = (
        (pay.ts_ns >= timeline.incident_ns)
        & (pay.ts_ns < timeline.incident_ns + NS_PER_DAY)
        & (merchant_country == vocab.COUNTRIES.index(INCIDENT_VALUE))
    )
    amount = np.where(incident, np.round(amount * INCIDENT_FACTOR, 2), amount)  # cents as units
    charged_back = pay.chargeback_ns != NAT_NS
    delay_ns = np.where(charged_back, pay.chargeback_ns - pay.ts_ns, 0)
    frame = pd.DataFrame(
        {
            "transaction_id": transaction_id,
            "timestamp": utc_column(pay.ts_ns),
            "user_id": user_id[pay.user],
            "merchant_id": merchant_id[pay.merchant],
            "amount": amount,
            "currency": categorical_column(currency, vocab.CURRENCIES),
            "merchant_category": categorical_column(
                merchants.category[pay.merchant], vocab.CATEGORIES
            ),
            "channel": categorical_column(pay.channel, vocab.CHANNELS),
            "device_id": device_id[pay.device - 1],
            "card_country": categorical_column(user_country[pay.user], vocab.COUNTRIES),
            "merchant_country": categorical_column(merchant_country, vocab.COUNTRIES),
            "is_fraud": charged_back,
            "chargeback_at": utc_column(pay.chargeback_ns),
            "days_to_chargeback": np.where(charged_back, delay_ns / NS_PER_DAY, np.nan),
        }
    )
    return frame, np.flatnonzero(incident)


SampleKind = Literal["tiny", "small", "medium"]
SAMPLES: dict[str, dict[str, int]] = {
    "tiny": {"n_transactions": 1_000, "n_users": 60, "n_merchants": 30, "days": 60},
    "small": {"n_transactions": 5_000, "n_users": 250, "n_merchants": 60, "days": 90},
    "medium": {"n_transactions": 50_000, "n_users": 2_000, "n_merchants": 300, "days": 180},
}


def sample(kind: SampleKind = "small", seed: int = 0) -> World:
    """A fixed, named world for checks and examples: "tiny" (1,000 transactions), "small"
    (5,000; the graders' default) or "medium" (50,000; equal to `generate()`). A new World
    every call, so a caller may modify it freely. Unknown `kind` raises `ValueError`."""
    if kind not in SAMPLES:
        raise ValueError(f"unknown sample kind {kind!r}; choose one of {sorted(SAMPLES)}")
    return generate(**SAMPLES[kind], seed=seed)
