"""Checks for 04_evaluation/ex03_cost_threshold (see solutions/04_evaluation/ex03_cost_threshold.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.assertions import (
    assert_vectorised,
    differential,
    expect_raises,
    fail,
)

from ._shared import (
    call,
    expect_bad_labels_rejected,
    expect_bad_scores_rejected,
    expect_bad_shapes_rejected,
)

# ex03 · best_threshold


def _pair(value: Any, where: str) -> tuple[float, float]:
    if type(value) is not tuple or len(value) != 2:
        fail(
            f"{where}: best_threshold should return a tuple (threshold, cost), got "
            f"{type(value).__name__} {value!r:.100}"
        )
    for name, v in zip(("threshold", "cost"), value, strict=True):
        if type(v) is not float:
            fail(
                f"{where}: the {name} is {v!r} of type {type(v).__name__}; both parts of the "
                "tuple are plain Python floats (float(...))"
            )
    return value


def _expected(y, s, cost_fp, cost_fn) -> tuple[float, float]:
    """The contract, counted another way: for every candidate t (each distinct score and inf), the
    legitimate transactions scoring >= t and the frauds scoring < t, found by binary search."""
    fraud = np.asarray(y) == 1
    values = np.asarray(s, dtype=np.float64)
    candidates = np.append(np.unique(values), np.inf)
    legit_sorted, fraud_sorted = np.sort(values[~fraud]), np.sort(values[fraud])
    fp = len(legit_sorted) - np.searchsorted(legit_sorted, candidates, side="left")
    fn = np.searchsorted(fraud_sorted, candidates, side="left")
    costs = [cost_fp * int(a) + cost_fn * int(b) for a, b in zip(fp, fn, strict=True)]
    low = min(costs)
    best = max(t for t, c in zip(candidates.tolist(), costs, strict=True) if c == low)
    return float(best), float(low)


def _compare(got: Any, expected: tuple[float, float], where: str, why: str = "") -> None:
    threshold, cost = _pair(got, where)
    extra = f"; {why}" if why else ""
    if threshold != expected[0] or not np.isclose(cost, expected[1], rtol=1e-12, atol=1e-12):
        fail(f"{where}: got (threshold, cost) = {got!r}, expected {expected!r}{extra}")


def _check(submission, y, s, cost_fp, cost_fn, what: str, why: str) -> None:
    expected = _expected(y, s, cost_fp, cost_fn)  # before the call, which may change y or s
    got = call(
        submission.best_threshold,
        y,
        s,
        cost_fp,
        cost_fn,
        doing=what,
        why="this input is valid and has an answer",
    )
    _compare(got, expected, what, why)


def _show(y, s, cost_fp, cost_fn) -> str:
    return (
        f"best_threshold(y_true={np.asarray(y).tolist()}, scores={np.asarray(s).tolist()}, "
        f"cost_fp={cost_fp}, cost_fn={cost_fn})"
    )


COST_PAIRS = [(1, 1), (1, 5), (5, 1), (2.5, 1), (0.5, 20), (1, 100), (0, 1), (1, 0), (0, 0)]


def _generated_cases():
    """Seeded inputs, smallest first: 1 to 400 transactions; continuous scores, scores on a few
    levels (ties mixing fraud and legitimate rows), integer scores as lists, boolean labels, all
    fraud, no fraud, a single fraud, rare fraud; costs in whole numbers and halves (exact ties
    between thresholds happen), from equal costs to a missed fraud 100 times dearer, and zeros."""
    kinds = (
        "continuous",
        "many ties",
        "integer scores",
        "boolean labels",
        "all fraud",
        "no fraud",
        "single fraud",
        "rare fraud",
    )
    for n in (1, 2, 3, 4, 6, 10, 30, 100, 400):
        for k, kind in enumerate(kinds):
            seed = 3000 + 10 * n + k
            rng = np.random.default_rng(seed)
            rate = 0.02 if kind == "rare fraud" else 0.35
            y = (rng.random(n) < rate).astype(np.int64)
            if kind == "all fraud":
                y[:] = 1
            elif kind in ("no fraud", "single fraud"):
                y[:] = 0
            if kind == "single fraud":
                y[rng.integers(n)] = 1
            if kind in ("many ties", "boolean labels"):
                s: Any = rng.integers(0, 3, n) * 0.5
            elif kind == "integer scores":
                s = rng.integers(-4, 5, n)
            elif kind == "rare fraud":
                s = np.round(np.clip(0.15 + 0.5 * y + rng.normal(0, 0.2, n), 0, 1), 2)
            else:
                s = rng.random(n)
            labels: Any = y.astype(bool) if kind == "boolean labels" else y
            if kind == "integer scores":
                labels, s = labels.tolist(), s.tolist()
            for j in rng.choice(len(COST_PAIRS), size=2, replace=False):
                cost_fp, cost_fn = COST_PAIRS[j]
                where = _show(labels, s, cost_fp, cost_fn) + f" ({kind})"
                if n > 10:
                    where = f"n={n} ({kind}, seed {seed}), cost_fp={cost_fp}, cost_fn={cost_fn}"
                yield (
                    where,
                    lambda fn, y=labels, s=s, a=cost_fp, b=cost_fn: fn(_copy(y), _copy(s), a, b),
                )


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else list(value)


def _rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(8)
    y = (rng.random(5000) < 0.1).astype(np.int64)
    return y[:n], (rng.random(5000) + 0.3 * y)[:n]


def _best_rows(module, n: int):
    """best_threshold on the first n of 5,000 seeded transactions (in the learner's process)."""
    return module.best_threshold(*_rows(n), 1.0, 10.0)


class TestBestThreshold:
    def test_hand_built_interior_threshold(self, submission):
        # cost_fp=1, cost_fn=3. Costs from the top: inf 9, .9 6, .8 7, .7 4, .4 5, .3 6, .2 3,
        # .15 4, .1 5: the best is 0.2, at 3. (The best accuracy is at 0.7, the best F1 at 0.7
        # or 0.2: neither is what the bank pays for.)
        y = np.array([1, 0, 1, 0, 0, 1, 0, 0])
        s = np.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.2, 0.15, 0.1])
        _check(
            submission,
            y,
            s,
            1,
            3,
            _show(y, s, 1, 3),
            "flagging every score >= 0.2 costs 3 false alarms * 1 + 0 missed frauds * 3 = 3, the "
            "least of all candidates (the cost, not accuracy or F1, decides)",
        )
        s_shuffled, y_shuffled = s[[4, 0, 7, 2, 5, 1, 6, 3]], y[[4, 0, 7, 2, 5, 1, 6, 3]]
        _check(
            submission,
            y_shuffled,
            s_shuffled,
            1,
            3,
            _show(y_shuffled, s_shuffled, 1, 3),
            "the same transactions shuffled: the answer is still 0.2 at a cost of 3",
        )

    def test_flagging_nothing_can_be_best(self, submission):
        # One fraud, scored below two legitimate transactions; a false alarm costs 10, a missed
        # fraud 1: inf costs 1, 0.9 costs 11, 0.8 costs 21, 0.3 costs 20, 0.1 costs 30.
        y = np.array([1, 0, 0, 0])
        s = np.array([0.3, 0.9, 0.8, 0.1])
        _check(
            submission,
            y,
            s,
            10,
            1,
            _show(y, s, 10, 1),
            "flagging nothing (threshold inf) costs 1 missed fraud = 1, less than any score: inf "
            "is a candidate",
        )
        y0 = np.array([0, 0, 0])
        _check(
            submission,
            y0,
            np.array([0.5, 0.2, 0.7]),
            1,
            1,
            _show(y0, [0.5, 0.2, 0.7], 1, 1),
            "without fraud, flagging nothing (inf) costs 0",
        )

    def test_flagging_everything_can_be_best(self, submission):
        # A missed fraud costs 100: the lowest score (0.1, a fraud) must be flagged. Cost: the 2
        # false alarms, at 1 each.
        y = np.array([1, 0, 0, 1])
        s = np.array([0.9, 0.5, 0.6, 0.1])
        _check(
            submission,
            y,
            s,
            1,
            100,
            _show(y, s, 1, 100),
            "the lowest score, 0.1, is the threshold that flags everything: 2 false alarms = 2",
        )

    def test_equal_costs_pick_the_highest_threshold(self, submission):
        # cost 1 and 1: inf 2, 0.9 1, 0.8 2, 0.7 1, 0.6 2 -> 0.9 and 0.7 tie at 1: 0.9.
        y = np.array([0, 1, 0, 1])
        s = np.array([0.6, 0.9, 0.8, 0.7])
        _check(
            submission,
            y,
            s,
            1,
            1,
            _show(y, s, 1, 1),
            "0.9 and 0.7 both cost 1: on equal cost, the highest threshold (fewer alerts) wins",
        )
        # inf costs 1 (a missed fraud), 0.7 costs 2, 0.5 costs 1 (a false alarm): inf wins.
        y2, s2 = np.array([0, 1]), np.array([0.7, 0.5])
        _check(
            submission,
            y2,
            s2,
            1,
            1,
            _show(y2, s2, 1, 1),
            "inf and 0.5 both cost 1: inf is the highest threshold of all",
        )
        # Costs in halves: 2.5 * 2 false alarms = 5 = 5 * 1 missed fraud.
        y3, s3 = np.array([1, 0, 0, 1]), np.array([0.2, 0.6, 0.4, 0.8])
        _check(
            submission,
            y3,
            s3,
            2.5,
            5,
            _show(y3, s3, 2.5, 5),
            "0.8 (one missed fraud: 5) and 0.2 (two false alarms: 2 * 2.5 = 5) cost the same: "
            "the higher, 0.8, wins",
        )

    def test_a_tie_is_flagged_whole(self, submission):
        # Two transactions score 0.5, a fraud and a legitimate one: a threshold flags both or
        # neither. Flagging only the fraud would cost 0, but no threshold does that.
        for y in ([1, 0], [0, 1]):
            _check(
                submission,
                np.array(y),
                np.array([0.5, 0.5]),
                3,
                2,
                _show(y, [0.5, 0.5], 3, 2),
                "both rows score 0.5, so 0.5 flags both (a false alarm: 3); inf flags neither (a "
                "missed fraud: 2): inf at 2, whatever the order of the tied rows",
            )
        y = np.array([0, 1, 0, 1, 1, 0, 0])
        s = np.array([0.6, 0.6, 0.3, 0.9, 0.3, 0.3, 0.1])
        _check(
            submission,
            y,
            s,
            1,
            2,
            _show(y, s, 1, 2),
            "the runs of equal scores (0.6 twice, 0.3 three times) are flagged whole",
        )

    def test_zero_costs(self, submission):
        y = np.array([0, 1, 0, 1, 0])
        s = np.array([0.9, 0.7, 0.5, 0.4, 0.1])
        _check(
            submission,
            y,
            s,
            0,
            1,
            _show(y, s, 0, 1),
            "false alarms are free: every threshold that catches both frauds costs 0, and the "
            "highest of them is 0.4, the lowest fraud score",
        )
        _check(
            submission,
            y,
            s,
            0,
            0,
            _show(y, s, 0, 0),
            "nothing costs anything: every candidate costs 0, so the highest, inf, wins",
        )

    def test_boolean_labels_lists_and_integer_scores(self, submission):
        y = [False, True, True, False, False]
        s = [3, 7, 2, 5, 0]
        # cost_fp=1, cost_fn=2: inf 4, 7 2, 5 3, 3 4, 2 2, 0 3: 7 and 2 tie at 2 -> 7.
        for labels, scores, what in (
            (y, s, "lists of booleans and integers"),
            (np.array(y), np.array(s), "NumPy arrays of dtype bool and int"),
        ):
            _check(
                submission,
                labels,
                scores,
                1,
                2,
                _show(labels, scores, 1, 2) + f" ({what})",
                "booleans are labels (True is fraud); integer scores are thresholds like any "
                "other, returned as a float (7.0)",
            )

    def test_returns_a_tuple_of_floats(self, submission):
        y, s = np.array([1, 0, 1]), np.array([3, 1, 2])
        got = call(
            submission.best_threshold,
            y,
            s,
            1,
            1,
            doing="best_threshold on integer scores",
            why="the inputs are valid",
        )
        _pair(got, _show(y, s, 1, 1))

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.best_threshold,
            reference.best_threshold,
            _compare,
            "best_threshold",
        )

    def test_vectorised(self, submission):
        assert_vectorised(submission, _best_rows, 200, 5000, "best_threshold")
        y, s = _rows(5000)
        _check(
            submission,
            y,
            s,
            1.0,
            10.0,
            "best_threshold on 5,000 transactions, cost_fp=1, cost_fn=10",
            "speed earns nothing without the right answer",
        )

    def test_inputs_not_modified(self, submission):
        before_y = np.array([1, 0, 1, 0, 0, 1])
        before_s = np.array([0.4, 0.8, 0.4, 0.1, 0.6, 0.9])
        y, s, y_bool, s2 = before_y.copy(), before_s.copy(), before_y.astype(bool), before_s.copy()
        call(submission.best_threshold, y, s, 1, 4, doing="best_threshold", why="valid inputs")
        call(
            submission.best_threshold, y_bool, s2, 1, 4, doing="best_threshold", why="valid inputs"
        )
        for name, now, was in (
            ("y_true", y, before_y),
            ("scores", s, before_s),
            ("y_true (booleans)", y_bool, before_y.astype(bool)),
            ("scores (with boolean labels)", s2, before_s),
        ):
            if now.dtype != was.dtype or not np.array_equal(now, was):
                fail(
                    f"best_threshold changed its input {name}: it was {was.tolist()}, it is now "
                    f"{now.tolist()}; sort a copy (np.argsort), never the caller's array"
                )

    def test_rejects_bad_costs(self, submission):
        y, s = np.array([1, 0, 1]), np.array([0.9, 0.1, 0.7])
        for cost_fp, cost_fn in ((-1, 5), (1, -5), (np.nan, 5), (1, np.inf)):
            expect_raises(
                ValueError,
                submission.best_threshold,
                y,
                s,
                cost_fp,
                cost_fn,
                why=f"cost_fp={cost_fp}, cost_fn={cost_fn}: a cost is a finite amount >= 0 (a "
                "negative cost would reward mistakes)",
            )

    def test_rejects_bad_shapes(self, submission):
        expect_bad_shapes_rejected(submission.best_threshold, 1, 5)

    def test_rejects_bad_values(self, submission):
        expect_bad_labels_rejected(submission.best_threshold, 1, 5)
        expect_bad_scores_rejected(submission.best_threshold, 1, 5)
