"""Helpers shared by the checks of lesson 03_features.

Checks for lesson 03, feature engineering and leakage prevention. Each test grades one behaviour.

The data is small and seeded: hand-built frames whose right answer can be read off, plus the
`coursedata` sample worlds. Every model fitted here is small and single-threaded, so the lesson
grades in seconds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import CheckFailure, fail


@functools.cache
def _world(kind: str, seed: int) -> coursedata.World:
    return coursedata.sample(kind, seed)  # cached: checks only read it, never change it


def _frame(value: Any, what: str) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        fail(f"{what} should be a pandas DataFrame, got {type(value).__name__}")
    return value


def _labels(frame: pd.DataFrame) -> list[int]:
    """The frame's index labels as plain Python ints (never the objects' own comparisons)."""
    try:
        return np.asarray(frame.index.to_numpy(), dtype=np.int64).tolist()
    except (TypeError, ValueError):
        fail(f"the index labels should be df's own integer labels, got {list(frame.index[:5])}")


def _learner_call(fn: Callable[..., Any], *args: Any, doing: str, why: str, **kwargs: Any) -> Any:
    """Call the learner's code; turn an unexpected exception into a message about `doing`."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(f"{doing} raised {type(exc).__name__}: {str(exc).strip()[:200]}; {why}")


class _Raised:
    """What a call raised instead of returning, for differential checks: the contract's exception
    types are outcomes to compare, like return values."""

    def __init__(self, exc: BaseException) -> None:
        self.type_name = type(exc).__name__
        self.message = str(exc).strip()[:160]

    def __repr__(self) -> str:
        return f"{self.type_name} ({self.message})"


def _outcome(call: Callable[[], Any]) -> Any:
    """`call()`'s result, or a `_Raised` for the exception it raised (NotImplementedError, the
    untouched stub, and a check's own verdict propagate)."""
    try:
        return call()
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        return _Raised(exc)


def _same_outcome_kind(got: Any, expected: Any, where: str, raised_why: str) -> bool:
    """Fail unless both raised the same exception type or both returned; True when both raised."""
    if isinstance(expected, _Raised):
        if isinstance(got, _Raised) and got.type_name == expected.type_name:
            return True
        if isinstance(got, _Raised):
            fail(f"{where}: expected {expected.type_name} ({raised_why}), got {got!r}")
        fail(f"{where}: expected {expected.type_name} ({raised_why}), but a result came back")
    if isinstance(got, _Raised):
        fail(
            f"{where}: your code raised {got!r}, but this input is valid: the reference solution "
            "returns a result"
        )
    return False
