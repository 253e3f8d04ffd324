"""`with_anomalies`: the world's transactions with anomalies planted at known rows (lesson 12).

Three kinds, so that different detectors see different ones (all recorded in the truth):

- `masking_outlier`: a handful of absurd amounts (40 to 80 times the 99.9th percentile of
  honest amounts) all in one category, `MASKING_CATEGORY`. They inflate that category's mean
  and standard deviation so much that the moderate outliers beside them look ordinary to a
  mean/std z-score; the median and the MAD barely move.
- `amount_outlier`: amounts 2.5 to 4 times the 99.9th percentile of their category's honest
  amounts; a good share of them in `MASKING_CATEGORY` (the ones the mean/std z-score misses),
  the rest spread over the other categories.
- `unusual_combination`: a night-time payment (00:00-05:00 UTC) of an amount ordinary for its
  category (between its 85th and 97th percentile) but 30 or more times the user's usual
  (median) amount (15 or 8 times in a world too small to hold enough such payments). A z-score of the amount per category cannot see it; a model of a few
  features together (an IsolationForest on the log amount, the hour and the amount over the
  user's median) can.

Every planted row is an honest payment (not fraud, not label noise, not the incident); only its
`amount` changes. `truth.anomaly_ids` also holds the data incident's rows (amounts x100), which
are anomalies of the world already.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursedata.world import World

TAG = 12_001  # this generator's own random stream: np.random.default_rng([seed, TAG])
MASKING_CATEGORY = "restaurants"
SHARE_MASKING = 0.08  # of the planted rows: the absurd amounts in MASKING_CATEGORY
SHARE_AMOUNT = 0.52  # the moderate amount outliers
SHARE_IN_MASKING_CATEGORY = 0.4  # of the moderate ones, in MASKING_CATEGORY
MIN_PLANTED = 20
COMBO_TIMES_USUAL = (30, 15, 8)  # an unusual combination's amount over the user's median
KINDS = ("incident", "masking_outlier", "amount_outlier", "unusual_combination")


def with_anomalies(world: World, rate: float = 0.002, seed: int = 0) -> pd.DataFrame:
    """A copy of `world.transactions` (same rows, order and index) with `max(20, round(rate *
    n))` honest payments' amounts changed into anomalies of three kinds (see the module
    docstring). Sets `world.truth.anomaly_ids` (sorted int64 transaction ids: the planted rows
    plus the data incident's) and `world.truth.extras["anomalies"]` (a frame of
    `transaction_id`, `kind`, `original_amount`, `amount`), replacing an earlier call's record.
    The world's own frames are not modified. `rate` must be in (0, 0.05]; otherwise, or when
    the world is too small to hold the anomalies, raises `ValueError`."""
    if not 0.0 < rate <= 0.05:
        raise ValueError(f"rate must be in (0, 0.05], got {rate}")
    tx = world.transactions
    n_planted = max(MIN_PLANTED, round(rate * len(tx)))
    n_masking = max(3, round(SHARE_MASKING * n_planted))
    n_amount = round(SHARE_AMOUNT * n_planted)
    n_combo = n_planted - n_masking - n_amount
    n_amount_masking = max(3, round(SHARE_IN_MASKING_CATEGORY * n_amount))
    rng = np.random.default_rng([seed, TAG])

    truth = world.truth
    ids = tx["transaction_id"].to_numpy()
    amount = tx["amount"].to_numpy().copy()
    category = tx["merchant_category"].cat.codes.to_numpy()
    categories = list(tx["merchant_category"].cat.categories)
    masking_code = categories.index(MASKING_CATEGORY)
    honest = ~(
        tx["is_fraud"].to_numpy()
        | np.isin(ids, truth.true_fraud_ids)
        | np.isin(ids, truth.incident.transaction_ids)
    )
    # The reference scales: honest amounts' 99.9th percentile per category.
    q999 = np.full(len(categories), np.nan)
    for code in np.unique(category[honest]):
        q999[code] = np.quantile(amount[honest & (category == code)], 0.999)
    free = honest.copy()

    def pick(mask: np.ndarray, size: int, what: str) -> np.ndarray:
        rows = np.flatnonzero(mask & free)
        if rows.size < size:
            raise ValueError(f"the world is too small to plant {size} {what} anomalies")
        chosen = np.sort(rng.choice(rows, size=size, replace=False))
        free[chosen] = False
        return chosen

    in_masking = category == masking_code
    masking = pick(in_masking, n_masking, "masking_outlier")
    amount_rows = np.r_[
        pick(in_masking, n_amount_masking, "amount_outlier"),
        pick(~in_masking, n_amount - n_amount_masking, "amount_outlier"),
    ]

    # Unusual combinations: night, an ordinary amount for the category, huge for the user.
    user = tx["user_id"].to_numpy()
    user_median = pd.Series(amount[honest]).groupby(user[honest]).median()
    usual = user_median.reindex(user).to_numpy()
    q85, q97 = (
        pd.Series(amount[honest]).groupby(category[honest]).quantile(q).reindex(category).to_numpy()
        for q in (0.85, 0.97)
    )
    hour = tx["timestamp"].dt.hour.to_numpy()
    for times_usual in COMBO_TIMES_USUAL:  # a small world may hold too few at the largest
        target = np.maximum(q85, times_usual * usual)
        night = (hour < 5) & (target <= q97) & (~in_masking)
        if (night & free).sum() >= n_combo:
            break
    combo = pick(night, n_combo, "unusual_combination")

    new = amount.copy()
    new[masking] = q999[category[masking]] * rng.uniform(40, 80, masking.size)
    new[amount_rows] = q999[category[amount_rows]] * rng.uniform(2.5, 4, amount_rows.size)
    new[combo] = target[combo] + rng.uniform(0, 1, combo.size) * (q97[combo] - target[combo])
    new = np.round(new, 2)

    out = tx.copy()
    out["amount"] = new
    rows = np.r_[masking, amount_rows, combo]
    kind = np.repeat(KINDS[1:], [masking.size, amount_rows.size, combo.size])
    incident_ids = truth.incident.transaction_ids
    incident_rows = np.flatnonzero(np.isin(ids, incident_ids))
    record = pd.DataFrame(
        {
            "transaction_id": np.r_[ids[incident_rows], ids[rows]].astype(np.int64),
            "kind": pd.Categorical(
                np.r_[np.repeat(KINDS[0], incident_rows.size), kind], categories=KINDS
            ),
            "original_amount": np.r_[amount[incident_rows] / 100, amount[rows]],
            "amount": np.r_[amount[incident_rows], new[rows]],
        }
    )
    truth.anomaly_ids = np.sort(record["transaction_id"].to_numpy()).astype(np.int64)
    truth.extras["anomalies"] = record.sort_values("transaction_id", ignore_index=True)
    return out
