"""Checks for 13_data_centric/ex05_active_learning (see solutions/13_data_centric/ex05_active_learning.py for the reference)."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from autograder.assertions import assert_close, expect_raises, fail

# ex05 · uncertainty_sampling, run_loop
#
# The spy model (SpyModel) lives in the learner's process during run_loop (submission.observe):
# every construction, fit, predict_proba and predict is written to _LOG there, and the log comes
# back as plain data. Its probability of class 1 is a logistic curve of feature 1 centred on the
# mean of feature 1 over the rows it was fitted on, so each round's model ranks the pool
# differently. Feature 0 holds a row id (pool: 0..n-1, test: -1..-m).

_LOG: list[tuple] = []  # in the learner's process


def _spy_proba(x1: np.ndarray, center: float) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-3.0 * (x1 - center)))
    return np.column_stack([1.0 - p, p])


class SpyModel:
    """A classifier that records what it is given (in _LOG)."""

    def __init__(self) -> None:
        self.number = sum(1 for event in _LOG if event[0] == "new")
        self.center: float | None = None
        _LOG.append(("new", self.number))

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
        _LOG.append(("fit", self.number, X[:, 0].astype(int).tolist(), y.astype(int).tolist()))
        self.center = float(np.mean(X[:, 1]))
        return self

    def _require_fit(self, what: str) -> None:
        if self.center is None:
            raise RuntimeError(f"SpyModel.{what} called before fit")

    def predict_proba(self, X):
        self._require_fit("predict_proba")
        X = np.asarray(X, dtype=np.float64)
        _LOG.append(("proba", self.number, X[:, 0].astype(int).tolist()))
        return _spy_proba(X[:, 1], self.center)

    def predict(self, X):
        self._require_fit("predict")
        X = np.asarray(X, dtype=np.float64)
        pred = (_spy_proba(X[:, 1], self.center)[:, 1] >= 0.5).astype(int)
        _LOG.append(("predict", self.number, X[:, 0].astype(int).tolist(), pred.tolist()))
        return pred

    def score(self, X, y):
        return float(np.mean(self.predict(X) == np.asarray(y)))


class FixedProba:
    """A 'fitted' model whose probabilities are a fixed table, row = int(feature 0)."""

    def __init__(self, table: np.ndarray) -> None:
        self.table = np.asarray(table, dtype=np.float64)
        self.classes_ = np.arange(self.table.shape[1])

    def predict_proba(self, X):
        return self.table[np.asarray(X, dtype=np.float64)[:, 0].astype(int)]


def _spy_data(n_pool: int, n_test: int, seed: int):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n_pool + n_test)
    y = (x1 + rng.normal(scale=0.7, size=x1.size) > 0.3).astype(int)
    ids = np.r_[np.arange(n_pool), -1 - np.arange(n_test)].astype(np.float64)
    X = np.column_stack([ids, x1])
    return X[:n_pool], y[:n_pool], X[n_pool:], y[n_pool:]


# --- run in the learner's process -----------------------------------------------------------


def _spy_run(module, args: dict, repeat: int = 1) -> list[dict]:
    """run_loop with SpyModel as the factory, `repeat` times; each run's log and curve."""
    runs = []
    for _ in range(repeat):
        _LOG.clear()
        curve = module.run_loop(SpyModel, **args)
        if isinstance(curve, pd.DataFrame):
            result: Any = {
                "columns": [str(c) for c in curve.columns],
                "index": [int(i) for i in range(len(curve))] == list(curve.index),
                "dtypes": {str(c): str(t) for c, t in curve.dtypes.items()},
                "rows": curve.to_dict(orient="list"),
            }
        else:
            result = type(curve).__name__
        runs.append({"log": list(_LOG), "curve": result})
    _LOG.clear()
    return runs


# --- helpers ----------------------------------------------------------------------------------


def _spy_args(n_pool=60, n_test=25, initial=5, batch=4, budget=17, strategy="uncertainty", seed=3):
    X_pool, y_pool, X_test, y_test = _spy_data(n_pool, n_test, seed=100 + seed)
    return {
        "X_pool": X_pool,
        "y_pool": y_pool,
        "X_test": X_test,
        "y_test": y_test,
        "initial": initial,
        "batch": batch,
        "budget": budget,
        "strategy": strategy,
        "seed": seed,
    }


def _sizes(initial: int, batch: int, budget: int) -> list[int]:
    sizes = [initial]
    while sizes[-1] < budget:
        sizes.append(min(sizes[-1] + batch, budget))
    return sizes


def _observe(submission, args: dict, repeat: int = 1) -> list[dict]:
    try:
        return submission.observe(_spy_run, args, repeat)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"run_loop raised {type(exc).__name__}: {exc}, with a spy model as model_factory")


def _rounds(run: dict, args: dict, where: str) -> list[dict]:
    """The log cut into rounds (one per model built), with basic rules checked."""
    rounds: list[dict] = []
    for event in run["log"]:
        kind, number = event[0], event[1]
        if kind == "new":
            rounds.append({"fits": [], "probas": [], "predicts": []})
            continue
        if number != len(rounds) - 1:
            fail(
                f"{where}: model #{number} was used ({kind}) after model #{len(rounds) - 1} was "
                "built: each round uses the model built (and fitted) in that round"
            )
        rounds[-1][{"fit": "fits", "proba": "probas", "predict": "predicts"}[kind]].append(event)
    want = _sizes(args["initial"], args["batch"], args["budget"])
    if len(rounds) != len(want):
        fail(
            f"{where}: model_factory was called {len(rounds)} times, expected {len(want)} (one "
            f"fresh model per round: training sets of {want} rows). A model built once and "
            "never retrained does not learn from the labels it asked for"
        )
    for r, (rnd, size) in enumerate(zip(rounds, want, strict=True)):
        if len(rnd["fits"]) != 1:
            fail(f"{where}: round {r}'s model was fitted {len(rnd['fits'])} times, expected once")
        ids = rnd["fits"][0][2]
        if len(ids) != size or len(set(ids)) != size:
            fail(
                f"{where}: round {r}'s model was fitted on {len(ids)} rows "
                f"({len(set(ids))} distinct), expected {size} distinct rows (sizes {want}: "
                f"initial={args['initial']}, then batch={args['batch']} more a round, never "
                f"past budget={args['budget']})"
            )
        labels = rnd["fits"][0][3]
        truth = [int(args["y_pool"][i]) for i in ids]
        if labels != truth:
            fail(f"{where}: round {r}'s model got labels that are not y_pool's for its rows")
        if r and not set(rounds[r - 1]["fits"][0][2]) <= set(ids):
            fail(
                f"{where}: round {r}'s training rows do not include round {r - 1}'s: a labelled "
                "row stays labelled, and each round retrains on all of them"
            )
        # In the order they were labelled: the initial draw as drawn (a wrong draw is left to
        # test_seed_drives_the_initial_set), then each round's new rows after the earlier ones.
        before = rounds[r - 1]["ids"] if r else _initial_draw(args)[1].tolist()
        if (r or sorted(ids) == sorted(before)) and ids[: len(before)] != before:
            what = f"round {r - 1}'s rows" if r else "the initial draw"
            fail(
                f"{where}: round {r}'s model was fitted on the pool rows {ids[:12]}..., which "
                f"do not start with {what}, {before[:12]}..., in that order: fit on the "
                "labelled rows in the order they were labelled (the initial draw as drawn, "
                "then each round's new rows appended), not sorted"
            )
        rnd["ids"] = ids
    return rounds


def _check_curve(run: dict, rounds: list[dict], args: dict, where: str) -> None:
    curve = run["curve"]
    if not isinstance(curve, dict):
        fail(f"{where}: run_loop returned a {curve}, expected a DataFrame")
    if curve["columns"] != ["n_labelled", "accuracy"] or not curve["index"]:
        fail(
            f"{where}: the curve has the columns {curve['columns']}, expected ['n_labelled', "
            "'accuracy'] with a fresh 0..n-1 index"
        )
    sizes = [len(r["ids"]) for r in rounds]
    got = curve["rows"]["n_labelled"]
    if [int(v) for v in got] != sizes or not curve["dtypes"]["n_labelled"].startswith("int"):
        fail(
            f"{where}: n_labelled is {got} ({curve['dtypes']['n_labelled']}), expected the "
            f"training-set size of each round, as integers: {sizes}"
        )
    y_test = np.asarray(args["y_test"])
    test_ids = [int(i) for i in np.asarray(args["X_test"])[:, 0]]
    want = []
    for r, rnd in enumerate(rounds):
        on_test = [e for e in rnd["predicts"] if e[2] == test_ids]
        if not on_test:
            fail(f"{where}: round {r}'s model never predicted X_test (its accuracy comes from it)")
        want.append(float(np.mean(np.asarray(on_test[-1][3]) == y_test)))
    assert_close(
        np.asarray(curve["rows"]["accuracy"], dtype=np.float64),
        np.asarray(want),
        f"{where}: the accuracy column",
        rtol=0,
        atol=1e-12,
        why="each round's accuracy is mean(model.predict(X_test) == y_test) of that round's model",
    )


def _initial_draw(args: dict) -> tuple[np.random.Generator, np.ndarray]:
    rng = np.random.default_rng(args["seed"])
    return rng, rng.choice(len(args["X_pool"]), size=args["initial"], replace=False)


def _uncertain_expected(args: dict, ids: list[int], take: int) -> list[int]:
    x1 = np.asarray(args["X_pool"])[:, 1]
    center = float(np.mean(x1[ids]))
    unlabelled = np.setdiff1d(np.arange(len(x1)), ids)
    confidence = _spy_proba(x1[unlabelled], center).max(axis=1)
    return sorted(unlabelled[np.argsort(confidence, kind="stable")[:take]].tolist())


def _sample(submission, model, pool, batch, where: str) -> list[int]:
    try:
        got = submission.uncertainty_sampling(model, pool, batch)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        fail(f"uncertainty_sampling raised {type(exc).__name__}: {exc}, on {where}")
    if not isinstance(got, np.ndarray) or got.dtype.kind not in "iu":
        kind = getattr(got, "dtype", type(got).__name__)
        fail(f"uncertainty_sampling returned {kind}, expected a NumPy array of integers")
    return [int(v) for v in got]


def _breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    return X[:400], y[:400], X[400:], y[400:]


# Binary: P(class 1) per row; confidence max(p, 1 - p) = .75 .5 .75 .625 .5 .875 .625 1.
BINARY = np.array([0.75, 0.5, 0.25, 0.625, 0.5, 0.875, 0.375, 1.0])
# Three classes: least confident c (.375), e (.4375), a (.5), b (.5), d (.625). By the margin
# between the top two, b (0) would come first; by entropy, c then a.
THREE = np.array(
    [
        [0.5, 0.25, 0.25],
        [0.5, 0.5, 0.0],
        [0.375, 0.375, 0.25],
        [0.625, 0.25, 0.125],
        [0.125, 0.4375, 0.4375],
    ]
)


class TestUncertaintySampling:
    def test_binary_least_confident_first(self, submission):
        model = FixedProba(np.column_stack([1 - BINARY, BINARY]))
        pool = np.column_stack([np.arange(8.0), np.zeros(8)])
        for batch, want in ((5, [1, 4, 3, 6, 0]), (8, [1, 4, 3, 6, 0, 2, 5, 7]), (1, [1])):
            got = _sample(submission, model, pool, batch, f"8 rows, batch={batch}")
            if got != want:
                fail(
                    f"uncertainty_sampling(batch={batch}) on P(class 1) = {BINARY.tolist()} "
                    f"returned {got}, expected {want}: the rows closest to 0.5 (least confident) "
                    "first, equal confidence by the smaller position. The most confident rows "
                    "teach the model nothing it does not know"
                )

    def test_three_classes_by_max_probability(self, submission):
        model = FixedProba(THREE)
        pool = np.column_stack([np.arange(5.0), np.zeros(5)])
        got = _sample(submission, model, pool, 4, "5 rows of 3 classes, batch=4")
        if got != [2, 4, 0, 1]:
            fail(
                f"uncertainty_sampling on {THREE.tolist()} returned {got}, expected [2, 4, 0, 1]: "
                "the lowest max probability first (not the margin, not the entropy), ties by "
                "the smaller position"
            )

    def test_positions_not_index_labels(self, submission):
        model = FixedProba(np.column_stack([1 - BINARY, BINARY]))
        order = [7, 5, 2, 0, 6, 3, 4, 1]  # the pool's rows in another order
        pool = pd.DataFrame({"row": np.array(order, dtype=float), "x": np.zeros(8)})
        pool.index = np.arange(8) * 10 + 100
        got = _sample(submission, model, pool, 3, "a DataFrame pool with index 100, 110, ...")
        # Rows 1 and 4 (confidence .5) sit at positions 7 and 6; rows 3 and 6 (.625) at 5 and 4.
        if got != [6, 7, 4]:
            fail(
                f"on a DataFrame pool indexed 100, 110, ..., uncertainty_sampling returned {got}, "
                "expected the positions [6, 7, 4] (0-based row numbers, not index labels; equal "
                "confidence by the smaller position)"
            )

    def test_batch_bounds(self, submission):
        model = FixedProba(np.column_stack([1 - BINARY, BINARY]))
        pool = np.column_stack([np.arange(8.0), np.zeros(8)])
        for batch, why in (
            (0, "batch=0"),
            (9, "batch=9 for a pool of 8 rows"),
            (True, "batch=True (a bool)"),
            (2.0, "batch=2.0 (not an integer)"),
        ):
            expect_raises(ValueError, submission.uncertainty_sampling, model, pool, batch, why=why)


class TestRunLoop:
    def test_retrained_from_scratch_on_the_labelled_rows(self, submission):
        args = _spy_args()
        where = "run_loop(SpyModel, 60 pool rows, initial=5, batch=4, budget=17, uncertainty)"
        run = _observe(submission, args)[0]
        rounds = _rounds(run, args, where)
        _check_curve(run, rounds, args, where)

    def test_most_uncertain_rows_chosen(self, submission):
        args = _spy_args(seed=4)
        where = "run_loop(SpyModel, initial=5, batch=4, budget=17, strategy='uncertainty')"
        rounds = _rounds(_observe(submission, args)[0], args, where)
        for r in range(1, len(rounds)):
            before, now = rounds[r - 1]["ids"], rounds[r]["ids"]
            added = sorted(set(now) - set(before))
            want = _uncertain_expected(args, before, len(added))
            if added != want:
                fail(
                    f"{where}: round {r} added the pool rows {added}, expected {want}: the "
                    f"unlabelled rows least confident under round {r - 1}'s model (the spy's "
                    "probability is closest to 0.5 there). Choosing the most confident rows, "
                    "or asking a model never retrained, wastes the budget"
                )

    def test_budget_never_exceeded(self, submission):
        for initial, batch, budget in ((5, 4, 15), (5, 10, 7), (6, 3, 6), (1, 1, 3)):
            args = _spy_args(initial=initial, batch=batch, budget=budget)
            where = f"run_loop(SpyModel, initial={initial}, batch={batch}, budget={budget})"
            run = _observe(submission, args)[0]
            rounds = _rounds(run, args, where)
            _check_curve(run, rounds, args, where)

    def test_seed_drives_the_initial_set(self, submission):
        args = _spy_args(seed=11)
        runs = _observe(submission, args, repeat=2)
        where = "run_loop(SpyModel, seed=11)"
        first, second = (_rounds(run, args, where) for run in runs)
        if [r["ids"] for r in first] != [r["ids"] for r in second] or (
            runs[0]["curve"] != runs[1]["curve"]
        ):
            fail(f"{where} twice gave two different runs: the same seed must give the same curve")
        _, want = _initial_draw(args)
        if sorted(first[0]["ids"]) != sorted(want.tolist()):
            fail(
                f"{where}: the initial labelled set is {sorted(first[0]['ids'])}, expected "
                f"{sorted(want.tolist())} = np.random.default_rng(seed).choice(len(X_pool), "
                "size=initial, replace=False), the first draw of the run's generator"
            )
        other = dict(args, seed=12)
        again = _rounds(_observe(submission, other)[0], other, "run_loop(SpyModel, seed=12)")
        if sorted(again[0]["ids"]) == sorted(first[0]["ids"]):
            fail("seeds 11 and 12 gave the same initial set: the seed must drive the draw")

    def test_random_strategy_draws_from_the_seed(self, submission):
        args = _spy_args(strategy="random", seed=5, initial=4, batch=3, budget=16)
        where = "run_loop(SpyModel, strategy='random', seed=5, initial=4, batch=3, budget=16)"
        run = _observe(submission, args)[0]
        rounds = _rounds(run, args, where)
        _check_curve(run, rounds, args, where)
        rng, labelled = _initial_draw(args)
        for r in range(1, len(rounds)):
            unlabelled = np.setdiff1d(np.arange(len(args["X_pool"])), labelled)
            take = len(rounds[r]["ids"]) - len(labelled)
            chosen = rng.choice(unlabelled, size=take, replace=False)
            added = sorted(set(rounds[r]["ids"]) - set(rounds[r - 1]["ids"]))
            if added != sorted(chosen.tolist()):
                fail(
                    f"{where}: round {r} added {added}, expected {sorted(chosen.tolist())} = "
                    "rng.choice(unlabelled, size=take, replace=False) with the run's generator "
                    "(after the initial draw), unlabelled in ascending order"
                )
            labelled = np.concatenate([labelled, chosen])

    def test_differential_logistic_regression(self, submission, reference):
        X_pool, y_pool, X_test, y_test = _breast_cancer()
        factory = partial(LogisticRegression, max_iter=1000)
        frame = pd.DataFrame(X_pool, index=np.arange(400) * 2 + 7)
        series = pd.Series(y_pool, index=frame.index)
        cases = [
            ("arrays, uncertainty, seed 0", X_pool, y_pool, "uncertainty", 0),
            ("arrays, random, seed 1", X_pool, y_pool, "random", 1),
            ("a DataFrame and a Series indexed 7, 9, ..., uncertainty", frame, series, "uncertainty", 2),
        ]  # fmt: skip
        for description, Xp, yp, strategy, seed in cases:
            args = (factory, Xp, yp, X_test, y_test, 10, 7, 45, strategy, seed)
            try:
                got = submission.run_loop(*args)
            except NotImplementedError:
                raise
            except Exception as exc:  # noqa: BLE001
                fail(
                    f"run_loop raised {type(exc).__name__}: {exc}, on breast cancer, {description}"
                )
            want = reference.run_loop(*args)
            if not isinstance(got, pd.DataFrame) or list(got.columns) != list(want.columns):
                fail(f"run_loop returned {type(got).__name__}, expected a DataFrame like {want}")
            if got["n_labelled"].tolist() != want["n_labelled"].tolist():
                fail(
                    f"on breast cancer ({description}, initial=10, batch=7, budget=45), "
                    f"n_labelled is {got['n_labelled'].tolist()}, expected "
                    f"{want['n_labelled'].tolist()}"
                )
            assert_close(
                got["accuracy"].to_numpy(),
                want["accuracy"].to_numpy(),
                f"the accuracy curve on breast cancer ({description})",
                rtol=0,
                atol=1e-9,
                why="the reference, from the same seed, labels the same rows in the same order",
            )

    def test_uncertainty_beats_random_over_seeds(self, submission):
        X_pool, y_pool, X_test, y_test = _breast_cancer()
        factory = partial(LogisticRegression, max_iter=1000)
        final = {}
        for strategy in ("uncertainty", "random"):
            scores = []
            for seed in range(6):
                curve = submission.run_loop(
                    factory, X_pool, y_pool, X_test, y_test, 10, 5, 40, strategy, seed
                )
                scores.append(float(np.asarray(curve["accuracy"])[-1]))
            final[strategy] = float(np.mean(scores))
        if not final["uncertainty"] > final["random"] + 0.01:
            fail(
                "on breast cancer (400 pool rows, initial=10, batch=5, budget=40, seeds 0-5), the "
                f"mean final accuracy is {final['uncertainty']:.3f} with uncertainty sampling and "
                f"{final['random']:.3f} with random sampling; the reference gets 0.970 and 0.945. "
                "Asking for the labels the model is least sure of should beat random rows"
            )

    def test_wrong_arguments(self, submission):
        base = _spy_args()
        y_pool = base["y_pool"]
        cases = [
            (dict(strategy="confident"), "strategy='confident'"),
            (dict(strategy="Random"), "strategy='Random' (the names are lower case, exactly)"),
            (dict(initial=0), "initial=0"),
            (dict(batch=0), "batch=0"),
            (dict(batch=True), "batch=True (a bool)"),
            (dict(initial=2.0), "initial=2.0 (not an integer)"),
            (dict(budget=4), "budget=4 below initial=5"),
            (dict(budget=61), "budget=61 above the 60 pool rows"),
            (dict(y_pool=y_pool[:-1]), "y_pool one row shorter than X_pool"),
        ]
        for change, why in cases:
            args = dict(base, **change)
            expect_raises(
                ValueError, submission.run_loop, partial(LogisticRegression), **args, why=why
            )
