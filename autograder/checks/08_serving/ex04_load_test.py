"""Checks for 08_serving/ex04_load_test (see solutions/08_serving/ex04_load_test.py for the reference)."""

from __future__ import annotations

import contextlib
import math
import numbers
import random
import time
from typing import Any

import httpx
import numpy as np

from autograder.assertions import fail

from ._shared import closed_port as _closed_port
from ._shared import serving as _serving

# ex04 · load_test
#
# Every check runs a module-level function of this module in the learner's process
# (`submission.observe`): it serves a check-owned ASGI app whose latencies are known (each body
# says how long to wait and which status to answer, and the app counts the requests in flight),
# through httpx.ASGITransport or a real uvicorn server on 127.0.0.1, calls load_test, and
# returns the result and what the server saw, as plain data.

BASE = "http://127.0.0.1:8000"
LATE = 0.35  # seconds a run may end after the time its requests need, on a busy machine
_real_sleep = time.sleep


def _body(delay_ms: float = 0, status: int = 200, tag: int = 0) -> dict:
    return {"delay_ms": delay_ms, "status": status, "tag": tag}


class _State:
    """What the check server saw."""

    def __init__(self) -> None:
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.bodies: list = []
        self.paths: list[str] = []
        self.methods: list[str] = []

    def facts(self) -> dict:
        return {
            "requests": self.requests,
            "max_in_flight": self.max_in_flight,
            "bodies": self.bodies[:2000],
            "paths": sorted(set(self.paths)),
            "methods": sorted(set(self.methods)),
        }


def _app(state: _State):
    """Any path, any method: waits the body's delay_ms, answers the body's status."""
    import asyncio

    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def answer(request):
        state.requests += 1
        state.paths.append(request.url.path)
        state.methods.append(request.method)
        try:
            body = await request.json()
        except ValueError:
            body = None
        state.bodies.append(body)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body is not a JSON object"}, status_code=422)
        state.in_flight += 1
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            await asyncio.sleep(float(body.get("delay_ms", 0)) / 1000)
        finally:
            state.in_flight -= 1
        return JSONResponse({"score": 0.25}, status_code=int(body.get("status", 200)))

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", answer, methods=methods)])


def _mock_handler(log: list):
    """A MockTransport handler: {"raise": name} raises that httpx error, else the body's status
    at once."""
    import json

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        log.append(body)
        if "raise" in body:
            raise getattr(httpx, body["raise"])("scripted", request=request)
        return httpx.Response(int(body.get("status", 200)), json={"score": 0.25})

    return handle


# --- run in the learner's process (and in this one, on the reference) -----------------------


@contextlib.contextmanager
def _clients_recorded(transport=None):
    """Record each httpx.AsyncClient created (and send it to `transport`, when given)."""
    clients: list = []
    init = httpx.AsyncClient.__init__

    def client_init(self, *args, **kwargs):
        if transport is not None:
            kwargs["transport"] = transport
        init(self, *args, **kwargs)
        clients.append(self)

    httpx.AsyncClient.__init__ = client_init
    try:
        yield clients
    finally:
        httpx.AsyncClient.__init__ = init


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, dict):
        return {(k if isinstance(k, (str, int)) else repr(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return f"<{type(value).__name__}>"


def _types(result: dict) -> dict:
    return {k: _type(v) for k, v in result.items() if isinstance(k, str)}


def _type(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Real):
        return "float"
    return type(value).__name__


def _call(module, base_url: str, bodies: list, kwargs: dict) -> dict:
    started = time.perf_counter()
    try:
        result = module.load_test(base_url, bodies, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        return {
            "raised": type(exc).__name__,
            "value_error": isinstance(exc, ValueError),
            "message": str(exc)[:300],
            "wall": time.perf_counter() - started,
        }
    wall = time.perf_counter() - started
    if not isinstance(result, dict):
        return {"result": None, "type": type(result).__name__, "wall": wall}
    return {"result": _plain(result), "types": _types(result), "wall": wall}


def _load(module, case: dict) -> dict:
    """load_test on the check server: case["server"] is "asgi" (httpx.ASGITransport),
    "uvicorn" (a real server on 127.0.0.1), "refused" (a port where nothing listens) or "mock"
    (an httpx.MockTransport answering each body's status at once); case["client"] is "given"
    (an httpx.AsyncClient passed in) or "own"."""
    state = _State()
    kind, kwargs = case["server"], dict(case["kwargs"])
    base = case.get("base_url", BASE)
    log: list = []
    with contextlib.ExitStack() as stack:
        transport = None
        if kind == "asgi":
            transport = httpx.ASGITransport(app=_app(state))
        elif kind == "mock":
            transport = httpx.MockTransport(_mock_handler(log))
        elif kind == "uvicorn":
            base = stack.enter_context(_serving(_app(state))) + case.get("suffix", "")
        else:
            base = f"http://127.0.0.1:{_closed_port()}"
        given = None
        if case.get("client") == "given":
            given = httpx.AsyncClient(transport=transport)
            kwargs["client"] = given
        clients = stack.enter_context(_clients_recorded(transport))
        facts = _call(module, base, case["bodies"], kwargs)
    facts.update(
        server=state.facts(),
        log=log,
        created=len(clients),
        own_closed=[c.is_closed for c in clients],
        given_closed=None if given is None else given.is_closed,
    )
    return facts


# --- the checks' side -------------------------------------------------------------------------


def _run(submission, bodies, server="asgi", client="given", **kwargs) -> dict:
    case = {"server": server, "client": client, "bodies": bodies, "kwargs": kwargs}
    for key in ("base_url", "suffix"):
        if key in kwargs:
            case[key] = kwargs.pop(key)
    return submission.observe(_load, case)


def _result(facts: dict, where: str) -> dict:
    """The returned dict, failing unless load_test returned one with the contract's keys."""
    if "raised" in facts:
        fail(f"on {where}, load_test raised {facts['raised']}: {facts['message']}")
    result = facts.get("result")
    if result is None:
        fail(f"on {where}, load_test returned a {facts.get('type')}, expected a dict")
    keys = [
        "requests",
        "ok",
        "errors",
        "duration_s",
        "throughput_rps",
        "p50_ms",
        "p95_ms",
        "p99_ms",
    ]
    missing = [k for k in keys if k not in result]
    if missing:
        fail(
            f"on {where}, the result lacks the key(s) {missing}; it has {sorted(map(str, result))}"
        )
    return result


def _fmt(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


class TestLoadTest:
    def test_result_keys_and_types(self, submission):
        bodies = [_body(5), _body(0, 503)]
        where = "4 requests, 2 workers, half of them answered 503"
        facts = _run(submission, bodies, concurrency=2, duration_s=2, max_requests=4)
        result = _result(facts, where)
        types = facts["types"]
        want = {
            "requests": ("int",),
            "ok": ("int",),
            "errors": ("dict",),
            "duration_s": ("float",),
            "throughput_rps": ("float",),
            "p50_ms": ("float",),
            "p95_ms": ("float",),
            "p99_ms": ("float",),
        }
        for key, allowed in want.items():
            if types.get(key) not in allowed:
                fail(
                    f"on {where}, result[{key!r}] is a {types.get(key)}, expected "
                    f"{' or '.join(allowed)} (got {_fmt(result[key])})"
                )
        errors = result["errors"]
        if errors != {"503": 2}:
            fail(
                f"on {where}, errors is {errors}, expected {{'503': 2}}: a dict of counts, each "
                "answer that is not 2xx under its status code as a string"
            )
        if result["requests"] != 4 or result["ok"] != 2:
            fail(
                f"on {where}, requests={result['requests']} and ok={result['ok']}, expected 4 and 2"
            )

    def test_posts_the_bodies_in_turn(self, submission):
        bodies = [_body(1, tag=k) for k in range(3)]
        facts = _run(submission, bodies, concurrency=1, duration_s=2, max_requests=7)
        where = "3 bodies, max_requests=7, concurrency=1"
        _result(facts, where)
        got = [b.get("tag") if isinstance(b, dict) else b for b in facts["server"]["bodies"]]
        if got != [0, 1, 2, 0, 1, 2, 0]:
            fail(
                f"on {where}, the server received the bodies {got} (by index), expected "
                "[0, 1, 2, 0, 1, 2, 0]: the i-th request sends bodies[i % len(bodies)], as JSON"
            )
        server = facts["server"]
        if server["methods"] != ["POST"] or server["paths"] != ["/predict"]:
            fail(
                f"on {where}, the requests were {server['methods']} to {server['paths']}, "
                "expected POST to /predict"
            )
        # Shared between workers: 10 requests from 4 bodies are 3, 3, 2 and 2 of each.
        bodies = [_body(2, tag=k) for k in range(4)]
        facts = _run(submission, bodies, concurrency=3, duration_s=2, max_requests=10)
        got = sorted(b.get("tag") for b in facts["server"]["bodies"] if isinstance(b, dict))
        if got != [0, 0, 0, 1, 1, 1, 2, 2, 3, 3]:
            fail(
                f"with 4 bodies, max_requests=10 and concurrency=3, the server received the "
                f"bodies {got} (sorted, by index), expected each 3, 3, 2 and 2 times: the i-th "
                "request started, counted across all workers, sends bodies[i % len(bodies)]"
            )

    def test_path_and_base_url(self, submission):
        for base, path, want in [
            (BASE, "/bare", "/bare"),
            (BASE + "/", "/predict", "/predict"),
            (BASE + "/api/", "/predict/batch", "/api/predict/batch"),
        ]:
            facts = _run(
                submission,
                [_body()],
                base_url=base,
                path=path,
                concurrency=1,
                duration_s=2,
                max_requests=2,
            )
            _result(facts, f"base_url={base!r}, path={path!r}")
            if facts["server"]["paths"] != [want]:
                fail(
                    f"with base_url={base!r} and path={path!r}, the requests went to "
                    f"{facts['server']['paths']}, expected [{want!r}]: base_url without its "
                    "trailing '/', then path"
                )

    def test_max_requests_exact(self, submission):
        for concurrency, max_requests in [(4, 10), (8, 3), (3, 3), (2, 1)]:
            where = f"concurrency={concurrency}, max_requests={max_requests}, 10 ms answers"
            facts = _run(
                submission,
                [_body(10)],
                concurrency=concurrency,
                duration_s=2,
                max_requests=max_requests,
            )
            result = _result(facts, where)
            sent = facts["server"]["requests"]
            if sent != max_requests or result["requests"] != max_requests:
                fail(
                    f"on {where}, the server received {sent} requests and the result says "
                    f"requests={result['requests']}, expected {max_requests} for both: stop "
                    "starting requests once max_requests have been started (a worker claims "
                    "its request before it awaits), never one more"
                )

    def test_loopback_only(self, submission):
        refused = [
            "http://example.com",
            "http://10.0.0.1:8000",
            "http://192.168.1.5:8000",
            "http://0.0.0.0:8000",
            "http://[2001:db8::1]:8000",
            "http://localhost.example.com:8000",
            "http://127.0.0.1.example.com",
            "http://localhost@example.com:8000",
            "http://example.com/?to=127.0.0.1",
            "ftp://127.0.0.1",
        ]
        for base in refused:
            facts = _run(
                submission, [_body()], base_url=base, concurrency=1, duration_s=1, max_requests=1
            )
            if not facts.get("value_error") or facts["server"]["requests"]:
                got = f"raised {facts['raised']}" if "raised" in facts else "returned a result"
                fail(
                    f"with base_url={base!r}, load_test {got} after sending "
                    f"{facts['server']['requests']} request(s); expected ValueError before "
                    "anything is sent: a load test only runs against this machine"
                )
        accepted = [
            "http://127.0.0.1:8000",
            "http://localhost:8000",
            "http://[::1]:8000",
            "http://LocalHost:8000",
            "https://127.0.0.1",
            "http://127.0.0.2:9000",
        ]
        for base in accepted:
            facts = _run(
                submission, [_body()], base_url=base, concurrency=1, duration_s=5, max_requests=1
            )
            if "raised" in facts or facts["server"]["requests"] != 1:
                fail(
                    f"with base_url={base!r}, a loopback address, load_test "
                    f"{'raised ' + facts['raised'] if 'raised' in facts else 'sent nothing'}; "
                    "expected it to run"
                )

    def test_arguments_refused(self, submission):
        bad = [
            ([], {}, "bodies=[]"),
            ([_body()], {"concurrency": 0}, "concurrency=0"),
            ([_body()], {"concurrency": 1.5}, "concurrency=1.5"),
            ([_body()], {"max_requests": 0}, "max_requests=0"),
            ([_body()], {"max_requests": -3}, "max_requests=-3"),
            ([_body()], {"duration_s": 0}, "duration_s=0"),
            ([_body()], {"duration_s": -1.0}, "duration_s=-1.0"),
            ([_body()], {"duration_s": float("nan")}, "duration_s=nan"),
            ([_body()], {"duration_s": float("inf")}, "duration_s=inf"),
        ]
        for bodies, override, what in bad:
            kwargs = {"concurrency": 2, "duration_s": 1.0, "max_requests": 2, **override}
            facts = _run(submission, bodies, **kwargs)
            if not facts.get("value_error") or facts["server"]["requests"]:
                got = f"raised {facts['raised']}" if "raised" in facts else "returned a result"
                fail(
                    f"with {what}, load_test {got} after {facts['server']['requests']} "
                    "request(s); expected ValueError before anything is sent"
                )

    def test_clients(self, submission):
        where = "a given httpx.AsyncClient, 6 requests"
        facts = _run(submission, [_body(5)], concurrency=2, duration_s=2, max_requests=6)
        _result(facts, where)
        if facts["server"]["requests"] != 6 or facts["created"]:
            fail(
                f"on {where}, {facts['server']['requests']} requests reached the given client "
                f"and load_test created {facts['created']} client(s): send every request with "
                "the client you were given"
            )
        if facts["given_closed"]:
            fail(
                f"after {where}, the client you were given is closed: it is the caller's; close "
                "only a client you created"
            )
        where = "no client given, 6 requests"
        facts = _run(
            submission, [_body(5)], client="own", concurrency=2, duration_s=2, max_requests=6
        )
        _result(facts, where)
        if facts["created"] != 1 or not all(facts["own_closed"]):
            fail(
                f"on {where}, load_test created {facts['created']} httpx.AsyncClient(s), "
                f"{sum(not c for c in facts['own_closed'])} left open; expected one, shared by "
                "the workers, closed before returning (async with)"
            )

    def test_counts_match_the_reference(self, submission, reference):
        # Seeded mixes of statuses and httpx errors, answered at once: the counts are exact.
        kinds = [
            {"status": 200},
            {"status": 503},
            {"status": 404},
            {"raise": "ConnectError"},
            {"raise": "ReadTimeout"},
            {"status": 201},
        ]
        for seed in range(8):
            rng = random.Random(seed)
            bodies = [dict(rng.choice(kinds), k=k) for k in range(rng.randint(1, 6))]
            kwargs = {
                "concurrency": rng.randint(1, 4),
                "duration_s": 2,
                "max_requests": rng.randint(1, 5 + 4 * seed),
            }
            case = {"server": "mock", "client": "given", "bodies": bodies, "kwargs": kwargs}
            got, want = submission.observe(_load, case), _load(reference, case)
            where = (
                f"{len(bodies)} bodies answered {[b.get('raise', b.get('status')) for b in bodies]}"
                f", concurrency={kwargs['concurrency']}, max_requests={kwargs['max_requests']}"
            )
            result, expected = _result(got, where), want["result"]
            for key in ("requests", "ok", "errors"):
                if result[key] != expected[key]:
                    fail(
                        f"on {where}, {key} is {result[key]}, the reference solution's "
                        f"{expected[key]}"
                    )

    def test_connection_errors_counted(self, submission):
        where = "a port of 127.0.0.1 where nothing listens, concurrency=2, max_requests=6"
        facts = _run(
            submission,
            [_body()],
            server="refused",
            client="own",
            concurrency=2,
            duration_s=2,
            max_requests=6,
        )
        result = _result(facts, where)
        want = {
            "requests": 6,
            "ok": 0,
            "errors": {"ConnectError": 6},
            "throughput_rps": 0.0,
            "p50_ms": None,
            "p95_ms": None,
            "p99_ms": None,
        }
        got = {k: result[k] for k in want}
        if got != want:
            fail(
                f"on {where}, load_test returned {got}, expected {want}: a request that raises "
                "an httpx error counts under the error's class name, and with no 2xx answer "
                "the percentiles are None and the throughput 0.0"
            )
        if not all(facts["own_closed"]) or facts["created"] < 1:
            fail(f"on {where}, the httpx.AsyncClient that load_test created was left open")

    def test_throughput_over_the_measured_time(self, submission):
        # 20 requests, 4 workers, 50 ms answers: 5 rounds, about 0.25 s, about 80 answers/s.
        where = "max_requests=20, concurrency=4, duration_s=2, each answer after 50 ms"
        facts = _run(submission, [_body(50)], concurrency=4, duration_s=2, max_requests=20)
        result = _result(facts, where)
        duration = result["duration_s"]
        if not (0.25 <= duration <= 0.25 + LATE) or duration > facts["wall"] + 1e-3:
            fail(
                f"on {where}, duration_s is {_fmt(duration)} (the call took {facts['wall']:.2f} "
                "s), expected the measured seconds from the start of the workers to the end of "
                "the last (about 0.25 s here), not the duration_s you were given"
            )
        want = result["ok"] / duration
        if not math.isclose(result["throughput_rps"], want, rel_tol=0.02):
            fail(
                f"on {where}, throughput_rps is {_fmt(result['throughput_rps'])}, expected ok / "
                f"duration_s = {result['ok']} / {duration:.3f} = {want:.1f} answers per second "
                "of the measured time (not of the time requested, nor of the summed latencies)"
            )

    def test_errors_counted_and_kept_out_of_latencies(self, submission):
        bodies = [_body(60), _body(0, 503), _body(0, 404), _body(60), _body(0, 500)]
        where = (
            "10 requests, concurrency=1, bodies answered 200 after 60 ms, 503, 404, 200 after "
            "60 ms, 500 (the errors at once)"
        )
        facts = _run(submission, bodies, concurrency=1, duration_s=2, max_requests=10)
        result = _result(facts, where)
        if result["errors"] != {"503": 2, "404": 2, "500": 2} or result["ok"] != 4:
            fail(
                f"on {where}, ok={result['ok']} and errors={result['errors']}, expected ok=4 "
                "and {'503': 2, '404': 2, '500': 2}"
            )
        if result["requests"] != 10:
            fail(f"on {where}, requests={result['requests']}, expected 10 (2xx and errors)")
        for name in ("p50_ms", "p95_ms", "p99_ms"):
            value = result[name]
            if not isinstance(value, float) or not (58 <= value <= 90):
                fail(
                    f"on {where}, {name} is {_fmt(value)}, expected about 60: the percentiles "
                    "are of the 2xx answers' latencies only (an error answered at once would "
                    "make the service look faster than it is)"
                )
        want = result["ok"] / result["duration_s"] if result["duration_s"] else math.inf
        if not math.isclose(result["throughput_rps"], want, rel_tol=0.02):
            fail(
                f"on {where}, throughput_rps is {_fmt(result['throughput_rps'])}, expected "
                f"ok / duration_s = {want:.1f}: only 2xx answers count as throughput"
            )

    def test_duration_bound(self, submission):
        # 2 workers, 40 ms answers, 0.25 s: about 14 requests, far below max_requests=80.
        where = "concurrency=2, duration_s=0.25, max_requests=80, each answer after 40 ms"
        facts = _run(submission, [_body(40)], concurrency=2, duration_s=0.25, max_requests=80)
        result = _result(facts, where)
        sent = facts["server"]["requests"]
        if sent > 2 * (0.25 / 0.04 + 1) + 2:
            fail(
                f"on {where}, the server received {sent} requests (in {facts['wall']:.2f} s), "
                "expected about 14: no request starts once duration_s seconds have passed since "
                "the workers started"
            )
        if sent < 2:
            fail(f"on {where}, the server received {sent} request(s), expected about 14")
        if result["requests"] != sent:
            fail(
                f"on {where}, the result says requests={result['requests']} but the server "
                f"received {sent}: the requests in flight at the deadline are waited for and "
                "counted"
            )
        duration = result["duration_s"]
        if not (0.25 <= duration <= 0.25 + 0.04 + LATE) or duration > facts["wall"] + 1e-3:
            fail(
                f"on {where}, duration_s is {_fmt(duration)}, expected the measured seconds "
                f"from the start of the workers to the end of the last (about 0.28 s here; the "
                f"call took {facts['wall']:.2f} s)"
            )

    def test_concurrency_reached(self, submission):
        for concurrency, max_requests in [(5, 15), (1, 4), (3, 2), (8, 24)]:
            where = (
                f"concurrency={concurrency}, max_requests={max_requests}, each answer after 40 ms"
            )
            facts = _run(
                submission,
                [_body(40)],
                concurrency=concurrency,
                duration_s=2,
                max_requests=max_requests,
            )
            _result(facts, where)
            want = min(concurrency, max_requests)
            got = facts["server"]["max_in_flight"]
            if got != want:
                why = (
                    "the workers wait for each other: each must send its next request as soon "
                    "as its own previous one is answered (asyncio tasks, awaiting only their own "
                    "request)"
                    if got < want
                    else "never more than concurrency requests at once: exactly concurrency "
                    "workers, each with one request in flight"
                )
                fail(
                    f"on {where}, the server saw at most {got} request(s) in flight at once, "
                    f"expected {want}: {why}"
                )

    def test_percentiles_of_known_latencies(self, submission):
        # Answers after 20, 40, 60 and 300 ms: numpy.percentile gives 50, 264 and 292.8 ms.
        delays = [20, 40, 60, 300]
        want = [float(v) for v in np.percentile(delays, [50, 95, 99])]
        for concurrency, order in ((4, delays), (1, [300, 20, 60, 40])):
            where = (
                f"4 requests answered after {order} ms (in that order), concurrency={concurrency}"
            )
            facts = _run(
                submission,
                [_body(d) for d in order],
                concurrency=concurrency,
                duration_s=2,
                max_requests=4,
            )
            result = _result(facts, where)
            got = [result["p50_ms"], result["p95_ms"], result["p99_ms"]]
            for name, g, w in zip(("p50_ms", "p95_ms", "p99_ms"), got, want, strict=True):
                if not isinstance(g, float) or not (w - 2 <= g <= w + 30):
                    fail(
                        f"on {where}, {name} is {_fmt(g)}, expected about {w:.1f} (numpy."
                        f"percentile of the latencies, in milliseconds; all: got "
                        f"{[_fmt(x) for x in got]}, expected {[round(x, 1) for x in want]}): "
                        "the percentiles of every 2xx latency, sorted as numbers, with linear "
                        "interpolation"
                    )

    def test_real_server(self, submission):
        # A real uvicorn server on 127.0.0.1 in the learner's process; load_test's own client.
        where = "a real server on 127.0.0.1 answering after 50 ms, concurrency=4, max_requests=16"
        facts = _run(
            submission,
            [_body(50)],
            server="uvicorn",
            client="own",
            concurrency=4,
            duration_s=2,
            max_requests=16,
        )
        result = _result(facts, where)
        server = facts["server"]
        if server["requests"] != 16 or result["requests"] != 16 or result["ok"] != 16:
            fail(
                f"on {where}, the server received {server['requests']} requests and the result "
                f"says requests={result['requests']}, ok={result['ok']}; expected 16 for each"
            )
        if server["max_in_flight"] != 4:
            fail(
                f"on {where}, the server saw at most {server['max_in_flight']} request(s) in "
                "flight at once, expected 4 (your own client's connection pool must let every "
                "worker have a connection)"
            )
        for name in ("p50_ms", "p95_ms", "p99_ms"):
            value = result[name]
            if not isinstance(value, float) or not (48 <= value <= 50 + 300):
                fail(f"on {where}, {name} is {_fmt(value)}, expected a little over 50 ms")
        if not all(facts["own_closed"]):
            fail(f"on {where}, the httpx.AsyncClient that load_test created was left open")
