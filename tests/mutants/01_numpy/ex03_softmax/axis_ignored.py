# MUTANT: Softmax always reduces over the last axis, whatever axis it is given.
"""Exercise 03 · A numerically stable softmax and log-softmax.

Docs: docs/lessons/01-numpy.md#ex03-softmax (the site: `mkdocs serve`, then Lesson 01)

Write `softmax(z, axis=-1)` and `log_softmax(z, axis=-1)`.

Contract:
- `softmax(z, axis)` is `exp(z) / sum(exp(z))` along `axis`; every slice along `axis` sums to 1.
- `log_softmax(z, axis)` is `z - log(sum(exp(z)))` along `axis`.
- Numerically stable: subtract the maximum along `axis` first. Inputs of +1000 or -1000 give
  finite results, and `log_softmax([0, -1000])` is `[0, -1000]` (not `-inf`).
- Any `axis` works, for arrays of any number of dimensions, and the output has z's shape.
- Computing `log(softmax(z))` is not acceptable: it underflows to `-inf`.
"""

import numpy as np


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
