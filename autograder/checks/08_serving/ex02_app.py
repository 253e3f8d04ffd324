"""Checks for 08_serving/ex02_app (see solutions/08_serving/ex02_app.py for the reference).

The learner's app runs in the learner's process (`submission.observe`): under starlette's
TestClient for the logic, and under a real uvicorn server on 127.0.0.1 (a free port, in a thread)
where timing between requests matters and for the real path. The model is the lesson's
(`make_model_file`, built once per grading into the exercise's exchange folder); the expected
scores are computed here with the reference path (`load_model`, `to_features`, `predict_proba`).
Probes replace the learner module's `load_model` and `to_features` to count calls, to hold the
load or a prediction at a gate, or to make the model fail; every wait is bounded, and every
server started is stopped.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import warnings
from pathlib import Path
from typing import Any

# Imported here, once, in the grader's process: the learner's process is forked from it and finds
# them loaded (skops alone takes a second or more to import, and a service imports all of these).
# The course's own coursekit is imported where used: it may not be on the path yet while the
# checks are collected.
import fastapi  # noqa: F401
import httpx  # noqa: F401
import numpy as np
import pandas  # noqa: F401
import pydantic  # noqa: F401
import sklearn.linear_model  # noqa: F401
import sklearn.pipeline  # noqa: F401
import sklearn.preprocessing  # noqa: F401
import skops.io  # noqa: F401
import uvicorn  # noqa: F401

from autograder.assertions import fail

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx2
    import starlette.testclient  # noqa: F401

from ._shared import (
    Gate,
    ProbeFailure,
    asgi_client,
    expected_scores,
    facts,
    guarded,
    model_file,
    observe,
    patched,
    serve,
    transaction_bodies,
    wait_ready,
    wait_until,
)

MAX_BATCH = 1000
HEADER = "x-request-id"
JSON = {"content-type": "application/json"}
VERSION = "fraud-logreg-0"  # make_model_file's version for seed 0


# --- probes (run in the learner's process) --------------------------------------------------------


def _request(client: Any, method: str, path: str, text: str | None, headers: dict) -> dict:
    if text is None:
        return facts(client.request(method, path, headers=headers))
    return facts(client.request(method, path, content=text.encode(), headers={**JSON, **headers}))


def _not_ready(client: Any) -> ProbeFailure:
    last = facts(client.get("/ready"))
    return ProbeFailure(
        f"GET /ready did not answer 200 within 5 s of the app's start (its last answer: "
        f"{last['status']} {last['text'][:200]}), with a good model file: load the model (and run "
        "the warm-up prediction) in the lifespan, then answer 200"
    )


@guarded
def _session(module: Any, model_path: str, app_kwargs: dict, requests: list) -> list[dict]:
    """Start the app (TestClient), wait until /ready says 200, then send `requests`
    [(method, path, body text or None, headers)]; their responses as facts."""
    app = module.create_app(model_path, **app_kwargs)
    with asgi_client(app) as client:
        if not wait_ready(client.get):
            raise _not_ready(client)
        return [_request(client, *spec) for spec in requests]


@guarded
def _counted(module: Any, model_path: str, requests: list) -> dict:
    """As `_session`, counting the calls of the module's `load_model` (with their paths) and the
    rows of each `to_features` call, request by request."""
    from coursekit.model_io import load_model
    from coursekit.serving_model import to_features

    loads: list[str] = []
    frames: list[int] = []

    def counting_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        loads.append(str(path))
        return load_model(path, *args, **kwargs)

    def counting_features(transactions: Any) -> Any:
        items = list(transactions)
        frames.append(len(items))
        return to_features(items)

    per_request = []
    with (
        patched(module, "load_model", counting_load),
        patched(module, "to_features", counting_features),
    ):
        app = module.create_app(model_path)
        with asgi_client(app) as client:
            if not wait_ready(client.get):
                raise _not_ready(client)
            for spec in requests:
                before = len(frames)
                response = _request(client, *spec)
                per_request.append({"response": response, "frames": frames[before:]})
            after_requests = list(loads)
    return {"loads": after_requests, "per_request": per_request}


@guarded
def _creating(module: Any, model_path: str) -> int:
    """How many times `load_model` runs while `create_app` builds an app (no server started)."""
    calls = []

    def counting_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(path)
        raise RuntimeError("create_app must not load the model: the lifespan does")

    with patched(module, "load_model", counting_load):
        try:
            module.create_app(model_path)
        except RuntimeError as exc:
            if "must not load" in str(exc):
                return len(calls)
            raise
    return len(calls)


class _GatedModel:
    """A model whose predict_proba waits at `gate` on the calls numbered in `held` (1-based)."""

    def __init__(self, model: Any, gate: Gate, held: set[int] | None = None) -> None:
        self.model = model
        self.gate = gate
        self.held = held  # None: every call once `armed`
        self.armed = False
        self.calls = 0
        self.finished = 0
        self.feature_names_in_ = getattr(model, "feature_names_in_", None)
        self.classes_ = getattr(model, "classes_", None)

    def predict_proba(self, X: Any) -> Any:
        self.calls += 1
        if (self.held is None and self.armed) or (self.held and self.calls in self.held):
            self.gate.wait()
        try:
            return self.model.predict_proba(X)
        finally:
            self.finished += 1


def _client(url: str, timeout: float = 5.0) -> Any:

    return httpx.Client(base_url=url, timeout=timeout, trust_env=False)


def _valid_body() -> str:
    return json.dumps(
        {
            "transaction_id": 77,
            "timestamp": "2025-03-01T21:15:00+01:00",
            "amount": 129.9,
            "currency": "EUR",
            "merchant_category": "electronics",
            "channel": "web",
            "card_country": "DE",
            "merchant_country": "NL",
        }
    )


@guarded
def _during_load(module: Any, model_path: str) -> dict:
    """A real server whose load_model waits at a gate: what it answers while the model loads,
    and whether it becomes ready once the load goes on."""
    from coursekit.model_io import load_model

    gate = Gate(timeout=3.0)
    loads = []

    def gated_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        loads.append(str(path))
        gate.wait()
        return load_model(path, *args, **kwargs)

    out: dict[str, Any] = {"during": None}
    with patched(module, "load_model", gated_load):
        app = module.create_app(model_path)
        with serve(app) as server:
            # Listening while the load is held at the gate (held up to 3 s)?
            wait_until(lambda: server.server.started or gate.left > 0, 5.0)
            out["listening_during_load"] = server.server.started and gate.left == 0
            if out["listening_during_load"] and server.wait_started(0.0):
                out["load_started"] = gate.entered.wait(2.0)
                with _client(server.url, timeout=1.0) as client:
                    during = {}
                    for name, method, path, text in (
                        ("health", "GET", "/health", None),
                        ("ready", "GET", "/ready", None),
                        ("predict", "POST", "/predict", _valid_body()),
                    ):
                        try:
                            during[name] = _request(client, method, path, text, {})
                        except Exception as exc:  # noqa: BLE001 - a timeout is the fact
                            during[name] = {"no_answer": f"{type(exc).__name__}: {exc}"}
                    out["during"] = during
                    out["still_loading"] = gate.left == 0 and len(loads) == 1
            gate.release.set()
            if not server.wait_started(5.0):
                raise ProbeFailure("the server did not start within 5 s once the model loaded")
            with _client(server.url) as client:
                out["ready_after"] = wait_ready(client.get)
    out["loads"] = len(loads)
    return out


@guarded
def _during_warm_up(module: Any, model_path: str) -> dict:
    """A real server whose model holds its first prediction (the warm-up) at a gate: what
    /ready answers meanwhile, and how many predictions ran once it first answers 200."""
    from coursekit.model_io import load_model

    gate = Gate(timeout=3.0)
    models: list[_GatedModel] = []

    def gated_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        model, metadata = load_model(path, *args, **kwargs)
        models.append(_GatedModel(model, gate, held={1}))
        return models[-1], metadata

    out: dict[str, Any] = {"ready_during_warm_up": None}
    with patched(module, "load_model", gated_load):
        app = module.create_app(model_path)
        with serve(app) as server:
            # Listening while the warm-up is held at the gate (held up to 3 s)?
            wait_until(lambda: server.server.started or gate.left, 5.0)
            if server.server.started and gate.left == 0 and server.wait_started(0.0):
                gate.entered.wait(2.0)  # the warm-up's prediction (none if there is no warm-up)
            if server.url and gate.entered.is_set() and gate.left == 0:
                with _client(server.url, timeout=1.0) as client:
                    try:
                        out["ready_during_warm_up"] = facts(client.get("/ready"))
                    except Exception as exc:  # noqa: BLE001
                        out["ready_during_warm_up"] = {"no_answer": str(exc)}
                    out["warm_up_held"] = not gate.release.is_set() and models[0].finished == 0
            gate.release.set()
            if not server.wait_started(5.0):
                raise ProbeFailure("the server did not start within 5 s")
            with _client(server.url) as client:
                # Poll /ready; record how many predictions had run when it first said 200.
                calls_at_ready = []

                def ready() -> bool:
                    if client.get("/ready").status_code == 200:
                        calls_at_ready.append(models[0].calls if models else 0)
                        return True
                    return False

                out["ready_after"] = wait_until(ready, 5.0, interval=0.01)
                out["calls_at_ready"] = calls_at_ready[0] if calls_at_ready else None
    out["loads"] = len(models)
    return out


@guarded
def _broken_model_file(module: Any, model_path: str) -> dict:
    """An app on a model file that load_model refuses: does it stay up, and what does it say?"""
    from coursekit.model_io import load_model

    done = threading.Event()

    def watched_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return load_model(path, *args, **kwargs)
        finally:
            done.set()

    out: dict[str, Any] = {}
    with patched(module, "load_model", watched_load):
        app = module.create_app(model_path)
        try:
            with asgi_client(app) as client:
                out["load_finished"] = done.wait(5.0)
                time.sleep(0.05)  # let the app record the failure
                answers = []
                for _ in range(3):
                    answers.append(facts(client.get("/ready")))
                    time.sleep(0.03)
                out["ready"] = answers
                out["health"] = facts(client.get("/health"))
                out["metadata"] = facts(client.get("/metadata"))
                out["predict"] = _request(client, "POST", "/predict", _valid_body(), {})
                out["batch"] = _request(
                    client, "POST", "/predict/batch", f'{{"transactions": [{_valid_body()}]}}', {}
                )
        except ProbeFailure as exc:
            out["start_failed"] = str(exc)
    return out


class _FailingModel:
    """A model that answers the warm-up, then raises on every later call."""

    SECRET = "secret-model-detail-7f3a"

    def __init__(self, model: Any) -> None:
        self.model = model
        self.calls = 0
        self.feature_names_in_ = getattr(model, "feature_names_in_", None)
        self.classes_ = getattr(model, "classes_", None)

    def predict_proba(self, X: Any) -> Any:
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError(f"the model broke: {self.SECRET}")
        return self.model.predict_proba(X)


@guarded
def _model_raises(module: Any, model_path: str, requests: list) -> list[dict]:
    from coursekit.model_io import load_model

    def failing_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        model, metadata = load_model(path, *args, **kwargs)
        return _FailingModel(model), metadata

    with patched(module, "load_model", failing_load):
        app = module.create_app(model_path)
        with asgi_client(app) as client:
            if not wait_ready(client.get):
                raise _not_ready(client)
            return [_request(client, *spec) for spec in requests]


@guarded
def _health_while_predicting(module: Any, model_path: str, routes: list) -> list[dict]:
    """A real server whose model holds each prediction at a gate: does GET /health answer while
    a prediction is held?"""
    from coursekit.model_io import load_model

    models: list[_GatedModel] = []

    def gated_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        model, metadata = load_model(path, *args, **kwargs)
        models.append(_GatedModel(model, Gate(timeout=3.0), held=None))
        return models[-1], metadata

    out = []
    with patched(module, "load_model", gated_load):
        app = module.create_app(model_path)
        with serve(app) as server:
            if not server.wait_started(5.0):
                raise ProbeFailure("the server did not start within 5 s")
            with _client(server.url) as client:
                if not wait_ready(client.get):
                    raise _not_ready(client)
            model = models[-1]
            for route, text in routes:
                model.gate = Gate(timeout=3.0)
                model.armed = True
                finished = model.finished
                result: dict[str, Any] = {}

                def post(route: str = route, text: str = text, result: dict = result) -> None:
                    with _client(server.url, timeout=8.0) as c:
                        try:
                            result["predict"] = _request(c, "POST", route, text, {})
                        except Exception as exc:  # noqa: BLE001
                            result["predict"] = {"no_answer": str(exc)}

                poster = threading.Thread(target=post, daemon=True)
                poster.start()
                fact: dict[str, Any] = {"route": route}
                fact["reached_model"] = model.gate.entered.wait(3.0)
                if fact["reached_model"]:
                    with _client(server.url, timeout=2.0) as c:
                        started = time.monotonic()
                        try:
                            fact["health"] = facts(c.get("/health"))["status"]
                        except Exception as exc:  # noqa: BLE001 - no answer in time
                            fact["health"] = f"no answer ({type(exc).__name__})"
                        fact["seconds"] = round(time.monotonic() - started, 3)
                        fact["prediction_still_held"] = model.finished == finished
                model.gate.release.set()
                poster.join(10.0)
                model.armed = False
                fact["predict"] = result.get("predict")
                out.append(fact)
    return out


@guarded
def _real_server(module: Any, model_path: str, requests: list) -> list[dict]:
    app = module.create_app(model_path)
    with serve(app) as server:
        if not server.wait_started(5.0):
            raise ProbeFailure("the server did not start listening within 5 s")
        with _client(server.url) as client:
            if not wait_ready(client.get):
                raise _not_ready(client)
            return [_request(client, *spec) for spec in requests]


# --- the grader's side ----------------------------------------------------------------------------


def _session_facts(submission, exchange, requests: list, **app_kwargs: Any) -> list[dict]:
    path = model_file(exchange)
    return observe(submission, _session, str(path), app_kwargs, requests)


def _describe(f: dict) -> str:
    if "no_answer" in f:
        return f"no answer ({f['no_answer'][:150]})"
    return f"{f['status']} {f['text'][:240]}"


def _check_error(f: dict, status: int, where: str, request_id: str | None = None) -> dict:
    """Fail unless `f` is a JSON error with this status, an "error" message and the request id
    of its X-Request-ID header."""
    if "no_answer" in f:
        fail(f"{where}: no answer ({f['no_answer'][:200]}), expected a {status} error")
    if f["status"] != status:
        fail(f"{where} answered {_describe(f)}, expected {status}")
    body = f["json"]
    if not f["headers"].get("content-type", "").startswith("application/json") or not isinstance(
        body, dict
    ):
        fail(
            f"{where} answered {status} with the body {f['text'][:200]!r} "
            f"({f['headers'].get('content-type')}): every error is a JSON object "
            '{"error": ..., "request_id": ...}, so that clients can parse it'
        )
    if not isinstance(body.get("error"), str) or not body["error"]:
        fail(f"{where} answered {status} with {body}: expected an 'error' message (a string)")
    header = f["headers"].get(HEADER)
    if not header:
        fail(f"{where} answered {status} without an X-Request-ID header (every response has one)")
    if body.get("request_id") != header:
        fail(
            f"{where} answered {status} with the request_id {body.get('request_id')!r} in its "
            f"body, but {header!r} in its X-Request-ID header: they must be the same id, so that "
            "a client's complaint leads to the right log lines"
        )
    if request_id is not None and header != request_id:
        fail(
            f"{where}: the client sent X-Request-ID {request_id!r}, the error came back with "
            f"{header!r}: echo the client's id"
        )
    return body


def _check_score(got: Any, transaction_id: int, expected: float, version: str, where: str) -> None:
    if not isinstance(got, dict) or sorted(got) != ["model_version", "score", "transaction_id"]:
        fail(
            f"{where} returned {str(got)[:200]}: a Score is exactly "
            '{"transaction_id", "score", "model_version"}'
        )
    if got["transaction_id"] != transaction_id:
        fail(
            f"{where} returned the transaction_id {got['transaction_id']!r}, expected {transaction_id}"
        )
    score = got["score"]
    if not isinstance(score, float | int) or abs(float(score) - expected) > 1e-9:
        fail(
            f"{where} returned the score {score!r}, expected {expected!r}: column 1 of "
            "model.predict_proba(to_features([transaction])), as a float"
        )
    if got["model_version"] != version:
        fail(
            f"{where} returned the model_version {got['model_version']!r}, expected {version!r} "
            "(the sidecar's model_version)"
        )


def _ok_json(f: dict, where: str) -> Any:
    if "no_answer" in f:
        fail(f"{where}: no answer ({f['no_answer'][:200]}), expected 200")
    if f["status"] != 200:
        fail(f"{where} answered {_describe(f)}, expected 200")
    if f["json"] is None:
        fail(f"{where} answered 200 with {f['text'][:200]!r}, which is not JSON")
    return f["json"]


def _batch_text(bodies: list[dict]) -> str:
    return json.dumps({"transactions": bodies})


def _bodies_with_literal(token: str) -> str:
    return _valid_body().replace("129.9", token)


class TestCreateApp:
    def test_max_batch_validated(self, submission, exchange):
        path = str(model_file(exchange))
        for bad in (0, -1, MAX_BATCH + 1, True, 2.5, "10", None):
            try:
                submission.create_app(path, max_batch=bad)
            except NotImplementedError:
                raise
            except ValueError:
                continue
            except Exception as exc:  # noqa: BLE001
                fail(
                    f"create_app(path, max_batch={bad!r}) raised {type(exc).__name__}: {exc}, "
                    "expected ValueError"
                )
            fail(
                f"create_app(path, max_batch={bad!r}) returned an app, expected ValueError "
                f"(max_batch is an integer from 1 to MAX_BATCH = {MAX_BATCH}; a bool is not one)"
            )
        for good in (1, 7, MAX_BATCH):
            try:
                submission.create_app(path, max_batch=good)
            except NotImplementedError:
                raise
            except Exception as exc:  # noqa: BLE001
                fail(f"create_app(path, max_batch={good}) raised {type(exc).__name__}: {exc}")

    def test_creating_the_app_loads_nothing(self, submission, exchange):
        missing = str(exchange / "no-such-model.skops")
        calls = observe(submission, _creating, missing)
        if calls:
            fail(
                "create_app called load_model itself: creating the app must read nothing (the "
                "model is loaded when the server starts the app, in its lifespan; an app built "
                "for a test or by a worker process before it forks must not pay for a load)"
            )


class TestStartup:
    def test_health_and_ready(self, submission, exchange):
        health, ready = _session_facts(
            submission, exchange, [("GET", "/health", None, {}), ("GET", "/ready", None, {})]
        )
        if _ok_json(health, "GET /health") != {"status": "ok"}:
            fail(f"GET /health answered {health['json']}, expected {{'status': 'ok'}}")
        body = _ok_json(ready, "GET /ready once ready")
        if body != {"status": "ready", "model_version": VERSION}:
            fail(
                f"GET /ready answered {body}, expected "
                f"{{'status': 'ready', 'model_version': {VERSION!r}}}"
            )

    def test_model_loaded_once(self, submission, exchange):
        path = model_file(exchange)
        bodies = transaction_bodies(3, seed=21)
        requests = [("POST", "/predict", json.dumps(b), {}) for b in bodies] + [
            ("POST", "/predict/batch", _batch_text(bodies), {}),
            ("GET", "/metadata", None, {}),
            ("GET", "/ready", None, {}),
        ]
        result = observe(submission, _counted, str(path), requests)
        for k, item in enumerate(result["per_request"]):
            _ok_json(item["response"], f"{requests[k][0]} {requests[k][1]}")
        loads = result["loads"]
        if len(loads) != 1:
            fail(
                f"load_model ran {len(loads)} times for one start of the app and "
                f"{len(requests)} requests, expected once: load the model once, in the lifespan, "
                "and keep it (a load per request reads and hashes the file every time)"
            )
        if Path(loads[0]) != path:
            fail(f"load_model was given {loads[0]!r}, expected the model_path {str(path)!r}")

    def test_health_answers_while_loading(self, submission, exchange):
        out = observe(submission, _during_load, str(model_file(exchange)))
        if not out["listening_during_load"]:
            fail(
                "while load_model was still running, the server did not answer at all: its "
                "startup waited for the model. Start the load in a worker thread from the "
                "lifespan (asyncio.create_task(asyncio.to_thread(...))) and yield at once, so "
                "that /health answers (and /ready says 503) however long the load takes"
            )
        health = out["during"]["health"]
        if "no_answer" in health or health["status"] != 200:
            fail(
                f"while the model was loading, GET /health answered {_describe(health)}, "
                "expected 200 at once: the process is alive; load the model off the event loop"
            )

    def test_not_ready_while_loading(self, submission, exchange):
        out = observe(submission, _during_load, str(model_file(exchange)))
        during = out["during"]
        if during is not None and out.get("still_loading"):
            _check_error(during["ready"], 503, "GET /ready while the model was still loading")
            _check_error(during["predict"], 503, "POST /predict while the model was still loading")
        if not out.get("ready_after"):
            fail("once load_model returned, GET /ready never answered 200 (waited 5 s)")
        if out["loads"] != 1:
            fail(f"load_model ran {out['loads']} times for one start of the app, expected once")

    def test_ready_only_after_warm_up(self, submission, exchange):
        out = observe(submission, _during_warm_up, str(model_file(exchange)))
        during = out["ready_during_warm_up"]
        if during is not None and out.get("warm_up_held"):
            _check_error(during, 503, "GET /ready while the warm-up prediction was still running")
        if not out.get("ready_after"):
            fail("once the warm-up prediction could finish, GET /ready never answered 200")
        if not out.get("calls_at_ready"):
            fail(
                "GET /ready answered 200 before the model had made any prediction: run one "
                "warm-up prediction on WARM_UP (through the same path as /predict) before "
                "saying ready, so that the first client does not pay for lazy imports and caches "
                "(and a model that cannot predict never takes traffic)"
            )

    def test_broken_model_file_stays_up_never_ready(self, submission, exchange):
        good = model_file(exchange)
        tampered = exchange / "tampered.skops"
        data = bytearray(good.read_bytes())
        data[len(data) // 2] ^= 0xFF
        tampered.write_bytes(bytes(data))
        Path(f"{tampered}.json").write_bytes(Path(f"{good}.json").read_bytes())
        for path, what in (
            (exchange / "missing.skops", "a model file that does not exist"),
            (tampered, "a model file whose SHA-256 does not match its sidecar's"),
        ):
            out = observe(submission, _broken_model_file, str(path))
            if "start_failed" in out:
                fail(
                    f"with {what}, the app did not start: {out['start_failed']}. Keep the server "
                    "up (log the error): /health answers, /ready says 503 and why"
                )
            if not out["load_finished"]:
                fail(f"with {what}, load_model was not called within 5 s of the app's start")
            for k, ready in enumerate(out["ready"]):
                body = _check_error(ready, 503, f"GET /ready (asked {k + 1} of 3) with {what}")
                if k == 0 and len(body["error"]) < 5:
                    fail(f"GET /ready with {what} said {body['error']!r}: say why it is not ready")
            if _ok_json(out["health"], f"GET /health with {what}") != {"status": "ok"}:
                fail(f"GET /health with {what} answered {out['health']['json']}")
            _check_error(out["metadata"], 503, f"GET /metadata with {what}")
            _check_error(out["predict"], 503, f"POST /predict with {what}")
            _check_error(out["batch"], 503, f"POST /predict/batch with {what}")

    def test_metadata(self, submission, exchange):
        path = model_file(exchange)
        [f] = _session_facts(submission, exchange, [("GET", "/metadata", None, {})])
        body = _ok_json(f, "GET /metadata")
        sidecar = json.loads(Path(f"{path}.json").read_text())
        want = {
            "model_version": VERSION,
            "features": sidecar["feature_names"],
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
        for key, value in want.items():
            if not isinstance(body, dict) or body.get(key) != value:
                got = body.get(key, "(missing)") if isinstance(body, dict) else body
                fail(
                    f"GET /metadata gave {key} = {str(got)[:200]}, expected {value!r}"
                    + (
                        ": the SHA-256 of the model file (the sidecar's 'sha256'), so that "
                        "anyone can check which file is being served"
                        if key == "sha256"
                        else ""
                    )
                )

    def test_version_falls_back_to_the_hash(self, submission, exchange):
        from coursekit.model_io import load_model, save_model

        model, _ = load_model(model_file(exchange))
        path = exchange / "unversioned.skops"
        sidecar = save_model(model, path, {"metrics": {}})
        version = sidecar["sha256"][:12]
        body_text = _valid_body()
        meta, predict = observe(
            submission,
            _session,
            str(path),
            {},
            [("GET", "/metadata", None, {}), ("POST", "/predict", body_text, {})],
        )
        got = _ok_json(meta, "GET /metadata of a model whose sidecar has no model_version")
        if not isinstance(got, dict) or got.get("model_version") != version:
            fail(
                f"with a sidecar without 'model_version', GET /metadata gave the model_version "
                f"{got.get('model_version') if isinstance(got, dict) else got!r}, expected "
                f"{version!r} (the first 12 characters of its sha256)"
            )
        score = _ok_json(predict, "POST /predict with an unversioned model")
        if not isinstance(score, dict) or score.get("model_version") != version:
            fail(f"POST /predict of an unversioned model returned {score}, expected {version!r}")


class TestPredict:
    def test_predict_scores(self, submission, exchange):
        path = model_file(exchange)
        bodies = transaction_bodies(12, seed=5)
        want = expected_scores(path, bodies)
        results = _session_facts(
            submission, exchange, [("POST", "/predict", json.dumps(b), {}) for b in bodies]
        )
        for body, f, expected in zip(bodies, results, want, strict=True):
            where = f"POST /predict with {json.dumps(body)}"
            _check_score(
                _ok_json(f, where), body["transaction_id"], float(expected), VERSION, where
            )

    def test_batch_scores_in_input_order(self, submission, exchange):
        path = model_file(exchange)
        bodies = transaction_bodies(37, seed=6)
        # The same id twice, with other amounts: a batch is a list, not a dict keyed by id.
        bodies[20] = {**bodies[3], "amount": round(bodies[3]["amount"] * 7 + 11, 2)}
        want = expected_scores(path, bodies)
        [f] = _session_facts(
            submission, exchange, [("POST", "/predict/batch", _batch_text(bodies), {})]
        )
        got = _ok_json(f, "POST /predict/batch with 37 transactions")
        if not isinstance(got, dict) or sorted(got) != ["model_version", "scores"]:
            fail(
                f"POST /predict/batch returned {str(got)[:300]}, expected {{'scores', 'model_version'}}"
            )
        if got["model_version"] != VERSION:
            fail(f"POST /predict/batch returned the model_version {got['model_version']!r}")
        scores = got["scores"]
        if not isinstance(scores, list) or len(scores) != len(bodies):
            fail(
                f"POST /predict/batch with 37 transactions (one id twice) returned "
                f"{len(scores) if isinstance(scores, list) else scores!r} scores, expected 37: "
                "one per transaction, duplicates included"
            )
        for k, (body, item, expected) in enumerate(zip(bodies, scores, want, strict=True)):
            where = (
                f"POST /predict/batch, score {k} (of 37, ids shuffled, id "
                f"{bodies[3]['transaction_id']} at positions 3 and 20)"
            )
            _check_score(item, body["transaction_id"], float(expected), VERSION, where)

    def test_one_frame_per_request(self, submission, exchange):
        path = model_file(exchange)
        bodies = transaction_bodies(25, seed=7)
        requests = [
            ("POST", "/predict/batch", _batch_text(bodies), {}),
            ("POST", "/predict", json.dumps(bodies[0]), {}),
        ]
        result = observe(submission, _counted, str(path), requests)
        batch, single = result["per_request"]
        _ok_json(batch["response"], "POST /predict/batch with 25 transactions")
        _ok_json(single["response"], "POST /predict")
        if batch["frames"] != [25]:
            fail(
                f"POST /predict/batch with 25 transactions called to_features "
                f"{len(batch['frames'])} times, on {batch['frames'][:10]} transactions: expected "
                "one call with all 25 (one DataFrame per request: a frame per row costs a fixed "
                "~0.1 ms each, and one predict_proba per row as much again)"
            )
        if single["frames"] != [1]:
            fail(
                f"POST /predict called to_features {len(single['frames'])} times "
                f"({single['frames']}), expected once, with the one transaction"
            )

    def test_batch_limit(self, submission, exchange):
        bodies = transaction_bodies(6, seed=8)
        five, six = _session_facts(
            submission,
            exchange,
            [
                ("POST", "/predict/batch", _batch_text(bodies[:5]), {}),
                ("POST", "/predict/batch", _batch_text(bodies), {}),
            ],
            max_batch=5,
        )
        got = _ok_json(five, "POST /predict/batch with 5 transactions, max_batch=5")
        if len(got.get("scores", [])) != 5:
            fail(f"POST /predict/batch with 5 transactions (max_batch=5) returned {str(got)[:200]}")
        _check_error(
            six,
            413,
            "POST /predict/batch with 6 transactions, max_batch=5 (a batch above the limit is "
            "413 Content Too Large)",
        )
        many = transaction_bodies(MAX_BATCH + 1, seed=9)
        full, over = _session_facts(
            submission,
            exchange,
            [
                ("POST", "/predict/batch", _batch_text(many[:MAX_BATCH]), {}),
                ("POST", "/predict/batch", _batch_text(many), {}),
            ],
        )
        got = _ok_json(full, f"POST /predict/batch with {MAX_BATCH} transactions (the default)")
        if len(got.get("scores", [])) != MAX_BATCH:
            fail(
                f"POST /predict/batch with {MAX_BATCH} transactions did not return {MAX_BATCH} scores"
            )
        _check_error(
            over,
            413,
            f"POST /predict/batch with {MAX_BATCH + 1} transactions (the default max_batch is "
            "MAX_BATCH; TransactionBatch itself refuses the list, and that must be a 413 too, "
            "not a 422)",
        )

    def test_non_finite_literals_get_422(self, submission, exchange):
        requests = []
        for token in ("NaN", "Infinity", "-Infinity", "1e309"):
            requests.append(("POST", "/predict", _bodies_with_literal(token), {}))
            text = f'{{"transactions": [{_valid_body()}, {_bodies_with_literal(token)}]}}'
            requests.append(("POST", "/predict/batch", text, {}))
        results = _session_facts(submission, exchange, requests)
        for (_, route, text, _), f in zip(requests, results, strict=True):
            where = f"POST {route} with {text[:260]}"
            if "no_answer" not in f and f["status"] == 500:
                fail(
                    f"{where} answered 500 ({f['text'][:150]}): a client's bad number is a 422. "
                    "FastAPI's default handler echoes the input, and JSONResponse refuses the NaN "
                    "in it: answer with readable_errors(exc.errors()), which is JSON-safe"
                )
            body = _check_error(f, 422, where)
            details = body.get("details")
            fields = [d.get("field") for d in details or [] if isinstance(d, dict)]
            want = "amount" if route == "/predict" else "transactions.1.amount"
            if want not in fields:
                fail(
                    f"{where} answered 422 with the details {str(details)[:300]}: expected "
                    f"readable_errors(...) of the validation errors, naming the field {want!r}"
                )

    def test_bad_bodies_get_422_with_details(self, submission, exchange):
        good = json.loads(_valid_body())
        cases = [
            ({**good, "amount": "129.9"}, "amount", "a string for the amount"),
            ({**good, "transaction_id": True}, "transaction_id", "a boolean id"),
            ({**good, "timestamp": "2025-03-01T21:15:00"}, "timestamp", "a naive timestamp"),
            ({**good, "currency": "eur"}, "currency", "a lower-case currency"),
            ({**good, "channel": "mobile"}, "channel", "an unknown channel"),
            ({**good, "ammount": 1.0}, "ammount", "an extra field"),
            ({k: v for k, v in good.items() if k != "amount"}, "amount", "a missing amount"),
        ]
        requests = [("POST", "/predict", json.dumps(body), {}) for body, _, _ in cases]
        requests += [
            ("POST", "/predict", "{not json", {}),
            ("POST", "/predict", "[1, 2]", {}),
            ("POST", "/predict/batch", '{"transactions": []}', {}),
        ]
        results = _session_facts(submission, exchange, requests)
        for (_, _, text, _), f, (_, field, why) in zip(requests, results, cases, strict=False):
            body = _check_error(f, 422, f"POST /predict with {why}: {text[:200]}")
            details = body.get("details")
            fields = [d.get("field") for d in details or [] if isinstance(d, dict)]
            if field not in fields or any(
                not isinstance(d, dict) or sorted(d) != ["field", "message"] for d in details
            ):
                fail(
                    f"POST /predict with {why} answered 422 with the details "
                    f"{str(details)[:300]}: expected readable_errors(...) of the errors (items "
                    f"{{'field', 'message'}}), naming the field {field!r}"
                )
        for (_, route, text, _), f in zip(
            requests[len(cases) :], results[len(cases) :], strict=True
        ):
            body = _check_error(f, 422, f"POST {route} with {text!r}")
            if not isinstance(body.get("details"), list) or not body["details"]:
                fail(f"POST {route} with {text!r} answered 422 without 'details': {body}")


class TestRequestIds:
    def test_request_id_echoed(self, submission, exchange):
        ids = ["req-42", "a.b:c_D-9", "x" * 128, "0"]
        requests = [
            ("GET", "/health", None, {"X-Request-ID": ids[0]}),
            ("POST", "/predict", _valid_body(), {"X-Request-ID": ids[1]}),
            ("GET", "/ready", None, {"X-Request-ID": ids[2]}),
            ("POST", "/predict", _bodies_with_literal("NaN"), {"X-Request-ID": ids[3]}),
            ("GET", "/no/such/route", None, {"X-Request-ID": ids[0]}),
        ]
        results = _session_facts(submission, exchange, requests)
        for (method, route, _, headers), f in zip(requests, results, strict=True):
            sent = headers["X-Request-ID"]
            got = f["headers"].get(HEADER)
            if got != sent:
                fail(
                    f"{method} {route} with X-Request-ID {sent!r} answered {f['status']} with "
                    f"X-Request-ID {got!r}: echo the client's id, so that the client and the "
                    "service name the request the same way"
                )
        _check_error(results[3], 422, "POST /predict with NaN", ids[3])
        _check_error(results[4], 404, "GET /no/such/route", ids[0])

    def test_request_id_generated(self, submission, exchange):
        import re

        bad_ids = ["", "has space", "x" * 129, "semi;colon", "new\\nline", 'quote"']
        requests = [("GET", "/health", None, {}) for _ in range(3)]
        requests += [("POST", "/predict", _valid_body(), {}), ("GET", "/nope", None, {})]
        requests += [("GET", "/health", None, {"X-Request-ID": bad}) for bad in bad_ids]
        results = _session_facts(submission, exchange, requests)
        seen = []
        for (method, route, _, headers), f in zip(requests, results, strict=True):
            got = f["headers"].get(HEADER)
            sent = headers.get("X-Request-ID")
            where = f"{method} {route}" + (
                f" with the invalid X-Request-ID {sent!r}" if sent is not None else " without an id"
            )
            if not got or not re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", got):
                fail(
                    f"{where} answered {f['status']} with X-Request-ID {got!r}: expected a new "
                    "unique id (uuid.uuid4().hex) on every response"
                )
            if sent is not None and got == sent:
                fail(
                    f"{where} echoed it back: an id that is not 1 to 128 letters, digits and "
                    "'._:-' is replaced by a new one (a client must not write into your logs)"
                )
            seen.append(got)
        if len(set(seen)) != len(seen):
            fail(f"the generated request ids repeat: {seen}; each request gets a new one")


class TestErrors:
    def test_errors_are_json_with_request_id(self, submission, exchange):
        bodies = transaction_bodies(3, seed=10)
        requests = [
            ("GET", "/no/such/route", None, {}),
            ("GET", "/predict", None, {}),
            ("DELETE", "/health", None, {}),
            ("POST", "/predict/batch", _batch_text(bodies), {}),
            ("POST", "/predict", '{"amount": 1}', {"X-Request-ID": "trace-1"}),
        ]
        results = _session_facts(submission, exchange, requests, max_batch=2)
        for (method, route, _, _), f, status in zip(
            requests, results, (404, 405, 405, 413, 422), strict=True
        ):
            _check_error(f, status, f"{method} {route}")
        if results[1]["headers"].get("allow", "").upper().find("POST") < 0:
            fail(
                "GET /predict answered 405 without an Allow header naming POST: keep the "
                "headers of the HTTPException (exc.headers) in your JSON response"
            )
        _check_error(results[4], 422, "POST /predict with {'amount': 1}", "trace-1")

    def test_unexpected_error_is_a_json_500(self, submission, exchange):
        requests = [
            ("POST", "/predict", _valid_body(), {"X-Request-ID": "trace-500"}),
            ("POST", "/predict", _valid_body(), {}),
            ("POST", "/predict/batch", f'{{"transactions": [{_valid_body()}]}}', {}),
        ]
        results = observe(submission, _model_raises, str(model_file(exchange)), requests)
        for (_, route, _, headers), f in zip(requests, results, strict=True):
            where = f"POST {route} while the model raises RuntimeError"
            _check_error(f, 500, where, headers.get("X-Request-ID"))
            if _FailingModel.SECRET in f["text"] or "Traceback" in f["text"]:
                fail(
                    f"{where} answered 500 with {f['text'][:200]!r}: the body must not carry the "
                    "exception's text or a traceback (log them, with the request id)"
                )


class TestConcurrency:
    def test_health_answers_during_a_prediction(self, submission, exchange):
        bodies = transaction_bodies(4, seed=11)
        routes = [
            ("/predict", json.dumps(bodies[0])),
            ("/predict/batch", _batch_text(bodies)),
        ]
        results = observe(submission, _health_while_predicting, str(model_file(exchange)), routes)
        for fact in results:
            route = fact["route"]
            if not fact["reached_model"]:
                fail(
                    f"POST {route} never reached the model's predict_proba within 3 s "
                    f"(it answered {fact.get('predict')}); score with the model load_model gave"
                )
            if fact["health"] != 200 or not fact["prediction_still_held"]:
                fail(
                    f"while POST {route} waited on the model's predict_proba, GET /health "
                    f"answered {fact['health']} after {fact['seconds']} s, "
                    f"{'only once the prediction had finished' if not fact['prediction_still_held'] else ''}: "
                    "the prediction ran on the event loop and froze every other request. Use a "
                    "plain `def` endpoint (FastAPI runs it in a worker thread) or "
                    "`await run_in_threadpool(...)` around the CPU work"
                )
            predict = fact["predict"] or {}
            if predict.get("status") != 200:
                fail(f"POST {route} with the slowed model answered {predict}, expected 200")


class TestRealServer:
    def test_real_server_round_trip(self, submission, exchange):
        path = model_file(exchange)
        bodies = transaction_bodies(5, seed=12)
        want = expected_scores(path, bodies)
        requests = [
            ("GET", "/health", None, {}),
            ("POST", "/predict", json.dumps(bodies[0]), {"X-Request-ID": "real-1"}),
            ("POST", "/predict/batch", _batch_text(bodies), {}),
            ("POST", "/predict", _bodies_with_literal("NaN"), {}),
        ]
        results = observe(submission, _real_server, str(path), requests)
        health, one, batch, nan = results
        _ok_json(health, "GET /health on a uvicorn server")
        where = "POST /predict on a uvicorn server"
        _check_score(
            _ok_json(one, where), bodies[0]["transaction_id"], float(want[0]), VERSION, where
        )
        if one["headers"].get(HEADER) != "real-1":
            fail(
                f"{where} with X-Request-ID 'real-1' came back with {one['headers'].get(HEADER)!r}"
            )
        got = _ok_json(batch, "POST /predict/batch on a uvicorn server")
        items = got.get("scores") if isinstance(got, dict) else None
        scores = [s.get("score") if isinstance(s, dict) else None for s in items or []]
        numbers = all(isinstance(x, float | int) for x in scores)
        if len(scores) != 5 or not numbers or not np.allclose(scores, want, rtol=0, atol=1e-9):
            fail(
                f"POST /predict/batch on a uvicorn server gave the scores {scores}, expected {list(want)}"
            )
        _check_error(nan, 422, "POST /predict with a NaN amount on a uvicorn server")
