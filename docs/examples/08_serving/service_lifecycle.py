"""Worked example: a service that loads once, says when it is ready, and tags every answer.

A neighbour of the lesson's fraud service: it serves a table of risk per merchant category,
which takes a while to load (0.5 s of `time.sleep` stands in for reading a large model file).

- **Lifespan.** The app's `lifespan` runs once when the server starts and once when it stops.
  It starts the load in a worker thread and returns at once, so the server accepts connections
  (and answers `/health`) while the table loads. Nothing is loaded per request.
- **Health and readiness.** `/health` says the process is alive: a load balancer restarts it when
  this fails. `/ready` says it can take traffic: 503 until the table is loaded and one warm-up
  lookup ran, so that no client is sent to a replica that cannot answer yet.
- **Request ids and errors as JSON.** A middleware gives every request an id (the client's own
  `X-Request-ID`, else a new one), puts it on the response and in the log, and turns an
  exception no one caught into a JSON 500 with that id, while the traceback goes to the log.

Run: python docs/examples/08_serving/service_lifecycle.py
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from local_server import serve_in_thread
from starlette.exceptions import HTTPException as StarletteHTTPException

LOAD_S = 0.5
log = logging.getLogger("risk-service")
LOGGED: list[str] = []  # what the service logged, shown at the end


class Table:
    def __init__(self) -> None:
        self.risk: dict[str, float] | None = None

    def load(self) -> None:
        time.sleep(LOAD_S)  # reading a large file
        risk = {"grocery": 0.002, "electronics": 0.041, "gift_cards": 0.087}
        assert risk["grocery"] < 1  # the warm-up: one lookup before taking traffic
        self.risk = risk


def make_app() -> FastAPI:
    table = Table()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        loading = asyncio.create_task(asyncio.to_thread(table.load))  # not awaited here
        yield
        loading.cancel()

    app = FastAPI(lifespan=lifespan)

    @app.middleware("http")
    async def request_id(request: Request, call_next):
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = rid
        try:
            response = await call_next(request)
        except Exception:
            log.exception("request %s failed", rid)
            response = JSONResponse({"error": "internal error", "request_id": rid}, 500)
        response.headers["X-Request-ID"] = rid
        return response

    @app.exception_handler(StarletteHTTPException)
    async def as_json(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        body = {"error": exc.detail, "request_id": request.state.request_id}
        return JSONResponse(body, exc.status_code)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/ready")
    def ready() -> dict:
        if table.risk is None:
            raise HTTPException(503, "not ready: loading")
        return {"status": "ready"}

    @app.get("/risk/{category}")
    def risk(category: str) -> dict:
        if table.risk is None:
            raise HTTPException(503, "not ready: loading")
        if category not in table.risk:
            raise HTTPException(404, f"unknown category {category!r}")
        return {"category": category, "risk": table.risk[category]}

    @app.get("/bug")
    def bug() -> dict:
        return {"ratio": 1 / 0}  # a bug: the client must not get the traceback

    return app


class ListHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        LOGGED.append(f"{record.levelname} {record.getMessage()} ({record.exc_info[0].__name__})")


def main() -> None:
    log.addHandler(ListHandler())
    log.propagate = False
    with serve_in_thread(make_app()) as url, httpx.Client(base_url=url, timeout=5) as client:
        start, last = time.perf_counter(), None
        while True:  # poll both probes until ready, printing each change
            seen = (client.get("/health").status_code, client.get("/ready").status_code)
            if seen != last:
                at = time.perf_counter() - start
                print(f"/health {seen[0]}, /ready {seen[1]} (from {at:.2f} s, this run)")
                last = seen
            if seen[1] == 200 or time.perf_counter() - start > 10:
                break
            time.sleep(0.05)
        for path, headers in (
            ("/risk/gift_cards", {"X-Request-ID": "checkout-7f3a"}),
            ("/risk/casino", {}),
            ("/bug", {"X-Request-ID": "checkout-7f3b"}),
        ):
            answer = client.get(path, headers=headers)
            rid = answer.headers["x-request-id"]
            shown = rid if headers else f"<new id, {len(rid)} hex digits>"
            print(f"GET {path}: {answer.status_code} {answer.text.replace(rid, '<id>')}")
            print(f"  X-Request-ID: {shown}")
    print("the service's log:", *LOGGED)


if __name__ == "__main__":
    main()
