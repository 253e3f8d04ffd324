"""Exercise 01 · Standardize the columns of a feature matrix.

Docs: docs/lessons/01-numpy.md#ex01-standardize (the site: `mkdocs serve`, then Lesson 01)

Write `standardize(X)`: return a new array in which every column of `X` has mean 0 and
standard deviation 1, i.e. `(X - column_mean) / column_std`.

Contract:
- `X` is a 2-D array of shape (n_samples, n_features); anything else raises `ValueError`.
- Statistics are per column (axis 0), and the std is the *population* std (`ddof=0`), the same
  convention as scikit-learn's `StandardScaler`.
- The result has dtype float64, even for an integer input.
- A constant column becomes all 0.0, exactly: never NaN, inf or rounding residue. Rounding can
  leave the computed std of a constant column a little above 0 (thirty 0.1s give about 3e-17,
  not 0), so a column counts as constant when `std <= n * eps * abs(mean)`, with `n` the number
  of rows and `eps = np.finfo(np.float64).eps` (about 2.2e-16): the most rounding can leave when
  you average `n` equal numbers. The bound is relative to the column's magnitude, so any larger
  std is real spread, however small: a column centred at 0 with std 1e-9 is standardized.
- `X` is never modified, and the result is a new array.
- Vectorised: no Python loop over rows. A 200,000 x 50 input takes a fraction of a second.
"""

import numpy as np


def standardize(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X)
    # TODO: reject non-2-D X with ValueError; scale by column means and population stds (0.0 for constant columns)
    raise NotImplementedError
