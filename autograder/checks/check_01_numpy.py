"""Checks for lesson 01, NumPy for ML. Each test grades one behaviour of one exercise."""

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
    peak_allocation,
)


def _features(n: int = 40, d: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scales = np.array([1.0, 10.0, 0.01, 1000.0, 3.0])[:d]
    return rng.normal(loc=5.0, scale=scales, size=(n, d))


def _assert_standardized_columns(out: np.ndarray, columns: list[int], what: str) -> None:
    """Loose: each listed column has mean ~0 and std within 10 % of 1. Exact values are graded by
    `matches column zscores` and `population std`; this keeps other checks about their own topic."""
    for j in columns:
        mean, std = out[:, j].mean(), out[:, j].std()
        if abs(mean) > 1e-6 or not 0.9 < std < 1.1:
            fail(
                f"{what}: column {j} has mean {mean:.3g} and std {std:.3g}; a standardized column "
                "has mean 0 and std 1"
            )


# --------------------------------------------------------------------------------------------
@pytest.mark.exercise("01_numpy/ex01_standardize")
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


# --------------------------------------------------------------------------------------------
def _reference_sq_dists(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)


@pytest.mark.exercise("01_numpy/ex02_pairwise")
class TestPairwise:
    def test_values_and_shape(self, submission):
        rng = np.random.default_rng(10)
        A, B = rng.normal(size=(7, 4)), rng.normal(size=(5, 4))
        out = as_array(submission.pairwise_sq_dists(A, B), "pairwise_sq_dists(A, B)")
        if out.shape == (5, 7):
            fail(
                "the result has shape (m, n) = (5, 7); row i must be A's row i, so shape (n, m) = (7, 5)"
            )
        expected = _reference_sq_dists(A, B)
        if out.shape == expected.shape and np.allclose(out, np.sqrt(expected)):
            fail("these are distances; the exercise asks for squared distances (no square root)")
        assert_close(out, expected, "pairwise_sq_dists(A, B)", rtol=1e-9, atol=1e-9)

    def test_self_distance_never_negative(self, submission):
        rng = np.random.default_rng(11)
        A = rng.normal(loc=1e4, scale=1.0, size=(60, 8))  # large norms: round-off goes negative
        out = as_array(submission.pairwise_sq_dists(A, A), "pairwise_sq_dists(A, A)")
        if (out < 0).any():
            fail(
                f"{int((out < 0).sum())} squared distances are negative (smallest {out.min():.3g}); "
                "round-off in |a|^2 - 2a.b + |b|^2 goes below zero: clip with np.maximum(d2, 0)"
            )
        assert_close(np.diag(out), np.zeros(60), "the diagonal (each row to itself)", atol=1e-3)

    def test_rejects_width_mismatch(self, submission):
        expect_raises(
            ValueError,
            submission.pairwise_sq_dists,
            np.ones((3, 4)),
            np.ones((2, 5)),
            why="rows of width 4 and 5 have no distance",
        )

    def test_memory_no_3d_intermediate(self, submission):
        rng = np.random.default_rng(12)
        n, m, d = 300, 200, 256
        A, B = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        out, peak = peak_allocation(submission.pairwise_sq_dists, A, B)
        out = as_array(out, "pairwise_sq_dists(A, B)")
        assert_shape(out, (n, m), "pairwise_sq_dists(A, B)")
        budget = 8 * n * m * 8  # eight (n, m) float64 arrays
        if peak > budget:
            fail(
                f"peak extra memory was {peak / 1e6:.1f} MB for n={n}, m={m}, d={d}; an (n, m) result "
                f"is {n * m * 8 / 1e6:.1f} MB and the budget is {budget / 1e6:.1f} MB. An (n, m, d) array "
                "of differences costs d times more: expand |a|^2 - 2 a.b + |b|^2 and use A @ B.T"
            )
        assert_close(
            out, _reference_sq_dists(A, B), "pairwise_sq_dists(A, B)", rtol=1e-7, atol=1e-6
        )

    def test_vectorised(self, submission):
        rng = np.random.default_rng(13)
        A, B = rng.normal(size=(1500, 3)), rng.normal(size=(20, 3))
        assert_vectorised(
            lambda n: submission.pairwise_sq_dists(A[:n], B), 50, 1500, "pairwise_sq_dists"
        )
        # Speed earns nothing without an answer: the result must be the (n, m) array of numbers.
        out = as_array(submission.pairwise_sq_dists(A, B), "pairwise_sq_dists(A, B) for 1500 rows")
        assert_shape(
            out, (1500, 20), "pairwise_sq_dists(A, B) for 1500 rows", "one value per pair (n, m)"
        )


# --------------------------------------------------------------------------------------------
def _ref_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _ref_log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    s = z - z.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


@pytest.mark.exercise("01_numpy/ex03_softmax")
class TestSoftmax:
    def test_softmax_values(self, submission):
        z = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]])
        out = as_array(submission.softmax(z.copy()), "softmax(z)")
        assert_close(out, _ref_softmax(z, -1), "softmax(z)", rtol=1e-9)

    def test_softmax_large_inputs_finite(self, submission):
        z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1000.5]])
        out = as_array(submission.softmax(z.copy()), "softmax(z) for |z| ~ 1000")
        if not np.isfinite(out).all():
            fail(
                "softmax of inputs near +-1000 gave NaN or inf: exp(1000) overflows. Subtract the "
                "maximum along the axis first (softmax(z) == softmax(z - c) for any constant c)"
            )
        assert_close(out, _ref_softmax(z, -1), "softmax(z) for |z| ~ 1000", rtol=1e-9)

    def test_softmax_every_axis(self, submission):
        z = np.random.default_rng(20).normal(scale=3.0, size=(3, 4, 5))
        for axis in (0, 1, 2, -1):
            out = as_array(submission.softmax(z.copy(), axis=axis), f"softmax(z, axis={axis})")
            assert_shape(out, z.shape, f"softmax(z, axis={axis})", "the output keeps z's shape")
            sums = out.sum(axis=axis)
            if not np.allclose(sums, 1.0):
                fail(
                    f"slices along axis={axis} sum to {sums.ravel()[:3]}..., not 1: normalise along "
                    "the axis you are given (and keep dims when you subtract the max)"
                )
            assert_close(out, _ref_softmax(z, axis), f"softmax(z, axis={axis})", rtol=1e-9)

    def test_softmax_square_axis0(self, submission):
        z = np.array([[0.0, 10.0], [5.0, -3.0]])  # square: a wrong broadcast is silent here
        out = as_array(submission.softmax(z.copy(), axis=0), "softmax(z, axis=0) of a 2x2 z")
        assert_close(
            out,
            _ref_softmax(z, 0),
            "softmax(z, axis=0) of a 2x2 z",
            rtol=1e-9,
            why="subtract z.max(axis=axis, keepdims=True) so the max lines up with its slice",
        )

    def test_log_softmax_no_underflow(self, submission):
        out = as_array(submission.log_softmax(np.array([0.0, -1000.0])), "log_softmax([0, -1000])")
        if not np.isfinite(out).all():
            fail(
                f"log_softmax([0, -1000]) gave {out}: log(softmax(z)) underflows to log(0) = -inf. "
                "Compute z - max - log(sum(exp(z - max))) directly"
            )
        assert_close(
            out, np.array([0.0, -1000.0]), "log_softmax([0, -1000])", rtol=1e-12, atol=1e-9
        )

    def test_log_softmax_every_axis(self, submission):
        z = np.random.default_rng(21).normal(scale=50.0, size=(4, 3, 2)) + 800.0
        for axis in (0, 1, 2):
            out = as_array(
                submission.log_softmax(z.copy(), axis=axis), f"log_softmax(z, axis={axis})"
            )
            assert_close(
                out, _ref_log_softmax(z, axis), f"log_softmax(z, axis={axis})", rtol=1e-9, atol=1e-9
            )


# --------------------------------------------------------------------------------------------
def _batches(submission, n=10, batch_size=3, seed=0, d=2):
    X = np.arange(n * d, dtype=np.float64).reshape(n, d)  # row i is [i*d, i*d + 1, ...]
    y = np.arange(n) * 10  # the label of row i is 10 * i
    out = list(submission.minibatches(X, y, batch_size, np.random.default_rng(seed)))
    checked = []
    for k, pair in enumerate(out):
        if not isinstance(pair, tuple) or len(pair) != 2:
            fail(f"batch {k} should be a tuple (X_batch, y_batch), got {type(pair).__name__}")
        xb = as_array(pair[0], f"X_batch of batch {k}", ndim=2)
        yb = as_array(pair[1], f"y_batch of batch {k}", ndim=1)
        checked.append((xb, yb))
    return X, y, checked


@pytest.mark.exercise("01_numpy/ex04_minibatches")
class TestMinibatches:
    def test_every_row_exactly_once(self, submission):
        _, _, batches = _batches(submission, n=23, batch_size=5)
        rows = np.concatenate([xb[:, 0] / 2 for xb, _ in batches]).astype(int)
        counts = np.bincount(rows, minlength=23)
        if counts.max() > 1:
            fail(
                f"row {int(counts.argmax())} appears {int(counts.max())} times: draw a permutation of "
                "the row indices (sampling with replacement repeats rows and drops others)"
            )
        if len(rows) != 23:
            fail(
                f"the batches hold {len(rows)} rows, not all 23: every row must appear once "
                "(keep the last, smaller batch)"
            )

    def test_batch_sizes_keep_last_partial(self, submission):
        _, _, batches = _batches(submission, n=10, batch_size=3)
        sizes = [len(xb) for xb, _ in batches]
        if sizes != [3, 3, 3, 1]:
            fail(f"10 rows in batches of 3 should give sizes [3, 3, 3, 1], got {sizes}")

    def test_rows_stay_paired(self, submission):
        _, _, batches = _batches(submission, n=17, batch_size=4)
        for k, (xb, yb) in enumerate(batches):
            if len(xb) != len(yb) or not np.array_equal(xb[:, 0] / 2 * 10, yb):
                fail(
                    f"in batch {k} the labels no longer match their rows: shuffle one index array "
                    "and use it for both X and y"
                )

    def test_shuffled_with_given_rng(self, submission):
        _, _, a = _batches(submission, n=40, batch_size=8, seed=1)
        _, _, b = _batches(submission, n=40, batch_size=8, seed=1)
        _, _, c = _batches(submission, n=40, batch_size=8, seed=2)
        order = lambda bs: np.concatenate([xb[:, 0] / 2 for xb, _ in bs])  # noqa: E731
        if np.array_equal(order(a), np.arange(40)):
            fail("the rows come out in their original order: shuffle them with rng.permutation")
        if not np.array_equal(order(a), order(b)):
            fail(
                "two runs with the same seed gave different batches: draw the order from the rng "
                "you are given, not from another source of randomness"
            )
        if np.array_equal(order(a), order(c)):
            fail("seeds 1 and 2 gave the same order: the order must come from the rng argument")

    def test_global_rng_untouched(self, submission):
        np.random.seed(123)
        state_before = np.random.get_state()[1].copy()
        _, _, first = _batches(submission, n=30, batch_size=7, seed=5)
        state_after = np.random.get_state()[1]
        if not np.array_equal(state_before, state_after):
            fail(
                "minibatches used the global NumPy random state (np.random.*); use the rng argument"
            )
        np.random.seed(999)
        _, _, second = _batches(submission, n=30, batch_size=7, seed=5)
        same = all(np.array_equal(x1, x2) for (x1, _), (x2, _) in zip(first, second, strict=False))
        if not same:
            fail(
                "re-seeding the global RNG changed your batches: the order must depend only on rng"
            )

    def test_inputs_not_modified(self, submission):
        X = np.arange(20, dtype=np.float64).reshape(10, 2)
        y = np.arange(10)
        X0, y0 = X.copy(), y.copy()
        list(submission.minibatches(X, y, 4, np.random.default_rng(0)))
        if not (np.array_equal(X, X0) and np.array_equal(y, y0)):
            fail(
                "minibatches reordered the caller's X or y in place; shuffle an index array instead"
            )

    @pytest.mark.parametrize("bad", [0, -2])
    def test_rejects_bad_batch_size(self, submission, bad):
        X, y = np.ones((5, 2)), np.ones(5)
        expect_raises(
            ValueError,
            lambda: list(submission.minibatches(X, y, bad, np.random.default_rng(0))),
            why=f"batch_size={bad} is less than 1",
        )


# --------------------------------------------------------------------------------------------
def _regression_data(n=200, d=4, seed=30, noise=0.1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X = (X - X.mean(0)) / X.std(0)
    w_true = np.array([2.0, -1.0, 0.5, 3.0])[:d]
    y = X @ w_true + 4.0 + rng.normal(scale=noise, size=n)
    return X, y


def _reference_gd(X, y, lr, n_iters):
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(n_iters):
        r = X @ w + b - y
        w = w - lr * (2.0 / n) * (X.T @ r)
        b = b - lr * (2.0 / n) * r.sum()
    return w, b


def _fit(submission, X, y, **kw):
    out = submission.fit_linear_regression(X, y, **kw)
    if not isinstance(out, tuple) or len(out) != 2:
        fail(f"fit_linear_regression should return a tuple (w, b), got {type(out).__name__}")
    w = as_array(out[0], "w", ndim=1)
    try:
        b = float(np.asarray(out[1], dtype=np.float64))
    except (TypeError, ValueError):
        fail(f"b should be a number, got {type(out[1]).__name__}")
    return w, b


@pytest.mark.exercise("01_numpy/ex05_linear_regression")
class TestLinearRegression:
    def test_reaches_least_squares(self, submission):
        X, y = _regression_data()
        w, b = _fit(submission, X, y, lr=0.1, n_iters=1000)
        largest = float(np.max(np.abs(np.r_[w, b])))
        if not np.isfinite(largest) or largest > 1e6:
            fail(
                f"the weights blew up (largest |w| or |b| is {largest:.3g}; the least-squares "
                "weights are below 10): the gradient must be scaled by 1/n (a mean, not a sum), "
                "and the update must go against the gradient (w -= lr * grad)"
            )
        coef, *_ = np.linalg.lstsq(np.c_[X, np.ones(len(X))], y, rcond=None)
        assert_close(
            w,
            coef[:-1],
            "w after 1000 iterations",
            atol=1e-3,
            rtol=0,
            why="gradient descent should reach the least-squares weights",
        )
        if abs(b - coef[-1]) > 1e-3:
            fail(
                f"b is {b:.4f} but the least-squares intercept is {coef[-1]:.4f}: update the bias "
                "too, with dL/db = (2/n) * sum(r)"
            )

    def test_exactly_n_iters_updates(self, submission):
        X, y = _regression_data(seed=31)
        for n_iters in (1, 5):
            w, b = _fit(submission, X, y, lr=0.05, n_iters=n_iters)
            w_ref, b_ref = _reference_gd(X, y, 0.05, n_iters)
            assert_close(
                np.r_[w, b],
                np.r_[w_ref, b_ref],
                f"(w, b) after n_iters={n_iters}",
                rtol=1e-9,
                atol=1e-12,
                why="start from zeros and make exactly n_iters gradient steps of the MSE "
                "(2/n scaling); a closed-form solve or a different step lands elsewhere",
            )

    def test_zero_iterations_returns_start(self, submission):
        X, y = _regression_data(seed=32)
        w, b = _fit(submission, X, y, lr=0.1, n_iters=0)
        assert_close(
            np.r_[w, b],
            np.zeros(X.shape[1] + 1),
            "(w, b) after n_iters=0",
            atol=0,
            why="with no updates the result is the starting point, zeros",
        )

    def test_bias_learned(self, submission):
        rng = np.random.default_rng(33)
        X = rng.normal(size=(150, 2))
        X = (X - X.mean(0)) / X.std(0)
        y = 0.0 * X[:, 0] - 7.5  # all the signal is in the intercept
        w, b = _fit(submission, X, y, lr=0.1, n_iters=500)
        if abs(b + 7.5) > 1e-3:
            fail(
                f"for y = -7.5 everywhere the bias should reach -7.5, got {b:.6g}: update b "
                "every step, against its gradient (2/n) * sum(r)"
            )

    def test_predict(self, submission):
        rng = np.random.default_rng(34)
        X, w, b = rng.normal(size=(6, 3)), np.array([1.0, -2.0, 0.5]), 0.25
        out = as_array(submission.predict(X, w, b), "predict(X, w, b)")
        assert_close(
            out,
            X @ w + b,
            "predict(X, w, b)",
            rtol=1e-12,
            why="a prediction is X @ w + b: the bias is added to every row",
        )
