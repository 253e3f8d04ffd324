"""Exercise 02 · A FastAPI service.

Docs: docs/lessons/08-serving.md#ex02-app (the site: `mkdocs serve`, then Lesson 08)

Put the fraud model behind HTTP. A service is more than a function behind a URL: it loads its
model once, says when it can take traffic, answers a bad request with a 4xx that says what was
wrong (never a 500), tags every response with a request id so that a client's complaint can be
found in the logs, and never lets one slow prediction freeze every other request.

Write `create_app(model_path, *, max_batch=MAX_BATCH) -> FastAPI`. Creating the app reads
nothing; the work starts when the server starts it (its lifespan).

Loading and readiness:
- At startup (a `lifespan`), start loading the model in a worker thread, so that the server
  answers `/health` at once, however long the load takes: call `load_model(model_path)` (lesson
  07's, imported below) exactly once per start of the app, never per request. Then run one
  warm-up prediction on `WARM_UP` through the same path as `/predict`. Only when both succeeded
  is the service *ready*. If either raises, log it and keep the server up, never ready. `Served`
  below is a place for this state; use it or not.
- The model's version is the sidecar's "model_version" (a non-empty string); when the sidecar has
  none, the first 12 characters of its "sha256".
- Build the model's input with `to_features` (imported below): one call, hence one DataFrame, for
  a request, however many transactions it holds; the score of a transaction is column 1 of
  `model.predict_proba(to_features(transactions))`, as a Python float, in the given order (the
  same numbers computed faster are fine, within 1e-9: the lesson's page shows how). Call
  `load_model` and `to_features` by these names, from this module: the checks replace them here
  to count the calls and to slow the model down.
- Predictions are CPU work: never run one on the event loop. Use plain `def` endpoints (FastAPI
  runs them in a worker thread), or `await run_in_threadpool(...)` in an `async def` one. While
  one request waits on the model, `/health` must still answer.

Routes (JSON in, JSON out):
- `GET /health`: 200 {"status": "ok"} whenever the process runs (loading, ready or failed).
- `GET /ready`: 200 {"status": "ready", "model_version": ...} once ready; until then, and
  forever when loading failed, a 503 error (see below) whose "error" says why.
- `GET /metadata`: 200 {"model_version": ..., "features": the sidecar's "feature_names" (a list),
  "sha256": the sidecar's "sha256" (the model file's hash)}; more keys are allowed. 503 until ready.
- `POST /predict`: a `Transaction` -> 200 `Score` {"transaction_id", "score", "model_version"}.
- `POST /predict/batch`: a `TransactionBatch` -> 200 `BatchScores`: one `Score` per transaction,
  in the batch's order, and "model_version". A batch of more than `max_batch` transactions gets a
  413 error, also above MAX_BATCH (which `TransactionBatch` itself refuses: there too a 413, not
  a 422).
- Both predict routes answer 503 until the service is ready.

Request ids and errors:
- Every response, success or error, whatever its route (an unknown path's 404 too), carries an
  `X-Request-ID` header: the client's own `X-Request-ID` when it sent one made of 1 to 128
  letters, digits and `._:-`; otherwise a new unique id (`uuid.uuid4().hex`). Anything else a
  client sends there is replaced, never copied into your logs.
- Every error is a JSON object {"error": a message, "request_id": the same id as the header},
  with its status code: 404, 405, 413, 503, and 500 for an unexpected exception (no traceback,
  no exception text: log those).
- A body that does not fit the schema (a missing or an extra field, a string for a number, `NaN`,
  `Infinity`, `1e309`, a naive timestamp, not JSON at all) gets a 422 with, besides "error" and
  "request_id", "details": `readable_errors(...)` of the validation errors. Never a 500: FastAPI's
  default handler echoes the input, and a NaN in it makes the 422 itself crash.

`create_app` raises `ValueError` when `max_batch` is not an integer (a bool is not) with
1 <= max_batch <= MAX_BATCH.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
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
from coursekit.serving_model import to_features

log = logging.getLogger("serving")

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # a client's id is kept when it fullmatches

# The warm-up prediction's input: a valid transaction, scored once before the service is ready.
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


class Served:
    """The model behind one app and its state: loading, ready, or failed (with the reason)."""

    def __init__(self, model_path: str | Path) -> None:
        self.model_path = Path(model_path)
        self.model: Any = None
        self.version: str | None = None
        self.sha256: str | None = None
        self.features: list[str] | None = None
        self.ready = False
        self.error: str | None = None  # why loading failed

    def load(self) -> None:
        """Load the model once, run the warm-up prediction, and only then become ready. Any
        exception is logged and kept in `error`: the service stays up, never ready."""
        # TODO: load_model once; version, sha256, features from the sidecar; warm up
        raise NotImplementedError

    def scores(self, transactions: list[Transaction]) -> list[float]:
        """The model's score of each transaction, in order: one frame for all, column 1 of
        its predict_proba."""
        # TODO: one to_features frame for all, predict_proba's column 1 as floats
        raise NotImplementedError


def create_app(model_path: str | Path, *, max_batch: int = MAX_BATCH) -> FastAPI:
    """The scoring service of the model at `model_path`, loaded at startup."""
    # TODO: lifespan loading off the loop; request ids; JSON errors; the five routes
    raise NotImplementedError
