"""Checks for 01_numpy/ex01_standardize (see solutions/01_numpy/ex01_standardize.py for the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.assertions import (
    as_array,
    assert_close,
    assert_shape,
    assert_vectorised,
    expect_raises,
    fail,
)

from ._shared import (
    _assert_standardized_columns,
    _features,
)


class TestStandardize:
    def test_matches_column_zscores(self, submission):
        X = _features()
        out = as_array(submission.standardize(X.copy()), "standardize(X)")
        expected = (X - X.mean(axis=0)) / X.std(axis=0)
        if out.shape == X.shape and np.allclose(out, ((X.T - X.mean(axis=1)) / X.std(axis=1)).T):
            fail(
                "you standardised each row; statistics must be per column (axis=0), one per feature"
            )
        assert_close(
            out,
            expected,
            "standardize(X)",
            rtol=1e-9,
            why="each column should become (x - column mean) / column std",
        )

    def test_population_std(self, submission):
        X = _features(n=8, d=3, seed=1)
        out = as_array(submission.standardize(X.copy()), "standardize(X)")
        stds = out.std(axis=0)
        if np.allclose(stds, np.sqrt((len(X) - 1) / len(X))):
            fail(
                "the column stds of your result are sqrt((n-1)/n), not 1: use the population std "
                "(ddof=0, numpy's default), as scikit-learn's StandardScaler does"
            )
        assert_close(stds, np.ones(3), "column stds of the result", rtol=1e-9)
        assert_close(out.mean(axis=0), np.zeros(3), "column means of the result", atol=1e-12)

    def test_constant_column_becomes_zero(self, submission):
        X = _features(n=30, d=3, seed=2)
        X[:, 1] = 7.0
        out = as_array(submission.standardize(X.copy()), "standardize(X)")
        if not np.isfinite(out).all():
            fail(
                "a constant column produced NaN or inf (0 / 0); make a column whose std is 0 all 0.0"
            )
        assert_close(out[:, 1], np.zeros(30), "the constant column", atol=0)
        _assert_standardized_columns(out, [0, 2], "the other columns")

    def test_float64_for_integer_input(self, submission):
        X = np.arange(24).reshape(8, 3) * np.array([1, 5, 11])
        out = submission.standardize(X.copy())
        if not isinstance(out, np.ndarray):
            fail(f"standardize(X) should be a numpy.ndarray, got {type(out).__name__}")
        if out.dtype != np.float64:
            fail(
                f"for an integer X the result should have dtype float64, got {out.dtype}: "
                "z-scores are fractions, and an integer result rounds them away"
            )
        _assert_standardized_columns(
            as_array(out, "standardize(int X)"), [0, 1, 2], "standardize(int X)"
        )

    def test_input_not_modified(self, submission):
        X = _features(seed=3)
        before = X.copy()
        out = submission.standardize(X)
        if not np.array_equal(X, before):
            fail(
                "standardize changed X in place; the caller's data must stay as it was "
                "(work on a copy: X.astype(np.float64) or X - mean creates one)"
            )
        if isinstance(out, np.ndarray) and np.shares_memory(out, X):
            fail(
                "the result shares memory with X: changing one would change the other; return a new array"
            )
        out = as_array(out, "standardize(X)")
        assert_shape(out, before.shape, "standardize(X)")
        _assert_standardized_columns(out, list(range(X.shape[1])), "standardize(X)")

    @pytest.mark.parametrize("shape", [(10,), (2, 3, 4)], ids=["1-D", "3-D"])
    def test_rejects_non_2d(self, submission, shape):
        expect_raises(
            ValueError,
            submission.standardize,
            np.ones(shape),
            why=f"X of shape {shape} is not a 2-D (n_samples, n_features) matrix",
        )

    def test_vectorised(self, submission):
        rng = np.random.default_rng(4)
        data = rng.normal(size=(4000, 6))
        assert_vectorised(lambda n: submission.standardize(data[:n]), 100, 4000, "standardize")
        # Speed earns nothing without an answer: the result must be the (n, d) array of numbers.
        out = as_array(submission.standardize(data), "standardize(X) for 4000 rows")
        assert_shape(out, data.shape, "standardize(X) for 4000 rows", "one value per input entry")
