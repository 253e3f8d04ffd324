"""Checks for 01_numpy/ex03_softmax (see solutions/01_numpy/ex03_softmax.py for the reference)."""

from __future__ import annotations

import numpy as np

from autograder.assertions import (
    as_array,
    assert_close,
    assert_shape,
    differential,
    fail,
)

from ._shared import _show


def _ref_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _ref_log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    s = z - z.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def _generated_cases():
    """Seeded inputs, smallest first: 1-D, slices of length 1, square and non-square 2-D, 3-D and
    4-D, every valid axis (negative ones too) and the default; moderate values, ties, and entries
    near +-1000 (where exp overflows or underflows without the shift)."""
    shapes = [(1,), (3,), (1, 1), (3, 1), (1, 3), (2, 3), (3, 3), (2, 3, 4), (2, 1, 3, 2)]
    for k, shape in enumerate(shapes):
        ndim = len(shape)
        for kind in ("moderate", "ties", "near +-1000"):
            rng = np.random.default_rng(300 + 5 * k + len(kind))
            if kind == "ties":
                z = rng.integers(-2, 3, shape).astype(np.float64)
            else:
                z = rng.normal(0.0, 3.0, shape)
                if kind == "near +-1000":
                    z += rng.choice([-1000.0, 0.0, 1000.0], size=shape)
            for axis in (None, *range(-ndim, ndim)):
                where = f"{_show('z', z)} ({kind}), " + (
                    "default axis" if axis is None else f"axis={axis}"
                )
                if axis is None:
                    yield where, lambda fn, z=z: fn(z.copy())
                else:
                    yield where, lambda fn, z=z, axis=axis: fn(z.copy(), axis=axis)


def _compare(got, expected, where: str) -> None:
    out = as_array(got, where)
    scale = max(1.0, float(np.abs(expected).max()))
    assert_close(out, expected, where, rtol=1e-9, atol=1e-12 * scale)


class TestSoftmax:
    def test_softmax_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(), submission.softmax, reference.softmax, _compare, "softmax(z)"
        )

    def test_log_softmax_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.log_softmax,
            reference.log_softmax,
            _compare,
            "log_softmax(z)",
        )

    def test_softmax_values(self, submission):
        z = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]])
        out = as_array(submission.softmax(z.copy()), "softmax(z)")
        assert_close(out, _ref_softmax(z, -1), "softmax(z)", rtol=1e-9)

    def test_softmax_large_inputs_finite(self, submission):
        z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1000.5]])
        out = as_array(submission.softmax(z.copy()), "softmax(z) for |z| ~ 1000")
        if not np.isfinite(out).all():
            fail(
                "softmax of inputs near +-1000 gave NaN or inf: exp(1000) overflows. Subtract the "
                "maximum along the axis first (softmax(z) == softmax(z - c) for any constant c)"
            )
        assert_close(out, _ref_softmax(z, -1), "softmax(z) for |z| ~ 1000", rtol=1e-9)

    def test_softmax_every_axis(self, submission):
        z = np.random.default_rng(20).normal(scale=3.0, size=(3, 4, 5))
        for axis in (0, 1, 2, -1, -2, -3):
            out = as_array(submission.softmax(z.copy(), axis=axis), f"softmax(z, axis={axis})")
            assert_shape(out, z.shape, f"softmax(z, axis={axis})", "the output keeps z's shape")
            sums = out.sum(axis=axis)
            if not np.allclose(sums, 1.0):
                fail(
                    f"slices along axis={axis} sum to {sums.ravel()[:3]}..., not 1: normalise along "
                    "the axis you are given (and keep dims when you subtract the max)"
                )
            assert_close(out, _ref_softmax(z, axis), f"softmax(z, axis={axis})", rtol=1e-9)

    def test_softmax_square_axis0(self, submission):
        z = np.array([[0.0, 10.0], [5.0, -3.0]])  # square: a wrong broadcast is silent here
        out = as_array(submission.softmax(z.copy(), axis=0), "softmax(z, axis=0) of a 2x2 z")
        assert_close(
            out,
            _ref_softmax(z, 0),
            "softmax(z, axis=0) of a 2x2 z",
            rtol=1e-9,
            why="subtract z.max(axis=axis, keepdims=True) so the max lines up with its slice",
        )

    def test_log_softmax_no_underflow(self, submission):
        out = as_array(submission.log_softmax(np.array([0.0, -1000.0])), "log_softmax([0, -1000])")
        if not np.isfinite(out).all():
            fail(
                f"log_softmax([0, -1000]) gave {out}: log(softmax(z)) underflows to log(0) = -inf. "
                "Compute z - max - log(sum(exp(z - max))) directly"
            )
        assert_close(
            out, np.array([0.0, -1000.0]), "log_softmax([0, -1000])", rtol=1e-12, atol=1e-9
        )

    def test_log_softmax_large_inputs_finite(self, submission):
        # Rows near +1000 and near -1000 in one array: each slice needs its own max, since one
        # shift for the whole array leaves the -1000 row at exp(-2000) = 0 and log(0) = -inf.
        z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1000.5]])
        out = as_array(submission.log_softmax(z.copy()), "log_softmax(z) for |z| ~ 1000")
        if not np.isfinite(out).all():
            fail(
                f"log_softmax of rows near +1000 and -1000 gave {out.tolist()}: exp overflows or "
                "underflows. Subtract each slice's own max along the axis (keepdims=True), then "
                "subtract the log of the sum of exp of the shifted values"
            )
        assert_close(
            out,
            _ref_log_softmax(z, -1),
            "log_softmax(z) for |z| ~ 1000",
            rtol=1e-9,
            atol=1e-9,
            why="log_softmax(z) is (z - max) - log(sum(exp(z - max))) along the axis",
        )

    def test_log_softmax_every_axis(self, submission):
        z = np.random.default_rng(21).normal(scale=50.0, size=(4, 3, 2)) + 800.0
        for axis in (0, 1, 2, -1, -2, -3):
            out = as_array(
                submission.log_softmax(z.copy(), axis=axis), f"log_softmax(z, axis={axis})"
            )
            assert_close(
                out, _ref_log_softmax(z, axis), f"log_softmax(z, axis={axis})", rtol=1e-9, atol=1e-9
            )
