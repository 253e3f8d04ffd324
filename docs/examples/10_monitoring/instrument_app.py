"""Worked example: RED metrics for a small FastAPI app, in Prometheus's exposition format.

The app is not the lesson's fraud service but a neighbour: a refunds desk with three routes,
`GET /refunds/{refund_id}`, `POST /refunds` and `GET /health`. It counts its requests by route
TEMPLATE, method and status class, times them in a histogram, exports a build-info gauge, and
serves all of it at `GET /metrics` from a registry of its own.

`main()` sends it 80 requests in memory (httpx's ASGITransport: no port), then prints:
- how many series the request counter has, against what a raw-path label would have made;
- a few lines of the exposition text, and the same samples read back with the parser Prometheus
  and the course's checks use;
- what happens when two apps register their metrics in the one global registry.

Run: python docs/examples/10_monitoring/instrument_app.py
"""

from __future__ import annotations

import asyncio
import time

import httpx
from fastapi import FastAPI, HTTPException, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.parser import text_string_to_metric_families

disable_created_metrics()  # no `*_created` series: one timestamp per series we never graph

# The refunds desk answers from memory in about a millisecond, a slow lookup in tens of ms:
# bucket edges around that range, with the desk's objective (25 ms) exactly on an edge.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
VERSION = "2.3.1"


def make_refunds_app(shared: CollectorRegistry | None = None) -> FastAPI:
    """The refunds desk, instrumented. A registry of its own unless one is given."""
    own = CollectorRegistry() if shared is None else shared
    requests = Counter(
        "refunds_requests",  # the client appends _total to a counter's name
        "Refund-desk requests, counted once answered: route template, method, status class.",
        ["route", "method", "status"],
        registry=own,
    )
    duration = Histogram(
        "refunds_request_duration_seconds",
        "Time from request to response, by route template.",
        ["route"],
        buckets=BUCKETS,
        registry=own,
    )
    info = Gauge(
        "refunds_build_info", "Always 1; the labels say what runs.", ["version"], registry=own
    )
    info.labels(version=VERSION).set(1)

    app = FastAPI()
    known = {7: 12.5, 8: 40.0}

    @app.middleware("http")
    async def red_metrics(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)  # the route has run; the router set scope["route"]
        elapsed = time.perf_counter() - started
        matched = request.scope.get("route")
        template = getattr(matched, "path", None) or "unmatched"  # never request.url.path
        status_class = f"{response.status_code // 100}xx"
        requests.labels(template, request.method, status_class).inc()
        duration.labels(template).observe(elapsed)
        return response

    @app.get("/refunds/{refund_id}")
    def get_refund(refund_id: int) -> dict:
        if refund_id not in known:
            raise HTTPException(404, "no such refund")
        return {"refund_id": refund_id, "amount": known[refund_id]}

    @app.post("/refunds")
    def create_refund(body: dict) -> dict:
        return {"refund_id": 9, **body}

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(own), media_type=CONTENT_TYPE_LATEST)

    return app


async def send_traffic(client: httpx.AsyncClient) -> list[str]:
    """80 requests, one after the other; returns the raw paths they used."""
    paths = []
    for refund_id in range(1, 61):  # 60 lookups: ids 7 and 8 exist, the rest are 404s
        paths.append(f"/refunds/{refund_id}")
        await client.get(paths[-1])
    for n in range(10):
        paths.append("/refunds")
        await client.post("/refunds", json={"amount": n})
    for _ in range(5):
        paths.append("/health")
        await client.get("/health")
    for n in range(5):  # paths no route matches: a scanner probing for admin pages
        paths.append(f"/admin/users/{n}")
        await client.get(paths[-1])
    return paths


async def traffic_then_scrape(app: FastAPI) -> tuple[list[str], httpx.Response]:
    """Talk to the app in memory (no port, no server): httpx hands the requests to it."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://refunds") as client:
        paths = await send_traffic(client)
        return paths, await client.get("/metrics")


def main() -> None:
    app = make_refunds_app()
    paths, scrape = asyncio.run(traffic_then_scrape(app))
    text = scrape.text
    print(f"/metrics: {scrape.status_code}, {scrape.headers['content-type']}")

    families = {f.name: f for f in text_string_to_metric_families(text)}
    counter = families["refunds_requests"]
    series = {tuple(sorted(s.labels.items())) for s in counter.samples}
    print(f"{len(paths)} requests, {len(set(paths))} distinct raw paths")
    print(f"series of refunds_requests_total by route template: {len(series)}")
    print(
        f"the same counter labelled by raw path would hold: {len(set(paths))} series, and growing"
    )

    print("exposition lines (a few):")
    wanted = (
        "# HELP refunds_requests_total",
        "# TYPE refunds_requests_total",
        'refunds_requests_total{method="GET",route="/refunds/{refund_id}",status="4xx"}',
        'refunds_requests_total{method="GET",route="unmatched",status="4xx"}',
        "# TYPE refunds_request_duration_seconds histogram",
        'refunds_request_duration_seconds_bucket{le="+Inf",route="/refunds/{refund_id}"}',
        'refunds_request_duration_seconds_count{route="/refunds/{refund_id}"}',
        'refunds_build_info{version="2.3.1"}',
    )
    for line in text.splitlines():
        if line.startswith(wanted):
            print("  " + line)

    print("read back with prometheus_client.parser:")
    for sample in counter.samples:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
        print(f"  {sample.name} {{{labels}}} = {sample.value:g}")
    hist = families["refunds_request_duration_seconds"]
    edges = sorted({s.labels["le"] for s in hist.samples if s.name.endswith("_bucket")}, key=float)
    print(f"histogram bucket edges (le): {', '.join(edges)}")

    # The global registry: fine for one app per process, a crash for the second one.
    make_refunds_app(REGISTRY)
    try:
        make_refunds_app(REGISTRY)
    except ValueError as exc:
        print(f"a second app on the global REGISTRY: ValueError: {str(exc).split(':')[0]}")


if __name__ == "__main__":
    main()
