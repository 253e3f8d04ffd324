"""Worked example: retries with exponential backoff and full jitter, on a server that fails on
a schedule; a 4xx never retried; a timeout that holds; scores matched by id.

`httpx.MockTransport` plays the server: a function that gets each request and returns the next
answer of a list (or raises, as a dropped connection does). No network, no waiting: the retry
loop takes a `sleep` function, and the example passes one that records the waits.

The client here fetches one resource with `GET`; exercise 03 posts batches of transactions with
the same rules.

Run: python docs/examples/08_serving/retries.py
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from local_server import serve_in_thread

RETRYABLE = (500, 502, 503, 504)


def full_jitter(attempt: int, rng: random.Random, base: float = 0.1, cap: float = 2.0) -> float:
    """The wait before retry `attempt` (1, 2, ...): uniform in [0, min(cap, base 2^(k-1))]."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return rng.uniform(0.0, ceiling)


def retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None  # absent, or an HTTP date: not handled here


def get_with_retries(
    client: httpx.Client,
    url: str,
    *,
    attempts: int,
    rng: random.Random,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = print,
) -> httpx.Response:
    for attempt in range(1, attempts + 1):
        try:
            response = client.get(url, timeout=2.0)
        except httpx.TransportError as exc:
            outcome, wait = type(exc).__name__, None
        else:
            if response.status_code not in RETRYABLE:
                done = "done" if response.is_success else "not retried"
                log(f"  attempt {attempt}: {response.status_code}, {done}")
                return response  # a success, or a 4xx that the same request cannot fix
            outcome, wait = str(response.status_code), retry_after(response)
        if attempt == attempts:
            log(f"  attempt {attempt}: {outcome}, giving up")
            raise RuntimeError(f"GET {url}: {outcome} after {attempts} attempts")
        how = "Retry-After" if wait is not None else "full jitter"
        wait = full_jitter(attempt, rng) if wait is None else wait
        log(f"  attempt {attempt}: {outcome}, wait {wait:.3f} s ({how})")
        sleep(wait)
    raise AssertionError("unreachable")


def scripted(answers: list) -> httpx.MockTransport:
    """A transport that answers each request with the next of `answers`: a status code, a
    (status, headers) pair, or an exception class to raise."""
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        answer = queue.pop(0)
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("scripted failure", request=request)
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        return httpx.Response(status, headers=headers, json={"status": status})

    return httpx.MockTransport(handle)


def herd(clients: int, retries: int, jitter: bool, seed: int = 0) -> list[float]:
    """The times (s) at which `clients` that all failed at t=0 send their retries."""
    rng = random.Random(seed)
    times = []
    for _ in range(clients):
        t = 0.0
        for attempt in range(1, retries + 1):
            t += full_jitter(attempt, rng) if jitter else min(2.0, 0.1 * 2 ** (attempt - 1))
            times.append(t)
    return times


def busiest_10ms(times: list[float]) -> int:
    buckets: dict[int, int] = {}
    for t in times:
        buckets[int(t * 100)] = buckets.get(int(t * 100), 0) + 1
    return max(buckets.values())


slow = FastAPI()


@slow.get("/")
async def late() -> str:
    await asyncio.sleep(1.0)  # a server that takes 1 s to answer
    return "late"


def main() -> None:
    waits: list[float] = []
    print("1. a server that fails three times, then answers:")
    schedule = [httpx.ConnectError, 503, (503, {"Retry-After": "0.25"}), 200]
    with httpx.Client(transport=scripted(schedule)) as client:
        get_with_retries(
            client, "http://scoring.test/x", attempts=5, rng=random.Random(7), sleep=waits.append
        )
    print(f"  waited {sum(waits):.3f} s in all")

    print("2. a 422: the request is wrong, and sending it again changes nothing:")
    with httpx.Client(transport=scripted([422, 200])) as client:
        get_with_retries(client, "http://scoring.test/x", attempts=5, rng=random.Random(7))

    print("3. a server that keeps failing:")
    with httpx.Client(transport=scripted([503] * 3)) as client:
        try:
            get_with_retries(
                client,
                "http://scoring.test/x",
                attempts=3,
                rng=random.Random(7),
                sleep=waits.append,
            )
        except RuntimeError as exc:
            print(f"  raised: {exc}")

    print("4. 1,000 clients fail together at t=0 and retry 4 times each:")
    for jitter in (False, True):
        times = herd(1000, 4, jitter)
        name = "full jitter" if jitter else "no jitter"
        print(f"  {name}: at most {busiest_10ms(times):,} retries in the same 10 ms")

    print("5. a timeout: the server takes 1 s to answer")
    with serve_in_thread(slow) as url, httpx.Client() as client:
        print(f"  httpx's default: {client.timeout}")
        sent = time.perf_counter()
        try:
            client.get(url, timeout=0.2)
        except httpx.ReadTimeout:
            took = time.perf_counter() - sent
            print(f"  timeout=0.2: ReadTimeout after {took:.2f} s (this run)")

    print("6. an answer that lists the scores in another order:")
    rows = [{"transaction_id": i} for i in (11, 12, 13, 14)]
    answer = {"scores": [{"transaction_id": i, "score": i / 100} for i in (14, 13, 12, 11)]}
    by_position = [item["score"] for item in answer["scores"]]
    by_id = {item["transaction_id"]: item["score"] for item in answer["scores"]}
    wrong = sum(s != r["transaction_id"] / 100 for s, r in zip(by_position, rows, strict=True))
    print(f"  matched by position: {wrong} of 4 scores on the wrong row")
    wrong = sum(by_id[r["transaction_id"]] != r["transaction_id"] / 100 for r in rows)
    print(f"  matched by transaction_id: {wrong} of 4")


if __name__ == "__main__":
    main()
