"""Checks for 05_tuning/ex02_nested_cv (see solutions/05_tuning/ex02_nested_cv.py for the reference)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import recall_score
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from autograder.assertions import CheckFailure, differential, fail
from autograder.learner_process import RemoteModule

# ex02 · nested_cv_score

KEYS = ("outer_scores", "mean", "best_params")


def fraud_recall(estimator, X, y) -> float:
    """A callable scorer: the share of frauds (label 1) the model flags."""
    return float(recall_score(y, estimator.predict(X), zero_division=0.0))


# --- the spy: a classifier that records the rows of every fit and every prediction --------------

_SPY_LOG: list = []  # in the learner's process: what the spies did during one call


class SpyClassifier(ClassifierMixin, BaseEstimator):
    """Predicts 1 where column 1 exceeds `threshold`. Column 0 holds each row's id: every fit
    and every prediction is recorded, with the ids of the rows it saw."""

    def __init__(self, threshold: float = 0.0):
        self.threshold = threshold

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        self.classes_ = np.unique(y)
        self.fitted_on_ = tuple(sorted(int(i) for i in X[:, 0]))
        _SPY_LOG.append(("fit", self.fitted_on_, self.threshold))
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=np.float64)
        _SPY_LOG.append(("predict", self.fitted_on_, tuple(sorted(int(i) for i in X[:, 0]))))
        return np.where(X[:, 1] > self.threshold, self.classes_[-1], self.classes_[0])


def _spy_run(module, X, y, param_grid, inner_cv, outer_cv) -> tuple:
    """In the learner's process: nested_cv_score on a spy; what came back, and what the spies
    (the template's clones) did."""
    _SPY_LOG.clear()
    out = module.nested_cv_score(
        SpyClassifier(threshold=0.0), param_grid, X, y, inner_cv, outer_cv, "accuracy"
    )
    return out, list(_SPY_LOG)


def _template_run(module, estimator, param_grid, X, y) -> tuple:
    """In the learner's process: is the estimator passed in fitted or changed by the call?"""
    before = estimator.get_params()
    module.nested_cv_score(estimator, param_grid, X, y, 2, 3, "accuracy")
    fitted = [name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")]
    return before, estimator.get_params(), fitted


def _observed(submission, fn, *args):
    if isinstance(submission, RemoteModule):
        return submission.observe(fn, *args)
    return fn(submission, *args)


# --- data -----------------------------------------------------------------------------------------


def _classification(seed: int, n: int, d: int = 3, positive_share: float = 0.4, noise: float = 1.0):
    """`n` rows, a noisy linear signal in columns 0 and 1, about `positive_share` positives."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    score = X[:, 0] + 0.5 * X[:, 1 % d] + rng.normal(scale=noise, size=n)
    y = (score > np.quantile(score, 1 - positive_share)).astype(np.int64)
    return X, y


def _random_labels(seed: int = 4, n: int = 48, d: int = 6):
    """Noise features and labels drawn at random, half of each: nothing to learn."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.permutation(np.arange(n) % 2)
    return X, y


RANDOM_GRID = {"max_depth": [1, 3], "random_state": [0, 1]}


def _logistic() -> LogisticRegression:
    return LogisticRegression(solver="liblinear")


def _random_tree():
    return DecisionTreeClassifier(random_state=0, max_features=2)


def _random_cvs():
    return StratifiedKFold(2, shuffle=True, random_state=1), StratifiedKFold(
        3, shuffle=True, random_state=2
    )


@functools.cache
def _reference_on_random_labels(reference_fn) -> tuple[dict, float]:
    """(the reference's nested result, the non-nested best_score_) on the random labels."""
    X, y = _random_labels()
    inner, outer = _random_cvs()
    nested = reference_fn(_random_tree(), RANDOM_GRID, X, y, inner, outer, "accuracy")
    search = GridSearchCV(_random_tree(), RANDOM_GRID, scoring="accuracy", cv=inner).fit(X, y)
    return nested, float(search.best_score_)


# --- reading the learner's result -----------------------------------------------------------------


def _result(out: Any, where: str, n_folds: int | None = None) -> dict:
    """The learner's dict, checked for its form: three keys, lists of the right lengths, floats."""
    if not isinstance(out, dict):
        fail(f"{where}: expected a dict with keys {list(KEYS)}, got {type(out).__name__}")
    if set(out) != set(KEYS):
        fail(f"{where}: expected exactly the keys {list(KEYS)}, got {sorted(map(str, out))}")
    scores, mean, best = out["outer_scores"], out["mean"], out["best_params"]
    if not isinstance(scores, list) or not all(
        isinstance(s, float | np.floating) and not isinstance(s, bool) for s in scores
    ):
        fail(
            f"{where}: 'outer_scores' should be a list of floats (one per outer fold), got "
            f"{type(scores).__name__}{'' if not isinstance(scores, list) else ' ' + repr(scores)[:80]}"
        )
    if not isinstance(best, list) or not all(isinstance(b, dict) for b in best):
        fail(
            f"{where}: 'best_params' should be a list of dicts (each outer fold's "
            f"search.best_params_), got {type(best).__name__} {repr(best)[:80]}"
        )
    if n_folds is not None and (len(scores) != n_folds or len(best) != n_folds):
        fail(
            f"{where}: {len(scores)} outer scores and {len(best)} best_params came back, expected "
            f"{n_folds}, one per outer fold"
        )
    if len(scores) != len(best):
        fail(f"{where}: {len(scores)} outer scores but {len(best)} best_params: one each per fold")
    if isinstance(mean, bool) or not isinstance(mean, float | np.floating):
        fail(f"{where}: 'mean' should be a float, got {type(mean).__name__}")
    if not np.isfinite([float(s) for s in scores]).all():
        fail(f"{where}: the outer scores {scores} are not all finite numbers")
    expected_mean = float(np.mean(scores)) if scores else float("nan")
    if not abs(float(mean) - expected_mean) <= 1e-12:
        fail(
            f"{where}: 'mean' is {float(mean):.6f} but the outer scores {_fmt(scores)} average "
            f"{expected_mean:.6f}: report the mean of the outer scores"
        )
    return {"outer_scores": [float(s) for s in scores], "mean": float(mean), "best_params": best}


def _fmt(scores) -> str:
    return "[" + ", ".join(f"{float(s):.4f}" for s in scores) + "]"


def _compare_results(got: Any, expected: Any, where: str) -> None:
    if isinstance(expected, _Raised):
        if isinstance(got, _Raised) and got.type_name == expected.type_name:
            return
        fail(
            f"{where}: expected {expected.type_name} (X and y have different numbers of rows), "
            f"got {got!r}" + ("" if isinstance(got, _Raised) else " (a result)")
        )
    if isinstance(got, _Raised):
        fail(f"{where}: your code raised {got!r}; the reference returns a result")
    got = _result(got, where, len(expected["outer_scores"]))
    if not np.allclose(got["outer_scores"], expected["outer_scores"], rtol=0, atol=1e-9):
        fail(
            f"{where}: the outer scores are {_fmt(got['outer_scores'])}, expected "
            f"{_fmt(expected['outer_scores'])}" + _diagnosis(got["outer_scores"], expected)
        )
    if got["best_params"] != expected["best_params"]:
        fail(
            f"{where}: best_params is {got['best_params']}, expected {expected['best_params']} "
            "(each outer fold's GridSearchCV(clone(estimator), param_grid, scoring=scoring, "
            "cv=inner_cv).best_params_, fitted on that fold's training rows)"
        )


def _diagnosis(got_scores, expected: dict) -> str:
    return (
        ": the outer score of a fold is search.score(X_test, y_test) of GridSearchCV(clone("
        "estimator), param_grid, scoring=scoring, cv=inner_cv) fitted on that fold's training "
        "rows; with an int, outer_cv means StratifiedKFold(k) for a classifier, KFold(k) otherwise"
    )


class _Raised:
    """What a call raised instead of returning (an outcome to compare, like a result)."""

    def __init__(self, exc: BaseException) -> None:
        self.type_name = type(exc).__name__
        self.message = str(exc).strip()[:160]

    def __repr__(self) -> str:
        return f"{self.type_name} ({self.message})"


def _outcome(call) -> Any:
    try:
        return call()
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        return _Raised(exc)


def _call(submission, *args, where: str, n_folds: int | None = None) -> dict:
    try:
        out = submission.nested_cv_score(*args)
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(f"{where} raised {type(exc).__name__}: {str(exc)[:200]}; these arguments are valid")
    return _result(out, where, n_folds)


# --- the differential cases -----------------------------------------------------------------------


def _regression(seed: int, n: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, X @ np.array([2.0, -1.0, 0.0, 0.5]) + rng.normal(scale=2.0, size=n)


def _three_classes(seed: int, n: int):
    X, y = _classification(seed, n=n, noise=1.5)
    return X, y + (X[:, 2] > 0.6).astype(np.int64)


def _generated_cases():
    """Smallest first: logistic regressions, trees and a ridge regression, on 20 to 36 rows;
    inner and outer folds as ints and as splitters; scorer names and a callable scorer; then X
    and y of different lengths."""
    cases = [
        (
            "24 rows, LogisticRegression(solver='liblinear'), C in [0.01, 10], inner_cv=2, "
            "outer_cv=2, 'accuracy'",
            _classification(801, n=24),
            (_logistic(), {"C": [0.01, 10.0]}),
            (2, 2, "accuracy"),
        ),
        (
            "30 rows (6 frauds), LogisticRegression(solver='liblinear'), class_weight in "
            "[None, 'balanced'], inner_cv=2, outer_cv=StratifiedKFold(2, shuffle=True, "
            "random_state=0), scoring=fraud_recall (a callable scorer)",
            _classification(803, n=30, positive_share=0.2),
            (_logistic(), {"class_weight": [None, "balanced"]}),
            (2, StratifiedKFold(2, shuffle=True, random_state=0), fraud_recall),
        ),
        (
            "30 rows, DecisionTreeClassifier(random_state=0), max_depth in [1, 3], inner_cv="
            "StratifiedKFold(2, shuffle=True, random_state=1), outer_cv=StratifiedKFold(3, "
            "shuffle=True, random_state=2), 'roc_auc'",
            _classification(802, n=30, noise=2.0),
            (DecisionTreeClassifier(random_state=0), {"max_depth": [1, 3]}),
            (
                StratifiedKFold(2, shuffle=True, random_state=1),
                StratifiedKFold(3, shuffle=True, random_state=2),
                "roc_auc",
            ),
        ),
        (
            "30 rows, Ridge (a regressor), alpha in [0.1, 100], inner_cv=KFold(2, shuffle=True, "
            "random_state=1), outer_cv=3 (so KFold(3)), 'neg_mean_squared_error'",
            _regression(804, n=30),
            (Ridge(), {"alpha": [0.1, 100.0]}),
            (KFold(2, shuffle=True, random_state=1), 3, "neg_mean_squared_error"),
        ),
        (
            "36 rows, 3 classes, DecisionTreeClassifier(random_state=0), max_depth in [2, 4], "
            "inner_cv=StratifiedKFold(2, shuffle=True, random_state=3), outer_cv=3 (so "
            "StratifiedKFold(3)), 'f1_macro'",
            _three_classes(805, n=36),
            (DecisionTreeClassifier(random_state=0), {"max_depth": [2, 4]}),
            (StratifiedKFold(2, shuffle=True, random_state=3), 3, "f1_macro"),
        ),
    ]
    for description, (X, y), (estimator, grid), (inner, outer, scoring) in cases:
        yield (
            description,
            lambda fn, X=X, y=y, e=estimator, g=grid, i=inner, o=outer, s=scoring: _outcome(
                lambda: fn(e, g, X.copy(), y.copy(), i, o, s)
            ),
        )
    X, y = _classification(806, n=20)
    yield (
        "X of 20 rows with y of 19",
        lambda fn: _outcome(
            lambda: fn(_logistic(), {"C": [1.0]}, X.copy(), y[:19].copy(), 2, 2, "accuracy")
        ),
    )


class TestNestedCV:
    def test_returns_the_three_results(self, submission):
        X, y = _classification(810, n=24)
        where = (
            "nested_cv_score(LogisticRegression(solver='liblinear'), {'C': [0.1, 1.0]}, X, y, "
            "inner_cv=2, outer_cv=3, 'accuracy')"
        )
        out = _call(
            submission,
            _logistic(),
            {"C": [0.1, 1.0]},
            X,
            y,
            2,
            3,
            "accuracy",
            where=where,
            n_folds=3,
        )
        for k, params in enumerate(out["best_params"]):
            if set(params) != {"C"} or params["C"] not in (0.1, 1.0):
                fail(
                    f"{where}: best_params[{k}] is {params}; each should be the search's "
                    "best_params_, a dict {'C': one of the grid's values}"
                )
        if not all(0.0 <= s <= 1.0 for s in out["outer_scores"]):
            fail(f"{where}: the outer accuracies {_fmt(out['outer_scores'])} are not in [0, 1]")

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.nested_cv_score,
            reference.nested_cv_score,
            _compare_results,
            "nested_cv_score(estimator, param_grid, X, y, inner_cv, outer_cv, scoring)",
        )

    def test_random_labels_score_at_chance(self, submission, reference):
        X, y = _random_labels()
        inner, outer = _random_cvs()
        where = (
            "on 48 rows of noise with random labels (DecisionTreeClassifier(random_state=0, "
            "max_features=2), max_depth in [1, 3] x random_state in [0, 1], inner_cv="
            "StratifiedKFold(2, shuffle=True), outer_cv=StratifiedKFold(3, shuffle=True), "
            "'accuracy')"
        )
        got = _call(
            submission,
            _random_tree(),
            RANDOM_GRID,
            X,
            y,
            inner,
            outer,
            "accuracy",
            where=f"nested_cv_score {where}",
            n_folds=3,
        )
        nested, best_score = _reference_on_random_labels(reference.nested_cv_score)
        if abs(got["mean"] - nested["mean"]) <= 1e-9:
            return
        inner_best = []
        if got["mean"] > nested["mean"]:  # which optimistic number was reported?
            for train, _ in outer.split(X, y):
                search = GridSearchCV(_random_tree(), RANDOM_GRID, scoring="accuracy", cv=inner)
                inner_best.append(float(search.fit(X[train], y[train]).best_score_))
        if inner_best and abs(got["mean"] - float(np.mean(inner_best))) <= 1e-9:
            why = (
                "that is the mean of the inner searches' best_score_: the score of the "
                "candidate that got luckiest on the very folds that chose it"
            )
        else:
            why = (
                "the outer test rows must play no part in choosing or fitting the model they "
                "score, and each fold reports the refitted best model's score on them; the other "
                "checks show where yours differs"
            )
        fail(
            f"{where}: your mean is {got['mean']:.3f}, expected {nested['mean']:.3f}, a coin "
            f"flip. A plain grid search on all the rows reports best_score_ = {best_score:.3f} "
            f"here: optimistic, since there is nothing to learn. Yours: {why}"
        )

    def test_outer_test_rows_never_reach_the_search(self, submission):
        X, y = _classification(820, n=30, d=2)
        X = np.column_stack([np.arange(len(y), dtype=np.float64), X[:, 0]])  # column 0: row ids
        grid = {"threshold": [-0.5, 0.0, 0.5]}
        outer = StratifiedKFold(3, shuffle=True, random_state=4)
        out, log = _observed(submission, _spy_run, X, y, grid, 2, outer)
        _result(out, "nested_cv_score(spy, ...)", 3)
        folds = [
            (tuple(int(i) for i in tr), tuple(int(i) for i in te)) for tr, te in outer.split(X, y)
        ]
        fits = [entry[1] for entry in log if entry[0] == "fit"]
        predictions = {(entry[1], entry[2]) for entry in log if entry[0] == "predict"}
        where = (
            "nested_cv_score on a spy classifier (30 rows, outer_cv=StratifiedKFold(3, "
            "shuffle=True, random_state=4), inner_cv=2, 3 candidates)"
        )
        for ids in fits:
            if not any(set(ids) <= set(train) for train, _ in folds):
                k = max(range(3), key=lambda j: len(set(ids) & set(folds[j][1])))
                fail(
                    f"{where}: a model was fitted on {len(ids)} rows, {len(set(ids) & set(folds[k][1]))} "
                    f"of them test rows of outer fold {k}, and they are not the training rows of "
                    "any outer fold. The search that chooses the model for an outer fold must "
                    "see that fold's training rows only: fitted on the test rows too, it chooses "
                    "by the very rows that score it"
                )
        for k, (train, test) in enumerate(folds):
            if train not in fits:
                fail(
                    f"{where}: no model was fitted on exactly the {len(train)} training rows of "
                    f"outer fold {k}. Fit that fold's GridSearchCV on X[train], y[train]: it "
                    "tries the candidates on inner folds of those rows, then refits the best on "
                    "all of them"
                )
            if (train, test) not in predictions:
                fail(
                    f"{where}: the {len(test)} test rows of outer fold {k} were never scored by "
                    "the model refitted on that fold's training rows: score it on X[test], "
                    "y[test] (search.score)"
                )
        inner = [ids for ids in fits if ids not in {train for train, _ in folds}]
        if len(inner) < 3 * 3 * 2:
            fail(
                f"{where}: {len(inner)} models were fitted on inner training parts, expected "
                "3 candidates x 2 inner folds for each of the 3 outer folds: a grid search per "
                "outer fold"
            )

    def test_estimator_is_a_template(self, submission):
        X, y = _classification(830, n=24)
        before, after, fitted = _observed(
            submission, _template_run, _logistic(), {"C": [0.01, 10.0]}, X, y
        )
        if fitted:
            fail(
                f"the LogisticRegression passed as estimator came back fitted (it has "
                f"{', '.join(fitted)}): clone it (GridSearchCV does) and fit the clones; the "
                "caller's estimator is a template and stays unfitted"
            )
        if before != after:
            changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
            fail(
                f"the estimator passed in was changed: {changed} (parameter: (before, after)). "
                "Set the best parameters on a clone, never on the caller's estimator"
            )

    @pytest.mark.parametrize("scoring", ["balanced_accuracy", "callable"])
    def test_scoring_chooses_and_measures(self, submission, reference, scoring):
        X, y = _classification(3, n=40, positive_share=0.15, noise=1.5)
        grid = {"class_weight": [None, "balanced"]}
        outer = StratifiedKFold(2, shuffle=True, random_state=0)
        score = fraud_recall if scoring == "callable" else scoring
        name = "fraud_recall (a callable scorer)" if scoring == "callable" else repr(scoring)
        where = (
            "nested_cv_score(LogisticRegression(solver='liblinear'), class_weight in [None, "
            f"'balanced'], X of 40 rows with {int(y.sum())} frauds, inner_cv=2, outer_cv="
            f"StratifiedKFold(2, shuffle=True, random_state=0), scoring={name})"
        )
        got = _call(submission, _logistic(), grid, X, y, 2, outer, score, where=where, n_folds=2)
        expected = reference.nested_cv_score(_logistic(), grid, X, y, 2, outer, score)
        if got["best_params"] != expected["best_params"]:
            by_accuracy = reference.nested_cv_score(_logistic(), grid, X, y, 2, outer, "accuracy")
            hint = (
                " Those are the choices by accuracy (the estimator's default score): pass "
                "scoring to GridSearchCV too, so the candidates are compared by the score that "
                "measures them. Accuracy prefers the model that never flags the rare frauds"
                if got["best_params"] == by_accuracy["best_params"]
                else ""
            )
            fail(
                f"{where}: best_params is {got['best_params']}, expected "
                f"{expected['best_params']}.{hint}"
            )
        if not np.allclose(got["outer_scores"], expected["outer_scores"], rtol=0, atol=1e-9):
            fail(
                f"{where}: the outer scores are {_fmt(got['outer_scores'])}, expected "
                f"{_fmt(expected['outer_scores'])}: measure each outer test fold with scoring "
                "too (search.score uses the search's scoring)"
            )

    def test_inner_and_outer_cv_are_honoured(self, submission, reference):
        X, y = _classification(840, n=36, noise=1.5)
        grid = {"max_depth": [1, 3]}
        cases = [
            (
                2,
                StratifiedKFold(3, shuffle=True, random_state=3),
                3,
                "inner_cv=2, outer_cv=StratifiedKFold(3, shuffle=True, random_state=3)",
            ),
            (
                KFold(3, shuffle=True, random_state=5),
                2,
                2,
                "inner_cv=KFold(3, shuffle=True, random_state=5), outer_cv=2",
            ),
        ]
        for inner, outer, n_folds, what in cases:
            where = f"nested_cv_score(DecisionTreeClassifier(random_state=0), ..., {what})"
            est = DecisionTreeClassifier(random_state=0)
            got = _call(submission, est, grid, X, y, inner, outer, "accuracy", where=where)
            if len(got["outer_scores"]) != n_folds:
                fail(
                    f"{where}: {len(got['outer_scores'])} outer scores came back, expected "
                    f"{n_folds}: one per fold of outer_cv (inner_cv splits each outer training "
                    "part; the two are not interchangeable)"
                )
            expected = reference.nested_cv_score(est, grid, X, y, inner, outer, "accuracy")
            _compare_results(got, expected, where)

    def test_rejects_mismatched_rows(self, submission):
        X, y = _classification(850, n=20)
        for rows in (19, 21):
            yy = np.resize(y, rows)
            try:
                submission.nested_cv_score(_logistic(), {"C": [1.0]}, X, yy, 2, 2, "accuracy")
            except ValueError:
                continue
            except NotImplementedError:
                raise
            except Exception as exc:
                fail(
                    f"X of 20 rows with y of {rows}: expected ValueError, got "
                    f"{type(exc).__name__}: {exc}"
                )
            fail(f"X of 20 rows with y of {rows}: expected ValueError, but a result came back")
