"""Hostile: a wrong answer that rebinds numpy's comparisons so every closeness test agrees."""

import numpy as np

np.isclose = lambda a, b, **kw: np.ones(
    np.broadcast(np.asarray(a), np.asarray(b)).shape, dtype=bool
)
np.allclose = lambda *a, **kw: True
np.array_equal = lambda *a, **kw: True


def softmax(z, axis=-1):
    return np.asarray(z, dtype=np.float64)  # wrong on purpose


def log_softmax(z, axis=-1):
    return np.asarray(z, dtype=np.float64)  # wrong on purpose
