"""Typed pandas columns built straight from numpy arrays (no parsing, no per-row Python), and
the `Payments` batch the generators hand to the world builder."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

NAT_NS = np.iinfo(np.int64).min  # the int64 pattern numpy and pandas read as NaT


def utc_column(ns: np.ndarray) -> pd.arrays.DatetimeArray:
    """int64 nanoseconds since the epoch (NAT_NS for missing) as `datetime64[ns, UTC]`."""
    naive = np.asarray(ns, dtype=np.int64).view("M8[ns]")
    return pd.DatetimeIndex(naive).tz_localize("UTC").array


def categorical_column(codes: np.ndarray, categories: tuple[str, ...]) -> pd.Categorical:
    """Integer codes into `categories` as an unordered `category` column with exactly those
    categories, in that order (so columns from different frames compare with `==`)."""
    return pd.Categorical.from_codes(np.asarray(codes), categories=pd.Index(categories))


@dataclass
class Payments:
    """The column arrays of a batch of payments before they become a frame (positions, not ids).

    `user` and `merchant` are 0-based positions into the users' and merchants' traits, `device`
    a 1-based device slot (the world maps positions and slots to random ids); `amount_eur` is
    before drift and currency conversion; `is_fraud` is the truth, and the observed label is
    whether `chargeback_ns` is set (it is NAT_NS when no chargeback ever arrives).
    """

    user: np.ndarray
    merchant: np.ndarray
    ts_ns: np.ndarray
    amount_eur: np.ndarray
    channel: np.ndarray
    device: np.ndarray
    is_fraud: np.ndarray
    chargeback_ns: np.ndarray

    def __len__(self) -> int:
        return int(self.ts_ns.size)

    @classmethod
    def concat(cls, parts: list[Payments]) -> Payments:
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )

    def take(self, order: np.ndarray) -> Payments:
        return Payments(**{f.name: getattr(self, f.name)[order] for f in fields(self)})
