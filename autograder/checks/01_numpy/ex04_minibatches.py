"""Checks for 01_numpy/ex04_minibatches (see solutions/01_numpy/ex04_minibatches.py for the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.assertions import (
    as_array,
    expect_raises,
    fail,
)


def _batches(submission, n=10, batch_size=3, seed=0, d=2):
    X = np.arange(n * d, dtype=np.float64).reshape(n, d)  # row i is [i*d, i*d + 1, ...]
    y = np.arange(n) * 10  # the label of row i is 10 * i
    out = list(submission.minibatches(X, y, batch_size, np.random.default_rng(seed)))
    checked = []
    for k, pair in enumerate(out):
        if not isinstance(pair, tuple) or len(pair) != 2:
            fail(f"batch {k} should be a tuple (X_batch, y_batch), got {type(pair).__name__}")
        xb = as_array(pair[0], f"X_batch of batch {k}", ndim=2)
        yb = as_array(pair[1], f"y_batch of batch {k}", ndim=1)
        checked.append((xb, yb))
    return X, y, checked


class TestMinibatches:
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
        np.random.seed(123)
        state_before = np.random.get_state()[1].copy()
        _, _, first = _batches(submission, n=30, batch_size=7, seed=5)
        state_after = np.random.get_state()[1]
        if not np.array_equal(state_before, state_after):
            fail(
                "minibatches used the global NumPy random state (np.random.*); use the rng argument"
            )
        np.random.seed(999)
        _, _, second = _batches(submission, n=30, batch_size=7, seed=5)
        same = all(np.array_equal(x1, x2) for (x1, _), (x2, _) in zip(first, second, strict=False))
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

    @pytest.mark.parametrize("bad", [0, -2])
    def test_rejects_bad_batch_size(self, submission, bad):
        X, y = np.ones((5, 2)), np.ones(5)
        expect_raises(
            ValueError,
            lambda: list(submission.minibatches(X, y, bad, np.random.default_rng(0))),
            why=f"batch_size={bad} is less than 1",
        )
