# MUTANT: Draws row indices with replacement (rng.integers), repeating some rows and dropping others.
"""Exercise 04 · Shuffled mini-batches from a seeded random generator.

Docs: docs/lessons/01-numpy.md#ex04-minibatches (the site: `mkdocs serve`, then Lesson 01)

Write `minibatches(X, y, batch_size, rng)`: a generator that yields `(X_batch, y_batch)` pairs.

Contract:
- The order of the rows is drawn from `rng`, the `numpy.random.Generator` you are given; the
  global NumPy random state (`np.random.seed`, `np.random.rand`) is never used or changed.
- Every row appears in exactly one batch (no repeats, none dropped); the last batch may be smaller.
- Rows of `X` and `y` stay paired: `y_batch[k]` is the label of `X_batch[k]`.
- The same seed gives the same batches.
- `X` and `y` are never modified (do not shuffle them in place).
- `batch_size < 1`, or `X` and `y` with different numbers of rows, raise `ValueError`.
"""

from collections.abc import Iterator

import numpy as np


def minibatches(
    X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    order = rng.integers(0, len(X), size=len(X))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]
