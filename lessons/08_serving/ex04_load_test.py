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
    # TODO: check the arguments and the host; run the workers; sum up
    raise NotImplementedError
