"""Checks for 01_numpy/ex05_linear_regression (see solutions/01_numpy/ex05_linear_regression.py for the reference)."""

from __future__ import annotations

import numpy as np

from autograder.assertions import (
    as_array,
    assert_close,
    fail,
)


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
