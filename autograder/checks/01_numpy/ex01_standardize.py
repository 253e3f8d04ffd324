"""Checks for 01_numpy/ex01_standardize (see solutions/01_numpy/ex01_standardize.py for the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.assertions import (
    as_array,
    assert_close,
    assert_shape,
    assert_vectorised,
    differential,
    expect_raises,
    fail,
)

from ._shared import (
    _assert_standardized_columns,
    _features,
    _show,
)


def _generated_cases():
    """Seeded inputs, smallest first: 1 row, 1 column, integer and float32 input, a constant
    column (an integer value, so its mean is exact), columns of very different scales and means."""
    shapes = [(1, 1), (1, 3), (2, 1), (2, 3), (3, 2), (5, 4), (8, 3), (30, 6)]
    for k, (n, d) in enumerate(shapes):
        for kind in ("float", "int", "float32", "constant column", "tiny column"):
            rng = np.random.default_rng(200 + 7 * k + len(kind))
            if kind == "int":
                X = rng.integers(-20, 21, (n, d))
            else:
                scales = 10.0 ** rng.integers(-2, 4, d)
                X = rng.normal(rng.normal(0, 5, d), scales, (n, d))
                if kind == "float32":
                    X = X.astype(np.float32)
                elif kind == "constant column":
                    X[:, rng.integers(d)] = float(rng.integers(-9, 10))
                elif kind == "tiny column":
                    X[:, rng.integers(d)] = rng.normal(0.0, 1e-9, n)
            yield f"{_show('X', X)} ({kind})", lambda fn, X=X: fn(X.copy())


def _assert_constant_columns_zero(out: np.ndarray, X: np.ndarray, columns: list[int]) -> None:
    """Each listed column of X holds one value; its result must be exactly 0.0 everywhere."""
    n = len(X)
    stds, means = X.std(axis=0), X.mean(axis=0)  # as the learner computes them, column-wise
    for j in columns:
        got, std, mean = out[:, j], float(stds[j]), float(means[j])
        what = f"column {j} (every one of its {n:,} values is {float(X[0, j])!r})"
        if not np.isfinite(got).all():
            fail(f"{what} came back with NaN or inf; a constant column becomes all 0.0")
        worst = float(np.abs(got).max())
        if worst > 1e-6:
            fail(
                f"{what} came back with values up to {worst:.3g} in size, not 0.0. Its computed std "
                f"is {std:.3g}, not 0: the rounding error of the mean ({mean!r}), not spread. A "
                "test std == 0, or any tolerance tighter than rounding, misses it, and dividing by "
                "it turns rounding into +-1. The contract counts a column as constant when "
                f"std <= n * eps * abs(mean), here {std:.3g} <= "
                f"{n * np.finfo(np.float64).eps * abs(mean):.3g}"
            )
        if worst != 0.0:
            fail(
                f"{what} came back with values up to {worst:.3g}, not exactly 0.0: that is the "
                "rounding residue of x - mean left in the result. Set the constant columns to 0.0 "
                "explicitly (np.where on the constant-column mask) instead of dividing them by 1"
            )


def _compare(got, expected, where: str) -> None:
    if isinstance(got, np.ndarray) and got.dtype != np.float64:
        fail(f"{where}: the result has dtype {got.dtype}, expected float64")
    out = as_array(got, where)
    assert_close(out, expected, where, rtol=1e-7, atol=1e-10)


def _standardize_rows(module, n: int):
    """standardize on the first n of 4000 seeded rows (run in the learner's process)."""
    return module.standardize(np.random.default_rng(4).normal(size=(4000, 6))[:n])


def _shares_memory(module, X: np.ndarray) -> bool:
    """Whether standardize's result shares memory with X (seen in the learner's process)."""
    out = module.standardize(X)
    return isinstance(out, np.ndarray) and bool(np.shares_memory(out, X))


class TestStandardize:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.standardize,
            reference.standardize,
            _compare,
            "standardize(X)",
        )

    def test_matches_column_zscores(self, submission):
        X = _features()
        out = as_array(submission.standardize(X.copy()), "standardize(X)")
        expected = (X - X.mean(axis=0)) / X.std(axis=0)
        if out.shape == X.shape and np.allclose(out, ((X.T - X.mean(axis=1)) / X.std(axis=1)).T):
            fail(
                "you standardised each row; statistics must be per column (axis=0), one per feature"
            )
        if out.shape == X.shape and np.allclose(out, (X - X.mean()) / X.std()):
            fail(
                "you used one mean and one std for the whole matrix; statistics must be per column "
                "(axis=0), one per feature"
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

    def test_rounded_constant_columns_become_zero(self, submission):
        # Constants whose mean does not come out exact: their computed std is about 4e-17
        # (0.1) or 5e-10 (1e6 + 0.1), rounding error that a test std == 0 or a fixed absolute
        # tolerance takes for spread.
        X = _features(n=30, d=2, seed=7)
        constants = [0.1, 1e6 + 0.1, -0.1, -(1e6 + 0.1)]
        X = np.column_stack([X[:, 0], *[np.full(30, c) for c in constants], X[:, 1]])
        out = as_array(submission.standardize(X.copy()), "standardize(X)")
        assert_shape(out, X.shape, "standardize(X)", "the result keeps X's shape")
        _assert_constant_columns_zero(out, X, [1, 2, 3, 4])
        _assert_standardized_columns(out, [0, 5], "the other columns")

    def test_long_constant_column_becomes_zero(self, submission):
        # Rounding in the mean grows with the number of rows: 100,000 values of 0.1 have a
        # computed std of about 2e-13, more than 1e-12 times their mean. The contract's bound,
        # n * eps * abs(mean), grows with n too.
        X = np.linspace(-1.0, 1.0, 100_000)[:, None] * np.array([1.0, 0.0, 3.0])
        X[:, 1] = 0.1
        out = as_array(submission.standardize(X.copy()), "standardize(X) for 100,000 rows")
        assert_shape(out, X.shape, "standardize(X) for 100,000 rows")
        _assert_constant_columns_zero(out, X, [1])
        _assert_standardized_columns(out, [0, 2], "the other columns")

    def test_small_spread_around_large_mean_is_scaled(self, submission):
        # Relative to its mean (1e6) the spread (std 1e-3) is tiny, yet it is a million times
        # the rounding bound n * eps * abs(mean) (about 7e-9): real spread, to be standardized.
        rng = np.random.default_rng(8)
        X = _features(n=30, d=3, seed=8)
        X[:, 1] = 1e6 + rng.normal(0.0, 1e-3, 30)
        out = as_array(submission.standardize(X.copy()), "standardize(X)")
        std = float(out[:, 1].std()) if out.shape == X.shape else float("nan")
        if not 0.999 < std < 1.001:
            fail(
                f"column 1 varies around 1e6 (its std is {X[:, 1].std():.2g}, a million times the "
                f"rounding bound n * eps * abs(mean) = {30 * np.finfo(np.float64).eps * 1e6:.2g}), "
                f"but in your result its std is {std:.3g}, not 1. A tolerance such as "
                "1e-6 * abs(mean) is far looser than rounding and flattens real, small features"
            )
        assert_close(
            out,
            (X - X.mean(axis=0)) / X.std(axis=0),
            "standardize(X)",
            rtol=1e-5,
            atol=1e-6,
            why="each column should become (x - column mean) / column std",
        )

    def test_tiny_but_nonzero_std_is_scaled(self, submission):
        # Next to the constant-column boundary: a column that varies, on a tiny scale, is no
        # constant. Centred at 0, its bound n * eps * abs(mean) is below 1e-24.
        rng = np.random.default_rng(5)
        X = _features(n=25, d=3, seed=5)
        X[:, 2] = rng.normal(0.0, 1e-9, 25)
        out = as_array(submission.standardize(X.copy()), "standardize(X)")
        std = float(out[:, 2].std()) if out.shape == X.shape else float("nan")
        if not 0.999 < std < 1.001:
            fail(
                f"column 2 varies (its std is {X[:, 2].std():.2g}, not 0), but in your result its "
                f"std is {std:.3g}, not 1. A column is constant only when its std is within "
                "rounding of 0 relative to its own size (std <= n * eps * abs(mean)): adding an "
                "epsilon to the std, or a fixed threshold such as std < 1e-8, leaves tiny-scale "
                "features unstandardised"
            )
        assert_close(
            out,
            (X - X.mean(axis=0)) / X.std(axis=0),
            "standardize(X)",
            rtol=1e-9,
            why="each column should become (x - column mean) / column std",
        )

    @pytest.mark.parametrize("shape", [(1, 4), (6, 1)], ids=["1 row", "1 column"])
    def test_one_row_or_one_column(self, submission, shape):
        rng = np.random.default_rng(6)
        X = rng.normal(3.0, 2.0, shape)
        out = as_array(submission.standardize(X.copy()), f"standardize(X) of shape {shape}")
        assert_shape(out, shape, f"standardize(X) of shape {shape}", "the result keeps X's shape")
        if not np.isfinite(out).all():
            fail(
                f"standardize(X) of shape {shape} gave NaN or inf: with one row every column is "
                "constant (population std 0, not the undefined sample std), so the result is all 0.0"
            )
        expected = np.zeros(shape) if shape[0] == 1 else (X - X.mean(axis=0)) / X.std(axis=0)
        assert_close(
            out,
            expected,
            f"standardize(X) of shape {shape}",
            rtol=1e-9,
            atol=1e-12,
            why="statistics per column, population std, constant columns become 0.0",
        )

    @pytest.mark.parametrize("dtype", [np.int64, np.float32], ids=["int64", "float32"])
    def test_float64_result(self, submission, dtype):
        X = (np.arange(24).reshape(8, 3) * np.array([1, 5, 11])).astype(dtype)
        out = submission.standardize(X.copy())
        if not isinstance(out, np.ndarray):
            fail(f"standardize(X) should be a numpy.ndarray, got {type(out).__name__}")
        if out.dtype != np.float64:
            fail(
                f"for a {np.dtype(dtype).name} X the result should have dtype float64, got "
                f"{out.dtype}: convert with X.astype(np.float64) first (z-scores are fractions, and "
                "an integer or float32 result loses their precision)"
            )
        _assert_standardized_columns(
            as_array(out, f"standardize({np.dtype(dtype).name} X)"),
            [0, 1, 2],
            f"standardize({np.dtype(dtype).name} X)",
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
        if submission.observe(_shares_memory, X):
            fail(
                "the result shares memory with X: changing one would change the other; return a new array"
            )
        out = as_array(out, "standardize(X)")
        assert_shape(out, before.shape, "standardize(X)")
        _assert_standardized_columns(out, list(range(X.shape[1])), "standardize(X)")

    @pytest.mark.parametrize("shape", [(10,), (2, 3, 4)], ids=["1-D", "3-D"])
    def test_rejects_non_2d(self, submission, shape):
        # Column statistics of a 1-D or 3-D array compute without error (X.mean(axis=0) works
        # for both), so only an explicit check of X.ndim raises here.
        expect_raises(
            ValueError,
            submission.standardize,
            np.arange(np.prod(shape), dtype=np.float64).reshape(shape),
            why=f"X of shape {shape} is not a 2-D (n_samples, n_features) matrix",
        )

    def test_vectorised(self, submission):
        rng = np.random.default_rng(4)
        data = rng.normal(size=(4000, 6))
        assert_vectorised(submission, _standardize_rows, 100, 4000, "standardize")
        # Speed earns nothing without an answer: the result must be the (n, d) array of numbers.
        out = as_array(submission.standardize(data), "standardize(X) for 4000 rows")
        assert_shape(out, data.shape, "standardize(X) for 4000 rows", "one value per input entry")
