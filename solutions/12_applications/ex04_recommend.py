"""Exercise 04 · Recommendations from co-purchases.

Docs: docs/lessons/12-applications.md#ex04-recommend (the site: `mkdocs serve`, then Lesson 12)

A payments app shows each customer ten merchants they might like. The honest test of such a list
is the future: train on what happened before a date, and ask whether the list names the
merchants the customer went to after it. The bar to beat is the list of the most popular
merchants, the same for everyone. Item-item similarity beats it by recommending the merchants
bought by the same people as the customer's own merchants. The purchases table is 20,000 users x
2,000 merchants (`coursedata.interactions()`): as a dense matrix, 40 million cells (320 MB in
float64) of which 0.25 % are non-zero, so the matrix must stay sparse.

`interactions` (and `train`) is a DataFrame with one row per purchase and (at least) the columns
`user_id`, `merchant_id` (integers) and `timestamp` (datetime64, with a time zone or without).
A user or a merchant may appear in many rows (repeat purchases).

Write three functions:

1. `temporal_user_split(interactions, test_days) -> tuple[DataFrame, DataFrame]`, `(train, test)`:

   - The test period is the last `test_days` calendar days of the data. The cutoff is midnight
     of the day of the latest timestamp (`timestamp.max().normalize()`, in the column's own time
     zone), plus one day, minus `test_days` days. These are calendar days, not blocks of 24
     hours: across a daylight-saving change the cutoff is still a midnight
     (`pd.DateOffset(days=...)` does calendar arithmetic; `pd.Timedelta(days=...)` does not).
   - `train` holds the rows strictly before the cutoff, `test` the rows at or after it (a row
     exactly at the cutoff is a test row). Never a random split: the future must not train the
     model that is judged on it.
   - Both keep every column, the original index and the original row order; together they hold
     every row exactly once.
   - Cold users (users whose every purchase is in the test period, so they have no training
     history) keep their rows in `test`: they are the users `item_item_recommend` serves with
     popularity.
   - `ValueError` when a column is missing, when `test_days` is not an integer >= 1 (a bool is
     refused), or when the split leaves `train` empty (the test period covers every row).

2. `popular_items(train, k) -> list[int]`: the `k` merchant ids with the most distinct buyers
   (a user who bought from a merchant five times counts once) in `train`, most first; ties
   broken by the smaller merchant id. Fewer than `k` merchants in `train`: all of them. Python
   ints. `ValueError` when `k` is not an integer >= 1 (a bool is refused) or a column is missing.

3. `item_item_recommend(train, users, k) -> dict[int, list[int]]`: up to `k` merchant ids per
   user, best first.

   - The user x merchant matrix is binary: 1 when the user bought from the merchant at least
     once in `train`, whatever the number of purchases. Build it with `scipy.sparse` and keep it
     sparse; never build a dense users x merchants matrix (the peak memory on the data world's
     20,000 x 2,000 table must stay far below the 320 MB of a dense one; the reference needs
     about 11 MB). The candidates are the merchants that appear in `train`.
   - The similarity of merchants i and j is the cosine of their columns: the number of users who
     bought from both, divided by sqrt(buyers of i * buyers of j).
   - The score of a merchant for a user is the sum of its similarities with the merchants the
     user bought from in `train`. Merchants the user already bought from are never recommended.
   - Ranking: higher score first; equal scores (merchants with score 0 included) in the order of
     `popular_items` (more distinct buyers first, then the smaller id). Every unseen candidate
     can fill the list, so a user gets `min(k, candidates not bought)` merchants.
   - A user without a purchase in `train` (a cold user, or an unknown id) gets
     `popular_items(train, k)`.
   - `users` is a list or 1-D array of user ids; the result maps each of them (as a Python int,
     in the order given) to its list of Python ints. `ValueError` when `k` is not an integer >= 1
     (a bool is refused) or a column of `train` is missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

COLUMNS = ("user_id", "merchant_id", "timestamp")
CHUNK = 1024  # users scored at once: memory grows with chunk x merchants, never users x merchants


def _check_columns(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks the column(s) {missing}")


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def temporal_user_split(interactions: pd.DataFrame, test_days: int):
    """(train, test): rows before and at-or-after midnight of the last day + 1 - test_days."""
    # BEGIN SOLUTION: compute the cutoff from the latest day; split by timestamp < cutoff
    _check_columns(interactions, COLUMNS, "interactions")
    days = _check_positive_int(test_days, "test_days")
    stamps = pd.to_datetime(interactions["timestamp"])
    if len(stamps) == 0:
        raise ValueError("interactions has no rows")
    # calendar days (DateOffset), not 24-hour blocks: the cutoff stays a midnight even when a
    # daylight-saving change falls inside the test period
    cutoff = stamps.max().normalize() + pd.DateOffset(days=1 - days)
    before = (stamps < cutoff).to_numpy()
    train, test = interactions[before], interactions[~before]
    if len(train) == 0:
        raise ValueError(
            f"test_days={days} leaves no training rows: every timestamp is on or after {cutoff}"
        )
    return train, test
    # END SOLUTION


def popular_items(train: pd.DataFrame, k: int) -> list[int]:
    """The k merchants with the most distinct buyers, ties by the smaller id."""
    # BEGIN SOLUTION: count distinct buyers per merchant; sort by count desc, id asc; take k
    _check_columns(train, COLUMNS[:2], "train")
    k = _check_positive_int(k, "k")
    pairs = train[["user_id", "merchant_id"]].drop_duplicates()
    counts = pairs.groupby("merchant_id").size()
    merchants, buyers = counts.index.to_numpy(), counts.to_numpy()
    order = np.lexsort((merchants, -buyers))
    return [int(m) for m in merchants[order][:k]]
    # END SOLUTION


def item_item_recommend(train: pd.DataFrame, users, k: int) -> dict[int, list[int]]:
    """Up to k unseen merchants per user by summed item-item cosine; cold users: popularity."""
    # BEGIN SOLUTION: binary sparse matrix; cosine similarity; sum over the user's merchants
    _check_columns(train, COLUMNS[:2], "train")
    k = _check_positive_int(k, "k")
    users = [int(u) for u in np.asarray(users).ravel()]
    user_ids = np.unique(train["user_id"].to_numpy())
    merchants = np.unique(train["merchant_id"].to_numpy())
    rows = np.searchsorted(user_ids, train["user_id"].to_numpy())
    cols = np.searchsorted(merchants, train["merchant_id"].to_numpy())
    bought = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, cols)),
        shape=(user_ids.size, merchants.size),
    )
    bought.sum_duplicates()
    bought.data[:] = 1.0  # binary: bought at least once
    buyers = np.asarray(bought.sum(axis=0)).ravel()
    normalised = (bought @ sp.diags(1.0 / np.sqrt(buyers))).tocsr()
    similarity = (normalised.T @ normalised).tocsr()  # merchants x merchants, sparse

    order = np.lexsort((merchants, -buyers))  # the popularity order
    rank = np.empty(merchants.size, dtype=np.int64)
    rank[order] = np.arange(merchants.size)
    fallback = [int(m) for m in merchants[order][:k]]

    result: dict[int, list[int]] = {}
    distinct = np.array(list(dict.fromkeys(users)), dtype=np.int64)
    known = distinct[np.isin(distinct, user_ids)].tolist()
    for start in range(0, len(known), CHUNK):
        chunk = known[start : start + CHUNK]
        history = bought[np.searchsorted(user_ids, chunk)]
        scores = (history @ similarity).toarray()  # chunk x merchants, dense
        scores[history.nonzero()] = -np.inf  # already bought: never recommended
        ranked = np.lexsort((np.broadcast_to(rank, scores.shape), -scores), axis=-1)
        for u, line, row in zip(chunk, ranked, scores, strict=True):
            top = line[: min(k, int(np.isfinite(row).sum()))]
            result[u] = [int(m) for m in merchants[top]]
    return {u: list(result[u]) if u in result else list(fallback) for u in users}
    # END SOLUTION
