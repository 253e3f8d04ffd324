"""Worked example: recommending merchants, judged on the future.

The purchases of `coursedata.interactions()` (20,000 users, 2,000 merchants, 180 days) are cut
in time: the last 14 days are the test. Each test user gets ten merchants they have not bought
from; a merchant is relevant when the user buys from it in the test days for the first time.
Three recommenders (the ten most popular merchants, item-item cosine similarity, and a random
list) are scored with recall@10, nDCG@10 and catalogue coverage, warm users and cold-start
users apart. Last, what the user x merchant matrix costs sparse and dense.

Run: python docs/examples/12_applications/recommend_merchants.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.preprocessing import normalize

import coursedata

K = 10
TEST_DAYS = 14
BLOCK = 500  # users scored at once: the dense block is BLOCK x merchants


def recall_ndcg(lists: np.ndarray, relevant: list[set[int]]) -> tuple[float, float]:
    """Mean recall@K (hits / min(K, relevant merchants)) and nDCG@K (binary gains, log2
    discounts, the ideal list made of the user's relevant merchants)."""
    discount = 1.0 / np.log2(np.arange(2, K + 2))
    recalls, ndcgs = [], []
    for ranked, wanted in zip(lists, relevant, strict=True):
        gains = np.array([m in wanted for m in ranked[:K]], dtype=float)
        recalls.append(gains.sum() / min(len(wanted), K))
        ideal = discount[: min(len(wanted), K)].sum()
        ndcgs.append(float(gains @ discount[: gains.size]) / ideal)
    return float(np.mean(recalls)), float(np.mean(ndcgs))


def catalogue_coverage(lists: np.ndarray, n_merchants: int) -> float:
    return np.unique(lists).size / n_merchants


def unseen_top(scores: np.ndarray, seen: sp.csr_matrix) -> np.ndarray:
    """The K best columns of each row, leaving out the columns the row's user bought from; equal
    scores in the order of the columns (a stable sort: np.argpartition breaks ties differently
    on different CPUs)."""
    scores = scores.astype(float, copy=True)
    scores[seen.nonzero()] = -np.inf
    return np.argsort(-scores, axis=1, kind="stable")[:, :K]


def evaluate() -> dict:
    """Split, build the matrix, recommend, score: every number the example prints."""
    purchases = coursedata.interactions(seed=0)
    n_users, n_merchants = purchases["user_id"].max() + 1, purchases["merchant_id"].max() + 1
    cut = purchases["timestamp"].max().normalize() + pd.Timedelta(days=1 - TEST_DAYS)
    past, future = purchases[purchases["timestamp"] < cut], purchases[purchases["timestamp"] >= cut]
    out = {"cut": cut, "train": len(past), "test": len(future)}

    ones = np.ones(len(past), dtype=np.float32)
    bought = sp.coo_matrix((ones, (past["user_id"], past["merchant_id"])), (n_users, n_merchants))
    bought = (bought.tocsr() > 0).astype(np.float32)  # repeat purchases count once
    out |= {
        "nnz": bought.nnz,
        "cells": n_users * n_merchants,
        "sparse_bytes": bought.data.nbytes + bought.indices.nbytes + bought.indptr.nbytes,
        "dense_bytes": n_users * n_merchants * np.dtype(np.float32).itemsize,
    }

    new = future.merge(past[["user_id", "merchant_id"]].drop_duplicates(), how="left",
                       on=["user_id", "merchant_id"], indicator=True)  # fmt: skip
    new = new[new["_merge"] == "left_only"].groupby("user_id")["merchant_id"].agg(set)
    warm = np.isin(new.index, past["user_id"].unique())

    columns = normalize(bought, axis=0)  # each merchant's buyers, as a unit vector
    similarity = (columns.T @ columns).tocsr()
    similarity.setdiag(0)
    popularity = np.asarray(bought.sum(axis=0)).ravel()
    popularity[0] = -1  # there is no merchant 0
    rng = np.random.default_rng(0)
    users = new.index.to_numpy()[warm]
    relevant = list(new[warm])
    seen = bought[users]
    lists = {
        "popularity": unseen_top(np.tile(popularity, (users.size, 1)), seen),
        "item-item cosine": np.vstack(
            [
                unseen_top((seen[i : i + BLOCK] @ similarity).toarray(), seen[i : i + BLOCK])
                for i in range(0, users.size, BLOCK)
            ]
        ),  # fmt: skip
        "random": unseen_top(rng.random((users.size, n_merchants)) * (popularity >= 0), seen),
    }
    out["warm"] = users.size
    out["scores"] = {
        name: (*recall_ndcg(ranked, relevant), catalogue_coverage(ranked, n_merchants - 1))
        for name, ranked in lists.items()
    }
    cold = list(new[~warm])
    top = np.argsort(-popularity, kind="stable")[:K]
    out["cold"] = len(cold)
    out["cold_scores"] = recall_ndcg(np.tile(top, (len(cold), 1)), cold)
    return out


def main() -> None:
    started = time.perf_counter()
    r = evaluate()
    print(f"train: {r['train']:,} purchases before {r['cut'].date()}; test: {r['test']:,} after")
    print(
        f"user x merchant matrix: {r['nnz']:,} non-zeros of {r['cells']:,} cells; "
        f"CSR {r['sparse_bytes'] / 1e6:.1f} MB, dense float32 {r['dense_bytes'] / 1e6:.0f} MB "
        f"(x{r['dense_bytes'] / r['sparse_bytes']:.0f})"
    )
    print(f"test users with a merchant new to them: {r['warm']:,} warm, {r['cold']:,} cold")
    print(f"\nwarm users ({r['warm']:,}): recall@{K}  nDCG@{K}  coverage")
    for name, (recall, ndcg, coverage) in r["scores"].items():
        print(f"  {name:<17} {recall:9.3f} {ndcg:8.3f} {coverage:9.1%}")
    recall, ndcg = r["cold_scores"]
    print(
        f"cold-start users ({r['cold']:,}), no history so popularity only: "
        f"recall@{K} {recall:.3f}, nDCG@{K} {ndcg:.3f}"
    )
    print(f"({time.perf_counter() - started:.1f} s this run)")


if __name__ == "__main__":
    main()
