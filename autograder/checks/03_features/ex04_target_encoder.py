"""Checks for 03_features/ex04_target_encoder (see solutions/03_features/ex04_target_encoder.py for the reference)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

from autograder.assertions import as_array, assert_close, assert_shape, expect_raises, fail

from ._shared import (
    _learner_call,
)

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
