"""Worked example: what each floating-point type holds, and where exp(z) stops working.

np.finfo(dtype) describes a float type: its largest value, its smallest, and eps, the gap between
1 and the next number it can store (the relative size of one rounding step). exp(z) overflows to
inf above log(largest) and underflows to 0 below log(smallest / 2). The limits that matter for
logits are far apart: float64 (NumPy's default) is safe to about 709, float32 (how most networks
train and serve) to about 88, float16 (mixed precision, quantised models) only to about 11.
Shifting by the maximum first, as log-sum-exp does, protects every type alike.

Run: python docs/examples/01_numpy/dtype_limits.py
"""

import numpy as np

DTYPES = (np.float64, np.float32, np.float16)


def exp_limits(dtype: type[np.floating]) -> tuple[float, float]:
    """(below, above): exp(z) computed in `dtype` is 0 for z below `below`, inf above `above`."""
    info = np.finfo(dtype)
    above = np.log(float(info.max))
    below = np.log(float(info.smallest_subnormal)) - np.log(2.0)  # rounds down to 0 past half
    return float(below), float(above)


def logsumexp_naive(z: np.ndarray) -> np.floating:
    with np.errstate(over="ignore", divide="ignore"):  # we want to *see* the inf
        return np.log(np.exp(z).sum())


def logsumexp_shifted(z: np.ndarray) -> np.floating:
    """log(sum(exp(z))) of a 1-D array, in z's own dtype: the largest term is exp(0) = 1."""
    m = z.max()
    return m + np.log(np.exp(z - m).sum())


def main() -> None:
    # 1. The limits of each type, and a check that exp really fails just past them.
    confirmed = []
    for dtype in DTYPES:
        info = np.finfo(dtype)
        below, above = exp_limits(dtype)
        print(
            f"{info.dtype.name}: largest {float(info.max):.6g}, eps {float(info.eps):.3g}, "
            f"exp(z) is inf above z = {above:.2f} and 0 below z = {below:.2f}"
        )
        with np.errstate(over="ignore", under="ignore"):
            e = np.exp(np.array([above - 0.02, above + 0.02, below + 0.02, below - 0.02], dtype))
        confirmed.append(np.isfinite(e[0]) and np.isinf(e[1]) and e[2] > 0 and e[3] == 0)
    print("each limit confirmed just inside and just outside:", all(confirmed))

    # 2. Logits that are ordinary somewhere: a confident classifier's scores, and a contrastive
    # model's cosine similarities (0.95, 0.30, -0.10) times its logit scale of 100.
    confident = [12.0, 0.5, -3.0]
    contrastive = [95.0, 30.0, -10.0]
    for dtype in DTYPES:
        for z in (confident, contrastive):
            z = np.array(z, dtype=dtype)
            print(
                f"{np.dtype(dtype).name} log-sum-exp of {z.tolist()}: "
                f"naive {float(logsumexp_naive(z)):.4f}, shifted {float(logsumexp_shifted(z)):.4f}"
            )

    # 3. Underflow: a log-probability of -20 is fine as a log, and lost through exp in float16.
    with np.errstate(under="ignore", divide="ignore"):
        lost = np.log(np.exp(np.float16(-20.0)))
    print(f"float16: exp(-20) = {float(np.exp(np.float16(-20.0)))}, so log(exp(-20)) = {lost}")

    # 4. eps is also why a computed statistic is rarely exactly what algebra says: the mean of
    # equal numbers can round, so the std of a constant column comes out a little above 0.
    eps = np.finfo(np.float64).eps
    for value in (0.1, 1e6 + 0.1):
        column = np.full(30, value)
        bound = len(column) * eps * abs(column.mean())
        print(
            f"thirty copies of {value}: std {column.std():.2g} (not 0), "
            f"n * eps * |mean| = {bound:.2g}"
        )
    tiny = np.random.default_rng(0).normal(0.0, 1e-9, 30)  # real spread, on a tiny scale
    print(
        f"thirty draws around 0: std {tiny.std():.2g}, "
        f"n * eps * |mean| = {len(tiny) * eps * abs(tiny.mean()):.2g}"
    )


if __name__ == "__main__":
    main()
