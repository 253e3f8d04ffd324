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
    # BEGIN SOLUTION: an own registry; the five families on app.state; /metrics; a middleware
    registry = CollectorRegistry() if registry is None else registry
    requests = Counter(
        config.METRIC_REQUESTS.removesuffix("_total"),
        "HTTP requests answered, by route template, method and status class.",
        ["route", "method", "status"],
        registry=registry,
    )
    duration = Histogram(
        config.METRIC_LATENCY,
        "Seconds from a request's arrival until its response was sent, by route template.",
        ["route"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    app.state.metric_score = Histogram(
        config.METRIC_SCORE, "The fraud scores served.", buckets=SCORE_BUCKETS, registry=registry
    )
    app.state.metric_model_info = Gauge(
        config.METRIC_MODEL_INFO,
        "The model being served.",
        ["version", "sha256"],
        registry=registry,
    )
    app.state.metric_psi = Gauge(
        config.METRIC_PSI,
        "Population stability index of each feature, set by the drift job.",
        ["feature"],
        registry=registry,
    )
    app.state.drift_features = set()

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    class Instrument:
        """Pure ASGI middleware: counts and times every HTTP request once its response was sent."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await self.inner(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500  # the app raised before answering: the server sends a 500

            async def send_status(message: dict) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await self.inner(scope, receive, send_status)
            finally:
                route = getattr(scope.get("route"), "path", None) or UNMATCHED
                method = scope.get("method", "")
                method = method if method in METHODS else "other"
                requests.labels(route=route, method=method, status=f"{status // 100}xx").inc()
                duration.labels(route=route).observe(time.perf_counter() - started)

    app.add_middleware(Instrument)
    return registry
    # END SOLUTION


def set_model_info(app: FastAPI, version: str, sha256: str) -> None:
    """One series fraudsys_model_info{version, sha256} = 1 (replacing an earlier one)."""
    # BEGIN SOLUTION: clear the gauge, then set the one series
    gauge = app.state.metric_model_info
    gauge.clear()
    gauge.labels(version=str(version), sha256=str(sha256)).set(1.0)
    # END SOLUTION


def observe_scores(app: FastAPI, scores: Iterable[float]) -> None:
    """Observe each served score in the score histogram."""
    # BEGIN SOLUTION: one observation per score
    histogram = app.state.metric_score
    for score in scores:
        histogram.observe(float(score))
    # END SOLUTION


def drift_job(reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, float]:
    """{feature: PSI of current against reference} for every shared column."""
    # BEGIN SOLUTION: the shared columns; psi for numbers, categorical_psi for the rest
    shared = [c for c in reference.columns if c in current.columns]
    if not shared:
        raise ValueError("reference and current share no column")
    out = {}
    for name in shared:
        ref, cur = reference[name], current[name]
        numeric = pd.api.types.is_numeric_dtype(ref) and not pd.api.types.is_bool_dtype(ref)
        if numeric:
            out[str(name)] = float(
                drift.psi(ref.to_numpy(float), cur.to_numpy(float), bins=DRIFT_BINS)
            )
        else:
            out[str(name)] = float(drift.categorical_psi(ref, cur))
    return out
    # END SOLUTION


def record_drift(app: FastAPI, psi: Mapping[str, float]) -> None:
    """Set fraudsys_feature_psi{feature} to the report `psi`; features it lacks lose their series."""
    # BEGIN SOLUTION: validate everything first; set each value; remove the features gone
    values = {}
    for name, value in psi.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"a feature name must be a non-empty string, got {name!r}")
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise ValueError(f"the PSI of {name!r} must be a finite number, got {value!r}")
        if value < 0:
            raise ValueError(f"the PSI of {name!r} must be >= 0, got {value!r}")
        values[name] = float(value)
    gauge = app.state.metric_psi
    for name, value in values.items():
        gauge.labels(feature=name).set(value)
    for name in app.state.drift_features - values.keys():
        gauge.remove(name)
    app.state.drift_features = set(values)
    # END SOLUTION
