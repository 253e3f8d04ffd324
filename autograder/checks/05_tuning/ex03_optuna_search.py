"""Checks for 05_tuning/ex03_optuna_search (see solutions/05_tuning/ex03_optuna_search.py for the reference)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold

from autograder.assertions import CheckFailure, differential, fail

# ex03 · search_space and tune

MAX_ITER = 10
# name: (kind, low, high, log), in the order the contract asks for them
SPACE = {
    "learning_rate": ("float", 0.01, 0.3, True),
    "l2_regularization": ("float", 1e-6, 10.0, True),
    "max_leaf_nodes": ("int", 8, 64, False),
    "min_samples_leaf": ("int", 5, 50, False),
}
NAMES = list(SPACE)
THE_MODEL = (
    f"HistGradientBoostingClassifier(**params, max_iter={MAX_ITER}, random_state=seed) fitted on "
    "each fold's training rows, scored by ROC AUC on its validation rows"
)
THE_STUDY = (
    "optuna.create_study(direction='maximize', sampler=TPESampler(seed=seed), "
    "pruner=MedianPruner(n_startup_trials=2, n_warmup_steps=1))"
)


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n rows, 6 features (3 informative), 10% of the labels flipped."""
    X, y = make_classification(
        n_samples=n, n_features=6, n_informative=3, flip_y=0.1, random_state=seed
    )
    return X, y


# --- search_space ---------------------------------------------------------------------------


class _QuantileTrial:
    """A stand-in for an optuna trial (it offers suggest_float, suggest_int and
    suggest_categorical, with optuna's signatures): every suggestion is the value at quantile `q`
    of its range, on the scale asked for, so the dict that comes back shows each range and scale."""

    def __init__(self, q: float) -> None:
        self.q = q

    def _at(self, low: float, high: float, log: bool) -> float:
        if self.q == 0.0:
            return low
        if self.q == 1.0:
            return high
        if log:
            return math.exp(math.log(low) + self.q * (math.log(high) - math.log(low)))
        return low + self.q * (high - low)

    def suggest_float(self, name, low, high, *, step=None, log=False):  # noqa: ARG002
        return float(self._at(float(low), float(high), bool(log)))

    def suggest_int(self, name, low, high, *, step=1, log=False):  # noqa: ARG002
        return int(round(self._at(float(low), float(high), bool(log))))

    def suggest_categorical(self, name, choices):  # noqa: ARG002
        return choices[0]


def _at_quantile(name: str, q: float, log: bool | None = None) -> float:
    kind, low, high, space_log = SPACE[name]
    value = _QuantileTrial(q)._at(low, high, space_log if log is None else log)
    return int(round(value)) if kind == "int" else value


def _space(out: Any, what: str, types: bool = True) -> dict:
    """`out` as search_space's dict: exactly the four names; numbers (`types`: ints for the leaf
    counts)."""
    if not isinstance(out, dict):
        fail(f"{what} should return a dict {{name: value}}, got {type(out).__name__}")
    if set(out) != set(NAMES):
        fail(
            f"{what} returned the keys {sorted(map(str, out))}, expected exactly {NAMES}: the "
            "keyword arguments of HistGradientBoostingClassifier, which tune passes to the model"
        )
    for name in NAMES:
        value = out[name]
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            fail(f"{what}: {name} is {value!r:.80}, expected a number")
        if types and SPACE[name][0] == "int" and not isinstance(value, int | np.integer):
            fail(
                f"{what}: {name} is {value!r}, a {type(value).__name__}; a leaf count is a whole "
                "number: ask for it with trial.suggest_int"
            )
    return out


class _ShiftingKFold(KFold):
    """A KFold that deals other folds at each call of split (random_state 11, then 12, ...), as a
    splitter with random_state=None does; get_n_splits is KFold's own."""

    def split(self, X, y=None, groups=None):
        calls = self.__dict__.get("calls", 0)
        self.__dict__["calls"] = calls + 1
        return KFold(self.n_splits, shuffle=True, random_state=11 + calls).split(X, y, groups)


class _FirstFolds:
    """The folds of a splitter's first call, as a splitter (for the check's own diagnosis)."""

    def __init__(self, folds: list) -> None:
        self.folds = folds

    def split(self, X, y=None, groups=None):  # noqa: ARG002
        return iter(self.folds)


# --- tune: what comes back ------------------------------------------------------------------


def _tune(fn: Callable[..., Any], X, y, n_trials, seed, cv, doing: str) -> tuple[dict, float, Any]:
    """(best_params, best_score, study) from `fn(X, y, n_trials, seed, cv)`, or a failure."""
    try:
        out = fn(X.copy(), y.copy(), n_trials, seed, cv)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        fail(
            f"{doing} raised {type(exc).__name__}: {str(exc).strip()[:200]}; these inputs are "
            "valid (the reference solution returns a result)"
        )
    return _unpack(out, doing)


def _unpack(out: Any, doing: str) -> tuple[dict, float, Any]:
    if not isinstance(out, tuple | list) or len(out) != 3:
        fail(f"{doing} should return (best_params, best_score, study), got {type(out).__name__}")
    best_params, best_score, study = out
    _space(best_params, f"{doing}: best_params", types=False)  # the types: one check only
    if isinstance(best_score, bool) or not isinstance(best_score, float | np.floating):
        fail(
            f"{doing}: best_score should be a float (study.best_value), got "
            f"{type(best_score).__name__}"
        )
    return best_params, float(best_score), study


def _read(obj: Any, name: str, where: str) -> Any:
    try:
        return getattr(obj, name)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        fail(
            f"{where}: reading .{name} raised {type(exc).__name__} ({str(exc)[:120]}); the third "
            "item returned should be the optuna Study that ran the search"
        )


def _trials(study: Any, where: str) -> list[dict]:
    """The study's trials as plain data: number, state, params, value, intermediate values."""
    try:
        trials = list(_read(study, "trials", where))
    except TypeError:
        fail(f"{where}: study.trials should be the list of the study's trials")
    out = []
    for t in trials:
        state = _read(t, "state", where)
        steps = _read(t, "intermediate_values", where)
        params = _read(t, "params", where)
        if not isinstance(steps, dict) or not isinstance(params, dict):
            fail(f"{where}: the study's trials should be optuna FrozenTrials")
        out.append(
            {
                "state": str(getattr(state, "name", state)),
                "params": dict(params),
                "value": _read(t, "value", where),
                "steps": {int(k): float(v) for k, v in steps.items()},
            }
        )
    return out


def _shown(params: dict) -> str:
    return "{" + ", ".join(f"{k}={v:.4g}" for k, v in params.items()) + "}"


def _same_params(a: dict, b: dict) -> bool:
    return list(a) == list(b) and all(
        math.isclose(float(a[k]), float(b[k]), rel_tol=1e-12, abs_tol=0.0) for k in a
    )


def _close(a: Any, b: Any, tol: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= tol


# --- the scores the check recomputes in its own process ------------------------------------


def _folds(X, y, seed, cv, shuffle: bool = True) -> list:
    if isinstance(cv, int):
        cv = StratifiedKFold(cv, shuffle=shuffle, random_state=seed if shuffle else None)
    return list(cv.split(X, y))


def _fold_scores(X, y, params, seed, folds, on="validation", max_iter=MAX_ITER, metric="auc"):
    """The check's own fold scores for `params` (a trial's, as its study recorded them; a leaf
    count drawn as a float is truncated, as int() would)."""
    try:
        params = {k: int(v) if SPACE[k][0] == "int" else float(v) for k, v in params.items()}
        models = [
            HistGradientBoostingClassifier(**params, max_iter=max_iter, random_state=seed)
            for _ in folds
        ]
        for model, (train, _) in zip(models, folds, strict=True):
            model.fit(X[train], y[train])
    except (KeyError, TypeError, ValueError) as exc:
        fail(
            f"the parameters {params!r:.200} recorded by your study cannot build the model "
            f"({type(exc).__name__}: {str(exc)[:120]}); search_space asks for exactly {NAMES}"
        )
    scores = []
    for model, (train, val) in zip(models, folds, strict=True):
        rows = train if on == "training" else val
        if metric == "auc":
            scores.append(float(roc_auc_score(y[rows], model.predict_proba(X[rows])[:, 1])))
        else:
            scores.append(float(model.score(X[rows], y[rows])))
    return scores


def _running(scores: list[float]) -> list[float]:
    return [float(np.mean(scores[: k + 1])) for k in range(len(scores))]


def _matches(steps: dict, expected: list[float]) -> bool:
    return sorted(steps) == list(range(len(steps))) and all(
        k < len(expected) and _close(v, expected[k], 1e-7) for k, v in steps.items()
    )


def _why_scores_differ(X, y, params, seed, cv, steps: dict) -> str:
    """What the learner's intermediate values are, when they are not the contract's."""
    folds = _folds(X, y, seed, cv)
    if sorted(steps) != list(range(len(steps))):
        return (
            f"the reported steps are {sorted(steps)}: report once per fold, with step=k the "
            "fold's index, counting from 0"
        )
    validation = _fold_scores(X, y, params, seed, folds)
    alternatives = [
        (
            _running(_fold_scores(X, y, params, seed, folds, on="training")),
            "they are ROC AUCs on the rows each model was trained on. A training score "
            "rewards the trial that memorises best and says nothing about new rows: score "
            "each fold's model on that fold's validation rows",
        ),
        (
            validation,
            "they are each fold's own score; report the mean of the scores of folds 0..k "
            "so far (the running mean), so that a trial's last report is its value",
        ),
        (
            _running(_fold_scores(X, y, params, seed, folds, metric="accuracy")),
            "they are accuracies; the contract scores by ROC AUC (roc_auc_score on "
            "predict_proba(X_val)[:, 1])",
        ),
        (
            _running(_fold_scores(X, y, params, seed, folds, max_iter=100)),
            "they come from models with the default max_iter=100; the contract fixes "
            f"max_iter={MAX_ITER}",
        ),
    ]
    if isinstance(cv, int):
        unshuffled = _fold_scores(X, y, params, seed, _folds(X, y, seed, cv, shuffle=False))
        alternatives.append(
            (
                _running(unshuffled),
                "they come from unshuffled folds: an int cv means StratifiedKFold(n_splits=cv, "
                "shuffle=True, random_state=seed)",
            )
        )
    for values, why in alternatives:
        if _matches(steps, values):
            return why
    if not isinstance(cv, int):
        return (
            "with a splitter as cv, the folds are list(cv.split(X, y)), in its order; "
            f"the model is {THE_MODEL}; the report after fold k is the mean of folds 0..k"
        )
    return f"the model is {THE_MODEL}; the report after fold k is the mean of folds 0..k"


# --- in the learner's process (observed checks) ---------------------------------------------


def _count_fits(module, X, y, n_trials, seed, cv):
    """Run tune with HistGradientBoostingClassifier.fit counting its calls: (rows of each fit,
    what tune raised or None, the number of folds each trial of the returned study reached)."""
    cls = HistGradientBoostingClassifier
    original, own = cls.fit, cls.__dict__.get("fit")  # restored as it was (inherited)
    rows: list[int] = []

    def counting_fit(self, X, y, *args, **kwargs):
        rows.append(len(X))
        return original(self, X, y, *args, **kwargs)

    cls.fit = counting_fit
    try:
        out = module.tune(X, y, n_trials, seed, cv)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check
        return rows, f"{type(exc).__name__}: {str(exc)[:160]}", None
    finally:
        if own is None:
            del cls.fit
        else:
            cls.fit = own
    try:
        reached = [len(t.intermediate_values) for t in out[2].trials]
    except Exception:  # noqa: BLE001 - not a study: the other checks say so
        reached = None
    return rows, None, reached


def _raises_before_fitting(module, X, y, n_trials, seed, cv):
    """(the exception's class name or None, its message, the number of models fitted first)."""
    rows, raised, _ = _count_fits(module, X, y, n_trials, seed, cv)
    if raised is None:
        return None, "", len(rows)
    name, _, message = raised.partition(": ")
    return name, message, len(rows)


# --- the differential check ------------------------------------------------------------------


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.type_name = type(exc).__name__
        self.message = str(exc).strip()[:160]

    def __repr__(self) -> str:
        return f"{self.type_name} ({self.message})"


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        return _Raised(exc)


def _run(fn, X, y, n_trials, seed, cv) -> tuple:
    """What the differential compares: (best_params, best_score, trials as plain data)."""
    out = fn(X.copy(), y.copy(), n_trials, seed, cv)
    best_params, best_score, study = _unpack(out, "tune")
    return best_params, best_score, _trials(study, "tune")


def _generated_tune_cases():
    """Seeded data sets, smallest first: 40 to 80 rows, 1 to 4 trials, 2 or 3 folds (in the
    last, two trials pruned after their last fold); then inputs the contract rejects."""
    for n, n_trials, cv, seed in [(40, 1, 2, 0), (60, 2, 3, 1), (80, 4, 2, 4)]:
        X, y = _data(n, seed)
        yield (
            f"{n} rows (make_classification, random_state={seed}), n_trials={n_trials}, "
            f"seed={seed}, cv={cv}",
            lambda fn, X=X, y=y, n_trials=n_trials, seed=seed, cv=cv: _outcome(
                lambda: _run(fn, X, y, n_trials, seed, cv)
            ),
        )
    X, y = _data(60, 9)
    for shown, args in (
        ("n_trials=0", (X, y, 0, 9, 3)),
        ("cv=1", (X, y, 2, 9, 1)),
        ("59 labels for 60 rows", (X, y[:-1], 2, 9, 3)),
        ("labels 0, 1 and 2", (X, np.arange(60) % 3, 2, 9, 3)),
    ):
        yield (
            f"60 rows, {shown}",
            lambda fn, args=args: _outcome(lambda: _run(fn, *args)),
        )


def _compare_runs(got, expected, where: str) -> None:
    if isinstance(expected, _Raised):
        if isinstance(got, _Raised) and got.type_name == expected.type_name:
            return
        came = repr(got) if isinstance(got, _Raised) else "a result came back"
        fail(
            f"{where}: expected {expected.type_name} (n_trials below 1, an int cv below 2, X "
            f"and y of different lengths, or labels that are not two classes), but {came}"
        )
    if isinstance(got, _Raised):
        fail(f"{where}: your code raised {got!r}, but the reference solution returns a result")
    best_params, best_score, trials = got
    e_params, e_score, e_trials = expected
    if len(trials) != len(e_trials):
        fail(f"{where}: the study ran {len(trials)} trials, expected {len(e_trials)} (n_trials)")
    for k, (mine, theirs) in enumerate(zip(trials, e_trials, strict=True)):
        if not _same_params(mine["params"], theirs["params"]):
            fail(
                f"{where}: trial {k} tried {_shown(mine['params'])}, expected "
                f"{_shown(theirs['params'])}: {THE_STUDY}, and search_space asks for the four "
                "values in the contract's order, with its ranges and scales"
            )
        if mine["state"] != theirs["state"] or sorted(mine["steps"]) != sorted(theirs["steps"]):
            fail(
                f"{where}: trial {k} ended {mine['state']} after reporting steps "
                f"{sorted(mine['steps'])}, expected {theirs['state']} after steps "
                f"{sorted(theirs['steps'])}: after each fold, report the running mean and ask "
                "trial.should_prune() (the last fold included); MedianPruner(n_startup_trials=2, "
                "n_warmup_steps=1)"
            )
        for step, value in theirs["steps"].items():
            if not _close(mine["steps"][step], value):
                fail(
                    f"{where}: trial {k} reported {mine['steps'][step]:.6f} at step {step}, "
                    f"expected {value:.6f}, the mean validation ROC AUC of folds 0..{step} "
                    f"({THE_MODEL})"
                )
        if not _close(mine["value"], theirs["value"]):
            fail(f"{where}: trial {k}'s value is {mine['value']}, expected {theirs['value']}")
    if not _same_params(best_params, e_params) or not _close(best_score, e_score):
        fail(
            f"{where}: returned best_params {_shown(best_params)} with best_score "
            f"{best_score:.6f}, expected {_shown(e_params)} with {e_score:.6f}: "
            "study.best_params and study.best_value"
        )


class TestSearchSpace:
    def test_ranges_and_scales(self, submission):
        """A stand-in trial answers every suggestion with the value at a quantile of its range:
        0 gives each low end, 1 each high end, 0.5 the middle on the scale asked for."""
        for q, what in ((0.0, "lowest"), (1.0, "highest"), (0.5, "middle")):
            got = _space(
                submission.search_space(_QuantileTrial(q)),
                f"search_space(a trial that answers the {what} value of each range)",
            )
            for name, (kind, low, high, log) in SPACE.items():
                expected = _at_quantile(name, q)
                if math.isclose(float(got[name]), expected, rel_tol=1e-9):
                    continue
                if q == 0.5 and math.isclose(
                    float(got[name]), _at_quantile(name, q, log=not log), rel_tol=1e-9
                ):
                    fail(
                        f"{name} is drawn on a {'linear' if log else 'log'} scale (its middle "
                        f"draw is {got[name]:.4g}, expected {expected:.4g}); "
                        + (
                            f"ask for it with log=True: on a linear scale from {low:g} to "
                            f"{high:g} nearly every draw lands in the top decade and the small "
                            "values are hardly ever tried"
                            if log
                            else "the contract draws a leaf count on a linear scale (no log=True)"
                        )
                    )
                fail(
                    f"the {what} value search_space can give for {name} is {got[name]!r}, "
                    f"expected {expected!r}: the contract asks for trial.suggest_{kind}("
                    f"'{name}', {low!r}, {high!r}{', log=True' if log else ''})"
                )

    def test_works_with_an_optuna_trial(self, submission):
        fixed = {
            "learning_rate": 0.0123456789,
            "l2_regularization": 10.0,
            "max_leaf_nodes": 8,
            "min_samples_leaf": 50,
        }
        try:
            out = submission.search_space(optuna.trial.FixedTrial(fixed))
        except NotImplementedError:
            raise
        except Exception as exc:
            fail(
                f"search_space(optuna.trial.FixedTrial({fixed})) raised {type(exc).__name__}: "
                f"{str(exc)[:200]}; it should ask the trial for exactly the four parameters "
                f"{NAMES} with trial.suggest_float / trial.suggest_int"
            )
        got = _space(out, "search_space(optuna.trial.FixedTrial)")
        for name, value in fixed.items():
            if got[name] != value:
                fail(
                    f"search_space(FixedTrial) returned {name}={got[name]!r}, but the trial gave "
                    f"{value!r}: return each value as the trial gives it (no rounding, no "
                    "conversion)"
                )


class TestTune:
    def test_returns_the_best_of_its_study(self, submission):
        X, y = _data(80, 3)
        doing = "tune(X, y, n_trials=4, seed=3, cv=3) on 80 rows"
        best_params, best_score, study = _tune(submission.tune, X, y, 4, 3, 3, doing)
        _space(best_params, f"{doing}: best_params")
        direction = _read(study, "direction", doing)
        if str(getattr(direction, "name", direction)) != "MAXIMIZE":
            fail(
                f"the study's direction is {getattr(direction, 'name', direction)}: a higher ROC "
                "AUC is better, so create the study with direction='maximize'"
            )
        finished = [t for t in _trials(study, doing) if t["state"] == "COMPLETE"]
        if not finished:
            fail(f"{doing}: no trial of the returned study finished")
        top = max(finished, key=lambda t: t["value"])
        if not _close(best_score, top["value"]) or not _same_params(best_params, top["params"]):
            fail(
                f"{doing} returned best_score {best_score:.6f} with {_shown(best_params)}, but "
                f"the study's best finished trial scored {top['value']:.6f} with "
                f"{_shown(top['params'])}: return study.best_params and study.best_value"
            )
        expected = float(np.mean(_fold_scores(X, y, best_params, 3, _folds(X, y, 3, 3))))
        if not _close(best_score, expected):
            fail(
                f"{doing}: best_score is {best_score:.6f}, but {THE_MODEL} with best_params gives "
                f"a mean of {expected:.6f} over StratifiedKFold(3, shuffle=True, random_state=3); "
                + _why_scores_differ(X, y, best_params, 3, 3, top["steps"])
            )

    def test_seeded_tpe_sampler_and_median_pruner(self, submission):
        X, y = _data(40, 0)
        doing = "tune(X, y, n_trials=1, seed=0, cv=2)"
        _, _, study = _tune(submission.tune, X, y, 1, 0, 2, doing)
        sampler = type(_read(study, "sampler", doing)).__name__
        if sampler != "TPESampler":
            fail(
                f"the study samples with a {sampler}, expected a TPESampler(seed=seed): its first "
                "ten trials are random draws (as a RandomSampler's), then it proposes values "
                "near the best trials so far"
            )
        pruner = _read(study, "pruner", doing)
        if type(pruner).__name__ != "MedianPruner":
            fail(
                f"the study prunes with a {type(pruner).__name__}, expected "
                "MedianPruner(n_startup_trials=2, n_warmup_steps=1): it stops a trial whose "
                "running score falls below the median of earlier trials at the same fold"
            )
        settings = [
            getattr(pruner, f"_n_{name}", None) for name in ("startup_trials", "warmup_steps")
        ]
        if None not in settings and settings != [2, 1]:
            fail(
                f"the MedianPruner has n_startup_trials={settings[0]} and n_warmup_steps="
                f"{settings[1]}, expected 2 and 1: never prune the first two trials, and never "
                "at the first fold"
            )

    def test_study_uses_the_search_space(self, submission):
        X, y = _data(60, 0)
        doing = "tune(X, y, n_trials=2, seed=0, cv=2)"
        _, _, study = _tune(submission.tune, X, y, 2, 0, 2, doing)
        for k, trial in enumerate(_read(study, "trials", doing)):
            distributions = _read(trial, "distributions", doing)
            names = list(distributions)
            if names != NAMES:
                fail(
                    f"trial {k} of the study asked for {names}, expected {NAMES} in this order: "
                    "each trial calls search_space(trial) once, which asks for the four values "
                    "in the contract's order (the sampler draws them in the order asked)"
                )
            for name, (kind, low, high, log) in SPACE.items():
                dist = distributions[name]
                expected_type = "FloatDistribution" if kind == "float" else "IntDistribution"
                if type(dist).__name__ != expected_type:
                    fail(
                        f"trial {k} drew {name} from a {type(dist).__name__}, expected an "
                        f"{expected_type}: use trial.suggest_{kind}"
                        + (" (a leaf count is a whole number)" if kind == "int" else "")
                    )
                got = (_read(dist, "low", doing), _read(dist, "high", doing))
                if not (math.isclose(got[0], low) and math.isclose(got[1], high)):
                    fail(
                        f"trial {k} drew {name} from [{got[0]!r}, {got[1]!r}], expected "
                        f"[{low!r}, {high!r}]"
                    )
                if bool(_read(dist, "log", doing)) != log:
                    fail(
                        f"trial {k} drew {name} with log={not log}, expected log={log}"
                        + (
                            ": a learning rate or a regularisation strength matters by its "
                            "order of magnitude, so it is searched on a log scale"
                            if log
                            else ": a leaf count is searched on a linear scale"
                        )
                    )

    def test_scores_on_validation_folds(self, submission):
        X, y = _data(80, 1)
        doing = "tune(X, y, n_trials=3, seed=1, cv=3) on 80 rows"
        _, _, study = _tune(submission.tune, X, y, 3, 1, 3, doing)
        folds = _folds(X, y, 1, 3)
        for k, trial in enumerate(_trials(study, doing)):
            if not trial["steps"]:
                fail(
                    f"trial {k} reported no intermediate value: after each fold, "
                    "trial.report(mean of the fold scores so far, step=fold index)"
                )
            if trial["state"] == "COMPLETE" and len(trial["steps"]) != len(folds):
                fail(
                    f"trial {k} finished after reporting {len(trial['steps'])} values, expected "
                    f"{len(folds)}: one report per fold"
                )
            expected = _running(_fold_scores(X, y, trial["params"], 1, folds))
            if not _matches(trial["steps"], expected):
                fail(
                    f"trial {k} ({_shown(trial['params'])}) reported "
                    f"{[round(v, 4) for v in trial['steps'].values()]}, expected "
                    f"{[round(v, 4) for v in expected[: len(trial['steps'])]]}, the running "
                    "means of the validation ROC AUCs: "
                    + _why_scores_differ(X, y, trial["params"], 1, 3, trial["steps"])
                )
            if trial["state"] == "COMPLETE" and not _close(trial["value"], expected[-1]):
                fail(
                    f"trial {k} finished with value {trial['value']}, expected {expected[-1]:.6f}, "
                    "the mean of its fold scores (its last report)"
                )

    def test_random_labels_score_near_chance(self, submission):
        rng = np.random.default_rng(51)
        X, y = rng.normal(size=(90, 5)), rng.integers(0, 2, 90)
        doing = "tune(X, y, n_trials=3, seed=1, cv=3) on random labels"
        best_params, best_score, _ = _tune(submission.tune, X, y, 3, 1, 3, doing)
        if best_score > 0.7:
            honest = float(np.mean(_fold_scores(X, y, best_params, 1, _folds(X, y, 1, 3))))
            fail(
                f"on random labels (90 rows of noise) the search reports a best ROC AUC of "
                f"{best_score:.2f}; its best parameters score {honest:.2f} on validation folds, "
                "about a coin flip. The scores were computed on rows the models trained on: "
                "score each fold's model on that fold's validation rows only"
            )

    def test_same_seed_same_study(self, submission):
        X, y = _data(60, 5)
        runs = [
            _trials(
                _tune(submission.tune, X, y, 2, s, 2, f"tune(X, y, 2, seed={s}, cv=2)")[2],
                f"tune(X, y, 2, seed={s}, cv=2)",
            )
            for s in (4, 4, 5)
        ]
        first, again, other = runs
        for k, (a, b) in enumerate(zip(first, again, strict=False)):
            if not _same_params(a["params"], b["params"]):
                fail(
                    f"two runs with seed=4 tried different parameters in trial {k} "
                    f"({_shown(a['params'])}, then {_shown(b['params'])}): seed the sampler, "
                    "TPESampler(seed=seed), so that the search can be repeated"
                )
            if not _close(a["value"], b["value"], 1e-12) or a["steps"] != b["steps"]:
                fail(
                    f"two runs with seed=4 tried the same parameters in trial {k} but scored them "
                    f"differently ({a['value']} then {b['value']}): the folds must come from the "
                    "seed too (StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed))"
                )
        if len(first) != len(again):
            fail(f"two runs with seed=4 ran {len(first)} and {len(again)} trials")
        if _same_params(first[0]["params"], other[0]["params"]):
            fail(
                f"seed=4 and seed=5 tried the same first parameters {_shown(first[0]['params'])}: "
                "pass the seed to the sampler (TPESampler(seed=seed)), not a constant"
            )

    @pytest.mark.parametrize("n_trials", [1, 4], ids=["n_trials=1", "n_trials=4, 2 pruned"])
    def test_keeps_the_budget(self, submission, n_trials):
        X, y = _data(80, 3)
        doing = f"tune(X, y, n_trials={n_trials}, seed=3, cv=2) on 80 rows"
        _, _, study = _tune(submission.tune, X, y, n_trials, 3, 2, doing)
        trials = _trials(study, doing)
        states = [t["state"] for t in trials]
        if len(trials) != n_trials:
            pruned = states.count("PRUNED")
            fail(
                f"{doing}: the study ran {len(trials)} trials ({pruned} pruned), expected "
                f"exactly {n_trials}: n_trials is the whole budget, pruned trials included; "
                "study.optimize(objective, n_trials=n_trials), once"
            )
        if any(s not in ("COMPLETE", "PRUNED") for s in states):
            fail(
                f"{doing}: the trials ended {states}; each trial should finish (COMPLETE) or be "
                "pruned (raise optuna.TrialPruned())"
            )

    def test_fits_one_model_per_fold_reached(self, submission):
        X, y = _data(80, 3)
        doing = "tune(X, y, n_trials=4, seed=3, cv=3) on 80 rows"
        rows, raised, reached = submission.observe(_count_fits, X, y, 4, 3, 3)
        if raised is not None:
            fail(f"{doing} raised {raised}; these inputs are valid")
        if reached is None:
            fail(f"{doing} should return (best_params, best_score, study)")
        if 0 in reached:
            fail(
                f"{doing}: the study's trials reported {reached} intermediate values: each "
                "trial reports once per fold it reaches, trial.report(running mean, step=k)"
            )
        if len(rows) != sum(reached) or any(r >= len(X) for r in rows):
            whole = sum(r >= len(X) for r in rows)
            fail(
                f"{doing} fitted {len(rows)} models ({whole} on all 80 rows), but its trials "
                f"reached {reached} folds: {sum(reached)} fits, one per fold reached, each on "
                "that fold's training rows. "
                + (
                    "Do not refit the best parameters on all rows: the caller does that"
                    if whole
                    else "A pruned trial must stop fitting: fit and score one fold at a time, "
                    "and ask should_prune() after each"
                )
            )

    def test_accepts_a_splitter(self, submission):
        """A KFold whose every call of split draws other folds: tune calls it once, before the
        first trial, so every trial is scored on the folds of that first call."""
        X, y = _data(60, 1)
        splitter = _ShiftingKFold(n_splits=4, shuffle=True, random_state=11)
        doing = (
            "tune(X, y, n_trials=3, seed=1, cv=a KFold(4, shuffle=True) splitter whose folds "
            "change at each call of split)"
        )
        _, _, study = _tune(submission.tune, X, y, 3, 1, splitter, doing)
        folds = list(KFold(4, shuffle=True, random_state=11).split(X, y))
        for k, trial in enumerate(_trials(study, doing)):
            if trial["state"] == "COMPLETE" and len(trial["steps"]) != 4:
                fail(
                    f"{doing}: trial {k} reported {len(trial['steps'])} folds, expected 4: a "
                    "splitter given as cv is used as given (its split(X, y) makes the folds)"
                )
            expected = _running(_fold_scores(X, y, trial["params"], 1, folds))
            if _matches(trial["steps"], expected):
                continue
            for calls in range(1, 4):
                redrawn = list(KFold(4, shuffle=True, random_state=11 + calls).split(X, y))
                if _matches(
                    trial["steps"], _running(_fold_scores(X, y, trial["params"], 1, redrawn))
                ):
                    fail(
                        f"{doing}: trial {k} was scored on the folds of call {calls + 1} of "
                        "cv.split, not the first: draw the folds once, folds = list(cv.split(X, "
                        "y)), before the first trial, so that every trial is compared on the "
                        "same rows (a splitter without a fixed random_state deals new folds at "
                        "every call)"
                    )
            fail(
                f"{doing}: trial {k} reported {[round(v, 4) for v in trial['steps'].values()]}, "
                f"expected {[round(v, 4) for v in expected[: len(trial['steps'])]]}: "
                + _why_scores_differ(X, y, trial["params"], 1, _FirstFolds(folds), trial["steps"])
            )

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_tune_cases(),
            submission.tune,
            reference.tune,
            _compare_runs,
            "tune(X, y, n_trials, seed, cv)",
        )

    @pytest.mark.parametrize(
        "bad",
        ["budget_and_folds", "data"],
        ids=["n_trials below 1, cv below 2", "bad X or y"],
    )
    def test_rejects_bad_input(self, submission, bad):
        X, y = _data(60, 8)
        cases = {
            "budget_and_folds": [
                ((X, y, 0, 0, 3), "n_trials=0 runs no trial"),
                ((X, y, -2, 0, 3), "n_trials=-2 is no budget"),
                ((X, y, 2, 0, 1), "cv=1 leaves no rows to validate on"),
                ((X, y, 2, 0, 0), "cv=0 makes no folds"),
            ],
            "data": [
                ((X[:, 0], y, 2, 0, 3), "a 1-D X is one feature or one row: X must be 2-D"),
                ((X, y[:-1], 2, 0, 3), "X has 60 rows but y has 59"),
                ((X, np.arange(60) % 3, 2, 0, 3), "y holds three labels, ROC AUC needs two"),
                ((X, np.zeros(60, dtype=int), 2, 0, 3), "y holds one label, ROC AUC needs two"),
            ],
        }[bad]
        for args, why in cases:
            name, message, fitted = submission.observe(_raises_before_fitting, *args)
            if name is None:
                fail(f"expected ValueError ({why}), but tune returned a result")
            if name != "ValueError":
                fail(f"expected ValueError ({why}), but tune raised {name}: {message}")
            if fitted:
                fail(
                    f"tune raised ValueError ({why}) only after fitting {fitted} models: check "
                    "the inputs first, before any trial runs"
                )
