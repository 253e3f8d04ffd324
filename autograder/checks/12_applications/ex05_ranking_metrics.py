"""Checks for 12_applications/ex05_ranking_metrics (see solutions/12_applications/ex05_ranking_metrics.py for the reference)."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import differential, expect_raises, fail

L3 = 1 / math.log2(3)  # the gain at position 2
L4 = 1 / math.log2(4)  # at position 3 (0.5)
L5 = 1 / math.log2(5)  # at position 4


def _hand_case() -> tuple[dict, dict]:
    """Six users, k = 3, read off by hand:
    u1 [10, 20, 30, 40], truth {20, 40}: one hit at position 2 (40 is 4th, outside the top 3);
       recall 1 / min(3, 2) = 0.5; DCG 1/log2(3), ideal 1 + 1/log2(3).
    u2 [5, 6, 7], truth {5, 6, 7, 8, 9}: 3 hits; recall 3 / min(3, 5) = 1; nDCG 1 (ideal of 3).
    u3 [1, 1, 2], truth {1, 2}: 1 counts at position 1 only, 2 at position 3; recall 2/2 = 1;
       DCG 1 + 1/log2(4), ideal 1 + 1/log2(3).
    u4 [3, 4], truth {}: skipped.  u5 (no list), truth {7}: scores 0.  u6 [9], no truth: skipped.
    """
    recommended = {1: [10, 20, 30, 40], 2: [5, 6, 7], 3: [1, 1, 2], 4: [3, 4], 6: [9]}
    relevant = {1: {20, 40}, 2: {5, 6, 7, 8, 9}, 3: {1, 2}, 4: set(), 5: {7}}
    return recommended, relevant


HAND_RECALL = [0.5, 1.0, 1.0, 0.0]  # u1, u2, u3, u5
HAND_NDCG = [L3 / (1 + L3), 1.0, (1 + L4) / (1 + L3), 0.0]


def _call(submission, name: str, *args, where: str) -> Any:
    try:
        return getattr(submission, name)(*args)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"{name} raised {type(exc).__name__}: {exc}, on {where}")


def _pair(out: Any, name: str, where: str) -> tuple[float, int]:
    """A (mean, skipped) result, checked for its shape and types."""
    if not isinstance(out, tuple) or len(out) != 2:
        fail(
            f"{name} returned {out!r:.120} on {where}, expected a tuple (mean, skipped): the mean "
            "over the users with test items, and how many users were skipped"
        )
    mean, skipped = out
    if isinstance(mean, bool) or not isinstance(mean, float | np.floating):
        fail(
            f"{name} returned the mean {mean!r} ({type(mean).__name__}) on {where}, expected a float"
        )
    if isinstance(skipped, bool) or not isinstance(skipped, int | np.integer):
        fail(
            f"{name} returned the count {skipped!r} ({type(skipped).__name__}) on {where}, "
            "expected an int: the number of users skipped"
        )
    return float(mean), int(skipped)


def _expect(submission, name, recommended, relevant, k, mean, skipped, where, why) -> None:
    got_mean, got_skipped = _pair(
        _call(submission, name, recommended, relevant, k, where=where), name, where
    )
    if got_skipped != skipped:
        fail(
            f"{name} on {where} reported {got_skipped} user(s) skipped, expected {skipped}: a user "
            "is skipped when they have no test item (absent from relevant, or an empty "
            "collection), whether or not they have a list"
        )
    if not np.isclose(got_mean, mean, rtol=1e-9, atol=1e-12):
        fail(f"{name} on {where} returned the mean {got_mean!r}, expected {mean!r}: {why}")


def _coverage(submission, recommended, catalogue, k, where: str) -> float:
    out = _call(submission, "coverage", recommended, catalogue, k, where=where)
    if isinstance(out, bool) or not isinstance(out, float | np.floating):
        fail(f"coverage returned {out!r} ({type(out).__name__}) on {where}, expected a float")
    return float(out)


def _interaction_case(seed: int, n_users: int, k_max: int) -> tuple[dict, pd.Series, list]:
    """A seeded temporal split of coursedata.interactions, and messy ranked lists: popular
    merchants perturbed per user, some repeats, some users without a list, lists of any length."""
    purchases = coursedata.interactions(
        seed=seed, n_users=n_users, n_merchants=100, days=40, start="2025-03-01"
    )
    cut = purchases["timestamp"].max().normalize() - pd.Timedelta(days=9)
    train = purchases[purchases["timestamp"] < cut]
    test = purchases[purchases["timestamp"] >= cut]
    relevant = test.groupby("user_id")["merchant_id"].agg(set)
    rng = np.random.default_rng(seed)
    popularity = train["merchant_id"].value_counts()
    catalogue = sorted(set(purchases["merchant_id"].tolist()))
    recommended: dict = {}
    for user in sorted(set(train["user_id"].tolist())):
        if rng.random() < 0.1:
            continue  # no list: a user with test items then scores 0
        noisy = popularity.index.to_numpy()[
            np.argsort(-popularity.to_numpy() * rng.random(len(popularity)))
        ]
        ranked = [int(m) for m in noisy[: int(rng.integers(0, k_max + 4))]]
        if ranked and rng.random() < 0.3:
            ranked.insert(int(rng.integers(0, len(ranked))), ranked[0])  # a repeat
        recommended[int(user)] = ranked
    return recommended, relevant, catalogue


def _metric_cases(name: str):
    for j, (n_users, k_values) in enumerate([(100, (1, 3)), (150, (5, 10)), (300, (10, 25))]):
        recommended, relevant, catalogue = _interaction_case(seed=j, n_users=n_users, k_max=25)
        for k in k_values:
            description = (
                f"a temporal split of coursedata.interactions(seed={j}, n_users={n_users}, "
                f"n_merchants=100, days=40) ({len(recommended)} lists, "
                f"{len(relevant)} users with test items), k={k}"
            )
            if name == "coverage":
                yield (
                    description,
                    lambda fn, r=recommended, c=catalogue, k=k: fn(copy.deepcopy(r), list(c), k),
                )
            else:
                yield (
                    description,
                    lambda fn, r=recommended, t=relevant, k=k: fn(copy.deepcopy(r), t.copy(), k),
                )


def _compare_pair(got: Any, expected: tuple, where: str) -> None:
    mean, skipped = _pair(got, "the metric", where)
    if skipped != expected[1]:
        fail(f"{where}: {skipped} user(s) skipped, expected {expected[1]}")
    if not np.isclose(mean, expected[0], rtol=1e-9, atol=1e-12):
        fail(f"{where}: the mean is {mean!r}, expected {expected[0]!r}")


def _compare_coverage(got: Any, expected: float, where: str) -> None:
    if isinstance(got, bool) or not isinstance(got, float | np.floating):
        fail(f"{where}: coverage returned {got!r}, expected a float")
    if not np.isclose(float(got), expected, rtol=1e-12, atol=1e-12):
        fail(f"{where}: coverage is {float(got)!r}, expected {expected!r}")


class TestRecallAtK:
    def test_hand_built_users(self, submission):
        recommended, relevant = _hand_case()
        _expect(
            submission, "recall_at_k", recommended, relevant, 3, float(np.mean(HAND_RECALL)), 2,
            "six hand-built users, k=3 (see the check's _hand_case)",
            "recalls 0.5 (1 of 2 test items in the top 3), 1 (3 hits, the denominator capped at "
            "k=3), 1 (the repeated 1 counts once), 0 (test items but no list); the two users "
            "without test items are skipped, not scored 0",
        )  # fmt: skip

    def test_denominator_capped_at_k(self, submission):
        recommended = {"a": ["x1", "x2"], "b": ["y1", "z", "y2"]}
        relevant = {"a": ["x1", "x2", "x3", "x4", "x5"], "b": {"y1", "y2"}}
        # a: 2 hits / min(2, 5) = 1; b: the top 2 is y1, z -> 1 hit / min(2, 2) = 0.5
        _expect(
            submission, "recall_at_k", recommended, relevant, 2, 0.75, 0,
            "string ids, k=2: a = [x1, x2] with 5 test items, b = [y1, z, y2] with {y1, y2}",
            "a: 2 hits / min(k=2, 5 test items) = 1 (not 2/5); b: y2 is 3rd, outside the top 2: "
            "1 hit / 2 = 0.5",
        )  # fmt: skip

    def test_only_the_first_k_count(self, submission):
        recommended = {1: [8, 9, 10, 11]}
        relevant = {1: {11}}
        for k, expected in ((1, 0.0), (3, 0.0), (4, 1.0), (10, 1.0)):
            _expect(
                submission, "recall_at_k", recommended, relevant, k, expected, 0,
                f"one user, list [8, 9, 10, 11], truth {{11}}, k={k}",
                "the only test item is 4th: it counts from k=4 on; a list shorter than k counts "
                "whole",
            )  # fmt: skip

    def test_duplicates_count_once(self, submission):
        recommended = {1: [5, 5, 5, 6], 2: [7, 7]}
        relevant = {1: {5, 6, 9}, 2: {7}}
        # 1: top 3 = 5 5 5 -> 1 distinct hit / min(3, 3) = 1/3; 2: 1 / min(3, 1) = 1
        _expect(
            submission, "recall_at_k", recommended, relevant, 3, (1 / 3 + 1.0) / 2, 0,
            "lists [5, 5, 5, 6] (truth {5, 6, 9}) and [7, 7] (truth {7}), k=3",
            "a repeated item counts once and its copies still take places in the top 3 (6 is "
            "4th): 1/3 and 1, never more than 1",
        )  # fmt: skip
        _expect(
            submission, "recall_at_k", {3: [8, 1, 2]}, {3: [8, 8]}, 3, 1.0, 0,
            "list [8, 1, 2], truth given as the list [8, 8], k=3",
            "a test item listed twice is one test item: 1 hit / min(3, 1) = 1",
        )  # fmt: skip


class TestNdcgAtK:
    def test_hand_built_users(self, submission):
        recommended, relevant = _hand_case()
        expected = float(np.mean(HAND_NDCG))
        name, where = "ndcg_at_k", "six hand-built users, k=3 (see the check's _hand_case)"
        got, skipped = _pair(
            _call(submission, name, recommended, relevant, 3, where=where), name, where
        )
        predicted_ideal = float(np.mean([L3 / 1.0, 1.0, (1 + L4) / (1 + L3), 0.0]))
        if np.isclose(got, predicted_ideal):
            fail(
                f"ndcg_at_k returned {got:.6f} on {where}, expected {expected:.6f}: your ideal DCG "
                "comes from the recommended list (its hits moved to the top). The ideal is the "
                "best list the user's TRUE items allow: min(k, number of test items) hits at "
                "positions 1, 2, ..."
            )
        _expect(
            submission, name, recommended, relevant, 3, expected, 2, where,
            "u1: (1/log2 3) / (1 + 1/log2 3); u2: 1; u3: (1 + 1/log2 4) / (1 + 1/log2 3) (the "
            "repeat earns nothing at position 2); u5: 0; positions count from 1, gain "
            "1/log2(position + 1); two users skipped",
        )  # fmt: skip
        del skipped

    def test_positions_and_log_base(self, submission):
        # One hit at each position 1..4 in turn, one test item, k = 4: nDCG = 1 / log2(p + 1).
        for p in range(1, 5):
            ranked = [100 + j for j in range(4)]
            ranked[p - 1] = 7
            _expect(
                submission, "ndcg_at_k", {"u": ranked}, {"u": [7]}, 4, 1.0 / math.log2(p + 1), 0,
                f"one user whose only test item is at position {p} of 4, k=4",
                f"the gain at position {p} (counted from 1) is 1 / log2({p} + 1) = "
                f"{1.0 / math.log2(p + 1):.6f}, and the ideal list has its hit at position 1 "
                "(1 / log2 2 = 1)",
            )  # fmt: skip

    def test_ideal_from_the_true_items(self, submission):
        # 3 test items, k = 5: the ideal list has 3 hits at positions 1-3, whatever was predicted.
        recommended = {1: [50, 1, 51, 52, 53]}
        relevant = {1: {1, 2, 3}}
        _expect(
            submission, "ndcg_at_k", recommended, relevant, 5, L3 / (1 + L3 + L4), 0,
            "list [50, 1, 51, 52, 53], truth {1, 2, 3}, k=5",
            "DCG = 1/log2 3 (the hit is 2nd); ideal DCG = 1 + 1/log2 3 + 1/log2 4, from the 3 "
            "true items (not 1, from the recommended list's single hit; not 5 positions)",
        )  # fmt: skip
        _expect(
            submission, "ndcg_at_k", {1: [1]}, {1: {1, 2}}, 3, 1 / (1 + L3), 0,
            "list [1] (shorter than k), truth {1, 2}, k=3",
            "the ideal list holds both true items (1 + 1/log2 3), however short the "
            "recommended list is: a list too short to hold them all is not perfect",
        )  # fmt: skip
        # More test items than k: the ideal is capped at k positions.
        _expect(
            submission, "ndcg_at_k", {1: [1, 2]}, {1: {1, 2, 3, 4, 5}}, 2, 1.0, 0,
            "list [1, 2], truth {1, 2, 3, 4, 5}, k=2",
            "both places hold test items: a perfect top 2 scores 1 (the ideal DCG has k=2 "
            "positions, not 5)",
        )  # fmt: skip

    def test_duplicates_earn_nothing(self, submission):
        recommended = {1: [4, 4, 5]}
        relevant = {1: {4, 5}}
        _expect(
            submission, "ndcg_at_k", recommended, relevant, 3, (1 + L4) / (1 + L3), 0,
            "list [4, 4, 5], truth {4, 5}, k=3",
            "4 counts at position 1 only; its copy at position 2 earns nothing but keeps its "
            "place, so 5 is 3rd: (1 + 1/log2 4) / (1 + 1/log2 3)",
        )  # fmt: skip
        _expect(
            submission, "ndcg_at_k", {3: [8, 1, 2]}, {3: [8, 8]}, 3, 1.0, 0,
            "list [8, 1, 2], truth given as the list [8, 8], k=3",
            "a test item listed twice is one test item: the ideal list has one hit, at position "
            "1, and so does this one",
        )  # fmt: skip


class TestSkippedUsers:
    def test_users_without_test_items_are_skipped_and_counted(self, submission):
        # Two scored users (1 and 0.5 in recall, both 1.0 or less in nDCG), three without truth.
        recommended = {1: [1], 2: [2, 9], 3: [3], 4: [4], 5: []}
        relevant = {1: {1}, 2: {9, 8}, 3: set(), 4: []}
        for name, expected in (
            ("recall_at_k", (1.0 + 0.5) / 2),
            ("ndcg_at_k", (1.0 + L3 / (1 + L3)) / 2),
        ):
            _expect(
                submission, name, recommended, relevant, 2, expected, 3,
                "users 1 and 2 with test items, 3 and 4 with empty ones, 5 absent from relevant",
                "the three users without a test item are left out of the mean (scoring them 0 "
                "would drag it down for nothing the recommender did) and counted",
            )  # fmt: skip
            where = "users 1 and 2 with test items, three without"
            _, skipped = _call(submission, name, recommended, relevant, 2, where=where)
            if type(skipped) is not int:
                fail(
                    f"{name} returned the count {skipped!r} ({type(skipped).__module__}."
                    f"{type(skipped).__name__}) on {where}, expected a Python int, as the "
                    "contract says: convert it with int() (a NumPy integer is not a Python int, "
                    "and json.dumps refuses it)"
                )

    def test_a_user_without_a_list_scores_zero(self, submission):
        recommended = {1: [1, 2], 3: []}
        relevant = {1: {1, 2}, 2: {5}, 3: {6}}
        for name in ("recall_at_k", "ndcg_at_k"):
            _expect(
                submission, name, recommended, relevant, 2, 1 / 3, 0,
                "user 1 perfect, user 2 with a test item but no list, user 3 with an empty list",
                "a user with test items and no list, or an empty one, scores 0 and is not "
                "skipped (a recommender that serves nobody must not look perfect)",
            )  # fmt: skip

    def test_series_and_arrays(self, submission):
        recommended = pd.Series({10: np.array([3, 1, 2]), 20: (4, 5), 30: [6]})
        relevant = pd.Series({10: {1, 2}, 20: np.array([5]), 40: {9}})
        # 10: hits at 2, 3 -> recall 1, nDCG (L3 + L4) / (1 + L3); 20: hit at 2 -> 1, L3;
        # 40: no list -> 0; 30: skipped.
        where = "Series of NumPy arrays, tuples and lists, with a Series of truths, k=3"
        _expect(
            submission, "recall_at_k", recommended, relevant, 3, 2 / 3, 1, where,
            "recalls 1, 1 and 0 (user 40 has no list); user 30 has no truth",
        )  # fmt: skip
        _expect(
            submission, "ndcg_at_k", recommended, relevant, 3, ((L3 + L4) / (1 + L3) + L3 + 0) / 3,
            1, where, "nDCGs (1/log2 3 + 1/log2 4) / (1 + 1/log2 3), 1/log2 3 and 0",
        )  # fmt: skip

    def test_inputs_not_modified(self, submission):
        recommended, relevant = _hand_case()
        rec_before, rel_before = copy.deepcopy(recommended), copy.deepcopy(relevant)
        for name in ("recall_at_k", "ndcg_at_k"):
            _call(submission, name, recommended, relevant, 3, where="the hand-built users")
        _call(submission, "coverage", recommended, list(range(60)), 3, where="the hand-built users")
        if recommended != rec_before or relevant != rel_before:
            fail(
                "the metrics modified their inputs (a list shortened, a user added or removed, "
                "a set changed): a metric reads, it never writes"
            )


class TestCoverage:
    def test_hand_built(self, submission):
        recommended = {1: [1, 2, 3, 4], 2: [2, 3, 5], 3: [], 4: [5, 5, 6]}
        catalogue = [*range(1, 11), 1, 2]  # 10 distinct items
        got = _coverage(submission, recommended, catalogue, 3, "4 users, a catalogue of 1..10")
        if not np.isclose(got, 0.5):
            fail(
                f"coverage of the top 3 of [1, 2, 3, 4], [2, 3, 5], [], [5, 5, 6] over a catalogue "
                f"of the 10 items 1..10 (1 and 2 listed twice) is {got!r}, expected 0.5: the "
                "distinct items {1, 2, 3, 5, 6} over 10 distinct catalogue items (4 is 4th, "
                "outside the top 3; a repeat counts once)"
            )

    def test_every_list_counts(self, submission):
        # coverage has no truth: a user's list counts whether or not they have test items.
        recommended = {"a": ["p", "q"], "b": ["r"]}
        got = _coverage(submission, recommended, {"p", "q", "r", "s"}, 2, "3 of 4 items shown")
        if not np.isclose(got, 0.75):
            fail(f"coverage of [p, q] and [r] over {{p, q, r, s}} is {got!r}, expected 0.75")
        series = pd.Series({7: np.array([1, 2, 9]), 8: (3,)})
        got = _coverage(submission, series, np.arange(1, 11), 2, "a Series of lists, k=2")
        if not np.isclose(got, 0.3):
            fail(
                f"coverage of a Series {{7: [1, 2, 9], 8: (3,)}} at k=2 over np.arange(1, 11) is "
                f"{got!r}, expected 0.3 (items 1, 2, 3 of 10)"
            )
        got = _coverage(submission, {}, [1, 2, 3], 5, "no users at all")
        if got != 0.0:
            fail(f"coverage with no lists is {got!r}, expected 0.0: nothing is shown")

    def test_item_outside_the_catalogue(self, submission):
        expect_raises(
            ValueError,
            submission.coverage,
            {1: [1, 99]},
            [1, 2, 3],
            2,
            why="item 99 in a top 2 is not in the catalogue [1, 2, 3]",
        )
        got = _coverage(submission, {1: [1, 2, 99]}, [1, 2, 3], 2, "item 99 only 3rd, k=2")
        if not np.isclose(got, 2 / 3):
            fail(
                f"coverage of [1, 2, 99] at k=2 over [1, 2, 3] is {got!r}, expected 2/3: only the "
                "top k is shown, so 99 (3rd) is neither counted nor refused"
            )
        expect_raises(
            ValueError, submission.coverage, {1: [1]}, [], 1, why="the catalogue is empty"
        )
        expect_raises(
            ValueError,
            submission.coverage,
            {},
            [],
            1,
            why="the catalogue is empty (with no lists either): coverage is a share of the "
            "catalogue, so an empty one is refused before anything is counted",
        )

    def test_matches_reference_on_interactions(self, submission, reference):
        differential(
            _metric_cases("coverage"),
            submission.coverage,
            reference.coverage,
            _compare_coverage,
            "coverage(recommended, catalogue, k)",
        )


class TestArguments:
    def test_bad_k_raises(self, submission):
        recommended, relevant = _hand_case()
        for k, why in (
            (0, "k=0"),
            (-2, "k=-2"),
            (2.0, "k=2.0 (not an integer)"),
            (True, "k=True (a bool)"),
        ):
            for name, other in (
                ("recall_at_k", relevant),
                ("ndcg_at_k", relevant),
                ("coverage", list(range(60))),
            ):
                expect_raises(ValueError, getattr(submission, name), recommended, other, k, why=why)
        for name in ("recall_at_k", "ndcg_at_k"):
            _expect(
                submission, name, recommended, relevant, np.int64(1), 0.5, 2,
                "the hand-built users, k=np.int64(1)",
                "a NumPy integer is a valid k; at k=1, u2's 5 and u3's 1 are hits, u1's 10 is "
                "not, u5 has no list: (0 + 1 + 1 + 0) / 4",
            )  # fmt: skip

    def test_unordered_lists_raise(self, submission):
        relevant = {1: {1, 2}}
        for bad, why in (
            ({1: {1, 2}}, "a user's list is a set, which has no order: not a ranking"),
            ({1: frozenset({1, 2})}, "a user's list is a frozenset, which has no order either"),
            ({1: np.array([[1, 2]])}, "a user's list is a 2-D array"),
            (
                {1: pd.Series([1, 2])},
                "a user's list is a pandas Series, not a list, tuple or 1-D array",
            ),
        ):
            for name in ("recall_at_k", "ndcg_at_k"):
                expect_raises(ValueError, getattr(submission, name), bad, relevant, 2, why=why)
            expect_raises(ValueError, submission.coverage, bad, [1, 2, 3], 2, why=why)

    def test_nobody_to_score_raises(self, submission):
        for name in ("recall_at_k", "ndcg_at_k"):
            expect_raises(
                ValueError,
                getattr(submission, name),
                {1: [1, 2], 2: [3]},
                {1: set(), 3: []},
                2,
                why="no user has a test item: a mean over nobody is not 0, and not 1",
            )

    def test_matches_reference_on_interactions(self, submission, reference):
        for name in ("recall_at_k", "ndcg_at_k"):
            differential(
                _metric_cases(name),
                getattr(submission, name),
                getattr(reference, name),
                _compare_pair,
                f"{name}(recommended, relevant, k)",
            )
