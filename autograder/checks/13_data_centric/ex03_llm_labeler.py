"""Checks for 13_data_centric/ex03_llm_labeler (see solutions/13_data_centric/ex03_llm_labeler.py for the reference)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from autograder.assertions import expect_raises, fail
from autograder.interpreters import driver_of, in_fresh_interpreters

# ex03 · label_with_llm
#
# Under the sandbox the learner's process has a loopback of its own, so every check runs there
# (`submission.observe`): it serves the course's simulated provider (coursedata.llm) on
# 127.0.0.1, or scripts the answers with an httpx.MockTransport, gives label_with_llm an
# httpx.Client whose event hooks log every request and response, and a `sleep` that logs its
# waits (and moves the simulator's fake clock instead of waiting). Back come plain facts: the
# learner's frame, the log, the simulator's counts.

REASONS = ("unauthorized", "not_received", "not_as_described", "duplicate", "cancelled")
FREE = {"malformed_rate": 0.0, "off_schema_rate": 0.0, "refusal_rate": 0.0}
FREE = {**FREE, "server_error_rate": 0.0}  # a provider that always answers valid JSON
COLUMNS = ["note_id", "reason", "confidence", "status", "attempts", "tokens"]


def _world_truth(n: int, offset: int = 0) -> pd.DataFrame:
    """n notes of the small world, with their truth (note_id, text, reason, difficulty)."""
    import coursedata

    world = coursedata.sample("small")
    coursedata.dispute_notes(world)
    truth = world.truth.extras["dispute_notes"]
    return truth[["note_id", "text", "reason", "difficulty"]].iloc[offset : offset + n]


def _even_truth(n: int) -> pd.DataFrame:
    """n world notes whose texts all have 160 characters and whose ids all have 3 digits: each
    request of a fixed prompt template then costs the same prompt tokens."""
    truth = _world_truth(n, offset=40).copy()
    truth["text"] = [t.ljust(160, ".")[:160] for t in truth["text"]]
    truth["note_id"] = np.arange(500, 500 + n)
    return truth.reset_index(drop=True)


# --- run in the learner's process -----------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client(base_url: str, events: list, auth: bool = True, transport: Any = None):
    import httpx

    def on_request(request):
        try:
            body = json.loads(request.content)
        except ValueError:
            body = None
        events.append(("request", body))

    def on_response(response):
        events.append(("response", response.status_code, response.headers.get("retry-after")))

    headers = {"Authorization": "Bearer sk-check"} if auth else {}
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        timeout=10,
        transport=transport,
        event_hooks={"request": [on_request], "response": [on_response]},
    )


def _call(module, notes, client, budget, cache, kwargs, events, clock=None) -> Any:
    def sleep(seconds):
        events.append(("sleep", float(seconds)))
        if clock is not None:
            clock.now += float(seconds)

    try:
        out = module.label_with_llm(notes, client, budget, cache, sleep=sleep, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        return f"{type(exc).__module__}.{type(exc).__name__}: {str(exc)[:200]}"
    if not isinstance(out, pd.DataFrame):
        return f"a {type(out).__name__}, not a DataFrame"
    return pd.DataFrame(out)


def _simulated(module, truth, notes, runs, config=None, seed=0) -> list[dict]:
    """Each run: label_with_llm against a fresh simulated provider. `runs` are dicts with budget,
    kwargs, cache (a name: runs naming the same cache share one dict), auth, notes (optional)."""
    from coursedata.llm import SimConfig, make_llm_app, serving

    caches: dict[str, dict] = {}
    facts = []
    for run in runs:
        clock = _Clock()
        settings = {"latency_scale": 0.0, **(config or {}), **run.get("config", {})}
        cfg = SimConfig(**settings, clock=clock)
        app = make_llm_app(truth, seed=seed, config=cfg)
        cache = caches.setdefault(run.get("cache", "default"), {})
        events: list = []
        with serving(app) as url, _client(url, events, auth=run.get("auth", True)) as client:
            frame = run.get("notes", notes)
            out = _call(
                module, frame, client, run["budget"], cache, run.get("kwargs", {}), events, clock
            )
        stats = app.state.stats
        facts.append(
            {
                "out": out,
                "events": events,
                "stats": stats.snapshot(),
                "transcript": stats.transcript(),
                "cache": {str(k): v for k, v in cache.items()},
                "cache_key_types": sorted({type(k).__name__ for k in cache}),
            }
        )
    return facts


def _scripted(module, notes, scripts, kwargs, budget=10**6) -> dict:
    """label_with_llm against a scripted provider: `scripts` maps a note's text to the list of
    responses (status, headers, content) its successive requests get."""
    import httpx

    queues = {text: list(script) for text, script in scripts.items()}
    events: list = []
    unscripted: list = []

    def handler(request):
        body = json.loads(request.content)
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        asked = str(users[-1].get("content")) if users else ""
        found = [t for t in queues if t in asked]
        if not found or not queues[max(found, key=len)]:
            unscripted.append(asked[:80])
            return httpx.Response(599, json={"error": {"message": "unscripted"}})
        status, headers, content = queues[max(found, key=len)].pop(0)
        if status != 200:
            error = {"message": f"scripted {status}", "type": "server_error"}
            return httpx.Response(status, headers=headers, json={"error": error})
        message = {"role": "assistant", "content": content, "refusal": None}
        if content == "I can't help with that.":
            message["refusal"] = content
        usage = {"prompt_tokens": 100, "completion_tokens": 7, "total_tokens": 107}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        return httpx.Response(200, json={"choices": [choice], "usage": usage})

    transport = httpx.MockTransport(handler)
    with _client("http://llm.test/v1", events, transport=transport) as client:
        out = _call(module, notes, client, budget, {}, kwargs, events)
    return {"out": out, "events": events, "unscripted": unscripted}


def _closed_port(module, notes) -> str:
    """label_with_llm against a port where nothing listens: httpx's error must propagate."""
    events: list = []
    with _client("http://127.0.0.1:9/v1", events) as client:
        out = _call(module, notes, client, 10**6, {}, {"max_http_retries": 1}, events)
    return out if isinstance(out, str) else "a DataFrame came back"


# --- the checks' side -------------------------------------------------------------------------


def _notes(truth: pd.DataFrame) -> pd.DataFrame:
    return truth[["note_id", "text"]].reset_index(drop=True)


def _frame(out: Any, where: str, n: int) -> pd.DataFrame:
    if isinstance(out, str):
        fail(f"label_with_llm, on {where}, did not return a DataFrame: {out}")
    if list(out.columns) != COLUMNS:
        fail(
            f"label_with_llm returned the columns {list(out.columns)}, expected {COLUMNS}, on {where}"
        )
    if len(out) != n:
        fail(f"label_with_llm returned {len(out)} rows for {n} notes, on {where}: one row per note")
    if not out.index.equals(pd.RangeIndex(n)):
        fail(f"the result's index is {out.index[:5].tolist()}..., expected 0..{n - 1}, on {where}")
    return out


def _rows(out: pd.DataFrame) -> list[dict]:
    rows = []
    for r in out.to_dict("records"):
        reason = r["reason"]
        missing = reason is None or (not isinstance(reason, str) and bool(pd.isna(reason)))
        rows.append(
            {
                "note_id": r["note_id"],
                "reason": None if missing else reason,
                "confidence": None if pd.isna(r["confidence"]) else float(r["confidence"]),
                "status": r["status"],
                "attempts": int(r["attempts"]),
                "tokens": int(r["tokens"]),
            }
        )
    return rows


def _requests(events: list) -> list[dict]:
    return [e[1] for e in events if e[0] == "request"]


def _sleeps_by_note(events: list, texts: list[str]) -> dict[str, list[float]]:
    """The waits logged after each note's requests, attributed to the note asked last."""
    waits: dict[str, list[float]] = {t: [] for t in texts}
    current = None
    for event in events:
        if event[0] == "request":
            asked = _last_user(event[1])
            found = [t for t in texts if t in asked]
            current = max(found, key=len) if found else None
        elif event[0] == "sleep" and current is not None:
            waits[current].append(event[1])
    return waits


def _bodies_by_note(events: list, texts: list[str]) -> dict[str, list]:
    """The request bodies sent for each note (the note whose text the last user message quotes)."""
    bodies: dict[str, list] = {t: [] for t in texts}
    for body in _requests(events):
        found = [t for t in texts if t in _last_user(body)]
        if found:
            bodies[max(found, key=len)].append(body)
    return bodies


def _cache_keys_in_child(module, args):
    """A driver (autograder.interpreters): the cache keys label_with_llm writes in a fresh
    interpreter, for notes a mock provider answers validly at once."""
    import json

    import httpx
    import pandas as pd

    def answer(request):
        content = json.dumps({"reason": "duplicate", "confidence": 0.7})
        message = {"role": "assistant", "content": content, "refusal": None}
        usage = {"prompt_tokens": 100, "completion_tokens": 7, "total_tokens": 107}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        return httpx.Response(200, json={"choices": [choice], "usage": usage})

    notes = pd.DataFrame({"note_id": range(len(args["texts"])), "text": args["texts"]})
    cache = {}
    with httpx.Client(
        base_url="http://llm.test/v1",
        headers={"Authorization": "Bearer sk-check"},
        transport=httpx.MockTransport(answer),
    ) as client:
        module.label_with_llm(notes, client, 10**6, cache, sleep=lambda seconds: None)
    return sorted(str(key) for key in cache)


def _last_user(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    users = [m for m in body.get("messages", []) if isinstance(m, dict) and m.get("role") == "user"]
    content = users[-1].get("content") if users else ""
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)


def _all_text(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    parts = []
    for m in body.get("messages", []):
        content = m.get("content") if isinstance(m, dict) else ""
        if isinstance(content, list):
            content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        parts.append(str(content))
    return "\n".join(parts)


def _ok(reason: str, confidence: Any) -> tuple:
    return (200, {}, json.dumps({"reason": reason, "confidence": confidence}))


class TestLabelWithLlm:
    def test_labels_every_note(self, submission):
        truth = _world_truth(8)
        notes = _notes(truth)
        (facts,) = submission.observe(_simulated, truth, notes, [{"budget": 10**6}], FREE)
        where = "8 notes, a provider that always answers valid JSON and a budget of 1,000,000"
        rows = _rows(_frame(facts["out"], where, 8))
        transcript = facts["transcript"]
        by_note = {r["note_id"]: r for r in transcript}
        for k, row in enumerate(rows):
            want_id = notes["note_id"].iloc[k]
            if row["note_id"] != want_id:
                fail(
                    f"row {k} has note_id {row['note_id']!r}, expected {want_id!r} (the notes' order), on {where}"
                )
            record = by_note.get(want_id)
            if record is None:
                fail(
                    f"the provider was never asked about note {want_id!r}, on {where}: quote the "
                    "note's text verbatim in the last user message, one note per request"
                )
            answer = json.loads(record["content"])
            want = {
                "reason": answer["reason"],
                "confidence": answer["confidence"],
                "status": "ok",
                "attempts": 1,
                "tokens": record["prompt_tokens"] + record["completion_tokens"],
            }
            got = {key: row[key] for key in want}
            if got != want:
                fail(
                    f"row {k} (note {want_id!r}) is {got}, expected {want}, on {where}: the "
                    "provider answered {answer} once, billing usage.total_tokens = "
                    f"{want['tokens']}".replace("{answer}", record["content"])
                )
        if facts["stats"]["total_requests"] != 8:
            fail(
                f"{facts['stats']['total_requests']} requests were sent for 8 notes that each got a valid answer at once, on {where}"
            )

    def test_request_body(self, submission):
        truth = _world_truth(6, offset=10)
        notes = _notes(truth)
        run = {"budget": 10**6, "kwargs": {"model": "kestrel-check-2", "max_tokens": 37}}
        (facts,) = submission.observe(_simulated, truth, notes, [run], FREE)
        where = "6 notes with model='kestrel-check-2' and max_tokens=37"
        _frame(facts["out"], where, 6)
        bodies = _requests(facts["events"])
        if len(bodies) != 6:
            fail(
                f"{len(bodies)} requests were sent for 6 notes, on {where}; expected one request per note"
            )
        for k, body in enumerate(bodies):
            text = notes["text"].iloc[k]
            if text not in _last_user(body):
                fail(
                    f"request {k} does not quote note {k}'s text verbatim in its last user "
                    f"message (the notes' order), on {where}: it was {_last_user(body)[:120]!r}"
                )
            if body.get("model") != "kestrel-check-2" or body.get("max_tokens") != 37:
                fail(
                    f"request {k} has model={body.get('model')!r}, max_tokens="
                    f"{body.get('max_tokens')!r}, expected 'kestrel-check-2' and 37 (the "
                    "arguments), on {where}: max_tokens bounds what an answer can cost".replace(
                        "{where}", where
                    )
                )
            prompt = _all_text(body)
            missing = [r for r in (*REASONS, "confidence") if r not in prompt]
            if missing:
                fail(
                    f"request {k}'s messages never name {missing}, on {where}: the prompt gives "
                    "the answer's JSON schema, every reason of REASONS and the key confidence"
                )

    def test_invalid_answers_are_never_labels(self, submission):
        bad = {
            "a code fence": '```json\n{"reason": "duplicate", "confidence": 0.9}\n```',
            "prose before the JSON": 'Sure! Here it is:\n{"reason": "duplicate", "confidence": 0.9}',
            "prose after the JSON": '{"reason": "duplicate", "confidence": 0.9}\nAnything else?',
            "truncated JSON": '{"reason": "duplicate", "confid',
            "a reason in the wrong case": '{"reason": "Duplicate", "confidence": 0.9}',
            "a reason outside REASONS": '{"reason": "fraud", "confidence": 0.9}',
            "no reason": '{"confidence": 0.9}',
            "no confidence": '{"reason": "duplicate"}',
            "confidence as a word": '{"reason": "duplicate", "confidence": "high"}',
            "confidence as a string": '{"reason": "duplicate", "confidence": "0.9"}',
            "confidence above 1": '{"reason": "duplicate", "confidence": 1.5}',
            "confidence below 0": '{"reason": "duplicate", "confidence": -0.1}',
            "confidence a bool": '{"reason": "duplicate", "confidence": true}',
            "a JSON list": '[{"reason": "duplicate", "confidence": 0.9}]',
            "a refusal": "I can't help with that.",
        }
        texts, scripts, expect = [], {}, []
        for k, (what, content) in enumerate(bad.items()):
            text = f"Case {k:02d}: I dispute this payment to merchant {k * 37 + 11}."
            valid = REASONS[k % 5]
            scripts[text] = [(200, {}, content), _ok(valid, 0.61)]
            texts.append(text)
            expect.append(
                (
                    what,
                    {
                        "reason": valid,
                        "confidence": 0.61,
                        "status": "ok",
                        "attempts": 2,
                        "tokens": 214,
                    },
                )
            )
        good = {"confidence 0 (an int)": 0, "confidence 1 (an int)": 1, "confidence 1.0": 1.0}
        for k, (what, value) in enumerate(good.items()):
            text = f"Edge {k:02d}: the order never arrived at my address {k}."
            scripts[text] = [_ok("not_received", value)]
            texts.append(text)
            expect.append(
                (
                    what,
                    {
                        "reason": "not_received",
                        "confidence": float(value),
                        "status": "ok",
                        "attempts": 1,
                        "tokens": 107,
                    },
                )
            )
        text = "Extra: charged twice for one coffee, an extra key in the answer."
        scripts[text] = [(200, {}, '{"reason": "duplicate", "confidence": 0.7, "why": "twice"}')]
        texts.append(text)
        expect.append(
            (
                "an extra key",
                {
                    "reason": "duplicate",
                    "confidence": 0.7,
                    "status": "ok",
                    "attempts": 1,
                    "tokens": 107,
                },
            )
        )
        notes = pd.DataFrame({"note_id": np.arange(len(texts)) + 900, "text": texts})
        facts = submission.observe(_scripted, notes, scripts, {"max_invalid_retries": 2})
        where = "a scripted provider whose first answer to each note is invalid, then valid"
        rows = _rows(_frame(facts["out"], where, len(texts)))
        for (what, want), row in zip(expect, rows, strict=True):
            got = {key: row[key] for key in want}
            if got != want:
                first = scripts[texts[rows.index(row)]][0][2]
                fail(
                    f"the note whose first answer was {what} ({first!r}) came back as {got}, "
                    f"expected {want}: an answer is valid only if its content, as it comes, is a "
                    "JSON object with reason exactly one of REASONS and confidence a JSON number "
                    "in [0, 1]; an invalid one is retried at once, and is never a label"
                )
        if facts["unscripted"]:
            fail(f"a request came after the note had its valid answer: {facts['unscripted'][:2]}")
        for text, bodies in _bodies_by_note(facts["events"], texts).items():
            changed = [k for k, body in enumerate(bodies) if body != bodies[0]]
            if changed:
                diff = sorted(
                    key
                    for key in set(bodies[0]) | set(bodies[changed[0]])
                    if bodies[0].get(key) != bodies[changed[0]].get(key)
                )
                fail(
                    f"attempt {changed[0] + 1} at the note {text[:40]!r}... sent another body "
                    f"than its first attempt (the keys {diff} differ), on {where}: every attempt "
                    "at a note sends the same body (the cache key is a hash of it, and a retry "
                    "asks the same question again)"
                )
        sleeps = [e[1] for e in facts["events"] if e[0] == "sleep"]
        if sleeps:
            fail(
                f"label_with_llm waited {sleeps[:5]} s before retrying invalid answers: an invalid answer is retried at once (only 429 and 5xx wait)"
            )

    def test_invalid_retries_are_bounded(self, submission):
        text = "Bounded: I cancelled this subscription in March and was billed again."
        script = [
            (200, {}, "```json\n{}\n```"),
            (200, {}, "I can't help with that."),
            (200, {}, '{"reason": "other", "confidence": 0.5}'),
            _ok("cancelled", 0.8),
        ]
        notes = pd.DataFrame({"note_id": [7], "text": [text]})
        for retries, want in (
            (
                2,
                {
                    "status": "invalid",
                    "attempts": 3,
                    "reason": None,
                    "confidence": None,
                    "tokens": 321,
                },
            ),
            (
                0,
                {
                    "status": "invalid",
                    "attempts": 1,
                    "reason": None,
                    "confidence": None,
                    "tokens": 107,
                },
            ),
            (
                3,
                {
                    "status": "ok",
                    "attempts": 4,
                    "reason": "cancelled",
                    "confidence": 0.8,
                    "tokens": 428,
                },
            ),
        ):
            facts = submission.observe(
                _scripted, notes, {text: script}, {"max_invalid_retries": retries}
            )
            where = f"max_invalid_retries={retries} and answers: a code fence, a refusal, an off-schema reason, then a valid one"
            (row,) = _rows(_frame(facts["out"], where, 1))
            got = {key: row[key] for key in want}
            if got != want:
                fail(
                    f"the note came back as {got}, expected {want}, on {where}: an invalid answer "
                    "is retried at most max_invalid_retries times, then the note is 'invalid', "
                    "unlabelled (reason NA, confidence NaN), its tokens still counted"
                )
        # The simulator: every answer invalid (malformed, off-schema or a refusal).
        truth = _world_truth(5, offset=30)
        config = {
            "malformed_rate": 0.4,
            "off_schema_rate": 0.4,
            "refusal_rate": 0.2,
            "server_error_rate": 0.0,
        }
        (facts,) = submission.observe(_simulated, truth, _notes(truth), [{"budget": 10**6}], config)
        where = "5 notes and a simulated provider whose every answer is malformed, off-schema or a refusal (max_invalid_retries=2 by default)"
        rows = _rows(_frame(facts["out"], where, 5))
        labelled = [r for r in rows if r["status"] != "invalid" or r["reason"] is not None]
        if labelled:
            fail(
                f"{labelled[0]} came back on {where}: every answer was invalid, so every note is 'invalid' with reason NA"
            )
        sent = facts["stats"]["total_requests"]
        if sent != 15 or [r["attempts"] for r in rows] != [3] * 5:
            fail(
                f"{sent} requests were sent (attempts {[r['attempts'] for r in rows]}), expected 15 (3 per note), on {where}"
            )

    def test_http_failures_retried_with_backoff(self, submission):
        cases = {
            "500, 500, then valid": (
                [(500, {}, None), (500, {}, None), _ok("duplicate", 0.7)],
                [0.5, 1.0],
                "ok",
                3,
            ),
            "503 with Retry-After: 3, then valid": (
                [(503, {"Retry-After": "3"}, None), _ok("duplicate", 0.7)],
                [3.0],
                "ok",
                2,
            ),
            "429 with Retry-After: 2, 500, then valid": (
                [(429, {"Retry-After": "2"}, None), (500, {}, None), _ok("duplicate", 0.7)],
                [2.0, 1.0],
                "ok",
                3,
            ),
            "429 without Retry-After, then valid": (
                [(429, {}, None), _ok("duplicate", 0.7)],
                [0.5],
                "ok",
                2,
            ),
            "429 with Retry-After: 1.5, then valid": (
                [(429, {"Retry-After": "1.5"}, None), _ok("duplicate", 0.7)],
                [1.5],
                "ok",
                2,
            ),
            "an invalid answer, 500 (no Retry-After), then valid": (
                [(200, {}, "not json"), (500, {}, None), _ok("duplicate", 0.7)],
                [0.5],
                "ok",
                3,
            ),
            "502, 504, then valid": (
                [(502, {}, None), (504, {}, None), _ok("duplicate", 0.7)],
                [0.5, 1.0],
                "ok",
                3,
            ),
            "500 five times": ([(500, {}, None)] * 6, [0.5, 1.0, 2.0, 4.0], "error", 5),
            "429 with Retry-After: 1, five times": (
                [(429, {"Retry-After": "1"}, None)] * 6,
                [1.0, 1.0, 1.0, 1.0],
                "error",
                5,
            ),
        }
        texts = [
            f"HTTP case {k}: a payment I do not recognise, reference {k * 91 + 5}."
            for k in range(len(cases))
        ]
        scripts = {t: case[0] for t, case in zip(texts, cases.values(), strict=True)}
        notes = pd.DataFrame({"note_id": np.arange(len(texts)), "text": texts})
        facts = submission.observe(_scripted, notes, scripts, {"max_http_retries": 4})
        where = "a scripted provider failing with 429 and 5xx, max_http_retries=4"
        rows = _rows(_frame(facts["out"], where, len(texts)))
        waits = _sleeps_by_note(facts["events"], texts)
        for text, (what, (script, sleeps, status, attempts)), row in zip(
            texts, cases.items(), rows, strict=True
        ):
            tokens = 107 * sum(1 for answer in script[:attempts] if answer[0] == 200)
            got = (row["status"], row["attempts"], row["tokens"], waits[text])
            want = (status, attempts, tokens, sleeps)
            if got != want:
                fail(
                    f"for a note answered {what}, got (status, attempts, tokens, waits) = {got}, "
                    f"expected {want}: a 429 or a 5xx is retried at most max_http_retries times "
                    "(then 'error'), after sleep(float(Retry-After)) when the response has the "
                    "header, else sleep(0.5 * 2**k), k the number of the note's earlier HTTP "
                    "failures (invalid answers not counted); a failure costs no tokens, and every "
                    "request counts as an attempt"
                )
            if status == "error" and row["reason"] is not None:
                fail(f"a note that ended in 'error' has the label {row['reason']!r}")

        # The two retry counts are separate: one HTTP retry and one invalid retry both fit.
        mixed = {
            "Mixed 0: a 500, an invalid answer, then a valid one.": (
                [(500, {}, None), (200, {}, "not json"), _ok("duplicate", 0.7)],
                [0.5],
            ),
            "Mixed 1: an invalid answer, a 500, then a valid one.": (
                [(200, {}, "not json"), (500, {}, None), _ok("cancelled", 0.6)],
                [0.5],
            ),
        }
        texts = list(mixed)
        notes = pd.DataFrame({"note_id": [0, 1], "text": texts})
        scripts = {t: script for t, (script, _) in mixed.items()}
        kwargs = {"max_http_retries": 1, "max_invalid_retries": 1}
        facts = submission.observe(_scripted, notes, scripts, kwargs)
        where = "max_http_retries=1 and max_invalid_retries=1"
        rows = _rows(_frame(facts["out"], where, 2))
        waits = _sleeps_by_note(facts["events"], texts)
        for text, row in zip(texts, rows, strict=True):
            got = (row["status"], row["attempts"], row["tokens"], waits[text])
            want = ("ok", 3, 214, mixed[text][1])
            if got != want:
                fail(
                    f"for the note {text!r}, with {where}, got (status, attempts, tokens, "
                    f"waits) = {got}, expected {want}: the note uses one HTTP retry and one "
                    "invalid retry, each within its own limit; the two counts are separate"
                )

    def test_retry_after_honoured(self, submission):
        # rpm=2 over a 10 s window of a fake clock that only the learner's sleep moves.
        truth = _world_truth(6, offset=60)
        config = {**FREE, "rpm": 2, "window_s": 10.0}
        (facts,) = submission.observe(_simulated, truth, _notes(truth), [{"budget": 10**6}], config)
        where = (
            "6 notes, a provider limited to 2 requests per 10 s (a 429 with Retry-After past that)"
        )
        rows = _rows(_frame(facts["out"], where, 6))
        events = facts["events"]
        for k, event in enumerate(events):
            if event[0] == "response" and event[1] == 429:
                waited = 0.0
                for later in events[k + 1 :]:
                    if later[0] == "request":
                        break
                    if later[0] == "sleep":
                        waited += later[1]
                else:
                    continue
                if waited < float(event[2]):
                    fail(
                        f"after a 429 with Retry-After: {event[2]}, label_with_llm waited "
                        f"{waited:g} s before its next request, on {where}: wait what the "
                        "provider asks (sleep(float(Retry-After))), or the retry is refused again"
                    )
        statuses = [r["status"] for r in rows]
        if statuses != ["ok"] * 6:
            fail(f"the notes ended {statuses}, expected all 'ok', on {where}")
        if facts["stats"]["requests"].get("429", 0) < 2:
            fail(
                f"the provider turned away {facts['stats']['requests'].get('429', 0)} request(s), expected at least 2, on {where}"
            )

    def test_other_statuses_raise(self, submission):
        import httpx  # noqa: F401 - the error's module is named in the message

        truth = _world_truth(3, offset=80)
        (facts,) = submission.observe(
            _simulated, truth, _notes(truth), [{"budget": 10**6, "auth": False}], FREE
        )
        out = facts["out"]
        if not (isinstance(out, str) and out.startswith("httpx.HTTPStatusError")):
            got = out if isinstance(out, str) else "a DataFrame"
            fail(
                f"with a client that sends no key, the provider answers 401; expected "
                f"httpx.HTTPStatusError raised at once, got {got}: a 400 or a 401 is a bug to "
                "fix, not bad luck to retry"
            )
        sent = facts["stats"]["total_requests"]
        if sent != 1 or any(e[0] == "sleep" for e in facts["events"]):
            fail(
                f"{sent} requests were sent before raising on a 401 (and waits {[e[1] for e in facts['events'] if e[0] == 'sleep']}); expected exactly 1, no wait"
            )
        text = "Bad request: a note the provider refuses with a 400."
        notes = pd.DataFrame({"note_id": [1], "text": [text]})
        facts = submission.observe(
            _scripted, notes, {text: [(400, {}, None), _ok("duplicate", 0.5)]}, {}
        )
        out = facts["out"]
        if (
            not (isinstance(out, str) and out.startswith("httpx.HTTPStatusError"))
            or len(_requests(facts["events"])) != 1
        ):
            fail(
                f"a 400 must raise httpx.HTTPStatusError after that one request; got {out if isinstance(out, str) else 'a DataFrame'} after {len(_requests(facts['events']))} request(s)"
            )
        out = submission.observe(_closed_port, notes)
        if not out.startswith("httpx."):
            fail(
                f"with a client whose base_url refuses connections, expected httpx's error to propagate, got {out}"
            )

    def test_budget_never_exceeded(self, submission):
        from coursedata.llm import count_prompt_tokens

        # Every note has 160 characters and a 3-digit id: with a fixed template each request has
        # the same prompt tokens P, measured first on one note; the budgets sit around P.
        truth = _even_truth(12)
        notes = _notes(truth)
        calibrate = [{"budget": 10**6, "notes": notes.head(1)}]
        (probe,) = submission.observe(_simulated, truth, notes, calibrate, FREE)
        bodies = _requests(probe["events"])
        if not bodies or not isinstance(bodies[0], dict) or "messages" not in bodies[0]:
            fail(
                f"label_with_llm sent no chat request for one note and a budget of 1,000,000: {probe['out'] if isinstance(probe['out'], str) else 'no request'}"
            )
        prompt = count_prompt_tokens(bodies[0]["messages"])
        cases = [
            (0, 50, FREE),
            (prompt + 49, 50, FREE),  # one token short of the first request's estimate
            (prompt + 50, 50, FREE),  # exactly the first request's estimate: it is sent
            (3 * (prompt + 20) + 5, 20, FREE),
            (6 * (prompt + 12) + 30, 30, {}),  # the default provider: invalid answers, 5xx
            (10**6, 40, {}),
        ]
        runs = [
            {"budget": b, "kwargs": {"max_tokens": m}, "config": {**c, "rpm": None}}
            for b, m, c in cases
        ]
        observed = submission.observe(_simulated, truth, notes, runs)
        for (budget, max_tokens, config), facts in zip(cases, observed, strict=True):
            provider = (
                "a provider that always answers valid JSON"
                if config
                else "the default provider (invalid answers, 5xx)"
            )
            where = (
                f"12 notes of 160 characters (your prompt: {prompt} tokens), {provider}, "
                f"budget={budget}, max_tokens={max_tokens}"
            )
            rows = _rows(_frame(facts["out"], where, 12))
            stats = facts["stats"]
            spent = stats["total_tokens"]
            if spent > budget:
                fail(
                    f"the provider billed {spent} tokens, over the budget of {budget}, on {where}: "
                    "before every request, estimate count_prompt_tokens(messages) + max_tokens "
                    "and send nothing if the tokens spent plus that estimate exceed the budget"
                )
            tokens = sum(r["tokens"] for r in rows)
            attempts = sum(r["attempts"] for r in rows)
            if tokens != spent or attempts != stats["total_requests"]:
                fail(
                    f"your tokens sum to {tokens} and attempts to {attempts}, but the provider "
                    f"billed {spent} tokens for {stats['total_requests']} requests, on {where}: "
                    "tokens are the usage.total_tokens of a note's 200 answers, attempts every "
                    "request sent for the note"
                )
            # Every request sent (all answered: no rate limit) had to fit when it was sent.
            before = 0
            for k, (body, record) in enumerate(
                zip(_requests(facts["events"]), facts["transcript"], strict=False)
            ):
                estimate = count_prompt_tokens(body["messages"]) + max_tokens
                if before + estimate > budget:
                    fail(
                        f"request {k} was sent with {before} tokens spent and an estimate of "
                        f"{estimate} (its prompt tokens + max_tokens), over the budget of "
                        f"{budget}, on {where}: check the estimate BEFORE sending, not what was "
                        "spent after"
                    )
                before += record["prompt_tokens"] + record["completion_tokens"]
            statuses = [r["status"] for r in rows]
            if "over_budget" in statuses:
                first = statuses.index("over_budget")
                if any(s != "over_budget" for s in statuses[first:]):
                    fail(
                        f"the statuses are {statuses}, on {where}: once a request does not fit, "
                        "send nothing more: every later note is 'over_budget'"
                    )
                if budget - spent >= prompt + max_tokens:
                    fail(
                        f"label_with_llm stopped with {budget - spent} of {budget} tokens left, "
                        f"on {where}, while its next request was estimated at {prompt} + "
                        f"{max_tokens} = {prompt + max_tokens} tokens: stop only when the "
                        "estimate does not fit"
                    )
            elif budget < 10**6:
                fail(
                    f"no note is 'over_budget' with a budget of {budget} tokens, on {where}; "
                    f"the statuses are {statuses}"
                )
            labelled = [r for r in rows if r["status"] != "ok" and r["reason"] is not None]
            if labelled:
                fail(f"{labelled[0]} has a label without status 'ok', on {where}")

        # The budget is checked before every retry too: after a first, invalid answer billed 107
        # tokens, a retry estimated at P + 50 no longer fits in P + 50 + 50.
        two = notes.head(2)
        texts = two["text"].tolist()
        script = {texts[0]: [(200, {}, "not json")] * 2 + [_ok("duplicate", 0.9)]}
        script[texts[1]] = [_ok("cancelled", 0.8)]
        facts = submission.observe(_scripted, two, script, {"max_tokens": 50}, prompt + 100)
        where = (
            f"2 notes of 160 characters (your prompt: {prompt} tokens), budget={prompt + 100}, "
            "max_tokens=50, a first answer that is invalid and billed 107 tokens"
        )
        rows = _rows(_frame(facts["out"], where, 2))
        got = [(r["status"], r["attempts"], r["tokens"]) for r in rows]
        want = [("over_budget", 1, 107), ("over_budget", 0, 0)]
        if got != want:
            fail(
                f"the notes ended (status, attempts, tokens) = {got}, expected {want}, on {where}: "
                f"the retry's estimate ({prompt} + 50) no longer fits after 107 tokens spent: "
                "check the budget before every request, retries included, then stop"
            )

        # A note that does not fit stops the spending, even when a later, shorter one would fit.
        long = truth["text"].iloc[0] + " " + "I also want to add some details. " * 14
        two = pd.DataFrame({"note_id": [700, 701], "text": [long, notes["text"].iloc[1]]})
        run = {"budget": prompt + 50, "notes": two, "config": FREE}
        (facts,) = submission.observe(_simulated, truth, notes, [run])
        where = (
            f"a note of {len(long)} characters then one of 160, budget={prompt + 50} (the 160-"
            "character note's estimate; the long one's is larger)"
        )
        rows = _rows(_frame(facts["out"], where, 2))
        if [r["status"] for r in rows] != ["over_budget"] * 2 or facts["stats"]["total_requests"]:
            fail(
                f"the notes ended {[r['status'] for r in rows]} after "
                f"{facts['stats']['total_requests']} request(s), on {where}; expected both "
                "'over_budget' and nothing sent: when a request does not fit, stop: the notes "
                "after it are 'over_budget' too, even a shorter one that would fit"
            )

    def test_matches_reference(self, submission, reference):
        for seed, offset in ((3, 0), (11, 100)):
            truth = _world_truth(20, offset=offset)
            notes = _notes(truth)
            where = f"20 world notes (from row {offset}) and the default simulated provider, seed {seed}, budget 1,000,000"
            (facts,) = submission.observe(
                _simulated, truth, notes, [{"budget": 10**6}], {"rpm": None}, seed
            )
            (ref,) = _simulated(reference, truth, notes, [{"budget": 10**6}], {"rpm": None}, seed)
            rows = _rows(_frame(facts["out"], where, 20))
            for k, (got, want) in enumerate(zip(rows, _rows(ref["out"]), strict=True)):
                got = {
                    key: got[key]
                    for key in ("note_id", "reason", "confidence", "status", "attempts")
                }
                want = {key: want[key] for key in got}
                if got != want:
                    fail(
                        f"row {k} is {got}, the reference's {want}, on {where} (a provider's "
                        "answers depend on the note and the attempt number of that exact prompt: "
                        "send the same body on every attempt; retry invalid answers, 429 and 5xx, "
                        "and nothing else)"
                    )

    def test_cache(self, submission, submission_text):
        truth = _world_truth(6, offset=120)
        notes = _notes(truth)
        dup = pd.DataFrame({"note_id": [9001], "text": [notes["text"].iloc[2]]})
        with_dup = pd.concat([notes, dup], ignore_index=True)
        fresh = pd.DataFrame({"note_id": [9002], "text": ["A new note, never asked before."]})
        runs = [
            {"budget": 10**6, "cache": "a", "notes": with_dup},
            {"budget": 0, "cache": "a"},
            {"budget": 10**6, "cache": "a", "kwargs": {"model": "kestrel-sim-2"}},
            {"budget": 0, "cache": "a", "notes": pd.concat([fresh, notes], ignore_index=True)},
        ]
        first, rerun, other, later = submission.observe(_simulated, truth, notes, runs, FREE)
        where = (
            "6 notes and a 7th repeating the 3rd's text, a provider that always answers valid JSON"
        )
        rows = _rows(_frame(first["out"], where, 7))
        if (
            first["stats"]["total_requests"] != 6
            or rows[6]["attempts"] != 0
            or rows[6]["tokens"] != 0
            or rows[6]["status"] != "ok"
        ):
            fail(
                f"{first['stats']['total_requests']} requests were sent, and the repeated note came back as "
                f"{rows[6]}, on {where}: its request body is the 3rd's, already answered, so it "
                "is served from the cache (status 'ok', 0 attempts, 0 tokens): 6 requests"
            )
        if (rows[6]["reason"], rows[6]["confidence"]) != (rows[2]["reason"], rows[2]["confidence"]):
            fail(
                f"the repeated note got {rows[6]}, the 3rd {rows[2]}: a cache hit gives the cached label"
            )
        cache = first["cache"]
        if first["cache_key_types"] != ["str"] or len(cache) != 6:
            fail(
                f"after labelling 6 distinct notes the cache holds {len(cache)} key(s) of type(s) {first['cache_key_types']}; expected 6 string keys (a hash of each request body)"
            )
        values = sorted(
            (v.get("reason"), v.get("confidence")) for v in cache.values() if isinstance(v, dict)
        )
        want = sorted((r["reason"], r["confidence"]) for r in rows[:6])
        if values != want:
            fail(
                f"the cache holds {list(cache.values())[:3]}..., expected a dict {{'reason', 'confidence'}} per label"
            )
        where = "a rerun of the same 6 notes with the same cache, budget=0, on a fresh provider"
        again = _rows(_frame(rerun["out"], where, 6))
        if rerun["stats"]["total_requests"]:
            fail(
                f"{rerun['stats']['total_requests']} request(s) were sent on {where}: a rerun with the same cache sends nothing, whatever the budget"
            )
        for k, (a, b) in enumerate(zip(again, rows, strict=False)):
            want_row = {**b, "attempts": 0, "tokens": 0, "status": "ok"}
            if a != want_row:
                fail(
                    f"row {k} came back as {a}, expected {want_row}, on {where}: a cache hit is 'ok', costs 0 attempts and 0 tokens"
                )
        where = "a new note then the 6 cached ones, the same cache, budget=0"
        statuses = [r["status"] for r in _rows(_frame(later["out"], where, 7))]
        if statuses != ["over_budget"] + ["ok"] * 6:
            fail(
                f"the notes ended {statuses}, on {where}; expected the new note 'over_budget' "
                "and the 6 others 'ok': a cache hit costs nothing, so it is served even after "
                "the budget stopped the requests"
            )
        if other["stats"]["total_requests"] != 6:
            fail(
                f"with model='kestrel-sim-2' and the same cache, {other['stats']['total_requests']} "
                "requests were sent, expected 6: the cache key is a hash of the whole request body "
                "(another model is another question), not of the note alone"
            )
        # A shelve outlives the process: the keys must be the same in another interpreter.
        args = {"texts": notes["text"].head(3).tolist()}
        seen = submission.observe(
            in_fresh_interpreters,
            submission_text,
            driver_of(_cache_keys_in_child),
            args,
            [1, 2],
            120.0,
        )
        for seed, outcome in seen.items():
            if "error" in outcome:
                fail(
                    f"loading your file in a fresh Python process (PYTHONHASHSEED={seed}) and "
                    f"labelling 3 notes failed: {outcome['error']}"
                )
        one, two = seen["1"]["result"], seen["2"]["result"]
        if one != two:
            fail(
                f"the same 3 notes got the cache keys {one[:2]}... in a Python process with "
                f"PYTHONHASHSEED=1 and {two[:2]}... with PYTHONHASHSEED=2: the cache (a shelve) "
                "outlives the process, so its key must be the same in every process; Python's "
                "hash() is salted per process, a sha256 of json.dumps(body, sort_keys=True) is not"
            )

    def test_unlabelled_answers_not_cached(self, submission):
        truth = _world_truth(4, offset=150)
        config = {
            "malformed_rate": 0.5,
            "off_schema_rate": 0.3,
            "refusal_rate": 0.1,
            "server_error_rate": 0.1,
        }
        runs = [{"budget": 10**6, "kwargs": {"max_http_retries": 0}}]
        (facts,) = submission.observe(_simulated, truth, _notes(truth), runs, config)
        where = "4 notes and a provider that never answers valid JSON"
        _frame(facts["out"], where, 4)
        if facts["cache"]:
            fail(
                f"the cache holds {list(facts['cache'].values())[:2]} on {where}: only a valid answer is stored; an invalid or failed one is asked again next time"
            )

    def test_bad_arguments_raise(self, submission):
        notes = pd.DataFrame({"note_id": [1, 2], "text": ["a", "b"]})
        cases = [
            ((notes.drop(columns="text"), None, 100, {}), {}, "notes without a text column"),
            (
                (notes.rename(columns={"note_id": "id"}), None, 100, {}),
                {},
                "notes without a note_id column",
            ),
            ((notes, None, -1, {}), {}, "budget=-1"),
            ((notes, None, True, {}), {}, "budget=True (a bool)"),
            ((notes, None, 100.0, {}), {}, "budget=100.0 (not an int)"),
            ((notes, None, 100, {}), {"max_tokens": 0}, "max_tokens=0"),
            ((notes, None, 100, {}), {"max_invalid_retries": -1}, "max_invalid_retries=-1"),
            ((notes, None, 100, {}), {"max_http_retries": 1.5}, "max_http_retries=1.5"),
        ]
        for args, kwargs, why in cases:
            expect_raises(ValueError, submission.label_with_llm, *args, why=why, **kwargs)
