"""Checks for 11_optimization/ex01_profile (see solutions/11_optimization/ex01_profile.py for the reference)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from autograder.assertions import fail

# ex01 · profile_pipeline
#
# Every check builds a pipeline of steps whose costs are known (they sleep: a sleep lasts at
# least as long as asked, whatever the load of the machine) inside the learner's process
# (`submission.observe`), fits it there, then profiles it. Each step logs every call it receives
# (which method, how wide its input was) so that the order, the number and the inputs of the
# calls are checked exactly; times are only compared with the sleeps, with wide margins.

MS = 1e-3
SLACK = 15 * MS  # what a busy machine may add to a fast call's median

_LOG: list[tuple[str, str, int]] = []  # (step tag, method, input width), in the learner's process


def _width(X: Any) -> int:
    return int(np.shape(X)[1]) if np.ndim(X) == 2 else 1


class _Step(TransformerMixin, BaseEstimator):
    """A transformer with known costs: `cost` seconds per transform call, plus `per_column`
    seconds per input column, plus `first` on its first call and `nth_cost` on call `nth`
    (1-based); `fit_cost` seconds per fit. It returns its input (tiled `widen` times)."""

    def __init__(
        self,
        tag="step",
        cost=0.0,
        per_column=0.0,
        first=0.0,
        nth=0,
        nth_cost=0.0,
        fit_cost=0.0,
        widen=1,
    ):
        self.tag = tag
        self.cost = cost
        self.per_column = per_column
        self.first = first
        self.nth = nth
        self.nth_cost = nth_cost
        self.fit_cost = fit_cost
        self.widen = widen

    def fit(self, X, y=None):
        _LOG.append((self.tag, "fit", _width(X)))
        time.sleep(self.fit_cost)
        self.fitted_ = True
        return self

    def transform(self, X):
        if not hasattr(self, "fitted_"):
            raise NotFittedError(f"step {self.tag!r} is not fitted")
        k = sum(1 for tag, method, _ in _LOG if tag == self.tag and method == "transform") + 1
        _LOG.append((self.tag, "transform", _width(X)))
        delay = self.cost + self.per_column * _width(X)
        delay += self.first if k == 1 else 0.0
        delay += self.nth_cost if k == self.nth else 0.0
        time.sleep(delay)
        X = np.asarray(X, dtype=np.float64)
        return np.tile(X, (1, self.widen)) if self.widen > 1 else X


class _PredictOnly(BaseEstimator):
    """A final step with predict only (a regressor, say)."""

    def __init__(self, tag="model", predict_cost=0.0):
        self.tag = tag
        self.predict_cost = predict_cost

    def fit(self, X, y=None):
        _LOG.append((self.tag, "fit", _width(X)))
        self.fitted_ = True
        return self

    def predict(self, X):
        _LOG.append((self.tag, "predict", _width(X)))
        time.sleep(self.predict_cost)
        return np.zeros(len(X))


class _ProbaNotClf(_PredictOnly):
    """A final step with predict_proba and predict that is not a classifier (a GaussianMixture,
    say): is_classifier says False, yet it has predict_proba."""

    def __init__(self, tag="model", proba_cost=0.0, predict_cost=0.0):
        super().__init__(tag, predict_cost)
        self.proba_cost = proba_cost

    def predict_proba(self, X):
        _LOG.append((self.tag, "predict_proba", _width(X)))
        time.sleep(self.proba_cost)
        return np.full((len(X), 2), 0.5)


class _Clf(ClassifierMixin, _ProbaNotClf):
    """A final step whose predict_proba costs `proba_cost` seconds and predict `predict_cost`."""

    def fit(self, X, y=None):
        super().fit(X, y)
        self.classes_ = np.array([0, 1])
        return self


class _ClfNoProba(ClassifierMixin, _PredictOnly):
    """A classifier with predict but no predict_proba as the final step (a LinearSVC, say):
    is_classifier says True, yet it cannot give probabilities."""

    def fit(self, X, y=None):
        super().fit(X, y)
        self.classes_ = np.array([0, 1])
        return self


_KINDS = {
    "step": _Step,
    "clf": _Clf,
    "predict_only": _PredictOnly,
    "clf_no_proba": _ClfNoProba,
    "proba_not_clf": _ProbaNotClf,
}


def _build(spec: list) -> Pipeline:
    """A Pipeline from [(name, kind, params)], where kind "passthrough" / None is that step."""
    steps = []
    for name, kind, params in spec:
        if kind == "passthrough" or kind is None:
            steps.append((name, kind))
        else:
            steps.append((name, _KINDS[kind](tag=name, **params)))
    return Pipeline(steps)


def _data(n: int = 20, width: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, width)), np.arange(n) % 2


def _table_facts(table: Any) -> dict:
    """Plain facts about what profile_pipeline returned."""
    facts: dict[str, Any] = {"type": f"{type(table).__module__}.{type(table).__qualname__}"}
    if not isinstance(table, pd.DataFrame):
        return facts
    facts["index"] = [str(i) for i in table.index]
    facts["columns"] = [str(c) for c in table.columns]
    facts["dtypes"] = {str(c): str(t) for c, t in table.dtypes.items()}
    data = {}
    for column in ("seconds", "share"):
        if column in table.columns:
            try:
                data[column] = [float(v) for v in table[column]]
            except (TypeError, ValueError):
                data[column] = None
    facts["data"] = data
    return facts


# --- run in the learner's process -----------------------------------------------------------


def _profile(module, spec: list, repeats: Any = None, n: int = 20, fit: bool = True) -> dict:
    """Build and fit the pipeline of `spec`, then profile it; the table and the calls it made."""
    pipeline = _build(spec)
    X, y = _data(n if n > 0 else 20)
    if fit:
        pipeline.fit(X, y)
    if n == 0:
        X = X[:0]
    _LOG.clear()
    facts: dict[str, Any] = {"error": None}
    start = time.perf_counter()
    try:
        table = (
            module.profile_pipeline(pipeline, X)
            if repeats is None
            else module.profile_pipeline(pipeline, X, repeats)
        )
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        facts["error"] = (type(exc).__name__, str(exc)[:300], isinstance(exc, ValueError))
        table = None
    facts["elapsed"] = time.perf_counter() - start
    facts["log"] = list(_LOG)
    facts["table"] = _table_facts(table)
    return facts


def _profile_other(module, what: str) -> tuple:
    """(exception name, message, is a ValueError, calls) for a first argument that is not a
    Pipeline."""
    X, y = _data()
    est = _Clf(tag="model").fit(X, y) if what == "estimator" else [("model", _Clf(tag="model"))]
    _LOG.clear()
    try:
        module.profile_pipeline(est, X)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        return type(exc).__name__, str(exc)[:300], isinstance(exc, ValueError), list(_LOG)
    return None, "", False, list(_LOG)


def _real_pipeline(seed: int = 0) -> tuple[Pipeline, pd.DataFrame]:
    """A real scikit-learn pipeline on a DataFrame: a cheap scaler, a costly polynomial expansion
    (20 columns -> 1,770), and a logistic regression (~10x cheaper than the expansion here)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(600, 20)), columns=[f"f{k}" for k in range(20)])
    y = (X["f0"] + X["f1"] * X["f2"] + rng.normal(size=len(X)) > 0).astype(int)
    pipeline = Pipeline(
        [
            ("scale", StandardScaler()),
            ("poly", PolynomialFeatures(degree=3, include_bias=False)),
            ("model", LogisticRegression(max_iter=50)),
        ]
    )
    pipeline.fit(X.iloc[:300], y.iloc[:300])
    return pipeline, X


def _profile_real(module) -> dict:
    pipeline, X = _real_pipeline()
    before = pipeline.named_steps["scale"].mean_.copy()
    try:
        table = module.profile_pipeline(pipeline, X, 3)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        return {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    after = pipeline.named_steps["scale"].mean_
    return {
        "error": None,
        "table": _table_facts(table),
        "unchanged": bool(np.array_equal(before, after)),
    }


def _profile_frame(module) -> dict:
    """A pipeline whose first step selects DataFrame columns BY NAME: it only works on X itself."""
    from sklearn.compose import ColumnTransformer

    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(40, 3)), columns=["amount", "hour", "age"])
    y = (X["amount"] > 0).astype(int)
    pick = ColumnTransformer([("num", StandardScaler(), ["amount", "age"])])
    pipeline = Pipeline([("pick", pick), ("model", LogisticRegression())]).fit(X, y)
    try:
        table = module.profile_pipeline(pipeline, X, 2)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        return {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return {"error": None, "table": _table_facts(table)}


# --- in the grader's process ----------------------------------------------------------------


def _run(submission, spec: list, repeats: Any = None, n: int = 20, fit: bool = True) -> dict:
    facts = submission.observe(_profile, spec, repeats, n, fit)
    if facts["error"] is not None and n > 0 and fit:
        name, message, _ = facts["error"]
        fail(f"profile_pipeline raised {name}: {message}, on a fitted pipeline {_names(spec)}")
    return facts


def _final_step(submission, kind: str, what: str, cost: str, seconds: float) -> tuple[dict, float]:
    """Profile a scaler then a final step of `kind` whose method costs `seconds` a call (`cost`
    is its keyword: proba_cost or predict_cost), with repeats=3; the run's facts and the final
    step's seconds in the table. Fails when profile_pipeline raised."""
    spec = [("scale", "step", {}), ("model", kind, {cost: seconds})]
    facts = submission.observe(_profile, spec, 3, 20, True)
    if facts["error"] is not None:
        name, message, _ = facts["error"]
        fail(
            f"profile_pipeline raised {name}: {message}, on a fitted pipeline whose final step "
            f"is {what}: the final step runs predict_proba when it has one "
            "(hasattr(step, 'predict_proba')), else predict; whether it is a classifier "
            "(is_classifier) does not decide"
        )
    return facts, _row(_table(facts, _names(spec)), _names(spec), "model")[0]


def _names(spec: list) -> list[str]:
    return [name for name, *_ in spec]


def _table(facts: dict, expected_index: list[str]) -> dict[str, np.ndarray]:
    """The table's columns as arrays, after checking its layout."""
    table = facts["table"]
    if table["type"] != "pandas.DataFrame":
        fail(f"profile_pipeline should return a pandas DataFrame, got {table['type']}")
    if sorted(table["columns"]) != ["seconds", "share"]:
        fail(
            f"the table should have exactly the columns 'seconds' and 'share', got "
            f"{table['columns']}"
        )
    if table["index"] != expected_index:
        fail(
            f"the table should be indexed by the step names in the pipeline's order "
            f"{expected_index} (one row per step that runs), got {table['index']}"
        )
    out = {}
    for column in ("seconds", "share"):
        if table["data"].get(column) is None or not table["dtypes"][column].startswith("float"):
            fail(f"column {column!r} should hold floats, got dtype {table['dtypes'][column]}")
        out[column] = np.asarray(table["data"][column], dtype=np.float64)
    return out


def _row(columns: dict, index: list[str], name: str) -> tuple[float, float]:
    k = index.index(name)
    return float(columns["seconds"][k]), float(columns["share"][k])


def _calls(facts: dict, tag: str) -> list[tuple[str, int]]:
    return [(method, width) for t, method, width in facts["log"] if t == tag]


class TestProfilePipeline:
    def test_table_layout(self, submission):
        spec = [
            ("scale", "step", {"cost": 2 * MS}),
            ("expand", "step", {"cost": 1 * MS}),
            ("model", "clf", {"proba_cost": 1 * MS}),
        ]
        facts = _run(submission, spec, 2)
        _table(facts, _names(spec))

    def test_known_costs(self, submission):
        spec = [
            ("cheap", "step", {"cost": 2 * MS}),
            ("costly", "step", {"cost": 40 * MS}),
            ("model", "clf", {"proba_cost": 10 * MS}),
        ]
        facts = _run(submission, spec, 3)
        columns = _table(facts, _names(spec))
        for name, cost in (("cheap", 2 * MS), ("costly", 40 * MS), ("model", 10 * MS)):
            seconds, _ = _row(columns, _names(spec), name)
            if not 0.9 * cost <= seconds <= cost + SLACK:
                fail(
                    f"step {name!r} takes {cost * 1e3:.0f} ms per call (it sleeps that long), "
                    f"but your table says {seconds * 1e3:.2f} ms: its seconds should be the median "
                    "time of ONE call of that step"
                )
        seconds, share = _row(columns, _names(spec), "costly")
        if not 0.55 <= share <= 0.9:
            fail(
                f"the costly step is about 40 / 52 of the time, but its share is {share:.3f}: "
                "share is a step's seconds divided by the total of the seconds column"
            )

    def test_shares_sum_to_one(self, submission):
        spec = [
            ("a", "step", {"cost": 3 * MS}),
            ("b", "step", {"cost": 6 * MS}),
            ("c", "step", {"cost": 1 * MS}),
            ("model", "clf", {"proba_cost": 2 * MS}),
        ]
        facts = _run(submission, spec, 2)
        columns = _table(facts, _names(spec))
        seconds, share = columns["seconds"], columns["share"]
        if not np.all(seconds > 0):
            fail(f"every step sleeps, so every seconds should be > 0, got {seconds.tolist()}")
        if not np.isclose(share.sum(), 1.0, rtol=0, atol=1e-9):
            fail(f"the shares should sum to 1, got {share.sum():.6g} ({share.tolist()})")
        if not np.allclose(share, seconds / seconds.sum(), rtol=1e-9, atol=1e-12):
            fail(
                f"share should be seconds / (total of the seconds column): expected "
                f"{(seconds / seconds.sum()).round(6).tolist()}, got {share.round(6).tolist()}"
            )

    def test_each_step_on_its_real_input(self, submission):
        # "widen" turns 4 columns into 40; "by_width" costs 1 ms per input column (40 ms on its
        # real input, 4 ms on the raw X); the model must see the 40 columns too.
        spec = [
            ("widen", "step", {"widen": 10}),
            ("by_width", "step", {"per_column": 1 * MS}),
            ("model", "clf", {}),
        ]
        facts = _run(submission, spec, 3)
        for tag in ("by_width", "model"):
            widths = sorted({w for _, w in _calls(facts, tag)})
            if widths != [40]:
                fail(
                    f"step {tag!r} was called on inputs of width {widths}; it should only see "
                    "the output of the steps before it (40 columns here), never the raw X "
                    "(4 columns): a step's cost depends on what it is given"
                )
        columns = _table(facts, _names(spec))
        seconds, _ = _row(columns, _names(spec), "by_width")
        if seconds < 36 * MS:
            fail(
                f"'by_width' takes 40 ms per call on its real input (40 columns), but your "
                f"table says {seconds * 1e3:.2f} ms: time each step on the output of the steps "
                "before it"
            )

    def test_warm_up_call_not_timed(self, submission):
        # "lazy" pays 150 ms on its first call only (a cache filled, a library imported).
        spec = [("lazy", "step", {"first": 150 * MS}), ("model", "clf", {})]
        facts = _run(submission, spec, 5)
        calls = _calls(facts, "lazy")
        if len(calls) != 6:
            fail(
                f"with repeats=5 each step should be called 6 times (one untimed warm-up call, "
                f"then 5 timed calls); 'lazy' was called {len(calls)} times"
            )
        columns = _table(facts, _names(spec))
        seconds, _ = _row(columns, _names(spec), "lazy")
        if seconds > SLACK:
            fail(
                f"'lazy' pays 150 ms on its first call only, then ~0 ms; your table says "
                f"{seconds * 1e3:.2f} ms: the first call is a warm-up, not timed, and the time "
                "is the median of the calls after it"
            )
        # With repeats=1 the one timed call alone decides: a warm-up counted among the timings
        # (the median of [150 ms, ~0]) shows at once.
        facts = _run(submission, spec, 1)
        columns = _table(facts, _names(spec))
        seconds, _ = _row(columns, _names(spec), "lazy")
        if seconds > 40 * MS:  # one timed call, no median to absorb a stall: a wider margin
            fail(
                f"with repeats=1, 'lazy' pays 150 ms on its warm-up call only and ~0 ms on the "
                f"one timed call, but your table says {seconds * 1e3:.2f} ms: the warm-up call "
                "is not one of the timings; the time is the median of the `repeats` calls after it"
            )

    def test_median_not_mean(self, submission):
        # "jumpy" pauses 200 ms on its 3rd call only (a pause of the machine): the mean of 5
        # calls would be 40 ms, the median stays ~0.
        spec = [("jumpy", "step", {"nth": 3, "nth_cost": 200 * MS}), ("model", "clf", {})]
        facts = _run(submission, spec, 5)
        columns = _table(facts, _names(spec))
        seconds, _ = _row(columns, _names(spec), "jumpy")
        if seconds > SLACK:
            fail(
                f"'jumpy' is ~0 ms per call except one 200 ms pause; your table says "
                f"{seconds * 1e3:.2f} ms: use the median of the timed calls, which one slow "
                "call cannot move (a mean can)"
            )
        # "mostly_slow" takes 20 ms per call except its 3rd call (the 2nd timed one), ~0 ms:
        # the median of 5 calls is 20 ms, the fastest call (a minimum) ~0.
        spec = [
            ("mostly_slow", "step", {"cost": 20 * MS, "nth": 3, "nth_cost": -20 * MS}),
            ("model", "clf", {}),
        ]
        facts = _run(submission, spec, 5)
        columns = _table(facts, _names(spec))
        seconds, _ = _row(columns, _names(spec), "mostly_slow")
        if seconds < 15 * MS:
            fail(
                f"'mostly_slow' takes 20 ms on 4 of its 5 timed calls and ~0 ms on one; your "
                f"table says {seconds * 1e3:.2f} ms: use the median of the timed calls (20 ms "
                "here), not the fastest one: one lucky call says nothing of a typical one"
            )

    def test_never_fits(self, submission):
        # "slow_fit" takes 150 ms to fit and ~0 ms to transform.
        spec = [("slow_fit", "step", {"fit_cost": 150 * MS}), ("model", "clf", {})]
        facts = _run(submission, spec, 3)
        fits = [t for t, method, _ in facts["log"] if method == "fit"]
        if fits:
            fail(
                f"profile_pipeline fitted {sorted(set(fits))}: it must never fit (the pipeline "
                "is already fitted, and prediction time does not include fit)"
            )
        columns = _table(facts, _names(spec))
        seconds, _ = _row(columns, _names(spec), "slow_fit")
        if seconds > SLACK:
            fail(
                f"'slow_fit' transforms in ~0 ms (its fit takes 150 ms); your table says "
                f"{seconds * 1e3:.2f} ms: time transform alone, never fit or fit_transform"
            )

    def test_unfitted_pipeline_raises(self, submission):
        spec = [("scale", "step", {}), ("model", "clf", {})]
        facts = submission.observe(_profile, spec, 3, 20, False)
        fits = [t for t, method, _ in facts["log"] if method == "fit"]
        if fits:
            fail(f"profile_pipeline fitted {sorted(set(fits))} of a pipeline that was not fitted")
        if facts["error"] is None or not facts["error"][2]:
            got = "nothing" if facts["error"] is None else facts["error"][0]
            fail(
                f"a pipeline that is not fitted should raise scikit-learn's NotFittedError (a "
                f"ValueError) from its first step, got {got}"
            )

    def test_final_step_predict_proba(self, submission):
        cases = [
            ("clf", "a classifier with predict_proba"),
            ("proba_not_clf", "a step with predict_proba that is not a classifier"),
        ]
        for kind, what in cases:
            facts, seconds = _final_step(submission, kind, what, "proba_cost", 30 * MS)
            methods = sorted({m for m, _ in _calls(facts, "model")})
            if methods != ["predict_proba"]:
                fail(
                    f"the final step ({what}) has predict_proba, so it should be timed on "
                    f"predict_proba (what a scoring service calls), but these were called: "
                    f"{methods}: the method is decided by hasattr(step, 'predict_proba'), not by "
                    "whether the step is a classifier"
                )
            if seconds < 27 * MS:
                fail(
                    f"the final step's predict_proba takes 30 ms per call, but your table says "
                    f"{seconds * 1e3:.2f} ms"
                )

    def test_final_step_predict_when_no_proba(self, submission):
        cases = [
            ("predict_only", "a step with predict only (a regressor)"),
            ("clf_no_proba", "a classifier without predict_proba (a LinearSVC, say)"),
        ]
        for kind, what in cases:
            facts, seconds = _final_step(submission, kind, what, "predict_cost", 20 * MS)
            calls = _calls(facts, "model")
            if [m for m, _ in calls] != ["predict"] * 4:
                fail(
                    f"a final step without predict_proba ({what}) should be timed on predict, 4 "
                    f"times with repeats=3; it received {[m for m, _ in calls]}"
                )
            if seconds < 18 * MS:
                fail(
                    f"the final step's predict takes 20 ms, but your table says "
                    f"{seconds * 1e3:.2f} ms"
                )

    def test_calls_per_step(self, submission):
        spec = [("a", "step", {}), ("b", "step", {"widen": 2}), ("model", "clf", {})]
        expected = {
            "a": [("transform", 4)],
            "b": [("transform", 4)],
            "model": [("predict_proba", 8)],
        }
        for repeats, shown in ((None, "the default (7)"), (np.int64(2), "numpy.int64(2)")):
            facts = _run(submission, spec, repeats)
            n = 8 if repeats is None else 3
            for tag, calls in expected.items():
                got = _calls(facts, tag)
                if got != calls * n:
                    fail(
                        f"with repeats={shown}, step {tag!r} should receive exactly {n} calls "
                        f"(one warm-up, then the timed ones) of {calls[0][0]} on an input of "
                        f"width {calls[0][1]}; it received {got}"
                    )
            order = [t for t, _, _ in facts["log"]]
            if order != sorted(order, key=["a", "b", "model"].index):
                fail(
                    "the steps should be profiled one after another in the pipeline's order "
                    "(each needs the output of the steps before it)"
                )

    def test_passthrough_steps_have_no_row(self, submission):
        spec = [
            ("a", "step", {"cost": 1 * MS}),
            ("skip", "passthrough", None),
            ("none", None, None),
            ("b", "step", {"widen": 3}),
            ("model", "clf", {}),
        ]
        facts = _run(submission, spec, 2)
        _table(facts, ["a", "b", "model"])
        if _calls(facts, "model")[0] != ("predict_proba", 12):
            fail("the final step should receive the output of every step before it")

    def test_wrong_arguments_raise(self, submission):
        spec = [("scale", "step", {}), ("model", "clf", {})]
        cases = [
            (spec, 0, 20, "repeats=0"),
            (spec, -1, 20, "repeats=-1"),
            (spec, True, 20, "repeats=True (a bool)"),
            (spec, 2.0, 20, "repeats=2.0 (a float)"),
            (spec, "3", 20, "repeats='3' (a string)"),
            (spec, 3, 0, "an X with no rows"),
            ([("scale", "step", {}), ("last", "step", {})], 3, 20, "a final step with neither "),
            (
                [("scale", "step", {}), ("last", "passthrough", None)],
                3,
                20,
                "a 'passthrough' final step (no predict_proba nor predict: it cannot score)",
            ),
        ]
        for case, repeats, n, what in cases:
            if what.startswith("a final step"):
                what += "predict_proba nor predict"
            facts = submission.observe(_profile, case, repeats, n, True)
            if facts["error"] is None or not facts["error"][2]:
                got = "nothing" if facts["error"] is None else facts["error"][0]
                fail(f"{what} should raise ValueError, got {got}")
            if facts["log"]:
                fail(
                    f"{what} should raise ValueError before any step runs, but steps were "
                    f"called: {facts['log'][:4]}"
                )
        for what in ("estimator", "list"):
            name, message, is_value_error, log = submission.observe(_profile_other, what)
            shown = "a fitted classifier" if what == "estimator" else "a list of (name, step)"
            if not is_value_error:
                fail(
                    f"{shown} instead of a Pipeline should raise ValueError, got "
                    f"{name or 'nothing'}"
                )
            if log:
                fail(f"{shown} instead of a Pipeline should raise before calling anything")

    def test_first_step_gets_x_itself(self, submission):
        facts = submission.observe(_profile_frame)
        if facts["error"] is not None:
            fail(
                f"profile_pipeline raised {facts['error']} on a pipeline whose first step (a "
                "ColumnTransformer) selects the DataFrame's columns by name: the first step "
                "runs on X itself, as the pipeline's predict_proba gives it (not np.asarray(X))"
            )
        _table({"table": facts["table"]}, ["pick", "model"])

    def test_real_pipeline_like_the_reference(self, submission, reference):
        # A real scikit-learn pipeline on a DataFrame; the reference profiles it here too.
        facts = submission.observe(_profile_real)
        if facts["error"] is not None:
            fail(
                f"profile_pipeline raised {facts['error']} on a real pipeline (a scaler, "
                "polynomial features, a logistic regression) and a DataFrame"
            )
        if not facts["unchanged"]:
            fail("profile_pipeline changed the fitted pipeline (its scaler's mean_): never fit")
        columns = _table({"table": facts["table"]}, ["scale", "poly", "model"])
        pipeline, X = _real_pipeline()
        expected = reference.profile_pipeline(pipeline, X, 3)
        if not np.all(columns["seconds"] > 0):
            fail(f"every step takes some time, got seconds {columns['seconds'].tolist()}")
        top = expected["seconds"].sort_values(ascending=False)
        if top.iloc[0] >= 4 * top.iloc[1]:  # a clear winner on this machine, now
            slowest = ["scale", "poly", "model"][int(np.argmax(columns["seconds"]))]
            # A busy machine can stall two of a fast step's three calls: profile again (at
            # most twice more) before calling a disagreement a mistake.
            for _ in range(2):
                if slowest == top.index[0]:
                    break
                again = submission.observe(_profile_real)
                if again["error"] is None:
                    columns = _table({"table": again["table"]}, ["scale", "poly", "model"])
                    slowest = ["scale", "poly", "model"][int(np.argmax(columns["seconds"]))]
            if slowest != top.index[0]:
                fail(
                    f"on this pipeline the reference finds {top.index[0]!r} the slowest step "
                    f"(>= 4x the next), but your table says {slowest!r} (three times)"
                )
