"""Checks for 01_numpy/ex04_minibatches (see solutions/01_numpy/ex04_minibatches.py for the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.assertions import (
    as_array,
    differential,
    expect_raises,
    fail,
)


def _checked(out: list, where: str = "") -> list[tuple[np.ndarray, np.ndarray]]:
    """The yielded batches as plain arrays, after checking each is an (X_batch, y_batch) tuple."""
    prefix = f"{where}: " if where else ""
    checked = []
    for k, pair in enumerate(out):
        if not isinstance(pair, tuple) or len(pair) != 2:
            fail(
                f"{prefix}batch {k} should be a tuple (X_batch, y_batch), got {type(pair).__name__}"
            )
        xb = as_array(pair[0], f"{prefix}X_batch of batch {k}", ndim=2)
        yb = as_array(pair[1], f"{prefix}y_batch of batch {k}", ndim=1)
        checked.append((xb, yb))
    return checked


def _batches(submission, n=10, batch_size=3, seed=0, d=2):
    X = np.arange(n * d, dtype=np.float64).reshape(n, d)  # row i is [i*d, i*d + 1, ...]
    y = np.arange(n) * 10  # the label of row i is 10 * i
    out = list(submission.minibatches(X, y, batch_size, np.random.default_rng(seed)))
    return X, y, _checked(out)


def _generated_cases():
    """Seeded inputs, smallest first: 1 row, batch_size 1, batch_size equal to and above the number
    of rows, n divisible and not divisible by batch_size. Row values and labels are distinct, so
    every batch row can be traced back to the row it came from."""
    sizes = [(1, 1), (1, 3), (2, 1), (2, 2), (3, 2), (4, 2), (5, 5), (5, 6), (7, 3), (12, 4)]
    sizes += [(12, 5), (30, 1), (30, 7), (30, 30), (31, 8)]
    for k, (n, batch_size) in enumerate(sizes):
        rng = np.random.default_rng(400 + k)
        X, y = rng.normal(size=(n, 1 + k % 3)), rng.normal(size=n)
        seed = 50 + k
        yield (
            f"X of shape {X.shape}, y of shape {y.shape}, batch_size={batch_size} and "
            f"rng=np.random.default_rng({seed})",
            lambda fn, X=X, y=y, batch_size=batch_size, seed=seed: (
                X,
                y,
                list(fn(X.copy(), y.copy(), batch_size, np.random.default_rng(seed))),
            ),
        )


def _compare(got, expected, where: str) -> None:
    """What the contract fixes, compared with the reference: the batch sizes, each batch holding
    rows of X with their own labels, every row exactly once. The order itself may differ (any
    shuffle drawn from the rng is right); same-seed reproducibility has its own check."""
    X, y, batches = got[0], got[1], _checked(got[2], where)
    sizes = [len(xb) for xb, _ in batches]
    expected_sizes = [len(xb) for xb, _ in expected[2]]
    if sizes != expected_sizes:
        fail(
            f"{where}: the batch sizes are {sizes}, expected {expected_sizes} (full batches of "
            "batch_size, then one smaller batch with the rest, never an empty batch)"
        )
    position = {row.tobytes(): i for i, row in enumerate(X)}
    seen = []
    for k, (xb, yb) in enumerate(batches):
        if xb.shape[1:] != X.shape[1:] or len(yb) != len(xb):
            fail(
                f"{where}: batch {k} has X_batch of shape {xb.shape} and y_batch of shape "
                f"{yb.shape}; expected {len(xb)} rows of width {X.shape[1]} and {len(xb)} labels"
            )
        for row, label in zip(xb, yb, strict=True):
            i = position.get(row.tobytes())
            if i is None:
                fail(f"{where}: batch {k} holds a row that is not a row of X: {row}")
            if label != y[i]:
                fail(
                    f"{where}: in batch {k}, row {i} of X comes with the label {label:.6g}, but its "
                    f"label is y[{i}] = {y[i]:.6g}: index X and y with the same index array"
                )
            seen.append(i)
    if sorted(seen) != list(range(len(X))):
        counts = np.bincount(seen, minlength=len(X))
        fail(
            f"{where}: rows {np.flatnonzero(counts != 1).tolist()} appear "
            f"{counts[counts != 1].tolist()} times; every row must appear exactly once"
        )


def _global_rng_effect(module) -> tuple[bool, bool]:
    """In the learner's process, where its global NumPy state lives: (whether minibatches moved the
    global random state, whether its batches stay the same after the global state is re-seeded)."""
    X, y = np.arange(60, dtype=np.float64).reshape(30, 2), np.arange(30) * 10
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    first = [b[0] for b in module.minibatches(X, y, 7, np.random.default_rng(5))]
    touched = not np.array_equal(before, np.random.get_state()[1])
    np.random.seed(999)
    second = [b[0] for b in module.minibatches(X, y, 7, np.random.default_rng(5))]
    same = len(first) == len(second) and all(
        np.array_equal(a, b) for a, b in zip(first, second, strict=True)
    )
    return touched, same


class TestMinibatches:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.minibatches,
            reference.minibatches,
            _compare,
            "minibatches(X, y, batch_size, rng)",
        )

    def test_every_row_exactly_once(self, submission):
        _, _, batches = _batches(submission, n=23, batch_size=5)
        rows = np.concatenate([xb[:, 0] / 2 for xb, _ in batches]).astype(int)
        counts = np.bincount(rows, minlength=23)
        if counts.max() > 1:
            fail(
                f"row {int(counts.argmax())} appears {int(counts.max())} times: draw a permutation of "
                "the row indices (sampling with replacement repeats rows and drops others)"
            )
        if len(rows) != 23:
            fail(
                f"the batches hold {len(rows)} rows, not all 23: every row must appear once "
                "(keep the last, smaller batch)"
            )

    def test_batch_sizes_keep_last_partial(self, submission):
        _, _, batches = _batches(submission, n=10, batch_size=3)
        sizes = [len(xb) for xb, _ in batches]
        if sizes != [3, 3, 3, 1]:
            fail(f"10 rows in batches of 3 should give sizes [3, 3, 3, 1], got {sizes}")

    @pytest.mark.parametrize(
        ("n", "batch_size", "sizes"),
        [(5, 1, [1] * 5), (6, 6, [6]), (6, 7, [6]), (12, 4, [4, 4, 4])],
        ids=["batch_size=1", "batch_size=n", "batch_size>n", "n divisible by batch_size"],
    )
    def test_batch_sizes_at_the_edges(self, submission, n, batch_size, sizes):
        _, _, batches = _batches(submission, n=n, batch_size=batch_size)
        got = [len(xb) for xb, _ in batches]
        if got != sizes:
            fail(
                f"{n} rows in batches of {batch_size} should give the sizes {sizes}, got {got}: "
                "full batches of batch_size, then the rest (if any) in one smaller batch, never an "
                "empty one"
            )
        rows = sorted(int(r) for xb, _ in batches for r in xb[:, 0] / 2)
        if rows != list(range(n)):
            fail(f"the batches hold the rows {rows}, expected each of the {n} rows once")

    def test_rows_stay_paired(self, submission):
        _, _, batches = _batches(submission, n=17, batch_size=4)
        for k, (xb, yb) in enumerate(batches):
            if len(xb) != len(yb) or not np.array_equal(xb[:, 0] / 2 * 10, yb):
                fail(
                    f"in batch {k} the labels no longer match their rows: shuffle one index array "
                    "and use it for both X and y"
                )

    def test_shuffled_with_given_rng(self, submission):
        _, _, a = _batches(submission, n=40, batch_size=8, seed=1)
        _, _, b = _batches(submission, n=40, batch_size=8, seed=1)
        _, _, c = _batches(submission, n=40, batch_size=8, seed=2)
        order = lambda bs: np.concatenate([xb[:, 0] / 2 for xb, _ in bs])  # noqa: E731
        if np.array_equal(order(a), np.arange(40)):
            fail("the rows come out in their original order: shuffle them with rng.permutation")
        if not np.array_equal(order(a), order(b)):
            fail(
                "two runs with the same seed gave different batches: draw the order from the rng "
                "you are given, not from another source of randomness"
            )
        if np.array_equal(order(a), order(c)):
            fail("seeds 1 and 2 gave the same order: the order must come from the rng argument")

    def test_global_rng_untouched(self, submission):
        touched, same = submission.observe(_global_rng_effect)
        if touched:
            fail(
                "minibatches used the global NumPy random state (np.random.*); use the rng argument"
            )
        if not same:
            fail(
                "re-seeding the global RNG changed your batches: the order must depend only on rng"
            )

    def test_inputs_not_modified(self, submission):
        X = np.arange(20, dtype=np.float64).reshape(10, 2)
        y = np.arange(10)
        X0, y0 = X.copy(), y.copy()
        list(submission.minibatches(X, y, 4, np.random.default_rng(0)))
        if not (np.array_equal(X, X0) and np.array_equal(y, y0)):
            fail(
                "minibatches reordered the caller's X or y in place; shuffle an index array instead"
            )

    def test_rejects_batch_size_below_one(self, submission):
        # One check for 0 and -1 together: range(0, n, 0) raises a ValueError of its own, so
        # batch_size=0 alone would pass without any validation; range(0, n, -1) is merely empty.
        X, y = np.ones((5, 2)), np.ones(5)
        for bad in (0, -1):
            expect_raises(
                ValueError,
                lambda bad=bad: list(submission.minibatches(X, y, bad, np.random.default_rng(0))),
                why=f"batch_size={bad} is less than 1: check it before the loop",
            )

    def test_rejects_row_count_mismatch(self, submission):
        # Shuffling len(X) row indices does not fail by itself when y has more rows, so only an
        # explicit comparison of len(X) and len(y) raises in both cases.
        X = np.arange(12, dtype=np.float64).reshape(6, 2)
        for n_labels in (7, 5):
            expect_raises(
                ValueError,
                lambda n_labels=n_labels: list(
                    submission.minibatches(X, np.arange(n_labels), 2, np.random.default_rng(0))
                ),
                why=f"X has 6 rows but y has {n_labels}: compare len(X) and len(y) first",
            )
