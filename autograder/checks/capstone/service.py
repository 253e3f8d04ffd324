"""Checks for capstone/service (see solutions/capstone/fraudsys/service.py for the reference).

The learner's service runs in the learner's process (`submission.observe`): under starlette's
TestClient for the logic, under a real uvicorn server on 127.0.0.1 (a free port, in a thread)
for the round trip and the load test. The model is fitted here, in the grader's process, on the
features that the learner's own `build_features` computes (in the learner's process) for the
hidden world's past payments, and saved with `save_model` beside the exercise's exchange folder,
once per grading; the expected scores are that model's `predict_proba` of the learner's features
of the same rows. So the service is graded on serving, whatever features part QUALITY chose.
The hidden world stays in the grader's process (MLGRADE_CAPSTONE_SEED is the grader's): only the
columns a client sends, without labels, go to the learner's process.
Probes replace the service module's `load_model`, `build_features` and the three monitoring
hooks by counting (or failing) fakes, so that this part is graded apart from part MONITOR; every
wait is bounded and every server started is stopped.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import time
from pathlib import Path
from typing import Any

# Imported once in the grader's process: the learner's process is forked from it.
import fastapi  # noqa: F401
import httpx
import numpy as np
import pandas as pd
import sklearn.linear_model  # noqa: F401
import sklearn.pipeline  # noqa: F401
import skops.io  # noqa: F401
import uvicorn  # noqa: F401
from starlette.requests import Request

from autograder.assertions import fail

from . import _shared

_serving = importlib.import_module("autograder.checks.08_serving._shared")
Gate = _serving.Gate
ProbeFailure = _serving.ProbeFailure
asgi_client = _serving.asgi_client
facts = _serving.facts
guarded = _serving.guarded
patched = _serving.patched
serve = _serving.serve
wait_ready = _serving.wait_ready
wait_until = _serving.wait_until

MAX_BATCH = 1000
VERSION = "fraudsys-check-1"
JSON = {"content-type": "application/json"}
TRAIN_ROWS = 6000  # past payments the checks' model is fitted on
TEST_ROWS = 240  # hidden-future payments sent to the service
TOLERANCE = 1e-9
_OFFSETS = ("+00:00", "Z", "+01:00", "+02:00", "-05:00", "+05:30", "-08:00", "+09:00")

# The load test (lesson 08 exercise 04's method): /predict against a bare endpoint added to the
# same app, in the same run, at LOAD_CONCURRENCY clients. The bars are wide: the reference
# measured 0.19x to 0.25x the bare throughput and 2.2x to 3.2x its p99 on a busy 2-core machine
# (load average 8; one row of part QUALITY's pandas features costs ~7 ms there). They catch a service that errs or
# crawls under concurrent clients; the model-loaded-per-request mistake has its own check.
LOAD_CONCURRENCY = 8
LOAD_SECONDS = 0.8
LOAD_MAX_REQUESTS = 400
MIN_THROUGHPUT_RATIO = 0.1  # /predict's answers per second at least this share of /bare's
MAX_P99_RATIO = 10.0  # /predict's p99 at most this many times /bare's


# --- the learner's features, the checks' model and the expected scores -------------------------


def _request_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return _shared.request_rows(frame)


def _sample(which: str, n: int, seed: int) -> pd.DataFrame:
    """In the grader's process: `n` hidden-world payments, past (before as_of, for training) or
    future, in time order. The world (its seed, its labels) never enters the learner's process:
    only the columns a client sends do."""
    tx = _shared.world().transactions
    cut = _shared.as_of()
    rows = tx[tx["timestamp"] < cut] if which == "past" else tx[tx["timestamp"] >= cut]
    rng = np.random.default_rng(seed)
    return rows.iloc[np.sort(rng.choice(len(rows), size=min(n, len(rows)), replace=False))]


def _features_of(module: Any, frame: pd.DataFrame) -> dict:
    """In the learner's process: the learner's build_features of `frame` (the columns a client
    sends), as plain data."""
    from fraudsys.features import build_features

    try:
        X = build_features(frame)
    except NotImplementedError:
        return {"missing": True}
    except Exception as exc:  # noqa: BLE001 - reported as a failed check
        return {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    X = pd.DataFrame(X)
    return {"columns": [str(c) for c in X.columns], "values": np.asarray(X, dtype=np.float64)}


def _learner_features(submission: Any, rows: pd.DataFrame) -> dict:
    return submission.observe(_features_of, _request_rows(rows).reset_index(drop=True))


_prepared: dict[str, dict] = {}


def _prepare(submission: Any, exchange: Path) -> dict:
    """The checks' model file (fitted on the learner's features), the request bodies and their
    expected scores; made once per exercise (cached by the exchange folder's parent)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from coursekit.model_io import save_model

    key = str(Path(exchange).parent)
    if key in _prepared:
        return _prepared[key]
    train_rows, test_rows = _sample("past", TRAIN_ROWS, 11), _sample("future", TEST_ROWS, 12)
    train = _learner_features(submission, train_rows)
    test = _learner_features(submission, test_rows)
    for got in (train, test):
        if got.get("error"):
            fail(
                f"fraudsys.features.build_features raised {got['error']} on the columns a "
                "client sends (coursekit.schemas.Transaction's fields): the service cannot "
                "score with it"
            )
        if got.get("missing"):
            # An untouched service is "not attempted" (create_app raises NotImplementedError).
            _serving.observe(submission, _max_batch_errors, str(exchange / "none.skops"), [1])
            fail(
                "fraudsys.features.build_features raised NotImplementedError: the service "
                "scores with part QUALITY's features, so write build_features first"
            )
    columns = train["columns"]
    X = pd.DataFrame(train["values"], columns=columns)
    if not np.isfinite(X.to_numpy()).all():
        fail(
            "build_features returned NaN or infinite values on the hidden world's payments: "
            "a model cannot be fitted on them (part QUALITY's contract: float64, finite)"
        )
    model = Pipeline(
        [("scale", StandardScaler()), ("classify", LogisticRegression(max_iter=500))]
    ).fit(X, train_rows["is_fraud"].to_numpy().astype(np.int64))
    folder = Path(exchange).parent / "capstone-service-model"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.skops"
    save_model(model, path, {"model_version": VERSION})
    expected = model.predict_proba(pd.DataFrame(test["values"], columns=columns))[:, 1]
    bodies = _bodies(test_rows, seed=13)
    _prepared[key] = {"path": path, "bodies": bodies, "expected": np.asarray(expected)}
    return _prepared[key]


def _bodies(rows: pd.DataFrame, seed: int) -> list[dict]:
    """JSON bodies of the payments `rows` (in that order), their timestamps written with
    assorted UTC offsets (the same instants)."""
    from datetime import timedelta, timezone

    rows = _request_rows(rows)
    rng = np.random.default_rng(seed)
    bodies = []
    for row in rows.itertuples(index=False):
        text = _OFFSETS[int(rng.integers(len(_OFFSETS)))]
        stamp = row.timestamp.to_pydatetime()
        if text == "Z":
            iso = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        else:
            sign = -1 if text[0] == "-" else 1
            offset = timedelta(hours=int(text[1:3]), minutes=int(text[4:6])) * sign
            iso = stamp.astimezone(timezone(offset)).isoformat()
        bodies.append(
            {
                "transaction_id": int(row.transaction_id),
                "timestamp": iso,
                "amount": float(row.amount),
                "currency": str(row.currency),
                "merchant_category": str(row.merchant_category),
                "channel": str(row.channel),
                "card_country": str(row.card_country),
                "merchant_country": str(row.merchant_country),
            }
        )
    return bodies


# --- probes (run in the learner's process) ------------------------------------------------------


class _Hooks:
    """Fakes of the service module's monitoring hooks: they record their calls."""

    def __init__(self) -> None:
        self.instrumented: list[bool] = []
        self.model_info: list[tuple[str, str, bool]] = []
        self.scores: list[list[float]] = []
        self.app: Any = None

    def instrument(self, app: Any, *args: Any, **kwargs: Any) -> None:
        self.instrumented.append(app is not None)
        self.app = app

    def set_model_info(self, app: Any, version: Any, sha256: Any, *args: Any) -> None:
        served = getattr(getattr(app, "state", None), "served", None)
        self.model_info.append((str(version), str(sha256), app is self.app))
        del served

    def observe_scores(self, app: Any, scores: Any, *args: Any) -> None:
        self.scores.append([float(s) for s in scores])


@contextlib.contextmanager
def _hooked(module: Any, hooks: _Hooks, **more: Any):
    """Replace the module's monitoring hooks (and `more` names) for the duration."""
    with contextlib.ExitStack() as stack:
        for name in ("instrument", "set_model_info", "observe_scores"):
            stack.enter_context(patched(module, name, getattr(hooks, name)))
        for name, value in more.items():
            stack.enter_context(patched(module, name, value))
        yield


def _request(client: Any, method: str, path: str, text: str | None) -> dict:
    if text is None:
        return facts(client.request(method, path))
    return facts(client.request(method, path, content=text.encode(), headers=JSON))


def _not_ready(client: Any) -> ProbeFailure:
    last = facts(client.get("/ready"))
    return ProbeFailure(
        f"GET /ready did not answer 200 within 5 s of the app's start (its last answer: "
        f"{last['status']} {last['text'][:200]}), with a good model file: load the model and "
        "score WARM_UP in the lifespan's worker thread, then answer 200"
    )


@guarded
def _session(module: Any, model_path: str, app_kwargs: dict, requests: list) -> dict:
    """Start the app (TestClient, monitoring hooks faked and counted, load_model and
    build_features counted), wait until ready, send `requests`; their facts and the counts."""
    from fraudsys.features import build_features

    from coursekit.model_io import load_model

    hooks = _Hooks()
    loads: list[str] = []
    frames: list[int] = []

    def counting_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        loads.append(str(path))
        return load_model(path, *args, **kwargs)

    def counting_features(frame: Any, *args: Any, **kwargs: Any) -> Any:
        frames.append(len(frame))
        return build_features(frame, *args, **kwargs)

    per_request = []
    with _hooked(module, hooks, load_model=counting_load, build_features=counting_features):
        app = module.create_app(model_path, **app_kwargs)
        loads_at_create = len(loads)
        with asgi_client(app) as client:
            if not wait_ready(client.get):
                raise _not_ready(client)
            warm = list(frames)
            info_at_ready = list(hooks.model_info)
            observed_at_ready = list(hooks.scores)
            for spec in requests:
                before = len(frames), len(hooks.scores)
                response = _request(client, *spec)
                per_request.append(
                    {
                        "response": response,
                        "frames": frames[before[0] :],
                        "observed": hooks.scores[before[1] :],
                    }
                )
    return {
        "loads": loads,
        "loads_at_create": loads_at_create,
        "warm_frames": warm,
        "instrumented": hooks.instrumented,
        "app_is_instrumented": hooks.app is app,
        "info_at_ready": info_at_ready,
        "observed_at_ready": observed_at_ready,
        "model_info": hooks.model_info,
        "per_request": per_request,
    }


@guarded
def _max_batch_errors(module: Any, model_path: str, values: list) -> list:
    """For each max_batch value, the exception create_app raised (its class name) or None."""
    out = []
    with _hooked(module, _Hooks()):
        for value in values:
            try:
                module.create_app(model_path, max_batch=value)
            except NotImplementedError:
                raise
            except Exception as exc:  # noqa: BLE001 - the kind is the fact
                out.append(type(exc).__name__)
            else:
                out.append(None)
    return out


@guarded
def _broken(module: Any, model_path: str, body: str) -> dict:
    """A model file that cannot be loaded: what /health, /ready and /predict answer."""
    hooks = _Hooks()
    with _hooked(module, hooks):
        app = module.create_app(model_path)
        with asgi_client(app) as client:
            wait_until(lambda: client.get("/ready").status_code not in (200, 503), 0.3)
            return {
                "health": facts(client.get("/health")),
                "ready": facts(client.get("/ready")),
                "predict": _request(client, "POST", "/predict", body),
                "batch": _request(
                    client, "POST", "/predict/batch", f'{{"transactions": [{body}]}}'
                ),
                "model_info": hooks.model_info,
            }


@guarded
def _during_load(module: Any, model_path: str, body: str) -> dict:
    """A real server whose load_model waits at a gate: its answers while the model loads, and
    whether it becomes ready once the load goes on."""
    from coursekit.model_io import load_model

    gate = Gate(timeout=4.0)

    def gated_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        gate.wait()
        return load_model(path, *args, **kwargs)

    out: dict[str, Any] = {}
    with _hooked(module, _Hooks(), load_model=gated_load):
        app = module.create_app(model_path)
        with serve(app) as served:
            if not served.wait_started(2.5):
                gate.release.set()
                raise ProbeFailure(
                    "the server did not start listening within 2.5 s while load_model was still "
                    "running: the startup waited for the model. Load it in a worker thread "
                    "(asyncio.to_thread) started from the lifespan, and yield at once"
                )
            with httpx.Client(base_url=served.url, timeout=3.0, trust_env=False) as client:
                gate.entered.wait(3.0)
                out["health"] = facts(client.get("/health"))
                out["ready"] = facts(client.get("/ready"))
                out["predict"] = facts(client.post("/predict", content=body.encode(), headers=JSON))
                out["still_loading"] = gate.left == 0
                gate.release.set()
                out["ready_after"] = wait_ready(client.get)
    return out


@guarded
def _held_prediction(module: Any, model_path: str, body: str) -> dict:
    """A real server whose model waits at a gate on its second prediction (the first request's):
    does /health answer while that prediction runs?"""
    from coursekit.model_io import load_model

    gate = Gate(timeout=4.0)

    class Held:
        def __init__(self, model: Any) -> None:
            self.model = model
            self.calls = 0
            self.feature_names_in_ = getattr(model, "feature_names_in_", None)
            self.classes_ = getattr(model, "classes_", None)

        def predict_proba(self, X: Any) -> Any:
            self.calls += 1
            if self.calls == 2:
                gate.wait()
            return self.model.predict_proba(X)

    def held_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        model, metadata = load_model(path, *args, **kwargs)
        return Held(model), metadata

    import threading

    with _hooked(module, _Hooks(), load_model=held_load):
        app = module.create_app(model_path)
        with serve(app) as served:
            if not served.wait_started(5.0):
                raise ProbeFailure("the server did not start listening within 5 s")
            with httpx.Client(base_url=served.url, timeout=3.0, trust_env=False) as client:
                if not wait_ready(client.get):
                    raise _not_ready(client)
                answer: dict = {}

                def post() -> None:
                    with httpx.Client(base_url=served.url, timeout=6.0, trust_env=False) as c:
                        answer["predict"] = facts(
                            c.post("/predict", content=body.encode(), headers=JSON)
                        )

                sender = threading.Thread(target=post, daemon=True)
                sender.start()
                held = gate.entered.wait(3.0)
                try:
                    started = time.perf_counter()
                    health = client.get("/health", timeout=1.5)
                    health_s = time.perf_counter() - started
                    health_status = health.status_code
                except httpx.HTTPError as exc:
                    health_status, health_s = type(exc).__name__, None
                finally:
                    gate.release.set()
                sender.join(6.0)
    return {
        "held": held,
        "health": health_status,
        "health_s": health_s,
        "predict": answer.get("predict"),
    }


@guarded
def _unexpected_error(module: Any, model_path: str, body: str) -> dict:
    """build_features raises (with a secret in its message) after the warm-up: the answer."""
    from fraudsys.features import build_features

    secret = "secret-feature-detail-9c1e"
    calls = []

    def failing(frame: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(frame))
        if len(calls) > 1:
            raise RuntimeError(f"features broke: {secret}")
        return build_features(frame, *args, **kwargs)

    with _hooked(module, _Hooks(), build_features=failing):
        app = module.create_app(model_path)
        with asgi_client(app) as client:
            if not wait_ready(client.get):
                raise _not_ready(client)
            return {
                "predict": _request(client, "POST", "/predict", body),
                "health": facts(client.get("/health")),
                "secret": secret,
            }


async def _bare(request: Request) -> dict:
    """The bare endpoint of the load test: reads the body, answers a constant."""
    await request.body()
    return {"transaction_id": 0, "score": 0.0, "model_version": "bare"}


@guarded
def _round_trip_and_load(module: Any, model_path: str, bodies: list) -> dict:
    """A real uvicorn server: one round trip, then lesson 08's load test on /predict and on a
    bare endpoint added to the same app (each with LOAD_CONCURRENCY clients)."""
    from coursekit.load_test import load_test

    hooks = _Hooks()
    with _hooked(module, hooks):
        app = module.create_app(model_path)
        app.add_api_route("/__bare__", _bare, methods=["POST"])
        with serve(app) as served:
            if not served.wait_started(5.0):
                raise ProbeFailure("the server did not start listening within 5 s")
            with httpx.Client(base_url=served.url, timeout=5.0, trust_env=False) as client:
                if not wait_ready(client.get):
                    raise _not_ready(client)
                one = facts(client.post("/predict", json=bodies[0]))
            runs = {}
            for name, path in (("bare", "/__bare__"), ("predict", "/predict")):
                runs[name] = load_test(
                    served.url,
                    bodies,
                    concurrency=LOAD_CONCURRENCY,
                    duration_s=LOAD_SECONDS,
                    max_requests=LOAD_MAX_REQUESTS,
                    path=path,
                )
            # the bare run again, after /predict: the ratio uses the better of the two
            runs["bare2"] = load_test(
                served.url,
                bodies,
                concurrency=LOAD_CONCURRENCY,
                duration_s=LOAD_SECONDS,
                max_requests=LOAD_MAX_REQUESTS,
                path="/__bare__",
            )
    return {"one": one, "runs": runs}


# --- the grader's side --------------------------------------------------------------------------


def _describe(f: dict) -> str:
    return f"{f['status']} {f['text'][:200]!r}"


def _ok_json(f: dict, where: str) -> Any:
    if f["status"] != 200 or f["json"] is None:
        fail(f"{where} answered {_describe(f)}, expected 200 with a JSON body")
    return f["json"]


def _check_error(f: dict, status: int, where: str) -> dict:
    """Fail unless `f` is a JSON error with this status and an "error" message."""
    if f is None:
        fail(f"{where}: no answer, expected a {status} error")
    if f["status"] != status:
        fail(f"{where} answered {_describe(f)}, expected {status}")
    body = f["json"]
    if not isinstance(body, dict) or not isinstance(body.get("error"), str) or not body["error"]:
        fail(
            f"{where} answered {status} with the body {f['text'][:200]!r}: every error is a "
            'JSON object {"error": "what was wrong", ...}, so that clients can parse it'
        )
    return body


def _scores_of(body: Any, where: str, n: int) -> list[dict]:
    if not isinstance(body, dict) or not isinstance(body.get("scores"), list):
        fail(f"{where} answered {str(body)[:200]}, expected {{'scores': [...], 'model_version'}}")
    if len(body["scores"]) != n:
        fail(f"{where} answered {len(body['scores'])} scores for {n} transactions")
    return body["scores"]


def _compare(got: list[float], want: np.ndarray, ids: list[int], where: str) -> None:
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        if not isinstance(g, float) or not math.isfinite(g) or abs(g - w) > TOLERANCE:
            fail(
                f"{where}: transaction {ids[k]} got the score {g!r}, expected {w:.12f} (column 1 "
                "of predict_proba of build_features of the request's frame, within 1e-9). Build "
                "the frame of REQUEST_COLUMNS with its timestamps in UTC and give it to "
                "build_features as it is; if your build_features is right on a whole table but "
                "not on one row, it is not a per-row function (part QUALITY's contract)"
            )


def _other_features_model(path: Path) -> None:
    """A loadable model file whose model expects columns no build_features makes."""
    from sklearn.linear_model import LogisticRegression

    from coursekit.model_io import save_model

    X = pd.DataFrame({"not_a_feature": [0.0, 1.0, 2.0, 3.0], "nor_this": [1.0, 0.0, 1.0, 0.0]})
    model = LogisticRegression().fit(X, [0, 0, 1, 1])
    save_model(model, path, {"model_version": "other-features"})


def _batch_text(bodies: list[dict]) -> str:
    return json.dumps({"transactions": bodies})


def _session_facts(submission: Any, exchange: Path, requests: list, **app_kwargs: Any) -> dict:
    prep = _prepare(submission, exchange)
    return _serving.observe(submission, _session, str(prep["path"]), app_kwargs, requests)


class TestStartup:
    def test_ready_with_the_model_version(self, submission, exchange):
        out = _session_facts(submission, exchange, [("GET", "/ready", None)])
        body = _ok_json(out["per_request"][0]["response"], "GET /ready once ready")
        if body != {"status": "ready", "model_version": VERSION}:
            fail(
                f"GET /ready answered {body}, expected {{'status': 'ready', 'model_version': "
                f"{VERSION!r}}} (the sidecar's model_version)"
            )

    def test_model_loaded_once_at_startup(self, submission, exchange):
        prep = _prepare(submission, exchange)
        bodies = prep["bodies"][:6]
        requests = [("POST", "/predict", json.dumps(b)) for b in bodies] + [
            ("POST", "/predict/batch", _batch_text(bodies)),
            ("GET", "/ready", None),
        ]
        out = _session_facts(submission, exchange, requests)
        for k, item in enumerate(out["per_request"]):
            _ok_json(item["response"], f"{requests[k][0]} {requests[k][1]}")
        if out["loads_at_create"]:
            fail(
                "create_app called load_model itself: creating the app reads nothing; the "
                "lifespan loads the model when the server starts the app"
            )
        loads = out["loads"]
        if len(loads) != 1:
            fail(
                f"load_model ran {len(loads)} times for one start of the app and "
                f"{len(requests)} requests, expected once: load the model once, in the lifespan, "
                "and keep it (a load per request reads, hashes and unpacks the file every time)"
            )
        if Path(loads[0]) != Path(prep["path"]):
            fail(
                f"load_model was given {loads[0]!r}, expected the model_path {str(prep['path'])!r}"
            )

    def test_warm_up_before_ready(self, submission, exchange):
        out = _session_facts(submission, exchange, [("GET", "/ready", None)])
        if not out["warm_frames"]:
            fail(
                "GET /ready answered 200 before the service had built any features: score "
                "WARM_UP once, through the same path as /predict, before saying ready"
            )

    def test_broken_model_file_stays_up_never_ready(self, submission, exchange):
        prep = _prepare(submission, exchange)
        good = Path(prep["path"])
        tampered = exchange / "tampered.skops"
        data = bytearray(good.read_bytes())
        data[len(data) // 2] ^= 0xFF
        tampered.write_bytes(bytes(data))
        Path(f"{tampered}.json").write_bytes(Path(f"{good}.json").read_bytes())
        body = json.dumps(prep["bodies"][0])
        other = exchange / "other-features.skops"
        _other_features_model(other)
        for path, what in (
            (exchange / "missing.skops", "a model file that does not exist"),
            (tampered, "a model file whose SHA-256 does not match its sidecar's"),
            (other, "a model fitted on other columns (its warm-up prediction raises)"),
        ):
            out = _serving.observe(submission, _broken, str(path), body)
            if out["health"]["status"] != 200 or out["health"]["json"] != {"status": "ok"}:
                fail(
                    f"with {what}, GET /health answered {_describe(out['health'])}, expected "
                    "200 {'status': 'ok'}: the process runs; log the failure, keep the server up"
                )
            _check_error(out["ready"], 503, f"GET /ready with {what}")
            _check_error(out["predict"], 503, f"POST /predict with {what}")
            _check_error(out["batch"], 503, f"POST /predict/batch with {what}")
            if out["model_info"]:
                fail(
                    f"with {what}, the service called set_model_info{out['model_info'][0][:2]}: "
                    "no model is served, so no model info (call it once loaded and warmed up)"
                )

    def test_not_ready_while_loading(self, submission, exchange):
        prep = _prepare(submission, exchange)
        out = _serving.observe(
            submission, _during_load, str(prep["path"]), json.dumps(prep["bodies"][0])
        )
        if out["health"]["status"] != 200:
            fail(
                f"while the model was loading, GET /health answered {_describe(out['health'])}, "
                "expected 200 at once: load the model off the event loop"
            )
        if out["still_loading"]:
            _check_error(out["ready"], 503, "GET /ready while the model was still loading")
            _check_error(out["predict"], 503, "POST /predict while the model was still loading")
        if not out["ready_after"]:
            fail("once load_model returned, GET /ready never answered 200 (waited 5 s)")

    def test_version_falls_back_to_the_hash(self, submission, exchange):
        from coursekit.model_io import load_model, save_model

        prep = _prepare(submission, exchange)
        model, _ = load_model(prep["path"])
        path = exchange / "unversioned.skops"
        sidecar = save_model(model, path, {})
        out = _serving.observe(submission, _session, str(path), {}, [("GET", "/ready", None)])
        body = _ok_json(out["per_request"][0]["response"], "GET /ready (a sidecar without version)")
        want = sidecar["sha256"][:12]
        if body.get("model_version") != want:
            fail(
                f"with a sidecar without 'model_version', GET /ready said model_version "
                f"{body.get('model_version')!r}, expected {want!r}: the first 12 characters of "
                "the sidecar's sha256"
            )


class TestPredict:
    def test_predict_scores(self, submission, exchange):
        prep = _prepare(submission, exchange)
        bodies, want = prep["bodies"][:24], prep["expected"][:24]
        requests = [("POST", "/predict", json.dumps(b)) for b in bodies]
        out = _session_facts(submission, exchange, requests)
        got = []
        for k, item in enumerate(out["per_request"]):
            body = _ok_json(
                item["response"], f"POST /predict (transaction {bodies[k]['transaction_id']})"
            )
            keys = {"transaction_id", "score", "model_version"}
            if not isinstance(body, dict) or set(body) != keys:
                fail(
                    f"POST /predict answered {str(body)[:200]}, expected exactly the keys {sorted(keys)}"
                )
            if body["transaction_id"] != bodies[k]["transaction_id"]:
                fail(
                    f"POST /predict of transaction {bodies[k]['transaction_id']} answered the id "
                    f"{body['transaction_id']!r}"
                )
            if body["model_version"] != VERSION:
                fail(
                    f"POST /predict said model_version {body['model_version']!r}, expected {VERSION!r}"
                )
            got.append(body["score"])
        _compare(got, want, [b["transaction_id"] for b in bodies], "POST /predict")

    def test_batch_scores_in_order(self, submission, exchange):
        prep = _prepare(submission, exchange)
        bodies, want = list(prep["bodies"][:60]), list(prep["expected"][:60])
        bodies.append(dict(bodies[3]))  # a repeated transaction comes back twice
        want.append(want[3])
        out = _session_facts(
            submission, exchange, [("POST", "/predict/batch", _batch_text(bodies))]
        )
        body = _ok_json(out["per_request"][0]["response"], "POST /predict/batch of 61")
        scores = _scores_of(body, "POST /predict/batch of 61", len(bodies))
        ids = [b["transaction_id"] for b in bodies]
        got_ids = [s.get("transaction_id") if isinstance(s, dict) else None for s in scores]
        if got_ids != ids:
            fail(
                "POST /predict/batch answered the transactions in another order (or lost a "
                f"repeated one): ids {got_ids[:8]}..., expected {ids[:8]}... (the batch's order)"
            )
        if body.get("model_version") != VERSION:
            fail(
                f"POST /predict/batch said model_version {body.get('model_version')!r}, expected {VERSION!r}"
            )
        _compare([s.get("score") for s in scores], np.asarray(want), ids, "POST /predict/batch")

    def test_one_feature_frame_per_request(self, submission, exchange):
        prep = _prepare(submission, exchange)
        bodies = prep["bodies"][:40]
        out = _session_facts(
            submission,
            exchange,
            [
                ("POST", "/predict", json.dumps(bodies[0])),
                ("POST", "/predict/batch", _batch_text(bodies)),
            ],
        )
        for item, n, what in zip(
            out["per_request"], (1, 40), ("/predict", "/predict/batch of 40"), strict=False
        ):
            _ok_json(item["response"], f"POST {what}")
            if item["frames"] != [n]:
                fail(
                    f"POST {what} called build_features with frames of {item['frames']} rows, "
                    f"expected one call with one frame of all {n} transactions: a call per row "
                    "costs the whole frame's overhead every time"
                )

    def test_bad_bodies_get_422(self, submission, exchange):
        prep = _prepare(submission, exchange)
        good = prep["bodies"][0]
        base = json.dumps(good)

        def with_(**change: Any) -> str:
            return json.dumps({**good, **change})

        def without(name: str) -> str:
            return json.dumps({k: v for k, v in good.items() if k != name})

        def literal(value: str) -> str:
            return base.replace(json.dumps(good["amount"]), value, 1)

        naive = good["timestamp"][:19]
        cases = [
            (literal("NaN"), "an amount of NaN"),
            (literal("Infinity"), "an amount of Infinity"),
            (literal("-Infinity"), "an amount of -Infinity"),
            (literal("1e309"), "an amount of 1e309"),
            (with_(amount=-12.5), "a negative amount"),
            (with_(amount=0), "an amount of 0"),
            (with_(amount="12.5"), "an amount as a string"),
            (with_(transaction_id="77"), "a transaction_id as a string"),
            (with_(transaction_id=-1), "a negative transaction_id"),
            (with_(timestamp=naive), "a timestamp without a UTC offset"),
            (with_(timestamp="yesterday"), "a timestamp that is no date"),
            (with_(channel="WEB"), "an unknown channel"),
            (with_(merchant_category="groceries"), "an unknown merchant_category"),
            (with_(card_country="Germany"), "a card_country that is not two letters"),
            (without("amount"), "a missing amount"),
            (with_(ammount=10.0), "an extra field"),
            ("[1, 2]", "a JSON list instead of an object"),
            ("{not json", "a body that is not JSON"),
        ]
        batch_cases = [
            ('{"transactions": []}', "an empty batch"),
            ('{"transactions": [' + literal("NaN") + "]}", "a batch holding an amount of NaN"),
            ("{}", "a batch without 'transactions'"),
        ]
        requests = [("POST", "/predict", text) for text, _ in cases] + [
            ("POST", "/predict/batch", text) for text, _ in batch_cases
        ]
        out = _session_facts(submission, exchange, requests)
        for k, (item, (_, what)) in enumerate(
            zip(out["per_request"], cases + batch_cases, strict=False)
        ):
            f = item["response"]
            route = "/predict" if k < len(cases) else "/predict/batch"
            if f["status"] == 500:
                fail(
                    f"POST {route} with {what} answered 500: a client's mistake is a 422, never a "
                    "500 (FastAPI's default 422 handler echoes the input, and a NaN in it makes "
                    "the answer itself crash: answer with readable_errors of the errors instead)"
                )
            body = _check_error(f, 422, f"POST {route} with {what}")
            details = body.get("details")
            if (
                not isinstance(details, list)
                or not details
                or not all(isinstance(d, dict) and set(d) == {"field", "message"} for d in details)
            ):
                fail(
                    f"POST {route} with {what} answered 422 with 'details' {str(details)[:200]}: "
                    "expected readable_errors(...) of the validation errors (a non-empty list of "
                    "{'field', 'message'})"
                )
            if item["observed"]:
                fail(f"POST {route} with {what} reached observe_scores: nothing was scored")

    def test_unscorable_transaction_gets_422(self, submission, exchange):
        prep = _prepare(submission, exchange)
        good = prep["bodies"][0]
        odd = {**good, "currency": "XQZ", "transaction_id": 4242}
        out = _session_facts(
            submission,
            exchange,
            [
                ("POST", "/predict", json.dumps(odd)),
                ("POST", "/predict/batch", _batch_text([good, odd])),
                ("POST", "/predict", json.dumps(good)),
            ],
        )
        first, second, third = (item["response"] for item in out["per_request"])
        if first["status"] == 200:
            return  # part QUALITY's features score an unknown currency: nothing to refuse
        for f, what in ((first, "/predict"), (second, "/predict/batch")):
            if f["status"] == 500:
                fail(
                    f"POST {what} of a transaction in the currency 'XQZ' answered 500: its "
                    "features are not finite (no exchange rate), and the model refused them. A "
                    "valid transaction the model cannot score is a 422 that says why, never a 500"
                )
            body = _check_error(f, 422, f"POST {what} of a transaction in the currency 'XQZ'")
            if "4242" not in body["error"]:
                fail(
                    f"POST {what} answered 422 {body['error'][:200]!r}: name the transaction "
                    "(4242) that cannot be scored"
                )
        _ok_json(third, "POST /predict of a good transaction after an unscorable one")

    def test_batch_limit(self, submission, exchange):
        prep = _prepare(submission, exchange)
        bodies = prep["bodies"]
        big = [bodies[k % len(bodies)] for k in range(MAX_BATCH + 1)]
        out = _session_facts(
            submission,
            exchange,
            [
                ("POST", "/predict/batch", _batch_text(bodies[:5])),
                ("POST", "/predict/batch", _batch_text(bodies[:6])),
                ("POST", "/predict/batch", _batch_text(big)),
            ],
            max_batch=5,
        )
        first, second, third = (item["response"] for item in out["per_request"])
        _scores_of(_ok_json(first, "POST /predict/batch of 5 with max_batch=5"), "that batch", 5)
        _check_error(second, 413, "POST /predict/batch of 6 with max_batch=5")
        _check_error(third, 413, f"POST /predict/batch of {MAX_BATCH + 1} (above MAX_BATCH)")
        if out["per_request"][1]["frames"] or out["per_request"][2]["frames"]:
            fail("a batch above the limit was scored before being refused: check its size first")

    def test_max_batch_validated(self, submission, exchange):
        prep = _prepare(submission, exchange)
        values = [0, -1, MAX_BATCH + 1, True, 5.0, "5", None, 1, MAX_BATCH]
        got = _serving.observe(submission, _max_batch_errors, str(prep["path"]), values)
        for value, kind in zip(values, got, strict=False):
            valid = (
                isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_BATCH
            )
            if valid and kind is not None:
                fail(f"create_app(model_path, max_batch={value!r}) raised {kind}: it is valid")
            if not valid and kind != "ValueError":
                fail(
                    f"create_app(model_path, max_batch={value!r}) "
                    f"{'returned an app' if kind is None else 'raised ' + kind}, expected "
                    f"ValueError: max_batch is an int (not a bool) from 1 to {MAX_BATCH}"
                )

    def test_unexpected_error_is_a_json_500(self, submission, exchange):
        prep = _prepare(submission, exchange)
        out = _serving.observe(
            submission, _unexpected_error, str(prep["path"]), json.dumps(prep["bodies"][0])
        )
        _check_error(out["predict"], 500, "POST /predict when build_features raised")
        if out["secret"] in out["predict"]["text"]:
            fail(
                "the 500's body holds the exception's message: log it, never send it (it can "
                "hold data, paths, secrets)"
            )
        if out["health"]["status"] != 200:
            fail("after a failed prediction GET /health did not answer 200: the service died")


class TestMonitoringHooks:
    def test_hooks_called_as_agreed(self, submission, exchange):
        prep = _prepare(submission, exchange)
        bodies, want = prep["bodies"][:3], prep["expected"][:3]
        requests = [
            ("POST", "/predict", json.dumps(bodies[0])),
            ("POST", "/predict/batch", _batch_text(bodies)),
            ("GET", "/health", None),
        ]
        out = _session_facts(submission, exchange, requests)
        if out["instrumented"] != [True] or not out["app_is_instrumented"]:
            fail(
                f"create_app called instrument {len(out['instrumented'])} times (or not with the "
                "app it returned), expected once, with the app: part MONITOR's /metrics and "
                "middleware come from fraudsys.monitoring.instrument(app)"
            )
        sha = json.loads(Path(f"{prep['path']}.json").read_text())["sha256"]
        want_info = [(VERSION, sha, True)]
        if out["info_at_ready"] != want_info or out["model_info"] != want_info:
            fail(
                f"set_model_info was called with {[i[:2] for i in out['model_info']]} (by the "
                f"time /ready said 200: {[i[:2] for i in out['info_at_ready']]}), expected once, "
                f"before the service is ready, with (app, {VERSION!r}, the sidecar's sha256)"
            )
        if out["observed_at_ready"]:
            fail(
                f"observe_scores was given {out['observed_at_ready']} before any request: the "
                "warm-up's prediction serves no one, keep it out of the score histogram (call "
                "observe_scores in the routes, with the scores they return)"
            )
        observed = [item["observed"] for item in out["per_request"]]
        flat = [[float(s) for s in call] for calls in observed for call in calls]
        expected = [[want[0]], list(want)]
        if (
            len(flat) != 2
            or any(
                len(a) != len(b) or any(abs(x - y) > TOLERANCE for x, y in zip(a, b, strict=False))
                for a, b in zip(flat, expected, strict=False)
            )
            or observed[2]
        ):
            fail(
                f"observe_scores was given {flat} for a /predict, a /predict/batch of 3 and a "
                f"/health, expected {[[round(x, 6) for x in e] for e in expected]}: once per "
                "predict answer, with the scores returned (never the warm-up's)"
            )


class TestRealServer:
    def test_health_answers_during_a_prediction(self, submission, exchange):
        prep = _prepare(submission, exchange)
        out = _serving.observe(
            submission, _held_prediction, str(prep["path"]), json.dumps(prep["bodies"][0])
        )
        if not out["held"]:
            fail("the /predict request never reached the model (waited 3 s)")
        if out["health"] != 200:
            fail(
                f"while one /predict waited on the model, GET /health answered {out['health']} "
                "(within 1.5 s): the prediction ran on the event loop and froze every request. "
                "Use plain `def` endpoints or `await run_in_threadpool(...)`"
            )
        if not out["predict"] or out["predict"]["status"] != 200:
            fail(f"the held /predict answered {out['predict'] and _describe(out['predict'])}")

    def test_load_test_against_a_bare_endpoint(self, submission, exchange):
        prep = _prepare(submission, exchange)
        out = _serving.observe(submission, _round_trip_and_load, str(prep["path"]), prep["bodies"])
        one = _ok_json(out["one"], "POST /predict on a real uvicorn server")
        _compare(
            [one.get("score")],
            prep["expected"][:1],
            [prep["bodies"][0]["transaction_id"]],
            "POST /predict (uvicorn)",
        )
        runs = out["runs"]
        predict = runs["predict"]
        if predict["errors"] or not predict["ok"]:
            fail(
                f"the load test on /predict ({LOAD_CONCURRENCY} clients, {LOAD_SECONDS:g} s) got "
                f"{predict['ok']} answers 2xx and the errors {predict['errors']}: expected none"
            )
        bare = max((runs["bare"], runs["bare2"]), key=lambda r: r["throughput_rps"])
        ratio = predict["throughput_rps"] / bare["throughput_rps"]
        p99 = predict["p99_ms"] / min(runs["bare"]["p99_ms"], runs["bare2"]["p99_ms"])
        if ratio < MIN_THROUGHPUT_RATIO:
            fail(
                f"/predict answered {predict['throughput_rps']:.0f} requests/s, {ratio:.2f} times "
                f"a bare endpoint's {bare['throughput_rps']:.0f} in the same app and run, expected "
                f"at least {MIN_THROUGHPUT_RATIO}: something costs far more than the model "
                "(a model loaded per request, a frame per row, a blocked event loop)"
            )
        if p99 > MAX_P99_RATIO:
            fail(
                f"/predict's p99 latency was {predict['p99_ms']:.1f} ms, {p99:.1f} times the bare "
                f"endpoint's, expected at most {MAX_P99_RATIO}"
            )
