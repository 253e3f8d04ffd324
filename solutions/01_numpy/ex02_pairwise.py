"""Exercise 02 · Pairwise squared Euclidean distances without a 3-D intermediate.

Docs: docs/lessons/01-numpy.md#ex02-pairwise (the site: `mkdocs serve`, then Lesson 01)

Write `pairwise_sq_dists(A, B)`: entry `[i, j]` of the result is the squared Euclidean distance
between row `i` of `A` and row `j` of `B`, i.e. `sum((A[i] - B[j]) ** 2)`.

Contract:
- `A` has shape (n, d) and `B` has shape (m, d); the result has shape (n, m) and dtype float64.
- Different widths (`A.shape[1] != B.shape[1]`) raise `ValueError`.
- Squared distances, not distances: no square root.
- Never negative: the expansion `|a|^2 - 2 a.b + |b|^2` can round to tiny negatives; clip them to 0.
- Memory: never build the (n, m, d) array of differences. Peak extra memory stays a small
  multiple of n * m floats, so 10,000 x 10,000 distances of 512-D rows fit in a laptop.
- Vectorised: no Python loop over rows.
"""

import numpy as np


def pairwise_sq_dists(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError(f"A and B must be 2-D, got shapes {A.shape} and {B.shape}")
    # BEGIN SOLUTION: check the widths, expand |a|^2 - 2 a.b + |b|^2 with a matrix product, clip at 0
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            f"A and B must have the same number of columns, got {A.shape[1]} and {B.shape[1]}"
        )
    a_sq = np.einsum("ij,ij->i", A, A)[:, None]  # (n, 1)
    b_sq = np.einsum("ij,ij->i", B, B)[None, :]  # (1, m)
    d2 = a_sq - 2.0 * (A @ B.T) + b_sq
    np.maximum(d2, 0.0, out=d2)  # round-off can leave tiny negatives
    return d2
    # END SOLUTION
