"""Worked example: 8-bit affine quantization of a model's weights, on unsigned integers 0..255.

The model is a multinomial logistic regression on scikit-learn's digits (8 x 8 images, 10
classes): a 10 x 64 weight matrix and 10 intercepts. Each float becomes one byte `q`, and
`scale` and `zero_point` map it back:

    w  ~=  scale * (q - zero_point),   q in [0, 255],   zero_point an integer in [0, 255]

`scale` spreads the range [lo, hi] of the weights over the 256 levels; `zero_point` is the level
that stands for 0.0, so 0.0 comes back exactly (padding, pruned weights and ReLU zeros stay
zero). Rounding to the nearest level is off by at most half a step, scale / 2, for every weight
inside the range. The exercise does the same on signed integers, -128..127.

The example prints the error bound and the weights' size, the accuracy before and after, one
scale per class against one for the whole matrix, and three mistakes: truncating instead of
rounding, forgetting the clip, and a symmetric range on values that are all positive.

Run: python docs/examples/11_optimization/quantize_uint8.py
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

LEVELS = 255  # the largest uint8 value: 256 levels, 0..255


def affine_params(lo: float, hi: float) -> tuple[float, int]:
    """Scale and zero point mapping [lo, hi] (widened to hold 0.0) onto 0..255."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    step = (hi - lo) / LEVELS if hi > lo else 1.0  # a constant 0 tensor: any step will do
    zero = int(np.clip(round(-lo / step), 0, LEVELS))
    return step, zero


def to_uint8(w: np.ndarray, step: float, zero: int) -> np.ndarray:
    levels = np.rint(w / step) + zero  # np.rint: to the nearest, ties to even
    return np.clip(levels, 0, LEVELS).astype(np.uint8)


def from_uint8(q: np.ndarray, step, zero) -> np.ndarray:
    return (np.asarray(q, dtype=np.float64) - zero) * step


def main() -> None:
    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # pixel intensities in [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)
    model = LogisticRegression(max_iter=2000).fit(X_train, y_train)
    W = model.coef_

    step, zero = affine_params(W.min(), W.max())
    q = to_uint8(W, step, zero)
    back = from_uint8(q, step, zero)
    error = np.abs(W - back).max()
    print(f"weights {W.shape}, range [{W.min():.3f}, {W.max():.3f}]")
    print(f"scale {step:.5f}, zero_point {zero}; 0.0 comes back as {from_uint8(zero, step, zero)}")
    print(f"largest error {error:.5f} <= scale / 2 = {step / 2:.5f}: {error <= step / 2 + 1e-12}")
    print(f"weights: {W.nbytes:,} bytes as float64, {q.nbytes:,} as uint8 (+ a scale and a zero)")

    quantized = copy.deepcopy(model)  # the same model with the dequantized weights
    quantized.coef_ = back
    quantized.intercept_ = model.intercept_  # intercepts stay float: 10 numbers
    p_float, p_quant = model.predict_proba(X_test), quantized.predict_proba(X_test)
    agree = (p_float.argmax(1) == p_quant.argmax(1)).mean()
    print(
        f"test accuracy: float {model.score(X_test, y_test):.4f}, "
        f"uint8 {quantized.score(X_test, y_test):.4f}; same class for {agree:.2%} of the images"
    )
    print(f"largest change of a probability: {np.abs(p_float - p_quant).max():.4f}")

    # One scale and zero point per output row (per class): each row's own range, finer steps.
    rows = [affine_params(r.min(), r.max()) for r in W]
    back_rows = np.vstack(
        [from_uint8(to_uint8(r, s, z), s, z) for r, (s, z) in zip(W, rows, strict=True)]
    )
    print(
        f"mean error: one scale for the matrix {np.abs(W - back).mean():.5f}, "
        f"one per class {np.abs(W - back_rows).mean():.5f} (10 scales and zero points)"
    )

    # Mistake 1: astype truncates toward zero, so the error reaches a whole step, not half.
    truncated = np.clip((W / step).astype(np.int64) + zero, 0, LEVELS)
    worst = np.abs(W - from_uint8(truncated, step, zero)).max()
    print(f"truncated with astype: largest error {worst:.5f}")

    # Mistake 2: no clip. A value past the range wraps around in uint8: 256 becomes 0.
    outlier = np.array([W.max() + 2 * step])  # a weight a little larger than those calibrated on
    wrapped = (np.rint(outlier / step) + zero).astype(np.int64).astype(np.uint8)
    print(
        f"a weight of {outlier[0]:.3f} without the clip: level {int(wrapped[0])}, "
        f"back as {from_uint8(wrapped, step, zero)[0]:.3f}; clipped: "
        f"{from_uint8(to_uint8(outlier, step, zero), step, zero)[0]:.3f}"
    )

    # Mistake 3: a symmetric range [-m, m] for inputs that are all >= 0 wastes half the levels.
    pixels = X_test
    s_sym = np.abs(pixels).max() / 127  # symmetric int8: q = round(x / s), q in [-127, 127]
    sym_error = np.abs(pixels - np.rint(pixels / s_sym) * s_sym).max()
    s_aff, z_aff = affine_params(pixels.min(), pixels.max())
    aff_error = np.abs(pixels - from_uint8(to_uint8(pixels, s_aff, z_aff), s_aff, z_aff)).max()
    print(
        f"pixels in [0, 1]: symmetric step {s_sym:.5f}, largest error {sym_error:.5f}; "
        f"affine step {s_aff:.5f}, largest error {aff_error:.5f}"
    )


if __name__ == "__main__":
    main()
