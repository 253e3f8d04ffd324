"""Checks for 01_numpy/ex03_softmax (see solutions/01_numpy/ex03_softmax.py for the reference)."""

from __future__ import annotations

import numpy as np

from autograder.assertions import (
    as_array,
    assert_close,
    assert_shape,
    fail,
)


def _ref_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _ref_log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    s = z - z.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


class TestSoftmax:
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
        for axis in (0, 1, 2, -1):
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

    def test_log_softmax_every_axis(self, submission):
        z = np.random.default_rng(21).normal(scale=50.0, size=(4, 3, 2)) + 800.0
        for axis in (0, 1, 2):
            out = as_array(
                submission.log_softmax(z.copy(), axis=axis), f"log_softmax(z, axis={axis})"
            )
            assert_close(
                out, _ref_log_softmax(z, axis), f"log_softmax(z, axis={axis})", rtol=1e-9, atol=1e-9
            )
