"""Exercise 02 · Quantized weights.

Docs: docs/lessons/11-optimization.md#ex02-quantize (the site: `mkdocs serve`, then Lesson 11)

A float64 weight takes 8 bytes; an int8 takes 1. Quantization stores each weight as a small
integer `q` and one float `scale` and one integer `zero_point` for the whole array, so that
`(q - zero_point) * scale` is close to the weight. Asymmetric (affine) quantization uses the
whole integer range for the weights' actual range, even when it is lopsided (all weights
between -0.1 and 3, say), where a symmetric scale (`max(|w|) / 127`, `zero_point = 0`) would
leave half of the integers unused and double the error.

Write `quantize(w, bits=8) -> (q, scale, zero_point)`:

- `w` is an array-like of finite real numbers, of any shape, with at least one element;
  `bits` is an integer from 2 to 8 (a Python or NumPy integer, not a bool). The integers are
  signed: `qmin = -2**(bits - 1)`, `qmax = 2**(bits - 1) - 1` (-128 and 127 for 8 bits).
- The range always contains 0 (so that 0.0 is stored exactly, as `zero_point`):
  `lo = min(w.min(), 0.0)`, `hi = max(w.max(), 0.0)`.
- `scale = (hi - lo) / (qmax - qmin)`, a Python float; `zero_point = qmin - round(lo / scale)`,
  a Python `int` (it lies in [qmin, qmax]).
- `q = round(w / scale) + zero_point`, clipped to [qmin, qmax], as a `numpy.int8` array of `w`'s
  shape. Rounding is half to even, as `numpy.rint` does (2.5 -> 2, 3.5 -> 4, -2.5 -> -2); never
  toward zero (`astype(int)` turns 2.7 into 2). The clip matters: a value can round to
  qmax + 1, which int8 would silently wrap to -128.
- An array of zeros (hi == lo) gives `scale = 1.0`, `zero_point = 0` and `q` all zeros.
- Every weight comes back within half a step: `abs(dequantize(q, scale, zero_point) - w) <=
  scale / 2`, and a weight of 0.0 comes back as exactly 0.0.
- `ValueError` when `w` is empty or holds NaN or an infinity, or `bits` is not as above.

Write `dequantize(q, scale, zero_point) -> numpy.ndarray`: `(q - zero_point) * scale` as a
float64 array of `q`'s shape, computed in float64 (in int8, -128 - 127 overflows).
`ValueError` when `scale` is not a finite number > 0.

Write the class `QuantizedLinearModel(model, bits=8)`, a binary logistic regression whose
weights are stored quantized:

- `model` is a fitted scikit-learn `LogisticRegression` with two classes; `ValueError` for
  anything else (another estimator, a model that is not fitted, three classes) and for `bits`
  as in `quantize`.
- The constructor stores `q, scale, zero_point = quantize(model.coef_.ravel(), bits)` as the
  attributes `q` (int8, one per feature), `scale` and `zero_point`, and copies the intercept
  (`intercept_`, a float, not quantized) and `classes_`. Afterwards it never uses `model`
  again: changing or deleting the float model does not change the quantized one.
- `nbytes`: the bytes of the stored weights, `q.nbytes + 16` (8 bytes for the scale, 8 for the
  zero point). Against the float64 coefficients (`model.coef_.nbytes`, 8 bytes each) that is
  >= 4x smaller from 16 features on (8 bytes per weight against 1, less the 16 fixed bytes).
- `decision_function(X) = X @ dequantize(q, scale, zero_point) + intercept_` (float64, one per
  row), `predict_proba(X)` the (n, 2) array `[1 - p, p]` with `p = scipy.special.expit(decision)`,
  and `predict(X)` is `classes_[1]` where the decision is > 0, else `classes_[0]`. `X` is a 2-D
  array or DataFrame with one column per feature; `ValueError` for another number of columns.
- The tolerance: each weight is off by at most `scale / 2`, so for a row `x` the decision is off
  by at most `scale / 2 * sum(|x|)`, and the probability by at most a quarter of that (the
  slope of the sigmoid is at most 1/4). On standardized features the ROC AUC moves by well
  under half a point.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression


def _check_bits(bits) -> int:
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 2 <= bits <= 8:
        raise ValueError(f"bits must be an integer from 2 to 8, got {bits!r}")
    return int(bits)


def quantize(w, bits=8) -> tuple[np.ndarray, float, int]:
    """Asymmetric affine quantization of `w` to signed `bits`-bit integers (stored as int8):
    (q, scale, zero_point), with w ~= (q - zero_point) * scale."""
    # BEGIN SOLUTION: the range with 0 in it; scale and integer zero point; round, clip, cast
    bits = _check_bits(bits)
    w = np.asarray(w, dtype=np.float64)
    if w.size == 0:
        raise ValueError("w is empty: there is nothing to quantize")
    if not np.all(np.isfinite(w)):
        raise ValueError("w holds NaN or an infinity")
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    if hi == lo:  # all zeros
        return np.zeros(w.shape, dtype=np.int8), 1.0, 0
    scale = (hi - lo) / (qmax - qmin)
    zero_point = int(np.clip(qmin - np.rint(lo / scale), qmin, qmax))
    q = np.clip(np.rint(w / scale) + zero_point, qmin, qmax).astype(np.int8)
    return q, float(scale), zero_point
    # END SOLUTION


def dequantize(q, scale, zero_point) -> np.ndarray:
    """(q - zero_point) * scale, in float64."""
    # BEGIN SOLUTION: to float64 first, then subtract the zero point and scale
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")
    return (np.asarray(q).astype(np.float64) - zero_point) * float(scale)
    # END SOLUTION


class QuantizedLinearModel:
    """A fitted binary LogisticRegression with int8 weights (and a float intercept)."""

    def __init__(self, model, bits=8):
        # BEGIN SOLUTION: validate the model; quantize its coefficients; copy what predict needs
        if not isinstance(model, LogisticRegression):
            raise ValueError(f"model must be a LogisticRegression, got {type(model).__name__}")
        if not hasattr(model, "coef_"):
            raise ValueError("model is not fitted: fit it first")
        if len(model.classes_) != 2 or model.coef_.shape[0] != 1:
            raise ValueError(f"model must have two classes, got {len(model.classes_)}")
        self.bits = _check_bits(bits)
        self.q, self.scale, self.zero_point = quantize(model.coef_.ravel(), self.bits)
        self.intercept_ = float(model.intercept_[0])
        self.classes_ = np.array(model.classes_, copy=True)
        # END SOLUTION

    @property
    def nbytes(self) -> int:
        """Bytes of the stored weights: the int8 array, plus 8 for the scale, 8 for the zero point."""
        # BEGIN SOLUTION: q's bytes plus the two numbers
        return int(self.q.nbytes) + 16
        # END SOLUTION

    def decision_function(self, X) -> np.ndarray:
        """X @ dequantized weights + intercept."""
        # BEGIN SOLUTION: a 2-D float array of the right width, then one matrix product
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.q.shape[0]:
            raise ValueError(f"X must have {self.q.shape[0]} columns, got shape {X.shape}")
        return X @ dequantize(self.q, self.scale, self.zero_point) + self.intercept_
        # END SOLUTION

    def predict_proba(self, X) -> np.ndarray:
        """[1 - p, p] per row, p = expit(decision)."""
        # BEGIN SOLUTION: the sigmoid of the decision, two columns
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])
        # END SOLUTION

    def predict(self, X) -> np.ndarray:
        """classes_[1] where the decision is > 0, else classes_[0]."""
        # BEGIN SOLUTION: threshold the decision at 0
        return self.classes_[(self.decision_function(X) > 0).astype(int)]
        # END SOLUTION
