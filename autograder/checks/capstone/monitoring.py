"""Checks for capstone/monitoring (see solutions/capstone/fraudsys/monitoring.py for the reference).

The learner's functions run in the learner's process (`submission.observe`), on a small FastAPI
app of the checks' own (so that this part's grade never depends on the learner's service): a
route with a path parameter, a POST route with a body, a slow route, a route that raises.
`instrument(app)` is called on it, requests are sent through starlette's TestClient (once through
a real uvicorn server on 127.0.0.1), `GET /metrics` is scraped and the exposition parsed here with
prometheus_client's parser; counts are compared as differences between two scrapes of the same
app. The drift job is compared with the reference's on hand-built and seeded frames, and replayed
on the hidden world (`_shared.world()`): its report, recorded with `record_drift` and scraped,
puts the planted drifts above config.PSI_ALERT_THRESHOLD and the stable features under it.
Lesson 08's probe helpers (autograder/checks/08_serving/_shared.py) are reused.
"""

from __future__ import annotations

import importlib
import math
import time
import warnings
from typing import Any

import fastapi  # noqa: F401 - imported once here; the learner's process is forked from this one
import httpx
import numpy as np
import pandas as pd
import prometheus_client
import pydantic
from prometheus_client.parser import text_string_to_metric_families

from autograder.assertions import fail

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx2
    import starlette.testclient  # noqa: F401

_serving = importlib.import_module("autograder.checks.08_serving._shared")
_capstone = importlib.import_module("autograder.checks.capstone._shared")
ProbeFailure = _serving.ProbeFailure
guarded = _serving.guarded
observe = _serving.observe
serve = _serving.serve
# GET /metrics as plain data (status, content type, body): lesson 10 ex01's probe helper.
_scrape = importlib.import_module("autograder.checks.10_monitoring.ex01_metrics")._scrape

REQUESTS = "fraudsys_requests_total"
FAMILIES = {  # family name (as the parser names it) -> (type, label names, exposed name)
    "fraudsys_requests": ("counter", {"route", "method", "status"}, REQUESTS),
    "fraudsys_request_duration_seconds": (
        "histogram",
        {"route"},
        "fraudsys_request_duration_seconds",
    ),
    "fraudsys_score": ("histogram", set(), "fraudsys_score"),
    "fraudsys_model_info": ("gauge", {"version", "sha256"}, "fraudsys_model_info"),
    "fraudsys_feature_psi": ("gauge", {"feature"}, "fraudsys_feature_psi"),
}
PSI_THRESHOLD = 0.1  # fraudsys/config.py's PSI_ALERT_THRESHOLD
OBJECTIVE = 0.05  # the latency alert's objective, a bucket bound
SLOW_SECONDS = 0.12  # the checks' slow route
CLASSES = ("2xx", "3xx", "4xx", "5xx")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other")


# --- probes (run in the learner's process) --------------------------------------------------------


class Payment(pydantic.BaseModel):
    """The body of the checks' POST /predict."""

    amount: float


def _app() -> Any:
    """The checks' app: /health, /predict (POST, a JSON body), /payments/{payment_id}, /slow and
    /boom (raises). No lifespan: nothing to load."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/predict")
    def predict(payment: Payment) -> dict:
        return {"score": 0.25}

    @app.get("/payments/{payment_id}")
    def payment(payment_id: int) -> dict:
        return {"payment_id": payment_id}

    @app.get("/slow")
    def slow() -> dict:
        time.sleep(SLOW_SECONDS)
        return {"status": "slow"}

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("the checks' route that breaks")

    return app


def _client(app: Any) -> Any:
    from starlette.testclient import TestClient

    return TestClient(app, raise_server_exceptions=False)


def _send(client: Any, method: str, path: str, body: str | None = None) -> dict:
    kwargs: dict[str, Any] = {"follow_redirects": False}
    if body is not None:
        kwargs["content"] = body.encode()
        kwargs["headers"] = {"content-type": "application/json"}
    try:
        response = client.request(method, path, **kwargs)
    except Exception as exc:  # noqa: BLE001 - no answer is a fact
        return {"no_answer": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": int(response.status_code)}


def _instrumented(module: Any, registry: Any = None) -> tuple[Any, Any]:
    app = _app()
    if registry is None:
        returned = module.instrument(app)
    else:
        returned = module.instrument(app, registry=registry)
    return app, returned


@guarded
def _session(
    module: Any, requests: list, info: list | None = None, scores: list | None = None
) -> dict:
    """Instrument the checks' app, scrape, send `requests` [(method, path, body)], call
    set_model_info(*info) and observe_scores(scores) when given, scrape again."""
    app, returned = _instrumented(module)
    client = _client(app)
    before = _scrape(client)
    responses = [_send(client, *spec) for spec in requests]
    if info is not None:
        module.set_model_info(app, *info)
    if scores is not None:
        module.observe_scores(app, scores)
    after = _scrape(client)
    return {
        "before": before,
        "responses": responses,
        "after": after,
        "returned": type(returned).__name__,
    }


@guarded
def _model_info(module: Any, calls: list) -> dict:
    app, _ = _instrumented(module)
    client = _client(app)
    scrapes = [_scrape(client)]
    for version, sha in calls:
        module.set_model_info(app, version, sha)
        scrapes.append(_scrape(client))
    return {"scrapes": scrapes}


@guarded
def _registries(module: Any) -> dict:
    """Apps A and B with registry=None, C with a registry of the checks' own."""

    def names(registry: Any) -> list[str]:
        return sorted({metric.name for metric in registry.collect()})

    global_before = names(prometheus_client.REGISTRY)
    out: dict[str, Any] = {}
    apps = []
    for what in ("A", "B"):
        try:
            apps.append(_instrumented(module)[0])
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - the fact reported
            out["error"] = f"instrumenting app {what} raised {type(exc).__name__}: {exc}"[:400]
            return out
    own = prometheus_client.CollectorRegistry()
    try:
        app_c, returned = _instrumented(module, own)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        out["error"] = f"instrument(app, registry=...) raised {type(exc).__name__}: {exc}"[:400]
        return out
    out["returned_own"] = returned is own
    a, b, c = (_client(app) for app in (*apps, app_c))
    out["a_health"] = [_send(a, "GET", "/health") for _ in range(2)]
    out["c_health"] = _send(c, "GET", "/health")
    out["a"] = _scrape(a)
    out["b"] = _scrape(b)
    out["c"] = _scrape(c)
    out["own"] = prometheus_client.generate_latest(own).decode()
    out["global_new"] = sorted(set(names(prometheus_client.REGISTRY)) - set(global_before))
    return out


@guarded
def _drift(module: Any, reports: list, bad: list) -> dict:
    """record_drift on an instrumented app (made second, so that a gauge shared between apps
    shows in the wrong scrape): a scrape after each report, then each bad report's outcome."""
    other, _ = _instrumented(module)
    app, _ = _instrumented(module)
    client = _client(app)
    scrapes = []
    for report in reports:
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
            raised = "" if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"[:200]
        refused.append({"raised": raised, "scrape": _scrape(client)})
    return {"scrapes": scrapes, "refused": refused, "other": _scrape(_client(other))}


@guarded
def _drift_job(module: Any, cases: list) -> list:
    """drift_job(reference, current) of each case: its result, or the exception it raised."""
    out = []
    for reference, current in cases:
        try:
            result = module.drift_job(reference, current)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - the fact reported
            out.append({"raised": type(exc).__name__, "message": str(exc)[:200]})
            continue
        if not isinstance(result, dict):
            out.append({"type": type(result).__name__})
            continue
        out.append({"value": {str(k): _plain(v) for k, v in result.items()}})
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return f"bool {value}"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return f"{type(value).__name__} {value!r}"[:80]


@guarded
def _replay(module: Any, reference: Any, current: Any) -> dict:
    """The drift job end to end: drift_job, record_drift on an instrumented app, a scrape."""
    app, _ = _instrumented(module)
    report = module.drift_job(reference, current)
    module.record_drift(app, report)
    return {
        "report": {str(k): _plain(v) for k, v in report.items()},
        "scrape": _scrape(_client(app)),
    }


@guarded
def _real_server(module: Any, requests: list) -> dict:
    """The instrumented app under a real uvicorn server on 127.0.0.1."""
    app, _ = _instrumented(module)
    with serve(app, lifespan="off") as server:
        if not server.wait_started(5.0):
            raise ProbeFailure("the server did not start listening within 5 s")
        with httpx.Client(base_url=server.url, timeout=5.0, trust_env=False) as client:
            before = _scrape(client)
            responses = [_send(client, *spec) for spec in requests]
            after = _scrape(client)
    return {"before": before, "responses": responses, "after": after}


# --- the grader's side ----------------------------------------------------------------------------


def _families(scrape: dict, what: str) -> dict:
    """{family name: family} of a scrape, failing on a scrape that is not the exposition."""
    if "no_answer" in scrape:
        fail(f"GET /metrics ({what}) got no answer: {scrape['no_answer']}")
    if scrape["status"] != 200:
        fail(f"GET /metrics ({what}) answered {scrape['status']}, expected 200")
    try:
        return {f.name: f for f in text_string_to_metric_families(scrape["text"])}
    except Exception as exc:  # noqa: BLE001 - the parser's message
        fail(
            f"the body of GET /metrics ({what}) is not Prometheus's text format ({exc}); it "
            f"starts:\n{scrape['text'][:300]}"
        )


def _samples(scrape: dict, name: str, what: str) -> dict[tuple, float]:
    """{sorted label items: value} of the samples called `name`."""
    out: dict[tuple, float] = {}
    for family in _families(scrape, what).values():
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] = s.value
    return out


def _delta(session: dict, name: str) -> dict[tuple, float]:
    before = _samples(session["before"], name, "before the requests")
    after = _samples(session["after"], name, "after the requests")
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0)}


def _requests(session: dict) -> dict[tuple, float]:
    """The change of fraudsys_requests_total by (route, method, status) between the scrapes."""
    return {
        (d.get("route"), d.get("method"), d.get("status")): v
        for k, v in _delta(session, REQUESTS).items()
        for d in [dict(k)]
    }


def _show(counts: dict) -> str:
    return ", ".join(f"{k}: {v:g}" for k, v in sorted(counts.items(), key=str)) or "nothing"


def _responses(session: dict, requests: list) -> None:
    for spec, response in zip(requests, session["responses"], strict=True):
        if "no_answer" in response:
            fail(
                f"{spec[0]} {spec[1]} got no answer from the instrumented app: {response['no_answer']}"
            )


BODY = '{"amount": 12.5}'


class TestExposition:
    def test_the_five_families_with_their_types_and_labels(self, submission):
        requests = [("GET", "/health", None), ("POST", "/predict", BODY)]
        session = observe(submission, _session, requests, ["7", "ab" * 32], [0.1, 0.9])
        _responses(session, requests)
        scrape = session["after"]
        if not scrape["content_type"].startswith("text/plain"):
            fail(
                f"GET /metrics answered with content type {scrape['content_type']!r}, expected "
                "prometheus_client's CONTENT_TYPE_LATEST (text/plain; version=0.0.4): Prometheus "
                "reads the body by it"
            )
        families = _families(scrape, "after requests")
        for name, (kind, labels, exposed) in FAMILIES.items():
            if name not in families:
                fail(
                    f"GET /metrics has no {exposed} ({kind}) after requests, set_model_info and "
                    f"observe_scores (families found: {sorted(families)}): use the names of "
                    "fraudsys/config.py, which the alerts and the dashboard read"
                )
            family = families[name]
            if family.type != kind:
                fail(f"{exposed} is a {family.type}, expected a {kind}")
            if name == "fraudsys_feature_psi":
                continue  # no series until record_drift: its labels are checked there
            found = set()
            for s in family.samples:
                found |= set(s.labels) - {"le"}
            if found != labels:
                fail(
                    f"{exposed}'s labels are {sorted(found)}, expected {sorted(labels)}: the "
                    "alerts and the dashboard select these labels, and no other may exist"
                )
        if "returned" in session and session["returned"] != "CollectorRegistry":
            fail(
                f"instrument(app) returned a {session['returned']}, expected the "
                "CollectorRegistry it registered the metrics in"
            )
        before = _families(session["before"], "before the requests")
        for name in ("fraudsys_model_info", "fraudsys_feature_psi"):
            if name in before and before[name].samples:
                fail(
                    f"{FAMILIES[name][2]} has a series before it was ever set: "
                    f"{before[name].samples[0]}; no series until set_model_info / record_drift"
                )

    def test_own_registry_per_app(self, submission):
        out = observe(submission, _registries)
        if "error" in out:
            fail(out["error"])
        if out["global_new"]:
            fail(
                f"instrument registered {out['global_new']} in prometheus_client's global "
                "REGISTRY: pass registry= to every metric (a new CollectorRegistry() when none "
                "is given), or a second app in the same process raises 'Duplicated timeseries'"
            )
        a = _samples(out["a"], REQUESTS, "app A")
        b = _samples(out["b"], REQUESTS, "app B")
        c = _samples(out["c"], REQUESTS, "app C")
        health_a = sum(v for k, v in a.items() if dict(k).get("route") == "/health")
        health_b = sum(v for k, v in b.items() if dict(k).get("route") == "/health")
        if health_a != 2 or health_b != 0:
            fail(
                f"two apps, two GET /health on A and none on B: A's scrape counts {health_a:g}, "
                f"B's {health_b:g} (expected 2 and 0): each app counts its own requests"
            )
        if not c or "fraudsys_requests_total" not in out["own"]:
            fail(
                "instrument(app, registry=own) did not register its metrics in `own`: its "
                "families must land in the registry it is given"
            )
        if not out["returned_own"]:
            fail("instrument(app, registry=own) should return `own`, the registry it used")


class TestRequests:
    def test_route_templates_methods_and_status_classes(self, submission):
        requests = [
            ("GET", "/payments/1", None),
            ("GET", "/payments/2", None),
            ("GET", "/payments/31", None),
            ("GET", "/health", None),
            ("POST", "/predict", BODY),
            ("POST", "/predict", '{"amount": "lots"}'),
            ("GET", "/boom", None),
            ("GET", "/users/42", None),
            ("GET", "/predict/123", None),
            ("PROPFIND", "/health", None),
            ("DELETE", "/health", None),
        ]
        session = observe(submission, _session, requests)
        _responses(session, requests)
        counts = _requests(session)
        counts.pop(("/metrics", "GET", "2xx"), None)  # the first scrape, counted after it
        expected = {
            ("/payments/{payment_id}", "GET", "2xx"): 3.0,
            ("/health", "GET", "2xx"): 1.0,
            ("/predict", "POST", "2xx"): 1.0,
            ("/predict", "POST", "4xx"): 1.0,
            ("/boom", "GET", "5xx"): 1.0,
            ("unmatched", "GET", "4xx"): 2.0,
            ("/health", "other", "4xx"): 1.0,
            ("/health", "DELETE", "4xx"): 1.0,
        }
        if counts == expected:
            return
        leaked = [
            k
            for k in counts
            if any(s in str(k) for s in ("/payments/1", "/payments/3", "42", "123"))
        ]
        if leaked:
            fail(
                f"a label holds a raw path: {leaked}. Label by the route TEMPLATE "
                "(`scope['route'].path`: /payments/{payment_id}), and \"unmatched\" for a path "
                "no route matches: every distinct value is a new time series, and a client "
                "sending ids would grow Prometheus without bound"
            )
        missing = {k: v for k, v in expected.items() if counts.get(k) != v}
        extra = {k: v for k, v in counts.items() if k not in expected}
        fail(
            "after 3 GET /payments/{id}, GET /health, POST /predict (200 and 422), GET /boom "
            "(raises: 500), 404s on /users/42 and /predict/123, PROPFIND and DELETE on /health "
            f"(405), fraudsys_requests_total grew by\n  {_show(counts)}\nexpected\n  "
            f"{_show(expected)}\n(wrong or missing: {_show(missing)}; unexpected: {_show(extra)}). "
            'route is the matched template or "unmatched", method one of '
            f'{", ".join(METHODS[:-1])} or "other", status the class (2xx ... 5xx); a request '
            "whose handler raised is a 5xx"
        )

    def test_labels_stay_bounded_under_many_ids(self, submission):
        requests = [("GET", f"/payments/{i}", None) for i in range(40)]
        requests += [("GET", f"/tx/{i:032x}", None) for i in range(40)]
        requests += [(m, "/health", None) for m in ("GET", "MKCOL", "FOO", "BREW")]
        session = observe(submission, _session, requests)
        _responses(session, requests)
        after = _samples(session["after"], REQUESTS, "after the requests")
        series = [dict(k) for k in after]
        routes = sorted({s.get("route", "") for s in series})
        methods = sorted({s.get("method", "") for s in series})
        statuses = sorted({s.get("status", "") for s in series})
        if len(after) > 8 or not set(statuses) <= set(CLASSES) or not set(methods) <= set(METHODS):
            fail(
                f"after 80 requests on 80 distinct paths and four methods, "
                f"{REQUESTS} has {len(after)} series (routes {routes[:6]}{'...' if len(routes) > 6 else ''}, "
                f"methods {methods}, statuses {statuses}); expected at most a handful: labels come "
                'from small fixed sets (route templates and "unmatched", known methods and '
                '"other", status classes), never from the request'
            )
        latency = _samples(session["after"], "fraudsys_request_duration_seconds_count", "after")
        if len(latency) > 4:
            fail(
                f"fraudsys_request_duration_seconds has {len(latency)} series after 80 distinct "
                f"paths ({sorted(dict(k).get('route') for k in latency)[:6]}...): its `route` label "
                "is the route template too"
            )

    def test_latency_observed_once_per_request_after_the_response(self, submission):
        requests = [("GET", "/slow", None), ("GET", "/health", None), ("GET", "/health", None)]
        session = observe(submission, _session, requests)
        _responses(session, requests)
        count = _delta(session, "fraudsys_request_duration_seconds_count")
        total = _delta(session, "fraudsys_request_duration_seconds_sum")
        by_route = {dict(k).get("route"): v for k, v in count.items()}
        if by_route.get("/slow") != 1 or by_route.get("/health") != 2:
            fail(
                f"after GET /slow once and GET /health twice, the latency histogram's _count "
                f"grew by {by_route} (expected /slow: 1, /health: 2): one observation per "
                "request, labelled by its route template"
            )
        slow = sum(v for k, v in total.items() if dict(k).get("route") == "/slow")
        if not SLOW_SECONDS * 0.9 <= slow <= 5.0:
            fail(
                f"GET /slow takes {SLOW_SECONDS} s, and the latency histogram's _sum grew by "
                f"{slow:.4f} for it (expected about {SLOW_SECONDS}, in SECONDS): observe the time "
                "from the request's arrival until its response was sent, after the handler ran"
            )
        buckets = {
            dict(k).get("le")
            for k in _samples(session["after"], "fraudsys_request_duration_seconds_bucket", "after")
        }
        bounds = sorted(float(b) for b in buckets if b not in (None, "+Inf"))
        if not any(math.isclose(b, OBJECTIVE) for b in bounds) or sum(b < 0.01 for b in bounds) < 2:
            fail(
                f"the latency buckets are {bounds}: they must hold the objective {OBJECTIVE} s "
                "exactly (the p99 alert compares histogram_quantile with it, exact only at a "
                "bucket bound) and at least two bounds under 0.01 s (a request takes a few ms)"
            )

    def test_a_scrape_is_counted_after_it_was_sent(self, submission):
        session = observe(submission, _session, [])
        before = _samples(session["before"], REQUESTS, "first scrape")
        after = _samples(session["after"], REQUESTS, "second scrape")
        metrics_before = sum(v for k, v in before.items() if dict(k).get("route") == "/metrics")
        metrics_after = sum(v for k, v in after.items() if dict(k).get("route") == "/metrics")
        if (metrics_before, metrics_after) != (0, 1):
            fail(
                f"two scrapes of a fresh app: the first shows {metrics_before:g} request(s) on "
                f"/metrics, the second {metrics_after:g} (expected 0, then 1): a scrape is a "
                "request like any other, counted once its response was sent"
            )

    def test_under_a_real_uvicorn_server(self, submission):
        requests = [("GET", "/health", None), ("POST", "/predict", BODY), ("GET", "/nope", None)]
        session = observe(submission, _real_server, requests)
        _responses(session, requests)
        counts = _requests(session)
        counts.pop(("/metrics", "GET", "2xx"), None)
        expected = {
            ("/health", "GET", "2xx"): 1.0,
            ("/predict", "POST", "2xx"): 1.0,
            ("unmatched", "GET", "4xx"): 1.0,
        }
        if counts != expected:
            fail(
                f"under uvicorn on 127.0.0.1, GET /health, POST /predict and GET /nope grew "
                f"{REQUESTS} by {_show(counts)}, expected {_show(expected)}"
            )


class TestModelAndScores:
    def test_model_info_one_series_of_the_last_call(self, submission):
        calls = [["3", "a" * 64], ["4", "b" * 64]]
        out = observe(submission, _model_info, calls)
        seen = [_samples(s, "fraudsys_model_info", "model info") for s in out["scrapes"]]
        expected = [
            {},
            {(("sha256", "a" * 64), ("version", "3")): 1.0},
            {(("sha256", "b" * 64), ("version", "4")): 1.0},
        ]
        if seen != expected:
            fail(
                f"fraudsys_model_info before set_model_info, after ('3', 'a'*64), after ('4', "
                f"'b'*64): {seen}; expected no series, then one of value 1 with those labels, "
                "then only the new one (a model swapped at run time must not leave the old "
                "version's series behind: the dashboard would show two models)"
            )

    def test_observe_scores_fills_the_histogram(self, submission):
        scores = [0.01, 0.2, 0.5, 0.51, 0.97, 1.0]
        session = observe(submission, _session, [], None, scores)
        count = sum(_delta(session, "fraudsys_score_count").values())
        total = sum(_delta(session, "fraudsys_score_sum").values())
        buckets = {
            dict(k).get("le"): v for k, v in _delta(session, "fraudsys_score_bucket").items()
        }
        if count != len(scores) or not math.isclose(total, sum(scores), abs_tol=1e-9):
            fail(
                f"observe_scores({scores}) grew fraudsys_score's count by {count:g} and its sum "
                f"by {total:g}; expected {len(scores)} and {sum(scores):g}: one observation per "
                "score"
            )
        if buckets.get("0.5") != 3 or buckets.get("1.0") != 6:
            fail(
                f"after observe_scores({scores}), fraudsys_score's buckets le=0.5 and le=1.0 hold "
                f"{buckets.get('0.5')} and {buckets.get('1.0')} (expected 3 and 6): use "
                "SCORE_BUCKETS, 20 bounds of 0.05 up to 1.0"
            )


class TestDrift:
    def test_record_drift_sets_and_removes(self, submission):
        reports = [{"amount": 0.31, "channel": 0.05}, {"amount": 0.12, "hour": 0.0}]
        out = observe(submission, _drift, reports, [])
        seen = [
            {
                dict(k).get("feature"): v
                for k, v in _samples(s, "fraudsys_feature_psi", "psi").items()
            }
            for s in out["scrapes"]
        ]
        expected = [{"amount": 0.31, "channel": 0.05}, {"amount": 0.12, "hour": 0.0}]
        if seen != expected:
            fail(
                f"record_drift({reports[0]}) then record_drift({reports[1]}) left the gauge at "
                f"{seen[0]}, then {seen[1]}; expected {expected[0]}, then {expected[1]}: each call "
                "is the job's whole report, so a feature it lacks (channel) loses its series"
            )
        other = _samples(out["other"], "fraudsys_feature_psi", "another app")
        if other:
            fail(
                "record_drift on one app shows in another app's scrape: the gauge must belong "
                "to the app it was registered for (keep it on app.state)"
            )

    def test_record_drift_refuses_bad_reports_and_changes_nothing(self, submission):
        good = {"amount": 0.2}
        bad = [
            {"amount": float("nan")},
            {"amount": float("inf")},
            {"amount": -0.1},
            {"amount": True},
            {"amount": "0.3"},
            {"": 0.1},
            {3: 0.1},
            {"hour": 0.05, "amount": float("nan")},
        ]
        out = observe(submission, _drift, [good], bad)
        for report, result in zip(bad, out["refused"], strict=True):
            values = {
                dict(k).get("feature"): v
                for k, v in _samples(result["scrape"], "fraudsys_feature_psi", "psi").items()
            }
            if result["raised"] is None:
                fail(
                    f"record_drift({report!r}) did not raise: a PSI is a finite number >= 0 (not "
                    "a bool, not a string) and a feature a non-empty string; raise ValueError"
                )
            if result["raised"]:
                fail(f"record_drift({report!r}) raised {result['raised']}, expected ValueError")
            if values != good:
                fail(
                    f"record_drift({report!r}) raised, but the gauge changed to {values} (was "
                    f"{good}): check the whole report before setting anything"
                )

    def test_drift_job_matches_the_reference(self, submission, reference):
        rng = np.random.default_rng(16)
        cases = []
        for n in (5, 60, 3000):
            ref = pd.DataFrame(
                {
                    "amount": rng.lognormal(3, 1, n),
                    "hour": rng.integers(0, 24, n),
                    "channel": rng.choice(["web", "app", "pos"], n),
                    "abroad": rng.random(n) < 0.1,
                    "only_here": rng.random(n),
                }
            )
            cur = pd.DataFrame(
                {
                    "abroad": rng.random(n) < 0.3,
                    "amount": rng.lognormal(3.3, 1, n),
                    "hour": rng.integers(0, 24, n),
                    "channel": rng.choice(["web", "app", "app", "pos"], n),
                }
            )
            cur.loc[0, "amount"] = np.nan
            cases.append((ref, cur))
        got = observe(submission, _drift_job, cases)
        for (ref, cur), result in zip(cases, got, strict=True):
            expected = reference.drift_job(ref, cur)
            if "value" not in result:
                fail(
                    f"drift_job on frames of {len(ref)} rows returned {result}, expected the dict "
                    f"{ {k: round(v, 6) for k, v in expected.items()} }"
                )
            value = result["value"]
            if set(value) != set(expected):
                fail(
                    f"drift_job's features are {sorted(value)}, expected {sorted(expected)}: every "
                    "column of reference that current also has (only_here is not in current)"
                )
            for name, psi in expected.items():
                if not isinstance(value[name], float) or not math.isclose(
                    value[name], psi, rel_tol=1e-6, abs_tol=1e-9
                ):
                    fail(
                        f"drift_job's PSI of {name!r} on frames of {len(ref)} rows is "
                        f"{value[name]!r}, expected {psi:.6f}: coursekit.drift.psi(ref, cur, "
                        "bins=10) for a numeric column (NaN left out), categorical_psi for "
                        "strings and bools"
                    )

    def test_drift_job_refuses_frames_it_cannot_compare(self, submission):
        cases = [
            (pd.DataFrame({"amount": [1.0, 2.0]}), pd.DataFrame({"hour": [1, 2]})),
            (pd.DataFrame({"amount": [1.0, 2.0]}), pd.DataFrame({"amount": [np.nan, np.nan]})),
            (pd.DataFrame({"amount": []}, dtype=float), pd.DataFrame({"amount": [1.0]})),
        ]
        what = ["share no column", "a column only NaN in current", "an empty reference column"]
        got = observe(submission, _drift_job, cases)
        for label, result in zip(what, got, strict=True):
            if result.get("raised") != "ValueError":
                fail(
                    f"drift_job on frames that {label} returned {result.get('value', result)}; "
                    "expected ValueError: a PSI over nothing means nothing"
                )

    def test_replaying_the_drifted_weeks_raises_the_gauge(self, submission):
        world = _capstone.world()
        tx = world.transactions
        frame = pd.DataFrame(
            {
                "amount": tx["amount"].astype(float),
                "hour": tx["timestamp"].dt.hour.astype(int),
                "channel": tx["channel"].astype(str),
                "merchant_category": tx["merchant_category"].astype(str),
            }
        )
        ts = tx["timestamp"]
        start = world.truth.drift_start
        reference = frame[ts < start].reset_index(drop=True)
        current = frame[ts >= _capstone.as_of()].reset_index(drop=True)
        out = observe(submission, _replay, reference, current)
        gauge = {
            dict(k).get("feature"): v
            for k, v in _samples(out["scrape"], "fraudsys_feature_psi", "after the job").items()
        }
        planted, stable = ("amount", "channel"), ("hour", "merchant_category")
        low = {f: gauge.get(f) for f in planted if not (gauge.get(f) or 0) > PSI_THRESHOLD}
        high = {f: gauge.get(f) for f in stable if (gauge.get(f) or 0) > PSI_THRESHOLD}
        if low or high or set(gauge) != set(frame.columns):
            fail(
                f"the hidden world's payments before its drift ({len(reference)}) against its "
                f"last four weeks ({len(current)}): after drift_job and record_drift, "
                f"fraudsys_feature_psi is {gauge}; expected amount and channel (the planted "
                f"drift: amounts up 60 %, payments moving from pos to app) above "
                f"{PSI_THRESHOLD} (config.PSI_ALERT_THRESHOLD, the alert's threshold), hour and "
                "merchant_category (stable) under it, one series per column"
            )
