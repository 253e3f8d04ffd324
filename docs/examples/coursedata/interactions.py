"""Worked example: who buys where, what was planted, and item-item similarity against the
popularity baseline on a temporal split.

`coursedata.interactions()` has one row per purchase (20,000 users, 2,000 merchants, 180 days);
`coursedata.interactions_truth()` records the taste clusters, the popularity skew, the repeat
share and the cold-start cohort. A dense user x merchant matrix would hold 40 million cells for
about 240,000 purchases: everything here is a scipy sparse matrix.

Run: python docs/examples/coursedata/interactions.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

import coursedata

TEST_DAYS = 14
K = 10


def matrix(purchases: pd.DataFrame, n_users: int, n_items: int) -> sp.csr_matrix:
    """Binary user x merchant matrix (row = user_id, column = merchant_id; ids start at 1)."""
    ones = np.ones(len(purchases), dtype=np.float32)
    m = sp.csr_matrix(
        (ones, (purchases["user_id"], purchases["merchant_id"])), shape=(n_users + 1, n_items + 1)
    )
    m.data[:] = 1.0
    return m


def cosine_item_scores(bought: sp.csr_matrix, users: np.ndarray) -> np.ndarray:
    """Scores of every merchant for `users`: the sum of its cosine similarities (over buyers)
    with the merchants each user bought from."""
    norms = np.sqrt(np.asarray(bought.sum(axis=0)).ravel())
    normalised = bought @ sp.diags(1.0 / np.maximum(norms, 1.0))
    similarity = (normalised.T @ normalised).tocsr()
    similarity.setdiag(0.0)
    return np.asarray((bought[users] @ similarity).todense())


def top_k_unseen(scores: np.ndarray, bought: sp.csr_matrix, users: np.ndarray) -> np.ndarray:
    scores = scores.copy()
    seen = bought[users].nonzero()
    scores[seen] = -np.inf
    scores[:, 0] = -np.inf  # no merchant 0
    return np.argsort(-scores, axis=1, kind="stable")[:, :K]


def recall(recommended: np.ndarray, wanted: list[set[int]]) -> float:
    """Mean over users of |recommended & wanted| / min(|wanted|, K)."""
    return float(
        np.mean(
            [len(w & set(r)) / min(len(w), K) for r, w in zip(recommended, wanted, strict=True)]
        )
    )


def compare(purchases: pd.DataFrame, truth: coursedata.InteractionsTruth) -> dict[str, float]:
    """Train on everything before the last TEST_DAYS days; for users with a purchase before and
    a new merchant after, recall@K of popularity and of item-item cosine (seen merchants
    excluded from both)."""
    cut = truth.end - pd.Timedelta(days=TEST_DAYS)
    train, test = purchases[purchases["timestamp"] < cut], purchases[purchases["timestamp"] >= cut]
    n_users, n_items = truth.params["n_users"], truth.params["n_merchants"]
    bought = matrix(train, n_users, n_items)
    known = test[test["user_id"].isin(train["user_id"].unique())]
    pairs = known.groupby("user_id")["merchant_id"].agg(set)
    users = pairs.index.to_numpy()
    wanted = [w - set(bought[u].indices) for u, w in zip(users, pairs, strict=True)]
    keep = np.array([len(w) > 0 for w in wanted])
    users, wanted = users[keep], [w for w, k in zip(wanted, keep, strict=True) if k]
    popularity = np.asarray(bought.sum(axis=0), dtype=float).ravel()
    popular = np.broadcast_to(popularity, (users.size, popularity.size))
    item_item = np.vstack(
        [
            top_k_unseen(cosine_item_scores(bought, chunk), bought, chunk)
            for chunk in np.array_split(users, max(1, users.size // 2000))
        ]
    )
    return {
        "users": int(users.size),
        "popularity": recall(top_k_unseen(popular, bought, users), wanted),
        "item_item": recall(item_item, wanted),
    }


def main() -> None:
    purchases = coursedata.interactions(seed=0)
    truth = coursedata.interactions_truth(seed=0)
    n_users, n_items = truth.params["n_users"], truth.params["n_merchants"]
    print(
        f"{len(purchases):,} purchases by {purchases['user_id'].nunique():,} users at "
        f"{purchases['merchant_id'].nunique():,} merchants; a dense matrix would hold "
        f"{n_users * n_items / 1e6:.0f} million cells, "
        f"{len(purchases.drop_duplicates(['user_id', 'merchant_id'])) / (n_users * n_items):.2%} "
        "of them non-zero"
    )
    print(
        f"repeat purchases: {truth.repeat_share:.1%} of rows | the top 10% of merchants: "
        f"{truth.top_decile_share:.1%} of purchases | {truth.n_clusters} taste clusters"
    )
    cluster = purchases["merchant_id"].map(truth.merchant_cluster)
    tastes = truth.user_clusters.set_index("user_id")
    main_share = (cluster == purchases["user_id"].map(tastes["main_cluster"])).mean()
    print(f"purchases in the buyer's main cluster: {main_share:.1%}")
    print(
        f"cold start: {len(truth.cold_start_user_ids)} users whose first purchase is in the last "
        f"{truth.cold_start_days} days"
    )
    result = compare(purchases, truth)
    print(
        f"recall@{K} over {result['users']:,} users with new merchants in the last {TEST_DAYS} "
        f"days: popularity {result['popularity']:.3f}, item-item cosine {result['item_item']:.3f} "
        f"(x{result['item_item'] / result['popularity']:.1f})"
    )


if __name__ == "__main__":
    main()
