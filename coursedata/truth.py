"""The planted facts of a world: what checks compare a learner's findings against.

`Truth` is filled by `generate` (label noise included); `raw_export` adds a `RawExportTruth`;
later lessons' generators (anomalies) fill `anomaly_ids` or `extras` the same way. Ids are public
ids (`transaction_id` etc.), never row positions, unless a field says "rows".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


def _no_ids() -> np.ndarray:
    return np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class RawExportTruth:
    """What `raw_export` planted, so a check can verify cleaning. Arrays are sorted int64.

    Row numbers are 0-based positions in the exported frame (its index is a RangeIndex).
    """

    seed: int
    n_rows: int  # rows in the export: the transactions plus the extra copies
    duplicated_ids: np.ndarray  # transaction ids that occur more than once
    duplicate_rows: np.ndarray  # rows that are extra copies (the original comes first)
    missing_card_country_rows: np.ndarray
    missing_merchant_country_rows: np.ndarray
    offset_timestamp_rows: np.ndarray  # timestamps written with a UTC offset other than Z/+00:00
    messy_category_rows: np.ndarray  # merchant_category not already lowercase and stripped
    messy_channel_rows: np.ndarray  # channel not already lowercase and stripped
    params: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Seasonality:
    """How legitimate volume varies with the calendar (UTC). Each profile has mean 1."""

    weekday_volume: dict[str, float]  # "Mon".."Sun" -> relative volume
    hour_volume: tuple[float, ...]  # 24 values, hour 0..23 UTC
    weekly_peak_to_trough: float  # busiest weekday / quietest weekday
    daily_peak_to_trough: float  # busiest hour / quietest hour


@dataclass(frozen=True)
class GradualDrift:
    """A feature whose distribution moves linearly between `start` and `end`, then stays."""

    feature: str  # the column that moves
    measure: str  # what moves, in words
    start: pd.Timestamp
    end: pd.Timestamp
    value_before: float  # the measure up to `start`
    value_after: float  # the measure from `end` on (linear in between)


@dataclass(frozen=True)
class PrevalenceShift:
    """From `start` on, fraud episodes are `factor` times as frequent per payment."""

    start: pd.Timestamp
    factor: float
    rate_before: float  # measured share of truly fraudulent payments before `start`
    rate_after: float  # and from `start` on


@dataclass(frozen=True)
class DataIncident:
    """One upstream source sent wrong values for one day: `feature` is `factor` times too large
    on the payments with `column == value` in [start, end)."""

    start: pd.Timestamp
    end: pd.Timestamp  # exclusive
    column: str  # the column that names the faulty source
    value: str
    feature: str
    factor: float
    transaction_ids: np.ndarray  # sorted int64: the rows it corrupted


@dataclass
class Truth:
    """The planted facts of one world (see docs/reference/data-world.md#planted-truths)."""

    seed: int
    params: dict[str, Any]  # the arguments `generate` was called with, resolved
    start: pd.Timestamp
    end: pd.Timestamp  # exclusive
    fraud_rate: float  # measured share of is_fraud rows (the observed chargeback label)
    true_fraud_rate: float  # measured share of truly fraudulent payments
    true_fraud_ids: np.ndarray  # sorted transaction_ids of the truly fraudulent payments
    friendly_fraud_ids: np.ndarray  # sorted: legitimate payments charged back (is_fraud True)
    missed_fraud_ids: np.ndarray  # sorted: fraud never charged back (is_fraud False)
    chargeback_delay: dict[str, float]  # the delay law: min_days + Gamma(shape, scale_days)
    fraud_patterns: dict[str, float]  # the probabilities each fraud trait was planted with
    fraud_episodes: pd.DataFrame  # one row per episode (see coursedata.fraud)
    fraud_episode_of: pd.Series  # episode_id of every truly fraudulent row, by transaction_id
    risky_categories: tuple[str, ...]
    night_hours_utc: tuple[int, int]  # [start, end) hours, UTC
    seasonality: Seasonality
    drift_start: pd.Timestamp
    drift_amount_factor: float  # amounts at or after drift_start are this many times larger
    channel_mix_before: dict[str, float]  # legitimate payments' channel shares before the drift
    channel_mix_after: dict[str, float]
    gradual_drift: GradualDrift
    prevalence_shift: PrevalenceShift
    incident: DataIncident
    leak_columns: tuple[str, ...] = ("chargeback_at", "days_to_chargeback")
    raw_export: RawExportTruth | None = None  # set by the latest `raw_export(world, ...)` call
    label_noise_ids: np.ndarray = field(default_factory=_no_ids)  # friendly + missed, sorted
    anomaly_ids: np.ndarray = field(default_factory=_no_ids)  # for a later lesson
    extras: dict[str, Any] = field(default_factory=dict)  # any other lesson's planted facts
