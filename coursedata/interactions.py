"""`interactions`: who bought from which merchant, when (lesson 12's recommendation table), and
`interactions_truth`, what was planted in it.

The merchants here are the recommendation catalogue's own (ids 1..n_merchants), not the
world's `merchants` table. Planted:

- **Taste clusters**: every merchant belongs to one of `N_CLUSTERS` clusters; every user has a
  main cluster and a second one. A new merchant is drawn from the main cluster with probability
  0.65, the second 0.2, and from the whole catalogue by popularity otherwise. Users who share a
  cluster buy from the same merchants, which is what item-item similarity finds.
- **Popularity skew**: a merchant's weight is Zipf-like, 1 / rank ** `ZIPF_EXPONENT` over a
  random ranking, inside its cluster and overall.
- **Repeat purchases**: each user has a small repertoire of merchants; a purchase returns to a
  merchant already in it with probability about `P_REPEAT`, favouring the first ones.
- **Cold start**: a cohort of users (`COLD_START_SHARE`) whose first purchase falls in the last
  `cold_start_days` of the window; their ids are in the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coursedata.draws import NS_PER_DAY, NS_PER_SECOND
from coursedata.frames import utc_column

TAG = 12_003
N_CLUSTERS = 25
ZIPF_EXPONENT = 1.0
P_MAIN, P_SECOND = 0.65, 0.2  # else: the whole catalogue, by popularity
P_REPEAT = 0.55
MEAN_PURCHASES = 12.0
COLD_START_SHARE = 0.04
COLD_START_DAYS = 14


@dataclass(frozen=True)
class InteractionsTruth:
    """What `interactions(...)` planted (see docs/reference/data-world.md)."""

    seed: int
    params: dict[str, Any]
    start: pd.Timestamp
    end: pd.Timestamp  # exclusive
    n_clusters: int
    merchant_cluster: pd.Series  # cluster of every merchant, indexed by merchant_id
    user_clusters: pd.DataFrame  # user_id, main_cluster, second_cluster
    zipf_exponent: float
    p_main: float
    p_second: float
    p_repeat: float
    repeat_share: float  # measured: rows whose (user, merchant) pair occurred before
    top_decile_share: float  # measured: share of rows at the 10 % most bought merchants
    cold_start_days: int
    cold_start_user_ids: np.ndarray  # sorted: users whose first purchase is in the last days


def interactions(
    seed: int = 0,
    n_users: int = 20_000,
    n_merchants: int = 2_000,
    days: int = 180,
    start: str = "2025-01-01",
) -> pd.DataFrame:
    """One row per purchase: `user_id`, `merchant_id` (int64, 1-based random permutations) and
    `timestamp` (UTC, whole seconds), sorted by timestamp, ties by user then merchant. About
    `MEAN_PURCHASES` purchases per user (240,000 rows by default). The same arguments give the
    same frame; the planted facts: `interactions_truth(...)` with the same arguments. Raises
    `ValueError` for fewer than 100 users, fewer than 4 * N_CLUSTERS merchants, or fewer than
    2 * COLD_START_DAYS days."""
    return _build(seed, n_users, n_merchants, days, start)[0]


def interactions_truth(
    seed: int = 0,
    n_users: int = 20_000,
    n_merchants: int = 2_000,
    days: int = 180,
    start: str = "2025-01-01",
) -> InteractionsTruth:
    """The planted facts of `interactions(...)` with the same arguments."""
    return _build(seed, n_users, n_merchants, days, start)[1]


def _build(
    seed: int, n_users: int, n_merchants: int, days: int, start: str
) -> tuple[pd.DataFrame, InteractionsTruth]:
    if n_users < 100:
        raise ValueError(f"n_users must be at least 100, got {n_users}")
    if n_merchants < 4 * N_CLUSTERS:
        raise ValueError(f"n_merchants must be at least {4 * N_CLUSTERS}, got {n_merchants}")
    if days < 2 * COLD_START_DAYS:
        raise ValueError(f"days must be at least {2 * COLD_START_DAYS}, got {days}")
    t0 = pd.Timestamp(start)
    t0 = (t0.tz_localize("UTC") if t0.tzinfo is None else t0.tz_convert("UTC")).normalize()
    rng = np.random.default_rng([seed, TAG])

    # Merchants: a cluster each, a Zipf weight from a random popularity ranking.
    cluster = rng.permutation(np.arange(n_merchants) % N_CLUSTERS)  # no cluster left empty
    weight = 1.0 / (rng.permutation(n_merchants) + 1.0) ** ZIPF_EXPONENT
    # Users: two clusters, an activity, the day of the first purchase.
    main = rng.integers(0, N_CLUSTERS, n_users)
    second = (main + rng.integers(1, N_CLUSTERS, n_users)) % N_CLUSTERS
    n_buy = 1 + rng.negative_binomial(2, 2 / (2 + MEAN_PURCHASES - 1), n_users)
    cold = rng.random(n_users) < COLD_START_SHARE
    span_ns = days * NS_PER_DAY
    cold_from = span_ns - COLD_START_DAYS * NS_PER_DAY
    first_ns = np.where(
        cold,
        cold_from + rng.random(n_users) * COLD_START_DAYS * NS_PER_DAY * 0.9,
        rng.random(n_users) ** 2 * cold_from * 0.9,  # most users are there early
    ).astype(np.int64)

    # Each user's repertoire: slot 0 is their first purchase; later purchases open a new slot
    # with probability 1 - P_REPEAT, else go back to an earlier slot (the first ones favoured).
    user = np.repeat(np.arange(n_users), n_buy)
    n_rows = user.size
    first_row = np.r_[0, np.cumsum(n_buy)[:-1]]
    pos = np.arange(n_rows) - first_row[user]
    opens = (pos == 0) | (rng.random(n_rows) >= P_REPEAT)
    slot = np.cumsum(opens) - 1  # the global index of the slot each opening row creates
    n_slots = int(opens.sum())
    slot_user = user[opens]
    slot_first = np.r_[0, np.cumsum(np.bincount(slot_user, minlength=n_users))[:-1]]
    open_so_far = slot - slot_first[user] + 1  # slots the user has opened up to this row
    back = np.floor(open_so_far * rng.random(n_rows) ** 2).astype(np.int64)
    row_slot = np.where(opens, slot, slot_first[user] + np.minimum(back, open_so_far - 1))

    # Each slot's merchant: main cluster, second cluster, or anything, by popularity.
    u = rng.random(n_slots)
    slot_cluster = np.where(u < P_MAIN, main[slot_user], second[slot_user])
    anywhere = u >= P_MAIN + P_SECOND
    slot_merchant = _draw_in_cluster(rng, cluster, weight, slot_cluster)
    cdf = np.cumsum(weight) / weight.sum()
    slot_merchant[anywhere] = np.minimum(
        np.searchsorted(cdf, rng.random(int(anywhere.sum())), side="right"), n_merchants - 1
    )
    merchant = slot_merchant[row_slot]

    # Times: the first purchase at first_ns, the others uniform after it, in order.
    gaps = rng.random(n_rows)
    gaps = gaps[np.lexsort((gaps, user))]  # ascending within each user: slots open in time order
    offset = (span_ns - first_ns[user]) * np.where(pos == 0, 0.0, gaps)
    ts = (first_ns[user] + offset).astype(np.int64)
    ts = ts - ts % NS_PER_SECOND + t0.value
    ts = np.where(pos == 0, ts, np.maximum(ts, (first_ns[user] + t0.value) + NS_PER_SECOND))

    user_id = rng.permutation(n_users).astype(np.int64) + 1
    merchant_id = rng.permutation(n_merchants).astype(np.int64) + 1
    order = np.lexsort((merchant_id[merchant], user_id[user], ts))
    frame = pd.DataFrame(
        {
            "user_id": user_id[user][order],
            "merchant_id": merchant_id[merchant][order],
            "timestamp": utc_column(ts[order]),
        }
    )
    pair = frame["user_id"].to_numpy() * (n_merchants + 1) + frame["merchant_id"].to_numpy()
    repeat_share = float(pd.Series(pair).duplicated().mean())
    counts = np.sort(np.bincount(merchant, minlength=n_merchants))[::-1]
    top_share = float(counts[: max(1, n_merchants // 10)].sum() / n_rows)
    first_seen = frame.groupby("user_id")["timestamp"].min()
    cold_start = t0 + pd.Timedelta(days=days - COLD_START_DAYS)
    truth = InteractionsTruth(
        seed=seed,
        params={"n_users": n_users, "n_merchants": n_merchants, "days": days, "start": t0},
        start=t0,
        end=t0 + pd.Timedelta(days=days),
        n_clusters=N_CLUSTERS,
        merchant_cluster=pd.Series(
            cluster[np.argsort(merchant_id)],
            index=pd.Index(np.arange(1, n_merchants + 1), name="merchant_id"),
            name="cluster",
        ),
        user_clusters=pd.DataFrame(
            {"user_id": user_id, "main_cluster": main, "second_cluster": second}
        ).sort_values("user_id", ignore_index=True),
        zipf_exponent=ZIPF_EXPONENT,
        p_main=P_MAIN,
        p_second=P_SECOND,
        p_repeat=P_REPEAT,
        repeat_share=repeat_share,
        top_decile_share=top_share,
        cold_start_days=COLD_START_DAYS,
        cold_start_user_ids=np.sort(first_seen.index[first_seen >= cold_start].to_numpy()).astype(
            np.int64
        ),
    )
    return frame, truth


def _draw_in_cluster(
    rng: np.random.Generator, cluster: np.ndarray, weight: np.ndarray, wanted: np.ndarray
) -> np.ndarray:
    """For each entry of `wanted`, a merchant of that cluster drawn by weight (vectorised: one
    cumulative table over merchants sorted by cluster)."""
    order = np.argsort(cluster, kind="stable")
    w = weight[order]
    c = cluster[order]
    starts = np.searchsorted(c, np.arange(N_CLUSTERS), side="left")
    ends = np.searchsorted(c, np.arange(N_CLUSTERS), side="right")
    cum = np.cumsum(w)
    before = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    total = cum[ends - 1] - before
    target = before[wanted] + rng.random(wanted.size) * total[wanted]
    pick = np.searchsorted(cum, target, side="right")
    pick = np.clip(pick, starts[wanted], ends[wanted] - 1)
    return order[pick]
