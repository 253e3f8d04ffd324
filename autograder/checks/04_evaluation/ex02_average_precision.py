"""Checks for 04_evaluation/ex02_average_precision (see solutions/04_evaluation/ex02_average_precision.py for the reference)."""

from __future__ import annotations

import os
import sys
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

# ex02 · average_precision


def _ap_value(value: Any, where: str) -> float:
    if type(value) is not float:
        fail(
            f"{where}: average_precision should return a plain Python float (float(...)), got "
            f"{value!r} of type {type(value).__name__}"
        )
    if not np.isfinite(value):
        fail(f"{where}: got {value!r}; with at least one fraud, AP is a number between 0 and 1")
    return value


def _compare(got: Any, expected: Any, where: str, why: str = "") -> None:
    value = _ap_value(got, where)
    if abs(value - float(expected)) > 1e-12:
        fail(f"{where}: got {value!r}, expected {float(expected)!r}{'; ' + why if why else ''}")


def _sklearn_ap(y_true, scores) -> float:
    """scikit-learn's own answer, the yardstick of the contract (imported only by the one check
    that needs it: importing scikit-learn's metrics takes a second)."""
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(np.asarray(y_true), np.asarray(scores)))


def _definition_ap(y_true, scores) -> float:
    """The docstring's definition, counted another way: for each distinct score t (highest
    first), the frauds and the transactions scoring >= t, found by binary search."""
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=np.float64)
    t = np.unique(s)[::-1]
    flagged = len(s) - np.searchsorted(np.sort(s), t, side="left")
    caught = y.sum() - np.searchsorted(np.sort(s[y]), t, side="left")
    recall = caught / y.sum()
    return float(np.sum(np.diff(recall, prepend=0.0) * caught / flagged))


def _check(submission, y, s, expected: float, what: str, why: str) -> None:
    got = call(
        submission.average_precision,
        y,
        s,
        doing=what,
        why="this input is valid (it holds a fraud) and has an answer",
    )
    _compare(got, expected, what, why)


def _show(y, s) -> str:
    return f"y_true={np.asarray(y).tolist()}, scores={np.asarray(s).tolist()}"


def _generated_cases(seed0: int):
    """Seeded inputs, smallest first: 1 to 400 transactions, every one with at least a fraud;
    continuous scores, scores on a few levels (many ties, frauds and legitimate rows tied
    together), integer scores as lists, boolean labels, all fraud, a single fraud, and rare fraud
    (about 2%) with scores rounded to two decimals, as a deployed model reports them."""
    kinds = (
        "continuous",
        "many ties",
        "integer scores",
        "boolean labels",
        "all fraud",
        "single fraud",
        "rare fraud",
    )
    for n in (1, 2, 3, 4, 6, 10, 30, 100, 400):
        for k, kind in enumerate(kinds):
            seed = seed0 + 10 * n + k
            rng = np.random.default_rng(seed)
            rate = 0.02 if kind == "rare fraud" else 0.35
            y = (rng.random(n) < rate).astype(np.int64)
            if kind == "all fraud":
                y[:] = 1
            elif kind == "single fraud":
                y[:] = 0
            if not y.any():
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
            where = f"n={n} ({kind}): {_show(labels, s)}"
            if n > 10:
                where = f"n={n} ({kind}, seed {seed})"
            yield where, lambda fn, y=labels, s=s: fn(_copy(y), _copy(s))


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else list(value)


def _ap_rows(module, n: int):
    """average_precision on the first n of 5,000 seeded transactions (in the learner's process)."""
    rng = np.random.default_rng(7)
    y = (rng.random(5000) < 0.1).astype(np.int64)
    y[0] = 1
    return module.average_precision(y[:n], (rng.random(5000) + 0.3 * y)[:n])


def _sklearn_calls(module, y, s) -> list[str]:
    """The scikit-learn functions called while average_precision(y, s) runs, in the order of
    their first call, its metrics first (observed in the learner's process)."""
    marker = f"{os.sep}sklearn{os.sep}"
    seen: dict[str, None] = {}

    def profiler(frame, event, arg):  # noqa: ARG001
        path = frame.f_code.co_filename
        if event == "call" and marker in path:
            where = path.rsplit(marker, 1)[1].replace(os.sep, ".").removesuffix(".py")
            seen.setdefault(f"sklearn.{where}.{frame.f_code.co_qualname}", None)

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        module.average_precision(y, s)
    finally:
        sys.setprofile(previous)
    return sorted(seen, key=lambda name: not name.startswith("sklearn.metrics"))


class TestAveragePrecision:
    def test_hand_built_value(self, submission):
        # From the top: 0.9 fraud (P=1, R=1/2), 0.8 legit (R stays), 0.7 fraud (P=2/3, R=1):
        # AP = 1/2 * 1 + 1/2 * 2/3 = 5/6. Sorted the wrong way round it would be 1/2.
        _check(
            submission,
            np.array([1, 0, 1, 0]),
            np.array([0.9, 0.8, 0.7, 0.6]),
            5 / 6,
            "average_precision(y_true=[1,0,1,0], scores=[.9,.8,.7,.6])",
            "from the highest score down: 1/2 * 1 (after the 0.9) + 1/2 * 2/3 (after the 0.7); "
            "a staircase, not trapezoids, and the highest scores first",
        )

    def test_no_interpolation(self, submission):
        # A false alarm on top: the frauds at 0.8 and 0.7 bring recall to 1/2 at P=1/2, then 1 at
        # P=2/3. Interpolated precision (the best precision at any higher recall) would give 2/3.
        _check(
            submission,
            np.array([0, 1, 1]),
            np.array([0.9, 0.8, 0.7]),
            7 / 12,
            "average_precision(y_true=[0,1,1], scores=[.9,.8,.7])",
            "AP = 1/2 * 1/2 + 1/2 * 2/3 = 7/12: each recall step weighs the precision reached at "
            "that step, not the best precision further down the list (no interpolation)",
        )

    def test_tied_scores_form_one_step(self, submission):
        for y in ([1, 0], [0, 1]):
            _check(
                submission,
                np.array(y),
                np.array([0.5, 0.5]),
                0.5,
                f"average_precision(y_true={y}, scores=[0.5, 0.5])",
                "both rows score 0.5, so they are flagged together: one step to recall 1 at "
                "precision 1/2, whatever the order of the rows",
            )
        # 0.9: {fraud} P=1, R=1/3; 0.8: {legit, fraud} P=2/3, R=2/3; 0.3: {fraud, 2 legit}
        # P=1/2, R=1. AP = 1/3 + 2/9 + 1/6 = 13/18.
        y6 = np.array([0, 1, 1, 0, 0, 1])
        s6 = np.array([0.8, 0.8, 0.3, 0.3, 0.3, 0.9])
        _check(
            submission,
            y6,
            s6,
            13 / 18,
            f"average_precision({_show(y6, s6)})",
            "each run of equal scores is one step: 1/3 * 1 + 1/3 * 2/3 + 1/3 * 1/2",
        )

    def test_shuffling_rows_changes_nothing(self, submission):
        rng = np.random.default_rng(21)
        y = np.array([1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0])
        s = np.array([0.7, 0.7, 0.2, 0.2, 0.7, 0.9, 0.2, 0.9, 0.4, 0.4, 0.4, 0.2])
        expected = _definition_ap(y, s)
        for _ in range(6):
            p = rng.permutation(len(y))
            _check(
                submission,
                y[p],
                s[p],
                expected,
                f"average_precision({_show(y[p], s[p])})",
                "the same transactions in another order: with ties, a sort that keeps the input "
                "order inside a tie must not decide the answer (each tie is one step)",
            )

    def test_edge_cases_read_off(self, submission):
        cases = [
            ([1], [0.3], 1.0, "a single transaction, a fraud"),
            ([1, 1, 1], [0.2, 0.9, 0.5], 1.0, "every transaction is fraud: precision is always 1"),
            ([1, 1], [0.4, 0.4], 1.0, "all fraud, all tied"),
            ([0, 0, 1, 0], [0.6, 0.2, 0.9, 0.4], 1.0, "the only fraud scores highest"),
            ([0, 0, 1, 0, 0], [0.6, 0.2, 0.1, 0.4, 0.3], 0.2, "the only fraud scores lowest of 5"),
            ([0, 1, 0, 0], [0.5, 0.5, 0.5, 0.5], 0.25, "4 tied scores, 1 fraud: one step, P=1/4"),
        ]
        for y, s, expected, what in cases:
            _check(
                submission,
                np.array(y),
                np.array(s),
                expected,
                f"average_precision(y_true={y}, scores={s})",
                what,
            )

    def test_boolean_labels_lists_and_integer_scores(self, submission):
        y = [True, False, True, False, False, True]
        s = [3, 5, 3, -1, 0, 0]
        expected = _definition_ap(y, s)  # 5: legit; 3: 2 frauds; 0: fraud and legit; -1: legit
        _check(
            submission,
            y,
            s,
            expected,
            f"average_precision(y_true={y}, scores={s}) (lists; booleans; integer scores)",
            "booleans are labels (True is fraud), and integer scores rank like any other",
        )
        _check(
            submission,
            np.array(y),
            np.array(s),
            expected,
            "average_precision on the same values as NumPy arrays (dtype bool and int)",
            "booleans are labels (True is fraud), and integer scores rank like any other",
        )

    def test_matches_sklearn_on_generated_inputs(self, submission):
        differential(
            _generated_cases(2000),
            submission.average_precision,
            _sklearn_ap,
            _compare,
            "average_precision vs sklearn.metrics.average_precision_score",
        )

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(5000),
            submission.average_precision,
            reference.average_precision,
            _compare,
            "average_precision",
        )

    def test_does_not_call_sklearn(self, submission):
        y = np.array([1, 0, 1, 0, 0, 1, 0])
        s = np.array([0.9, 0.8, 0.8, 0.3, 0.2, 0.2, 0.1])
        called = submission.observe(_sklearn_calls, y, s)
        if called:
            fail(
                f"average_precision called scikit-learn ({', '.join(called[:3])}): this exercise "
                "is to compute AP with NumPy yourself (sort, cumulative sums, one step per "
                "distinct score); scikit-learn is only the yardstick"
            )
        _check(
            submission,
            y,
            s,
            _definition_ap(y, s),
            f"average_precision({_show(y, s)})",
            "a tie or two",
        )

    def test_vectorised(self, submission):
        assert_vectorised(submission, _ap_rows, 200, 5000, "average_precision")
        rng = np.random.default_rng(7)
        y = (rng.random(5000) < 0.1).astype(np.int64)
        y[0] = 1
        s = rng.random(5000) + 0.3 * y
        _check(
            submission,
            y,
            s,
            _definition_ap(y, s),
            "average_precision on 5,000 transactions",
            "speed earns nothing without the right answer",
        )

    def test_inputs_not_modified(self, submission):
        y = np.array([1, 0, 1, 0, 0, 1])
        s = np.array([0.4, 0.8, 0.4, 0.1, 0.6, 0.9])
        y_bool = y.astype(bool)
        s2 = s.copy()
        call(submission.average_precision, y, s, doing="average_precision", why="valid inputs")
        call(
            submission.average_precision, y_bool, s2, doing="average_precision", why="valid inputs"
        )
        before = np.array([0.4, 0.8, 0.4, 0.1, 0.6, 0.9])
        for name, now, was in (
            ("y_true", y, np.array([1, 0, 1, 0, 0, 1])),
            ("scores", s, before),
            ("y_true (booleans)", y_bool, np.array([1, 0, 1, 0, 0, 1], dtype=bool)),
            ("scores (with boolean labels)", s2, before),
        ):
            if now.dtype != was.dtype or not np.array_equal(now, was):
                fail(
                    f"average_precision changed its input {name}: it was {was.tolist()}, it is "
                    f"now {now.tolist()}; sort a copy (np.argsort), never the caller's array"
                )

    def test_rejects_labels_without_fraud(self, submission):
        for y in (np.array([0, 0, 0]), np.array([False, False, False])):
            expect_raises(
                ValueError,
                submission.average_precision,
                y,
                np.array([0.9, 0.1, 0.5]),
                why=f"y_true={y.tolist()} holds no fraud: recall, and so AP, is undefined",
            )

    def test_rejects_bad_shapes(self, submission):
        expect_bad_shapes_rejected(submission.average_precision)

    def test_rejects_bad_values(self, submission):
        expect_bad_labels_rejected(submission.average_precision)
        expect_bad_scores_rejected(submission.average_precision)
