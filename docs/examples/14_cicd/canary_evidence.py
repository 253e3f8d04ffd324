"""Worked example: how much canary traffic before a decision?

A new model version takes 5 % of traffic. The old one fails 0.5 % of requests. After ten
requests, one of the canary's has failed: 10 %, twenty times the baseline. Is it broken? Ten
requests cannot say: a version exactly as good as the old one shows at least one error in ten
requests about one time in twenty. This example puts numbers on it with the one-sided
two-proportion z-test (the test the exercise fixes), then asks the question a rollout plan needs
answered in advance: how many canary requests does it take to notice a version that doubles the
error ratio, most of the time (power 80 %), without crying wolf more than 5 % of the time?

Run: python docs/examples/14_cicd/canary_evidence.py   (well under a second)
"""

from __future__ import annotations

import math
from statistics import NormalDist

BASELINE_ERRORS, BASELINE_REQUESTS = 500, 100_000  # 0.5 % over the last hour
ALPHA, POWER = 0.05, 0.80


def z_worse(errors: int, requests: int, base_errors: int, base_requests: int) -> float:
    """One-sided z of 'the canary's error ratio is higher', with the pooled ratio's error."""
    p1, p0 = errors / requests, base_errors / base_requests
    pooled = (errors + base_errors) / (requests + base_requests)
    se = math.sqrt(pooled * (1 - pooled) * (1 / requests + 1 / base_requests))
    return (p1 - p0) / se


def p_at_least_one(ratio: float, requests: int) -> float:
    return 1 - (1 - ratio) ** requests


def requests_needed(p0: float, p1: float, alpha: float, power: float) -> int:
    """Canary requests to detect p1 > p0 (baseline known well), one-sided, normal approximation."""
    z_a, z_b = NormalDist().inv_cdf(1 - alpha), NormalDist().inv_cdf(power)
    n = ((z_a * math.sqrt(p0 * (1 - p0)) + z_b * math.sqrt(p1 * (1 - p1))) / (p1 - p0)) ** 2
    return math.ceil(n)


def main() -> None:
    p0 = BASELINE_ERRORS / BASELINE_REQUESTS
    critical = NormalDist().inv_cdf(1 - ALPHA)
    print(
        f"baseline: {p0:.1%} errors; roll back when z > {critical:.3f} (one-sided, alpha {ALPHA})"
    )
    z = z_worse(1, 10, BASELINE_ERRORS, BASELINE_REQUESTS)
    normal_p = 1 - NormalDist().cdf(z)
    print(f"1 error in 10 canary requests: z = {z:.2f}, normal-approximation p = {normal_p:.6f}")
    print(
        f"  but a canary exactly as good as the baseline shows >= 1 error in 10 requests "
        f"{p_at_least_one(p0, 10):.1%} of the time (exact binomial): the approximation fails "
        "when fewer than ~5 errors are expected"
    )
    for errors, requests in [(3, 300), (9, 1_000), (30, 3_000), (45, 3_000)]:
        z = z_worse(errors, requests, BASELINE_ERRORS, BASELINE_REQUESTS)
        verdict = "rollback" if z > critical else "no evidence yet"
        print(
            f"{errors:>3} errors in {requests:>5,} requests ({errors / requests:.2%}): "
            f"z = {z:5.2f} -> {verdict}"
        )
    for p1 in (0.010, 0.0075, 0.006):
        n = requests_needed(p0, p1, ALPHA, POWER)
        print(f"to catch {p0:.1%} -> {p1:.2%} with power {POWER:.0%}: {n:,} canary requests")


if __name__ == "__main__":
    main()
