"""Checks for 01_numpy/ex05_linear_regression (see solutions/01_numpy/ex05_linear_regression.py for the reference)."""

from __future__ import annotations

import numpy as np

from autograder.assertions import (
    as_array,
    assert_close,
    assert_shape,
    differential,
    fail,
)

from ._shared import _show


def _regression_data(n=200, d=4, seed=30, noise=0.1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X = (X - X.mean(0)) / X.std(0)
    w_true = np.array([2.0, -1.0, 0.5, 3.0])[:d]
    y = X @ w_true + 4.0 + rng.normal(scale=noise, size=n)
    return X, y


def _uncentred_data(n=60, d=3, seed=35):
    """Columns whose means are far from 0: there the bias and the weights pull on each other (with
    centred columns X.T @ 1 = 0, so b never changes w's gradient and w never changes b's)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=np.array([1.5, -2.0, 0.5, 1.0])[:d], scale=1.0, size=(n, d))
    y = X @ np.array([1.0, -0.5, 2.0, 0.3])[:d] + 1.5 + rng.normal(scale=0.1, size=n)
    return X, y


def _reference_gd(X, y, lr, n_iters):
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(n_iters):
        r = X @ w + b - y
        w = w - lr * (2.0 / n) * (X.T @ r)
        b = b - lr * (2.0 / n) * r.sum()
    return w, b


def _unpack(out, where: str = "") -> tuple[np.ndarray, float]:
    """(w, b) as a float64 array and a float, after checking the contract's types."""
    prefix = f"{where}: " if where else ""
    if not isinstance(out, tuple) or len(out) != 2:
        fail(
            f"{prefix}fit_linear_regression should return a tuple (w, b), got {type(out).__name__}"
        )
    if isinstance(out[0], np.ndarray) and out[0].dtype != np.float64:
        fail(f"{prefix}w should have dtype float64, got {out[0].dtype}")
    w = as_array(out[0], f"{prefix}w", ndim=1)
    if np.ndim(out[1]) != 0:
        fail(
            f"{prefix}b should be a single number (a float), got an array of shape "
            f"{np.shape(out[1])}: keep the bias as a scalar, b = 0.0"
        )
    try:
        b = float(np.asarray(out[1], dtype=np.float64))
    except (TypeError, ValueError):
        fail(f"{prefix}b should be a number, got {type(out[1]).__name__}")
    return w, b


def _fit(submission, X, y, **kw):
    return _unpack(submission.fit_linear_regression(X, y, **kw))


def _generated_fit_cases():
    """Seeded inputs, smallest first: 1 row, 1 feature, n_iters 0, 1 and 2, uncentred columns (so
    b and w interact), and the default lr=0.1, n_iters=1000 on standardised data."""
    settings = [(1, 1, 0.1, 1), (2, 1, 0.1, 2), (3, 2, 0.05, 0), (3, 2, 0.05, 3), (5, 3, 0.05, 10)]
    settings += [(8, 2, 0.2, 4), (20, 4, 0.02, 25), (40, 3, None, None)]
    for k, (n, d, lr, n_iters) in enumerate(settings):
        rng = np.random.default_rng(500 + k)
        X = rng.normal(loc=rng.uniform(-2.0, 2.0, d), scale=1.0, size=(n, d))
        if lr is None:
            X = (X - X.mean(axis=0)) / X.std(axis=0)
        y = X @ rng.normal(size=d) + rng.normal(scale=3.0) + rng.normal(scale=0.1, size=n)
        if lr is None:
            where = f"X of shape {X.shape} (standardised columns), default lr and n_iters"
            yield where, lambda fn, X=X, y=y: fn(X.copy(), y.copy())
        else:
            where = f"{_show('X', X)}, {_show('y', y)}, lr={lr}, n_iters={n_iters}"
            yield (
                where,
                lambda fn, X=X, y=y, lr=lr, n_iters=n_iters: fn(
                    X.copy(), y.copy(), lr=lr, n_iters=n_iters
                ),
            )


def _compare_fit(got, expected, where: str) -> None:
    w, b = _unpack(got, where)
    w_ref, b_ref = np.asarray(expected[0], dtype=np.float64), float(expected[1])
    assert_shape(w, w_ref.shape, f"{where}: w", "one weight per feature")
    scale = max(1.0, float(np.abs(np.r_[w_ref, b_ref]).max()))
    assert_close(
        np.r_[w, b], np.r_[w_ref, b_ref], f"{where}: (w, b)", rtol=1e-9, atol=1e-12 * scale
    )


def _generated_predict_cases():
    """Seeded inputs, smallest first: 1 row, 1 feature, square X (where w @ X also runs), b = 0."""
    shapes = [(1, 1), (1, 3), (3, 1), (2, 2), (3, 3), (5, 2), (20, 4)]
    for k, (n, d) in enumerate(shapes):
        rng = np.random.default_rng(600 + k)
        X, w = rng.normal(size=(n, d)), rng.normal(size=d)
        b = 0.0 if k == 2 else float(rng.normal(scale=3.0))
        yield (
            f"{_show('X', X)}, {_show('w', w)}, b={b:.6g}",
            lambda fn, X=X, w=w, b=b: fn(X.copy(), w.copy(), b),
        )


def _compare_predict(got, expected, where: str) -> None:
    out = as_array(got, where)
    assert_close(out, expected, where, rtol=1e-10, atol=1e-12)


class TestLinearRegression:
    def test_fit_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_fit_cases(),
            submission.fit_linear_regression,
            reference.fit_linear_regression,
            _compare_fit,
            "fit_linear_regression(X, y, ...)",
        )

    def test_predict_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_predict_cases(),
            submission.predict,
            reference.predict,
            _compare_predict,
            "predict(X, w, b)",
        )

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
        # Uncentred columns: on centred ones a wrong coupling of w and b (b's gradient taken after
        # w moved, w's gradient without b) gives the same numbers as the right one.
        X, y = _uncentred_data(seed=31)
        for n_iters in (1, 2, 5):
            w, b = _fit(submission, X, y, lr=0.05, n_iters=n_iters)
            w_ref, b_ref = _reference_gd(X, y, 0.05, n_iters)
            assert_close(
                np.r_[w, b],
                np.r_[w_ref, b_ref],
                f"(w, b) after n_iters={n_iters}",
                rtol=1e-9,
                atol=1e-12,
                why="start from zeros and make exactly n_iters gradient steps of the MSE "
                "(2/n scaling), both gradients from the same residuals r = X @ w + b - y of the "
                "current step; a closed-form solve or a different step lands elsewhere",
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
