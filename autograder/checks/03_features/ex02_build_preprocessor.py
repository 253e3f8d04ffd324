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

from autograder.assertions import as_array, assert_close, differential, expect_raises, fail
from autograder.learner_process import learner_isinstance

from ._shared import (
    _learner_call,
    _outcome,
    _same_outcome_kind,
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


def _kinds_train() -> pd.DataFrame:
    """Every kind of column the contract names: integer, float (with gaps) and boolean numbers;
    text with and without gaps, a two-valued text column, a pandas category, integer codes."""
    return pd.DataFrame(
        {
            "device": pd.Categorical(
                ["ios", "android", "ios", "web", "ios", "android", "ios", "web"]
            ),
            "items": [1, 4, 2, 9, 3, 2, 6, 1],
            "card_present": ["yes", "no", "no", "yes", "no", "no", "yes", "no"],
            "amount": [12.0, np.nan, 31.5, 8.0, 99.0, np.nan, 17.0, 310.0],
            "is_weekend": [True, False, False, True, False, False, False, True],
            "channel": ["app", "web", np.nan, "app", "pos", "app", np.nan, "app"],
            "hour": [9, 23, 9, 14, 2, 9, 18, 23],
        }
    )


def _kinds_new() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "device": pd.Categorical(
                ["web", np.nan, "linux", "ios"], categories=["android", "ios", "linux", "web"]
            ),
            "items": [3, 12, 0, 2],
            "card_present": ["no", "yes", np.nan, "yes"],
            "amount": [np.nan, 50.0, 5.0, 1.0],
            "is_weekend": [False, True, True, False],
            "channel": ["pos", "atm", np.nan, "web"],
            "hour": [23, 9, 4, 2],
        }
    )


KINDS_NUMERIC = ["is_weekend", "amount", "items"]  # not the frame's order
KINDS_CATEGORICAL = ["hour", "card_present", "channel", "device"]


def _gappy_text_train() -> pd.DataFrame:
    """A text column (object dtype) whose gaps are None in some rows and NaN in others; 'app' is
    the most frequent value, more frequent than the gaps taken together."""
    channel = ["app", "web", None, "app", "pos", np.nan, "app", "web", None, "app", "app"]
    return pd.DataFrame(
        {
            "channel": pd.Series(channel, dtype=object),
            "amount": [12.0, 250.0, 31.5, 8.0, 99.0, 45.0, 17.0, 310.0, 22.0, 64.0, 5.5],
        }
    )


def _gappy_text_new() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "channel": pd.Series(["web", None, np.nan, "pos", None], dtype=object),
            "amount": [20.0, 75.0, 3.0, 1000.0, 50.0],
        }
    )


def _reference_matrix(train: pd.DataFrame, frame: pd.DataFrame, numeric, categorical) -> np.ndarray:
    """What the contract says, written out: median + z-score, then most-frequent + one-hot."""
    blocks = []
    for col in numeric:
        fit_values = train[col].astype(np.float64)  # booleans are numbers 0 and 1
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


def _fitted_preprocessor(
    submission,
    train: pd.DataFrame,
    numeric=NUMERIC,
    categorical=CATEGORICAL,
    why: str = "the preprocessor must fit on an ordinary frame of numbers and categories",
):
    ct = submission.build_preprocessor(list(numeric), list(categorical))
    if not learner_isinstance(ct, ColumnTransformer):
        fail(
            f"build_preprocessor should return a sklearn.compose.ColumnTransformer, got {type(ct).__name__}"
        )
    out = _learner_call(
        ct.fit_transform, train.copy(), doing="fit_transform on the training rows", why=why
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


def _categories_with_one_mode(rng: np.random.Generator, pool: list, n: int) -> np.ndarray:
    """n draws from `pool` (most often its first value) whose most frequent value is unique: the
    contract does not say how a tie for the most frequent value is broken."""
    values = rng.choice(np.array(pool, dtype=object), size=n, p=_skewed(len(pool)))
    values[:2] = pool[0]
    return values


def _skewed(k: int) -> np.ndarray:
    weights = np.arange(k, 0, -1, dtype=np.float64) ** 2
    return weights / weights.sum()


def _unique_mode(values: np.ndarray) -> np.ndarray:
    present = [v for v in values if not pd.isna(v)]
    counts = pd.Series(present, dtype=object).value_counts()
    if len(counts) > 1 and counts.iloc[0] == counts.iloc[1]:
        top, other = counts.index[0], counts.index[1]
        values[np.flatnonzero(values == other)[0]] = top
    return values


def _generated_column(kind: str, rng: np.random.Generator, n: int, n_new: int):
    """(training values, new values) of one column of `kind`."""
    gaps, gaps_new = rng.random(n) < 0.2, rng.random(n_new) < 0.25
    gaps[:2] = False
    if kind == "float":
        fit, new = rng.normal(50.0, 20.0, n).round(2), rng.normal(50.0, 30.0, n_new).round(2)
        fit[:2] = [10.0, 90.0]
        fit[gaps], new[gaps_new] = np.nan, np.nan
        return fit, new
    if kind == "int":
        fit, new = rng.integers(0, 100, n), rng.integers(0, 120, n_new)
        fit[:2] = [1, 50]
        return fit, new
    if kind == "bool":
        fit, new = rng.random(n) < 0.4, rng.random(n_new) < 0.4
        fit[:2] = [True, False]
        return fit, new
    if kind in ("text", "text_full", "binary", "category"):
        pool = {"binary": ["yes", "no"], "category": ["ios", "android", "web"]}.get(
            kind, ["app", "web", "pos", "atm"][: int(rng.integers(2, 5))]
        )
        fit = _unique_mode(_categories_with_one_mode(rng, pool, n))
        new = rng.choice(np.array([*pool, "unseen"], dtype=object), size=n_new)
        if kind != "text_full":
            fit[gaps] = np.nan
        new[gaps_new] = np.nan
        if kind == "category":
            cats = [*pool, "unseen"]
            return pd.Categorical(fit, categories=cats), pd.Categorical(new, categories=cats)
        return fit, new
    # integer codes of a category (an hour of the day): float once a gap appears
    fit = _unique_mode(_categories_with_one_mode(rng, [9, 14, 23, 2], n)).astype(np.float64)
    new = rng.choice([9.0, 14.0, 23.0, 2.0, 5.0], size=n_new)
    if rng.random() < 0.5:
        fit[gaps] = np.nan
        new[gaps_new] = np.nan
        return fit, new
    return fit.astype(np.int64), new.astype(np.int64)


NUMERIC_KINDS = ("float", "int", "bool")
CATEGORICAL_KINDS = ("text", "text_full", "binary", "category", "codes")


def _generated_preprocessor_cases():
    """Seeded frames, smallest first: every numeric kind (float with gaps, int, bool) and every
    categorical kind (text with and without gaps, two-valued text, pandas category, integer
    codes), lists in an order unlike the frame's, an unnamed column, new rows with unseen
    categories and gaps; sometimes one list empty, sometimes a column in both lists."""
    for k, n in enumerate([3, 4, 5, 6, 8, 12, 20, 40]):
        for variant in range(2):
            rng = np.random.default_rng(3200 + 5 * k + variant)
            n_new = int(rng.integers(2, 7))
            n_num = int(rng.integers(0 if k % 3 == 1 else 1, 4))
            n_cat = int(rng.integers(0 if k % 3 == 2 else 1, 4))
            numeric = [f"n{i}_{rng.choice(NUMERIC_KINDS)}" for i in range(n_num)]
            categorical = [f"c{i}_{rng.choice(CATEGORICAL_KINDS)}" for i in range(n_cat)]
            fit_cols, new_cols = {}, {}
            for name in [*numeric, *categorical]:
                fit_cols[name], new_cols[name] = _generated_column(
                    name.split("_", 1)[1], rng, n, n_new
                )
            fit_cols["note"], new_cols["note"] = ["x"] * n, ["y"] * n_new
            order = [str(c) for c in rng.permutation(list(fit_cols))]
            train = pd.DataFrame({c: fit_cols[c] for c in order})
            new = pd.DataFrame({c: new_cols[c] for c in order})
            numeric, categorical = (
                list(rng.permutation(numeric)),
                list(rng.permutation(categorical)),
            )
            numeric, categorical = [str(c) for c in numeric], [str(c) for c in categorical]
            if variant == 1 and k % 4 == 3 and categorical:
                numeric.append(categorical[0])  # listed twice: ValueError
            yield (
                f"{n} training rows and {n_new} new rows, numeric={numeric}, "
                f"categorical={categorical} (frame columns {order})",
                lambda fn, train=train, new=new, numeric=numeric, categorical=categorical: _outcome(
                    lambda: _fit_and_transform(fn, numeric, categorical, train, new)
                ),
            )


def _fit_and_transform(build, numeric, categorical, train, new):
    ct = build(list(numeric), list(categorical))
    return ct.fit_transform(train.copy()), ct.transform(new.copy())


def _compare_preprocessed(got, expected, where: str) -> None:
    if _same_outcome_kind(got, expected, where, "a column listed as both numeric and categorical"):
        return
    for name, mine, theirs in (
        ("fit_transform(train)", got[0], expected[0]),
        ("transform(new rows)", got[1], expected[1]),
    ):
        mine, theirs = _dense(mine, f"{where}: {name}"), _dense(theirs, "reference")
        if mine.shape != theirs.shape:
            fail(
                f"{where}: {name} has shape {mine.shape}, expected {theirs.shape}: one column per "
                "numeric column, then one per training category of each categorical column"
            )
        assert_close(
            mine,
            theirs,
            f"{where}: {name}",
            rtol=1e-7,
            atol=1e-9,
            why="numeric: median-imputed then standardised; categorical: most-frequent imputed "
            "then one-hot (training categories, sorted; unseen: zeros); in the order given",
        )


class TestBuildPreprocessor:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_preprocessor_cases(),
            submission.build_preprocessor,
            reference.build_preprocessor,
            _compare_preprocessed,
            "build_preprocessor(numeric, categorical), fitted on the training rows",
        )

    def test_every_column_kind_in_the_order_given(self, submission):
        train, new = _kinds_train(), _kinds_new()
        ct, out = _fitted_preprocessor(submission, train, KINDS_NUMERIC, KINDS_CATEGORICAL)
        expected = _reference_matrix(train, train, KINDS_NUMERIC, KINDS_CATEGORICAL)
        frame_order = _reference_matrix(
            train,
            train,
            [c for c in train.columns if c in KINDS_NUMERIC],
            [c for c in train.columns if c in KINDS_CATEGORICAL],
        )
        if out.shape == expected.shape and np.allclose(out, frame_order):
            fail(
                f"the output columns follow the frame's column order; the contract asks for the "
                f"order of the lists given: numeric {KINDS_NUMERIC}, then the one-hot blocks of "
                f"{KINDS_CATEGORICAL}"
            )
        _diagnose_preprocessor(
            out,
            expected,
            KINDS_NUMERIC,
            KINDS_CATEGORICAL,
            "fit_transform on integer, float and boolean numbers and text, two-valued text, "
            "category and integer-code categories",
        )
        out_new = _learner_call(
            ct.transform,
            new,
            doing="transform on new rows of every column kind",
            why="unseen categories encode as zeros and gaps are imputed",
        )
        _diagnose_preprocessor(
            _dense(out_new, "transform(new rows)"),
            _reference_matrix(train, new, KINDS_NUMERIC, KINDS_CATEGORICAL),
            KINDS_NUMERIC,
            KINDS_CATEGORICAL,
            "transform(new rows of every column kind)",
        )

    def test_two_valued_category_keeps_both_columns(self, submission):
        train = _kinds_train()
        _, out = _fitted_preprocessor(submission, train, [], ["card_present"])
        if out.shape[1] == 1:
            fail(
                "card_present ('yes' or 'no', no gaps) became a single column: the contract asks "
                "for one 0/1 column per category seen in training, so two here (drop='if_binary' "
                "or drop='first' removes one, and an unseen value would then look like 'no')"
            )
        expected = _reference_matrix(train, train, [], ["card_present"])
        _diagnose_preprocessor(
            out, expected, [], ["card_present"], "build_preprocessor([], ['card_present'])"
        )

    def test_returns_an_unfitted_column_transformer(self, submission):
        ct = submission.build_preprocessor(list(NUMERIC), list(CATEGORICAL))
        if not learner_isinstance(ct, ColumnTransformer):
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

    def test_bool_column_stays_categorical(self, submission):
        train, new = _kinds_train(), _kinds_new()
        why = (
            "a bool column listed as categorical is a category like any other (the contract: "
            "'whatever its dtype'), but SimpleImputer(strategy='most_frequent') does not take the "
            "bool dtype: hand the categorical columns over as Python objects"
        )
        ct, out = _fitted_preprocessor(submission, train, [], ["is_weekend"], why=why)
        expected = _reference_matrix(train, train, [], ["is_weekend"])
        if out.shape[1] != expected.shape[1]:
            fail(
                f"build_preprocessor([], ['is_weekend']) gave {out.shape[1]} column(s) for the "
                "bool column is_weekend, expected 2 (one 0/1 column for False, one for True): a "
                "column listed as categorical is one-hot encoded whatever its dtype"
            )
        _diagnose_preprocessor(
            out, expected, [], ["is_weekend"], "build_preprocessor([], ['is_weekend'])"
        )
        out_new = _learner_call(
            ct.transform,
            new.copy(),
            doing="transform on new rows with the bool column 'is_weekend' listed as categorical",
            why=why,
        )
        _diagnose_preprocessor(
            _dense(out_new, "transform(new rows)"),
            _reference_matrix(train, new, [], ["is_weekend"]),
            [],
            ["is_weekend"],
            "transform(new rows), bool column listed as categorical",
        )

    def test_none_and_nan_both_imputed(self, submission):
        train, new = _gappy_text_train(), _gappy_text_new()
        ct, out = _fitted_preprocessor(submission, train, [], ["channel"])
        for what, got, frame in (
            ("fit_transform(train)", out, train),
            (
                "transform(new rows)",
                _dense(
                    _learner_call(
                        ct.transform,
                        new.copy(),
                        doing="transform on rows whose channel is None or NaN",
                        why="every missing value is imputed, None as well as NaN",
                    ),
                    "transform(new rows)",
                ),
                new,
            ),
        ):
            expected = _reference_matrix(train, frame, [], ["channel"])
            if got.shape[1] > expected.shape[1]:
                fail(
                    f"{what} has {got.shape[1]} columns for the text column channel, expected "
                    f"{expected.shape[1]} (one per training category: 'app', 'pos', 'web'): a "
                    "missing value became a category of its own. The contract imputes every "
                    "missing value, None as well as NaN, with the most frequent value ('app'); "
                    "SimpleImputer sees only NaN as missing in a column of objects, not None"
                )
            _diagnose_preprocessor(
                got,
                expected,
                [],
                ["channel"],
                f"{what}, channel missing as None in some rows and NaN in others",
            )

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
