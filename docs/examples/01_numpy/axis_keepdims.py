"""Worked example: `axis` and `keepdims`, on turning counts into per-row shares.

`axis=k` reduces dimension k away. `keepdims=True` keeps it with length 1, so the result lines up
with the array it came from. Without it, a square matrix broadcasts the wrong way, silently.

Run: python docs/examples/01_numpy/axis_keepdims.py
"""

import numpy as np


def row_shares(counts: np.ndarray) -> np.ndarray:
    """Divide each row by its own total, so every row sums to 1 (any number of dimensions)."""
    totals = counts.sum(axis=-1, keepdims=True)  # (..., 1): lines up with counts
    return counts / totals


def main() -> None:
    # Purchases per user (rows) and category (columns).
    counts = np.array([[2.0, 6.0, 2.0], [1.0, 1.0, 3.0], [4.0, 0.0, 4.0]])
    print("sum over axis=0 (one per column):", counts.sum(axis=0))
    print("sum over axis=1 (one per row):   ", counts.sum(axis=1))
    print("shape with keepdims=True:", counts.sum(axis=1, keepdims=True).shape)

    shares = row_shares(counts)
    print("row shares:\n", shares)
    print("each row sums to 1:", np.allclose(shares.sum(axis=1), 1.0))

    # The bug keepdims prevents: totals of shape (3,) broadcast as a *row*, so entry [i, j] is
    # divided by the total of row j, not row i. No error, because the matrix happens to be square.
    wrong = counts / counts.sum(axis=1)
    print("without keepdims, rows sum to:", wrong.sum(axis=1).round(3), "(not all 1)")

    # The same function works on a batch of matrices: axis=-1 is always the last dimension.
    batch = np.stack([counts, 2 * counts])  # (2, 3, 3)
    print(
        "batch of shape",
        batch.shape,
        "-> rows sum to 1:",
        np.allclose(row_shares(batch).sum(-1), 1),
    )


if __name__ == "__main__":
    main()
