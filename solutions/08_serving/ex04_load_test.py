"""Exercise 04 · A load test on loopback.

Docs: docs/lessons/08-serving.md#ex04-load-test (the site: `mkdocs serve`, then Lesson 08)

How many predictions a second does the service answer, and how long does a request wait, at the
median and in the slow tail? One request timed in a loop measures neither: a service is loaded by
many clients at once. A small load generator answers it: `concurrency` workers, each sending one
request after another, for a bounded number of requests and a bounded time, against a server on
this machine (a load test aimed at somebody else's host is an attack, so it refuses any other).

Write `load_test(base_url, bodies, *, concurrency, duration_s, max_requests, path="/predict",
client=None) -> dict`:

- Refuse, with ValueError before anything is sent, a `base_url` that is not `http://` or
  `https://` on a loopback host: `localhost`, `127.0.0.1` (or another address of 127.0.0.0/8) or
  `::1` (written `[::1]` in a URL). Read the host the way an HTTP client does (`httpx.URL(
  base_url).host`): in `http://localhost@example.com` the host is `example.com`.
- ValueError too when `bodies` is empty, `concurrency` or `max_requests` is not an int >= 1, or
  `duration_s` is not a finite number > 0.
- Each request is `POST {base_url}{path}` (`base_url` without its trailing `/`) with a JSON body:
  the i-th request started (counting from 0, across all workers) sends `bodies[i % len(bodies)]`.
- Run exactly `concurrency` workers (asyncio tasks on one `httpx.AsyncClient`, in an event loop of
  your own: `asyncio.run`), each sending its next request as soon as its previous one is
  answered, so that `concurrency` requests are in flight at once (not one, and never more).
- Stop starting requests once `max_requests` requests have been started, or once `duration_s`
  seconds have passed since the workers started, whichever comes first; requests in flight then
  are waited for (and counted). `max_requests` is exact: never one more.
- `client`: an `httpx.AsyncClient` to send the requests with; use it, never close it. None: create
  one (with `httpx.Limits(max_connections=concurrency)` or more, so that its pool lets every
  worker have a connection) and close it before returning or raising.
- Returns a dict:
  - `requests`: the requests completed (answered, or failed with an exception);
  - `ok`: those answered with a 2xx status;
  - `errors`: a dict `{kind: count}` of the others: an answer that is not 2xx under its status
    code as a string (`"503"`), an `httpx.HTTPError` raised by a request under its class name
    (`"ConnectError"`, `"ReadTimeout"`); `ok + sum(errors.values()) == requests`;
  - `duration_s`: the seconds from the start of the workers to the end of the last of them (a
    `time.perf_counter()` difference);
  - `throughput_rps`: `ok / duration_s`, 2xx answers per second of that measured time;
  - `p50_ms`, `p95_ms`, `p99_ms`: percentiles of the latencies in milliseconds of the 2xx answers
    only (from just before a request is sent to its answer read in full), as
    `numpy.percentile(latencies, q)` gives them (its default, linear interpolation); None when
    there is no 2xx answer (and then `throughput_rps` is 0.0).
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from collections import Counter

import httpx
import numpy as np


def load_test(
    base_url,
    bodies,
    *,
    concurrency,
    duration_s,
    max_requests,
    path="/predict",
    client=None,
) -> dict:
    """Load the service at `base_url` (loopback only) with `concurrency` workers posting `bodies`
    to `path`, bounded by `max_requests` and `duration_s`; return its numbers."""
    # BEGIN SOLUTION: check the arguments and the host; run the workers; sum up
    _check_loopback(base_url)
    bodies = list(bodies)
    if not bodies:
        raise ValueError("bodies is empty: give at least one request body")
    for name, value in (("concurrency", concurrency), ("max_requests", max_requests)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if (
        not isinstance(duration_s, (int, float))
        or isinstance(duration_s, bool)
        or not math.isfinite(duration_s)
        or duration_s <= 0
    ):
        raise ValueError(f"duration_s must be a finite number > 0, got {duration_s!r}")
    url = str(base_url).rstrip("/") + path
    return asyncio.run(_run(url, bodies, concurrency, duration_s, max_requests, client))


def _check_loopback(base_url) -> None:
    try:
        parsed = httpx.URL(str(base_url))
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a URL: {base_url!r} ({exc})") from None
    host = parsed.host.lower()
    loopback = host == "localhost"
    if not loopback:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
    if parsed.scheme not in ("http", "https") or not loopback:
        raise ValueError(
            f"refusing to load {base_url!r}: a load test runs against this machine only "
            "(http://127.0.0.1, http://localhost or http://[::1])"
        )


async def _run(url, bodies, concurrency, duration_s, max_requests, client) -> dict:
    own = client is None
    if own:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        client = httpx.AsyncClient(limits=limits, timeout=10.0)
    latencies: list[float] = []
    errors: Counter = Counter()
    started = completed = ok = 0
    try:
        start = time.perf_counter()
        deadline = start + duration_s

        async def worker() -> None:
            nonlocal started, completed, ok
            while started < max_requests and time.perf_counter() < deadline:
                body = bodies[started % len(bodies)]
                started += 1  # claimed before the first await: no other worker can take it
                sent = time.perf_counter()
                try:
                    response = await client.post(url, json=body)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                else:
                    took = (time.perf_counter() - sent) * 1000.0
                    if response.is_success:
                        ok += 1
                        latencies.append(took)
                    else:
                        errors[str(response.status_code)] += 1
                completed += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    finally:
        if own:
            await client.aclose()
    p50, p95, p99 = (
        [float(v) for v in np.percentile(latencies, [50, 95, 99])]
        if latencies
        else [None, None, None]
    )
    return {
        "requests": completed,
        "ok": ok,
        "errors": dict(errors),
        "duration_s": elapsed,
        "throughput_rps": ok / elapsed,
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
    }
    # END SOLUTION
