"""Worked example: latency quantiles from a histogram, and why an average hides the slow tail.

Simulated request latencies (seeded): most requests take a few milliseconds, 3 % take a slow
path (a cache miss) of about 100 ms. The example compares the mean with the true quantiles,
then estimates the quantiles the way Prometheus's `histogram_quantile` does, from nothing but
cumulative bucket counts, with two sets of bucket edges. Last, two instances of one service:
the p99 of the whole service comes from their summed buckets, never from averaging their p99s.

Run: python docs/examples/10_monitoring/latency_quantiles.py
"""

from __future__ import annotations

import numpy as np

# Edges chosen for this service: dense where its requests are (1-50 ms), the 50 ms objective
# exactly on an edge, a few wide buckets above it for the slow path and for timeouts.
CHOSEN = (0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0)
# prometheus_client's default edges, made for "a web request": 5 ms up to 10 s.
DEFAULT = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
OBJECTIVE = 0.05  # seconds: "99 % of requests within 50 ms"


def latencies(n: int, slow_share: float, seed: int) -> np.ndarray:
    """Seconds: a fast path around 6 ms and a slow path around 100 ms."""
    rng = np.random.default_rng(seed)
    fast = rng.lognormal(mean=np.log(0.006), sigma=0.35, size=n)
    slow = rng.lognormal(mean=np.log(0.1), sigma=0.3, size=n)
    return np.where(rng.random(n) < slow_share, slow, fast)


def cumulative_buckets(values: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """What a Prometheus histogram exports: count of values <= each edge, then +Inf."""
    upper = np.append(np.asarray(edges), np.inf)
    return np.searchsorted(np.sort(values), upper, side="right").astype(float)


def histogram_quantile(q: float, edges: tuple[float, ...], counts: np.ndarray) -> float:
    """Prometheus's estimate: find the bucket holding rank q * total, interpolate linearly
    inside it (from 0 for the first bucket); in the +Inf bucket, the highest finite edge."""
    upper = np.append(np.asarray(edges), np.inf)
    rank = q * counts[-1]
    b = int(np.searchsorted(counts, rank, side="left"))
    if b == len(upper) - 1:
        return float(upper[-2])
    lower_edge = 0.0 if b == 0 else upper[b - 1]
    below = 0.0 if b == 0 else counts[b - 1]
    in_bucket = counts[b] - below
    return float(lower_edge + (upper[b] - lower_edge) * (rank - below) / in_bucket)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    values = latencies(100_000, slow_share=0.03, seed=0)
    print(f"{len(values):,} requests, 3% on the slow path")
    print(
        f"mean {ms(values.mean())}; true p50 {ms(np.quantile(values, 0.5))}, "
        f"p95 {ms(np.quantile(values, 0.95))}, p99 {ms(np.quantile(values, 0.99))}"
    )
    within = (values <= OBJECTIVE).mean()
    print(f"share within the 50 ms objective: {within:.2%}")

    print("| quantile | true | chosen edges | default edges |")
    print("|---|---:|---:|---:|")
    chosen = cumulative_buckets(values, CHOSEN)
    default = cumulative_buckets(values, DEFAULT)
    for q in (0.5, 0.9, 0.95, 0.99):
        print(
            f"| p{round(q * 100)} | {ms(np.quantile(values, q))} | "
            f"{ms(histogram_quantile(q, CHOSEN, chosen))} | "
            f"{ms(histogram_quantile(q, DEFAULT, default))} |"
        )
    at_edge = chosen[CHOSEN.index(OBJECTIVE)] / chosen[-1]
    print(f'within 50 ms read off the le="0.05" bucket: {at_edge:.2%} (exact: an edge)')

    # Two instances behind one load balancer: one healthy, one with a cold cache.
    a = latencies(50_000, slow_share=0.005, seed=1)
    b = latencies(50_000, slow_share=0.08, seed=2)
    p99_a = histogram_quantile(0.99, CHOSEN, cumulative_buckets(a, CHOSEN))
    p99_b = histogram_quantile(0.99, CHOSEN, cumulative_buckets(b, CHOSEN))
    summed = cumulative_buckets(a, CHOSEN) + cumulative_buckets(b, CHOSEN)
    print(f"two instances: p99 {ms(p99_a)} and {ms(p99_b)}")
    print(f"  average of the two p99s: {ms((p99_a + p99_b) / 2)}")
    print(f"  p99 of the summed buckets: {ms(histogram_quantile(0.99, CHOSEN, summed))}")
    print(f"  true p99 of all requests: {ms(np.quantile(np.concatenate([a, b]), 0.99))}")


if __name__ == "__main__":
    main()
