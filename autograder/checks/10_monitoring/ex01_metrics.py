"""Checks for 10_monitoring/ex01_metrics (see solutions/10_monitoring/ex01_metrics.py for the reference).

The learner's app runs in the learner's process (`submission.observe`): under starlette's
TestClient for the logic, and once under a real uvicorn server on 127.0.0.1 (a free port, in a
thread). Every check sends real requests, scrapes `GET /metrics` and parses the exposition here
with prometheus_client's parser; counts are compared as differences between two scrapes of the
same app (the readiness polls before the first one are not counted on). The model is lesson 08's
(`make_model_file`, built once per grading into the exercise's exchange folder). Probes replace
`coursekit.app.load_model` (the given service's) to slow the model down, to hold the load at a
gate or to make the model fail; every wait is bounded, and every server started is stopped.
Lesson 08's probe helpers are reused from autograder/checks/08_serving/_shared.py.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import time
import warnings
from pathlib import Path
from typing import Any

# Imported here, once, in the grader's process: the learner's process is forked from it and finds
# them loaded. The course's own coursekit is imported where used.
import fastapi  # noqa: F401
import httpx
import numpy as np
import prometheus_client
import sklearn.linear_model  # noqa: F401
import sklearn.pipeline  # noqa: F401
import skops.io  # noqa: F401
import uvicorn  # noqa: F401
from prometheus_client.parser import text_string_to_metric_families

from autograder.assertions import fail

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx2
    import starlette.testclient  # noqa: F401

_shared = importlib.import_module("autograder.checks.08_serving._shared")
Gate = _shared.Gate
ProbeFailure = _shared.ProbeFailure
asgi_client = _shared.asgi_client
expected_scores = _shared.expected_scores
guarded = _shared.guarded
model_file = _shared.model_file
observe = _shared.observe
patched = _shared.patched
serve = _shared.serve
transaction_bodies = _shared.transaction_bodies
wait_ready = _shared.wait_ready
wait_until = _shared.wait_until

VERSION = "fraud-logreg-0"  # make_model_file's version for seed 0
ROUTES = ("/predict", "/predict/batch", "/health", "/ready", "/metadata", "/metrics")
# FastAPI's own routes are templates too (a bounded set): allowed, never required.
FASTAPI_ROUTES = ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")
CLASSES = ("2xx", "3xx", "4xx", "5xx")
SCORE_BUCKETS = tuple(round(0.05 * k, 2) for k in range(1, 21))
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
JSON = {"content-type": "application/json"}
FAMILIES = {  # family name (as the parser names it) -> (type, label names, exposed name)
    "fraud_requests": ("counter", {"route", "method", "status"}, "fraud_requests_total"),
    "fraud_request_duration_seconds": ("histogram", {"route"}, "fraud_request_duration_seconds"),
    "fraud_score": ("histogram", set(), "fraud_score"),
    "fraud_model_info": ("gauge", {"version", "sha256"}, "fraud_model_info"),
    "fraud_feature_psi": ("gauge", {"feature"}, "fraud_feature_psi"),
}
SLOW_SECONDS = 0.15  # the slowed model's delay per prediction
LATENCY_CEILING_SECONDS = 5.0  # no request of the checks takes that long: more is ms


# --- probes (run in the learner's process) --------------------------------------------------------


def _send(client: Any, method: str, path: str, text: str | None, headers: dict) -> dict:
    """One request; its status (redirects are not followed)."""
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if text is not None:
        kwargs["content"] = text.encode()
        kwargs["headers"] = {**JSON, **headers}
    try:
        response = client.request(method, path, **kwargs)
    except Exception as exc:  # noqa: BLE001 - no answer is a fact
        return {"no_answer": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": int(response.status_code)}


def _scrape(client: Any) -> dict:
    """GET /metrics as plain data: status, content type, and the whole body."""
    try:
        response = client.get("/metrics")
    except Exception as exc:  # noqa: BLE001
        return {"no_answer": f"{type(exc).__name__}: {exc}"[:300]}
    return {
        "status": int(response.status_code),
        "content_type": response.headers.get("content-type", ""),
        "text": response.text,
    }


def _not_ready(client: Any) -> ProbeFailure:
    last = client.get("/ready")
    return ProbeFailure(
        f"GET /ready did not answer 200 within 5 s of the app's start (its last answer: "
        f"{last.status_code} {last.text[:200]}), with a good model file: build the app on "
        "create_app(model_path) and keep lesson 08's startup as it is"
    )


class _Model:
    """The served model, slowed down (`delay` seconds per prediction once `armed`) or failing
    (every prediction after the warm-up raises)."""

    def __init__(self, model: Any, delay: float = 0.0, failing: bool = False) -> None:
        self.model = model
        self.delay = delay
        self.failing = failing
        self.armed = False
        self.feature_names_in_ = getattr(model, "feature_names_in_", None)
        self.classes_ = getattr(model, "classes_", None)

    def predict_proba(self, X: Any) -> Any:
        if self.armed and self.failing:
            raise RuntimeError("the model broke")
        if self.armed and self.delay:
            time.sleep(self.delay)
        return self.model.predict_proba(X)


@guarded
def _session(module: Any, model_path: str, requests: list, model: dict | None = None) -> dict:
    """Start the app (TestClient), wait until ready, scrape, send `requests` [(method, path, body
    text or None, headers)], scrape again. `model` slows the model down ({"delay": s}) or makes it
    fail ({"failing": True}) once the app is ready."""
    import coursekit.app as given

    models: list[_Model] = []
    load = given.load_model

    def wrapped_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        loaded, metadata = load(path, *args, **kwargs)
        models.append(_Model(loaded, **(model or {})))
        return models[-1], metadata

    with patched(given, "load_model", wrapped_load if model else load):
        app = module.create_monitored_app(model_path)
        with asgi_client(app) as client:
            if not wait_ready(client.get):
                raise _not_ready(client)
            before = _scrape(client)
            for m in models:
                m.armed = True
            responses = [_send(client, *spec) for spec in requests]
            after = _scrape(client)
    return {"before": before, "responses": responses, "after": after}


@guarded
def _loading(module: Any, model_path: str) -> dict:
    """The app while `load_model` is held at a gate, then once ready; and an app whose model
    file is missing, once its load failed."""
    import coursekit.app as given

    gate = Gate(timeout=3.0)
    load = given.load_model
    failed = []

    def gated_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        gate.wait()
        return load(path, *args, **kwargs)

    def watched_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return load(path, *args, **kwargs)
        finally:
            failed.append(path)

    out: dict[str, Any] = {}
    with patched(given, "load_model", gated_load):
        app = module.create_monitored_app(model_path)
        with asgi_client(app) as client:
            out["held"] = gate.entered.wait(3.0)
            out["during"] = _scrape(client)
            out["ready_during"] = _send(client, "GET", "/ready", None, {})
            out["still_held"] = gate.left == 0
            gate.release.set()
            # Ready is the service's state, not an answer to GET /ready: wait on served.ready
            # itself and scrape before any GET /ready answers 200 (a Gauge set right after the
            # load may lag by a moment: wait up to 1 s for it).
            served = getattr(app.state, "served", None)
            out["polled_served"] = served is not None and wait_until(lambda: served.ready, 5.0)
            if not out["polled_served"] and not wait_ready(client.get):
                raise _not_ready(client)
            out["after"] = _scrape(client)
            if "fraud_model_info{" not in out["after"].get("text", ""):
                wait_until(lambda: "fraud_model_info{" in _scrape(client).get("text", ""), 1.0)
                out["after"] = _scrape(client)
            if not wait_ready(client.get):
                raise _not_ready(client)
    with patched(given, "load_model", watched_load):
        app = module.create_monitored_app(str(Path(model_path).with_name("missing.skops")))
        with asgi_client(app) as client:
            out["failed_load"] = wait_until(lambda: bool(failed), 5.0)
            time.sleep(0.05)  # let the app record the failure
            out["failed_ready"] = _send(client, "GET", "/ready", None, {})
            out["failed_scrape"] = _scrape(client)
    return out


@guarded
def _registries(module: Any, model_path: str) -> dict:
    """Three apps in one process, none started (no lifespan: /health and /metrics need no
    model): A and B with registry=None, C with a registry of the checks'."""
    from starlette.testclient import TestClient

    def names(registry: Any) -> list[str]:
        return sorted({metric.name for metric in registry.collect()})

    global_before = names(prometheus_client.REGISTRY)
    out: dict[str, Any] = {}
    apps = []
    for what in ("A", "B"):
        try:
            apps.append(module.create_monitored_app(model_path))
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - the fact reported
            out["error"] = f"creating app {what} raised {type(exc).__name__}: {exc}"[:400]
            return out
    own = prometheus_client.CollectorRegistry()
    try:
        apps.append(module.create_monitored_app(model_path, registry=own))
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        out["error"] = f"creating app C with registry= raised {type(exc).__name__}: {exc}"[:400]
        return out
    a, b, c = (TestClient(app, raise_server_exceptions=False) for app in apps)
    out["a_health"] = [_send(a, "GET", "/health", None, {}) for _ in range(2)]
    out["c_health"] = _send(c, "GET", "/health", None, {})
    out["a"] = _scrape(a)
    out["b"] = _scrape(b)
    out["c"] = _scrape(c)
    out["own"] = prometheus_client.generate_latest(own).decode()
    out["global_new"] = sorted(set(names(prometheus_client.REGISTRY)) - set(global_before))
    return out


@guarded
def _drift(module: Any, model_path: str, reports: list, bad: list) -> dict:
    """record_drift on an app (not started): a scrape after each report of `reports`; then each
    bad report of `bad`: what it raised and whether the scrape changed."""
    import numpy as np
    from starlette.testclient import TestClient

    # The app that record_drift is called on is made second: a gauge shared between apps (made
    # once, in the first app's registry) shows up in the wrong app's scrape.
    other = module.create_monitored_app(model_path)
    app = module.create_monitored_app(model_path)
    client = TestClient(app, raise_server_exceptions=False)
    scrapes = []
    for report in reports:
        # A value written as a NumPy float: what a drift job computes.
        report = {k: np.float64(v) if isinstance(v, float) else v for k, v in report.items()}
        module.record_drift(app, report)
        scrapes.append(_scrape(client))
    refused = []
    for report in bad:
        try:
            module.record_drift(app, report)
            raised = None
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - the fact reported
            raised = f"{type(exc).__name__}: {exc}"[:200] if not isinstance(exc, ValueError) else ""
        refused.append({"raised": raised, "scrape": _scrape(client)})
    return {
        "scrapes": scrapes,
        "refused": refused,
        "other": _scrape(TestClient(other, raise_server_exceptions=False)),
    }


@guarded
def _drift_apps(module: Any, model_path: str, calls: list) -> list:
    """record_drift on two apps (not started), in the order of `calls` [(app 0 or 1, report)];
    then a scrape of each app."""
    from starlette.testclient import TestClient

    apps = [module.create_monitored_app(model_path) for _ in range(2)]
    for k, report in calls:
        module.record_drift(apps[k], report)
    return [_scrape(TestClient(app, raise_server_exceptions=False)) for app in apps]


@guarded
def _real_server(module: Any, model_path: str, requests: list) -> dict:
    """The app under a real uvicorn server on 127.0.0.1: ready, scrape, requests, scrape."""
    app = module.create_monitored_app(model_path)
    with serve(app) as server:
        if not server.wait_started(5.0):
            raise ProbeFailure("the server did not start listening within 5 s")
        with httpx.Client(base_url=server.url, timeout=5.0, trust_env=False) as client:
            if not wait_ready(client.get):
                raise _not_ready(client)
            before = _scrape(client)
            responses = [_send(client, *spec) for spec in requests]
            after = _scrape(client)
    return {"before": before, "responses": responses, "after": after}


# --- the grader's side ----------------------------------------------------------------------------


def _families(scrape: dict, where: str) -> dict:
    """The exposition of a scrape as {family name: family}, or a failed check."""
    if "no_answer" in scrape:
        fail(f"GET /metrics {where}: no answer ({scrape['no_answer']})")
    if scrape["status"] != 200:
        fail(
            f"GET /metrics {where} answered {scrape['status']} {scrape['text'][:200]!r}, "
            "expected 200 with generate_latest(registry)"
        )
    try:
        families = list(text_string_to_metric_families(scrape["text"]))
    except Exception as exc:  # noqa: BLE001 - the parser's verdict
        fail(
            f"GET /metrics {where} answered a body that Prometheus' text format parser refuses "
            f"({type(exc).__name__}: {exc}); the body began {scrape['text'][:200]!r}: serve "
            "generate_latest(registry)"
        )
    return {family.name: family for family in families}


def _family(families: dict, name: str, where: str) -> Any:
    kind, _, exposed = FAMILIES[name]
    family = families.get(name)
    if family is None:
        others = sorted(n for n in families if n.startswith("fraud"))
        fail(
            f"GET /metrics {where} has no {kind} {exposed} (its fraud families: {others}): the "
            "names are fixed, this lesson's alerts and dashboard query them"
        )
    if family.type != kind:
        fail(
            f"GET /metrics {where}: {exposed} is a {family.type}, expected a {kind}"
            + (
                ": a Gauge of the last latency says nothing about the other requests, and "
                "quantiles over time need a Histogram's buckets"
                if name == "fraud_request_duration_seconds"
                else ""
            )
        )
    return family


def _requests(families: dict, where: str) -> dict:
    """fraud_requests_total as {(route, method, status): value}."""
    family = _family(families, "fraud_requests", where)
    out: dict[tuple, float] = {}
    for sample in family.samples:
        if sample.name == "fraud_requests_total":
            labels = sample.labels
            key = (labels.get("route"), labels.get("method"), labels.get("status"))
            out[key] = out.get(key, 0.0) + sample.value
    return out


def _histogram(families: dict, name: str, where: str) -> dict:
    """A histogram as {route (None without labels): {"buckets": {le: count}, "count", "sum"}}."""
    family = _family(families, name, where)
    out: dict[Any, dict] = {}
    for sample in family.samples:
        route = sample.labels.get("route")
        item = out.setdefault(route, {"buckets": {}, "count": 0.0, "sum": 0.0})
        if sample.name == f"{name}_bucket":
            item["buckets"][float(sample.labels["le"])] = sample.value
        elif sample.name == f"{name}_count":
            item["count"] = sample.value
        elif sample.name == f"{name}_sum":
            item["sum"] = sample.value
    return out


def _diff(after: dict, before: dict) -> dict:
    keys = set(after) | set(before)
    out = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in keys}
    return {k: v for k, v in out.items() if v}


def _table(counts: dict) -> str:
    if not counts:
        return "(nothing)"
    rows = sorted(counts.items(), key=lambda kv: tuple(str(x) for x in kv[0]))
    return ", ".join(
        f"{{route={k[0]!r}, method={k[1]!r}, status={k[2]!r}}} +{v:g}" for k, v in rows
    )


def _check_ok(responses: list, specs: list, statuses: list) -> None:
    for (method, path, _, _), got, want in zip(specs, responses, statuses, strict=True):
        if got.get("status") != want:
            fail(
                f"{method} {path} answered {got}, expected {want}: the monitored app must answer "
                "exactly as lesson 08's create_app does"
            )


def _count_changes(submission, exchange, specs: list, statuses: list, model=None) -> tuple:
    out = observe(submission, _session, str(model_file(exchange)), specs, model)
    _check_ok(out["responses"], specs, statuses)
    before = _families(out["before"], "once ready")
    after = _families(out["after"], "after the requests")
    return out, before, after


def _body(transaction_id: int = 77, amount: float = 129.9) -> dict:
    return {
        "transaction_id": transaction_id,
        "timestamp": "2025-03-01T21:15:00+01:00",
        "amount": amount,
        "currency": "EUR",
        "merchant_category": "electronics",
        "channel": "web",
        "card_country": "DE",
        "merchant_country": "NL",
    }


def _batch(bodies: list) -> str:
    return json.dumps({"transactions": bodies})


def _label_values(families: dict) -> list[tuple[str, str, str]]:
    return [
        (sample.name, key, value)
        for name, family in families.items()
        if name.startswith("fraud")
        for sample in family.samples
        for key, value in sample.labels.items()
        if key != "le"
    ]


def _psi(scrape: dict, where: str) -> dict:
    """fraud_feature_psi as {feature: value}."""
    family = _family(_families(scrape, where), "fraud_feature_psi", where)
    return {s.labels.get("feature"): s.value for s in family.samples}


class TestExposition:
    def test_metrics_endpoint_and_families(self, submission, exchange):
        specs = [("POST", "/predict", json.dumps(_body()), {}), ("GET", "/health", None, {})]
        out, _, after = _count_changes(submission, exchange, specs, [200, 200])
        want = prometheus_client.CONTENT_TYPE_LATEST
        if out["after"]["content_type"] != want:
            fail(
                f"GET /metrics answered with the content type {out['after']['content_type']!r}, "
                f"expected prometheus_client.CONTENT_TYPE_LATEST ({want!r}): it tells the "
                "scraper which version of the text format to parse"
            )
        for name in ("fraud_requests", "fraud_request_duration_seconds", "fraud_score"):
            _family(after, name, "after requests")
        for name, (_, labels, exposed) in FAMILIES.items():
            family = after.get(name)
            if family is None:
                continue
            for sample in family.samples:
                got = set(sample.labels) - {"le"}
                if got != labels:
                    fail(
                        f"{exposed} has a series with the labels {sorted(got)}, expected exactly "
                        f"{sorted(labels)}: the alerts and the dashboard aggregate by these, and "
                        "any other label (an id, a path) makes a new series per value"
                    )

    def test_model_info_once_ready(self, submission, exchange):
        path = model_file(exchange)
        out = observe(submission, _loading, str(path))
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        after = _families(out["after"], "once ready")
        info = _family(after, "fraud_model_info", "once ready")
        series = [(s.labels, s.value) for s in info.samples if s.name == "fraud_model_info"]
        want = {"version": VERSION, "sha256": sha}
        if series != [(want, 1.0)]:
            before_request = (
                " (the scrape came once served.ready was true, before any GET /ready: the "
                "series is there whenever the service is ready, whether or not anyone asked "
                "/ready)"
                if out.get("polled_served")
                else ""
            )
            fail(
                f"once ready, fraud_model_info had the series {series}{before_request}, expected "
                f"one: fraud_model_info{{version={VERSION!r}, sha256={sha!r}}} 1 (served.version "
                "and served.sha256): a dashboard shows which model answers, and when it changed"
            )
        if out["held"] and out["still_held"]:
            during = _families(out["during"], "while the model was loading")
            family = during.get("fraud_model_info")
            early = [s.labels for s in family.samples] if family is not None else []
            if early:
                fail(
                    f"while load_model had not returned, fraud_model_info already had the series "
                    f"{early}: it says which model serves, so it appears once the service is "
                    "ready (GET /ready answers 200), not before"
                )
            if out["ready_during"].get("status") != 503:
                fail(f"GET /ready while loading answered {out['ready_during']}, expected 503")
        failed = _families(out["failed_scrape"], "of an app whose model file is missing")
        family = failed.get("fraud_model_info")
        series = [s.labels for s in family.samples] if family is not None else []
        if series:
            fail(
                f"with a model file that does not exist (loading failed), fraud_model_info had "
                f"the series {series}: no model serves, so there is none"
            )
        if out["failed_ready"].get("status") != 503:
            fail(f"GET /ready with a missing model file answered {out['failed_ready']}")
        counts = _requests(failed, "of an app whose model file is missing")
        if counts.get(("/ready", "GET", "5xx"), 0) < 1:
            fail(
                f"with a missing model file, GET /ready answered 503, and fraud_requests_total "
                f"then held {_table(counts)}: expected route '/ready', method 'GET', status "
                "'5xx' (the status class: an alert on the 5xx ratio needs it)"
            )


class TestRequests:
    def test_counts_by_route_method_and_status_class(self, submission, exchange):
        bodies = transaction_bodies(4, seed=31)
        specs = [
            ("GET", "/health", None, {}),
            ("GET", "/health", None, {}),
            ("GET", "/health", None, {}),
            ("POST", "/predict", json.dumps(bodies[0]), {}),
            ("POST", "/predict", json.dumps(bodies[1]), {}),
            ("POST", "/predict/batch", _batch(bodies), {}),
            ("POST", "/predict", '{"amount": 1}', {}),
            ("GET", "/predict", None, {}),
            ("GET", "/metadata", None, {}),
            ("GET", "/ready", None, {}),
            ("DELETE", "/health", None, {}),
        ]
        statuses = [200, 200, 200, 200, 200, 200, 422, 405, 200, 200, 405]
        _, before, after = _count_changes(submission, exchange, specs, statuses)
        want = {
            ("/health", "GET", "2xx"): 3.0,
            ("/predict", "POST", "2xx"): 2.0,
            ("/predict/batch", "POST", "2xx"): 1.0,
            ("/predict", "POST", "4xx"): 1.0,
            ("/predict", "GET", "4xx"): 1.0,
            ("/metadata", "GET", "2xx"): 1.0,
            ("/ready", "GET", "2xx"): 1.0,
            ("/health", "DELETE", "4xx"): 1.0,
            ("/metrics", "GET", "2xx"): 1.0,  # the first scrape, counted once answered
        }
        got = _diff(_requests(after, "after the requests"), _requests(before, "once ready"))
        if got != want:
            fail(
                "between two scrapes, fraud_requests_total grew by "
                f"{_table(got)}; expected {_table(want)}. The requests were: "
                + "; ".join(
                    f"{m} {p} -> {s}" for (m, p, _, _), s in zip(specs, statuses, strict=True)
                )
                + "; then GET /metrics. A counter only grows (never a new one per request); the "
                "route is the matched template (a 405 on GET /predict is route '/predict'), the "
                "status its class ('2xx', '4xx', ...), and a scrape counts once answered"
            )

    def test_server_errors_counted(self, submission, exchange):
        specs = [
            ("POST", "/predict", json.dumps(_body(5)), {}),
            ("POST", "/predict/batch", _batch([_body(6), _body(7)]), {}),
            ("GET", "/health", None, {}),
        ]
        _, before, after = _count_changes(
            submission, exchange, specs, [500, 500, 200], model={"failing": True}
        )
        want = {
            ("/predict", "POST", "5xx"): 1.0,
            ("/predict/batch", "POST", "5xx"): 1.0,
            ("/health", "GET", "2xx"): 1.0,
            ("/metrics", "GET", "2xx"): 1.0,
        }
        got = _diff(_requests(after, "after the requests"), _requests(before, "once ready"))
        if got != want:
            fail(
                "with a model that raises on every prediction (lesson 08's service answers "
                f"500), POST /predict, POST /predict/batch and GET /health made "
                f"fraud_requests_total grow by {_table(got)}; expected {_table(want)}: a "
                "failed request is counted too, with its status class, or the error ratio "
                "alert never sees the errors"
            )
        old = _histogram(before, "fraud_score", "once ready").get(None, {})
        new = _histogram(after, "fraud_score", "after the requests").get(None, {})
        if new.get("count") != old.get("count"):
            fail(
                f"fraud_score counted {new.get('count', 0) - old.get('count', 0):g} scores for "
                "requests whose model raised: no score was served"
            )

    def test_unmatched_paths_and_methods_stay_bounded(self, submission, exchange):
        specs = [
            ("GET", "/predict/123", None, {}),
            ("GET", "/users/42", None, {}),
            ("POST", "/predict/batch/7", "{}", {}),
            ("GET", "/health/", None, {}),
            ("BREW", "/health", None, {}),
            ("PATCH", "/health", None, {}),
            ("OPTIONS", "/health", None, {}),
            ("GET", "/health", None, {}),
        ]
        _, before, after = _count_changes(
            submission, exchange, specs, [404, 404, 404, 307, 405, 405, 405, 200]
        )
        allowed = {
            "route": set(ROUTES) | set(FASTAPI_ROUTES) | {"unmatched"},
            "method": {*METHODS, "other"},
        }
        for sample, key, value in _label_values(after):
            if key in allowed and value not in allowed[key]:
                fail(
                    f"after GET /predict/123, GET /users/42, POST /predict/batch/7, GET "
                    f"/health/, BREW /health, PATCH /health and OPTIONS /health, {sample} has "
                    f"the label {key}={value!r}: a "
                    "label taken from the request (a raw path, a client's method) makes a "
                    "new series for every value a client invents, until Prometheus falls "
                    "over. A path that no route matches is route 'unmatched' (a route is "
                    "one of the app's templates); a method not in METHODS is 'other'"
                )
        want = {
            ("unmatched", "GET", "4xx"): 2.0,
            ("unmatched", "POST", "4xx"): 1.0,
            ("unmatched", "GET", "3xx"): 1.0,
            ("/health", "other", "4xx"): 1.0,
            ("/health", "PATCH", "4xx"): 1.0,
            ("/health", "OPTIONS", "4xx"): 1.0,
            ("/health", "GET", "2xx"): 1.0,
            ("/metrics", "GET", "2xx"): 1.0,
        }
        got = _diff(_requests(after, "after the requests"), _requests(before, "once ready"))
        if got != want:
            fail(
                "after GET /predict/123 (404), GET /users/42 (404), POST /predict/batch/7 (404), "
                "GET /health/ (307, a redirect), BREW /health (405), PATCH /health (405), "
                "OPTIONS /health (405) and GET /health, "
                f"fraud_requests_total grew by {_table(got)}; expected {_table(want)}: a path "
                "that no route matches exactly is route 'unmatched'; the method is the "
                "request's when it is one of METHODS (all seven, PATCH and OPTIONS too), else "
                "'other'; the status is its class"
            )

    def test_no_ids_in_labels(self, submission, exchange):
        ids = [918273645, 564738291]
        trace = "trace-5e4d3c2b1a"
        specs = [
            ("POST", "/predict", json.dumps(_body(ids[0])), {"X-Request-ID": trace}),
            ("POST", "/predict/batch", _batch([_body(ids[1]), _body(ids[0], 3.5)]), {}),
            ("GET", "/health", None, {"X-Request-ID": "client-7"}),
        ]
        _, _, after = _count_changes(submission, exchange, specs, [200, 200, 200])
        for sample, key, value in _label_values(after):
            for sent in (str(ids[0]), str(ids[1]), trace, "client-7"):
                if sent in value or key in ("request_id", "transaction_id", "user_id"):
                    fail(
                        f"{sample} has the label {key}={value!r} (after requests with the "
                        f"transaction ids {ids} and the X-Request-IDs {trace!r} and 'client-7'): "
                        "an id as a label makes one series per request, each kept for weeks; "
                        "ids belong in logs, not in metrics"
                    )


class TestLatency:
    def test_buckets_hold_the_objective(self, submission, exchange):
        got = submission.LATENCY_OBJECTIVE_SECONDS
        if got != 0.05:
            fail(f"LATENCY_OBJECTIVE_SECONDS is {got!r}, expected 0.05 (the p99 objective)")
        _, _, after = _count_changes(submission, exchange, [("GET", "/health", None, {})], [200])
        hist = _histogram(after, "fraud_request_duration_seconds", "after GET /health")
        if "/health" not in hist:
            fail(
                "after GET /health, fraud_request_duration_seconds has no series with "
                f"route='/health' (its routes: {sorted(hist, key=str)})"
            )
        bounds = sorted(b for b in hist["/health"]["buckets"] if math.isfinite(b))
        problems = []
        if 0.05 not in bounds:
            problems.append(
                "0.05 is not a bound: histogram_quantile interpolates inside a bucket, so "
                "'p99 above 0.05 s' is only exact when the objective is a bucket edge"
            )
        if sum(b < 0.01 for b in bounds) < 2:
            problems.append(
                "fewer than two bounds below 0.01 s: a request here takes about a millisecond, "
                "and all of them would share one bucket"
            )
        if not bounds or bounds[-1] < 1.0:
            problems.append("no bound of 1 s or more: slow would not be told from stuck")
        if problems:
            fail(f"the latency buckets are {bounds}: " + "; ".join(problems))

    def test_every_request_timed_once(self, submission, exchange):
        specs = [
            ("GET", "/health", None, {}),
            ("POST", "/predict", json.dumps(_body()), {}),
            ("POST", "/predict", "{", {}),
            ("GET", "/nope/1", None, {}),
            ("GET", "/metadata", None, {}),
            ("GET", "/metadata", None, {}),
        ]
        _, before, after = _count_changes(
            submission, exchange, specs, [200, 200, 422, 404, 200, 200]
        )
        name = "fraud_request_duration_seconds"
        timed = {
            route: item["count"]
            - _histogram(before, name, "once ready").get(route, {}).get("count", 0)
            for route, item in _histogram(after, name, "after the requests").items()
        }
        timed = {route: n for route, n in timed.items() if n}
        counted: dict[str, float] = {}
        for key, n in _diff(
            _requests(after, "after the requests"), _requests(before, "once ready")
        ).items():
            counted[key[0]] = counted.get(key[0], 0.0) + n
        if timed != counted:
            fail(
                f"between two scrapes, fraud_request_duration_seconds observed {timed} requests "
                f"per route, while fraud_requests_total counted {counted}: time every request "
                "once, in the same place you count it, with the same route label"
            )

    def test_latency_measured_after_the_work(self, submission, exchange):
        specs = [("POST", "/predict", json.dumps(_body(k)), {}) for k in (1, 2, 3)]
        specs.append(("POST", "/predict/batch", _batch([_body(4), _body(5)]), {}))
        _, before, after = _count_changes(
            submission, exchange, specs, [200] * 4, model={"delay": SLOW_SECONDS}
        )
        name = "fraud_request_duration_seconds"
        for route, n in (("/predict", 3), ("/predict/batch", 1)):
            old = _histogram(before, name, "once ready").get(
                route, {"buckets": {}, "count": 0, "sum": 0}
            )
            new = _histogram(after, name, "after the requests").get(route)
            if new is None or new["count"] - old["count"] != n:
                fail(
                    f"after {n} POST {route}, fraud_request_duration_seconds{{route={route!r}}} "
                    f"counted {new and new['count'] - old['count']} observations, expected {n}"
                )
            fast = {b: c - old["buckets"].get(b, 0) for b, c in new["buckets"].items() if b <= 0.1}
            seconds = new["sum"] - old["sum"]
            if any(fast.values()) or seconds < n * SLOW_SECONDS * 0.9:
                fail(
                    f"with a model that takes {SLOW_SECONDS} s per prediction, {n} POST {route} "
                    f"were observed as {seconds:.4f} s in all, with {fast} of them in the buckets "
                    "up to 0.1 s: the latency must be observed after the response was sent "
                    "(around the whole request), never before the work is done"
                )
            if seconds > n * LATENCY_CEILING_SECONDS:
                fail(
                    f"with a model that takes {SLOW_SECONDS} s per prediction, {n} POST {route} "
                    f"were observed as {seconds:.4f} in all, more than {LATENCY_CEILING_SECONDS} "
                    "s each: fraud_request_duration_seconds holds SECONDS (time.perf_counter() "
                    "differences as they are, not milliseconds): its buckets, the dashboard's "
                    "unit and the 0.05 s objective of the alert read seconds"
                )


class TestScores:
    def test_scores_served_are_observed(self, submission, exchange):
        path = model_file(exchange)
        bodies = transaction_bodies(16, seed=32)
        want = expected_scores(path, bodies)
        specs = [("POST", "/predict", json.dumps(b), {}) for b in bodies[:5]]
        specs.append(("POST", "/predict/batch", _batch(bodies[5:]), {}))
        specs.append(("POST", "/predict", '{"amount": "x"}', {}))
        _, before, after = _count_changes(submission, exchange, specs, [200] * 6 + [422])
        old = _histogram(before, "fraud_score", "once ready").get(None)
        new = _histogram(after, "fraud_score", "after the requests").get(None)
        if old is None or new is None:
            fail("fraud_score has no series without labels: it is one histogram of every score")
        bounds = tuple(sorted(b for b in new["buckets"] if math.isfinite(b)))
        if bounds != SCORE_BUCKETS:
            fail(
                f"fraud_score has the bucket bounds {bounds}, expected SCORE_BUCKETS {SCORE_BUCKETS}"
            )
        if old["count"] != 0:
            fail(
                f"fraud_score counted {old['count']:g} scores once ready, before any prediction "
                "was asked for: the warm-up prediction serves no one, so it is not a served "
                "score (observe only once served.ready)"
            )
        count = new["count"] - old["count"]
        if count != len(bodies):
            fail(
                f"after 5 POST /predict and one POST /predict/batch of 11 (and one 422), "
                f"fraud_score counted {count:g} scores, expected {len(bodies)}: every score "
                "served, one per transaction of a batch"
            )
        got = {b: new["buckets"][b] - old["buckets"].get(b, 0) for b in bounds}
        expected = {b: float((want <= b).sum()) for b in bounds}
        total = new["sum"] - old["sum"]
        if got != expected or abs(total - float(want.sum())) > 1e-6:
            fail(
                f"fraud_score's buckets (cumulative) grew by {got} with the sum {total!r}; the "
                f"scores served were {[round(float(s), 4) for s in want]}, expected {expected} "
                f"and the sum {float(want.sum())!r}: observe each score the response carries"
            )


class TestRegistries:
    def test_each_app_has_its_own_registry(self, submission, exchange):
        out = observe(submission, _registries, str(model_file(exchange)))
        if "error" in out:
            fail(
                f"{out['error']}: with registry=None each app registers its metrics in a new "
                "CollectorRegistry() of its own; prometheus_client's global REGISTRY refuses "
                "the same names twice (and would mix the apps' counts)"
            )
        if out["global_new"]:
            fail(
                f"creating apps with registry=None added {out['global_new']} to "
                "prometheus_client's global REGISTRY: use a new CollectorRegistry() per app"
            )
        a = _requests(_families(out["a"], "of app A"), "of app A")
        b = _requests(_families(out["b"], "of app B"), "of app B")
        if a.get(("/health", "GET", "2xx")) != 2.0:
            fail(f"after 2 GET /health on app A, A's fraud_requests_total held {_table(a)}")
        if any(key[0] == "/health" for key in b):
            fail(
                f"app B (created after A, no request) shows {_table(b)} after 2 GET /health on "
                "app A: each app counts its own requests, in its own registry"
            )
        if b:
            fail(
                f"app B's first GET /metrics (no request before it) showed fraud_requests_total "
                f"{_table(b)}, expected no series: a scrape is counted once its response was "
                "sent, so each scrape shows the ones before it, never itself"
            )
        own = _requests(_families({"status": 200, "text": out["own"]}, "of the registry given"), "")
        if own.get(("/health", "GET", "2xx")) != 1.0:
            fail(
                "create_monitored_app(path, registry=r), then GET /health: "
                f"generate_latest(r) shows fraud_requests_total {_table(own)}, expected "
                "route='/health' +1: register the metrics in the registry given"
            )
        c = _requests(_families(out["c"], "of app C"), "of app C")
        if c.get(("/health", "GET", "2xx")) != 1.0:
            fail(f"GET /metrics of the app given a registry showed {_table(c)}, expected /health 1")


class TestDrift:
    def test_record_drift_sets_and_replaces(self, submission, exchange):
        reports = [
            {"amount": 0.31, "channel": 0.05, "hour_utc": 0.0},
            {"amount": 0.125, "merchant_country": 0.25, "hour_utc": 0},
            # Other real numbers: a NumPy float32 and int64 are finite reals too.
            {"amount": np.float32(0.5), "hour_utc": np.int64(2)},
            {},
        ]
        out = observe(submission, _drift, str(model_file(exchange)), reports, [])
        for k, (report, scrape) in enumerate(zip(reports, out["scrapes"], strict=True)):
            where = f"after record_drift(app, {report})" + (
                " (the calls before it too)" if k else ""
            )
            family = _family(_families(scrape, where), "fraud_feature_psi", where)
            got = {s.labels.get("feature"): s.value for s in family.samples}
            if got != {k: float(v) for k, v in report.items()}:
                fail(
                    f"{where}, fraud_feature_psi was {got}, expected {report}: one series per "
                    "feature with its PSI, and each call is the drift job's whole report (a "
                    "feature it lacks has no series any more)"
                )
        other = _families(out["other"], "of another app")
        family = other.get("fraud_feature_psi")
        if family is not None and family.samples:
            fail(
                "an app on which record_drift was never called had the fraud_feature_psi "
                f"series {[s.labels for s in family.samples]} (record_drift was called on "
                "another app): no series until the drift job reports, and each app its own"
            )
        calls = [(0, {"amount": 0.3}), (1, {"channel": 0.1}), (0, {"hour_utc": 0.2})]
        scrapes = observe(submission, _drift_apps, str(model_file(exchange)), calls)
        shown = "; ".join(f"record_drift({'AB'[k]}, {report})" for k, report in calls)
        for k, want in ((0, calls[2][1]), (1, calls[1][1])):
            got = _psi(scrapes[k], f"of app {'AB'[k]} after {shown}")
            if got != want:
                fail(
                    f"after {shown} on two apps A and B, app {'AB'[k]}'s fraud_feature_psi was "
                    f"{got}, expected {want}: each call is the drift job's whole report for "
                    "that app, so keep what it recorded on that app (app.state), not in a "
                    "module-level variable shared by every app"
                )

    def test_record_drift_rejects_bad_values(self, submission, exchange):
        good = {"amount": 0.2}
        bad = [
            {"zz_first": 0.5, "amount": float("nan")},
            {"amount": float("inf")},
            {"amount": -0.01},
            {"amount": True},
            {"amount": "0.3"},
            {"amount": None},
            {"": 0.1},
            {3: 0.1},
        ]
        out = observe(submission, _drift, str(model_file(exchange)), [good], bad)
        if _psi(out["scrapes"][0], f"after record_drift(app, {good})") != good:
            fail(f"after record_drift(app, {good}), fraud_feature_psi was not {good}")
        for report, item in zip(bad, out["refused"], strict=True):
            if item["raised"] is None:
                fail(
                    f"record_drift(app, {report}) returned: expected ValueError (a PSI is a "
                    "finite number >= 0, not a bool; a feature is a non-empty string)"
                )
            if item["raised"]:
                fail(f"record_drift(app, {report}) raised {item['raised']}, expected ValueError")
            series = _psi(item["scrape"], f"after record_drift(app, {report}) raised")
            if series != good:
                fail(
                    f"record_drift(app, {report}) raised, but fraud_feature_psi changed from "
                    f"{good} to {series}: check the whole report before setting anything"
                )


class TestRealServer:
    def test_scraped_from_a_real_server(self, submission, exchange):
        path = model_file(exchange)
        specs = [
            ("GET", "/health", None, {}),
            ("POST", "/predict", json.dumps(_body(11)), {}),
            ("POST", "/predict/batch", _batch([_body(12), _body(13, 9.5)]), {}),
            ("GET", "/predict/12", None, {}),
        ]
        out = observe(submission, _real_server, str(path), specs)
        _check_ok(out["responses"], specs, [200, 200, 200, 404])
        before = _families(out["before"], "on a uvicorn server, once ready")
        after = _families(out["after"], "on a uvicorn server, after the requests")
        if out["after"]["content_type"] != prometheus_client.CONTENT_TYPE_LATEST:
            fail(
                f"GET /metrics on a uvicorn server had the content type {out['after']['content_type']!r}"
            )
        want = {
            ("/health", "GET", "2xx"): 1.0,
            ("/predict", "POST", "2xx"): 1.0,
            ("/predict/batch", "POST", "2xx"): 1.0,
            ("unmatched", "GET", "4xx"): 1.0,
            ("/metrics", "GET", "2xx"): 1.0,
        }
        got = _diff(
            _requests(after, "on a uvicorn server"), _requests(before, "on a uvicorn server")
        )
        if got != want:
            fail(
                f"on a uvicorn server, fraud_requests_total grew by {_table(got)}, expected "
                f"{_table(want)}"
            )
        scores = _histogram(after, "fraud_score", "on a uvicorn server").get(None, {})
        if scores.get("count") != 3.0:
            fail(
                f"on a uvicorn server, fraud_score counted {scores.get('count')} scores, expected 3"
            )
        info = _family(after, "fraud_model_info", "on a uvicorn server")
        if [s.labels.get("version") for s in info.samples] != [VERSION]:
            fail(f"on a uvicorn server, fraud_model_info was {[s.labels for s in info.samples]}")
