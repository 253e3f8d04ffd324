"""Worked example: CPU work in an `async def` endpoint stops every other request.

uvicorn runs a FastAPI app on one event loop, in one thread. An `async def` endpoint runs *on*
that loop: until it reaches an `await`, nothing else happens, not even `/health`. A plain `def`
endpoint is run by FastAPI in a worker thread, and so is a function handed to
`run_in_threadpool` (or `anyio.to_thread.run_sync`): the loop stays free to answer other requests.

The app below has three routes that do the same 0.6 s of CPU work (a busy loop standing in for a
slow model) and a `/health` route. For each, a thread sends one slow request, and meanwhile the
example asks `/health` every 50 ms and times the answers.

Run: python docs/examples/08_serving/event_loop.py
"""

from __future__ import annotations

import threading
import time

import httpx
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from local_server import serve_in_thread

WORK_S = 0.6  # seconds of CPU work per slow request


def cpu_work(seconds: float = WORK_S) -> float:
    """Burn the CPU for `seconds` (a model's predict would do something useful instead)."""
    end = time.perf_counter() + seconds
    spins = 0
    while time.perf_counter() < end:
        spins += 1
    return spins


app = FastAPI()


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.post("/score-async")
async def score_async() -> dict:
    return {"spins": cpu_work()}  # on the event loop: every other request waits


@app.post("/score-sync")
def score_sync() -> dict:
    return {"spins": cpu_work()}  # a plain def: FastAPI runs it in a worker thread


@app.post("/score-threadpool")
async def score_threadpool() -> dict:
    return {"spins": await run_in_threadpool(cpu_work)}  # async, the work sent to a thread


def health_latencies(url: str, route: str) -> list[float]:
    """Seconds /health took, asked every 50 ms while one request to `route` runs."""
    slow = threading.Thread(target=lambda: httpx.post(url + route, timeout=10))
    latencies = []
    with httpx.Client(base_url=url, timeout=10) as client:
        client.get("/health")  # open the connection first
        slow.start()
        time.sleep(0.02)  # let the slow request reach the server
        while slow.is_alive():
            sent = time.perf_counter()
            client.get("/health")
            latencies.append(time.perf_counter() - sent)
            time.sleep(0.05)
    slow.join()
    return latencies


def main() -> None:
    with serve_in_thread(app) as url, httpx.Client(base_url=url) as client:
        client.get("/health")
        idle = []
        for _ in range(20):
            sent = time.perf_counter()
            client.get("/health")
            idle.append(time.perf_counter() - sent)
        print(f"/health with nothing else running: {sorted(idle)[10] * 1000:.1f} ms (this run)")
        for route in ("/score-async", "/score-sync", "/score-threadpool"):
            waits = health_latencies(url, route)
            blocked = max(waits) > WORK_S / 2
            print(
                f"{route}: /health blocked by the slow request: {blocked} "
                f"(slowest of {len(waits)} answers {max(waits) * 1000:.0f} ms, this run)"
            )


if __name__ == "__main__":
    main()
