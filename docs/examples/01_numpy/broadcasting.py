"""Worked example: vectorisation and broadcasting, on min-max scaling.

Min-max scaling maps every column of X into [0, 1]: (x - column min) / (column max - column min).
A loop over rows and one broadcast expression compute the same numbers; the loop is far slower.

Run: python docs/examples/01_numpy/broadcasting.py
"""

import time

import numpy as np


def minmax_scale_loop(X: np.ndarray) -> np.ndarray:
    """The slow way: one Python iteration per value."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    out = np.empty(X.shape, dtype=np.float64)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            out[i, j] = (X[i, j] - lo[j]) / (hi[j] - lo[j])
    return out


def minmax_scale(X: np.ndarray) -> np.ndarray:
    """The NumPy way: column statistics of shape (d,), broadcast against X of shape (n, d)."""
    lo = X.min(axis=0)  # (d,): one value per column
    span = X.max(axis=0) - lo  # (d,)
    return (X - lo) / span  # (n, d) with (d,): the row of statistics repeats down every row


def seconds(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[0.0, 50.0, -3.0], scale=[1.0, 10.0, 0.1], size=(20_000, 3))

    scaled = minmax_scale(X)
    print("column min after scaling:", scaled.min(axis=0).round(6))
    print("column max after scaling:", scaled.max(axis=0).round(6))
    print("loop and broadcast agree:", np.allclose(minmax_scale_loop(X), scaled))
    slow, fast = seconds(minmax_scale_loop, X), seconds(minmax_scale, X)
    print(f"loop {slow * 1000:.1f} ms, broadcast {fast * 1000:.2f} ms")

    # Broadcasting rule: align shapes from the right; a dimension of 1 stretches to match.
    prices = np.array([3.0, 7.5, 12.0])  # (3,)
    budgets = np.array([5.0, 10.0])  # (2,)
    left_over = budgets[None, :] - prices[:, None]  # (1, 2) with (3, 1) -> (3, 2)
    print("shapes (1, 2) and (3, 1) broadcast to", left_over.shape)
    print("budget left after each purchase:\n", left_over)


if __name__ == "__main__":
    main()
