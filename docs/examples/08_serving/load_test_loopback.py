"""Worked example: a small load test of the fraud service, `/predict` against a bare endpoint.

The service runs in a process of its own on 127.0.0.1 (`local_server.serve_fraud_service`).
`CONCURRENCY` asyncio tasks share one `httpx.AsyncClient`; each sends a request as soon as its
previous one is answered (a *closed loop*: the load adapts to the server's speed). Each route
is loaded for one second after a short warm-up, and the latencies of the answers give the
percentiles.

- `POST /bare` takes the same body and returns a constant: HTTP, uvicorn and FastAPI, no model;
- `POST /predict` validates the body, builds a one-row DataFrame and calls `predict_proba`;
- `POST /predict/batch` does the same for 100 transactions at once.

Exercise 04 writes the load generator properly (bounded by a count and a time, errors counted by
kind, loopback only); `bench/bench_serving.py` measures the service on an idle machine. The
numbers here are this run's, on a machine the test suite may share.

Run: python docs/examples/08_serving/load_test_loopback.py
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from local_server import ONE, serve_fraud_service

CONCURRENCY = 8
SECONDS = 1.0  # of load per route, after 0.2 s unmeasured


def bodies(n: int) -> list[dict]:
    """n transactions like `ONE`, with their own ids and amounts."""
    return [
        {**ONE, "transaction_id": i, "amount": round(5.0 + (i * 37) % 900, 2)} for i in range(n)
    ]


async def closed_loop(url: str, payloads: list[dict], seconds: float) -> tuple[list[float], float]:
    """Latencies of the requests `CONCURRENCY` workers send for `seconds`, and the time taken."""
    latencies: list[float] = []
    numbers = itertools.count()  # the i-th request sent takes payloads[i % len(payloads)]
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        start = time.perf_counter()

        async def worker() -> None:
            while time.perf_counter() - start < seconds:
                sent = time.perf_counter()
                body = payloads[next(numbers) % len(payloads)]
                response = await client.post(url, json=body)
                response.raise_for_status()
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return latencies, time.perf_counter() - start


def measure(url: str, payloads: list[dict]) -> dict:
    asyncio.run(closed_loop(url, payloads, 0.2))  # warm-up: connections, caches
    latencies, seconds = asyncio.run(closed_loop(url, payloads, SECONDS))
    p50, p95, p99 = np.percentile(np.array(latencies) * 1000, [50, 95, 99])
    return {"rps": len(latencies) / seconds, "p50": p50, "p95": p95, "p99": p99}


def main() -> None:
    singles = bodies(500)
    batches = [{"transactions": singles[k : k + 100]} for k in range(0, 500, 100)]
    with tempfile.TemporaryDirectory() as folder, serve_fraud_service(Path(folder)) as url:
        results = {
            "/bare": measure(f"{url}/bare", singles),
            "/predict": measure(f"{url}/predict", singles),
            "/predict/batch of 100": measure(f"{url}/predict/batch", batches),
        }
    print(f"{CONCURRENCY} concurrent clients, all answers 2xx (this run):")
    print("| route | requests/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for route, r in results.items():
        print(f"| {route} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} |")
    bare, predict = results["/bare"], results["/predict"]
    batch = results["/predict/batch of 100"]
    print(
        f"/predict: {predict['rps'] / bare['rps']:.2f}x the bare throughput, "
        f"p50 {predict['p50'] / bare['p50']:.2f}x; batches of 100: "
        f"{batch['rps'] * 100:,.0f} transactions/s (this run)"
    )


if __name__ == "__main__":
    main()
