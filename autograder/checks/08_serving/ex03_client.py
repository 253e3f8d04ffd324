"""Checks for 08_serving/ex03_client (see solutions/08_serving/ex03_client.py for the reference)."""

from __future__ import annotations

import contextlib
import json
import random
import time
from typing import Any

import httpx

from autograder.assertions import fail

from ._shared import closed_port as _closed_port
from ._shared import serving as _serving

# ex03 · score_remote
#
# An httpx client cannot cross between processes, so every check runs a module-level function
# of this module in the learner's process (`submission.observe`): it builds the client (on an
# httpx.MockTransport that plays a scripted server, on a check-owned ASGI app, or on a real
# uvicorn server on 127.0.0.1), replaces the module's `sleep` (and time.sleep) by a recorder,
# calls score_remote, and returns plain facts: the requests the server saw, the waits, the
# result or the exception. The same function runs the reference in this process.

BASE = "http://scoring.test"
RUNAWAY = 200  # requests or waits after which a run is stopped (a retry loop without a bound)
_real_sleep = time.sleep


class _Runaway(BaseException):
    """Stops a learner's loop that never ends (not an Exception, so `except Exception` lets it
    through)."""


class _FixedRandom(random.Random):
    """A generator whose random() is always `value`: rng.uniform(0, c) is then value * c."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value
        self.draws = 0

    def random(self) -> float:
        self.draws += 1
        return self.value


def _rows(n: int, seed: int = 0) -> list[dict]:
    """`n` transactions with distinct, unordered ids (the checks' copy of the schema's fields)."""
    rng = random.Random(seed)
    ids = rng.sample(range(1, 1_000_000), n)
    return [
        {
            "transaction_id": i,
            "timestamp": f"2024-03-{1 + k % 28:02d}T12:{k % 60:02d}:00+00:00",
            "amount": round(rng.uniform(1, 500), 2),
            "currency": "EUR",
            "merchant_category": "grocery",
            "channel": rng.choice(["web", "app", "pos"]),
            "card_country": "FR",
            "merchant_country": "DE",
        }
        for k, i in enumerate(ids)
    ]


def _score(transaction_id: int) -> float:
    """The score every check server gives a transaction (a different one per id)."""
    return round(((transaction_id * 7919) % 9973) / 9973, 6)


def _expected(rows: list[dict]) -> list[float]:
    return [_score(r["transaction_id"]) for r in rows]


# --- run in the learner's process (and in this one, on the reference) -----------------------


class _Script:
    """A scripted server for httpx.MockTransport: the k-th request gets `script[k]` (after the
    script: a correct answer). Actions: ("ok",), ("status", code, headers, json body),
    ("raise", httpx exception name), ("bad", "missing" | "unknown" | "twice")."""

    def __init__(self, script: list, seed: int) -> None:
        self.script, self.seed, self.log = script, seed, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        k = len(self.log)
        if k >= RUNAWAY:
            raise _Runaway()
        try:
            body = json.loads(request.content) if request.content else None
        except ValueError:
            body = "not JSON: " + request.content[:200].decode("utf-8", "replace")
        timeout = request.extensions.get("timeout") or {}
        self.log.append(
            {
                "method": request.method,
                "url": str(request.url),
                "body": body,
                "timeout": {key: timeout.get(key) for key in ("connect", "read", "write", "pool")},
            }
        )
        action = self.script[k] if k < len(self.script) else ("ok",)
        if action[0] == "raise":
            raise getattr(httpx, action[1])(f"{action[1]} (scripted)", request=request)
        if action[0] == "status":
            return httpx.Response(action[1], headers=action[2], json=action[3])
        if not (isinstance(body, dict) and isinstance(body.get("transactions"), list)):
            return httpx.Response(422, json={"error": 'the body is not {"transactions": [...]}'})
        try:
            items = [
                {"transaction_id": t["transaction_id"], "score": _score(t["transaction_id"])}
                for t in body["transactions"]
            ]
        except (TypeError, KeyError):
            return httpx.Response(422, json={"error": "a transaction has no transaction_id"})
        for item in items:
            item["model_version"] = "m-7"
        random.Random(self.seed * 1000 + k).shuffle(items)  # never in the batch's order
        if len(items) > 1 and [i["transaction_id"] for i in items] == [
            t["transaction_id"] for t in body["transactions"]
        ]:
            items.reverse()
        if action[0] == "bad":
            if action[1] == "missing":
                items = items[:-1]
            elif action[1] == "unknown":
                items[0] = {**items[0], "transaction_id": 999_999_999}
            else:
                items = [*items, items[0]]
        return httpx.Response(200, json={"scores": items, "model_version": "m-7"})


@contextlib.contextmanager
def _recorded(module, transport=None):
    """Replace the module's `sleep` and time.sleep by a recorder, and httpx.Client so that each
    client the learner creates is recorded (and sent to `transport`). Yields (waits, clients)."""
    waits: list[float] = []
    clients: list[httpx.Client] = []

    def record(seconds=0.0, *args, **kwargs):
        waits.append(float(seconds))
        if len(waits) > RUNAWAY:
            raise _Runaway()

    init = httpx.Client.__init__

    def client_init(self, *args, **kwargs):
        if transport is not None:
            kwargs["transport"] = transport
        init(self, *args, **kwargs)
        clients.append(self)

    missing = object()
    old_sleep = getattr(module, "sleep", missing)
    module.sleep = record
    time.sleep = record
    httpx.Client.__init__ = client_init
    try:
        yield waits, clients
    finally:
        httpx.Client.__init__ = init
        time.sleep = _real_sleep
        if old_sleep is missing:
            del module.sleep
        else:
            module.sleep = old_sleep


def _outcome(call) -> dict:
    """What `call()` did: its value as plain data, or its exception's facts."""
    try:
        value = call()
    except NotImplementedError:
        raise
    except _Runaway:
        return {"runaway": True}
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        facts: dict[str, Any] = {
            "raised": type(exc).__name__,
            "message": str(exc)[:3000],
            "value_error": isinstance(exc, ValueError),
            "status_error": isinstance(exc, httpx.HTTPStatusError),
            "transport_error": isinstance(exc, httpx.TransportError),
            "timeout_error": isinstance(exc, httpx.TimeoutException),
            "connect_error": isinstance(exc, httpx.ConnectError),
        }
        if isinstance(exc, httpx.HTTPStatusError):
            response = getattr(exc, "response", None)
            facts["status"] = getattr(response, "status_code", None)
        return facts
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray":
        try:
            return {"value": [float(v) for v in value], "type": type(value).__name__}
        except (TypeError, ValueError):
            pass
    return {"value": None, "type": type(value).__name__, "repr": repr(value)[:200]}


def _run(module, case: dict) -> dict:
    """score_remote on a scripted MockTransport server: `case` has rows, script, kwargs,
    base_url, seed, client ("given" or "own"), rng (None, ("seeded", s) or ("fixed", v))."""
    server = _Script(case.get("script", []), case.get("seed", 0))
    transport = httpx.MockTransport(server)
    kwargs = dict(case.get("kwargs", {}))
    rng_spec = case.get("rng")
    rng = None
    if rng_spec is not None:
        rng = random.Random(rng_spec[1]) if rng_spec[0] == "seeded" else _FixedRandom(rng_spec[1])
        kwargs["rng"] = rng
    given = None
    if case.get("client", "given") == "given":
        given = httpx.Client(transport=transport, timeout=case.get("client_timeout", 60.0))
        kwargs["client"] = given
    with _recorded(module, transport) as (waits, clients):
        facts = _outcome(
            lambda: module.score_remote(case.get("base_url", BASE), case["rows"], **kwargs)
        )
    facts.update(
        requests=server.log,
        waits=waits,
        created=len(clients),
        own_closed=[c.is_closed for c in clients],
        given_closed=None if given is None else given.is_closed,
        draws=getattr(rng, "draws", None),
    )
    if given is not None:
        given.close()
    return facts


# A check-owned service for the ASGI and the real-server checks: POST /<mode>/predict/batch.
# "ok" answers every batch (its scores in reverse order); "flaky" answers 503 with
# Retry-After: 0 the first time it sees a batch; "reject" answers 422 with the field at fault;
# "slow" answers after 0.6 s.


def _app(state: dict):
    import asyncio

    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def batch(request):
        mode = request.path_params["mode"]
        body = await request.json()
        rows = body["transactions"]
        state["requests"] = state.get("requests", 0) + 1
        if mode == "slow":
            await asyncio.sleep(0.6)
        if mode == "reject":
            detail = [{"field": "transactions.1.amount", "message": "must be greater than 0"}]
            return JSONResponse({"error": "invalid body", "details": detail}, status_code=422)
        if mode == "flaky":
            key = rows[0]["transaction_id"]
            seen = state.setdefault("seen", set())
            if key not in seen:
                seen.add(key)
                return JSONResponse(
                    {"error": "warming up"}, status_code=503, headers={"Retry-After": "0"}
                )
        items = [
            {"transaction_id": r["transaction_id"], "score": _score(r["transaction_id"])}
            for r in reversed(rows)
        ]
        return JSONResponse({"scores": items, "model_version": "app-1"})

    return Starlette(routes=[Route("/{mode}/predict/batch", batch, methods=["POST"])])


def _on_asgi(module, rows: list[dict]) -> dict:
    """score_remote through starlette's TestClient (an httpx.Client that calls the app)."""
    import warnings

    with warnings.catch_warnings():
        # starlette 1.x deprecates its TestClient on httpx, and a timeout= sent through it.
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

        return _asgi_facts(module, rows, TestClient)


def _asgi_facts(module, rows: list[dict], TestClient) -> dict:  # noqa: N803 - a class
    state: dict = {}
    client = TestClient(_app(state))
    with _recorded(module) as (waits, _):
        facts = _outcome(
            lambda: module.score_remote(
                "http://testserver/flaky", rows, client=client, batch_size=4, retries=1
            )
        )
    facts.update(waits=waits, requests=state.get("requests", 0), given_closed=client.is_closed)
    client.close()
    return facts


def _on_uvicorn(module, rows: list[dict]) -> dict:
    """score_remote against a real server on 127.0.0.1: a flaky route, a slow one with a short
    timeout, a rejecting one, and a port where nothing listens."""
    state: dict = {}
    out: dict = {}
    with _serving(_app(state)) as base, _recorded(module) as (waits, clients):
        calls = {
            "flaky": lambda: module.score_remote(f"{base}/flaky/", rows, batch_size=5, retries=2),
            "slow": lambda: module.score_remote(
                f"{base}/slow", rows[:3], timeout=0.15, retries=1, backoff=0.0
            ),
            "reject": lambda: module.score_remote(f"{base}/reject", rows[:3], retries=3),
            "refused": lambda: module.score_remote(
                f"http://127.0.0.1:{_closed_port()}", rows[:3], retries=2, timeout=2.0
            ),
        }
        for name, call in calls.items():
            before, count = len(waits), state.get("requests", 0)
            started = time.perf_counter()
            facts = _outcome(call)
            facts.update(
                seconds=time.perf_counter() - started,
                waits=waits[before:],
                requests=state.get("requests", 0) - count,
                clients=len(clients),
                closed=all(c.is_closed for c in clients),
            )
            out[name] = facts
    return out


# --- the checks' side -------------------------------------------------------------------------


def _observe(submission, fn, *args) -> dict:
    return submission.observe(fn, *args)


def _case(rows, script=(), seed=0, **kwargs) -> dict:
    case = {"rows": rows, "script": list(script), "seed": seed, "kwargs": {}}
    for key in ("client", "client_timeout", "rng", "base_url"):
        if key in kwargs:
            case[key] = kwargs.pop(key)
    case["kwargs"] = kwargs
    return case


def _describe(facts: dict) -> str:
    if facts.get("runaway"):
        return f"it did not stop (more than {RUNAWAY} requests or waits)"
    if "raised" in facts:
        return f"it raised {facts['raised']}: {facts['message'][:300]}"
    if facts.get("value") is None:
        return f"it returned {facts.get('repr')}"
    return f"it returned {_short(facts['value'])}"


def _short(values: list) -> str:
    return str(values[:6])[:-1] + (", ...]" if len(values) > 6 else "]")


def _scores(facts: dict, rows: list[dict], where: str) -> list[float]:
    """The returned scores, failing unless they are the rows' scores in the rows' order."""
    expected = _expected(rows)
    got = facts.get("value")
    if got is None:
        fail(f"on {where}, {_describe(facts)}; expected the scores {_short(expected)}")
    if len(got) != len(expected):
        fail(
            f"on {where}, score_remote returned {len(got)} scores for {len(rows)} rows: one per "
            "row, in the rows' order"
        )
    bad = [k for k, (g, e) in enumerate(zip(got, expected, strict=True)) if abs(g - e) > 1e-9]
    if bad:
        k = bad[0]
        matched = sorted(got) == sorted(expected)
        fail(
            f"on {where}, score {k} is {got[k]} but row {k} (transaction_id "
            f"{rows[k]['transaction_id']}) scored {expected[k]}"
            + (
                ": the scores are right but in the wrong order. The answer lists them in any "
                "order: match each to its row by transaction_id, batch after batch"
                if matched
                else ""
            )
        )
    return got


def _positive(waits: list[float]) -> list[float]:
    """The waits that wait: a sleep(0) may as well be left out."""
    return [w for w in waits if w > 0]


def _raised_status(facts: dict, status: int, where: str, why: str) -> None:
    if not facts.get("status_error") or facts.get("status") != status:
        fail(
            f"on {where}, {_describe(facts)}; expected httpx.HTTPStatusError with the {status} "
            f"answer as its response: {why}"
        )


class TestScoreRemote:
    def test_one_batch(self, submission):
        rows = _rows(3, seed=1)
        facts = _observe(submission, _run, _case(rows, batch_size=10))
        where = "3 rows with batch_size=10 (the answer lists the scores in another order)"
        sent = facts["requests"]
        if len(sent) != 1:
            fail(f"on {where}, score_remote sent {len(sent)} requests, expected one batch")
        request = sent[0]
        if request["method"] != "POST" or request["url"] != f"{BASE}/predict/batch":
            fail(
                f"on {where}, the request was {request['method']} {request['url']}, expected "
                f"POST {BASE}/predict/batch"
            )
        if request["body"] != {"transactions": rows}:
            fail(
                f"on {where}, the body sent was {str(request['body'])[:300]}; expected "
                '{"transactions": [...the rows, as given...]}'
            )
        _scores(facts, rows, where)

    def test_batches_in_order(self, submission):
        # len(rows) at k * batch_size, one more, one less; batch_size 1; one batch exactly full.
        for n, size, seed in [(12, 4, 2), (13, 4, 3), (11, 4, 4), (5, 1, 5), (7, 7, 6), (20, 3, 7)]:
            rows = _rows(n, seed=seed)
            where = f"{n} rows with batch_size={size} (each answer in another order)"
            facts = _observe(submission, _run, _case(rows, seed=seed, batch_size=size))
            want = [rows[k : k + size] for k in range(0, n, size)]
            got = [
                (r["body"] or {}).get("transactions") if isinstance(r["body"], dict) else None
                for r in facts["requests"]
            ]
            if got != want:
                sizes = [len(b) if isinstance(b, list) else b for b in got]
                fail(
                    f"on {where}, the batches sent had {sizes} rows, expected "
                    f"{[len(b) for b in want]}: rows[0:batch_size], then the next batch_size "
                    "rows, in order, the last batch possibly shorter"
                )
            _scores(facts, rows, where)

    def test_no_rows(self, submission):
        facts = _observe(submission, _run, _case([], batch_size=4))
        if facts.get("value") != [] or facts["requests"]:
            fail(
                f"on rows=[], {_describe(facts)} after {len(facts['requests'])} request(s); "
                "expected [] and no request at all"
            )

    def test_url_from_base_url(self, submission):
        rows = _rows(2, seed=8)
        for base, want in [
            ("http://scoring.test/", "http://scoring.test/predict/batch"),
            ("http://scoring.test/api/v2", "http://scoring.test/api/v2/predict/batch"),
            ("http://scoring.test:8080/api/", "http://scoring.test:8080/api/predict/batch"),
        ]:
            facts = _observe(submission, _run, _case(rows, base_url=base))
            urls = [r["url"] for r in facts["requests"]]
            if urls != [want]:
                fail(
                    f"with base_url={base!r}, the requests went to {urls}, expected [{want!r}]: "
                    "base_url without its trailing '/', then /predict/batch (keep its path)"
                )

    def test_retries_5xx_then_succeeds(self, submission):
        rows = _rows(6, seed=9)
        script = [
            ("status", 503, {}, {"error": "model loading"}),
            ("status", 500, {}, {"error": "oops"}),
        ]
        where = "6 rows, batch_size=6, retries=2, the server answering 503, then 500, then 200"
        facts = _observe(submission, _run, _case(rows, script, batch_size=6, retries=2))
        sent = facts["requests"]
        if len(sent) != 3:
            fail(
                f"on {where}, score_remote sent {len(sent)} request(s), expected 3: a 5xx is "
                f"retried, up to retries=2 times; {_describe(facts)}"
            )
        if any(r["body"] != sent[0]["body"] for r in sent):
            fail(f"on {where}, a retry sent another body than the first attempt: resend the batch")
        _scores(facts, rows, where)

    def test_attempts_are_retries_plus_one(self, submission):
        rows = _rows(4, seed=10)
        for retries in (0, 1, 2, 5):
            script = [("status", 503, {}, {"error": "unavailable"})] * 10
            where = f"a server that always answers 503, with retries={retries}"
            facts = _observe(
                submission,
                _run,
                _case(rows, script, batch_size=4, retries=retries, rng=("fixed", 0.5)),
            )
            sent = len(facts["requests"])
            if sent != retries + 1:
                fail(
                    f"on {where}, score_remote sent {sent} request(s), expected {retries + 1}: "
                    f"retries={retries} means at most {retries + 1} attempt(s) per batch"
                )
            _raised_status(
                facts, 503, where, "when the last attempt fails too, raise for its answer"
            )
            if len(facts["waits"]) != retries:
                fail(
                    f"on {where}, score_remote waited {len(facts['waits'])} time(s), expected "
                    f"{retries}: one wait before each retry, none before the first attempt nor "
                    "after the last"
                )

    def test_retries_transport_errors(self, submission):
        rows = _rows(5, seed=11)
        for error in ("ConnectError", "ReadTimeout", "ConnectTimeout", "RemoteProtocolError"):
            where = f"a request raising httpx.{error} twice, then answered, with retries=2"
            script = [("raise", error)] * 2
            facts = _observe(submission, _run, _case(rows, script, batch_size=5, retries=2))
            if len(facts["requests"]) != 3:
                fail(
                    f"on {where}, score_remote sent {len(facts['requests'])} request(s), "
                    f"expected 3: an httpx.TransportError is retried; {_describe(facts)}"
                )
            _scores(facts, rows, where)
        where = "a request raising httpx.ConnectError every time, with retries=3"
        script = [("raise", "ConnectError")] * 10
        facts = _observe(submission, _run, _case(rows, script, retries=3, rng=("fixed", 0.5)))
        if len(facts["requests"]) != 4 or not facts.get("connect_error"):
            fail(
                f"on {where}, score_remote sent {len(facts['requests'])} request(s) and "
                f"{_describe(facts)}; expected 4 attempts, then the last httpx.ConnectError "
                "raised as it is"
            )

    def test_client_errors_not_retried(self, submission):
        rows = _rows(4, seed=12)
        detail = [{"field": "transactions.2.amount", "message": "Input should be greater than 0"}]
        for status in (422, 400, 404, 413, 429):
            body = {"error": f"rejected with {status}", "details": detail}
            script = [("status", status, {"Retry-After": "1"}, body)] * 5
            where = f"a server answering {status} (retries=3)"
            facts = _observe(submission, _run, _case(rows, script, retries=3, rng=("fixed", 0.5)))
            sent = len(facts["requests"])
            if sent != 1:
                fail(
                    f"on {where}, score_remote sent {sent} requests, expected 1: a 4xx says the "
                    "request is wrong, and the same request gets the same answer; never retry it"
                )
            _raised_status(facts, status, where, "a 4xx is raised at once, never swallowed")
            if (
                str(status) not in facts["message"]
                or "transactions.2.amount" not in facts["message"]
            ):
                fail(
                    f"on {where}, the exception's message is {facts['message'][:300]!r}: it must "
                    f"hold the status code ({status}) and the answer's body text, where the "
                    "server says what was wrong (here, transactions.2.amount)"
                )
            if facts["waits"]:
                fail(
                    f"on {where}, score_remote waited {facts['waits']} before raising: raise at once"
                )

    def test_second_batch_rejected(self, submission):
        rows = _rows(6, seed=13)
        script = [("ok",), ("status", 422, {}, {"error": "bad row"})]
        where = "two batches of 3, the second answered 422"
        facts = _observe(submission, _run, _case(rows, script, batch_size=3, retries=2))
        if len(facts["requests"]) != 2:
            fail(f"on {where}, score_remote sent {len(facts['requests'])} requests, expected 2")
        _raised_status(facts, 422, where, "a 4xx on any batch is raised, never swallowed")

    def test_backoff_is_exponential(self, submission):
        # rng.random() always 0.5: wait k is 0.5 * min(max_backoff, backoff * 2 ** (k - 1)).
        rows = _rows(3, seed=14)
        for backoff, max_backoff, retries, value in [
            (0.1, 100.0, 4, 0.5),
            (1.0, 3.0, 5, 0.5),
            (0.2, 10.0, 3, 0.999),
        ]:
            script = [("status", 502, {}, {"error": "bad gateway"})] * (retries + 1)
            facts = _observe(
                submission,
                _run,
                _case(
                    rows,
                    script,
                    retries=retries,
                    backoff=backoff,
                    max_backoff=max_backoff,
                    rng=("fixed", value),
                ),
            )
            want = [value * min(max_backoff, backoff * 2**k) for k in range(retries)]
            got = facts["waits"]
            if len(got) != len(want) or any(
                abs(g - w) > 1e-9 for g, w in zip(got, want, strict=True)
            ):
                fail(
                    f"with backoff={backoff}, max_backoff={max_backoff}, retries={retries}, a "
                    f"server always answering 502 and an rng whose random() is always {value}, "
                    f"score_remote waited {[round(g, 6) for g in got]}, expected "
                    f"{[round(w, 6) for w in want]}: before retry k wait rng.uniform(0, "
                    "min(max_backoff, backoff * 2 ** (k - 1))), so that the waits double up to "
                    "the cap"
                )

    def test_jitter_from_rng(self, submission, reference):
        # Seeded generators: the waits must be the reference's, different from seed to seed.
        rows = _rows(3, seed=15)
        script = [("status", 503, {}, {"error": "busy"})] * 6
        seen = []
        for seed in (1, 2, 3):
            case = _case(
                rows, script, retries=5, backoff=0.5, max_backoff=4.0, rng=("seeded", seed)
            )
            facts = _observe(submission, _run, case)
            want = _run(reference, case)["waits"]
            got = facts["waits"]
            if len(got) != len(want) or any(
                abs(g - w) > 1e-9 for g, w in zip(got, want, strict=True)
            ):
                fail(
                    f"with rng=random.Random({seed}), backoff=0.5, max_backoff=4, retries=5 and a "
                    f"server always answering 503, score_remote waited "
                    f"{[round(g, 4) for g in got]}, expected {[round(w, 4) for w in want]}: full "
                    "jitter draws each wait from rng, as rng.uniform(0, cap) (one draw per "
                    "retry, nothing else drawn), so that clients that failed together spread out"
                )
            seen.append(tuple(got))
        if len(set(seen)) == 1:
            fail(f"three seeds gave the same waits {list(seen[0])}: draw them from rng")

    def test_retry_after(self, submission, reference):
        rows = _rows(3, seed=16)
        for header, want, why in [
            ("2", 2.0, "Retry-After: 2 means wait 2 seconds"),
            ("1.5", 1.5, "Retry-After: 1.5 means wait 1.5 seconds"),
            ("0", 0.0, "Retry-After: 0 means retry at once"),
            ("600", 3.0, "a Retry-After longer than max_backoff=3 waits max_backoff"),
            (
                "Wed, 21 Oct 2015 07:28:00 GMT",
                0.25,
                "a Retry-After that is an HTTP date is "
                "ignored: the wait is the backoff, 0.5 * min(3, 0.5)",
            ),
            ("-1", 0.25, "a negative Retry-After is no number of seconds: the wait is the backoff"),
        ]:
            script = [("status", 503, {"Retry-After": header}, {"error": "busy"})]
            case = _case(rows, script, retries=2, backoff=0.5, max_backoff=3.0, rng=("fixed", 0.5))
            facts = _observe(submission, _run, case)
            where = f"a 503 with Retry-After: {header}, then a 200"
            if _positive(facts["waits"]) != _positive([want]):  # sleep(0) may be left out
                fail(f"on {where}, score_remote waited {facts['waits']}, expected [{want}]: {why}")
            _scores(facts, rows, where)
        # With a seeded rng: a Retry-After wait draws nothing, so the next backoff is unchanged.
        script = [
            ("status", 503, {"Retry-After": "1"}, {}),
            ("status", 503, {}, {}),
            ("status", 500, {}, {}),
        ]
        case = _case(rows, script, retries=3, backoff=0.5, max_backoff=3.0, rng=("seeded", 9))
        got = _positive(_observe(submission, _run, case)["waits"])
        want = _positive(_run(reference, case)["waits"])
        if len(got) != len(want) or any(abs(g - w) > 1e-9 for g, w in zip(got, want, strict=True)):
            fail(
                f"with rng=random.Random(9), a 503 with Retry-After: 1, a 503, a 500, then a 200, "
                f"score_remote waited {[round(g, 4) for g in got]}, expected "
                f"{[round(w, 4) for w in want]}: the Retry-After wait replaces the backoff (and "
                "draws nothing from rng); the next retries back off as usual"
            )

    def test_each_batch_has_its_retries(self, submission):
        rows = _rows(6, seed=17)
        fails = [("status", 503, {}, {}), ("raise", "ConnectError")]
        script = [*fails, ("ok",), *fails, ("ok",), *fails]
        where = "three batches of 2, each failing twice before its answer, with retries=2"
        facts = _observe(submission, _run, _case(rows, script, batch_size=2, retries=2))
        if len(facts["requests"]) != 9:
            fail(
                f"on {where}, score_remote sent {len(facts['requests'])} requests, expected 9 "
                f"(3 per batch): every batch has its own retries; {_describe(facts)}"
            )
        _scores(facts, rows, where)

    def test_timeout_on_every_request(self, submission):
        rows = _rows(5, seed=18)
        for client, timeout in (("given", 0.37), ("own", 1.25), ("own", 7)):
            case = _case(
                rows, [("status", 503, {}, {})], batch_size=2, timeout=timeout, client=client
            )
            facts = _observe(submission, _run, case)
            who = (
                "a client you were given (its own default: 60 s)"
                if client == "given"
                else ("the client you create")
            )
            for request in facts["requests"]:
                got = request["timeout"]
                if any(got[key] != timeout for key in got):
                    fail(
                        f"with timeout={timeout}, on {who}, a request was sent with the timeouts "
                        f"{got}, expected {timeout} s for each: pass timeout=timeout to every "
                        "request, so that a stuck server cannot hold the job forever"
                    )
            _scores(facts, rows, f"5 rows in batches of 2 with timeout={timeout}, on {who}")

    def test_given_client_used_and_left_open(self, submission):
        rows = _rows(5, seed=19)
        for script, what in (
            ([], "a successful call"),
            ([("status", 422, {}, {"error": "bad"})], "a call that raises for a 422"),
            ([("raise", "ConnectError")] * 3, "a call that gives up after connection errors"),
        ):
            facts = _observe(
                submission, _run, _case(rows, script, batch_size=2, retries=2, rng=("fixed", 0))
            )
            if not facts["requests"]:
                fail(f"on {what}, no request reached the client you were given: send with it")
            if facts["created"]:
                fail(
                    f"on {what}, score_remote created {facts['created']} httpx.Client(s) though "
                    "it was given one: send every request with the given client"
                )
            if facts["given_closed"]:
                fail(
                    f"after {what}, the client you were given is closed: it belongs to the "
                    "caller, who may still need it; close only a client you created"
                )

    def test_own_client_closed(self, submission):
        rows = _rows(7, seed=20)
        for script, what in (
            ([], "a successful call (3 batches)"),
            (
                [("ok",), ("status", 404, {}, {"error": "no such route"})],
                "a call that raises for a 404",
            ),
            ([("status", 503, {}, {})] * 4, "a call that gives up after 503s"),
        ):
            case = _case(rows, script, batch_size=3, retries=2, rng=("fixed", 0), client="own")
            facts = _observe(submission, _run, case)
            if facts["created"] != 1:
                fail(
                    f"on {what}, score_remote created {facts['created']} httpx.Client(s), "
                    "expected one for the whole call: its connections are then reused from "
                    "batch to batch"
                )
            if not all(facts["own_closed"]):
                fail(
                    f"after {what}, the httpx.Client that score_remote created is still open: "
                    "close it (a with block) also when raising, or its connections leak"
                )

    def test_answer_without_one_score_per_row(self, submission):
        rows = _rows(6, seed=21)
        for kind, what in (
            ("missing", "lacks the score of one transaction"),
            ("unknown", "holds a transaction_id that was not in the batch"),
            ("twice", "lists one transaction twice"),
        ):
            facts = _observe(submission, _run, _case(rows, [("ok",), ("bad", kind)], batch_size=3))
            if not facts.get("value_error"):
                fail(
                    f"when the answer to the second batch {what}, {_describe(facts)}; expected "
                    "ValueError: an answer without exactly one score per row is wrong, and "
                    "guessing would give some row another row's score"
                )
            if len(facts["requests"]) != 2:
                fail(
                    f"when the answer to the second batch {what}, score_remote sent "
                    f"{len(facts['requests'])} requests, expected 2: a wrong 2xx answer is not "
                    "retried"
                )

    def test_arguments_refused(self, submission):
        rows = _rows(3, seed=22)
        bad: list[tuple[dict, str]] = [
            ({"batch_size": 0}, "batch_size=0"),
            ({"batch_size": -2}, "batch_size=-2"),
            ({"batch_size": 1.5}, "batch_size=1.5"),
            ({"retries": -1}, "retries=-1"),
            ({"retries": 0.5}, "retries=0.5"),
            ({"timeout": 0}, "timeout=0"),
            ({"timeout": -1.0}, "timeout=-1.0"),
            ({"timeout": None}, "timeout=None"),
            ({"timeout": float("inf")}, "timeout=inf"),
            ({"backoff": -0.1}, "backoff=-0.1"),
            ({"max_backoff": -1.0}, "max_backoff=-1.0"),
        ]
        for kwargs, what in bad:
            facts = _observe(submission, _run, _case(rows, **kwargs))
            if not facts.get("value_error") or facts["requests"]:
                fail(
                    f"with {what}, {_describe(facts)} after {len(facts['requests'])} request(s); "
                    "expected ValueError before anything is sent"
                )
        dup = [*rows, {**rows[1], "amount": 3.0}]
        for data, what in (
            (dup, "two rows with the same transaction_id"),
            ([rows[0], {"amount": 3.0}], "a row without transaction_id"),
            ([rows[0], "not a row"], "a row that is a string"),
        ):
            facts = _observe(submission, _run, _case(data, batch_size=1))
            if not facts.get("value_error") or facts["requests"]:
                fail(
                    f"on {what}, {_describe(facts)} after {len(facts['requests'])} request(s); "
                    "expected ValueError before anything is sent (two rows with one id could "
                    "not be told apart in the answer)"
                )

    def test_defaults(self, submission):
        rows = _rows(250, seed=23)
        facts = _observe(submission, _run, _case(rows))
        sizes = [len((r["body"] or {}).get("transactions", [])) for r in facts["requests"]]
        if sizes != [100, 100, 50]:
            fail(
                f"with the default batch_size, 250 rows went in batches of {sizes}, expected [100, 100, 50]"
            )
        if any(v != 5.0 for v in facts["requests"][0]["timeout"].values()):
            fail(
                f"with the default timeout, a request had {facts['requests'][0]['timeout']}, expected 5.0 s"
            )
        _scores(facts, rows, "250 rows with the defaults")
        script = [("status", 503, {}, {})] * 6
        facts = _observe(submission, _run, _case(rows[:2], script, rng=("fixed", 1.0)))
        if len(facts["requests"]) != 4 or facts["waits"] != [0.1, 0.2, 0.4]:
            fail(
                f"with the defaults (retries=3, backoff=0.1) and a server always answering 503, "
                f"score_remote sent {len(facts['requests'])} requests and waited {facts['waits']}; "
                "expected 4 requests and, with random() always 1.0, the waits [0.1, 0.2, 0.4]"
            )

    def test_differential(self, submission, reference):
        # Seeded scenarios, smallest first: rows, batch size, failures, answers in any order.
        kinds = [
            ("status", 503, {}, {}),
            ("status", 500, {"Retry-After": "0.5"}, {}),
            ("raise", "ConnectError"),
            ("raise", "ReadTimeout"),
            ("ok",),
        ]
        for seed in range(10):
            rng = random.Random(100 + seed)
            n, size = rng.randint(1, 4 + 3 * seed), rng.randint(1, 5)
            script = [rng.choice(kinds) for _ in range(rng.randint(0, 2 + seed))]
            retries = rng.randint(0, 3)
            case = _case(
                _rows(n, seed=200 + seed),
                script,
                seed=seed,
                batch_size=size,
                retries=retries,
                backoff=0.25,
                rng=("seeded", seed),
            )
            got, want = _observe(submission, _run, case), _run(reference, case)
            where = (
                f"{n} rows, batch_size={size}, retries={retries}, rng=random.Random({seed}), the "
                f"server's answers {[k[0] if k[0] != 'status' else k[1] for k in script]} then 200s"
            )
            if [r["body"] for r in got["requests"]] != [r["body"] for r in want["requests"]]:
                fail(
                    f"on {where}, score_remote sent {len(got['requests'])} requests, the "
                    f"reference {len(want['requests'])} (or other bodies): {_describe(got)}"
                )
            for key in ("value", "raised", "status"):
                if got.get(key) != want.get(key):
                    fail(
                        f"on {where}, {_describe(got)}; the reference solution "
                        f"{_describe(want)[3:]}"
                    )
            w_got, w_want = _positive(got["waits"]), _positive(want["waits"])
            if len(w_got) != len(w_want) or any(
                abs(a - b) > 1e-9 for a, b in zip(w_got, w_want, strict=True)
            ):
                fail(f"on {where}, score_remote waited {w_got}, the reference {w_want}")

    def test_through_the_asgi_app(self, submission):
        # starlette's TestClient is an httpx.Client that calls a (check-owned) app in-process.
        rows = _rows(10, seed=24)
        facts = _observe(submission, _on_asgi, rows)
        where = (
            "a check-owned app through starlette's TestClient (10 rows in batches of 4; each "
            "batch answered 503 with Retry-After: 0 once, then its scores in reverse order)"
        )
        _scores(facts, rows, where)
        if facts["requests"] != 6:
            fail(f"on {where}, the app received {facts['requests']} requests, expected 6")
        if facts["given_closed"]:
            fail(f"on {where}, the TestClient you were given was closed: it is the caller's")

    def test_real_server(self, submission):
        # A real uvicorn server on 127.0.0.1, in the learner's process: the checks' last.
        rows = _rows(12, seed=25)
        out = _observe(submission, _on_uvicorn, rows)
        flaky = out["flaky"]
        where = (
            "a real server on 127.0.0.1 (12 rows in batches of 5, each batch answered 503 with "
            "Retry-After: 0 once)"
        )
        _scores(flaky, rows, where)
        if flaky["requests"] != 6:
            fail(f"on {where}, the server received {flaky['requests']} requests, expected 6")
        slow = out["slow"]
        if not slow.get("timeout_error"):
            fail(
                f"against a real server that answers after 0.6 s, with timeout=0.15 and "
                f"retries=1, {_describe(slow)} after {slow['seconds']:.2f} s; expected an "
                "httpx.TimeoutException (raised as it is after 2 attempts): the timeout bounds "
                "every request"
            )
        if slow["requests"] != 2:
            fail(
                f"with timeout=0.15 and retries=1, the slow server received {slow['requests']} requests, expected 2"
            )
        reject = out["reject"]
        if reject["requests"] != 1 or not reject.get("status_error") or reject.get("status") != 422:
            fail(
                f"against a real server answering 422, {_describe(reject)} after "
                f"{reject['requests']} request(s); expected httpx.HTTPStatusError after one"
            )
        refused = out["refused"]
        if not refused.get("connect_error") or len(refused["waits"]) != 2:
            fail(
                f"on a port of 127.0.0.1 where nothing listens, with retries=2, "
                f"{_describe(refused)} after {len(refused['waits'])} wait(s); expected "
                "httpx.ConnectError after 3 attempts (2 waits)"
            )
        if not all(f["closed"] for f in out.values()):
            fail("against the real server, a client that score_remote created was left open")
