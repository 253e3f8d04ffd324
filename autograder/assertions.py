"""Assertions the checks share. Each failure says what was expected, what came back, and why.

Results are compared as plain NumPy arrays of the expected dtype, so an object whose `__eq__`
always answers True, or an ndarray subclass with a doctored comparison, earns nothing.
"""

from __future__ import annotations

import itertools
import pickle
import sys
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .learner_process import Remote, RemoteModule


class CheckFailure(AssertionError):
    """A check's verdict on the learner's code (reported as `failed`, with this message)."""


def fail(message: str) -> None:
    raise CheckFailure(message)


def as_array(value: Any, what: str, dtype: Any = np.float64, ndim: int | None = None) -> np.ndarray:
    """`value` as a plain ndarray of `dtype`; fail unless it already is a numeric ndarray."""
    if not isinstance(value, np.ndarray):
        fail(f"{what} should be a numpy.ndarray, got {type(value).__name__}")
    if value.dtype == object:
        fail(f"{what} has dtype object; return an array of numbers")
    if ndim is not None and value.ndim != ndim:
        fail(f"{what} should be {ndim}-D, got shape {value.shape}")
    plain = np.array(value, dtype=dtype, copy=True, subok=False)
    return plain.view(np.ndarray)


def assert_shape(arr: np.ndarray, shape: tuple[int, ...], what: str, why: str = "") -> None:
    if arr.shape != tuple(shape):
        fail(f"{what} has shape {arr.shape}, expected {tuple(shape)}{'; ' + why if why else ''}")


def assert_close(
    actual: np.ndarray,
    expected: np.ndarray,
    what: str,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    why: str = "",
) -> None:
    """Element-wise closeness with a message that shows the worst element."""
    actual = np.asarray(actual, dtype=np.float64).view(np.ndarray)
    expected = np.asarray(expected, dtype=np.float64)
    assert_shape(actual, expected.shape, what)
    bad_nan = np.isnan(actual) != np.isnan(expected)
    if bad_nan.any():
        idx = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        fail(
            f"{what}: at index {idx} got {actual[idx]!r}, expected {expected[idx]!r}"
            f"{'; ' + why if why else ''}"
        )
    with np.errstate(invalid="ignore"):
        ok = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not ok.all():
        err = np.where(ok, 0.0, np.abs(np.nan_to_num(actual - expected, nan=np.inf)))
        idx = np.unravel_index(int(np.argmax(err)), err.shape)
        idx_t = tuple(int(i) for i in idx)
        fail(
            f"{what}: {int((~ok).sum())} of {ok.size} values are wrong; worst at index {idx_t}: "
            f"got {actual[idx]:.6g}, expected {expected[idx]:.6g}{'; ' + why if why else ''}"
        )


_PENDING = object()


def _recorded_call(run: Callable[[Callable[..., Any]], Any]) -> tuple[tuple, dict] | None:
    """The one call `run(fn)` makes, when all it does is return `fn(...)`; else None."""
    calls: list[tuple[tuple, dict]] = []

    def recorder(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return _PENDING

    try:
        returned = run(recorder)
    except Exception:  # noqa: BLE001 - run does more with the result than return it
        return None
    return calls[0] if returned is _PENDING and len(calls) == 1 else None


def differential(
    cases: Iterable[tuple[str, Callable[[Callable[..., Any]], Any]]],
    learner: Callable[..., Any],
    reference: Callable[..., Any],
    compare: Callable[[Any, Any, str], None],
    what: str,
    chunk: int = 16,
) -> None:
    """Compare the learner's function with the reference on generated cases, smallest first.

    `cases` yields `(description, run)` in order of increasing size, where `run(fn)` calls `fn` on
    that case's (seeded, freshly built) inputs and returns its result. `compare(got, expected,
    where)` fails with a message when they differ. The first case that differs is reported with its
    description, so the learner sees the smallest input on which their answer goes wrong.
    A NotImplementedError from the learner propagates (the exercise is not attempted); any other
    exception propagates too, with a note naming the input, and is graded as an error (a
    MemoryError as running out of memory).

    Where the learner's function lives in its own process and `run` only returns `fn(...)`, the
    cases go there `chunk` at a time, in one round trip each (`Remote.map`), and are compared in
    the same order: the same verdict, a fraction of the round trips. From the first call that
    raises, the cases of that chunk run one at a time, through `run`, which may expect the error.
    """
    cases = iter(cases)
    while True:
        batch = list(itertools.islice(cases, chunk))
        if not batch:
            return
        calls = [_recorded_call(run) for _, run in batch]
        results: list = []
        if isinstance(learner, Remote) and all(c is not None for c in calls):
            results, _ = learner.map(calls)  # stops at the first call that raises
        for k, (description, run) in enumerate(batch):
            expected = run(reference)
            if k < len(results):
                got = results[k]
            else:  # one call at a time from the first that raised: `run` may expect the error
                got = _learner_result(learner, run, what, description)
            compare(
                got,
                expected,
                f"{what}, on {description} (the smallest generated input on "
                "which your answer differs from the reference solution)",
            )


def _learner_result(learner: Callable[..., Any], run: Callable, what: str, description: str) -> Any:
    try:
        return run(learner)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        exc.add_note(f"{what}, on {description}, where the reference returns a result")
        raise


def _is_iterator(value: Any) -> bool:
    """Whether `value` is an iterator; a learner's object is asked about in its own process (a
    handle has every dunder, so `hasattr` cannot tell). Not an observed answer: a lie only makes
    an expected error go unraised, which fails the check."""
    if isinstance(value, Remote):
        blob = pickle.dumps(Iterator, protocol=pickle.HIGHEST_PROTOCOL)
        return bool(value._process.request("isinstance", [blob], h=value._handle))
    return hasattr(value, "__next__")


def expect_raises(
    exc_type: type[BaseException], fn: Callable[..., Any], *args: Any, why: str, **kwargs: Any
) -> None:
    """Fail unless `fn(*args, **kwargs)` raises `exc_type` (NotImplementedError passes through)."""
    try:
        result = fn(*args, **kwargs)
        if _is_iterator(result):  # a generator function raises on first use
            next(result, None)
    except exc_type:
        return
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(
            f"expected {exc_type.__name__} ({why}), but your code raised {type(exc).__name__}: {exc}"
        )
    fail(f"expected {exc_type.__name__} ({why}), but nothing was raised")


def python_lines_executed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
    """How many Python lines run during `fn(*args, **kwargs)`: a loop over rows shows up as growth.

    Deterministic (it counts, it does not time), so it never flakes on a busy machine.
    """
    count = 0

    def tracer(frame, event, arg):  # noqa: ARG001
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return count


def executed_lines(
    module: Any, call: Callable[[Any, int], Any], small: int, large: int
) -> tuple[int, int]:
    """Python lines run by `call(module, small)` and by `call(module, large)`, after a warm-up.
    Runs where the learner's code runs (through `submission.observe`)."""
    call(module, small)  # warm up caches and lazy imports
    return python_lines_executed(call, module, small), python_lines_executed(call, module, large)


def assert_vectorised(
    submission: Any,
    call: Callable[[Any, int], Any],
    small: int,
    large: int,
    what: str,
    slack: int = 40,
) -> None:
    """Fail when the Python work of `call(module, n)` grows with n (a Python loop over rows).

    `call` is a module-level function of the check module that runs the learner's function on n
    rows: it runs in the learner's process, where the lines are executed (an observed check).
    """
    if isinstance(submission, RemoteModule):
        lines_small, lines_large = submission.observe(executed_lines, call, small, large)
    else:
        lines_small, lines_large = executed_lines(submission, call, small, large)
    if lines_large > lines_small + slack:
        fail(
            f"{what} runs {lines_small} Python lines for {small} rows but {lines_large} for {large} rows: "
            "the work grows with the data, so it loops in Python. Express it as whole-array NumPy "
            "operations (broadcasting, axis= arguments), which run in compiled code"
        )


def allocation_peak(module: Any, name: str, *args: Any) -> int:
    """Peak bytes newly allocated while `module.<name>(*args)` ran, as NumPy reports them to
    tracemalloc. Runs where the learner's code runs (through `submission.observe`)."""
    return peak_allocation(getattr(module, name), *args)[1]


def observed_peak(submission: Any, name: str, *args: Any) -> int:
    """`allocation_peak` of the learner's function, measured in the learner's process."""
    if isinstance(submission, RemoteModule):
        return submission.observe(allocation_peak, name, *args)
    return allocation_peak(submission, name, *args)


def peak_allocation(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """(result, peak bytes newly allocated while it ran), as NumPy reports to tracemalloc."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        result = fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak - base
