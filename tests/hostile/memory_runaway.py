"""Hostile submission for 01_numpy/ex03_softmax: a cache that grows without bound.

Each call keeps allocating 256 MB blocks and never frees them. The memory cap must stop it with
`error` (a message about memory) long before the machine runs out, for this exercise alone.
"""

import numpy as np

_cache: list[np.ndarray] = []


def _remember_everything() -> None:
    while True:
        _cache.append(np.zeros(32 * 2**20))  # 256 MB each, kept forever


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    _remember_everything()
    return np.asarray(z, dtype=np.float64)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    _remember_everything()
    return np.asarray(z, dtype=np.float64)
