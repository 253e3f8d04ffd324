# MUTANT: Standardizes row by row in a Python loop instead of one array expression.
"""Exercise 01 · Standardize the columns of a feature matrix.

Docs: docs/lessons/01-numpy.md#ex01-standardize (the site: `mkdocs serve`, then Lesson 01)

Write `standardize(X)`: return a new array in which every column of `X` has mean 0 and
standard deviation 1, i.e. `(X - column_mean) / column_std`.

Contract:
- `X` is a 2-D array of shape (n_samples, n_features); anything else raises `ValueError`.
- Statistics are per column (axis 0), and the std is the *population* std (`ddof=0`), the same
  convention as scikit-learn's `StandardScaler`.
- The result has dtype float64, even for an integer input.
- A constant column (std 0) becomes all 0.0: never NaN or inf.
- `X` is never modified, and the result is a new array.
- Vectorised: no Python loop over rows. A 200,000 x 50 input takes a fraction of a second.
"""

import numpy as np


def standardize(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    X = X.astype(np.float64)  # a new array: the caller's X is left alone
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    safe_std = np.where(std == 0.0, 1.0, std)  # constant column: (x - mean) is 0, divide by 1
    out = np.empty_like(X)
    for i in range(X.shape[0]):
        out[i] = (X[i] - mean) / safe_std
    return out
