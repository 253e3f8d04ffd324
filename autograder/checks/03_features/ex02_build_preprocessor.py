"""Checks for 03_features/ex02_build_preprocessor (see solutions/03_features/ex02_build_preprocessor.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from autograder.assertions import as_array, assert_close, expect_raises, fail

from ._shared import (
    _learner_call,
    _world,
)

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
