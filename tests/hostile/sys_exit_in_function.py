"""Hostile submission for 01_numpy/ex03_softmax: both functions call `sys.exit(0)`.

Exit code 0 looks like success to anything that trusts exit codes; every check must be `error`.
"""

import sys

import numpy as np


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    sys.exit(0)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    sys.exit(0)
