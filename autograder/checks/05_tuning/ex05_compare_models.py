"""Checks for 05_tuning/ex05_compare_models (see solutions/05_tuning/ex05_compare_models.py for the reference)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from scipy import stats

from autograder.assertions import differential, expect_raises, fail

# ex05 · corrected_ttest(scores_a, scores_b, n_train, n_test) -> (t, p)


def _ref(a, b, n_train, n_test, *, correction=True, df_shift=-1, two_sided=True, ddof=1):
    """The check's own corrected resampled t-test, and the usual mistakes as variants of it."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    k = len(d)
    if np.all(d == d[0]):
        return (0.0, 1.0) if d[0] == 0 else (math.copysign(math.inf, d[0]), 0.0)
    scale = 1 / k + (n_test / n_train if correction else 0.0)
    t = float(np.mean(d) / np.sqrt(scale * np.var(d, ddof=ddof)))
    tail = float(stats.t.sf(abs(t), k + df_shift))
    return t, (2 * tail if two_sided else tail)


def _mistakes(a, b, n_train, n_test) -> dict[str, tuple[float, float]]:
    """(t, p) as the usual wrong answers compute them, each named by what went wrong."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    k, d = len(a), a - b
    t, p = _ref(a, b, n_train, n_test)
    if np.all(d == d[0]):
        return {"d = scores_b - scores_a: t is positive when A scores higher": (-t, p)}
    naive = stats.ttest_rel(a, b)
    unpaired_t = float(
        (a.mean() - b.mean())
        / np.sqrt((1 / k + n_test / n_train) * (a.var(ddof=1) + b.var(ddof=1)))
    )
    return {
        "the ordinary paired t-test, with no correction: the variance is multiplied by 1/k "
        "alone, not by 1/k + n_test/n_train": (float(naive.statistic), float(naive.pvalue)),
        "an unpaired test (the two columns' variances instead of the variance of the "
        "fold-by-fold differences)": (
            unpaired_t,
            float(2 * stats.t.sf(abs(unpaired_t), k - 1)),
        ),
        "scipy's unpaired ttest_ind": tuple(map(float, stats.ttest_ind(a, b))),
        "a one-sided p-value (one tail): double it": (t, p / 2),
        "a one-sided p-value of the signed t (t.sf(t)): use the two tails, 2 * t.sf(|t|)": (
            t,
            float(stats.t.sf(t, k - 1)),
        ),
        "2 * t.sf(t) without the absolute value: above 1 when t < 0": (
            t,
            float(2 * stats.t.sf(t, k - 1)),
        ),
        f"{k} degrees of freedom instead of k - 1 = {k - 1}": _ref(
            a, b, n_train, n_test, df_shift=0
        ),
        "the population variance (ddof=0) instead of the sample variance (ddof=1)": _ref(
            a, b, n_train, n_test, ddof=0
        ),
        "the ratio n_train / n_test in the correction instead of n_test / n_train": _ref(
            a, b, n_test, n_train
        ),
        "the normal distribution instead of Student's t with k - 1 degrees of freedom": (
            t,
            float(2 * stats.norm.sf(abs(t))),
        ),
        "d = scores_b - scores_a: t is positive when A scores higher": (-t, p),
    }


def _pair(out: Any, where: str) -> tuple[float, float]:
    if not isinstance(out, tuple | list) or len(out) != 2:
        fail(f"{where}: should return a tuple (t, p), got {type(out).__name__}: {out!r:.100}")
    for name, v in zip("tp", out, strict=True):
        if isinstance(v, bool) or not isinstance(v, float | int | np.floating | np.integer):
            fail(f"{where}: {name} should be a float, got {type(v).__name__}: {v!r:.100}")
    return float(out[0]), float(out[1])


def _close(x: float, y: float, rtol: float, atol: float) -> bool:
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return math.isclose(x, y, rel_tol=rtol, abs_tol=atol)


def _same(got: tuple[float, float], expected: tuple[float, float]) -> bool:
    return _close(got[0], expected[0], 1e-9, 1e-12) and _close(got[1], expected[1], 1e-7, 1e-12)


def _check(out: Any, a, b, n_train, n_test, where: str, why: str = "") -> tuple[float, float]:
    """Fail unless `out` is the corrected test's (t, p) on these scores; name the mistake when
    the answer is that of a usual wrong computation."""
    got = _pair(out, where)
    expected = _ref(a, b, n_train, n_test)
    if _same(got, expected):
        return got
    for mistake, wrong in _mistakes(a, b, n_train, n_test).items():
        if _same(got, wrong) and not _same(wrong, expected):
            fail(
                f"{where}: got (t, p) = ({got[0]:.6g}, {got[1]:.6g}), expected "
                f"({expected[0]:.6g}, {expected[1]:.6g}); your numbers are those of {mistake}"
            )
    if not 0.0 <= got[1] <= 1.0:
        fail(f"{where}: p = {got[1]!r} is not a probability (expected {expected[1]:.6g})")
    fail(
        f"{where}: got (t, p) = ({got[0]:.6g}, {got[1]:.6g}), expected ({expected[0]:.6g}, "
        f"{expected[1]:.6g}){'; ' + why if why else ''}. With d = scores_a - scores_b, "
        "t = mean(d) / sqrt((1/k + n_test/n_train) * var(d, ddof=1)), p = 2 * t.sf(|t|, k - 1)"
    )


def _show(v) -> str:
    return "[" + ", ".join(f"{x:.4g}" for x in np.asarray(v, dtype=np.float64)) + "]"


def _generated_cases() -> Iterator[dict]:
    """Seeded pairs of fold scores, smallest first: k = 2 to 20 folds; k-fold sizes and
    repeated-holdout sizes; A better, B better, and no difference; correlated columns (as real
    fold scores are); exact ties between the models on some folds, and differences all equal."""
    seed = 5500
    for k in (2, 3, 4, 5, 7, 10, 20):
        for kind in ("A better", "B better", "no difference", "tied folds", "all equal"):
            seed += 1
            rng = np.random.default_rng(seed)
            fold = rng.uniform(0.6, 0.9, k)  # how hard each fold is: shared by both models
            shift = {"A better": 0.02, "B better": -0.015}.get(kind, 0.0)
            a = np.round(fold + rng.normal(0, 0.01, k), 4)
            b = np.round(fold - shift + rng.normal(0, 0.01, k), 4)
            if kind == "tied folds":
                b[: k // 2 + 1] = a[: k // 2 + 1]
            if kind == "all equal":
                a = np.round(fold * 64) / 64
                b = a - (0.0 if k % 2 else 0.125)
            n = int(rng.integers(100, 5000))
            sizes = (n * (k - 1) // k, n // k) if seed % 2 else (n - n // 5, n // 5)
            yield {
                "where": f"k={k} ({kind}), n_train={sizes[0]}, n_test={sizes[1]}, "
                f"scores_a={_show(a)}, scores_b={_show(b)}",
                "a": a,
                "b": b,
                "n_train": sizes[0],
                "n_test": sizes[1],
            }


class TestCorrectedTtest:
    def test_hand_computed_value(self, submission):
        # d = [0.01, 0.02, 0.03]: mean 0.02, var 0.0001, k = 3, n_test/n_train = 1/2.
        # t = 0.02 / sqrt((1/3 + 1/2) * 0.0001) = 2 / sqrt(5/6) = 2.19089...
        # Student's t with 2 degrees of freedom: p = 1 - t / sqrt(2 + t**2) = 0.15983...
        a, b = [0.84, 0.79, 0.90], [0.83, 0.77, 0.87]
        out = submission.corrected_ttest(a, b, 200, 100)
        t = 2 / math.sqrt(5 / 6)
        got = _check(out, a, b, 200, 100, "corrected_ttest(d = [0.01, 0.02, 0.03], 200, 100)")
        p = 1 - t / math.sqrt(2 + t * t)
        if not (_close(got[0], t, 1e-9, 0) and _close(got[1], p, 1e-7, 0)):
            fail(
                f"corrected_ttest(d = [0.01, 0.02, 0.03], 200, 100): expected ({t}, {p}), got {got}"
            )

    def test_two_folds_one_degree_of_freedom(self, submission):
        # 2-fold CV: d = [0.02, 0.04], mean 0.03, var 0.0002, n_test/n_train = 1.
        # t = 0.03 / sqrt((1/2 + 1) * 0.0002) = sqrt(3); with 1 degree of freedom (Cauchy)
        # p = 1 - (2/pi) * atan(sqrt(3)) = 1/3 exactly.
        a, b = [0.71, 0.86], [0.69, 0.82]
        out = submission.corrected_ttest(a, b, n_train=50, n_test=50)
        _check(
            out,
            a,
            b,
            50,
            50,
            "corrected_ttest([0.71, 0.86], [0.69, 0.82], n_train=50, n_test=50)",
            "t = sqrt(3) and p = 1/3 (Student's t with k - 1 = 1 degree of freedom)",
        )

    def test_paired_by_fold(self, submission):
        # The folds differ a lot in difficulty (0.60 to 0.90), and B is 0.008 to 0.012 below A
        # on every fold: paired, the evidence is strong (t = 9.43, p = 0.0007); comparing the
        # two columns as independent samples drowns it in the folds' spread (p near 0.9).
        a = np.array([0.70, 0.90, 0.80, 0.60, 0.75])
        b = a - np.array([0.010, 0.012, 0.008, 0.011, 0.009])
        out = submission.corrected_ttest(a.copy(), b.copy(), 80, 20)
        _check(
            out,
            a,
            b,
            80,
            20,
            f"corrected_ttest({_show(a)}, {_show(b)}, 80, 20)",
            "the test is paired: fold i of A against fold i of B, through d = a - b",
        )
        # Order matters: the same scores of B on other folds give another answer.
        b_shuffled = b[[1, 2, 3, 4, 0]]
        out = submission.corrected_ttest(a.copy(), b_shuffled.copy(), 80, 20)
        _check(
            out,
            a,
            b_shuffled,
            80,
            20,
            f"corrected_ttest({_show(a)}, {_show(b_shuffled)}, 80, 20) (B's scores moved to "
            "other folds)",
            "scores_b[i] is paired with scores_a[i]: moving B's scores to other folds changes d",
        )

    def test_correction_widens_the_variance(self, submission):
        # 10-fold CV on 1,000 rows: n_test / n_train = 100 / 900, so the variance grows by a
        # factor (1/10 + 1/9) / (1/10) = 2.11 and |t| shrinks by sqrt(2.11) against the paired
        # t-test: the p-value must be larger.
        rng = np.random.default_rng(551)
        fold = rng.uniform(0.7, 0.8, 10)
        a = np.round(fold + rng.normal(0.01, 0.01, 10), 4)
        b = np.round(fold + rng.normal(0.0, 0.01, 10), 4)
        out = submission.corrected_ttest(a.copy(), b.copy(), 900, 100)
        t, p = _pair(out, "corrected_ttest(10 folds, 900, 100)")
        naive = stats.ttest_rel(a, b)
        if math.isclose(p, float(naive.pvalue), rel_tol=1e-6):
            fail(
                f"corrected_ttest on 10 folds (n_train=900, n_test=100) gave p = {p:.4g}, the "
                f"ordinary paired t-test's p-value: the folds' training sets overlap, so the "
                "differences are correlated and the plain 1/k variance factor is too small. "
                "Multiply var(d) by (1/k + n_test/n_train)"
            )
        if not p > float(naive.pvalue):
            fail(
                f"p = {p:.4g} should be larger than the ordinary paired t-test's "
                f"{float(naive.pvalue):.4g}: the correction widens the variance"
            )
        _check(out, a, b, 900, 100, f"corrected_ttest({_show(a)}, {_show(b)}, 900, 100)")

    def test_two_sided_p_value(self, submission):
        # B better: t < 0. Two-sided p counts both tails: 2 * t.sf(|t|, k - 1), the same for t
        # and -t, and at most 1.
        a = [0.80, 0.78, 0.83, 0.79, 0.81]
        b = [0.82, 0.81, 0.83, 0.80, 0.84]
        out = submission.corrected_ttest(a, b, 400, 100)
        _check(out, a, b, 400, 100, "corrected_ttest(B better on 4 of 5 folds, 400, 100)")
        a2, b2 = [0.80, 0.79, 0.815, 0.78], [0.79, 0.77, 0.82, 0.775]
        _check(
            submission.corrected_ttest(a2, b2, 300, 100),
            a2,
            b2,
            300,
            100,
            "corrected_ttest(A better by a little, 300, 100)",
            "p is two-sided: the probability of a statistic at least as far from 0 as t, on "
            "either side",
        )

    def test_swapping_the_models(self, submission):
        a = [0.91, 0.88, 0.93, 0.90, 0.89, 0.92]
        b = [0.90, 0.88, 0.91, 0.87, 0.89, 0.90]
        where = "corrected_ttest(a, b, 500, 100) with A better on 4 of 6 folds"
        t, p = _pair(submission.corrected_ttest(a, b, 500, 100), where)
        t2, p2 = _pair(submission.corrected_ttest(b, a, 500, 100), "the same with a and b swapped")
        if not t > 0:
            fail(
                f"{where}: t = {t:.4g}, but A scores higher: d = scores_a - scores_b, so t > 0 "
                "when A is better"
            )
        if not (_close(t2, -t, 1e-9, 1e-12) and _close(p2, p, 1e-9, 1e-12)):
            fail(
                f"swapping A and B gave (t, p) = ({t2:.6g}, {p2:.6g}) against ({t:.6g}, {p:.6g}): "
                "it should negate t and leave the two-sided p unchanged"
            )
        _check((t, p), a, b, 500, 100, where)

    def test_every_fold_differs_by_the_same_amount(self, submission):
        # var(d) = 0: the formula divides by 0. The contract: no difference at all -> (0, 1);
        # the same non-zero difference on every fold -> (+-inf, 0). All values are exact in
        # binary, so d is exactly constant.
        a = np.array([0.75, 0.5, 0.875, 0.625])
        cases = [
            (a, a.copy(), (0.0, 1.0), "the same scores on every fold: t = 0.0, p = 1.0"),
            (a, a - 0.125, (math.inf, 0.0), "A better by 0.125 on every fold: t = inf, p = 0.0"),
            (a, a + 0.25, (-math.inf, 0.0), "B better by 0.25 on every fold: t = -inf, p = 0.0"),
        ]
        for x, y, expected, what in cases:
            where = f"corrected_ttest({_show(x)}, {_show(y)}, 300, 100) ({what})"
            got = _pair(submission.corrected_ttest(x.copy(), y.copy(), 300, 100), where)
            if not (_close(got[0], expected[0], 0, 0) and _close(got[1], expected[1], 0, 0)):
                fail(
                    f"{where}: got (t, p) = {got}, expected {expected}: when every difference "
                    "is the same, var(d) = 0; return (0.0, 1.0) if that difference is 0, else "
                    "(inf with its sign, 0.0), instead of dividing by 0"
                )

    def test_returns_floats_and_keeps_the_inputs(self, submission):
        a = np.array([0.62, 0.71, 0.66, 0.69])
        b = np.array([0.60, 0.70, 0.67, 0.65])
        a0, b0 = a.copy(), b.copy()
        out = submission.corrected_ttest(a, b, 150, 50)
        if not np.array_equal(a, a0) or not np.array_equal(b, b0):
            fail(
                "corrected_ttest changed the score arrays it was given: the caller still needs "
                "them (compute d = a - b into a new array)"
            )
        _check(out, a0, b0, 150, 50, "corrected_ttest(4 folds as numpy arrays, 150, 50)")
        for v, name in zip(out, "tp", strict=True):
            if not isinstance(v, float):
                fail(
                    f"{name} came back as {type(v).__name__}; return plain Python floats "
                    "(float(...))"
                )
        lists = submission.corrected_ttest(a0.tolist(), b0.tolist(), 150, 50)
        _check(lists, a0, b0, 150, 50, "corrected_ttest(the same scores as lists, 150, 50)")

    def test_rejects_invalid_input(self, submission):
        fn = submission.corrected_ttest
        a, b = [0.8, 0.7, 0.9, 0.85], [0.75, 0.7, 0.8, 0.8]
        expect_raises(
            ValueError,
            fn,
            a,
            [0.75],
            300,
            100,
            why="scores_a has 4 folds and scores_b 1: each fold needs its pair (broadcasting "
            "the one score would hide the mistake)",
        )
        expect_raises(
            ValueError,
            fn,
            [0.8],
            [0.75],
            300,
            100,
            why="one fold gives no variance: at least 2 folds are needed",
        )
        expect_raises(ValueError, fn, [], [], 300, 100, why="no folds at all")
        expect_raises(
            ValueError,
            fn,
            [a, a],
            [b, b],
            300,
            100,
            why="2-D scores: the scores are one row of k fold scores per model",
        )
        for bad, what in ((np.nan, "NaN"), (np.inf, "inf")):
            expect_raises(
                ValueError,
                fn,
                [0.8, 0.7, bad, 0.85],
                b,
                300,
                100,
                why=f"a score of {what}: a failed fold cannot be compared",
            )
        for n_train, n_test in ((0, 100), (-300, 100), (300, 0), (300, -100)):
            expect_raises(
                ValueError,
                fn,
                a,
                b,
                n_train,
                n_test,
                why=f"n_train={n_train}, n_test={n_test}: both are numbers of rows, positive",
            )

    def test_matches_reference_on_generated_cases(self, submission, reference):
        cases = list(_generated_cases())
        by_where = {case["where"]: case for case in cases}

        def runs():
            for case in cases:
                yield (
                    case["where"],
                    lambda fn, c=case: fn(c["a"].copy(), c["b"].copy(), c["n_train"], c["n_test"]),
                )

        def compare(got, expected, where):
            # `where` is "corrected_ttest, on <the case's where> (the smallest ...)"
            case = by_where[where.split(", on ", 1)[1].split(" (the smallest", 1)[0]]
            ref = _pair(expected, "the reference")
            if not _same(ref, _ref(case["a"], case["b"], case["n_train"], case["n_test"])):
                raise AssertionError(f"the check's formula disagrees with the reference: {where}")
            _check(got, case["a"], case["b"], case["n_train"], case["n_test"], where)

        differential(
            runs(),
            submission.corrected_ttest,
            reference.corrected_ttest,
            compare,
            "corrected_ttest",
        )
