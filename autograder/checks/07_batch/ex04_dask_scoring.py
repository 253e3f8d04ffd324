"""Checks for 07_batch/ex04_dask_scoring (see solutions/07_batch/ex04_dask_scoring.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from autograder.assertions import assert_close, fail

# ex04 · score_with_dask
#
# A Dask collection cannot cross back from the learner's process as data, so each check runs a
# module-level function of this module there (`submission.observe`): it builds the Dask DataFrame
# from a pandas frame, calls score_with_dask, and returns plain facts and computed pandas frames.

FEATURES = ["amount", "age_days", "n_prev", "hour"]  # the model's order
FILE_COLUMNS = ["note", "hour", "id", "amount", "n_prev", "age_days"]  # not the model's order

_CALLS: list[int] = []  # rows given to each predict_proba call, in the learner's process


class _CountingModel:
    """A fitted model that records how many rows each predict_proba call receives."""

    def __init__(self, model: LogisticRegression) -> None:
        self.model = model
        self.feature_names_in_ = model.feature_names_in_
        self.classes_ = model.classes_

    def predict_proba(self, X):
        _CALLS.append(len(X))
        return self.model.predict_proba(X)


def _model(seed: int = 0) -> LogisticRegression:
    train = _table(300, seed=900 + seed)
    logit = 0.8 * train["amount"] - 0.05 * train["age_days"] + 0.4 * train["n_prev"]
    y = (logit + np.random.default_rng(seed).normal(size=len(train)) > 0).astype(int)
    return LogisticRegression().fit(train[FEATURES], y)


def _table(n: int, seed: int, ids: str = "int") -> pd.DataFrame:
    """`n` rows in FILE_COLUMNS order, shuffled non-contiguous ids (int or str), index 0..n-1
    shifted by 500 (so that a result with a fresh 0-based index shows)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    id_col = order * 7 + 1003 if ids == "int" else np.array([f"tx-{k:05d}" for k in order * 7])
    frame = pd.DataFrame(
        {
            "note": rng.choice(["ok", "late", "new"], size=n),
            "hour": rng.integers(0, 24, size=n).astype(np.float64),
            "id": id_col,
            "amount": rng.normal(0.0, 2.0, size=n).round(4),
            "n_prev": rng.poisson(3.0, size=n).astype(np.float64),
            "age_days": rng.uniform(0, 40, size=n).round(3),
        },
        index=np.arange(500, 500 + n),
    )
    return frame[FILE_COLUMNS]


def _expected(frame: pd.DataFrame, model: Any) -> np.ndarray:
    """The scores of the whole table, scored at once in pandas."""
    return model.predict_proba(frame[FEATURES])[:, 1]


# --- run in the learner's process -----------------------------------------------------------


def _counting_scheduler(counter: list):
    import dask

    def get(dsk, keys, **kwargs):
        counter.append(1)
        return dask.get(dsk, keys, **kwargs)

    return get


def _build(module, frame: pd.DataFrame, npartitions: int, model, keep_above=None) -> dict:
    """Build the learner's result under a scheduler that counts computations, then compute it
    one partition at a time (synchronously), recording the model's calls per partition."""
    import dask
    import dask.dataframe as dd

    ddf = dd.from_pandas(frame, npartitions=npartitions, sort=False)
    if keep_above is not None:  # a filter that leaves some partitions empty
        ddf = ddf[ddf["amount"] > keep_above]
    computes: list = []
    _CALLS.clear()
    with dask.config.set(scheduler=_counting_scheduler(computes)):
        result = module.score_with_dask(ddf, model)
        facts: dict[str, Any] = {
            "type": f"{type(result).__module__}.{type(result).__qualname__}",
            "collection": bool(dask.is_dask_collection(result)),
            "dataframe": isinstance(result, dd.DataFrame),
        }
        if facts["dataframe"]:  # reading the meta may run the function on made-up rows
            facts["columns"] = [str(c) for c in result.columns]
            facts["meta_dtypes"] = [str(t) for t in result.dtypes]
            facts["npartitions"] = int(result.npartitions)
    facts["computes"] = len(computes)
    facts["calls_before_compute"] = list(_CALLS)
    facts["id_dtype"] = str(ddf["id"].dtype)
    inputs = [ddf.get_partition(k).compute(scheduler="sync") for k in range(ddf.npartitions)]
    facts["input_parts"] = [(p.index.to_numpy(), p["id"].to_numpy()) for p in inputs]
    if not facts["dataframe"]:
        return facts
    parts, calls, dtypes = [], [], []
    for k in range(result.npartitions):
        _CALLS.clear()
        part = result.get_partition(k).compute(scheduler="sync")
        calls.append(list(_CALLS))
        if isinstance(part, pd.DataFrame):
            dtypes.append([str(t) for t in part.dtypes])
        else:
            dtypes.append(None)
            part = type(part).__name__
        parts.append(part)
    facts.update(parts=parts, calls=calls, part_dtypes=dtypes)
    return facts


def _raises(module, frame: pd.DataFrame, model) -> tuple[str | None, str, int]:
    """(exception class name or None, message, computations) of score_with_dask on `frame`."""
    import dask
    import dask.dataframe as dd

    ddf = dd.from_pandas(frame, npartitions=2, sort=False)
    computes: list = []
    with dask.config.set(scheduler=_counting_scheduler(computes)):
        try:
            module.score_with_dask(ddf, model)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the check as data
            return type(exc).__name__, str(exc)[:300], len(computes)
    return None, "", len(computes)


def _on_local_cluster(module, cases: list, model) -> list:
    """Start a small LocalCluster of worker processes in the learner's process, compute the
    learner's result there for each (frame, npartitions), and shut the cluster down."""
    import logging

    import dask
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    # The learner's function is called first, before any cluster starts: an untouched stub
    # raises NotImplementedError at once, and a wrong answer's error costs no cluster start-up.
    built: list = []
    for frame, npartitions in cases:
        ddf = dd.from_pandas(frame, npartitions=npartitions, sort=False)
        try:
            built.append(module.score_with_dask(ddf, model))
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the check as data
            built.append(f"{type(exc).__name__}: {str(exc)[:300]}")
    out: list = []
    # Workers forked from this process start in a fraction of a second (spawned ones import
    # pandas, Dask and scikit-learn again, for seconds), and they know the learner's module.
    with (
        dask.config.set({"distributed.worker.multiprocessing-method": "fork"}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster),
    ):
        for lazy in built:
            if isinstance(lazy, str):
                out.append(lazy)
                continue
            try:
                result = lazy.compute()
            except Exception as exc:  # noqa: BLE001 - reported to the check as data
                out.append(f"{type(exc).__name__}: {str(exc)[:300]}")
                continue
            out.append(result if isinstance(result, pd.DataFrame) else type(result).__name__)
    return out


# --- the checks' side -------------------------------------------------------------------------


def _facts(submission, frame, npartitions, model, keep_above=None, where="") -> dict:
    try:
        facts = submission.observe(_build, frame, npartitions, model, keep_above)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(
            f"score_with_dask, or computing its result, raised {type(exc).__name__}: {exc}, on {where}"
        )
    if not facts["dataframe"]:
        if facts["type"].startswith("pandas."):
            fail(
                f"score_with_dask returned a {facts['type']}, on {where}: it computed the scores "
                "itself. Return the lazy Dask DataFrame that ddf.map_partitions(...) builds; the "
                "caller computes it, on the scheduler of their choice"
            )
        fail(
            f"score_with_dask returned a {facts['type']}, on {where}; expected a lazy "
            "dask.dataframe.DataFrame with the columns id and score (from ddf.map_partitions)"
        )
    return facts


def _check_scores(facts: dict, frame: pd.DataFrame, model, where: str) -> None:
    """The computed partitions, put together, against the pandas scores of `frame`."""
    parts = facts["parts"]
    for k, part in enumerate(parts):
        if not isinstance(part, pd.DataFrame):
            fail(f"partition {k} of your result computes to a {part}, not a DataFrame, on {where}")
        if list(part.columns) != ["id", "score"]:
            fail(
                f"partition {k} of your result computes to columns {list(part.columns)}, "
                f"expected ['id', 'score'], on {where}"
            )
    whole = pd.concat(parts) if parts else pd.DataFrame({"id": [], "score": []})
    inputs = facts["input_parts"]
    want_index = np.concatenate([ix for ix, _ in inputs]) if inputs else np.array([])
    want_ids = np.concatenate([ids for _, ids in inputs]) if inputs else np.array([])
    if len(whole) != len(want_ids):
        fail(
            f"your result has {len(whole)} rows, expected {len(want_ids)} (one per row of ddf), "
            f"on {where}"
        )
    got_ids = whole["id"].to_numpy()
    bad = np.flatnonzero(got_ids != want_ids)
    if bad.size:
        k = int(bad[0])
        fail(
            f"row {k} of your result has id {got_ids[k]!r}, expected {want_ids[k]!r}: each row "
            f"keeps its id, in ddf's order (the ids are shuffled on purpose), on {where}"
        )
    if not np.array_equal(whole.index.to_numpy(), want_index):
        fail(
            f"your result's index starts {whole.index.to_numpy()[:5].tolist()}, but ddf's starts "
            f"{want_index[:5].tolist()}: keep each partition's index (build the frame with "
            f"index=part.index), on {where}"
        )
    try:
        scores = whole["score"].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"your scores are not numbers: {whole['score'].head(3).tolist()}, on {where}")
    assert_close(
        scores,
        _expected(frame.loc[want_index], model),
        f"the scores of {where}",
        rtol=0,
        atol=1e-12,
        why="each row's score is model.predict_proba of its features, in the order of "
        "model.feature_names_in_, as pandas gives for the whole table",
    )


def _where(n: int, npartitions: int, ids: str = "int") -> str:
    return f"a table of {n} rows with {ids} ids in {npartitions} partition(s)"


class TestScoreWithDask:
    def test_lazy_and_nothing_computed(self, submission):
        frame = _table(30, seed=1)
        facts = _facts(submission, frame, 3, _CountingModel(_model()), where=_where(30, 3))
        if facts["computes"]:
            fail(
                f"score_with_dask ran {facts['computes']} computation(s) while building its "
                "result (.compute(), .persist(), len(ddf), .head(), ...): it must only build the "
                "plan, which the caller computes on the scheduler of their choice"
            )
        if facts["calls_before_compute"]:
            fail(
                f"the model's predict_proba was called {len(facts['calls_before_compute'])} "
                f"time(s), with {facts['calls_before_compute']} rows, before anything was "
                "computed: Dask ran your partition function on made-up rows to guess the "
                "output's columns. Pass meta= (an empty DataFrame with the columns id and score "
                "and their dtypes) to map_partitions"
            )

    def test_meta_columns_and_dtypes(self, submission):
        model = _model()
        for ids in ("int", "str"):
            frame = _table(12, seed=2, ids=ids)
            where = _where(12, 3, ids)
            facts = _facts(submission, frame, 3, model, where=where)
            want = [facts["id_dtype"], "float64"]
            if facts["columns"] != ["id", "score"]:
                fail(
                    f"your result's columns (its meta) are {facts['columns']}, expected "
                    f"['id', 'score'], on {where}"
                )
            if facts["meta_dtypes"] != want:
                fail(
                    f"your result's meta says the dtypes are {facts['meta_dtypes']}, expected "
                    f"{want} (id: the dtype of ddf's id column, score: float64), on {where}: "
                    "build meta from ddf['id'].dtype rather than a fixed dtype"
                )
            for k, got in enumerate(facts["part_dtypes"]):
                if got is not None and got != want:
                    fail(
                        f"partition {k} computes to dtypes {got}, but the meta promised {want}, "
                        f"on {where}: the plan must describe the data it produces. Keep "
                        "part['id'] as it is, a Series with its dtype (.to_numpy() or .values "
                        "turn Dask's string dtype into another), and the scores as float64"
                    )

    def test_scores_equal_pandas(self, submission):
        # Seeded tables, smallest first; the feature columns are not in the model's order.
        model = _model(1)
        cases = [(1, 1, "int"), (5, 2, "int"), (12, 3, "str"), (31, 4, "int"), (40, 7, "str")]
        for k, (n, npartitions, ids) in enumerate(cases):
            frame = _table(n, seed=10 + k, ids=ids)
            where = _where(n, npartitions, ids)
            facts = _facts(submission, frame, npartitions, model, where=where)
            _check_scores(facts, frame, model, where)

    def test_keeps_the_partitions(self, submission):
        frame = _table(20, seed=3)
        where = _where(20, 4)
        facts = _facts(submission, frame, 4, model := _model(), where=where)
        inputs = facts["input_parts"]
        if facts["npartitions"] != len(inputs):
            fail(
                f"your result has {facts['npartitions']} partitions, ddf has {len(inputs)}: "
                "map_partitions keeps them, one output partition per input partition"
            )
        for k, (part, (index, _)) in enumerate(zip(facts["parts"], inputs, strict=True)):
            if not isinstance(part, pd.DataFrame) or not np.array_equal(
                part.index.to_numpy(), index
            ):
                fail(
                    f"partition {k} of your result does not hold the rows of partition {k} of "
                    f"ddf (index {index.tolist()}), on {where}"
                )
        _check_scores(facts, frame, model, where)

    def test_one_model_call_per_partition(self, submission):
        frame = _table(24, seed=4)
        where = _where(24, 3)
        facts = _facts(submission, frame, 3, _CountingModel(_model()), where=where)
        for k, (calls, (index, _)) in enumerate(
            zip(facts["calls"], facts["input_parts"], strict=True)
        ):
            if calls != [len(index)]:
                fail(
                    f"computing partition {k} ({len(index)} rows) called predict_proba "
                    f"{len(calls)} time(s), with {calls[:8]} rows: score a whole partition with "
                    "one call (the model's vectorised path), never row by row"
                )

    def test_partition_left_empty_by_a_filter(self, submission):
        # amount > 0.5 leaves some partitions of 18 rows in 6 partitions with no rows.
        model = _model(2)
        frame = _table(18, seed=5)
        frame["amount"] = np.where(np.arange(18) < 6, -1.0, frame["amount"].abs() + 1.0)
        where = "a table of 18 rows in 6 partitions, filtered on amount > 0.5 (2 partitions empty)"
        facts = _facts(submission, frame, 6, _CountingModel(model), keep_above=0.5, where=where)
        for k, (calls, (index, _)) in enumerate(
            zip(facts["calls"], facts["input_parts"], strict=True)
        ):
            want = [len(index)] if len(index) else []
            if calls != want:
                fail(
                    f"computing partition {k} ({len(index)} rows) called predict_proba with "
                    f"{calls} rows, expected {want}: an empty partition is not given to the "
                    "model, a full one is scored in one call"
                )
        _check_scores(facts, frame, model, where)

    def test_wrong_input_raises_at_once(self, submission):
        model = _model()
        frame = _table(10, seed=6)
        no_names = LogisticRegression().fit(frame[FEATURES].to_numpy(), np.arange(10) % 2)
        cases = [
            (frame.drop(columns="id"), model, "ddf without its 'id' column"),
            (frame.drop(columns="n_prev"), model, "ddf without the feature column 'n_prev'"),
            (frame, no_names, "a model without feature_names_in_"),
        ]
        for data, m, why in cases:
            name, message, computes = submission.observe(_raises, data, m)
            if name != "ValueError":
                got = "nothing was raised" if name is None else f"{name}: {message}"
                fail(f"expected ValueError for {why}, raised at once; got {got}")
            if computes:
                fail(
                    f"for {why}, score_with_dask computed {computes} time(s) before raising: "
                    "the columns are known without computing (ddf.columns)"
                )

    def test_on_a_local_cluster(self, submission):
        # The same code, on a scheduler with two worker processes: the checks' last, and slowest.
        model = _model(3)
        frames = [(_table(40, seed=7), 4), (_table(25, seed=8, ids="str"), 3)]
        outs = submission.observe(_on_local_cluster, frames, model)
        for (frame, npartitions), out in zip(frames, outs, strict=True):
            ids = "str" if frame["id"].dtype.kind not in "iu" else "int"
            where = _where(len(frame), npartitions, ids) + ", computed on a LocalCluster"
            if isinstance(out, str):
                fail(f"on {where}, computing your result failed or gave no DataFrame: {out}")
            facts = {
                "parts": [out],
                "input_parts": [(frame.index.to_numpy(), frame["id"].to_numpy())],
            }
            _check_scores(facts, frame, model, where)
