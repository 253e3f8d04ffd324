"""Worked example: Little's law, why a server is never planned at 100 %, what a prediction costs.

1. A simulated queue: requests arrive at random (a Poisson process) at one worker that serves
   them one at a time, first come first served, each taking a random time (exponential, mean
   1 ms). The waits follow from Lindley's recursion, vectorised:
   wait[n] = max(0, wait[n-1] + service[n-1] - gap[n]). Little's law says that the average
   number of requests in the system L equals the arrival rate times the average time each
   spends in it (L = lambda * W); the example counts L at random instants and compares.
2. The same queue at utilisations from 50 % to 95 %: the median and the 99th percentile of the
   time in the system, in multiples of the service time.
3. A day of traffic: the data world's payments per hour of the day (the medium world),
   scaled to 50 million payments a day, and the CPU that one request costs: the service's own
   cost (lesson 08's benchmark: server CPU per request of the bare route, from
   bench/results/serving.json) plus the model's, for three model costs per row. The plan: vCPUs
   busy at the peak hour, instances of 2 vCPUs at 60 % utilisation, and the cost of a million
   predictions at an assumed price of 0.10 per instance-hour, against a batch job that pays only
   for the CPU it uses.

Everything here is computed from seeded draws, the data world and a results file: the same
numbers on every run.

Run: python docs/examples/11_optimization/capacity.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

import coursedata

SERVING = Path(__file__).resolve().parents[3] / "bench" / "results" / "serving.json"
SERVICE_MS = 1.0  # mean service time of the simulated worker


def simulate(utilisation: float, n: int = 200_000, seed: int = 0) -> dict[str, np.ndarray]:
    """Arrival times and times in the system of n requests at one worker, busy `utilisation`
    of the time (arrival rate = utilisation / service time)."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(SERVICE_MS / utilisation, n)
    service = rng.exponential(SERVICE_MS, n)
    steps = np.concatenate([[0.0], np.cumsum(service[:-1] - gaps[1:])])
    wait = steps - np.minimum.accumulate(steps)  # Lindley's recursion, all at once
    arrival = np.cumsum(gaps)
    return {"arrival": arrival, "in_system": wait + service}


def littles_law(run: dict[str, np.ndarray]) -> tuple[float, float]:
    """L counted at 20,000 random instants, and lambda * W from the requests' own times."""
    arrival, leave = run["arrival"], run["arrival"] + run["in_system"]
    rng = np.random.default_rng(1)
    instants = rng.uniform(arrival[1000], arrival[-1000], 20_000)  # away from both ends
    departed = np.sort(leave)
    inside = np.searchsorted(arrival, instants) - np.searchsorted(departed, instants)
    rate = (len(arrival) - 1) / (arrival[-1] - arrival[0])
    return float(inside.mean()), float(rate * run["in_system"].mean())


def main() -> None:
    run = simulate(0.8)
    counted, predicted = littles_law(run)
    print(f"one worker at 80 % busy: L counted {counted:.2f}, lambda x W {predicted:.2f}")

    print("| busy | median time in system | p99 time in system | p99, theory |")
    print("|---:|---:|---:|---:|")
    for u in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        times = simulate(u)["in_system"][10_000:] / SERVICE_MS  # skip the empty start
        theory = math.log(100) / (1 - u)  # M/M/1: time in system ~ exponential(1 - u)
        print(
            f"| {u:.0%} | {np.median(times):.1f}x | {np.percentile(times, 99):.1f}x "
            f"| {theory:.1f}x |"
        )

    payments = coursedata.sample("medium").transactions
    hourly = payments["timestamp"].dt.hour.value_counts(normalize=True).sort_index()
    per_day = 50_000_000
    rps = hourly * per_day / 3600  # requests per second in each hour of the day
    peak, mean = rps.max(), rps.mean()
    print(
        f"{per_day:,} payments a day: mean {mean:.1f} requests/s, peak {peak:.1f} at "
        f"{rps.idxmax():02d}:00 UTC ({peak / mean:.2f}x the mean), quietest {rps.min():.1f}"
    )

    bare = json.loads(SERVING.read_text(encoding="utf-8"))["routes"]
    service_ms = next(
        r["server_cpu_ms"] for r in bare if r["route"] == "/bare" and r["concurrency"] == 8
    )
    vcpus, busy, price = 2, 0.6, 0.10  # an instance type, the target utilisation, a price
    print(f"service CPU per request without a model: {service_ms} ms (lesson 08's benchmark)")
    print(
        "| model CPU per row | CPU per request | vCPUs busy at peak | instances | per million "
        "| batch, per million | break-even rows a day |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for model_ms in (0.01, 1.0, 10.0):
        cpu_ms = service_ms + model_ms
        cores = peak * cpu_ms / 1000
        instances = max(1, math.ceil(cores / (vcpus * busy)))
        per_million = instances * price / (mean * 3600) * 1e6
        batch = price / vcpus / 3600 * (model_ms / 1000) * 1e6  # no HTTP: the model's CPU only
        break_even = instances * price * 24 / (batch / 1e6)  # what the fleet's day buys in batch
        print(
            f"| {model_ms} ms | {cpu_ms:.2f} ms | {cores:.2f} | {instances} "
            f"| {per_million:.4f} | {batch:.4f} | {break_even:,.0f} |"
        )


if __name__ == "__main__":
    main()
