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
        # TODO: load_model once; the version from the sidecar; warm up; then ready
        raise NotImplementedError

    def scores(self, transactions: Sequence[Transaction]) -> list[float]:
        """The model's score of each transaction, in order: one frame for all."""
        # TODO: one frame, build_features, predict_proba's column 1 as floats
        raise NotImplementedError


def create_app(model_path: str | Path, *, max_batch: int = MAX_BATCH) -> FastAPI:
    """The scoring service of the model at `model_path`, loaded at startup."""
    # TODO: check max_batch; lifespan loading off the loop; JSON errors; the routes
    raise NotImplementedError
