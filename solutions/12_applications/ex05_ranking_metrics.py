"""Exercise 05 · Ranking metrics.

Docs: docs/lessons/12-applications.md#ex05-ranking-metrics (the site: `mkdocs serve`, then Lesson 12)

A recommender shows each user a short ranked list. It is judged on the future: did the list name
the merchants the user went to in the test period, and near the top? And does it recommend a
broad share of the catalogue, or the same ten shops to everyone? Three metrics over users:

- `recommended` maps each user to their ranked list of item ids, best first: a dict (as
  `item_item_recommend` in ex04 returns) or a pandas Series indexed by user. Each list is a
  list, a tuple or a 1-D NumPy array; only its first `k` entries count (a shorter list counts
  whole).
- `relevant` maps each user to the items they actually went to in the test period (the truth):
  a dict or a Series indexed by user (for example
  `test.groupby("user_id")["merchant_id"].agg(set)`), each value a collection of item ids
  (a set, list, tuple or array; a repeated item counts once).
- `k` is an integer (Python or NumPy, not a bool) >= 1.

Write `recall_at_k(recommended, relevant, k) -> tuple[float, int]` and
`ndcg_at_k(recommended, relevant, k) -> tuple[float, int]`, each returning `(mean, skipped)`:

- The users are every key of `recommended` and of `relevant`. A user without a test item (not
  in `relevant`, or with an empty collection) cannot be judged: they are skipped, left out of
  the mean (never scored 0, never scored 1), and counted in `skipped`, a Python int.
- A user with test items but no entry in `recommended` has an empty list: they score 0.
- `mean` is the plain mean over the users who are not skipped, as a Python float.
- A duplicate in a list counts once, at its first position: a later copy of an item earns
  nothing, though it still takes its place in the top k.
- Recall of a user: (distinct relevant items in the top k) / min(k, number of relevant items).
  The denominator is capped at k so that a perfect top k scores 1 even for a user with more
  than k test items.
- nDCG of a user, with positions counted from 1: DCG = sum over positions i = 1..k of
  rel_i / log2(i + 1), where rel_i is 1 when the item at position i is relevant (and not a
  repeat), else 0; the ideal DCG is that of the best possible list, built from the user's TRUE
  items (not from the recommended list): sum over i = 1..min(k, number of relevant items) of
  1 / log2(i + 1). nDCG = DCG / ideal DCG, between 0 and 1.

Write `coverage(recommended, catalogue, k) -> float`: the share of the catalogue that appears in
at least one user's top k.

- `catalogue` is a collection of every item id that could be recommended (a list, set, array or
  Series; a repeated id counts once). The result is (distinct items in the users' top k) /
  (distinct items in the catalogue), a Python float. Every user of `recommended` counts, with or
  without test items. An empty `recommended` covers 0.

`ValueError`, in each function, when `k` is not an integer >= 1 (a bool is refused), when a
recommended list is not a list, tuple or 1-D array (a set has no order: it is not a ranking),
when no user has a test item (`recall_at_k`, `ndcg_at_k`: nothing to average), when the
catalogue is empty, or when a recommended top-k item is not in the catalogue (`coverage`: an id
from another table is a bug, not coverage). The inputs are not modified.

The stub splits the work into small helpers (their docstrings say what each one does); the checks
call only `recall_at_k`, `ndcg_at_k` and `coverage`, so you may organise it differently.
"""

from __future__ import annotations

import math

import numpy as np


def _check_k(k) -> int:
    """`k` as a Python int; ValueError unless it is an integer >= 1 (not a bool)."""
    # BEGIN SOLUTION: refuse a bool, a non-integer and k < 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    return int(k)
    # END SOLUTION


def _top_k(items, user, k: int) -> list:
    """The first k entries of `user`'s ranked list `items`, as a list; ValueError unless `items`
    is a list, a tuple or a 1-D array."""
    # BEGIN SOLUTION: refuse a set (or anything else without an order); slice the first k
    if isinstance(items, np.ndarray):
        if items.ndim != 1:
            raise ValueError(f"the list of user {user!r} is a {items.ndim}-D array, not 1-D")
        return items[:k].tolist()
    if not isinstance(items, (list, tuple)):
        raise ValueError(
            f"the list of user {user!r} is a {type(items).__name__}: a ranking must be a list, "
            "tuple or 1-D array (a set has no order)"
        )
    return list(items[:k])
    # END SOLUTION


def _per_user(recommended, relevant, k, score) -> tuple[float, int]:
    """(the mean of `score(top, truth, k)` over the users with test items, the number of users
    skipped), where `top` is the user's top k (a list) and `truth` the set of their test items."""
    # BEGIN SOLUTION: the users of both mappings; skip (and count) those without test items
    k = _check_k(k)
    users = list(dict.fromkeys([*recommended.keys(), *relevant.keys()]))
    scores, skipped = [], 0
    for user in users:
        truth = relevant.get(user)
        truth = set() if truth is None else set(truth)
        ranked = recommended.get(user)
        top = [] if ranked is None else _top_k(ranked, user, k)
        if not truth:
            skipped += 1
            continue
        scores.append(score(top, truth, k))
    if not scores:
        raise ValueError(
            f"no user has a test item ({skipped} user(s), all skipped): there is nothing to score"
        )
    return float(np.mean(scores)), skipped
    # END SOLUTION


def _hits(top: list, truth: set) -> list[bool]:
    """Position by position: relevant and not a repeat of an earlier entry."""
    # BEGIN SOLUTION: a relevant item counts at its first position only
    seen: set = set()
    hits = []
    for item in top:
        hits.append(item in truth and item not in seen)
        seen.add(item)
    return hits
    # END SOLUTION


def _recall(top: list, truth: set, k: int) -> float:
    """One user's recall@k."""
    # BEGIN SOLUTION: distinct hits over min(k, |relevant|)
    return sum(_hits(top, truth)) / min(k, len(truth))
    # END SOLUTION


def _ndcg(top: list, truth: set, k: int) -> float:
    """One user's nDCG@k."""
    # BEGIN SOLUTION: DCG with 1 / log2(position + 1), positions from 1; ideal DCG from the truth
    dcg = sum(1.0 / math.log2(i + 1) for i, hit in enumerate(_hits(top, truth), start=1) if hit)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, len(truth)) + 1))
    return dcg / ideal
    # END SOLUTION


def recall_at_k(recommended, relevant, k) -> tuple[float, int]:
    """(mean recall@k over users with test items, number of users skipped)."""
    return _per_user(recommended, relevant, k, _recall)


def ndcg_at_k(recommended, relevant, k) -> tuple[float, int]:
    """(mean nDCG@k over users with test items, number of users skipped)."""
    return _per_user(recommended, relevant, k, _ndcg)


def coverage(recommended, catalogue, k) -> float:
    """The share of the catalogue's distinct items found in at least one user's top k."""
    # BEGIN SOLUTION: the distinct items of every top k, all inside the catalogue, over its size
    k = _check_k(k)
    items = set(catalogue)
    if not items:
        raise ValueError("the catalogue is empty: coverage is a share of it")
    shown: set = set()
    for user, ranked in recommended.items():
        shown.update(_top_k(ranked, user, k))
    outside = shown - items
    if outside:
        raise ValueError(
            f"{len(outside)} recommended item(s) are not in the catalogue, e.g. "
            f"{sorted(outside, key=repr)[:5]}"
        )
    return len(shown) / len(items)
    # END SOLUTION
