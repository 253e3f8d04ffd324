"""Checks for 04_evaluation/ex04_alert_budget (see solutions/04_evaluation/ex04_alert_budget.py for the reference)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd

from autograder.assertions import differential, expect_raises, fail

# ex04 · precision_at_k

RULE = (
    "the k highest scores are reviewed; rows tied at the cut-off score count by their expected "
    "share: (positives above the cut-off + (k - rows above) * positives tied / rows tied) / k"
)


def _show(name: str, value: Any) -> str:
    """`name` and its values when they are few enough to read, else its length."""
    value = np.asarray(value)
    if value.size <= 12:
        text = np.array2string(value, precision=4, separator=", ").replace("\n", "")
        return f"{name}={text}"
    return f"{name} of length {value.size}"


def _expected(y: np.ndarray, s: np.ndarray, k: int) -> float:
    """The contract's formula, written independently of the reference solution."""
    cut = sorted(s.tolist(), reverse=True)[k - 1]
    pos_above = sum(int(t) for t, v in zip(y, s, strict=True) if v > cut)
    n_above = sum(1 for v in s if v > cut)
    tied = [int(t) for t, v in zip(y, s, strict=True) if v == cut]
    return (pos_above + (k - n_above) * sum(tied) / len(tied)) / k


def _precision(value: Any, where: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        fail(
            f"{where} should return a float (the precision), got {type(value).__name__}: "
            f"{value!r:.100}"
        )
    value = float(value)
    if not 0.0 <= value <= 1.0:
        fail(
            f"{where} returned {value!r}; a precision is a share of the k reviews, between 0 "
            "and 1 (did a division go wrong, or do tied rows count more than the budget left?)"
        )
    return value


def _call(submission, y, s, k, where: str) -> float:
    return _precision(submission.precision_at_k(y, s, k), where)


def _expect(got: float, want: float, where: str, why: str) -> None:
    if not np.isclose(got, want, rtol=1e-12, atol=1e-12):
        fail(f"{where}: got {got!r}, expected {want!r}; {why}")


def _generated_cases():
    """Seeded inputs, smallest first: 1 to 200 rows, distinct scores, scores rounded to one
    decimal (many ties) and scores with only three values; k at 1, in between and at n."""
    sizes = [1, 2, 3, 4, 6, 9, 15, 30, 80, 200]
    for i, n in enumerate(sizes):
        for kind in ("distinct scores", "scores rounded to 0.1", "three score values"):
            rng = np.random.default_rng(4400 + 7 * i + len(kind))
            y = (rng.random(n) < (0.4 if n < 20 else 0.1)).astype(np.int64)
            raw = rng.random(n) * 0.6 + 0.4 * y
            if kind == "scores rounded to 0.1":
                s = np.round(raw, 1)
            elif kind == "three score values":
                s = rng.choice([0.0, 0.5, 1.0], size=n, p=[0.5, 0.3, 0.2])
            else:
                s = raw
            for k in sorted({1, max(1, n // 3), max(1, n // 2 + 1), n}):
                yield (
                    f"{_show('y_true', y)}, {_show('scores', s)} ({kind}), k={k}",
                    lambda fn, y=y, s=s, k=k: fn(y.copy(), s.copy(), k),
                )


class TestPrecisionAtK:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        def compare(got, expected, where):
            _expect(_precision(got, where), expected, where, RULE)

        differential(
            _generated_cases(),
            submission.precision_at_k,
            reference.precision_at_k,
            compare,
            "precision_at_k(y_true, scores, k)",
        )

    def test_the_highest_scores_are_reviewed(self, submission):
        y = np.array([1, 1, 0, 0, 0, 0])
        s = np.array([0.95, 0.9, 0.3, 0.2, 0.1, 0.05])
        for k, want in ((1, 1.0), (2, 1.0), (3, 2 / 3), (4, 0.5)):
            got = _call(submission, y, s, k, f"precision_at_k({_show('y_true', y)}, scores, {k})")
            if k <= 2 and got == 0.0:
                fail(
                    f"with the two frauds scored highest (scores {s.tolist()}), k={k} gave 0.0: "
                    "you reviewed the lowest scores. The team reviews the k highest-scored rows "
                    "(sort in descending order)"
                )
            _expect(
                got,
                want,
                f"precision_at_k with scores {s.tolist()}, labels {y.tolist()}, k={k}",
                "the k highest-scored rows are reviewed; precision is the frauds among them / k",
            )

    def test_order_of_scores_not_of_rows(self, submission):
        # The frauds sit at the end of the arrays: taking the first k rows finds none of them.
        y = np.array([0, 0, 0, 1, 0, 1, 1])
        s = np.array([0.1, 0.4, 0.2, 0.8, 0.3, 0.9, 0.7])
        got = _call(submission, y, s, 3, "precision_at_k(y, s, 3)")
        _expect(
            got,
            1.0,
            f"precision_at_k with scores {s.tolist()}, labels {y.tolist()}, k=3",
            "the three highest scores (0.9, 0.8, 0.7) are all frauds, wherever they sit",
        )

    def test_ties_at_the_cut_off_count_by_expected_share(self, submission):
        # Cut-off 0.5 at k=2: one row above it (a fraud), three tied rows with one fraud among
        # them, one place left: 1/3 of a fraud expected. (1 + 1/3) / 2 = 2/3, in either order.
        s = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
        fraud_last, fraud_first = np.array([1, 0, 0, 1, 1]), np.array([1, 1, 0, 0, 1])
        where = f"precision_at_k(y_true, scores={s.tolist()}, k=2)"
        a = _call(submission, fraud_last, s, 2, where)
        b = _call(submission, fraud_first, s, 2, where)
        if not np.isclose(a, b, rtol=1e-12, atol=1e-12):
            fail(
                f"{where} gave {a} with y_true={fraud_last.tolist()} and {b} with "
                f"y_true={fraud_first.tolist()}: only the order of the three rows tied at 0.5 "
                "changed, so the tie was broken by row order. No one knows which tied row the "
                "team reviews: count each tied row by its expected share, (k - rows above) * "
                "positives tied / rows tied. Expected (1 + 1 * 1/3) / 2 = 2/3 for both"
            )
        if np.isclose(a, 0.5):
            fail(
                f"{where} gave 0.5, as if all three tied rows were reviewed (the precision over "
                "four rows), or as if a sort chose the one tied row reviewed. The budget is k=2: "
                "one row above the cut-off plus one place shared by the three tied rows, each "
                "counted by its expected share. Expected (1 + 1 * 1/3) / 2 = 2/3"
            )
        if np.isclose(a, 1.0):
            fail(
                f"{where} gave 1.0: the tied rows' fraud was counted in full. Only one place of "
                "the budget is left for three tied rows: expected (1 + 1 * 1/3) / 2 = 2/3"
            )
        _expect(a, 2 / 3, f"{where} with y_true={fraud_last.tolist()}", RULE)

    def test_tied_block_larger_than_the_rest_of_the_budget(self, submission):
        # k=3: one row above 0.8 (not a fraud), two places for four tied rows with two frauds.
        y = np.array([0, 1, 0, 1, 0, 1])
        s = np.array([0.9, 0.8, 0.8, 0.8, 0.8, 0.1])
        got = _call(submission, y, s, 3, "precision_at_k")
        _expect(
            got,
            (0 + 2 * 2 / 4) / 3,
            f"precision_at_k(y_true={y.tolist()}, scores={s.tolist()}, k=3)",
            "two places for four tied rows, half of them frauds: (0 + 2 * 2/4) / 3 = 1/3",
        )

    def test_ties_inside_the_budget_count_in_full(self, submission):
        # k=4: the cut-off is 0.3; the two rows at 0.7 are both above it and both reviewed.
        y = np.array([1, 0, 1, 0, 1, 0])
        s = np.array([0.7, 0.7, 0.9, 0.3, 0.3, 0.1])
        got = _call(submission, y, s, 4, "precision_at_k")
        _expect(
            got,
            (2 + 1 * 1 / 2) / 4,
            f"precision_at_k(y_true={y.tolist()}, scores={s.tolist()}, k=4)",
            "cut-off 0.3: three rows above it (two frauds), one place for two tied rows (one "
            "fraud): (2 + 1 * 1/2) / 4 = 0.625",
        )

    def test_all_scores_tied(self, submission):
        y = np.array([0, 1, 0, 0, 1, 0, 0, 0])
        s = np.full(8, 0.42)
        for k in (1, 3, 8):
            got = _call(submission, y, s, k, f"precision_at_k with every score equal, k={k}")
            _expect(
                got,
                0.25,
                f"precision_at_k(y_true={y.tolist()}, eight equal scores, k={k})",
                "when every row ties, any k rows are as likely as any other: the expected "
                "precision is the fraud rate, 2/8",
            )

    def test_row_order_does_not_matter(self, submission):
        rng = np.random.default_rng(404)
        y = (rng.random(40) < 0.3).astype(int)
        s = np.round(rng.random(40) * 0.7 + 0.3 * y, 1)  # many ties
        # k=5: 3 rows above the cut-off 0.7, 2 places for 5 tied rows (3 frauds among them);
        # k=15: 12 rows above 0.5, 3 places for 9 tied rows (1 fraud).
        for k in (5, 15):
            want = _expected(y, s, k)
            for trial in range(4):
                order = rng.permutation(40)
                got = _call(submission, y[order], s[order], k, "precision_at_k")
                if not np.isclose(got, want, rtol=1e-12, atol=1e-12):
                    fail(
                        f"the same 40 rows (scores rounded to 0.1, so they tie) in another order "
                        f"(shuffle {trial + 1}), k={k}, gave {got!r}, expected {want!r}: the "
                        "answer must not depend on the order of the rows. Rows tied at the "
                        "cut-off count by their expected share, not by which of them a sort "
                        "puts first"
                    )

    def test_k_at_its_bounds(self, submission):
        y = np.array([0, 1, 1, 0, 0])
        s = np.array([0.2, 0.6, 0.9, 0.4, 0.1])
        got = _call(submission, y, s, 1, "precision_at_k(y, s, k=1)")
        _expect(got, 1.0, "precision_at_k with k=1", "the single highest score (0.9) is a fraud")
        got = _call(submission, y, s, 5, "precision_at_k(y, s, k=5)")
        _expect(
            got,
            0.4,
            "precision_at_k with k equal to the number of rows (5)",
            "reviewing every row finds every fraud: the precision is the fraud rate, 2/5",
        )

    def test_numpy_integer_k_accepted(self, submission):
        y = np.array([0, 1, 1, 0, 0])
        s = np.array([0.2, 0.6, 0.9, 0.4, 0.1])
        for k in (np.int64(2), np.int32(2)):
            try:
                got = submission.precision_at_k(y, s, k)
            except NotImplementedError:
                raise
            except Exception as exc:
                fail(
                    f"k={type(k).__name__}(2) raised {type(exc).__name__}: {exc}; a NumPy integer "
                    "is an integer (k often comes from an array, e.g. a daily capacity table)"
                )
            _expect(_precision(got, "precision_at_k"), 1.0, f"k={type(k).__name__}(2)", RULE)

    def test_rejects_k_out_of_range(self, submission):
        y = np.array([0, 1, 1, 0, 0])
        s = np.array([0.2, 0.6, 0.9, 0.4, 0.1])
        for k, why in (
            (0, "k=0 reviews nothing: there is no precision of zero reviews"),
            (-1, "k=-1 is not a number of reviews (and s[-1] would silently pick a row)"),
            (6, "k=6 is more than the 5 rows: a budget larger than the data is not a top-k"),
        ):
            expect_raises(ValueError, submission.precision_at_k, y, s, k, why=why)

    def test_rejects_k_that_is_not_an_integer(self, submission):
        y = np.array([0, 1, 1, 0, 0])
        s = np.array([0.2, 0.6, 0.9, 0.4, 0.1])
        for k, why in (
            (True, "k=True is a bool, not a number of reviews (True would count as 1)"),
            (2.0, "k=2.0 is a float; the contract asks for an integer"),
            (2.5, "half a review is not a budget"),
            ("2", "k='2' is a string"),
        ):
            expect_raises(ValueError, submission.precision_at_k, y, s, k, why=why)

    def test_rejects_bad_inputs(self, submission):
        y = np.array([0, 1, 1, 0, 0])
        s = np.array([0.2, 0.6, 0.9, 0.4, 0.1])
        expect_raises(
            ValueError,
            submission.precision_at_k,
            y,
            np.append(s, 0.3),
            2,
            why="y_true has 5 labels but scores has 6 values",
        )
        expect_raises(
            ValueError,
            submission.precision_at_k,
            np.append(y, 1),
            s,
            2,
            why="y_true has 6 labels but scores has 5 values",
        )
        expect_raises(
            ValueError,
            submission.precision_at_k,
            np.array([0, 2, 1, 0, 0]),
            s,
            2,
            why="the label 2 is neither 0 nor 1",
        )
        expect_raises(
            ValueError,
            submission.precision_at_k,
            y,
            np.array([0.2, np.nan, 0.9, 0.4, 0.1]),
            2,
            why="a NaN score has no rank",
        )
        expect_raises(
            ValueError,
            submission.precision_at_k,
            y.reshape(-1, 1),
            s.reshape(-1, 1),
            2,
            why="y_true and scores must be 1-D; these are (5, 1) columns",
        )

    def test_accepts_lists_booleans_and_series(self, submission):
        y = [False, True, True, False, False, True]
        s = [0.1, 0.8, 0.3, 0.5, 0.2, 0.9]
        want = 2 / 3  # top 3: 0.9 (fraud), 0.8 (fraud), 0.5 (not)
        got = _call(submission, y, s, 3, "precision_at_k on Python lists")
        _expect(got, want, "precision_at_k on lists, boolean labels", RULE)
        index = [51, 7, 13, 2, 40, 0]  # the rows of a test split: labels that are not positions
        got = _call(
            submission,
            pd.Series(y, index=index),
            pd.Series(s, index=index),
            3,
            "precision_at_k on pandas Series",
        )
        _expect(
            got,
            want,
            "precision_at_k on pandas Series indexed [51, 7, 13, 2, 40, 0]",
            "a Series' index is ignored: convert with np.asarray and work by position",
        )

    def test_inputs_not_modified(self, submission):
        y = np.array([0, 1, 0, 1, 0, 0, 1])
        s = np.array([0.3, 0.9, 0.1, 0.5, 0.5, 0.7, 0.2])
        y0, s0 = y.copy(), s.copy()
        submission.precision_at_k(y, s, 3)
        if not (np.array_equal(y, y0) and np.array_equal(s, s0)):
            fail(
                "precision_at_k changed the caller's y_true or scores (a sort in place?); sort a "
                "copy (np.sort) or an index array (np.argsort)"
            )
