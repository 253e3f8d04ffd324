"""Checks for lesson 03, feature engineering and leakage prevention. Each test grades one behaviour.

The data is small and seeded: hand-built frames whose right answer can be read off, plus the
`coursedata` sample worlds. Every model fitted here is small and single-threaded, so the lesson
grades in seconds.
"""

from __future__ import annotations

import bisect
import functools
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

import coursedata
from autograder.assertions import as_array, assert_close, assert_shape, expect_raises, fail


@functools.cache
def _world(kind: str, seed: int) -> coursedata.World:
    return coursedata.sample(kind, seed)  # cached: checks only read it, never change it


def _frame(value: Any, what: str) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        fail(f"{what} should be a pandas DataFrame, got {type(value).__name__}")
    return value


def _labels(frame: pd.DataFrame) -> list[int]:
    """The frame's index labels as plain Python ints (never the objects' own comparisons)."""
    try:
        return np.asarray(frame.index.to_numpy(), dtype=np.int64).tolist()
    except (TypeError, ValueError):
        fail(f"the index labels should be df's own integer labels, got {list(frame.index[:5])}")


def _learner_call(fn: Callable[..., Any], *args: Any, doing: str, why: str, **kwargs: Any) -> Any:
    """Call the learner's code; turn an unexpected exception into a message about `doing`."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(f"{doing} raised {type(exc).__name__}: {str(exc).strip()[:200]}; {why}")


# --------------------------------------------------------------------------------------------
# ex01 · time_split


def _days_frame() -> pd.DataFrame:
    """One row per day from 2025-01-01 to 2025-01-10 (UTC midnight), shuffled, plus a missing time."""
    days = pd.date_range("2025-01-01", periods=10, freq="D", tz="UTC")
    order = [3, 7, 0, 9, 5, 1, 8, 2, 6, 4]
    times = pd.Series(list(days[order]) + [pd.NaT], dtype="datetime64[ns, UTC]")
    return pd.DataFrame(
        {"at": times.to_numpy(), "amount": np.arange(11, dtype=np.float64) * 1.5},
        index=pd.Index([500 + 7 * i for i in range(11)], name="row"),
    )


def _split(submission, df: pd.DataFrame, test_start, gap="0D") -> tuple[pd.DataFrame, pd.DataFrame]:
    out = submission.time_split(df, "at" if "at" in df else "timestamp", test_start, gap)
    if not isinstance(out, tuple) or len(out) != 2:
        fail(f"time_split should return a tuple (train, test), got {type(out).__name__}")
    train, test = _frame(out[0], "train"), _frame(out[1], "test")
    for name, part in (("train", train), ("test", test)):
        if list(part.columns) != list(df.columns):
            fail(
                f"{name} has columns {list(part.columns)}, expected df's columns {list(df.columns)}"
            )
    return train, test


def _expected_labels(df: pd.DataFrame, mask: pd.Series) -> list:
    return _labels(df[mask.to_numpy()])


@pytest.mark.exercise("03_features/ex01_time_split")
class TestTimeSplit:
    def test_boundary_row_is_a_test_row(self, submission):
        df = _days_frame()
        train, test = _split(submission, df, "2025-01-06")
        start = pd.Timestamp("2025-01-06", tz="UTC")
        boundary = df.index[df["at"] == start][0]
        if boundary in _labels(train) and boundary in _labels(test):
            fail(
                "the row at exactly test_start (2025-01-06 00:00) is in both train and test: the "
                "model is scored on a row it trained on. train is strictly before the cut (<), "
                "test from the cut on (>=)"
            )
        if boundary in _labels(train):
            fail(
                "the row at exactly test_start (2025-01-06 00:00) went to train; it belongs to test "
                "(test holds times >= test_start, train times < test_start - gap)"
            )
        expected_train = _expected_labels(df, df["at"] < start)
        expected_test = _expected_labels(df, df["at"] >= start)
        later = int((train["at"] >= start).sum())
        if later:
            fail(
                f"{later} training rows are from on or after test_start: a random split trains on "
                "the future. Select the rows by comparing the time column with test_start"
            )
        if _labels(test) != expected_test:
            fail(
                f"test should be the rows labelled {expected_test} (2025-01-06 to 01-10, in df's "
                f"order), got {_labels(test)}"
            )
        if _labels(train) != expected_train:
            fail(
                f"train should be the rows labelled {expected_train} (2025-01-01 to 01-05, in "
                f"df's order), got {_labels(train)}"
            )

    def test_gap_leaves_rows_out(self, submission):
        df = _days_frame()
        train, test = _split(submission, df, "2025-01-06", gap="2D")
        start = pd.Timestamp("2025-01-06", tz="UTC")
        cut = start - pd.Timedelta("2D")
        in_gap = df.index[(df["at"] >= cut) & (df["at"] < start)]
        leaked = [label for label in in_gap if label in _labels(train)]
        if leaked:
            fail(
                f"with gap='2D' and test_start 2025-01-06, rows from 2025-01-04 up to the cut must "
                f"be in neither side, but train holds {len(leaked)} of them (labels {leaked}). The "
                "gap is what keeps labels that arrive late (chargebacks) out of training: train is "
                "times < test_start - gap"
            )
        assert_labels = _expected_labels(df, df["at"] < cut)
        if _labels(train) != assert_labels:
            fail(
                f"train should be the rows labelled {assert_labels} (before 2025-01-04), got "
                f"{_labels(train)}"
            )
        if _labels(test) != _expected_labels(df, df["at"] >= start):
            fail(
                f"the gap only shortens train: test should still start at test_start, got rows "
                f"{_labels(test)}"
            )

    def test_missing_times_go_nowhere(self, submission):
        df = _days_frame()
        train, test = _split(submission, df, "2025-01-06", gap="1D")
        missing = df.index[df["at"].isna()][0]
        if missing in _labels(train) or missing in _labels(test):
            fail(
                "the row with a missing time (NaT) landed in a split: a row whose time is unknown "
                "is neither past nor future, so it belongs to neither side"
            )

    def test_coursedata_split_by_time(self, submission):
        world = _world("small", 0)
        tx = world.transactions
        start, gap = world.truth.drift_start, pd.Timedelta("7D")
        train, test = _split(submission, tx, start, gap="7D")
        times = tx["timestamp"]
        expected_train, expected_test = times < start - gap, times >= start
        future = int((train["timestamp"] >= start - gap).sum())
        if future:
            fail(
                f"{future} of your {len(train):,} training payments are from on or after "
                f"{(start - gap).date()} (test_start - gap): a random split mixes the future into "
                "training, and the model scores better offline than it ever will live"
            )
        past = int((test["timestamp"] < start).sum())
        if past:
            fail(f"{past} test payments are from before test_start {start.date()}")
        if len(train) != int(expected_train.sum()) or len(test) != int(expected_test.sum()):
            fail(
                f"expected {int(expected_train.sum()):,} training and {int(expected_test.sum()):,} "
                f"test payments, got {len(train):,} and {len(test):,}"
            )
        if not (
            np.array_equal(_labels(train), tx.index[expected_train.to_numpy()])
            and np.array_equal(_labels(test), tx.index[expected_test.to_numpy()])
        ):
            fail(
                "the right rows, but not in df's order with df's index labels: keep both (filter "
                "with a boolean mask, do not sort or reset the index)"
            )

    def test_input_not_modified(self, submission):
        df = _days_frame()
        before = df.copy()
        _split(submission, df, "2025-01-05", gap="1D")
        try:
            pd.testing.assert_frame_equal(df, before)
        except AssertionError:
            fail(
                "time_split changed the caller's frame (sorted it, added a column, reset its "
                "index?): return new frames and leave df as it was"
            )

    @pytest.mark.parametrize(
        ("test_start", "gap", "why"),
        [
            ("2024-12-15", "0D", "every row is at or after test_start: train would be empty"),
            ("2025-02-01", "0D", "no row is at or after test_start: test would be empty"),
            ("2025-01-04", "5D", "the gap reaches back past the first row: train would be empty"),
            ("2025-01-06", "-1D", "a negative gap lets train overlap test"),
        ],
        ids=["empty-train", "empty-test", "gap-empties-train", "negative-gap"],
    )
    def test_raises_value_error(self, submission, test_start, gap, why):
        expect_raises(
            ValueError, submission.time_split, _days_frame(), "at", test_start, gap, why=why
        )


# --------------------------------------------------------------------------------------------
# ex02 · build_preprocessor

NUMERIC = ["amount", "age_days"]
CATEGORICAL = ["channel", "hour", "country"]


def _prep_train() -> pd.DataFrame:
    """12 rows; no ties for the most frequent category; 'hour' is a category coded as integers."""
    return pd.DataFrame(
        {
            "amount": [12.0, 250.0, 31.5, 8.0, 99.0, 45.0, 17.0, 310.0, 22.0, 64.0, 5.5, 140.0],
            "age_days": [400, 35, 1200, 90, 15, 800, 60, 5, 365, 700, 20, 240],
            "channel": [
                "app",
                "web",
                "app",
                "pos",
                "app",
                "web",
                "app",
                "pos",
                "app",
                "web",
                "app",
                "pos",
            ],
            "hour": [9, 23, 9, 14, 2, 9, 18, 23, 9, 14, 18, 9],
            "country": pd.Categorical(
                ["DE", "FR", "DE", "DE", "ES", "FR", "DE", "ES", "DE", "FR", "DE", "DE"]
            ),
            "note": ["x"] * 12,  # not named: must be dropped
        }
    )


def _prep_new() -> pd.DataFrame:
    """Rows the preprocessor never saw: a new channel, a new hour, a new country, and gaps."""
    return pd.DataFrame(
        {
            "amount": [20.0, np.nan, 75.0, 1000.0],
            "age_days": [np.nan, 100.0, 3.0, 50.0],
            "channel": ["atm", "web", np.nan, "app"],
            "hour": [9.0, 4.0, np.nan, 23.0],
            "country": pd.Categorical(
                ["DE", np.nan, "IT", "FR"], categories=["DE", "ES", "FR", "IT"]
            ),
            "note": ["y"] * 4,
        }
    )


def _reference_matrix(train: pd.DataFrame, frame: pd.DataFrame, numeric, categorical) -> np.ndarray:
    """What the contract says, written out: median + z-score, then most-frequent + one-hot."""
    blocks = []
    for col in numeric:
        fit_values = train[col].astype(np.float64)
        median = fit_values.median()
        filled = fit_values.fillna(median)
        mean, std = filled.mean(), filled.std(ddof=0)
        values = frame[col].astype(np.float64).fillna(median)
        blocks.append(((values - mean) / std).to_numpy()[:, None])
    for col in categorical:
        seen = train[col].astype(object)
        mode = seen.dropna().value_counts().index[0]
        categories = sorted(seen.fillna(mode).unique())
        values = frame[col].astype(object).where(frame[col].notna(), mode).to_numpy()
        blocks.append(
            (values[:, None] == np.array(categories, dtype=object)[None, :]).astype(np.float64)
        )
    return np.hstack(blocks) if blocks else np.empty((len(frame), 0))


def _dense(value: Any, what: str) -> np.ndarray:
    if sparse.issparse(value):
        value = value.toarray()
    return as_array(value, what, ndim=2)


def _fitted_preprocessor(submission, train: pd.DataFrame, numeric=NUMERIC, categorical=CATEGORICAL):
    ct = submission.build_preprocessor(list(numeric), list(categorical))
    if not isinstance(ct, ColumnTransformer):
        fail(
            f"build_preprocessor should return a sklearn.compose.ColumnTransformer, got {type(ct).__name__}"
        )
    out = _learner_call(
        ct.fit_transform,
        train.copy(),
        doing="fit_transform on the training rows",
        why="the preprocessor must fit on an ordinary frame of numbers and categories",
    )
    return ct, _dense(out, "fit_transform(train)")


def _diagnose_preprocessor(
    out: np.ndarray, expected: np.ndarray, numeric, categorical, what: str
) -> None:
    n_numeric = len(numeric)
    if np.isnan(out).any():
        fail(
            f"{what} holds {int(np.isnan(out).sum())} NaN values: a missing value went through "
            "unimputed (a scaler passes NaN on, and the model behind it crashes). Impute numeric "
            "columns with the training median and categorical ones with the most frequent value"
        )
    if out.shape[1] == expected.shape[1]:
        one_hot = out[:, n_numeric:]
        if not np.isin(np.round(one_hot, 12), [0.0, 1.0]).all():
            fail(
                f"{what}: the one-hot columns hold values other than 0 and 1 (e.g. "
                f"{one_hot[~np.isin(np.round(one_hot, 12), [0.0, 1.0])][0]:.4g}): the categorical "
                "columns were scaled after encoding. A one-hot column says 'this category or not'; "
                "scaling it changes nothing useful and breaks the 0/1 meaning"
            )
    elif out.shape[1] < expected.shape[1]:
        fail(
            f"{what} has {out.shape[1]} columns, expected {expected.shape[1]} ({n_numeric} numeric "
            f"+ one per category of {list(categorical)}): a categorical column was not one-hot "
            "encoded. 'hour' holds integers but is listed as categorical: route columns by the "
            "lists you are given, not by dtype, or hour 23 counts as 'more' than hour 9"
        )
    assert_close(
        out,
        expected,
        what,
        rtol=1e-7,
        atol=1e-9,
        why="numeric: median-imputed, then (x - mean) / std with the training statistics; "
        "categorical: most-frequent imputed, then one 0/1 column per training category "
        "(sorted); numeric columns first, in the order given",
    )


@pytest.mark.exercise("03_features/ex02_build_preprocessor")
class TestBuildPreprocessor:
    def test_returns_an_unfitted_column_transformer(self, submission):
        ct = submission.build_preprocessor(list(NUMERIC), list(CATEGORICAL))
        if not isinstance(ct, ColumnTransformer):
            fail(
                f"build_preprocessor should return a sklearn.compose.ColumnTransformer, got "
                f"{type(ct).__name__}"
            )
        if hasattr(ct, "transformers_"):
            fail(
                "the ColumnTransformer comes back already fitted: return it unfitted, so that a "
                "Pipeline fits it on each training fold only"
            )
        _learner_call(
            clone,
            ct,
            doing="sklearn.base.clone(preprocessor)",
            why="cross-validation clones the pipeline for every fold",
        )

    def test_training_rows(self, submission):
        train = _prep_train()
        _, out = _fitted_preprocessor(submission, train)
        expected = _reference_matrix(train, train, NUMERIC, CATEGORICAL)
        _diagnose_preprocessor(out, expected, NUMERIC, CATEGORICAL, "fit_transform(train)")

    def test_unseen_category_at_predict_time(self, submission):
        train, new = _prep_train(), _prep_new()
        ct, _ = _fitted_preprocessor(submission, train)
        rows = new.iloc[[0, 3]].copy()  # a new channel 'atm'; known values otherwise
        rows.loc[rows.index[1], "country"] = "IT"  # a country never seen in training
        out = _learner_call(
            ct.transform,
            rows,
            doing="transform on rows with categories unseen in "
            "training (channel 'atm', country 'IT')",
            why="production always brings new categories: encode them as all zeros "
            "(OneHotEncoder(handle_unknown='ignore')) instead of crashing",
        )
        out = _dense(out, "transform(new rows)")
        expected = _reference_matrix(train, rows, NUMERIC, CATEGORICAL)
        _diagnose_preprocessor(
            out, expected, NUMERIC, CATEGORICAL, "transform(rows with unseen categories)"
        )

    def test_missing_values_at_predict_time(self, submission):
        train, new = _prep_train(), _prep_new()
        ct, _ = _fitted_preprocessor(submission, train)
        out = _learner_call(
            ct.transform,
            new,
            doing="transform on rows with missing values",
            why="impute every column (SimpleImputer) before scaling or encoding",
        )
        out = _dense(out, "transform(rows with NaN)")
        if np.isnan(out).any():
            fail(
                f"transform returned {int(np.isnan(out).sum())} NaN values for rows with gaps: a "
                "scaler passes NaN through and the model behind it then crashes on them. Impute "
                "numeric columns with the training median first"
            )
        expected = _reference_matrix(train, new, NUMERIC, CATEGORICAL)
        _diagnose_preprocessor(out, expected, NUMERIC, CATEGORICAL, "transform(rows with NaN)")

    def test_missing_values_at_fit_time(self, submission):
        train = _prep_train()
        train.loc[[1, 4], "amount"] = np.nan
        train.loc[[2, 7], "channel"] = np.nan
        train.loc[[5], "hour"] = np.nan
        _, out = _fitted_preprocessor(submission, train)
        if np.isnan(out).any():
            fail("fit_transform returned NaN for training rows with gaps: impute before scaling")
        expected = _reference_matrix(train, train, NUMERIC, CATEGORICAL)
        _diagnose_preprocessor(out, expected, NUMERIC, CATEGORICAL, "fit_transform(train with NaN)")

    def test_integer_codes_stay_categorical(self, submission):
        train = _prep_train()
        _, out = _fitted_preprocessor(submission, train, numeric=[], categorical=["hour"])
        expected = _reference_matrix(train, train, [], ["hour"])
        _diagnose_preprocessor(out, expected, [], ["hour"], "build_preprocessor([], ['hour'])")

    def test_numeric_only(self, submission):
        train = _prep_train()
        _, out = _fitted_preprocessor(submission, train, numeric=["age_days"], categorical=[])
        expected = _reference_matrix(train, train, ["age_days"], [])
        _diagnose_preprocessor(
            out, expected, ["age_days"], [], "build_preprocessor(['age_days'], [])"
        )

    def test_overlap_raises(self, submission):
        expect_raises(
            ValueError,
            submission.build_preprocessor,
            ["amount", "hour"],
            ["hour"],
            why="'hour' cannot be both a number to scale and a category to encode",
        )

    def test_in_a_pipeline_on_coursedata(self, submission):
        world = _world("small", 0)
        tx = world.transactions.assign(hour=world.transactions["timestamp"].dt.hour)
        before = tx["timestamp"] < world.truth.drift_start
        train = tx[before & (tx["merchant_category"] != "crypto")]  # crypto is first seen in test
        test = tx[~before].copy()
        rng = np.random.default_rng(3)
        test.loc[rng.random(len(test)) < 0.05, "amount"] = np.nan
        test.loc[rng.random(len(test)) < 0.05, "channel"] = np.nan
        numeric, categorical = ["amount"], ["channel", "merchant_category", "hour"]
        ct = submission.build_preprocessor(numeric, categorical)
        model = Pipeline([("prep", ct), ("model", LogisticRegression(max_iter=1000))])
        _learner_call(
            model.fit,
            train,
            train["is_fraud"],
            doing="Pipeline([preprocessor, LogisticRegression]).fit on the pre-drift payments",
            why="the frame also holds ids, timestamps and the label: use exactly the "
            "columns you are given, and drop the others",
        )
        proba = _learner_call(
            model.predict_proba,
            test,
            doing="predicting the post-drift payments "
            "(5% of amounts and channels missing, category 'crypto' never seen)",
            why="a fraud model must score every payment that arrives",
        )
        proba = as_array(proba, "predict_proba(test)", ndim=2)
        X_train = _reference_matrix(train, train, numeric, categorical)
        X_test = _reference_matrix(train, test, numeric, categorical)
        reference = LogisticRegression(max_iter=1000).fit(X_train, train["is_fraud"])
        assert_close(
            proba[:, 1],
            reference.predict_proba(X_test)[:, 1],
            "fraud probabilities of the post-drift payments",
            rtol=1e-4,
            atol=1e-6,
            why="the same model on correctly preprocessed features gives these",
        )


# --------------------------------------------------------------------------------------------
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


@pytest.mark.exercise("03_features/ex03_selection_in_cv")
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


# --------------------------------------------------------------------------------------------
# ex04 · OutOfFoldTargetEncoder

# scikit-learn's estimator checks that do not apply to an out-of-fold target encoder, and why.
# Every other check that the installed scikit-learn generates for the encoder must pass.
SKIPPED_ESTIMATOR_CHECKS = {
    "check_transformer_general": "it requires fit_transform(X, y) == fit(X, y).transform(X); "
    "out-of-fold encoding differs on purpose (scikit-learn's TargetEncoder does the same)",
    "check_transformer_data_not_an_array": "the same fit_transform == fit().transform comparison",
    "check_estimators_nan_inf": "it expects NaN in X to be rejected; here NaN is a category",
    "check_estimators_empty_data_messages": "it matches the wording of scikit-learn's own "
    "check_array errors; our contract asks for a ValueError and test_validation checks it",
    "check_fit2d_predict1d": "the same: it looks for scikit-learn's words 'Reshape your data'",
    "check_n_features_in_after_fitting": "the same: it matches scikit-learn's exact message",
    "check_dtype_object": "it matches the wording of a TypeError for a dict inside X",
    "check_complex_data": "it expects scikit-learn's ValueError for complex numbers, which are "
    "not categories",
    "check_estimator_sparse_array": "sparse input is not supported (categories are not sparse "
    "numbers) and the check wants scikit-learn's wording",
    "check_estimator_sparse_matrix": "the same as check_estimator_sparse_array",
    "check_estimator_sparse_tag": "the same as check_estimator_sparse_array",
    "check_estimator_sparse_data": "the same as check_estimator_sparse_array (older scikit-learn)",
    "check_array_api_input": "needs array-API namespaces; the encoder works on NumPy and pandas",
}


def _generated_estimator_checks(estimator) -> Iterator[tuple[str, Callable[[Any], None], Any]]:
    """(name, check, estimator) for every check the installed scikit-learn generates."""
    from sklearn.utils import estimator_checks

    if hasattr(estimator_checks, "estimator_checks_generator"):  # scikit-learn >= 1.6
        generated = estimator_checks.estimator_checks_generator(estimator, legacy=True)
    else:
        generated = estimator_checks.check_estimator(estimator, generate_only=True)
    for est, check in generated:
        func = check.func if isinstance(check, functools.partial) else check
        yield func.__name__, check, est


def _encoder_data() -> tuple[pd.DataFrame, np.ndarray]:
    """40 rows, two categorical columns with categories seen 1 to 14 times (one NaN category)."""
    rng = np.random.default_rng(40)
    merchant = rng.choice(
        ["grocer", "cinema", "airline", "jeweller", "bakery"],
        size=40,
        p=[0.35, 0.25, 0.2, 0.15, 0.05],
    )
    merchant[7] = "kiosk"  # a category seen once
    channel = rng.choice(["web", "app", "pos"], size=40).astype(object)
    channel[[3, 19, 33]] = np.nan
    y = (rng.random(40) < np.where(merchant == "jeweller", 0.8, 0.25)).astype(int)
    return pd.DataFrame({"merchant": merchant, "channel": channel}), y


def _encoder_new_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "merchant": ["airline", "casino", "kiosk", "grocer"],
            "channel": ["pos", "web", np.nan, "atm"],
        }
    )


def _key(value: Any) -> Any:
    return "<NaN>" if pd.isna(value) else value


def _reference_encodings(X: pd.DataFrame, y: np.ndarray, smoothing: float) -> list[dict]:
    prior = float(np.mean(y))
    tables = []
    for col in X.columns:
        sums: dict = {}
        counts: dict = {}
        for value, label in zip(X[col].to_numpy(), y, strict=True):
            k = _key(value)
            sums[k] = sums.get(k, 0.0) + float(label)
            counts[k] = counts.get(k, 0) + 1
        tables.append({k: (sums[k] + smoothing * prior) / (counts[k] + smoothing) for k in sums})
    return tables


def _reference_transform(X_fit, y_fit, X, smoothing=10.0) -> np.ndarray:
    tables, prior = _reference_encodings(X_fit, y_fit, smoothing), float(np.mean(y_fit))
    return np.column_stack(
        [
            [table.get(_key(v), prior) for v in X[col].to_numpy()]
            for table, col in zip(tables, X.columns, strict=True)
        ]
    )


def _reference_oof(X, y, n_splits=5, smoothing=10.0, random_state=0) -> np.ndarray:
    out = np.empty(X.shape, dtype=np.float64)
    for other, fold in KFold(n_splits=n_splits, shuffle=True, random_state=random_state).split(X):
        out[fold] = _reference_transform(X.iloc[other], y[other], X.iloc[fold], smoothing)
    return out


def _encoded(value: Any, what: str, shape: tuple[int, int]) -> np.ndarray:
    out = as_array(value, what, ndim=2)
    assert_shape(out, shape, what, "one float per row and column of X")
    return out


@pytest.mark.exercise("03_features/ex04_target_encoder")
class TestTargetEncoder:
    def test_transform_uses_smoothed_training_means(self, submission):
        X, y = _encoder_data()
        encoder = submission.OutOfFoldTargetEncoder()
        fitted = encoder.fit(X, y)
        if fitted is not encoder:
            fail(
                f"fit should return self (the fitted encoder), got {type(fitted).__name__}: "
                "Pipeline and chained calls like enc.fit(X, y).transform(X) rely on it"
            )
        out = _encoded(encoder.transform(X), "transform(X) after fit", X.shape)
        expected = _reference_transform(X, y, X)
        raw = _reference_transform(X, y, X, smoothing=0.0)
        if np.allclose(out, raw) and not np.allclose(raw, expected):
            kiosk = int(np.flatnonzero(X["merchant"].to_numpy() == "kiosk")[0])
            fail(
                f"these are raw category means: 'kiosk', seen once, encodes as {out[kiosk, 0]:.3f}, "
                f"its single label. With smoothing=10 it should be {expected[kiosk, 0]:.3f}: "
                "(n_c * mean_c + smoothing * prior) / (n_c + smoothing) pulls rare categories "
                "towards the global mean, so one row cannot dictate its category's value"
            )
        assert_close(
            out,
            expected,
            "transform(X) after fit(X, y)",
            rtol=1e-9,
            atol=1e-12,
            why="each category's smoothed mean target over all training rows, prior = "
            "mean(y); NaN is a category of its own",
        )
        if not np.isclose(float(getattr(encoder, "global_mean_", np.nan)), float(np.mean(y))):
            fail(
                f"global_mean_ should be the mean of y ({np.mean(y):.4f}), got "
                f"{getattr(encoder, 'global_mean_', 'no such attribute')}"
            )

    def test_unseen_category_gets_the_global_mean(self, submission):
        X, y = _encoder_data()
        encoder = submission.OutOfFoldTargetEncoder()
        encoder.fit(X, y)
        new = _encoder_new_rows()
        out = _learner_call(
            encoder.transform,
            new,
            doing="transform on rows with categories never seen in training ('casino', 'atm')",
            why="production brings new categories: give them the global mean",
        )
        out = _encoded(out, "transform(new rows)", new.shape)
        if np.isnan(out).any():
            fail(
                "an unseen category came back as NaN: fall back to global_mean_, the best guess "
                "for a category with no history (a NaN would crash the model behind the encoder)"
            )
        assert_close(
            out,
            _reference_transform(X, y, new),
            "transform(new rows)",
            rtol=1e-9,
            atol=1e-12,
            why="known categories: their smoothed training mean; unseen: global_mean_",
        )

    def test_fit_transform_is_out_of_fold(self, submission):
        X, y = _encoder_data()
        encoder = submission.OutOfFoldTargetEncoder(n_splits=4, smoothing=5.0, random_state=11)
        out = _encoded(encoder.fit_transform(X, y), "fit_transform(X, y)", X.shape)
        in_fold = _reference_transform(X, y, X, smoothing=5.0)
        if np.allclose(out, in_fold):
            fail(
                "fit_transform returns the same encodings as fit(X, y).transform(X): every row's "
                "own label is inside its own encoding, so a model learns to read the label back. "
                "Encode each fold with statistics of the other folds only"
            )
        expected = _reference_oof(X, y, n_splits=4, smoothing=5.0, random_state=11)
        assert_close(
            out,
            expected,
            "fit_transform(X, y) with n_splits=4, smoothing=5, random_state=11",
            rtol=1e-9,
            atol=1e-12,
            why="folds from KFold(n_splits, shuffle=True, random_state); each fold encoded "
            "with the smoothed means and the prior of the other folds",
        )

    def test_random_labels_stay_at_chance(self, submission):
        rng = np.random.default_rng(41)
        X = pd.DataFrame({"device": rng.integers(0, 300, 600).astype(str)})
        y = rng.integers(0, 2, 600)
        encoded = _encoded(
            submission.OutOfFoldTargetEncoder().fit_transform(X, y), "fit_transform(X, y)", (600, 1)
        )
        if np.isnan(encoded).any():
            fail(
                "fit_transform returned NaN encodings: a category missing from the other folds "
                "gets that fold's prior, never NaN"
            )
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        auc = float(
            cross_val_score(LogisticRegression(), encoded, y, cv=folds, scoring="roc_auc").mean()
        )
        if auc > 0.62:
            in_fold = _reference_transform(X, y, X)
            leaky = float(
                cross_val_score(
                    LogisticRegression(), in_fold, y, cv=folds, scoring="roc_auc"
                ).mean()
            )
            fail(
                f"on random labels (600 rows, 300 devices) a model on your training encodings has "
                f"a CV ROC AUC of {auc:.2f}; in-fold encoding gives {leaky:.2f}, out-of-fold about "
                "0.5. The encodings carry the rows' own labels: fit_transform must encode each "
                "fold with statistics of the other folds only"
            )

    def test_fit_transform_also_fits(self, submission):
        X, y = _encoder_data()
        encoder = submission.OutOfFoldTargetEncoder()
        encoder.fit_transform(X, y)
        new = _encoder_new_rows()
        out = _learner_call(
            encoder.transform,
            new,
            doing="transform after fit_transform",
            why="a Pipeline calls fit_transform on the training rows, then "
            "transform on the test rows",
        )
        assert_close(
            _encoded(out, "transform(new rows) after fit_transform", new.shape),
            _reference_transform(X, y, new),
            "transform(new rows) after fit_transform",
            rtol=1e-9,
            atol=1e-12,
            why="fit_transform must also fit on all training rows, exactly as fit does",
        )

    def test_validation(self, submission):
        X, y = _encoder_data()
        encoder = submission.OutOfFoldTargetEncoder()
        try:
            encoder.transform(X)
        except NotImplementedError:
            raise
        except (NotFittedError, AttributeError, ValueError):
            pass
        except Exception as exc:
            fail(
                f"transform before fit raised {type(exc).__name__}; raise NotFittedError "
                "(sklearn.utils.validation.check_is_fitted does it)"
            )
        else:
            fail(
                "transform before fit returned a result: an unfitted encoder knows no categories; "
                "raise NotFittedError (check_is_fitted(self))"
            )
        try:
            bad = [
                submission.OutOfFoldTargetEncoder(n_splits=1),
                submission.OutOfFoldTargetEncoder(smoothing=-1.0),
            ]
        except NotImplementedError:
            raise
        except Exception as exc:
            fail(
                f"OutOfFoldTargetEncoder(n_splits=1) or (smoothing=-1.0) raised "
                f"{type(exc).__name__} in __init__: check parameters in fit, not __init__. "
                "scikit-learn's set_params and clone set them without calling your checks, so "
                "__init__ only stores them"
            )
        stored = bad[0].get_params()
        if stored.get("n_splits") != 1 or bad[1].get_params().get("smoothing") != -1.0:
            fail(
                f"get_params() gives {stored}: __init__ must store each parameter unchanged, under "
                "its own name"
            )
        expect_raises(
            ValueError, bad[0].fit, X, y, why="n_splits=1 leaves no other fold to learn from"
        )
        expect_raises(ValueError, bad[1].fit, X, y, why="a negative smoothing is not a weight")
        expect_raises(
            ValueError,
            submission.OutOfFoldTargetEncoder().fit,
            X,
            y[:-1],
            why="X has 40 rows but y has 39",
        )
        expect_raises(
            ValueError,
            submission.OutOfFoldTargetEncoder().fit,
            X["merchant"].to_numpy(),
            y,
            why="a 1-D X is ambiguous (one column or one row?); X must be 2-D",
        )
        fitted = submission.OutOfFoldTargetEncoder()
        fitted.fit(X, y)
        expect_raises(
            ValueError,
            fitted.transform,
            X[["merchant"]],
            why="the encoder was fitted on 2 columns and is given 1",
        )

    def test_scikit_learn_estimator_checks(self, submission):
        X, y = _encoder_data()
        encoder = submission.OutOfFoldTargetEncoder()
        encoder.fit_transform(
            X, y
        )  # an unfinished encoder stops here, before scikit-learn's checks
        failures, ran = [], 0
        for name, check, est in _generated_estimator_checks(submission.OutOfFoldTargetEncoder()):
            if name in SKIPPED_ESTIMATOR_CHECKS:
                continue
            ran += 1
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    check(est)
            except NotImplementedError:
                raise
            except Exception as exc:
                if type(exc).__name__ == "SkipTest":
                    continue
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                failures.append(f"{name}: {type(exc).__name__}: {first[:220]}")
        if failures:
            fail(
                f"{len(failures)} of {ran} scikit-learn estimator checks failed; the first: "
                f"{failures[0]}"
                + (
                    f" (then {', '.join(f.split(':')[0] for f in failures[1:4])})"
                    if len(failures) > 1
                    else ""
                )
                + ". The API: __init__ only stores its parameters, fit returns self, learned "
                "attributes end in '_', transform never changes the encoder"
            )

    def test_encode_train_test_never_reads_test_labels(self, submission):
        X, y = _encoder_data()
        train = X.iloc[:30].assign(is_fraud=y[:30])
        test = X.iloc[30:].assign(is_fraud=y[30:])
        flipped = test.assign(is_fraud=1 - test["is_fraud"])
        out = submission.encode_train_test(train, test, ["merchant", "channel"], "is_fraud")
        out_flipped = submission.encode_train_test(
            train, flipped, ["merchant", "channel"], "is_fraud"
        )
        for result in (out, out_flipped):
            if not isinstance(result, tuple) or len(result) != 2:
                fail(
                    f"encode_train_test should return (train_encoded, test_encoded), got "
                    f"{type(result).__name__}"
                )
        test_a = _encoded(out[1], "test_encoded", (10, 2))
        test_b = _encoded(out_flipped[1], "test_encoded (test labels flipped)", (10, 2))
        if not np.allclose(test_a, test_b):
            fail(
                "the test rows' encodings change when only the test labels change: they were "
                "computed from the labels you are trying to predict (fit or fit_transform on the "
                "test rows). Fit on the training rows only and transform the test rows"
            )
        assert_close(
            test_a,
            _reference_transform(X.iloc[:30], y[:30], X.iloc[30:]),
            "test_encoded",
            rtol=1e-9,
            atol=1e-12,
            why="the test rows are transformed with the full training statistics",
        )

    def test_encode_train_test_train_rows_out_of_fold(self, submission):
        X, y = _encoder_data()
        train = X.iloc[:30].assign(is_fraud=y[:30])
        test = X.iloc[30:]  # as in production: no label column at all
        out = _learner_call(
            submission.encode_train_test,
            train,
            test,
            ["merchant", "channel"],
            "is_fraud",
            doing="encode_train_test with a test frame that has no "
            "'is_fraud' column (as in production)",
            why="the test rows' labels must never be read: fit on train, then "
            "only transform test[columns]",
        )
        if not isinstance(out, tuple) or len(out) != 2:
            fail(
                f"encode_train_test should return (train_encoded, test_encoded), got {type(out).__name__}"
            )
        got = _encoded(out[0], "train_encoded", (30, 2))
        if np.allclose(got, _reference_transform(X.iloc[:30], y[:30], X.iloc[:30])):
            fail(
                "train_encoded holds in-fold encodings (fit, then transform the same rows): each "
                "training row sees its own label. Use the encoder's fit_transform"
            )
        assert_close(
            got,
            _reference_oof(X.iloc[:30], y[:30]),
            "train_encoded",
            rtol=1e-9,
            atol=1e-12,
            why="the training rows encoded out-of-fold by OutOfFoldTargetEncoder() with its "
            "default parameters",
        )


# --------------------------------------------------------------------------------------------
# ex05 · find_leaky_columns


def _leak_frame() -> pd.DataFrame:
    """400 payments with honest columns, honest-but-strong ones, and four kinds of leak."""
    rng = np.random.default_rng(50)
    n = 400
    label = rng.random(n) < 0.3
    at = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.integers(0, 90 * 86400, n)), unit="s"
    )
    refund = np.where(label, rng.gamma(2.0, 20.0, n).round(2), np.nan)
    refund[np.flatnonzero(~label)[0]] = 12.5  # one honest refund among the negatives
    dispute = np.where(label, rng.choice(["opened", "won", "lost"], n), None)
    country = rng.choice(["DE", "FR", "ES"], n).astype(object)
    country[rng.random(n) < 0.1] = None
    return pd.DataFrame(
        {
            "at": at,
            "amount": np.round(rng.lognormal(3.0, 0.6, n) * np.where(label, 1.8, 1.0), 2),
            "created_at": at,  # recorded at the event itself: known, not a leak
            "strong_score": label * 2.6 + rng.normal(size=n),  # AUC about 0.97: strong, honest
            "reviewed_at": at + pd.to_timedelta(rng.integers(3600, 5 * 86400, n), unit="s"),
            "country": country,
            "signup_at": at - pd.to_timedelta(rng.integers(86400, 900 * 86400, n), unit="s"),
            "refund_amount": refund,
            "is_fraud": label,
            "dispute_status": dispute,
            "label_copy": label.astype(np.int64),
            "constant": np.ones(n),
            "nothing": np.full(n, np.nan),
        }
    )


LEAKS = ["reviewed_at", "refund_amount", "dispute_status", "label_copy"]


def _single_auc(frame: pd.DataFrame, col: str) -> float:
    auc = roc_auc_score(frame["is_fraud"], frame[col])
    return max(auc, 1 - auc)


def _leaky(submission, frame: pd.DataFrame, target="is_fraud", event_time="at") -> list:
    out = submission.find_leaky_columns(frame, target, event_time)
    if not isinstance(out, list) or not all(type(c) is str for c in out):
        fail(f"find_leaky_columns should return a list of column names, got {out!r:.200}")
    return out


@pytest.mark.exercise("03_features/ex05_find_leaky_columns")
class TestFindLeakyColumns:
    def test_flags_a_perfect_predictor(self, submission):
        frame = _leak_frame()
        found = _leaky(submission, frame)
        if "label_copy" not in found:
            fail(
                "label_copy is the label as 0/1 (ROC AUC 1.00 on its own) and was not flagged: "
                "score each numeric column's values against the target"
            )

    def test_flags_a_timestamp_after_the_event(self, submission):
        frame = _leak_frame()
        found = _leaky(submission, frame)
        if "reviewed_at" not in found:
            fail(
                "reviewed_at is filled in hours to days after each payment ('at') and was not "
                "flagged. It predicts nothing on its own, but its mere existence proves it was "
                "written after the event: flag a datetime column with any value later than the "
                "row's event time"
            )
        wrong = [c for c in ("created_at", "signup_at") if c in found]
        if wrong:
            fail(
                f"{wrong} flagged: created_at equals the event time and signup_at is before it; "
                "both were known when the payment happened. Only values *later* than event_time "
                "(>, not >=) prove a leak"
            )

    def test_flags_a_missingness_leak(self, submission):
        frame = _leak_frame()
        found = _leaky(submission, frame)
        missed = [c for c in ("refund_amount", "dispute_status") if c not in found]
        if missed:
            fail(
                f"{missed} not flagged: they are filled (almost) only on fraud rows, so "
                "isna() alone separates the classes (ROC AUC "
                f"{max(_single_auc(frame.assign(m=frame['refund_amount'].isna()), 'm'), 0):.3f}), "
                "whatever the values are. Score each column's missingness too; filling NaN with a "
                "median, or dropping the missing rows, hides exactly this leak"
            )

    def test_leaves_honest_columns_alone(self, submission):
        frame = _leak_frame()
        found = _leaky(submission, frame)
        wrong = [c for c in found if c not in LEAKS]
        if "strong_score" in wrong:
            fail(
                f"strong_score was flagged, but it is an honest, strong feature: ROC AUC "
                f"{_single_auc(frame, 'strong_score'):.2f} on its own. A leak predicts (almost) "
                "perfectly; flag a score only at or above 0.99, or you throw away your best features"
            )
        if wrong:
            fail(
                f"flagged honest columns {wrong}: a constant column, one missing everywhere, text "
                "missing at random, and times at or before the event are all legitimate"
            )

    def test_all_leaks_in_column_order(self, submission):
        frame = _leak_frame()
        found = _leaky(submission, frame)
        if found != LEAKS:
            fail(
                f"expected {LEAKS} (in the frame's column order, never the target or event time), "
                f"got {found}"
            )

    @pytest.mark.parametrize("seed", [0, 1])
    def test_finds_the_planted_chargeback_leak(self, submission, seed):
        world = _world("small", seed)
        merchants = world.merchants.rename(
            columns={"category": "merchant_type", "country": "registered_in"}
        )
        frame = world.transactions.merge(world.users, on="user_id").merge(
            merchants, on="merchant_id"
        )
        before = frame.copy()
        found = _leaky(submission, frame, "is_fraud", "timestamp")
        expected = [c for c in frame.columns if c in world.truth.leak_columns]
        wrong = [c for c in found if c not in expected]
        if wrong:
            aucs = {
                c: _single_auc(frame, c) for c in wrong if pd.api.types.is_numeric_dtype(frame[c])
            }
            shown = ", ".join(f"{c} (AUC {a:.2f})" for c, a in aucs.items())
            fail(
                f"on coursedata.sample('small', {seed}) you flag {wrong}, which are legitimate "
                f"columns{': ' + shown if shown else ''}. Only {expected} leak: they exist only "
                "after a chargeback. An id can predict well (device ids follow creation time, and "
                "fraudsters' devices are new) without being a leak; the threshold is 0.99"
            )
        if found != expected:
            fail(
                f"on coursedata.sample('small', {seed}) expected {expected} (the planted leak, "
                f"world.truth.leak_columns), got {found}"
            )
        try:
            pd.testing.assert_frame_equal(frame, before)
        except AssertionError:
            fail("find_leaky_columns changed the caller's frame: inspect it, never modify it")

    def test_missing_columns_raise_key_error(self, submission):
        frame = _leak_frame()
        expect_raises(
            KeyError,
            submission.find_leaky_columns,
            frame,
            "no_such_label",
            "at",
            why="there is no column 'no_such_label'",
        )
        expect_raises(
            KeyError,
            submission.find_leaky_columns,
            frame,
            "is_fraud",
            "no_such_time",
            why="there is no column 'no_such_time'",
        )


# --------------------------------------------------------------------------------------------
# ex06 · point_in_time_join


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _pit_events() -> pd.DataFrame:
    times = [
        "2025-01-05 10:00",
        "2025-01-03 09:00",
        "2025-01-01 00:00",
        "2025-01-02 12:00",
        "2025-01-04 08:00",
        "2025-01-03 18:00",
        "2025-01-06 09:00",
    ]
    return pd.DataFrame(
        {
            "user": [2, 1, 1, 2, 3, 1, 1],
            "at": pd.Series([_ts(t) for t in times]).astype("datetime64[ns, UTC]").to_numpy(),
            "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
        },
        index=pd.Index([31, 7, 12, 4, 25, 9, 18], name="payment"),
    )


def _pit_snapshots() -> pd.DataFrame:
    rows = [  # (user, at, risk, level)
        (1, "2025-01-03 10:00", 0.40, "high"),  # one hour after the 09:00 event: future for it
        (1, "2025-01-02 00:00", 0.20, "low"),
        (2, "2025-01-02 12:00", 0.50, "mid"),  # exactly at user 2's event: already known
        (2, "2025-01-05 11:00", 0.90, "high"),  # after every user-2 event
        (1, "2025-01-03 09:00", 0.30, "mid"),  # exactly at user 1's 09:00 event
        (3, "2025-01-04 20:00", 0.70, "high"),  # same day as user 3's event, but later
        (1, "2025-01-06 09:30", 0.60, "high"),
    ]
    return pd.DataFrame(
        {
            "user": [r[0] for r in rows],
            "at": pd.Series([_ts(r[1]) for r in rows]).astype("datetime64[ns, UTC]").to_numpy(),
            "risk": [r[2] for r in rows],
            "level": [r[3] for r in rows],
        }
    )


def _reference_as_of(events, snapshots, by: list[str], on: str) -> tuple[np.ndarray, np.ndarray]:
    """For each event, the position of its snapshot in `snapshots` (-1: none), and whether a later
    snapshot of the same key exists. A plain loop over each key's time-sorted snapshots."""
    per_key: dict[tuple, list[tuple[int, int]]] = {}
    snap_times = snapshots[on].to_numpy().astype("datetime64[ns]").astype(np.int64)
    for j, key in enumerate(tuple(row) for row in snapshots[by].to_numpy()):
        per_key.setdefault(key, []).append((int(snap_times[j]), j))
    for entries in per_key.values():
        entries.sort()
    chosen = np.full(len(events), -1)
    later = np.zeros(len(events), dtype=bool)
    event_times = events[on].to_numpy().astype("datetime64[ns]").astype(np.int64)
    for i, key in enumerate(tuple(row) for row in events[by].to_numpy()):
        entries = per_key.get(key, [])
        known = bisect.bisect_right(entries, (int(event_times[i]), len(snapshots)))  # at or before
        chosen[i] = entries[known - 1][1] if known else -1
        later[i] = known < len(entries)
    return chosen, later


def _joined(submission, events, snapshots, by, on="at") -> pd.DataFrame:
    out = _frame(
        submission.point_in_time_join(events, snapshots, by, on), "point_in_time_join(...)"
    )
    if len(out) != len(events):
        fail(
            f"the result has {len(out)} rows for {len(events)} events: one row per event, no more "
            "(a merge on the key alone pairs each event with every snapshot), no fewer"
        )
    if list(out.index) != list(events.index):
        fail(
            f"the result's index is {list(out.index)[:8]}..., expected the events' own index "
            f"{list(events.index)[:8]}... in the same order: merge_asof sorts by time and "
            "renumbers the rows; put the events' original order and index labels back"
        )
    return out


def _plain(value: Any) -> float | str | None:
    """A learner's cell as a plain float or str (None when missing), so no object's own __eq__
    decides a comparison."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return str.__str__(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _check_values(out, events, snapshots, by, on, value_cols, where: str) -> None:
    chosen, _ = _reference_as_of(events, snapshots, by, on)
    for col in value_cols:
        if col not in out.columns:
            fail(
                f"the result has no column {col!r}: attach every snapshot column except the key "
                "and the time"
            )
        got = [_plain(v) for v in out[col].tolist()]
        for i in range(len(events)):
            expected = None if chosen[i] < 0 else _plain(snapshots[col].iloc[chosen[i]])
            value = got[i]
            same = (
                value is None
                if expected is None
                else (type(value) is type(expected) and value == expected)
            )
            if same:
                continue
            event = events.iloc[i]
            key = ", ".join(f"{k}={event[k]}" for k in by)
            t = event[on]
            same_key = np.ones(len(snapshots), dtype=bool)
            for k in by:
                same_key &= (snapshots[k] == event[k]).to_numpy()
            snap_times = snapshots.loc[same_key, on]
            future = snapshots.loc[
                same_key & (snapshots[on] > t).to_numpy() & (snapshots[col] == value).to_numpy()
            ]
            if len(future):
                fail(
                    f"{where}: the event at {t} ({key}) got {col} = {_show(value)} from the snapshot "
                    f"taken at {future[on].iloc[0]}, after the event: a value from the future, "
                    "which the model will never have in production. Take the latest snapshot at "
                    "or before the event (merge_asof, direction='backward')"
                )
            if expected is None:
                fail(
                    f"{where}: the event at {t} ({key}) has no snapshot at or before it (its "
                    f"snapshots: {[str(s) for s in snap_times]}), so {col} must be missing, got "
                    f"{_show(value)}"
                )
            fail(
                f"{where}: the event at {t} ({key}) should get {col} = {_show(expected)} from the "
                f"snapshot at {snapshots[on].iloc[chosen[i]]} (the latest at or before it), got "
                f"{_show(value)}"
            )


@pytest.mark.exercise("03_features/ex06_point_in_time_join")
class TestPointInTimeJoin:
    def test_latest_snapshot_at_or_before(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        out = _joined(submission, events.copy(), snapshots.copy(), "user")
        _check_values(
            out, events, snapshots, ["user"], "at", ["risk", "level"], "hand-built frames"
        )

    def test_same_moment_counts_as_known(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        out = _joined(submission, events.copy(), snapshots.copy(), "user")
        if "risk" not in out.columns:
            fail("the result has no column 'risk': attach the snapshots' value columns")
        row = out[(out["user"] == 1) & (out["at"] == _ts("2025-01-03 09:00"))]
        got = _plain(row["risk"].iloc[0]) if len(row) == 1 else None
        if got is None or got != 0.30:
            fail(
                f"the snapshot taken at the very moment of the event (user 1, 2025-01-03 09:00, "
                f"risk 0.30) was not used (got {_show(got)}): 'at or before' includes the same time "
                "(merge_asof's allow_exact_matches=True)"
            )

    def test_keeps_order_index_and_columns(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        out = _joined(submission, events.copy(), snapshots.copy(), "user")
        if list(out.index) != list(events.index):
            fail(
                f"the result's index is {list(out.index)}, expected the events' own index "
                f"{list(events.index)} in the same order: merge_asof sorts by time and renumbers; "
                "put the original order and labels back"
            )
        expected_cols = [*events.columns, "risk", "level"]
        if list(out.columns) != expected_cols:
            fail(
                f"the columns should be {expected_cols} (the events', then the snapshots' values), "
                f"got {list(out.columns)}"
            )
        try:
            pd.testing.assert_frame_equal(out[list(events.columns)], events, check_freq=False)
        except AssertionError:
            fail("the events' own columns changed in the result: keep their values and dtypes")

    def test_keys_stay_apart(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        events["channel"] = ["web", "app", "web", "web", "app", "web", "app"]
        snapshots["channel"] = ["web", "app", "web", "web", "app", "app", "web"]
        out = _joined(submission, events.copy(), snapshots.copy(), ["user", "channel"])
        _check_values(
            out, events, snapshots, ["user", "channel"], "at", ["risk"], "by=['user', 'channel']"
        )

    def test_no_future_values_on_coursedata(self, submission):
        world = _world("small", 0)
        events = world.transactions[["user_id", "timestamp", "amount"]].sample(
            frac=1.0, random_state=0
        )
        rng = np.random.default_rng(60)
        users = rng.choice(world.users["user_id"].to_numpy(), size=2000)
        start = world.truth.start.value
        span = world.truth.end.value - start
        snapshots = pd.DataFrame(
            {
                "user_id": users,
                "timestamp": pd.to_datetime(
                    start + rng.integers(0, span, size=2000), utc=True
                ).as_unit("ns"),
                "risk_score": np.round(rng.random(2000), 4),
            }
        ).drop_duplicates(["user_id", "timestamp"])
        out = _joined(submission, events, snapshots, "user_id", "timestamp")
        if "risk_score" not in out.columns:
            fail("the result has no risk_score column: attach the snapshots' value columns")
        chosen, later = _reference_as_of(events, snapshots, ["user_id"], "timestamp")
        expected = np.where(
            chosen >= 0, snapshots["risk_score"].to_numpy()[np.maximum(chosen, 0)], np.nan
        )
        got = pd.to_numeric(out["risk_score"], errors="coerce").to_numpy(dtype=np.float64)
        wrong = ~np.isclose(got, expected, equal_nan=True, rtol=0, atol=0)
        if wrong.any():
            snap = snapshots.assign(pos=np.arange(len(snapshots)))
            n_future = 0
            for i in np.flatnonzero(wrong):
                mine = snap[
                    (snap["user_id"] == events["user_id"].iloc[i]) & (snap["risk_score"] == got[i])
                ]
                n_future += int((mine["timestamp"] > events["timestamp"].iloc[i]).any())
            fail(
                f"{int(wrong.sum()):,} of {len(events):,} payments got the wrong risk_score, "
                f"{n_future:,} of them from a snapshot taken after the payment (future values: the "
                f"offline score looks better than production can ever be). {int(later.sum()):,} "
                "of the payments have a later snapshot of their user, which a wrong join can pick"
            )

    def test_inputs_not_modified(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        e0, s0 = events.copy(), snapshots.copy()
        _joined(submission, events, snapshots, "user")
        for name, frame, before in (("events", events, e0), ("snapshots", snapshots, s0)):
            try:
                pd.testing.assert_frame_equal(frame, before)
            except AssertionError:
                fail(
                    f"point_in_time_join changed the caller's {name} (sorted in place, or added a "
                    "column?): work on copies"
                )
