"""Checks for 03_features/ex03_selection_in_cv (see solutions/03_features/ex03_selection_in_cv.py for the reference)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from autograder.assertions import expect_raises, fail

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


class TestSelectionInCV:
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

    @pytest.mark.parametrize("k", [0, 61], ids=["k=0", "k>n_features"])
    def test_rejects_bad_k(self, submission, k):
        X, y = _signal(seed=9, n=40, d=60)
        expect_raises(
            ValueError,
            submission.selection_cv_score,
            X,
            y,
            k,
            why=f"k={k} cannot select from 60 columns; check it before fitting "
            "(inside cross_val_score a failed fit only becomes a NaN score)",
        )

    def test_rejects_mismatched_rows(self, submission):
        X, y = _signal(seed=9, n=40, d=60)
        expect_raises(
            ValueError,
            submission.selection_cv_score,
            X,
            y[:-1],
            5,
            why="X has 40 rows but y has 39",
        )
