"""Checks for 03_features/ex04_target_encoder (see solutions/03_features/ex04_target_encoder.py for the reference)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

from autograder.assertions import (
    as_array,
    assert_close,
    assert_shape,
    differential,
    expect_raises,
    fail,
)

from ._shared import (
    _learner_call,
    _outcome,
    _same_outcome_kind,
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


def _encoding_map(value: Any, where: str) -> dict:
    """A learned encoding (a Series, or any mapping) as {category key: float}, NaN as one key."""
    if isinstance(value, pd.Series):
        items = zip(value.index.tolist(), value.to_numpy().tolist(), strict=True)
    elif isinstance(value, Mapping):
        items = value.items()
    else:
        fail(
            f"{where} should be a pandas Series (category -> encoding), got {type(value).__name__}"
        )
    try:
        return {_key(k): float(v) for k, v in items}
    except (TypeError, ValueError):
        fail(f"{where} should map each category to a number, got {value!r:.200}")


def _assert_same_map(mine: dict, theirs: dict, where: str) -> None:
    if set(mine) != set(theirs):
        extra, missing = (
            sorted(map(str, set(mine) - set(theirs))),
            sorted(map(str, set(theirs) - set(mine))),
        )
        fail(
            f"{where} should have one entry per category seen (NaN included, as one category): "
            f"missing {missing}, not expected {extra}"
        )
    for k in theirs:
        if not np.isclose(mine[k], theirs[k], rtol=1e-9, atol=1e-12):
            fail(
                f"{where}: category {k!r} maps to {mine[k]:.6g}, expected {theirs[k]:.6g} "
                "= (n_c * mean_c + smoothing * prior) / (n_c + smoothing)"
            )


def _state(encoder, where: str) -> tuple:
    """The fitted encoder's learned attributes, as plain values to compare."""
    encodings = getattr(encoder, "encodings_", None)
    if isinstance(encodings, Mapping):
        encodings = list(encodings.values())
    if not isinstance(encodings, list | tuple):
        fail(
            f"{where}: encodings_ should hold one pandas Series per column, got "
            f"{type(encodings).__name__}"
        )
    maps = [_encoding_map(e, f"{where}: encodings_[{j}]") for j, e in enumerate(encodings)]
    try:
        mean = float(getattr(encoder, "global_mean_", np.nan))
    except (TypeError, ValueError):
        fail(f"{where}: global_mean_ should be a number, got {encoder.global_mean_!r:.100}")
    return mean, maps, getattr(encoder, "n_features_in_", None)


_POOLS = {
    "text": ["grocer", "cinema", "airline", "jeweller", "kiosk"],
    "int": [3, 7, 11, 20],
    "float": [0.5, 1.5, 2.5, 4.0],
}


def _category_column(rng: np.random.Generator, kind: str, n: int, new: bool = False) -> np.ndarray:
    pool = _POOLS[kind][: 2 + int(rng.integers(0, 3))]
    if new:
        pool = [*pool, {"text": "casino", "int": 99, "float": 9.5}[kind]]  # never seen
    values = rng.choice(np.array(pool, dtype=object), size=n)
    if kind == "int":
        return values.astype(np.int64)
    if kind == "float":
        values = values.astype(np.float64)
    values[rng.random(n) < 0.2] = np.nan  # NaN is a category of its own
    return values


def _generated_encoder_inputs(seed: int, n: int, n_cols: int):
    """(X, y, X_new): a DataFrame or a 2-D object array of mixed category kinds; y of 0/1, of
    booleans or of amounts."""
    rng = np.random.default_rng(seed)
    kinds = [str(rng.choice(list(_POOLS))) for _ in range(n_cols)]
    n_new = int(rng.integers(1, 6))
    X = pd.DataFrame(
        {f"c{j}_{kind}": _category_column(rng, kind, n) for j, kind in enumerate(kinds)}
    )
    X_new = pd.DataFrame(
        {f"c{j}_{kind}": _category_column(rng, kind, n_new, True) for j, kind in enumerate(kinds)}
    )
    if seed % 3 == 1:  # a plain 2-D array of objects
        X, X_new = X.to_numpy(dtype=object), X_new.to_numpy(dtype=object)
    y_kind = ["0/1", "bool", "amounts"][seed % 3 if seed % 2 else (seed // 2) % 3]
    if y_kind == "amounts":
        y = rng.gamma(2.0, 30.0, n).round(2)
    else:
        y = rng.random(n) < 0.4
        y = y if y_kind == "bool" else y.astype(np.int64)
    return (
        X,
        y,
        X_new,
        f"{'a DataFrame' if isinstance(X, pd.DataFrame) else 'an array'} of {kinds} "
        f"categories, y of {y_kind}",
    )


def _shown(params: dict) -> str:
    return ", ".join(f"{p}={v!r}" for p, v in params.items())


def _generated_encoder_cases():
    """Seeded inputs, smallest first: 2 to 40 rows, 1 to 3 columns of text, integer and float
    categories with NaN; n_splits from 2 up to the number of rows, smoothing from 0 to 1e6;
    then the parameter values and inputs the contract rejects."""
    for k, (n, n_cols) in enumerate(
        [(2, 1), (3, 1), (4, 2), (5, 1), (6, 2), (9, 3), (14, 2), (25, 3), (40, 2)]
    ):
        for variant in range(2):
            seed = 3400 + 2 * k + variant
            X, y, X_new, what = _generated_encoder_inputs(seed, n, n_cols)
            rng = np.random.default_rng(seed + 1)
            n_splits = int(rng.choice([2, min(3, n), min(5, n), n]))
            smoothing = float(rng.choice([0.0, 0.5, 10.0, 1e6]))
            params = {
                "n_splits": n_splits,
                "smoothing": smoothing,
                "random_state": int(rng.integers(0, 100)),
            }
            yield (
                f"{n} rows, {what}, OutOfFoldTargetEncoder({_shown(params)})",
                lambda cls, X=X, y=y, X_new=X_new, params=params: _outcome(
                    lambda: _fit_transform_both_ways(cls, params, X, y, X_new)
                ),
            )
    X, y, X_new, what = _generated_encoder_inputs(3490, 8, 2)
    for params, data, shown in (
        ({"n_splits": 1}, (X, y), "n_splits=1"),
        ({"smoothing": -1e-9}, (X, y), "smoothing=-1e-9"),
        ({}, (np.asarray(X, dtype=object)[:, 0], y), "a 1-D X"),
        ({}, (X, y[:-1]), "7 labels for 8 rows"),
    ):
        yield (
            f"8 rows, {what}, {shown}",
            lambda cls, params=params, data=data: _outcome(
                lambda: _fit_transform_both_ways(cls, params, data[0], data[1], X_new)
            ),
        )


def _copy(X):
    return X.copy()


def _fit_transform_both_ways(cls, params, X, y, X_new):
    """fit_transform (out of fold), then transform of new rows; and fit(X, y).transform(X)."""
    encoder = cls(**params)
    oof = encoder.fit_transform(_copy(X), y.copy())
    after_fit_transform = encoder.transform(_copy(X_new))
    fitted = cls(**params)
    returned = fitted.fit(_copy(X), y.copy())
    return oof, after_fit_transform, fitted.transform(_copy(X)), fitted, returned


def _compare_encoders(got, expected, where: str) -> None:
    if _same_outcome_kind(
        got,
        expected,
        where,
        "n_splits below 2, a negative smoothing, a 1-D X, or X and y of different lengths",
    ):
        return
    oof, after, in_fold, fitted, returned = got
    if returned is not fitted:
        fail(f"{where}: fit should return self, got {type(returned).__name__}")
    mean, maps, width = _state(fitted, f"{where}, after fit")
    e_mean, e_maps, e_width = _state(expected[3], "reference")
    if not np.isclose(mean, e_mean, rtol=1e-12, atol=1e-12):
        fail(f"{where}: global_mean_ is {mean!r}, expected {e_mean!r} (the mean of y)")
    if width != e_width:
        fail(f"{where}: n_features_in_ is {width!r}, expected {e_width}")
    if len(maps) != len(e_maps):
        fail(
            f"{where}: encodings_ has {len(maps)} entries, expected one per column ({len(e_maps)})"
        )
    for j, (mine, theirs) in enumerate(zip(maps, e_maps, strict=True)):
        _assert_same_map(mine, theirs, f"{where}: encodings_[{j}]")
    for name, mine, theirs, why in (
        (
            "fit(X, y).transform(X)",
            in_fold,
            expected[2],
            "each category's smoothed mean over every training row",
        ),
        (
            "fit_transform(X, y)",
            oof,
            expected[0],
            "out of fold: KFold(n_splits, shuffle=True, random_state); each fold encoded with "
            "the smoothed means and prior of the other folds",
        ),
        (
            "transform(new rows) after fit_transform",
            after,
            expected[1],
            "the full-training encodings; an unseen category gets global_mean_",
        ),
    ):
        arr = as_array(mine, f"{where}: {name}", ndim=2)
        if mine.dtype != np.float64:
            fail(f"{where}: {name} has dtype {mine.dtype}; the contract asks for float64")
        assert_shape(arr, theirs.shape, f"{where}: {name}", "one float per row and column")
        assert_close(arr, theirs, f"{where}: {name}", rtol=1e-9, atol=1e-12, why=why)


def _generated_helper_cases(helper: str):
    """Seeded inputs for the three helpers, smallest first."""
    for k, n in enumerate([1, 2, 3, 5, 8, 13, 30]):
        for kind in _POOLS:
            rng = np.random.default_rng(3500 + 3 * k + len(kind))
            categories = _category_column(rng, kind, n).astype(object)
            if helper == "smoothed_means":
                y = (rng.random(n) < 0.4).astype(np.float64) if k % 2 else rng.gamma(2.0, 30.0, n)
                smoothing = float([0.0, 1.0, 10.0, 1e6][(k + len(kind)) % 4])
                yield (
                    f"categories {categories.tolist()}, y {np.round(y, 2).tolist()}, "
                    f"smoothing={smoothing}",
                    lambda fn, c=categories, y=y, s=smoothing: fn(c.copy(), y.copy(), s),
                )
            else:
                seen = _category_column(rng, kind, n + 2)
                keys = pd.unique(pd.Series(seen, dtype=object))
                encoding = pd.Series(
                    rng.random(len(keys)).round(3), index=pd.Index(keys, dtype=object)
                )
                fallback = round(float(rng.random()), 3)
                wanted = _category_column(rng, kind, n, True).astype(object)
                yield (
                    f"categories {wanted.tolist()}, encoding {encoding.to_dict()}, "
                    f"fallback={fallback}",
                    lambda fn, c=wanted, e=encoding, f=fallback: fn(c.copy(), e.copy(), f),
                )


def _generated_matrix_cases():
    frame = pd.DataFrame({"merchant": ["grocer", np.nan, "kiosk"], "hour": [9, 23, 9]})
    inputs = [
        ("a 1 x 1 list", [["grocer"]]),
        ("a 3 x 2 DataFrame of text (with NaN) and integers", frame),
        ("a 2 x 3 integer array", np.arange(6).reshape(2, 3)),
        ("a 2 x 2 list of floats with NaN", [[1.5, np.nan], [np.nan, 2.5]]),
        ("a 1-D array", np.array(["grocer", "kiosk"], dtype=object)),
        ("an array of shape (0, 3)", np.empty((0, 3), dtype=object)),
        ("an array of shape (3, 0)", np.empty((3, 0), dtype=object)),
        ("an array of shape (2, 2, 2)", np.zeros((2, 2, 2))),
    ]
    for description, value in inputs:
        yield (
            description,
            lambda fn, value=value: _outcome(
                lambda: fn(value.copy() if hasattr(value, "copy") else value)
            ),
        )


def _compare_matrix(got, expected, where: str) -> None:
    if _same_outcome_kind(got, expected, where, "X must be 2-D with at least one row and column"):
        return
    if not isinstance(got, np.ndarray) or got.dtype != object:
        fail(
            f"{where}: expected a 2-D numpy array of dtype object, got "
            f"{type(got).__name__} of dtype {getattr(got, 'dtype', None)}"
        )
    assert_shape(got, expected.shape, where)
    mine = [_key(v) for v in got.ravel().tolist()]
    theirs = [_key(v) for v in expected.ravel().tolist()]
    if mine != theirs:
        fail(f"{where}: the values should be {theirs}, got {mine}")


def _compare_means(got, expected, where: str) -> None:
    _assert_same_map(_encoding_map(got, where), _encoding_map(expected, "reference"), where)


def _compare_looked_up(got, expected, where: str) -> None:
    out = as_array(got, where, ndim=1)
    assert_close(
        out,
        expected,
        where,
        rtol=1e-12,
        atol=1e-12,
        why="each category's value in the encoding (NaN included), fallback for the others",
    )


def _generated_train_test_cases():
    for k, (n, n_test) in enumerate([(5, 1), (6, 3), (10, 4), (20, 6), (45, 10)]):
        rng = np.random.default_rng(3600 + k)
        X, y, X_new, what = _generated_encoder_inputs(3600 + 3 * k, n, 1 + k % 3)
        X = pd.DataFrame(X).add_prefix("col_")
        X_new = pd.DataFrame(X_new).add_prefix("col_").iloc[:n_test]
        columns = [str(c) for c in rng.permutation(X.columns)][: max(1, len(X.columns) - k % 2)]
        train = X.assign(note="x", label=y)
        test = X_new.assign(note="y")
        if k % 2:
            test = test.assign(label=rng.random(len(test)) < 0.5)  # offline test labels
        yield (
            f"{n} training and {len(test)} test rows, {what}, columns={columns}",
            lambda fn, train=train, test=test, columns=columns: fn(
                train.copy(), test.copy(), list(columns), "label"
            ),
        )


def _compare_train_test(got, expected, where: str) -> None:
    if not isinstance(got, tuple) or len(got) != 2:
        fail(f"{where}: expected (train_encoded, test_encoded), got {type(got).__name__}")
    for name, mine, theirs in (
        ("train_encoded", got[0], expected[0]),
        ("test_encoded", got[1], expected[1]),
    ):
        arr = as_array(mine, f"{where}: {name}", ndim=2)
        assert_shape(arr, theirs.shape, f"{where}: {name}")
        assert_close(
            arr,
            theirs,
            f"{where}: {name}",
            rtol=1e-9,
            atol=1e-12,
            why="train: out of fold by a fresh OutOfFoldTargetEncoder() fitted on train; test: "
            "transformed by that same encoder",
        )


def _estimator_check_failures(module) -> tuple[list[str], int]:
    """scikit-learn's estimator checks on the learner's class, run in the learner's process (where
    the class lives): the failures, one line each, and how many checks ran."""
    failures, ran = [], 0
    for name, check, est in _generated_estimator_checks(module.OutOfFoldTargetEncoder()):
        if name in SKIPPED_ESTIMATOR_CHECKS:
            continue
        ran += 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check(est)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - each failing check is reported by name
            if type(exc).__name__ == "SkipTest":
                continue
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            failures.append(f"{name}: {type(exc).__name__}: {first[:220]}")
    return failures, ran


class TestTargetEncoder:
    def test_encoder_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_encoder_cases(),
            submission.OutOfFoldTargetEncoder,
            reference.OutOfFoldTargetEncoder,
            _compare_encoders,
            "OutOfFoldTargetEncoder",
        )

    def test_as_category_matrix_matches_reference(self, submission, reference):
        differential(
            _generated_matrix_cases(),
            submission.as_category_matrix,
            reference.as_category_matrix,
            _compare_matrix,
            "as_category_matrix(X)",
        )

    def test_smoothed_means_matches_reference(self, submission, reference):
        differential(
            _generated_helper_cases("smoothed_means"),
            submission.smoothed_means,
            reference.smoothed_means,
            _compare_means,
            "smoothed_means(categories, y, smoothing)",
        )

    def test_look_up_matches_reference(self, submission, reference):
        differential(
            _generated_helper_cases("look_up"),
            submission.look_up,
            reference.look_up,
            _compare_looked_up,
            "look_up(categories, encoding, fallback)",
        )

    def test_encode_train_test_matches_reference(self, submission, reference):
        differential(
            _generated_train_test_cases(),
            submission.encode_train_test,
            reference.encode_train_test,
            _compare_train_test,
            "encode_train_test(train, test, columns, 'label')",
        )

    @pytest.mark.parametrize(
        "params",
        [
            {"n_splits": 2, "smoothing": 10.0, "random_state": 3},
            {"n_splits": 40, "smoothing": 10.0, "random_state": 0},
            {"n_splits": 5, "smoothing": 0.0, "random_state": 0},
            {"n_splits": 5, "smoothing": 1e6, "random_state": 0},
        ],
        ids=["n_splits=2", "n_splits=n_rows", "smoothing=0", "smoothing=1e6"],
    )
    def test_parameters_at_their_edges(self, submission, params):
        X, y = _encoder_data()  # 40 rows
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
        encoder = submission.OutOfFoldTargetEncoder(**params)
        try:
            out = encoder.fit_transform(X, y)
        except NotImplementedError:
            raise
        except ValueError as exc:
            fail(
                f"OutOfFoldTargetEncoder({shown}).fit_transform raised ValueError ({exc}), but "
                "these values are valid: n_splits may be 2 up to the number of rows, smoothing 0 "
                "(raw category means) or any larger number"
            )
        smoothing = params["smoothing"]
        expected = _reference_oof(X, y, **params)
        assert_close(
            _encoded(out, f"fit_transform with {shown}", X.shape),
            expected,
            f"OutOfFoldTargetEncoder({shown}).fit_transform(X, y)",
            rtol=1e-9,
            atol=1e-12,
            why="each fold encoded with the smoothed means of the other folds and their mean as "
            "the prior"
            + (
                "; with so large a smoothing every row gets (almost) its fold's prior, the mean "
                "of the other folds' labels, not the global mean"
                if smoothing > 1e3
                else "; with n_splits = the number of rows each row is encoded from all the others"
                if params["n_splits"] == len(X)
                else ""
            ),
        )
        new = _encoder_new_rows()
        assert_close(
            _encoded(encoder.transform(new), "transform(new rows)", new.shape),
            _reference_transform(X, y, new, smoothing=smoothing),
            f"OutOfFoldTargetEncoder({shown}): transform(new rows) after fit_transform",
            rtol=1e-9,
            atol=1e-12,
            why="the smoothed means of all training rows; global_mean_ for unseen categories",
        )

    def test_every_kind_of_category(self, submission):
        X = pd.DataFrame(
            {
                "merchant_id": [3, 7, 3, 11, 7, 3, 20, 7, 3, 11, 3, 7],
                "amount_band": [
                    0.5,
                    np.nan,
                    1.5,
                    0.5,
                    np.nan,
                    1.5,
                    0.5,
                    0.5,
                    np.nan,
                    4.0,
                    1.5,
                    0.5,
                ],
                "channel": [
                    "web",
                    "app",
                    np.nan,
                    "web",
                    "pos",
                    np.nan,
                    "app",
                    "web",
                    "web",
                    np.nan,
                    "pos",
                    "app",
                ],
            }
        )
        y = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0], dtype=bool)
        new = pd.DataFrame(
            {
                "merchant_id": [3, 99, 11],
                "amount_band": [np.nan, 4.0, 9.5],
                "channel": [np.nan, "atm", "pos"],
            }
        )
        expected = _reference_transform(X, y, new, smoothing=2.0)
        for shown, fit_X, new_X in (
            ("a DataFrame", X, new),
            ("a 2-D object array", X.to_numpy(dtype=object), new.to_numpy(dtype=object)),
        ):
            encoder = submission.OutOfFoldTargetEncoder(n_splits=3, smoothing=2.0)
            _learner_call(
                encoder.fit,
                fit_X,
                y,
                doing=f"fit on {shown} of integer, float (with NaN) and text (with NaN) "
                "categories and boolean labels",
                why="X may hold categories of any type and y may be boolean",
            )
            out = _learner_call(
                encoder.transform,
                new_X,
                doing=f"transform on {shown}",
                why="unseen categories get global_mean_; NaN is a category of its own",
            )
            assert_close(
                _encoded(out, f"transform({shown})", new.shape),
                expected,
                f"transform of new rows, fitted on {shown} with boolean y and smoothing=2",
                rtol=1e-9,
                atol=1e-12,
                why="merchant 3 and band NaN are known categories (NaN is a category of its "
                "own); merchant 99, band 9.5 and channel 'atm' are unseen: global_mean_",
            )

    def test_none_and_nan_are_one_category(self, submission):
        channel = ["web", None, "app", np.nan, "web", None, "pos", "app", np.nan, None, "web"]
        channel += ["app"]
        X = pd.DataFrame({"channel": pd.Series(channel, dtype=object)})
        y = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0])
        new = pd.DataFrame({"channel": pd.Series([None, np.nan, "web", "atm"], dtype=object)})
        expected = _reference_transform(X, y, new, smoothing=2.0)
        expected_oof = _reference_oof(X, y, n_splits=3, smoothing=2.0, random_state=5)
        why = (
            "a missing value is one category of its own, None and NaN alike, at fit and at "
            "transform: pool the rows whose channel is None or NaN into one category when "
            "fitting, and look a None up as that same category"
        )
        for shown, fit_X, new_X in (
            ("a DataFrame", X, new),
            ("a 2-D object array", X.to_numpy(dtype=object), new.to_numpy(dtype=object)),
        ):
            encoder = submission.OutOfFoldTargetEncoder(n_splits=3, smoothing=2.0, random_state=5)
            oof = _learner_call(
                encoder.fit_transform,
                fit_X,
                y,
                doing=f"fit_transform on {shown} whose channel is missing as None in some rows "
                "and NaN in others",
                why=why,
            )
            out = _learner_call(
                encoder.transform,
                new_X,
                doing=f"transform on {shown} of channels None, NaN, 'web' and 'atm'",
                why=why,
            )
            out = _encoded(out, f"transform({shown})", new.shape)
            if not np.isclose(out[0, 0], out[1, 0], rtol=1e-12, atol=1e-12):
                fail(
                    f"after fitting on {shown}, a None channel encodes as {out[0, 0]:.6g} but a "
                    f"NaN channel as {out[1, 0]:.6g} (expected {expected[0, 0]:.6g} for both; "
                    f"global_mean_ is {np.mean(y):.6g}): {why}"
                )
            assert_close(
                out,
                expected,
                f"transform of channels [None, NaN, 'web', 'atm'], fitted on {shown}",
                rtol=1e-9,
                atol=1e-12,
                why="None and NaN: the smoothed mean of the rows missing a channel; 'atm' is "
                "unseen: global_mean_",
            )
            assert_close(
                _encoded(oof, f"fit_transform({shown})", X.shape),
                expected_oof,
                f"fit_transform of {shown} with None and NaN channels, n_splits=3, smoothing=2, "
                "random_state=5",
                rtol=1e-9,
                atol=1e-12,
                why="out of fold, None and NaN pooled as one category in each fold's statistics "
                "and looked up as that category",
            )

    def test_transform_changes_nothing(self, submission):
        X, y = _encoder_data()
        encoder = submission.OutOfFoldTargetEncoder()
        encoder.fit(X, y)
        before = _state(encoder, "after fit")
        new = _encoder_new_rows()
        together = _encoded(encoder.transform(new), "transform(new rows)", new.shape)
        if _state(encoder, "after transform") != before:
            fail(
                "transform changed the fitted encoder (global_mean_, encodings_ or "
                "n_features_in_), e.g. by adding the unseen categories: transform only reads "
                "what fit learned, or the next batch is encoded differently"
            )
        for i in range(len(new)):
            alone = _encoded(
                encoder.transform(new.iloc[[i]]), f"transform(row {i} alone)", (1, new.shape[1])
            )
            if not np.allclose(alone[0], together[i], rtol=1e-12, atol=1e-12):
                fail(
                    f"row {i} of the new rows encodes as {alone[0].tolist()} on its own but as "
                    f"{together[i].tolist()} together with the others: a row's encoding must not "
                    "depend on the rows passed with it (an unseen category gets global_mean_, not "
                    "a statistic of the batch)"
                )

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
        except NotFittedError:
            pass
        except Exception as exc:
            fail(
                f"transform before fit raised {type(exc).__name__} ({exc}); the contract asks for "
                "sklearn.exceptions.NotFittedError, which Pipelines and scikit-learn's tools "
                "recognise (check_is_fitted(self) raises it)"
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
            submission.OutOfFoldTargetEncoder(n_splits=0).fit,
            X,
            y,
            why="n_splits=0 makes no folds",
        )
        expect_raises(
            ValueError,
            submission.OutOfFoldTargetEncoder(smoothing=-1e-9).fit,
            X,
            y,
            why="smoothing=-1e-9 is still negative",
        )
        for empty, shape in ((X.iloc[:0], "0 rows"), (X.iloc[:, :0], "0 columns")):
            expect_raises(
                ValueError,
                submission.OutOfFoldTargetEncoder().fit,
                empty,
                y[: len(empty)],
                why=f"X with {shape} has nothing to encode",
            )
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
        failures, ran = submission.observe(_estimator_check_failures)
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
