"""Part SERVE · The scoring service.

Docs: docs/capstone.md#service (the site: `mkdocs serve`, then Capstone)

Kestrel Pay scores every payment while the customer waits at the till. This service puts the
model you trained (part TRAIN) behind HTTP, with the features of part QUALITY: the very same
`build_features` the training pipeline and the nightly batch job (part BATCH) use, so that a
payment gets the same score online and offline. Lesson 08 built such a service; this one is
yours, and the grader runs it the way production would: under uvicorn on 127.0.0.1, hit by a
load test, fed garbage.

Write `create_app(model_path, *, max_batch=MAX_BATCH) -> FastAPI`. Creating the app reads
nothing; the work starts when the server starts the app (its lifespan).

Loading and readiness:
- At startup (a `lifespan`), load the model in a worker thread (`asyncio.to_thread`), so that
  the server answers `/health` at once: call `load_model(model_path)` (imported below) exactly
  once per start of the app, never per request. Then score `WARM_UP` once through the same path
  as `/predict`. Only when both succeeded is the service *ready*. If either raises, log it and
  keep the server up, never ready.
- The model's version is its sidecar's "model_version" when that is a non-empty string, else
  the first 12 characters of the sidecar's "sha256".

Scoring:
- A request's transactions become ONE DataFrame (`to_frame`, below: the columns of
  `REQUEST_COLUMNS`, one row per transaction, in order, `timestamp` as UTC datetimes), and its
  features are `build_features(frame)` (part QUALITY's, imported below; never a copy of it).
  A transaction's score is column 1 of `model.predict_proba(build_features(frame))`, as a
  Python float, in the request's order (the checks serve a model they fit on your own
  `build_features` and compare within 1e-9). Call `load_model`, `build_features`, `instrument`,
  `set_model_info` and `observe_scores` by these names, from this module: the checks replace
  them here to count the calls (and grade this part apart from part MONITOR).
- Predictions are CPU work: never on the event loop. Plain `def` endpoints (FastAPI runs them
  in a worker thread), or `await run_in_threadpool(...)` in an `async def` one.

Routes (JSON in, JSON out; request and response models from `coursekit.schemas`, lesson 08's):
- `GET /health`: 200 {"status": "ok"} whenever the process runs (loading, ready or failed).
- `GET /ready`: 200 {"status": "ready", "model_version": ...} once ready; until then, and
  forever when loading failed, 503 {"error": why}.
- `POST /predict`: a `Transaction` -> 200 `Score` {"transaction_id", "score", "model_version"}.
- `POST /predict/batch`: a `TransactionBatch` -> 200 `BatchScores`: one `Score` per transaction,
  in the batch's order. More than `max_batch` transactions (also more than MAX_BATCH, which the
  schema itself refuses): 413 {"error": ...}.
- Both predict routes answer 503 {"error": ...} until the service is ready.
- `GET /metrics`: part MONITOR's (fraudsys/monitoring.py). `create_app` calls `instrument(app)`
  once, on the app it built, before returning it; once the model is loaded and warmed up, just
  before the service becomes ready, `set_model_info(app, version, sha256)` (the version above,
  the sidecar's "sha256"), once; and `observe_scores(app, scores)` with the scores of every
  `/predict` and `/predict/batch` answer (never the warm-up's).

Bad input: a body that does not fit the schema (a missing or extra field, a string for a number,
`NaN`, `Infinity`, `1e309`, a negative amount, a naive timestamp, an empty batch, not JSON at
all) gets 422 {"error": ..., "details": `readable_errors(...)`}, never a 500: FastAPI's default
handler echoes the input, and the NaN in it makes the 422 itself crash. A valid transaction
the model cannot score, because one of its features is not finite (NaN or infinity: a currency
that part QUALITY has no rate for, say "JPY"), gets 422 {"error": ...} naming the transaction:
raise `Unscorable` from `Served.scores` (the app answers it with that 422), never hand the model
a NaN. Any other exception while scoring is a 500 {"error": "internal server error"}, with no
exception text (log it).

Under load (the checks run lesson 08's load test: 8 concurrent clients on a real uvicorn
server), every answer is a 200, `/predict` answers at least a tenth of the requests a second of a
bare endpoint in the same app, and its p99 latency stays within 10 times the bare one's.

`create_app` raises `ValueError` when `max_batch` is not an int (a bool is not) with
1 <= max_batch <= MAX_BATCH.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from coursekit.model_io import load_model
from coursekit.schemas import (
    MAX_BATCH,
    BatchScores,
    Score,
    Transaction,
    TransactionBatch,
    readable_errors,
)
from fraudsys.features import build_features
from fraudsys.monitoring import instrument, observe_scores, set_model_info

log = logging.getLogger("fraudsys.service")

# The columns of a request's frame: the fields of a Transaction, in the schema's order.
REQUEST_COLUMNS = tuple(Transaction.model_fields)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

# Scored once at startup, through the same path as /predict, before the service is ready.
WARM_UP = Transaction(
    transaction_id=0,
    timestamp="2025-03-01T12:00:00+00:00",
    amount=42.0,
    currency="EUR",
    merchant_category="grocery",
    channel="pos",
    card_country="DE",
    merchant_country="DE",
)


def to_frame(transactions: Sequence[Transaction]) -> pd.DataFrame:
    """One row per transaction, the columns of REQUEST_COLUMNS, `timestamp` in UTC."""
    columns = {name: [getattr(t, name) for t in transactions] for name in REQUEST_COLUMNS}
    # Microseconds since the epoch, exact (a datetime difference floor-divided): a third of the
    # cost of pd.to_datetime on a list of datetimes with offsets, the same instants.
    micros = [(t.timestamp - _EPOCH) // _MICROSECOND for t in transactions]
    columns["timestamp"] = pd.DatetimeIndex(np.array(micros, dtype="datetime64[us]")).tz_localize(
        "UTC"
    )
    columns["transaction_id"] = np.array(columns["transaction_id"], dtype=np.int64)
    columns["amount"] = np.array(columns["amount"], dtype=np.float64)
    return pd.DataFrame(columns)


class Unscorable(ValueError):
    """A valid transaction whose features are not all finite: the service answers 422."""


class Served:
    """The model behind one app, and its state: loading, ready, or failed (with the reason)."""

    def __init__(self, model_path: str | Path, app: FastAPI) -> None:
        self.model_path = Path(model_path)
        self.app = app
        self.model: Any = None
        self.version: str | None = None
        self.sha256: str | None = None
        self.ready = False
        self.error: str | None = None

    def load(self) -> None:
        """Load the model once, score the warm-up, and only then become ready."""
        # BEGIN SOLUTION: load_model once; the version from the sidecar; warm up; then ready
        try:
            self.model, metadata = load_model(self.model_path)
            self.sha256 = str(metadata["sha256"])
            version = metadata.get("model_version")
            self.version = version if isinstance(version, str) and version else self.sha256[:12]
            self.scores([WARM_UP])
            set_model_info(self.app, self.version, self.sha256)
        except Exception as exc:  # noqa: BLE001 - reported by /ready; the server stays up
            log.exception("loading the model from %s failed", self.model_path)
            self.error = f"{type(exc).__name__}: {exc}"
            return
        self.ready = True
        log.info("model %s loaded from %s: ready", self.version, self.model_path)
        # END SOLUTION

    def scores(self, transactions: Sequence[Transaction]) -> list[float]:
        """The model's score of each transaction, in order: one frame for all."""
        # BEGIN SOLUTION: one frame, build_features, predict_proba's column 1 as floats
        features = build_features(to_frame(transactions))
        finite = np.isfinite(features.to_numpy(dtype=np.float64)).all(axis=1)
        if not finite.all():
            bad = [t.transaction_id for t, ok in zip(transactions, finite, strict=True) if not ok]
            raise Unscorable(
                f"cannot score the transaction(s) {bad[:10]}: some of their features are not "
                "finite (a currency without an exchange rate?)"
            )
        return [float(p) for p in self.model.predict_proba(features)[:, 1]]
        # END SOLUTION


def create_app(model_path: str | Path, *, max_batch: int = MAX_BATCH) -> FastAPI:
    """The scoring service of the model at `model_path`, loaded at startup."""
    # BEGIN SOLUTION: check max_batch; lifespan loading off the loop; JSON errors; the routes
    if isinstance(max_batch, bool) or not isinstance(max_batch, int):
        raise ValueError(f"max_batch must be an int, got {max_batch!r}")
    if not 1 <= max_batch <= MAX_BATCH:
        raise ValueError(f"max_batch must be between 1 and {MAX_BATCH}, got {max_batch}")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        loading = asyncio.create_task(asyncio.to_thread(served.load))  # /health answers meanwhile
        try:
            yield
        finally:
            loading.cancel()

    app = FastAPI(title="fraudsys scoring service", lifespan=lifespan)
    app.state.served = served = Served(model_path, app)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(
            e.get("type") == "too_long" and tuple(e.get("loc", ())) == ("body", "transactions")
            for e in errors
        ):
            return JSONResponse(
                {"error": f"a batch holds at most {max_batch} transactions"}, status_code=413
            )
        body = {"error": "invalid request body", "details": readable_errors(errors)}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(Unscorable)
    async def unscorable(request: Request, exc: Unscorable) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"error": "internal server error"}, status_code=500)

    def require_ready() -> None:
        if not served.ready:
            why = f"model failed to load: {served.error}" if served.error else "model loading"
            raise HTTPException(503, f"not ready: {why}")

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/ready")
    def ready() -> dict:
        require_ready()
        return {"status": "ready", "model_version": served.version}

    @app.post("/predict")
    async def predict(transaction: Transaction) -> Score:
        require_ready()
        [score] = await run_in_threadpool(served.scores, [transaction])
        observe_scores(app, [score])
        return Score(
            transaction_id=transaction.transaction_id, score=score, model_version=served.version
        )

    @app.post("/predict/batch")
    async def predict_batch(batch: TransactionBatch) -> BatchScores:
        transactions = batch.transactions
        if len(transactions) > max_batch:
            raise HTTPException(413, f"a batch holds at most {max_batch} transactions")
        require_ready()
        scores = await run_in_threadpool(served.scores, transactions)
        observe_scores(app, scores)
        return BatchScores(
            scores=[
                Score(transaction_id=t.transaction_id, score=s, model_version=served.version)
                for t, s in zip(transactions, scores, strict=True)
            ],
            model_version=served.version,
        )

    instrument(app)
    return app
    # END SOLUTION
