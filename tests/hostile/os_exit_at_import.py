"""Hostile submission for 01_numpy/ex01_standardize: kills the grading process at import.

`os._exit` skips every `finally` and atexit handler, so the check never reports. The grader must
still score the exercise (error, mentioning the exit) and grade the other exercises normally.
"""

import os

import numpy as np

os._exit(0)


def standardize(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    return (X - X.mean(axis=0)) / X.std(axis=0)
