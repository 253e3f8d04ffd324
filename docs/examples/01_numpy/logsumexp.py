"""Worked example: numerical stability, on log-sum-exp.

log(sum(exp(z))) appears in every log-likelihood of a classifier. Computed as written, exp(z)
overflows to inf for z above ~709 and underflows to 0 (log: -inf) below ~-745. Shifting by the
maximum m first gives the same number, m + log(sum(exp(z - m))), and never overflows.

Run: python docs/examples/01_numpy/logsumexp.py
"""

import numpy as np


def logsumexp_naive(z: np.ndarray) -> float:
    with np.errstate(over="ignore", divide="ignore"):  # we want to *see* the inf, not a warning
        return float(np.log(np.exp(z).sum()))


def logsumexp(z: np.ndarray) -> float:
    """Stable log(sum(exp(z))) of a 1-D array: the largest term becomes exp(0) = 1."""
    m = z.max()
    return float(m + np.log(np.exp(z - m).sum()))


def main() -> None:
    print("largest float64:", np.finfo(np.float64).max)
    print("its log, the largest safe exponent:", np.log(np.finfo(np.float64).max))

    for z in (np.array([1.0, 2.0, 3.0]), np.array([1000.0, 1001.0]), np.array([-1000.0, -1001.0])):
        print(f"z = {z}: naive {logsumexp_naive(z):.4f}, stable {logsumexp(z):.4f}")

    # Why the shift is exact: log(sum(exp(z))) = m + log(sum(exp(z - m))) for any constant m.
    z = np.array([0.5, -1.0, 2.0])
    print("shift changes nothing:", np.isclose(logsumexp(z), logsumexp(z + 100.0) - 100.0))


if __name__ == "__main__":
    main()
