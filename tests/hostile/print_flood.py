"""Hostile submission for 01_numpy/ex02_pairwise: correct, but prints 200 MB at import.

Half goes to stdout, half to stderr. The grader must survive, keep only about 64 KiB of output per
check, keep its JSON report small, and still award full marks: the answer is right.
"""

import sys

import numpy as np

_CHUNK = "spam " * 200_000  # 1 MB
for _ in range(100):
    print(_CHUNK)
    print(_CHUNK, file=sys.stderr)


def pairwise_sq_dists(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError(f"incompatible shapes {A.shape} and {B.shape}")
    d2 = (A**2).sum(axis=1)[:, None] - 2.0 * (A @ B.T) + (B**2).sum(axis=1)[None, :]
    return np.maximum(d2, 0.0)
