"""Helpers of lesson 08's checks (a service, its clients, a load test). Stable: other checks of
the lesson import them; add, never change a signature.

In the grader's process:
- `model_file(exchange, seed=0) -> Path`: the lesson's model file (`make_model_file`), built once
  per exercise's exchange folder (`exchange.parent`, readable by the learner's process, sandboxed
  or not) and reused by every later check of the exercise.
- `expected_scores(model_path, bodies) -> ndarray`: the served model's score of each transaction
  body (a JSON-ready dict), as the reference service computes it.
- `transaction_bodies(n, seed) -> list[dict]`: `n` valid `Transaction` bodies (JSON-ready dicts,
  ISO timestamps with assorted UTC offsets, shuffled distinct ids) from the data world's rows.
- `observe(submission, probe, *args)`: `submission.observe(probe, *args)` for a probe decorated
  with `@guarded`; a `ProbeFailure` the probe raised becomes a failed check with its message.

In the learner's process (inside a probe run by `submission.observe`):
- `@guarded`: a probe's `ProbeFailure` comes back as a failure message rather than as an error
  (a NotImplementedError still means "not attempted"). Decorate module-level probes with it.
- `asgi_client(app, timeout=5.0)`: a context manager: starlette's TestClient around `app`, its
  lifespan started (and stopped on exit) within `timeout` seconds, else `ProbeFailure`; server
  exceptions become 500 responses, as a server would send them.
- `serve(app, lifespan="on")`: a context manager: a real uvicorn server for `app` on 127.0.0.1 (a free port)
  in a thread, always stopped on exit (bounded); yields a `Served` whose `wait_started(timeout)`
  says whether it listens yet, and whose `url` is its base URL once it does.
- `serving(app)`: `serve` for ex03's and ex04's own test apps (lifespan off), started within
  10 s; yields its base URL.
- `closed_port() -> int`: a port on 127.0.0.1 where nothing listens (a connection is refused).
- `wait_until(predicate, timeout, interval=0.005) -> bool`: bounded polling.
- `wait_ready(get, timeout=5.0) -> bool`: polls `get("/ready")` until its status is 200.
- `facts(response) -> dict`: a response as plain data: status, headers (lower-case names), json
  (None when the body is not JSON), text (the first 2,000 characters).
- `json_safe(value) -> bool`: whether `json.dumps(value, allow_nan=False)` succeeds.
- `patched(module, name, value)`: a context manager that sets `module.<name>` and restores it.
- `Gate`: a threading gate for slowed-down fakes: `entered` is set when a caller arrives, callers
  wait on `release` (bounded by `timeout`), `calls` counts them and `left` those that went on.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from autograder.assertions import fail
from coursekit.local_server import bound_port, uvicorn_thread

PROBE_TIMEOUT = 5.0  # seconds: the longest any single wait of a probe may take


class ProbeFailure(Exception):
    """A probe's verdict on the learner's code, raised in the learner's process."""


# --- the grader's side --------------------------------------------------------------------------

_models: dict[tuple[str, int], Path] = {}
_loaded: dict[str, Any] = {}


def model_file(exchange: Path, seed: int = 0) -> Path:
    """The lesson's model file in the exercise's exchange folder, built on first use."""
    from coursekit.model_io import sidecar_path
    from coursekit.serving_model import make_model_file

    folder = Path(exchange).parent / "lesson08-models"
    key = (str(folder), seed)
    path = _models.get(key)
    if path is None or not (path.is_file() and sidecar_path(path).is_file()):
        path = _models[key] = make_model_file(folder, seed=seed)
    return path


def expected_scores(model_path: Path, bodies: list[dict]) -> np.ndarray:
    """The served model's score of each body: predict_proba(to_features(transactions))[:, 1]."""
    from coursekit.model_io import load_model
    from coursekit.schemas import Transaction
    from coursekit.serving_model import to_features

    model = _loaded.get(str(model_path))
    if model is None:
        model = _loaded[str(model_path)] = load_model(model_path)[0]
    transactions = [Transaction.model_validate(body) for body in bodies]
    return np.asarray(model.predict_proba(to_features(transactions))[:, 1], dtype=np.float64)


_OFFSETS = ("+00:00", "Z", "+01:00", "+02:00", "-05:00", "+05:30", "-08:00", "+09:00")


def transaction_bodies(n: int, seed: int) -> list[dict]:
    """`n` valid Transaction bodies from the data world's rows, shuffled, with distinct ids and
    their timestamps written with assorted UTC offsets (the same instants)."""
    from datetime import timedelta, timezone

    import coursedata

    table = coursedata.sample("small").transactions
    rng = np.random.default_rng(seed)
    rows = table.iloc[rng.choice(len(table), size=n, replace=n > len(table))]
    ids = rng.choice(10**9, size=n, replace=False)
    bodies = []
    for k, row in enumerate(rows.itertuples(index=False)):
        text = _OFFSETS[int(rng.integers(len(_OFFSETS)))]
        stamp = row.timestamp.to_pydatetime()
        if text == "Z":
            iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            sign = -1 if text[0] == "-" else 1
            offset = timedelta(hours=int(text[1:3]), minutes=int(text[4:6])) * sign
            iso = stamp.astimezone(timezone(offset)).isoformat()
        bodies.append(
            {
                "transaction_id": int(ids[k]),
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


def observe(submission: Any, probe: Callable[..., Any], *args: Any) -> Any:
    """Run a `@guarded` probe in the learner's process; its ProbeFailure fails the check."""
    result = submission.observe(probe, *args)
    if isinstance(result, dict) and "probe_failure" in result:
        fail(str(result["probe_failure"]))
    return result["value"]


# --- the learner's side (inside probes) ---------------------------------------------------------


def guarded(probe: Callable[..., Any]) -> Callable[..., Any]:
    """A probe whose ProbeFailure comes back as a message: {"probe_failure": ...}."""

    @functools.wraps(probe)
    def run(module: Any, *args: Any) -> dict:
        try:
            return {"value": probe(module, *args)}
        except ProbeFailure as exc:
            return {"probe_failure": str(exc)}

    return run


_real_sleep = time.sleep  # time.sleep as imported, before any check patches it


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.005) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds passed; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return bool(predicate())
        _real_sleep(interval)


def wait_ready(get: Callable[[str], Any], timeout: float = PROBE_TIMEOUT) -> bool:
    """Poll `get("/ready")` until it answers 200, for at most `timeout` seconds."""
    return wait_until(lambda: get("/ready").status_code == 200, timeout, interval=0.01)


def facts(response: Any) -> dict:
    """A response as plain data."""
    try:
        body = response.json()
    except ValueError:
        body = None
    return {
        "status": int(response.status_code),
        "headers": {k.lower(): v for k, v in response.headers.items()},
        "json": body,
        "text": response.text[:2000],
    }


@contextlib.contextmanager
def patched(module: Any, name: str, value: Any) -> Iterator[None]:
    """`module.<name> = value` for the duration, then the old value (or none) again."""
    missing = object()
    old = getattr(module, name, missing)
    setattr(module, name, value)
    try:
        yield
    finally:
        if old is missing:
            with contextlib.suppress(AttributeError):
                delattr(module, name)
        else:
            setattr(module, name, old)


class Gate:
    """Holds callers until released (each wait bounded by `timeout`): `entered` is set when the
    first caller arrives, `calls` counts them, `left` counts those that went on."""

    def __init__(self, timeout: float = PROBE_TIMEOUT) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.timeout = timeout
        self.calls = 0
        self.left = 0
        self._lock = threading.Lock()

    def wait(self) -> bool:
        with self._lock:
            self.calls += 1
        self.entered.set()
        released = self.release.wait(self.timeout)
        with self._lock:
            self.left += 1
        return released


@contextlib.contextmanager
def asgi_client(app: Any, timeout: float = PROBE_TIMEOUT) -> Iterator[Any]:
    """starlette's TestClient on `app`, its lifespan started within `timeout` seconds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about httpx2
        from starlette.testclient import TestClient

        client = TestClient(app, raise_server_exceptions=False)
    outcome: dict[str, BaseException] = {}

    def enter() -> None:
        try:
            client.__enter__()
        except BaseException as exc:  # noqa: BLE001 - reported below, in the probe's thread
            outcome["error"] = exc

    starting = threading.Thread(target=enter, name="probe-lifespan", daemon=True)
    starting.start()
    starting.join(timeout)
    if starting.is_alive():
        raise ProbeFailure(
            f"the app's startup (its lifespan, up to its `yield`) did not finish within {timeout:g} "
            "seconds: start the slow work (loading the model) in a worker thread and return"
        )
    if "error" in outcome:
        error = outcome["error"]
        if isinstance(error, NotImplementedError):
            raise error
        raise ProbeFailure(
            f"the app failed to start: its lifespan raised {type(error).__name__}: "
            f"{str(error)[:300]}"
        )
    try:
        yield client
    finally:
        stopping = threading.Thread(target=client.__exit__, args=(None, None, None), daemon=True)
        stopping.start()
        stopping.join(timeout)


class Served:
    """A uvicorn server started by `serve`: `url` once it listens."""

    def __init__(self, server: Any, thread: threading.Thread) -> None:
        self.server = server
        self.thread = thread
        self.url: str | None = None

    def wait_started(self, timeout: float = PROBE_TIMEOUT) -> bool:
        """Whether the server listens within `timeout` seconds (then `url` is set)."""
        if not wait_until(lambda: self.server.started or not self.thread.is_alive(), timeout):
            return False
        if not self.server.started:
            raise ProbeFailure(
                "the server stopped while it started: the app's lifespan raised (see the "
                "server's log above); keep the server up even when the model cannot be loaded"
            )
        self.url = f"http://127.0.0.1:{bound_port(self.server)}"
        return True


@contextlib.contextmanager
def serve(app: Any, lifespan: str = "on") -> Iterator[Served]:
    """A real uvicorn server for `app` on 127.0.0.1 (a free port) in a thread of this process,
    stopped on exit (bounded waits)."""
    with uvicorn_thread(
        app, lifespan=lifespan, name="probe-uvicorn", stop_timeout=PROBE_TIMEOUT
    ) as (server, thread):
        yield Served(server, thread)


def json_safe(value: Any) -> bool:
    """Whether `value` can be sent as strict JSON (no NaN, no infinity, no objects)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """`serve` for ex03's and ex04's own test apps (no lifespan): yields the base URL once the
    server listens (within 10 s)."""
    with serve(app, lifespan="off") as served:
        if not served.wait_started(10.0):
            raise RuntimeError("the checks' uvicorn server did not start")
        yield served.url


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (a connection there is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
