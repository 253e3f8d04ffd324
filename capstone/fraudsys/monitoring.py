"""Part MONITOR · The service's metrics and the drift job.

Docs: docs/capstone.md#monitor (the site: `mkdocs serve`, then Capstone)

Lesson 10 made lesson 08's service say how it is doing; here you give the same eyes to your own
service, fraudsys/service.py, which calls the functions below (its `create_app` calls
`instrument(app)` once, `set_model_info` once the model is loaded, and `observe_scores` for the
scores it returns). Prometheus scrapes `GET /metrics` as the job `fraudsys` (monitoring/
prometheus.yml); the alerts (monitoring/alerts.yml) and the dashboard read exactly these names,
which fraudsys/config.py fixes: use its constants, never a copy of the strings.

`instrument(app, *, registry=None) -> CollectorRegistry`: register the five families below in
`registry` (a `prometheus_client.CollectorRegistry`) or, when it is None, in a new one of the
app's own, never in prometheus_client's global `REGISTRY` (two apps in one process must neither
clash nor count each other's requests); keep on `app.state` what the other functions need; add
the route `GET /metrics` and a middleware around the whole app; return the registry.
- `config.METRIC_REQUESTS` (`fraudsys_requests_total`), a Counter, labels `route`, `method`,
  `status`: +1 for every HTTP request once its response was sent, whatever its route and outcome
  (404, 422, 500 too).
  - `route`: the path template of the route that matched ("/predict", "/predict/batch",
    "/health", "/ready", "/metrics", ...: `scope["route"].path` after the app returned); any
    path that no route matches (a 404 on "/predict/123" or "/users/42") is "unmatched".
  - `method`: the request's method when it is one of `METHODS`, else "other".
  - `status`: the status class "2xx", "3xx", "4xx" or "5xx" (a request whose app raised before
    answering is a "5xx").
  Every label value comes from a small fixed set: never a raw path, a transaction id, a user id,
  an amount. Each distinct value is one more time series that Prometheus keeps for weeks; a label
  taken from the request lets any client grow your monitoring until it falls over.
- `config.METRIC_LATENCY` (`fraudsys_request_duration_seconds`), a Histogram, label `route` (as
  above), buckets `LATENCY_BUCKETS`: the SECONDS from the request's arrival until its response
  was sent, observed once per request, after the response. Other buckets are allowed if they
  hold the alert's objective, 0.05, exactly and at least two bounds below 0.01.
- `config.METRIC_SCORE` (`fraudsys_score`), a Histogram without labels, buckets `SCORE_BUCKETS`:
  each score `observe_scores` is given.
- `config.METRIC_MODEL_INFO` (`fraudsys_model_info`), a Gauge of value 1, labels `version` and
  `sha256`: no series until `set_model_info` is called, then exactly one (the last call's).
- `config.METRIC_PSI` (`fraudsys_feature_psi`), a Gauge, label `feature`: set by `record_drift`
  (no series until it is first called).
- `GET /metrics`: 200 with `generate_latest(registry)` as its body and `CONTENT_TYPE_LATEST` as
  its content type, ready or not; a scrape is counted like any request, once it was sent.

`set_model_info(app, version, sha256)`: the served model's identity (the registry version, the
model file's SHA-256), as strings; replaces the series of an earlier call.

`observe_scores(app, scores)`: observe each score (floats in [0, 1]) in the score histogram; the
service calls it with what it returns, never with the warm-up's prediction.

`drift_job(reference, current) -> dict[str, float]`: the scheduled drift job. `reference` (the
training window) and `current` (recent traffic) are DataFrames, one column per feature (numbers,
strings, bools). The result maps each column of `reference` that `current` also has to its PSI,
as a float: `coursekit.drift.psi(ref, cur, bins=10)` for a numeric column (lesson 10
ex02; NaN values left out), `coursekit.drift.categorical_psi` for any other. `ValueError` when
the frames share no column or a shared column is empty in either frame.

`record_drift(app, psi)`: the drift job's whole report. Afterwards `fraudsys_feature_psi
{feature=name}` is each value of `psi`, and a feature an earlier call recorded that `psi` lacks
has no series any more. `ValueError`, changing nothing, when a name is not a non-empty `str` or a
value is not a finite real number >= 0 (a bool is not a number here). The alert
FraudsysFeatureDrift fires when a feature's gauge stays above `config.PSI_ALERT_THRESHOLD`.

The checks instrument a small app of their own (so that this part's grade does not depend on
your service) and replay the hidden world through `drift_job` and `record_drift`: its payments
before the planted drift against its last four weeks must put `amount` and `channel` above
`config.PSI_ALERT_THRESHOLD`, and `hour` and `merchant_category` under it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from numbers import Real
from typing import Any

import pandas as pd
from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from coursekit import drift
from fraudsys import config

# Seconds: dense around the 50 ms objective (a bound itself: histogram_quantile interpolates
# inside a bucket), low bounds for the usual 1-5 ms, high ones to tell "slow" from "stuck".
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5,
                   1.0, 2.5, 5.0)  # fmt: skip
# Scores are probabilities: 20 buckets of 0.05.
SCORE_BUCKETS = tuple(round(0.05 * k, 2) for k in range(1, 21))
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
UNMATCHED = "unmatched"
DRIFT_BINS = 10


def instrument(app: FastAPI, *, registry: CollectorRegistry | None = None) -> CollectorRegistry:
    """Register the five families of `app` in `registry` (its own when None), add GET /metrics
    and the counting middleware; returns the registry."""
    # TODO: an own registry; the five families on app.state; /metrics; a middleware
    raise NotImplementedError


def set_model_info(app: FastAPI, version: str, sha256: str) -> None:
    """One series fraudsys_model_info{version, sha256} = 1 (replacing an earlier one)."""
    # TODO: clear the gauge, then set the one series
    raise NotImplementedError


def observe_scores(app: FastAPI, scores: Iterable[float]) -> None:
    """Observe each served score in the score histogram."""
    # TODO: one observation per score
    raise NotImplementedError


def drift_job(reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, float]:
    """{feature: PSI of current against reference} for every shared column."""
    # TODO: the shared columns; psi for numbers, categorical_psi for the rest
    raise NotImplementedError


def record_drift(app: FastAPI, psi: Mapping[str, float]) -> None:
    """Set fraudsys_feature_psi{feature} to the report `psi`; features it lacks lose their series."""
    # TODO: validate everything first; set each value; remove the features gone
    raise NotImplementedError
