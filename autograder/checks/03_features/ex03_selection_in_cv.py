"""Checks for 03_features/ex03_selection_in_cv (see solutions/03_features/ex03_selection_in_cv.py for the reference)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from autograder.assertions import differential, fail

from ._shared import _outcome, _same_outcome_kind

# ex03 · selection_cv_score


def _noise(seed: int, n: int = 100, d: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, 2, size=n)


def _signal(seed: int = 7, n: int = 160, d: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    logits = X[:, :5] @ np.array([1.5, -1.2, 1.0, 0.8, -0.8])
    y = (logits + rng.normal(scale=0.7, size=n) > 0).astype(int)
    return X, y


def _reference_selection_score(X, y, k, cv=5, seed=0, shuffle=True) -> float:
    model = Pipeline(
        [("select", SelectKBest(f_classif, k=k)), ("lr", LogisticRegression(max_iter=1000))]
    )
    folds = StratifiedKFold(n_splits=cv, shuffle=shuffle, random_state=seed if shuffle else None)
    return float(cross_val_score(model, X, y, cv=folds, scoring="accuracy").mean())


def _selection_score(submission, *args, **kwargs) -> float:
    out = submission.selection_cv_score(*args, **kwargs)
    if isinstance(out, bool) or not isinstance(out, float | np.floating):
        fail(
            f"selection_cv_score should return a float (the mean accuracy), got {type(out).__name__}"
        )
    if not np.isfinite(float(out)):
        fail(
            f"selection_cv_score returned {float(out)}: a fit failed inside cross_val_score, which "
            "turns an exception into a NaN score (error_score=nan) with only a warning"
        )
    return float(out)


def _expect_value_error_before_fitting(submission, X, y, k, why: str) -> None:
    """ValueError from the learner's own check, not scikit-learn's "All the 5 fits failed"
    (cross_val_score raises that after trying, and failing, to fit on every fold)."""
    try:
        submission.selection_cv_score(X, y, k)
    except NotImplementedError:
        raise
    except ValueError as exc:
        if "fits failed" in str(exc):
            fail(
                f"k={k} for X of shape {X.shape} raised scikit-learn's ValueError 'All the fits "
                f"failed' from inside cross_val_score, not your own check: {why}. Check k (and "
                "the row counts) before building the model, and raise ValueError there"
            )
        return
    except Exception as exc:
        fail(f"expected ValueError ({why}), but your code raised {type(exc).__name__}: {exc}")
    fail(f"expected ValueError ({why}), but a score came back")


def _generated_selection_cases():
    """Seeded data sets, smallest first: 1 to 12 features, k at 1, in between and at the number
    of columns, 2 to 5 folds, several seeds; then impossible k and mismatched rows."""
    shapes = [(12, 1), (12, 2), (16, 3), (24, 6), (40, 12)]
    for i, (n, d) in enumerate(shapes):
        rng = np.random.default_rng(3300 + i)
        X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d)
        weights = np.zeros(d)
        weights[: max(1, d // 3)] = rng.choice([-1.5, 1.5], size=max(1, d // 3))
        y = (X @ weights + rng.normal(scale=1.5, size=n) > 0).astype(int)
        y[: n // 3], y[n // 3 : 2 * (n // 3)] = 0, 1  # at least n // 3 of each class
        cv = [2, 3, 5, 4, 5][i]
        for k in sorted({1, (d + 1) // 2, d}):
            seed = int(rng.integers(0, 1000))
            yield (
                f"X of shape {X.shape}, k={k}, cv={cv}, seed={seed}",
                lambda fn, X=X, y=y, k=k, cv=cv, seed=seed: _outcome(
                    lambda: fn(X.copy(), y.copy(), k, cv=cv, seed=seed)
                ),
            )
    X, y = _signal(seed=9, n=30, d=6)
    for k, y_rows, what in ((0, 30, "k=0"), (7, 30, "k=7 > 6 columns"), (3, 29, "29 labels")):
        yield (
            f"X of shape {X.shape} with {what}",
            lambda fn, k=k, y_rows=y_rows: _outcome(lambda: fn(X.copy(), y[:y_rows].copy(), k)),
        )


def _compare_scores(got, expected, where: str) -> None:
    if _same_outcome_kind(
        got, expected, where, "k outside 1..X.shape[1], or X and y of different lengths"
    ):
        return
    if isinstance(got, bool) or not isinstance(got, float | np.floating):
        fail(f"{where}: expected a float (the mean accuracy), got {type(got).__name__}")
    if not abs(float(got) - expected) <= 1e-9:
        fail(
            f"{where}: the score is {float(got):.6f}, expected {expected:.6f} (Pipeline("
            "SelectKBest(f_classif, k), LogisticRegression(max_iter=1000)), mean test-fold "
            "accuracy over StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed))"
        )


class TestSelectionInCV:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_selection_cases(),
            submission.selection_cv_score,
            reference.selection_cv_score,
            _compare_scores,
            "selection_cv_score(X, y, k, cv, seed)",
        )

    @pytest.mark.parametrize(
        ("n", "d", "k"),
        [(40, 60, 1), (40, 60, 60), (80, 10, 10)],
        ids=["k=1", "k=n_features (wide X)", "k=n_features (tall X)"],
    )
    def test_accepts_the_edges_of_k(self, submission, n, d, k):
        X, y = _signal(seed=10, n=n, d=d)
        call = f"selection_cv_score(X of shape {X.shape}, y, k={k}, cv=4, seed=2)"
        try:
            got = _selection_score(submission, X.copy(), y.copy(), k, cv=4, seed=2)
        except ValueError as exc:
            fail(
                f"{call} raised ValueError ({exc}), but k may be anything from 1 to the number of "
                f"columns, both ends included (k = {d} keeps every feature)"
            )
        expected = _reference_selection_score(X, y, k, cv=4, seed=2)
        if abs(got - expected) > 1e-9:
            fail(
                f"{call} = {got:.4f}, expected {expected:.4f} (Pipeline(SelectKBest(f_classif, "
                "k), LogisticRegression(max_iter=1000)), mean accuracy over StratifiedKFold(cv, "
                "shuffle=True, random_state=seed))"
            )

    def test_random_labels_score_at_chance(self, submission):
        scores = []
        for seed in (0, 1, 2):
            X, y = _noise(seed)
            scores.append(_selection_score(submission, X.copy(), y.copy(), 20, cv=5, seed=seed))
        mean = float(np.mean(scores))
        if mean > 0.68 or mean < 0.3:
            reference = float(
                np.mean([_reference_selection_score(*_noise(s), 20, seed=s) for s in (0, 1, 2)])
            )
        if mean > 0.68:
            fail(
                f"on random labels (100 rows, 2,000 noise features, k=20) your mean CV accuracy is "
                f"{mean:.2f}; an honest pipeline scores {reference:.2f}, a coin flip. The features "
                "were chosen with the test folds' labels: put SelectKBest inside a Pipeline and "
                "cross-validate the pipeline, so each fold selects on its training rows only"
            )
        if mean < 0.3:
            fail(
                f"on random labels your mean CV accuracy is {mean:.2f}, far below chance "
                f"({reference:.2f} expected): is it an accuracy, averaged over the folds?"
            )

    def test_matches_the_pipeline_score(self, submission):
        X, y = _signal()
        got = _selection_score(submission, X.copy(), y.copy(), 5, cv=4, seed=3)
        expected = _reference_selection_score(X, y, 5, cv=4, seed=3)
        if abs(got - expected) > 1e-9:
            unshuffled = _reference_selection_score(X, y, 5, cv=4, shuffle=False)
            hint = ""
            if abs(got - unshuffled) < 1e-9:
                hint = (
                    " That is the score of unshuffled folds: pass StratifiedKFold(n_splits=cv, "
                    "shuffle=True, random_state=seed) as cv, so the seed decides the folds"
                )
            elif got > expected + 0.05:
                hint = (
                    " Yours is higher: were the features selected, or the model scored, on rows "
                    "that also served as test rows?"
                )
            fail(
                f"selection_cv_score(X, y, k=5, cv=4, seed=3) = {got:.4f}, expected {expected:.4f} "
                "(Pipeline(SelectKBest(f_classif, k), LogisticRegression(max_iter=1000)), mean "
                f"accuracy over StratifiedKFold(cv, shuffle=True, random_state=seed)).{hint}"
            )
        if got < 0.75:
            fail(f"five informative features should give a high accuracy; got {got:.3f}")

    def test_seed_decides_the_folds(self, submission):
        X, y = _signal(seed=8, n=120, d=60)
        a = _selection_score(submission, X, y, 10, cv=5, seed=1)
        b = _selection_score(submission, X, y, 10, cv=5, seed=1)
        if a != b:
            fail(f"the same seed gave {a:.4f} and then {b:.4f}: draw the folds from the seed")
        for seed in (1, 2):
            got = _selection_score(submission, X, y, 10, cv=5, seed=seed)
            expected = _reference_selection_score(X, y, 10, cv=5, seed=seed)
            if abs(got - expected) > 1e-9:
                fail(
                    f"with seed={seed} the score is {got:.4f}, expected {expected:.4f}: the folds "
                    "are StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)"
                )

    @pytest.mark.parametrize(
        ("n", "d", "k"),
        [(40, 60, 0), (80, 10, -1), (40, 60, 61), (80, 10, 11)],
        ids=["k=0", "k=-1", "k>n_features (wide X)", "k>n_features (tall X)"],
    )
    def test_rejects_bad_k(self, submission, n, d, k):
        X, y = _signal(seed=9, n=n, d=d)
        _expect_value_error_before_fitting(
            submission, X, y, k, why=f"k={k} cannot select from {d} columns (1 <= k <= {d})"
        )

    @pytest.mark.parametrize("y_rows", [39, 41], ids=["y shorter", "y longer"])
    def test_rejects_mismatched_rows(self, submission, y_rows):
        X, _ = _signal(seed=9, n=40, d=60)
        y = np.resize(np.array([0, 1]), y_rows)
        _expect_value_error_before_fitting(
            submission, X, y, 5, why=f"X has 40 rows but y has {y_rows}: rows must pair up"
        )
