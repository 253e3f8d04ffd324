"""Helpers shared by the checks of lesson 01_numpy.

Checks for lesson 01, NumPy for ML. Each test grades one behaviour of one exercise.
"""

from __future__ import annotations

import numpy as np

from autograder.assertions import (
    fail,
)


def _features(n: int = 40, d: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scales = np.array([1.0, 10.0, 0.01, 1000.0, 3.0])[:d]
    return rng.normal(loc=5.0, scale=scales, size=(n, d))


def _assert_standardized_columns(out: np.ndarray, columns: list[int], what: str) -> None:
    """Loose: each listed column has mean ~0 and std within 10 % of 1. Exact values are graded by
    `matches column zscores` and `population std`; this keeps other checks about their own topic."""
    for j in columns:
        mean, std = out[:, j].mean(), out[:, j].std()
        if abs(mean) > 1e-6 or not 0.9 < std < 1.1:
            fail(
                f"{what}: column {j} has mean {mean:.3g} and std {std:.3g}; a standardized column "
                "has mean 0 and std 1"
            )


def _show(name: str, value: np.ndarray) -> str:
    """`name` and its values when they are few enough to read, else its shape and dtype: how a
    differential check names the input it reports, so the learner can try it themselves."""
    value = np.asarray(value)
    if value.size <= 12:
        text = np.array2string(value, precision=6, separator=", ").replace("\n", "")
        sign = "≈" if value.dtype.kind == "f" else "="  # floats are shown rounded
        return f"{name} {sign} np.array({text}, dtype={value.dtype})"
    return f"{name} of shape {value.shape} and dtype {value.dtype}"
