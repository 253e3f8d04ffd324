"""Checks for 11_optimization/ex04_compress (see solutions/11_optimization/ex04_compress.py for the reference)."""

from __future__ import annotations

import pickle
import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from autograder.assertions import assert_close, expect_raises, fail

# ex04 · smallest_within
#
# Most checks use table models: column 0 of X_val is the row's position, and a table model
# answers a fixed score per position, so its validation AUC is known exactly; a payload of
# chosen length sets its pickled size. With 16 frauds and 16 legitimate rows an AUC is a
# multiple of 1/256, exact in floating point, so a drop exactly equal to the budget stays exact.

COLUMNS = ["name", "size_bytes", "auc", "auc_drop", "p50_ms_row", "p50_ms_batch", "within_budget"]


class TableModel:
    """A fitted binary classifier that answers `scores[position]` (position = column 0)."""

    def __init__(self, scores: np.ndarray, payload: int, tag: str) -> None:
        self.scores = np.asarray(scores, dtype=np.float64)
        self.payload = np.zeros(payload, dtype=np.uint8)  # sets the pickled size
        self.tag = tag
        self.classes_ = np.array([0, 1])

    def _p(self, X) -> np.ndarray:
        positions = np.asarray(X, dtype=np.float64)[:, 0].astype(np.int64)
        return self.scores[positions]

    def predict_proba(self, X) -> np.ndarray:
        p = self._p(X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self._p(X) >= 0.5).astype(np.int64)


class OnnxLike(TableModel):
    """An ONNX export as the contract describes it: its file is `onnx_bytes`; its pickle also
    holds a cache that is not part of the file."""

    def __init__(self, scores: np.ndarray, onnx_size: int, cache: int, tag: str) -> None:
        super().__init__(scores, cache, tag)
        self.onnx_bytes = b"\x08" * onnx_size


class SleepyModel(TableModel):
    """A table model whose predict_proba sleeps `ms_per_call` plus `ms_per_row` per row."""

    def __init__(self, scores, payload, tag, ms_per_call=0.0, ms_per_row=0.0) -> None:
        super().__init__(scores, payload, tag)
        self.ms_per_call, self.ms_per_row = ms_per_call, ms_per_row

    def predict_proba(self, X) -> np.ndarray:
        time.sleep((self.ms_per_call + self.ms_per_row * len(X)) / 1000.0)
        return super().predict_proba(X)


class OutlierModel(TableModel):
    """Fast, except that its 2nd and 3rd one-row calls take `ms` each (a busy machine)."""

    def __init__(self, scores, payload, tag, ms: float) -> None:
        super().__init__(scores, payload, tag)
        self.ms = ms
        self.one_row_calls = 0

    def predict_proba(self, X) -> np.ndarray:
        if len(X) == 1:
            self.one_row_calls += 1
            if self.one_row_calls in (2, 3):
                time.sleep(self.ms / 1000.0)
        return super().predict_proba(X)


class MostlySlowModel(TableModel):
    """Its one-row calls take `ms` each, except the 3rd (the 2nd timed one), which is fast."""

    def __init__(self, scores, payload, tag, ms: float) -> None:
        super().__init__(scores, payload, tag)
        self.ms = ms
        self.one_row_calls = 0

    def predict_proba(self, X) -> np.ndarray:
        if len(X) == 1:
            self.one_row_calls += 1
            if self.one_row_calls != 3:
                time.sleep(self.ms / 1000.0)
        return super().predict_proba(X)


class FirstRowModel(TableModel):
    """Its one-row calls on X_val's FIRST row (position 0) take `ms`; on any other row, none."""

    def __init__(self, scores, payload, tag, ms: float) -> None:
        super().__init__(scores, payload, tag)
        self.ms = ms

    def predict_proba(self, X) -> np.ndarray:
        if len(X) == 1 and int(np.asarray(X, dtype=np.float64)[0, 0]) == 0:
            time.sleep(self.ms / 1000.0)
        return super().predict_proba(X)


class ColdModel(TableModel):
    """Fast, except its first one-row call, which takes `ms` (a lazy import, a cold cache)."""

    def __init__(self, scores, payload, tag, ms: float) -> None:
        super().__init__(scores, payload, tag)
        self.ms = ms
        self.warm = False

    def predict_proba(self, X) -> np.ndarray:
        if len(X) == 1 and not self.warm:
            self.warm = True
            time.sleep(self.ms / 1000.0)
        return super().predict_proba(X)


class ColdBatchModel(TableModel):
    """Fast, except its first call on more than one row, which takes `ms` (a session or a
    cache built for the first full batch)."""

    def __init__(self, scores, payload, tag, ms: float) -> None:
        super().__init__(scores, payload, tag)
        self.ms = ms
        self.warm = False

    def predict_proba(self, X) -> np.ndarray:
        if len(X) > 1 and not self.warm:
            self.warm = True
            time.sleep(self.ms / 1000.0)
        return super().predict_proba(X)


def _validation(seed: int, positives: int = 16, negatives: int = 16):
    """(X_val, y_val, order): column 0 = position, column 1 noise; labels in a seeded order."""
    rng = np.random.default_rng(seed)
    n = positives + negatives
    y = rng.permutation(np.r_[np.ones(positives, np.int64), np.zeros(negatives, np.int64)])
    X = np.column_stack([np.arange(n, dtype=np.float64), rng.normal(size=n)])
    return X, y


def _scores(y: np.ndarray, discordant: int, low: float = 0.05, high: float = 0.95) -> np.ndarray:
    """Scores whose ROC AUC on `y` is exactly 1 - discordant / (P * N), in [low, high]."""
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    P, N = len(pos), len(neg)
    assert 0 <= discordant <= P * N
    scores = np.empty(len(y))
    grid = np.linspace(low, high, 2 * N + 2)
    scores[neg] = grid[1 : 2 * N + 1 : 2]  # negatives at odd grid points, ascending
    for i, row in enumerate(pos):
        above = discordant // P + (1 if i < discordant % P else 0)  # negatives above it
        scores[row] = grid[2 * (N - above)]  # just below the (N - above)th negative
    return scores


def _auc(y, scores) -> float:
    return float(roc_auc_score(y, scores))


def _call(submission, candidates, X, y, budget, reference, repeats, where: str):
    try:
        result = submission.smallest_within(candidates, X, y, budget, reference, repeats=repeats)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"smallest_within raised {type(exc).__name__}: {exc}, on {where}")
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"smallest_within returned a {type(result).__name__}, expected (model, report)")
    model, report = result
    if not isinstance(report, pd.DataFrame):
        fail(f"the report is a {type(report).__name__}, expected a DataFrame, on {where}")
    missing = [c for c in COLUMNS if c not in report.columns]
    if missing:
        fail(f"the report lacks the column(s) {missing}, on {where}; expected {COLUMNS}")
    return model, report


def _tag(model: Any) -> str:
    return str(getattr(model, "tag", type(model).__name__))


def _chosen(model, want: str, report: pd.DataFrame, where: str, why: str) -> None:
    if _tag(model) != want:
        fail(
            f"smallest_within chose {_tag(model)!r}, expected {want!r}, on {where}: {why}. "
            f"Your report:\n{report[COLUMNS].to_string(index=False)}"
        )


def _expected_size(model) -> int:
    onnx = getattr(model, "onnx_bytes", None)
    return len(onnx) if onnx is not None else len(pickle.dumps(model))


def _check_sizes(report: pd.DataFrame, models: dict, where: str) -> None:
    for name, model in models.items():
        got = report.loc[report["name"].astype(str) == name, "size_bytes"]
        want = _expected_size(model)
        if len(got) != 1:
            fail(f"the report has {len(got)} rows named {name!r}, expected one, on {where}")
        value = float(got.iloc[0])
        # 5 %: another pickle protocol, or joblib.dump's file, is the same measure of the file.
        if abs(value - want) > max(64, 0.05 * want):
            kind = (
                "len(model.onnx_bytes), the .onnx file it ships as (not the pickle of the "
                "Python object that wraps it)"
                if hasattr(model, "onnx_bytes")
                else "len(pickle.dumps(model)), the bytes of its file"
            )
            fail(
                f"size_bytes of {name!r} is {value:.0f}, expected {want} ({kind}), on {where}. "
                "sys.getsizeof gives a few dozen bytes for any object, whatever it holds"
            )


class TestSmallestWithin:
    def test_report_layout(self, submission):
        X, y = _validation(1)
        reference = TableModel(_scores(y, 0), 3000, "reference")
        candidates = {
            "forest_20": TableModel(_scores(y, 8), 2000, "forest_20"),
            "tree_d3": TableModel(_scores(y, 30), 500, "tree_d3"),
            "logreg": TableModel(_scores(y, 4), 1000, "logreg"),
        }
        where = "3 table-model candidates (forest_20, tree_d3, logreg) and a reference"
        _, report = _call(submission, candidates, X, y, 0.05, reference, 3, where)
        if list(report.columns) != COLUMNS:
            fail(f"the report's columns are {list(report.columns)}, expected {COLUMNS}, on {where}")
        names = [str(n) for n in report["name"]]
        if names != ["forest_20", "tree_d3", "logreg", "reference"]:
            fail(
                f"the report's names are {names}, expected ['forest_20', 'tree_d3', 'logreg', "
                f"'reference']: one row per candidate in the order given, then the reference's "
                f"row, last, on {where}"
            )
        if not report.index.equals(pd.RangeIndex(4)):
            fail(f"the report's index is {list(report.index)}, expected a RangeIndex 0..3")
        if not pd.api.types.is_integer_dtype(report["size_bytes"]):
            fail(f"size_bytes has dtype {report['size_bytes'].dtype}, expected an integer dtype")
        if not pd.api.types.is_bool_dtype(report["within_budget"]):
            fail(f"within_budget has dtype {report['within_budget'].dtype}, expected bool")
        for column in ("auc", "auc_drop", "p50_ms_row", "p50_ms_batch"):
            if not pd.api.types.is_float_dtype(report[column]):
                fail(f"{column} has dtype {report[column].dtype}, expected float")

    def test_auc_on_the_validation_rows(self, submission):
        X, y = _validation(2)
        # Every score below 0.5 for "shy": hard predict labels are all 0 (AUC 0.5 from them),
        # while its ranking is nearly perfect.
        reference = TableModel(_scores(y, 10), 3000, "reference")
        candidates = {
            "shy": TableModel(_scores(y, 3, 0.02, 0.4), 400, "shy"),
            "noisy": TableModel(_scores(y, 90), 800, "noisy"),
            "sure": TableModel(_scores(y, 0, 0.1, 0.9), 1600, "sure"),
        }
        where = "3 table-model candidates on 32 validation rows (16 frauds)"
        _, report = _call(submission, candidates, X, y, 0.02, reference, 2, where)
        want = {n: _auc(y, m.scores) for n, m in {**candidates, "reference": reference}.items()}
        names = [str(n) for n in report["name"]]
        if sorted(names) != sorted(want):
            fail(f"the report's names are {names}, expected {list(want)}, on {where}")
        got = report.set_index(report["name"].astype(str))
        assert_close(
            got.loc[list(want), "auc"].to_numpy(dtype=np.float64),
            np.array(list(want.values())),
            f"the auc column (rows {list(want)}), on {where}",
            rtol=0,
            atol=1e-12,
            why="roc_auc_score(y_val, model.predict_proba(X_val)[:, 1]) on the validation rows "
            "given: the scores, not the hard predict labels, and not accuracy",
        )
        assert_close(
            got.loc[list(want), "auc_drop"].to_numpy(dtype=np.float64),
            want["reference"] - np.array(list(want.values())),
            f"the auc_drop column, on {where}",
            rtol=0,
            atol=1e-12,
            why="auc_drop = reference AUC - the model's AUC (0 for the reference)",
        )
        flags = got.loc[list(want), "within_budget"].astype(bool).tolist()
        if flags != [True, False, True, True]:
            fail(
                f"within_budget is {flags} for {list(want)} with a budget of 0.02, expected "
                f"[True, False, True, True], on {where}"
            )

    def test_size_is_the_file_not_the_object(self, submission):
        X, y = _validation(3)
        reference = TableModel(_scores(y, 0), 60_000, "reference")
        candidates = {
            "big": TableModel(_scores(y, 2), 40_000, "big"),
            "onnx": OnnxLike(_scores(y, 4), 9_000, 30_000, "onnx"),
            "small": TableModel(_scores(y, 6), 1_500, "small"),
        }
        where = (
            "table models with pickles of ~40 KB and ~1.5 KB, an ONNX model whose .onnx file "
            "is 9000 bytes (its wrapper's pickle ~39 KB), and a reference of ~60 KB"
        )
        _, report = _call(submission, candidates, X, y, 0.05, reference, 2, where)
        _check_sizes(report, {**candidates, "reference": reference}, where)

    def test_smallest_within_the_budget(self, submission):
        X, y = _validation(4)
        reference = TableModel(_scores(y, 0), 80_000, "reference")
        # Drops: forest_100 4/256, onnx_forest 8/256, forest_20 8/256, tree_d3 20/256,
        # stump 60/256. Budget 0.05 (12.8/256): forest_100, onnx_forest and forest_20 are in;
        # the ONNX file (10 KB) is the smallest of them, its pickle (~45 KB) is not.
        candidates = {
            "tree_d3": TableModel(_scores(y, 20), 5_000, "tree_d3"),
            "forest_100": TableModel(_scores(y, 4), 60_000, "forest_100"),
            "stump": TableModel(_scores(y, 60), 1_000, "stump"),
            "onnx_forest": OnnxLike(_scores(y, 8), 10_000, 35_000, "onnx_forest"),
            "forest_20": TableModel(_scores(y, 8), 20_000, "forest_20"),
        }
        where = "5 candidates, a budget of 0.05 (" + ", ".join(candidates) + ")"
        model, report = _call(submission, candidates, X, y, 0.05, reference, 2, where)
        _chosen(
            model,
            "onnx_forest",
            report,
            where,
            "the smallest size on disk among the models within the budget (an ONNX model's "
            "size is len(onnx_bytes)); tree_d3 and stump are smaller but lose more than 0.05 AUC",
        )

    def test_a_drop_equal_to_the_budget_is_within(self, submission):
        X, y = _validation(5)
        reference = TableModel(_scores(y, 0), 30_000, "reference")
        candidates = {
            "forest_10": TableModel(_scores(y, 16), 8_000, "forest_10"),
            "tree_d2": TableModel(_scores(y, 64), 2_000, "tree_d2"),  # AUC 0.75: drop 0.25
        }
        where = "a reference of AUC 1.0 and a candidate tree_d2 of AUC 0.75, budget 0.25"
        model, report = _call(submission, candidates, X, y, 0.25, reference, 2, where)
        _chosen(
            model,
            "tree_d2",
            report,
            where,
            "a drop exactly equal to the budget is within it (auc_drop <= max_auc_drop)",
        )
        where = "the same, budget 0.2499"
        model, report = _call(submission, candidates, X, y, 0.2499, reference, 2, where)
        _chosen(model, "forest_10", report, where, "tree_d2's drop, 0.25, exceeds 0.2499")
        # 20 frauds, 20 legitimate: AUCs 0.9 and 0.85, whose difference rounds above 0.05.
        X, y = _validation(6, 20, 20)
        reference = TableModel(_scores(y, 40), 30_000, "reference")
        candidates = {"tree_d2": TableModel(_scores(y, 60), 2_000, "tree_d2")}
        where = "a reference of AUC 0.9 and a candidate of AUC 0.85, budget 0.05"
        model, report = _call(submission, candidates, X, y, 0.05, reference, 2, where)
        _chosen(
            model,
            "tree_d2",
            report,
            where,
            "0.9 - 0.85 is 0.05000000000000004 in floating point: the contract's 1e-9 "
            "tolerance (auc_drop <= max_auc_drop + 1e-9) keeps a drop equal to the budget within",
        )
        # A budget of the int 0 (a number >= 0): only a model as good as the reference is within.
        candidates = {
            "twin": TableModel(_scores(y, 40), 2_000, "twin"),
            "tree_d2": TableModel(_scores(y, 60), 1_000, "tree_d2"),
        }
        where = (
            "a reference of AUC 0.9, a smaller twin of AUC 0.9 and a candidate of 0.85, budget 0"
        )
        model, report = _call(submission, candidates, X, y, 0, reference, 2, where)
        _chosen(
            model, "twin", report, where, "a budget of 0 (an int is a number) keeps a drop of 0"
        )

    def test_ties(self, submission):
        X, y = _validation(7)
        reference = TableModel(_scores(y, 0), 30_000, "reference")
        # Same class, same payload, same tag length: the same pickled size.
        candidates = {
            "tie_a": TableModel(_scores(y, 8), 4_000, "tie_a"),
            "tie_b": TableModel(_scores(y, 2), 4_000, "tie_b"),
            "tie_c": TableModel(_scores(y, 8), 4_000, "tie_c"),
        }
        where = "three candidates of the same size, AUC drops 8/256, 2/256, 8/256"
        model, report = _call(submission, candidates, X, y, 0.05, reference, 2, where)
        _chosen(model, "tie_b", report, where, "on a tie of size, the higher AUC wins")
        del candidates["tie_b"]
        where = "two candidates of the same size and the same AUC (tie_a, then tie_c)"
        model, report = _call(submission, candidates, X, y, 0.05, reference, 2, where)
        _chosen(model, "tie_a", report, where, "on a tie of size and AUC, the first in order")
        candidates = {"tie_c": candidates["tie_c"], "tie_a": candidates["tie_a"]}
        where = "two candidates of the same size and the same AUC (tie_c, then tie_a)"
        model, report = _call(submission, candidates, X, y, 0.05, reference, 2, where)
        _chosen(
            model,
            "tie_c",
            report,
            where,
            "on a tie of size and AUC, the first in the report's order (the order of "
            "candidates), not the first name alphabetically: a stable sort keeps that order",
        )

    def test_the_reference_is_a_candidate(self, submission):
        X, y = _validation(8)
        reference = TableModel(_scores(y, 2), 9_000, "reference")
        candidates = {
            "tree_d2": TableModel(_scores(y, 50), 2_000, "tree_d2"),
            "forest_5": TableModel(_scores(y, 30), 5_000, "forest_5"),
        }
        where = "two candidates, both more than 0.05 below the reference's AUC"
        model, report = _call(submission, candidates, X, y, 0.05, reference, 2, where)
        _chosen(
            model,
            "reference",
            report,
            where,
            "when no candidate is within the budget, the reference (drop 0, always within) is "
            "the answer",
        )
        flags = report["within_budget"].astype(bool).tolist()
        if flags != [False, False, True]:
            fail(f"within_budget is {flags}, expected [False, False, True], on {where}")
        small_reference = TableModel(_scores(y, 2), 500, "reference")
        candidates = {"forest_5": TableModel(_scores(y, 3), 5_000, "forest_5")}
        where = "a candidate within the budget but larger than the reference"
        model, report = _call(submission, candidates, X, y, 0.05, small_reference, 2, where)
        _chosen(model, "reference", report, where, "the reference is a candidate too: the smallest")

    def test_latency_median_ms_after_a_warm_up(self, submission):
        X, y = _validation(9, 100, 100)
        scores = _scores(y, 500)
        reference = TableModel(_scores(y, 0), 30_000, "reference")
        candidates = {
            "fast": TableModel(scores, 1_000, "fast"),
            "slow_call": SleepyModel(scores, 1_000, "slow_call", ms_per_call=8.0),
            "slow_rows": SleepyModel(scores, 1_000, "slow_rows", ms_per_row=0.1),
            "outliers": OutlierModel(scores, 1_000, "outliers", ms=200.0),
            "mostly_slow": MostlySlowModel(scores, 1_000, "mostly_slow", ms=20.0),
            "first_row": FirstRowModel(scores, 1_000, "first_row", ms=20.0),
        }
        where = (
            "200 validation rows; slow_call sleeps 8 ms per call, slow_rows 0.1 ms per row, "
            "outliers is fast but its 2nd and 3rd one-row calls take 200 ms, mostly_slow's "
            "one-row calls take 20 ms but its 3rd, first_row takes 20 ms on X_val's first row "
            "alone, repeats=5"
        )
        _, report = _call(submission, candidates, X, y, 0.05, reference, 5, where)
        got = report.set_index(report["name"].astype(str))
        row, batch = got["p50_ms_row"].astype(float), got["p50_ms_batch"].astype(float)
        if not (6.0 <= row["slow_call"] <= 2000.0 and 6.0 <= batch["slow_call"] <= 2000.0):
            fail(
                f"p50_ms_row and p50_ms_batch of slow_call are {row['slow_call']:.4g} and "
                f"{batch['slow_call']:.4g}, for a model that sleeps 8 ms per call, on {where}: "
                "report milliseconds (1000 * seconds of time.perf_counter)"
            )
        if not batch["slow_rows"] >= 15.0 or not row["slow_rows"] < batch["slow_rows"] / 4:
            fail(
                f"slow_rows (0.1 ms per row) has p50_ms_row {row['slow_rows']:.4g} and "
                f"p50_ms_batch {batch['slow_rows']:.4g}, on {where}: the row latency times "
                "one row (X_val's first, kept 2-D), the batch latency the whole X_val"
            )
        if not row["outliers"] < 40.0:
            fail(
                f"p50_ms_row of outliers is {row['outliers']:.4g} ms, for a model whose 2nd and "
                f"3rd one-row calls take 200 ms and the others microseconds, on {where}: report "
                "the MEDIAN of the timed calls (one warm-up call, then `repeats` timed ones), "
                "which two slow calls out of five cannot move; the mean or one call can"
            )
        if not row["mostly_slow"] >= 15.0:
            fail(
                f"p50_ms_row of mostly_slow is {row['mostly_slow']:.4g} ms, for a model whose "
                f"one-row calls take 20 ms except one fast call, on {where}: report the MEDIAN "
                "of the timed calls (20 ms here), not the fastest: one lucky call says nothing "
                "of a typical one"
            )
        if not row["first_row"] >= 15.0:
            fail(
                f"p50_ms_row of first_row is {row['first_row']:.4g} ms, for a model that takes "
                f"20 ms on X_val's first row and ~0 on any other, on {where}: time the FIRST row "
                "of X_val (X_val[:1] or X_val.iloc[:1]), the same row for every model"
            )
        if not row["fast"] < row["slow_call"]:
            fail(f"p50_ms_row of fast is not below slow_call's, on {where}")
        cold = {"cold": ColdModel(scores, 1_000, "cold", ms=150.0)}
        where = "a model whose first one-row call takes 150 ms (cold), repeats=1"
        _, report = _call(submission, cold, X, y, 0.05, reference, 1, where)
        value = float(report["p50_ms_row"].iloc[0])
        if not value < 60.0:
            fail(
                f"p50_ms_row of cold is {value:.4g} ms, on {where}: make one untimed warm-up "
                "call before the timed ones (a first call pays for lazy imports and caches)"
            )
        cold = {"cold_batch": ColdBatchModel(scores, 1_000, "cold_batch", ms=300.0)}
        where = (
            "a model whose first call on the whole X_val takes 300 ms (cold) and every other "
            "call microseconds, repeats=1"
        )
        _, report = _call(submission, cold, X, y, 0.05, reference, 1, where)
        value = float(report["p50_ms_batch"].iloc[0])
        if not value < 100.0:
            fail(
                f"p50_ms_batch of cold_batch is {value:.4g} ms, on {where}: the batch latency "
                "gets its own untimed warm-up call on X_val too (or follows an untimed call "
                "on X_val, such as the one that scores the AUC), never a timed cold first call"
            )

    def test_rejects_bad_input(self, submission):
        X, y = _validation(10)
        reference = TableModel(_scores(y, 0), 3_000, "reference")
        candidates = {"small": TableModel(_scores(y, 4), 500, "small")}
        one_class = np.zeros_like(y)
        cases = [
            ((candidates, X, y, -0.01, reference), {}, "max_auc_drop=-0.01"),
            ((candidates, X, y, float("nan"), reference), {}, "max_auc_drop=nan"),
            ((candidates, X, y, 0.05, reference), {"repeats": 0}, "repeats=0"),
            (
                (candidates, X, y, 0.05, reference),
                {"repeats": 2.5},
                "repeats=2.5 (a float: repeats is an integer >= 1)",
            ),
            (
                (candidates, X, y, 0.05, reference),
                {"repeats": True},
                "repeats=True (a bool, not an integer: True would mean one timed call)",
            ),
            ((candidates, X, y[:-1], 0.05, reference), {}, "31 labels for 32 rows"),
            ((candidates, X, one_class, 0.05, reference), {}, "y_val of one class"),
            (
                ({"reference": candidates["small"]}, X, y, 0.05, reference),
                {},
                'a candidate named "reference"',
            ),
        ]
        for args, kwargs, why in cases:
            expect_raises(ValueError, submission.smallest_within, *args, why=why, **kwargs)

    def test_same_as_the_reference_on_real_models(self, submission, reference):
        rng = np.random.default_rng(11)
        n = 900
        X = rng.normal(size=(n, 6))
        logit = 1.6 * X[:, 0] * X[:, 1] + 1.2 * np.abs(X[:, 2]) + 0.6 * X[:, 3]
        y = (logit + rng.normal(scale=0.7, size=n) > 1.2).astype(np.int64)
        frame = pd.DataFrame(X, columns=[f"f{k}" for k in range(6)])
        train, val = frame.iloc[:600], frame.iloc[600:]
        big = RandomForestClassifier(25, min_samples_leaf=3, random_state=0, n_jobs=1)
        models = {
            "logreg": make_pipeline(StandardScaler(), LogisticRegression()),
            "tree_d3": DecisionTreeClassifier(max_depth=3, random_state=0),
            "forest_8": RandomForestClassifier(8, max_depth=5, random_state=0, n_jobs=1),
        }
        for model in [big, *models.values()]:
            model.fit(train, y[:600])
        for budget in (0.0, 0.1, 0.181):  # the reference, forest_8, logreg
            where = (
                f"a 25-tree forest as the reference and a logistic regression, a depth-3 tree "
                f"and an 8-tree forest as candidates, on 300 seeded validation rows, budget "
                f"{budget}"
            )
            model, report = _call(submission, models, val, y[600:], budget, big, 2, where)
            want_model, want = reference.smallest_within(models, val, y[600:], budget, big, 2)
            if [str(n) for n in report["name"]] != list(want["name"]):
                fail(f"the report's names are {list(report['name'])}, on {where}")
            assert_close(
                report[["auc", "auc_drop"]].to_numpy(dtype=np.float64),
                want[["auc", "auc_drop"]].to_numpy(dtype=np.float64),
                f"the auc and auc_drop columns, on {where}",
                rtol=0,
                atol=1e-12,
            )
            _check_sizes(report, {**models, "reference": big}, where)
            flags = report["within_budget"].astype(bool).tolist()
            if flags != want["within_budget"].tolist():
                fail(f"within_budget is {flags}, expected {want['within_budget'].tolist()}")
            try:
                got_scores = np.asarray(model.predict_proba(val), dtype=np.float64)[:, 1]
            except Exception as exc:  # noqa: BLE001
                fail(f"the model returned cannot score ({exc}), on {where}")
            assert_close(
                got_scores,
                want_model.predict_proba(val)[:, 1],
                f"the chosen model's scores, on {where}",
                rtol=0,
                atol=1e-12,
                why="the reference chooses the smallest model within the budget",
            )
