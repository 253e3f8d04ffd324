"""The planted facts of a world: what checks compare a learner's findings against.

`Truth` is filled by `generate`; `raw_export` adds a `RawExportTruth`; later lessons' generators
(label noise, anomalies) fill `label_noise_ids`, `anomaly_ids` or `extras` the same way. Ids are
public ids (`transaction_id` etc.), never row positions, unless a field says "rows".
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


@dataclass
class Truth:
    """The planted facts of one world (see docs/reference/data-world.md#planted-truths)."""

    seed: int
    params: dict[str, Any]  # the arguments `generate` was called with, resolved
    start: pd.Timestamp
    end: pd.Timestamp  # exclusive
    fraud_rate: float  # measured share of is_fraud rows
    fraud_patterns: dict[str, float]  # the probabilities each fraud trait was planted with
    fraud_episodes: pd.DataFrame  # one row per takeover episode (see coursedata.fraud)
    fraud_episode_of: pd.Series  # episode_id, indexed by the fraud rows' transaction_id
    risky_categories: tuple[str, ...]
    night_hours_utc: tuple[int, int]  # [start, end) hours, UTC
    drift_start: pd.Timestamp
    drift_amount_factor: float  # amounts at or after drift_start are this many times larger
    channel_mix_before: dict[str, float]  # legitimate payments' channel shares before the drift
    channel_mix_after: dict[str, float]
    leak_columns: tuple[str, ...] = ("chargeback_at", "days_to_chargeback")
    raw_export: RawExportTruth | None = None  # set by the latest `raw_export(world, ...)` call
    label_noise_ids: np.ndarray = field(default_factory=_no_ids)  # for a later lesson
    anomaly_ids: np.ndarray = field(default_factory=_no_ids)  # for a later lesson
    extras: dict[str, Any] = field(default_factory=dict)  # any other lesson's planted facts
