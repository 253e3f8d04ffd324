"""Helpers shared by the checks of lesson 04_evaluation: calling the learner's metric, and the bad
inputs every metric of labels and scores must refuse (ex01, ex02, ex03)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.assertions import CheckFailure, expect_raises, fail


def call(fn: Callable[..., Any], *args: Any, doing: str, why: str) -> Any:
    """The learner's result; an unexpected exception becomes a failure that says `why`."""
    try:
        return fn(*args)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        fail(f"{doing} raised {type(exc).__name__}: {str(exc).strip()[:200]}; {why}")


# NumPy broadcasts (3, 1) against (3,) and a length 1 against any length, and counts over nothing
# are zeros: only an explicit check raises on these.
BAD_SHAPES = (
    (np.array([[1], [0], [1]]), np.array([0.2, 0.5, 0.9]), "y_true of shape (3, 1)"),
    (np.array([1, 0, 1]), np.array([[0.2], [0.5], [0.9]]), "scores of shape (3, 1)"),
    (np.array([1]), np.array([0.2, 0.5, 0.9, 0.1]), "1 label for 4 scores"),
    (np.array([], dtype=np.int64), np.array([]), "empty y_true and scores"),
)
BAD_LABELS = ([1, 0, 2], [1, 0, -1], [1, 0, 0.5], [1.0, 0.0, np.nan])


def expect_bad_shapes_rejected(fn: Callable[..., Any], *rest: Any) -> None:
    """`fn(y_true, scores, *rest)` raises ValueError for every shape in BAD_SHAPES."""
    for y, s, what in BAD_SHAPES:
        expect_raises(
            ValueError,
            fn,
            y,
            s,
            *rest,
            why=f"{what}: y_true and scores must be 1-D, of the same non-zero length",
        )


def expect_bad_labels_rejected(fn: Callable[..., Any], *rest: Any) -> None:
    """`fn(y_true, scores, *rest)` raises ValueError for a label other than 0 and 1."""
    for labels in BAD_LABELS:
        expect_raises(
            ValueError,
            fn,
            np.array(labels),
            np.array([0.9, 0.1, 0.7]),
            *rest,
            why=f"y_true={labels} holds a label that is neither 0 nor 1 (fraud or not)",
        )


def expect_bad_scores_rejected(fn: Callable[..., Any], *rest: Any) -> None:
    """`fn(y_true, scores, *rest)` raises ValueError for a NaN or infinite score."""
    for bad in (np.nan, np.inf, -np.inf):
        expect_raises(
            ValueError,
            fn,
            np.array([1, 0, 1]),
            np.array([0.9, bad, 0.7]),
            *rest,
            why=f"scores=[0.9, {bad}, 0.7]: a score of {bad} is no score, the model is broken",
        )
