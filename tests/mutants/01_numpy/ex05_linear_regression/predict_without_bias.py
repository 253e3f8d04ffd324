# MUTANT: `predict` returns X @ w and forgets to add the bias b.
"""Exercise 05 · Linear regression by full-batch gradient descent.

Docs: docs/lessons/01-numpy.md#ex05-linear-regression (the site: `mkdocs serve`, then Lesson 01)

Write `fit_linear_regression(X, y, lr=0.1, n_iters=1000)` returning `(w, b)`, and
`predict(X, w, b)`.

Contract:
- The loss is the mean squared error `L(w, b) = mean((X @ w + b - y) ** 2)`. With residuals
  `r = X @ w + b - y` and `n` rows, its gradient is `dL/dw = (2 / n) * X.T @ r` and
  `dL/db = (2 / n) * sum(r)`: note the `1 / n`.
- Start from `w = zeros(d)` and `b = 0.0`, then make exactly `n_iters` updates
  `w -= lr * dL/dw; b -= lr * dL/db` (full batch: all rows every step). Return the iterate after
  the last update, with `w` a float64 array of shape (d,) and `b` a Python or NumPy float.
- No closed-form solve (`np.linalg.lstsq`, `inv`, `pinv`): the point is the iterations.
- On standardised, well-conditioned data, 1000 iterations reach the least-squares solution
  to within 1e-3.
- `predict(X, w, b)` returns `X @ w + b`, shape (n,).
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
    for _ in range(n_iters):
        r = X @ w + b - y
        w = w - lr * (2.0 / n) * (X.T @ r)
        b = b - lr * (2.0 / n) * r.sum()
    return w, float(b)


def predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return np.asarray(X, dtype=np.float64) @ w
