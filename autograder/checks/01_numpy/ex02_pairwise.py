"""Checks for 01_numpy/ex02_pairwise (see solutions/01_numpy/ex02_pairwise.py for the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.assertions import (
    as_array,
    assert_close,
    assert_shape,
    assert_vectorised,
    differential,
    expect_raises,
    fail,
    observed_peak,
)

from ._shared import _show


def _reference_sq_dists(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)


# --8<-- [start:differential]
def _generated_cases():
    """Seeded inputs, smallest first: shapes from 1 x 1 up, including n = 1 and m = 1, integer
    input, and rows far from the origin (where the expansion rounds below zero)."""
    shapes = [(1, 1, 1), (1, 3, 2), (3, 1, 2), (2, 2, 1), (4, 3, 5), (9, 7, 3), (25, 30, 16)]
    for k, (n, m, d) in enumerate(shapes):
        for kind in ("float", "int", "far"):
            rng = np.random.default_rng(100 + 3 * k + len(kind))
            if kind == "int":
                A, B = rng.integers(-5, 6, (n, d)), rng.integers(-5, 6, (m, d))
            else:
                shift = 1e4 if kind == "far" else 0.0
                A, B = rng.normal(shift, 1.0, (n, d)), rng.normal(shift, 1.0, (m, d))
            yield (
                f"{_show('A', A)} and {_show('B', B)} ({kind} values)",
                lambda fn, A=A, B=B: fn(A.copy(), B.copy()),
            )


def _compare(got, expected, where: str) -> None:
    if isinstance(got, np.ndarray) and got.dtype != np.float64:
        fail(f"{where}: the result has dtype {got.dtype}, expected float64")
    out = as_array(got, where)
    assert_close(
        out, expected, where, rtol=1e-9, atol=1e-6 * max(1.0, float(np.abs(expected).max()))
    )


def _pairwise_rows(module, n: int):
    """pairwise_sq_dists of the first n of 1500 seeded rows against 20 (in the learner's process)."""
    rng = np.random.default_rng(13)
    A, B = rng.normal(size=(1500, 3)), rng.normal(size=(20, 3))
    return module.pairwise_sq_dists(A[:n], B)


class TestPairwise:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.pairwise_sq_dists,
            reference.pairwise_sq_dists,
            _compare,
            "pairwise_sq_dists(A, B)",
        )

    # --8<-- [end:differential]

    def test_values_and_shape(self, submission):
        rng = np.random.default_rng(10)
        A, B = rng.normal(size=(7, 4)), rng.normal(size=(5, 4))
        out = as_array(submission.pairwise_sq_dists(A, B), "pairwise_sq_dists(A, B)")
        if out.shape == (5, 7):
            fail(
                "the result has shape (m, n) = (5, 7); row i must be A's row i, so shape (n, m) = (7, 5)"
            )
        expected = _reference_sq_dists(A, B)
        if out.shape == expected.shape and np.allclose(out, np.sqrt(expected)):
            fail("these are distances; the exercise asks for squared distances (no square root)")
        assert_close(out, expected, "pairwise_sq_dists(A, B)", rtol=1e-9, atol=1e-9)

    def test_self_distance_never_negative(self, submission):
        rng = np.random.default_rng(11)
        A = rng.normal(loc=1e4, scale=1.0, size=(60, 8))  # large norms: round-off goes negative
        out = as_array(submission.pairwise_sq_dists(A, A), "pairwise_sq_dists(A, A)")
        if (out < 0).any():
            fail(
                f"{int((out < 0).sum())} squared distances are negative (smallest {out.min():.3g}); "
                "round-off in |a|^2 - 2a.b + |b|^2 goes below zero: clip with np.maximum(d2, 0)"
            )
        assert_close(np.diag(out), np.zeros(60), "the diagonal (each row to itself)", atol=1e-3)

    @pytest.mark.parametrize(
        ("shape_a", "shape_b"), [((3, 2), (2, 1)), ((4, 1), (1, 3))], ids=["2 vs 1", "1 vs 3"]
    )
    def test_rejects_width_mismatch(self, submission, shape_a, shape_b):
        # Shapes on which a computation without the width check raises nothing by itself: the
        # (n, m, d) differences broadcast a width of 1, and np.dot(A, B) (no transpose) multiplies
        # because A's width equals B's number of rows. Only an explicit check raises here.
        rng = np.random.default_rng(14)
        expect_raises(
            ValueError,
            submission.pairwise_sq_dists,
            rng.normal(size=shape_a),
            rng.normal(size=shape_b),
            why=f"rows of width {shape_a[1]} and {shape_b[1]} have no distance: compare "
            "A.shape[1] with B.shape[1] and raise before computing anything",
        )

    @pytest.mark.parametrize(
        ("n", "m", "d"), [(1, 4, 3), (4, 1, 3), (3, 5, 1)], ids=["n=1", "m=1", "d=1"]
    )
    def test_one_row_or_one_feature(self, submission, n, m, d):
        rng = np.random.default_rng(15)
        A, B = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        what = f"pairwise_sq_dists(A, B) for A of shape {A.shape} and B of shape {B.shape}"
        out = as_array(submission.pairwise_sq_dists(A, B), what)
        assert_shape(out, (n, m), what, "one row per row of A, one column per row of B")
        assert_close(out, _reference_sq_dists(A, B), what, rtol=1e-9, atol=1e-9)

    def test_memory_no_3d_intermediate(self, submission):
        rng = np.random.default_rng(12)
        n, m, d = 300, 200, 256
        A, B = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        peak = observed_peak(submission, "pairwise_sq_dists", A, B)
        out = as_array(submission.pairwise_sq_dists(A, B), "pairwise_sq_dists(A, B)")
        assert_shape(out, (n, m), "pairwise_sq_dists(A, B)")
        budget = 8 * n * m * 8  # eight (n, m) float64 arrays
        if peak > budget:
            fail(
                f"peak extra memory was {peak / 1e6:.1f} MB for n={n}, m={m}, d={d}; an (n, m) result "
                f"is {n * m * 8 / 1e6:.1f} MB and the budget is {budget / 1e6:.1f} MB. An (n, m, d) array "
                "of differences costs d times more: expand |a|^2 - 2 a.b + |b|^2 and use A @ B.T"
            )
        assert_close(
            out, _reference_sq_dists(A, B), "pairwise_sq_dists(A, B)", rtol=1e-7, atol=1e-6
        )

    def test_vectorised(self, submission):
        rng = np.random.default_rng(13)
        A, B = rng.normal(size=(1500, 3)), rng.normal(size=(20, 3))
        assert_vectorised(submission, _pairwise_rows, 50, 1500, "pairwise_sq_dists")
        # Speed earns nothing without an answer: the result must be the (n, m) array of numbers.
        out = as_array(submission.pairwise_sq_dists(A, B), "pairwise_sq_dists(A, B) for 1500 rows")
        assert_shape(
            out, (1500, 20), "pairwise_sq_dists(A, B) for 1500 rows", "one value per pair (n, m)"
        )
