"""Vectorised random draws shared by the generators: no Python loop per row anywhere.

All functions take a `numpy.random.Generator` and return new arrays; they never touch global
random state, so a world is a pure function of its seed.
"""

from __future__ import annotations

import numpy as np

NS_PER_SECOND = 1_000_000_000
NS_PER_HOUR = 3600 * NS_PER_SECOND
NS_PER_DAY = 24 * NS_PER_HOUR


def categorical(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Draw `size` indices into `weights` (relative, non-negative, not all zero) as int64."""
    cdf = np.cumsum(weights, dtype=float)
    cdf /= cdf[-1]
    cdf[-1] = 1.0  # guard against rounding: u < 1 must always land inside the table
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def choose_within_groups(
    rng: np.random.Generator,
    item_group: np.ndarray,
    item_weight: np.ndarray,
    row_group: np.ndarray,
) -> np.ndarray:
    """For each row, draw one item of the row's group with probability proportional to weight.

    `item_group[i]` is the group (a small non-negative int) of item `i` and `item_weight[i] >= 0`
    its weight; `row_group[r]` is the group row `r` must draw from. Returns item indices (int64),
    one per row. Every group that rows ask for must hold positive total weight, else
    `ValueError`. Cost: one sort of the items and one `searchsorted` over the rows.
    """
    order = np.argsort(item_group, kind="stable")
    group_sorted = item_group[order]
    weight_sorted = item_weight[order].astype(float)
    n_groups = int(max(item_group.max(initial=0), row_group.max(initial=0))) + 1
    totals = np.bincount(group_sorted, weights=weight_sorted, minlength=n_groups)
    if np.any(totals[np.unique(row_group)] <= 0):
        raise ValueError("a group that rows draw from has no item with positive weight")
    before_group = (np.cumsum(totals) - totals)[group_sorted]
    share = (np.cumsum(weight_sorted) - before_group) / np.where(totals > 0, totals, 1.0)[
        group_sorted
    ]
    last_of_group = np.r_[group_sorted[1:] != group_sorted[:-1], True]
    share[last_of_group] = 1.0
    # Keys increase through the groups: group g occupies (g, g + 1]; a zero-weight item repeats
    # its predecessor's key and so is never the first key above g + u.
    keys = group_sorted + share
    picked = np.searchsorted(keys, row_group + rng.random(row_group.size), side="right")
    return order[picked].astype(np.int64)


def other_country(rng: np.random.Generator, country: np.ndarray, n_countries: int) -> np.ndarray:
    """A country index different from each `country[i]`, uniform over the others."""
    return (country + rng.integers(1, n_countries, size=country.size)) % n_countries


def time_of_day_ns(rng: np.random.Generator, hour_weights: np.ndarray, size: int) -> np.ndarray:
    """Offsets into a day (int64 ns, whole seconds) whose hour follows `hour_weights` (24)."""
    hour = categorical(rng, hour_weights, size)
    second = rng.integers(0, 3600, size=size)
    return hour * NS_PER_HOUR + second * NS_PER_SECOND


def lognormal_factor(rng: np.random.Generator, sigma: float, size: int) -> np.ndarray:
    """Multiplicative noise with median 1: exp(N(0, sigma^2))."""
    return np.exp(rng.normal(0.0, sigma, size=size))
