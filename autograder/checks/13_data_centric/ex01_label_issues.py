"""Checks for 13_data_centric/ex01_label_issues (see solutions/13_data_centric/ex01_label_issues.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from autograder.assertions import CheckFailure, assert_close, differential, expect_raises, fail


def _proba(rows) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


def _binary(p1) -> np.ndarray:
    p1 = np.array(p1, dtype=np.float64)
    return np.c_[1.0 - p1, p1]


def _issues(submission, y, P, where: str) -> np.ndarray:
    try:
        got = submission.find_label_issues(y, P)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"find_label_issues raised {type(exc).__name__}: {exc}, on {where}")
    return _as_indices(got, where)


def _as_indices(got: Any, where: str) -> np.ndarray:
    if not isinstance(got, np.ndarray):
        fail(f"find_label_issues returned a {type(got).__name__}, on {where}: return an ndarray")
    if got.ndim != 1 or not np.issubdtype(got.dtype, np.integer):
        fail(
            f"find_label_issues returned an array of dtype {got.dtype} and shape {got.shape}, "
            f"on {where}: expected a 1-D int64 array of row positions"
        )
    return np.array(got, dtype=np.int64).view(np.ndarray)


def _expect(got: np.ndarray, want, where: str, why: str) -> None:
    want = np.asarray(want, dtype=np.int64)
    if got.shape != want.shape or not np.array_equal(got, want):
        fail(
            f"find_label_issues flagged rows {got.tolist()}, expected {want.tolist()}, on {where}: {why}"
        )


# Hand-computed cases (the reasoning is in each `why`).

# Binary; t0 = mean(.9, .8, .7, .2) = .65, t1 = mean(.9, .7) = .8. Row 3 (labelled 0, p1 = .8)
# reaches t1 exactly: C[0][1] = 1. Row 5 (labelled 1, p1 = .7) reaches no threshold: not counted.
# C = [[3, 1], [0, 1]]; calibrated Q = [[3, 1], [0, 2]]: one issue in class 0, none in class 1.
CASE_A = ([0, 0, 0, 0, 1, 1], _binary([0.1, 0.2, 0.3, 0.8, 0.9, 0.7]))
WHY_A = (
    "the thresholds are t0 = mean(.9, .8, .7, .2) = .65 and t1 = mean(.9, .7) = .8; row 3 (label 0) "
    "has p1 = .8 >= t1 (>=, with the 1e-6 tolerance), so C[0][1] = 1; row 5 (label 1, p1 = .7, "
    "p0 = .3) reaches no threshold and is not counted. C = [[3, 1], [0, 1]], calibrated "
    "[[3, 1], [0, 2]]: one issue labelled 0 (row 3) and none labelled 1; row 5 is below its "
    "threshold but the counts do not make it an issue"
)

# Calibration and rounding: class 0 has 6 rows, two of them (rows 4, 5: p0 = .7 < t0 = .725)
# not counted; C[0] = [3, 1] scaled to 6 rows is [4.5, 1.5] -> 2 issues: row 3 (margin .8) and
# the lower of the tied rows 4 and 5 (margin -.4).
CASE_B = ([0] * 6 + [1] * 3, _binary([0.05, 0.05, 0.05, 0.9, 0.3, 0.3, 0.9, 0.9, 0.6]))
WHY_B = (
    "t0 = .725, t1 = .8; C[0] = [3, 1] (rows 4 and 5, p0 = .7, reach no threshold); calibrated "
    "to the 6 rows labelled 0 it is [4.5, 1.5], and 1.5 rounds (halves up) to 2 issues: row 3 "
    "(the largest margin, .8) and row 4 (rows 4 and 5 tie at margin -.4: the lower index first). "
    "Without calibrating to the row count, or with the count floored, only 1 row is flagged"
)

# A single global threshold fails a class-imbalanced case: the rare class 1 is predicted with low
# probability (t1 = .4), so row 7 (label 0, p1 = .4) reaches t1; a global threshold (.805) does not.
CASE_C = ([0] * 8 + [1] * 2, _binary([0.05] * 7 + [0.4, 0.35, 0.45]))
WHY_C = (
    "class 1 is rare and predicted with little confidence: t1 = mean(.35, .45) = .4, while "
    "t0 = .90625. Row 7 (label 0, p1 = .4) reaches t1, so C[0][1] = 1 and it is the one issue. "
    "One threshold for all classes (.805, the mean self-confidence) would find nothing, and "
    "flagging every row below its class threshold would add row 8"
)

# Multi-class: the class counted is the most probable AMONG the classes at their thresholds.
# Row 3 (label 0, [.1, .5, .4]): class 1 is the argmax but below t1 = .9; class 2 reaches t2 = .35.
CASE_D = (
    [0, 0, 0, 0, 1, 1, 1, 2, 2, 2],
    _proba(
        [[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.1, 0.5, 0.4]]
        + [[0.05, 0.9, 0.05]] * 3
        + [[0.3, 0.3, 0.4], [0.35, 0.35, 0.3], [0.3, 0.35, 0.35]]
    ),
)
WHY_D = (
    "t = [.7, .9, .35]; row 3 (label 0, p = [.1, .5, .4]) is below t0 and t1 but reaches t2, so "
    "it counts in C[0][2] (the most probable class among those at their threshold, not the "
    "argmax over all classes, which is below its own threshold): one issue labelled 0"
)

# Pruning order: one issue among rows labelled 0; row 4 has the largest margin
# (max other - self = .65 - .35 = .3), row 3 the lowest self-confidence (.30, margin .05).
CASE_E = (
    [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2],
    _proba(
        [[0.9, 0.05, 0.05]] * 3
        + [[0.30, 0.35, 0.35], [0.35, 0.65, 0.0]]
        + [[0.1, 0.6, 0.3]] * 3
        + [[0.1, 0.1, 0.8]] * 3
    ),
)
WHY_E = (
    "t = [.67, .6, .8]; C[0] = [3, 1, 0] (row 4 reaches t1; row 3 reaches nothing), calibrated to "
    "5 rows [3.75, 1.25, 0]: one issue labelled 0. It is the row with the largest margin "
    "max_{j != i} p[j] - p[i]: row 4 (.65 - .35 = .3), not row 3 (.35 - .30 = .05), although "
    "row 3 has the lowest self-confidence"
)

# A tie between the classes at their threshold goes to the lowest class. Row 0 (label 0,
# p = [.4, .4, .2]) reaches t0 = .3667 and t1 = .4 with the same probability: C[0][0], not C[0][1].
CASE_F = (
    [0, 0, 0, 1, 1, 2, 2],
    _proba(
        [[0.4, 0.4, 0.2], [0.5, 0.1, 0.4], [0.2, 0.1, 0.7], [0.1, 0.5, 0.4]]
        + [[0.3, 0.3, 0.4], [0.1, 0.1, 0.8], [0.2, 0.1, 0.7]]
    ),
)
WHY_F = (
    "t = [.3667, .4, .75]; row 0 (label 0, p = [.4, .4, .2]) reaches t0 and t1 with the same "
    "probability .4: the tie goes to the lowest class index, so it counts in C[0][0]. C[0] = "
    "[2, 0, 0] (row 2 reaches nothing), C[1] = [0, 1, 0], C[2] = [0, 0, 1]: no issue. Counting "
    "row 0 under class 1 (the highest tied class) makes C[0] = [1, 1, 0], calibrated [1.5, 1.5, 0], "
    "and flags rows 0 and 2"
)


def _generated_cases():
    """Seeded (y, pred_proba) of growing size: K classes, informative probabilities, flips."""
    for seed in range(40):
        rng = np.random.default_rng(7000 + seed)
        K = int(rng.integers(2, 5))
        n = int(rng.integers(3 * K, 3 * K + 10 + 6 * seed))
        truth = np.r_[np.arange(K), rng.integers(0, K, size=n - K)]
        alpha = np.ones((n, K)) * rng.uniform(0.3, 1.5)
        alpha[np.arange(n), truth] += rng.uniform(1.0, 6.0, size=n)
        P = np.array([rng.dirichlet(a) for a in alpha])
        if seed % 4 == 0:
            P = np.round(P, 1)  # coarse probabilities: ties in thresholds and margins
            P = np.clip(P, 0.0, 1.0)
        y = truth.copy()
        flip = rng.random(n) < rng.uniform(0.05, 0.3)
        flip[:K] = False
        y[flip] = (y[flip] + rng.integers(1, K, size=flip.sum())) % K
        desc = f"seed {seed}: {n} rows, {K} classes, {int(flip.sum())} labels flipped"
        yield desc, (lambda fn, y=y, P=P: fn(y, P))


def _compare(got, expected, where) -> None:
    got = _as_indices(got, where)
    if not np.array_equal(got, np.asarray(expected)):
        extra = sorted(set(got.tolist()) - set(expected.tolist()))[:8]
        missing = sorted(set(expected.tolist()) - set(got.tolist()))[:8]
        fail(
            f"{where}: flagged {len(got)} rows, expected {len(expected)}; flagged but not "
            f"expected: {extra}; expected but not flagged: {missing} (or the order differs: "
            "positions sorted ascending)"
        )


def _blobs(seed: int = 3, n: int = 450, rate: float = 0.12):
    X, truth = make_blobs(n_samples=n, centers=3, cluster_std=2.2, n_features=2, random_state=seed)
    rng = np.random.default_rng(seed)
    y = truth.copy()
    flipped = np.flatnonzero(rng.random(n) < rate)
    y[flipped] = (y[flipped] + rng.integers(1, 3, size=flipped.size)) % 3
    return X, y, flipped


def _fits_given_model(module, X, y) -> bool:
    """In the learner's process: whether out_of_fold_proba fitted the model it was given."""
    model = LogisticRegression()
    module.out_of_fold_proba(model, X, y, 3, 0)
    return hasattr(model, "coef_")


class TestFindLabelIssues:
    def test_hand_computed_binary(self, submission):
        y, P = CASE_A
        got = _issues(submission, y, P, "the hand-computed binary case A")
        _expect(got, [3], "case A (y = [0,0,0,0,1,1], p1 = [.1,.2,.3,.8,.9,.7])", WHY_A)

    def test_calibrated_counts_rounded(self, submission):
        y, P = CASE_B
        got = _issues(submission, y, P, "case B")
        _expect(
            got, [3, 4], "case B (y = 6 zeros, 3 ones; p1 = [.05,.05,.05,.9,.3,.3,.9,.9,.6])", WHY_B
        )

    def test_threshold_per_class_on_imbalanced_classes(self, submission):
        y, P = CASE_C
        got = _issues(submission, y, P, "case C")
        _expect(got, [7], "case C (8 zeros, 2 ones; p1 = [.05 x7, .4, .35, .45])", WHY_C)

    def test_multiclass_counts_among_confident_classes(self, submission):
        y, P = CASE_D
        got = _issues(submission, y, P, "case D (3 classes)")
        _expect(got, [3], "case D", WHY_D)
        y, P = CASE_E
        got = _issues(submission, y, P, "case E (3 classes)")
        _expect(got, [4], "case E", WHY_E)
        y, P = CASE_F
        got = _issues(submission, y, P, "case F (3 classes)")
        _expect(got, [], "case F", WHY_F)

    def test_result_sorted_int64_and_empty(self, submission):
        # Class 1 first in y: flagged rows from class 1 come before class 0's in position order.
        y = [1, 1, 1, 0, 0, 0, 0, 1]
        P = _binary([0.9, 0.8, 0.2, 0.1, 0.1, 0.1, 0.95, 0.85])
        got = submission.find_label_issues(np.array(y), P)
        if not isinstance(got, np.ndarray) or got.dtype != np.int64:
            fail(
                f"find_label_issues returned {type(got).__name__} of dtype "
                f"{getattr(got, 'dtype', None)}, expected an int64 ndarray (row positions)"
            )
        _expect(
            _as_indices(got, "a binary case"),
            [2, 6],
            "y = [1,1,1,0,0,0,0,1], p1 = [.9,.8,.2,.1,.1,.1,.95,.85]",
            "row 2 (label 1, p1 = .2, p0 = .8 >= t0 = .6625) and row 6 (label 0, p1 = .95 >= "
            "t1 = .6875) are the issues, returned sorted by position (not grouped by class)",
        )
        clean = _issues(submission, [0, 0, 1, 1], _binary([0.1, 0.2, 0.8, 0.9]), "clean labels")
        _expect(
            clean, [], "y = [0,0,1,1], p1 = [.1,.2,.8,.9]", "no label disagrees: an empty array"
        )

    def test_accepts_lists_and_python_ints(self, submission):
        y, P = CASE_A
        got = _issues(submission, list(y), P.tolist(), "case A given as Python lists")
        _expect(got, [3], "case A as lists", "lists are array-likes: the same answer")

    def test_matches_reference_on_generated_cases(self, submission, reference):
        differential(
            _generated_cases(),
            submission.find_label_issues,
            reference.find_label_issues,
            _compare,
            "find_label_issues(y, pred_proba)",
        )

    def test_finds_planted_flips(self, submission, reference):
        X, y, flipped = _blobs()
        P = reference.out_of_fold_proba(LogisticRegression(), X, y, 5, 0)
        got = _issues(submission, y, P, "450 blobs of 3 classes with 12 % of labels flipped")
        hits = np.isin(got, flipped).sum()
        recall = hits / flipped.size
        precision = hits / max(len(got), 1)
        # The reference: recall 0.83, precision 0.78 here (floors 0.6 and 0.6).
        if recall < 0.6 or precision < 0.6:
            fail(
                f"on 450 rows (3 Gaussian blobs, {flipped.size} labels flipped, out-of-fold "
                f"LogisticRegression probabilities) find_label_issues flagged {len(got)} rows, "
                f"{hits} of them flipped: recall {recall:.2f}, precision {precision:.2f}; "
                "confident learning should find most flips (recall >= 0.6) and flag few clean "
                "rows (precision >= 0.6)"
            )

    def test_bad_inputs_raise(self, submission):
        y, P = CASE_A
        y = np.array(y)
        cases = [
            ("y of floats", y.astype(float), P),
            ("y of bools", y.astype(bool), P),
            ("a 2-D y", y.reshape(-1, 1), P),
            ("a 1-D pred_proba", y, P[:, 1]),
            ("pred_proba with one column", np.zeros(6, dtype=int), P[:, :1]),
            ("a NaN probability", y, np.where(np.eye(6, 2, dtype=bool), np.nan, P)),
            ("a probability above 1", y, P * 1.5),
            ("a negative probability", y, P - 0.2),
            ("lengths that differ", y[:5], P),
            ("a label of 2 with 2 columns", np.array([0, 0, 0, 0, 1, 2]), P),
            ("a negative label", np.array([0, 0, 0, -1, 1, 1]), P),
            ("class 1 with no row", np.zeros(6, dtype=int), P),
        ]
        for what, yy, PP in cases:
            expect_raises(
                ValueError,
                submission.find_label_issues,
                yy,
                PP,
                why=f"{what} must be refused with a ValueError that says what is wrong",
            )


class TestOutOfFoldProba:
    def test_matches_cross_val_predict(self, submission, reference):
        X, y, _ = _blobs(seed=5, n=150)
        for n_splits, seed in ((5, 0), (3, 11)):
            try:
                got = submission.out_of_fold_proba(LogisticRegression(), X, y, n_splits, seed)
            except (NotImplementedError, CheckFailure):
                raise
            except Exception as exc:  # noqa: BLE001
                fail(f"out_of_fold_proba raised {type(exc).__name__}: {exc}")
            want = reference.out_of_fold_proba(LogisticRegression(), X, y, n_splits, seed)
            assert_close(
                np.asarray(got, dtype=np.float64),
                want,
                f"out_of_fold_proba(LogisticRegression(), X, y, {n_splits}, {seed}) on 150 rows",
                rtol=1e-6,
                atol=1e-8,
                why="each row's probabilities come from a clone fitted on the other folds of "
                "StratifiedKFold(n_splits, shuffle=True, random_state=seed), method='predict_proba'",
            )

    def test_rows_never_scored_by_a_model_that_saw_them(self, submission):
        # 1-nearest-neighbour: in-sample, every row is its own neighbour and gets probability 1
        # of its own (possibly wrong) label; out of fold, a flipped row gets its neighbours' label.
        X, y, flipped = _blobs(seed=9, n=120, rate=0.15)
        got = np.asarray(
            submission.out_of_fold_proba(KNeighborsClassifier(n_neighbors=1), X, y, 4, 0),
            dtype=np.float64,
        )
        own = got[np.arange(len(y)), y]
        if np.all(own == 1.0):
            fail(
                "with KNeighborsClassifier(n_neighbors=1), every row got probability 1 for its own "
                "label: the rows were scored by a model fitted on them (in-sample). Confident "
                "learning then trusts every label, wrong ones included"
            )

    def test_model_left_unfitted(self, submission):
        X, y, _ = _blobs(seed=5, n=90)
        if submission.observe(_fits_given_model, X, y):
            fail(
                "out_of_fold_proba fitted the model it was given (it now has coef_): fit clones "
                "(sklearn.base.clone), and leave the caller's model as it was"
            )
