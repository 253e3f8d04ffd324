"""Hostile submission for 01_numpy/ex05_linear_regression: a `while` loop that never counts up.

`fit_linear_regression` never returns when n_iters > 0, so those checks must time out; n_iters=0
and `predict` are correct and must still pass.
"""

import numpy as np


def fit_linear_regression(
    X: np.ndarray, y: np.ndarray, lr: float = 0.1, n_iters: int = 1000
) -> tuple[np.ndarray, float]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    i = 0
    while i < n_iters:  # the mistake: i is never incremented
        r = X @ w + b - y
        w = w - lr * (2.0 / n) * (X.T @ r)
        b = b - lr * (2.0 / n) * r.sum()
    return w, float(b)


def predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return np.asarray(X, dtype=np.float64) @ w + b
