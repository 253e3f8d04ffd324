"""Checks for 04_evaluation/ex01_threshold_metrics (see solutions/04_evaluation/ex01_threshold_metrics.py for the reference)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from autograder.assertions import differential, expect_raises, fail

from ._shared import (
    call,
    expect_bad_labels_rejected,
    expect_bad_scores_rejected,
    expect_bad_shapes_rejected,
)

# ex01 · threshold_metrics

COUNTS = ("tp", "fp", "fn", "tn")
RATES = ("precision", "recall", "f1", "fpr")
KEYS = COUNTS + RATES


def _metrics(value: Any, where: str) -> dict:
    """The learner's dict, checked for its keys and the types of its values."""
    if type(value) is not dict:
        fail(f"{where}: threshold_metrics should return a dict, got {type(value).__name__}")
    if set(value) != set(KEYS):
        fail(
            f"{where}: the dict has keys {sorted(map(str, value))}, expected exactly {sorted(KEYS)}"
        )
    for key in COUNTS:
        if type(value[key]) is not int:
            fail(
                f"{where}: {key} is {value[key]!r} of type {type(value[key]).__name__}; the counts "
                "are plain Python ints (int(...)), which json.dumps can write, unlike NumPy's"
            )
    for key in RATES:
        if type(value[key]) is not float:
            fail(
                f"{where}: {key} is {value[key]!r} of type {type(value[key]).__name__}; the rates "
                "are plain Python floats (float(...))"
            )
    return value


def _expected(y, s, t) -> dict:
    """The contract, written the long way (one transaction at a time)."""
    tp = fp = fn = tn = 0
    for label, score in zip(np.asarray(y).tolist(), np.asarray(s).tolist(), strict=True):
        flagged, fraud = score >= t, label == 1
        tp += flagged and fraud
        fp += flagged and not fraud
        fn += fraud and not flagged
        tn += not fraud and not flagged
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return dict(tp=tp, fp=fp, fn=fn, tn=tn, precision=precision, recall=recall, f1=f1, fpr=fpr)


def _compare(got: Any, expected: dict, where: str, why: str = "") -> None:
    got = _metrics(got, where)
    extra = f"; {why}" if why else ""
    for key in COUNTS:
        if got[key] != expected[key]:
            want = {k: expected[k] for k in COUNTS}
            yours = {k: got[k] for k in COUNTS}
            fail(
                f"{where}: {key} = {got[key]}, expected {expected[key]} (all counts expected: "
                f"{want}, yours: {yours}){extra}"
            )
    for key in RATES:
        value = got[key]
        if np.isnan(value):
            fail(
                f"{where}: {key} is NaN, expected {expected[key]!r}; a rate whose denominator is "
                f"zero is 0.0 by the contract{extra}"
            )
        if not np.isclose(value, expected[key], rtol=1e-12, atol=1e-15):
            fail(f"{where}: {key} = {value!r}, expected {expected[key]!r}{extra}")


def _check(submission, y, s, t, what: str, why: str = "") -> None:
    expected = _expected(y, s, t)  # before the call, which may change y or s
    got = call(
        submission.threshold_metrics,
        y,
        s,
        t,
        doing=what,
        why=why or "this input is valid and has an answer",
    )
    _compare(got, expected, what, why)


def _warnings_raised(module, y, s, t) -> list[str]:
    """The warnings threshold_metrics(y, s, t) emits (run in the learner's process)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        module.threshold_metrics(y, s, t)
    return [f"{w.category.__name__}: {w.message}" for w in caught]


def _generated_cases():
    """Seeded inputs, smallest first: 1 to 200 transactions; continuous scores, scores with many
    ties, integer scores, boolean labels, lists, all-fraud and fraud-free labels; thresholds taken
    from the scores themselves (a tie exactly at the threshold), between them, outside their
    range, and +-inf."""
    kinds = ("continuous", "ties", "integer scores", "boolean labels", "all fraud", "no fraud")
    for n in (1, 2, 3, 5, 8, 20, 60, 200):
        for k, kind in enumerate(kinds):
            rng = np.random.default_rng(1000 + 10 * n + k)
            y = (rng.random(n) < 0.3).astype(np.int64)
            if kind == "all fraud":
                y[:] = 1
            elif kind == "no fraud":
                y[:] = 0
            if kind in ("ties", "boolean labels"):
                s = rng.integers(0, 4, n) / 4.0  # 0, 0.25, 0.5, 0.75: many ties
            elif kind == "integer scores":
                s = rng.integers(-3, 4, n)
            else:
                s = rng.random(n)
            labels: Any = y.astype(bool) if kind == "boolean labels" else y
            if kind == "integer scores":
                labels, s = labels.tolist(), s.tolist()
            picked = float(np.asarray(s)[rng.integers(n)])
            for t in (picked, picked + 1e-9, float(np.min(s)) - 1.0, np.inf, -np.inf):
                where = f"n={n} ({kind}), threshold={t!r}: y_true={labels!r}, scores={s!r}"
                if n > 8:
                    where = f"n={n} ({kind}, seed {1000 + 10 * n + k}), threshold={t!r}"
                yield where, lambda fn, y=labels, s=s, t=t: fn(_copy(y), _copy(s), t)


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else list(value)


# Eight transactions, four of them fraud; a threshold of 0.5 flags five (two of them legitimate).
Y8 = np.array([1, 0, 1, 0, 1, 0, 0, 1])
S8 = np.array([0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.5])


class TestThresholdMetrics:
    def test_hand_built_counts_and_rates(self, submission):
        # flagged at 0.5: rows 0,1,2,3,7 -> tp 3 (rows 0,2,7), fp 2 (rows 1,3); fn 1 (row 4), tn 2
        got = _metrics(
            call(
                submission.threshold_metrics,
                Y8.copy(),
                S8.copy(),
                0.5,
                doing="threshold_metrics(y_true, scores, 0.5) on 8 transactions",
                why="the inputs are valid",
            ),
            "threshold_metrics on 8 transactions at 0.5",
        )
        read_off = dict(tp=3, fp=2, fn=1, tn=2, precision=3 / 5, recall=3 / 4, f1=2 / 3, fpr=2 / 4)
        _compare(
            got,
            read_off,
            "threshold_metrics(y_true=[1,0,1,0,1,0,0,1], scores=[.9,.8,.7,.6,.4,.3,.2,.5], 0.5)",
            "flag every score >= 0.5 and count each (flagged, fraud) combination",
        )

    def test_score_exactly_at_threshold_is_flagged(self, submission):
        # Two rows sit exactly on the threshold, one fraud and one legitimate: `>` misses both.
        y = np.array([0, 1, 1, 0, 0])
        s = np.array([0.1, 0.3, 0.7, 0.3, 0.2])
        _check(
            submission,
            y,
            s,
            0.3,
            "threshold_metrics(y_true=[0,1,1,0,0], scores=[.1,.3,.7,.3,.2], 0.3)",
            "a score equal to the threshold is flagged (score >= threshold), so the two rows at "
            "exactly 0.3 are a true and a false positive",
        )
        just_above = float(np.nextafter(0.3, 1.0))
        _check(
            submission,
            y,
            s,
            just_above,
            f"threshold_metrics(same rows, threshold={just_above!r}, the next float above 0.3)",
            "a threshold a hair above 0.3 flags only the 0.7",
        )

    def test_infinite_thresholds(self, submission):
        y = np.array([1, 0, 0, 1, 0])
        s = np.array([0.2, 0.9, -3.0, 1.5, 0.0])
        _check(
            submission,
            y,
            s,
            np.inf,
            "threshold_metrics(y_true, scores, inf)",
            "a threshold of inf flags nothing: tp = fp = 0, and precision is 0.0",
        )
        _check(
            submission,
            y,
            s,
            -np.inf,
            "threshold_metrics(y_true, scores, -inf)",
            "a threshold of -inf flags every transaction: fn = tn = 0",
        )

    @pytest.mark.parametrize(
        ("y", "s", "t", "why"),
        [
            (
                [1, 0, 1],
                [0.2, 0.1, 0.3],
                0.5,
                "nothing is flagged: tp + fp = 0, so precision = 0.0",
            ),
            ([0, 0, 0], [0.2, 0.9, 0.6], 0.5, "there is no fraud: tp + fn = 0, so recall = 0.0"),
            ([1, 1, 1], [0.2, 0.9, 0.6], 0.5, "every row is fraud: fp + tn = 0, so fpr = 0.0"),
            (
                [1, 0, 0],
                [0.1, 0.9, 0.6],
                0.5,
                "two rows are flagged, both legitimate, and the fraud is missed: precision and "
                "recall are both 0, so f1 = 0.0",
            ),
        ],
        ids=["nothing-flagged", "no-fraud", "all-fraud", "precision-and-recall-zero"],
    )
    def test_zero_denominator_gives_zero(self, submission, y, s, t, why):
        _check(
            submission,
            np.array(y),
            np.array(s),
            t,
            f"threshold_metrics(y_true={y}, scores={s}, {t})",
            why + " (not NaN, not an exception)",
        )

    def test_zero_denominators_do_not_warn(self, submission):
        # Every zero denominator at once, then the cases one at a time.
        cases = [
            ([1, 0, 1], [0.2, 0.1, 0.3], 0.5),
            ([0, 0, 0], [0.2, 0.9, 0.6], 0.5),
            ([1, 1, 1], [0.2, 0.9, 0.6], 0.5),
            ([1, 0, 0], [0.1, 0.9, 0.6], 0.5),
        ]
        for y, s, t in cases:
            caught = submission.observe(_warnings_raised, np.array(y), np.array(s), t)
            if caught:
                fail(
                    f"threshold_metrics(y_true={y}, scores={s}, {t}) warned: {caught[0]}. A zero "
                    "denominator gives 0.0 without dividing at all (test the denominator first); "
                    "a warning in a metric evaluated every night floods the logs"
                )

    def test_boolean_labels(self, submission):
        for labels, what in (
            (Y8.astype(bool), "a NumPy boolean array"),
            (Y8.astype(bool).tolist(), "a list of True/False"),
        ):
            _check(
                submission,
                labels,
                S8.copy(),
                0.5,
                f"threshold_metrics with y_true as {what} (True is fraud)",
                "boolean labels mean the same as 1 and 0: True is fraud (NumPy cannot subtract "
                "booleans, and ~ on integers is not a logical not)",
            )

    def test_lists_and_integer_scores(self, submission):
        # Integer scores and an integer threshold, as plain lists.
        y, s = [0, 1, 1, 0, 1, 0], [3, 5, 2, 2, 7, -1]
        _check(
            submission,
            y,
            s,
            2,
            "threshold_metrics(y_true=[0,1,1,0,1,0], scores=[3,5,2,2,7,-1], 2) (lists of ints)",
            "lists and integer scores are valid inputs; 2 >= 2, so both rows scored 2 are flagged",
        )

    def test_returns_plain_types(self, submission):
        got = call(
            submission.threshold_metrics,
            Y8.copy(),
            S8.copy(),
            0.5,
            doing="threshold_metrics on 8 transactions",
            why="the inputs are valid",
        )
        _metrics(got, "threshold_metrics(y_true, scores, 0.5)")
        total = sum(got[k] for k in COUNTS)
        if total != len(Y8):
            fail(f"tp + fp + fn + tn = {total}, expected {len(Y8)}: one count per transaction")

    def test_inputs_not_modified(self, submission):
        y = Y8.copy()
        s = S8.copy()
        y_bool = Y8.astype(bool)
        call(
            submission.threshold_metrics,
            y,
            s,
            0.5,
            doing="threshold_metrics",
            why="the inputs are valid",
        )
        call(
            submission.threshold_metrics,
            y_bool,
            s,
            0.5,
            doing="threshold_metrics with boolean labels",
            why="boolean labels are valid",
        )
        for name, now, before in (
            ("y_true", y, Y8),
            ("scores", s, S8),
            ("y_true (booleans)", y_bool, Y8.astype(bool)),
        ):
            if now.dtype != before.dtype or not np.array_equal(now, before):
                fail(
                    f"threshold_metrics changed its input {name}: it was {before.tolist()}, it is "
                    f"now {now.tolist()}; the caller's arrays must be left as they were"
                )

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.threshold_metrics,
            reference.threshold_metrics,
            _compare,
            "threshold_metrics",
        )

    def test_rejects_bad_shapes(self, submission):
        expect_bad_shapes_rejected(submission.threshold_metrics, 0.5)

    def test_rejects_labels_other_than_0_and_1(self, submission):
        expect_bad_labels_rejected(submission.threshold_metrics, 0.5)

    def test_rejects_non_finite_scores(self, submission):
        expect_bad_scores_rejected(submission.threshold_metrics, 0.5)

    def test_rejects_nan_threshold(self, submission):
        expect_raises(
            ValueError,
            submission.threshold_metrics,
            np.array([1, 0, 1]),
            np.array([0.9, 0.1, 0.7]),
            np.nan,
            why="a NaN threshold flags nothing silently (every comparison with NaN is False)",
        )
