"""The simulated LLM provider (coursedata.llm) keeps its documented contract: OpenAI's request and
response shapes, bearer auth, answers whose accuracy falls with the note's difficulty, each failure
mode at its configured rate, a sliding-window rate limit with Retry-After, exact token and cost
accounting, and transcripts that a fresh app repeats exactly."""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter

import httpx
import numpy as np
import pandas as pd
import pytest

from coursedata.llm import (
    REASONS,
    REFUSAL,
    SimConfig,
    count_prompt_tokens,
    count_tokens,
    make_llm_app,
    p_correct,
    running,
    serving,
)

KEY = {"Authorization": "Bearer sk-test"}
CLEAN = SimConfig(
    malformed_rate=0, off_schema_rate=0, refusal_rate=0, server_error_rate=0, latency_scale=0
)
SYSTEM = "You label card-payment dispute notes. Answer JSON {reason, confidence}."


def fake_notes(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A notes truth table of the documented shape: unique texts, reasons, difficulties."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "note_id": np.arange(1000, 1000 + n),
            "text": [
                f"Note {i}: charge {i * 7919 % 100_003} on my card, please help." for i in range(n)
            ],
            "reason": rng.choice(REASONS, n),
            "difficulty": rng.uniform(0, 1, n),
        }
    )


NOTES = fake_notes()


class Client:
    """A synchronous face on httpx's ASGITransport: the app in this process, no server, no
    thread (about 0.5 ms a request, several times faster than starlette's TestClient)."""

    def __init__(self, app) -> None:
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://sim")

    def post(self, url: str, **kwargs) -> httpx.Response:
        return self.loop.run_until_complete(self.http.post(url, **kwargs))

    def get(self, url: str, **kwargs) -> httpx.Response:
        return self.loop.run_until_complete(self.http.get(url, **kwargs))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


_open: list[Client] = []


def client(app) -> Client:
    _open.append(Client(app))
    return _open[-1]


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while _open:
        _open.pop().close()


def ask(c, text: str, **extra) -> httpx.Response:
    body = {
        "model": "kestrel-sim-1",
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Dispute note:\n{text}\nReturn JSON."},
        ],
        "response_format": {"type": "json_object"},
        **extra,
    }
    return c.post("/v1/chat/completions", headers=KEY, json=body)


def valid_answer(content: str) -> dict | None:
    """The answer if it is JSON of the schema (reason in REASONS, numeric confidence in [0, 1])."""
    try:
        answer = json.loads(content)
    except (TypeError, ValueError):
        return None
    if not isinstance(answer, dict) or set(answer) != {"reason", "confidence"}:
        return None
    confidence = answer["confidence"]
    if answer["reason"] not in REASONS or isinstance(confidence, bool):
        return None
    if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        return None
    return answer


def transcript(app, texts) -> list[tuple]:
    c = client(app)
    out = []
    for text in texts:
        r = ask(c, text)
        body = r.json()
        content = body["choices"][0]["message"]["content"] if r.status_code == 200 else None
        out.append((r.status_code, body.get("id"), content, body.get("usage")))
    return out


def test_response_has_openai_shape():
    app = make_llm_app(NOTES, config=CLEAN)
    r = ask(client(app), NOTES.text[0], temperature=0)
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"id", "object", "created", "model", "choices", "usage"}
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    assert body["model"] == "kestrel-sim-1" and isinstance(body["created"], int)
    (choice,) = body["choices"]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    answer = valid_answer(choice["message"]["content"])
    assert answer is not None, choice["message"]["content"]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert r.headers["x-ratelimit-limit-requests"] == "600"


def test_models_and_bad_requests():
    c = client(make_llm_app(NOTES, config=CLEAN))
    assert c.get("/v1/models", headers=KEY).json()["data"][0]["id"] == "kestrel-sim-1"
    post = c.post
    bad = [
        post("/v1/chat/completions", headers=KEY, content=b"{not json"),
        post("/v1/chat/completions", headers=KEY, json={"model": "m"}),
        post("/v1/chat/completions", headers=KEY, json={"model": "m", "messages": []}),
        ask(c, "x", stream=True),
        ask(c, "x", temperature=3),
        ask(c, "x", response_format={"type": "yaml"}),
    ]
    for r in bad:
        assert r.status_code == 400, r.text
        assert r.json()["error"]["type"] == "invalid_request_error"
    assert c.get("/v1/nowhere").status_code == 404
    assert "error" in c.get("/v1/nowhere").json()


def test_a_bearer_key_is_required():
    app = make_llm_app(NOTES, config=CLEAN)
    c = client(app)
    body = {"model": "m", "messages": [{"role": "user", "content": NOTES.text[0]}]}
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}):
        r = c.post("/v1/chat/completions", headers=headers, json=body)
        assert r.status_code == 401 and "API key" in r.json()["error"]["message"]
    assert c.get("/v1/models").status_code == 401
    assert c.post("/v1/chat/completions", headers=KEY, json=body).status_code == 200
    stats = app.state.stats.snapshot()
    assert stats["requests"] == {"200": 1, "401": 3} and stats["total_requests"] == 4
    assert stats["prompt_tokens"] > 0 and sum(stats["attempts"].values()) == 1


def test_fresh_apps_repeat_the_transcript_and_retries_can_differ():
    texts = list(NOTES.text[:60]) * 2  # each prompt twice: attempts 0 and 1
    config = SimConfig(latency_scale=0)
    first = transcript(make_llm_app(NOTES, seed=3, config=config), texts)
    again = transcript(make_llm_app(NOTES, seed=3, config=config), texts)
    assert first == again
    retried = sum(a != b for a, b in zip(first[:60], first[60:], strict=True))
    assert retried >= 20, "a retry of the same prompt draws again"
    other = transcript(make_llm_app(NOTES, seed=4, config=config), texts)
    assert other != first


def test_each_failure_mode_at_its_rate():
    rate = 0.1
    config = SimConfig(
        malformed_rate=rate,
        off_schema_rate=rate,
        refusal_rate=rate,
        server_error_rate=rate,
        latency_scale=0,
    )
    app = make_llm_app(NOTES, config=config)
    c = client(app)
    seen = {"server_error": 0, "refusal": 0, "malformed": 0, "off_schema": 0, "valid": 0}
    finishes = set()
    for text in NOTES.text:
        r = ask(c, text)
        if r.status_code >= 500:
            assert r.status_code in (500, 503) and r.json()["error"]["type"] == "server_error"
            seen["server_error"] += 1
            continue
        assert r.status_code == 200
        choice = r.json()["choices"][0]
        content = choice["message"]["content"]
        if content == REFUSAL:
            finishes.add(choice["finish_reason"])
            seen["refusal"] += 1
            continue
        try:
            json.loads(content)
        except ValueError:
            seen["malformed"] += 1
            continue
        seen["valid" if valid_answer(content) else "off_schema"] += 1
    n = len(NOTES)
    spread = 4 * math.sqrt(n * rate * (1 - rate))
    for mode in ("server_error", "refusal", "malformed", "off_schema"):
        assert abs(seen[mode] - n * rate) <= spread, (mode, seen)
    assert finishes == {"stop", "content_filter"}
    faults = app.state.stats.snapshot()["faults"]
    kinds = [k for k in faults if k.startswith(("malformed_", "off_schema_", "server_error_"))]
    assert len(kinds) == 8, faults  # three of each JSON fault, two server errors
    assert faults["valid"] == seen["valid"]


def test_a_clean_config_always_answers_valid_json():
    c = client(make_llm_app(NOTES.head(100), config=CLEAN))
    for text in NOTES.text[:100]:
        r = ask(c, text)
        assert r.status_code == 200 and valid_answer(r.json()["choices"][0]["message"]["content"])


def test_accuracy_falls_with_difficulty_as_the_law_says():
    notes = fake_notes(400, seed=1)
    app = make_llm_app(notes, config=CLEAN)
    c = client(app)
    correct, confident = [], []
    for text, reason in zip(notes.text, notes.reason, strict=True):
        answer = valid_answer(ask(c, text).json()["choices"][0]["message"]["content"])
        correct.append(answer["reason"] == reason)
        confident.append(answer["confidence"])
    correct, confident = np.array(correct), np.array(confident)
    easy, hard = notes.difficulty < 0.3, notes.difficulty > 0.7
    assert correct[easy].mean() > correct[hard].mean() + 0.08  # 0.25 x 0.6 expected
    expected = sum(p_correct(d) for d in notes.difficulty)
    assert abs(correct.sum() - expected) <= 4 * math.sqrt(len(notes) * 0.25)
    assert confident[correct].mean() > confident[~correct].mean() + 0.1
    assert p_correct(0) == pytest.approx(0.98) and p_correct(1) == pytest.approx(0.73)


def test_unknown_notes_and_the_longest_quoted_note():
    short = "Charged twice."
    notes = pd.DataFrame(
        {
            "text": [short, short + " The shop never sent the parcel either."],
            "reason": ["duplicate", "not_received"],
            "difficulty": [0.0, 0.0],
        }
    )
    config = SimConfig(
        malformed_rate=0,
        off_schema_rate=0,
        refusal_rate=0,
        server_error_rate=0,
        latency_scale=0,
        accuracy_easy=1.0,
        accuracy_slope=0.0,
    )
    app = make_llm_app(notes, config=config)
    c = client(app)
    answer = json.loads(ask(c, notes.text[1]).json()["choices"][0]["message"]["content"])
    assert answer["reason"] == "not_received"
    answer = json.loads(ask(c, short).json()["choices"][0]["message"]["content"])
    assert answer["reason"] == "duplicate"
    answer = json.loads(
        ask(c, "What is the capital of France?").json()["choices"][0]["message"]["content"]
    )
    assert answer["reason"] == "unknown" and answer["confidence"] < 0.25
    assert app.state.stats.snapshot()["notes"] == {"1": 1, "0": 1}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limits_answer_429_with_retry_after():
    clock = FakeClock()
    config = SimConfig(
        malformed_rate=0,
        off_schema_rate=0,
        refusal_rate=0,
        server_error_rate=0,
        latency_scale=0,
        rpm=3,
        tpm=None,
        clock=clock,
    )
    app = make_llm_app(NOTES, config=config)
    c = client(app)
    for t in NOTES.text[:3]:  # at 1000, 1010 and 1020
        assert ask(c, t).status_code == 200
        clock.now += 10
    clock.now -= 10
    r = ask(c, NOTES.text[3])
    assert r.status_code == 429 and r.headers["retry-after"] == "40"
    error = r.json()["error"]
    assert error["code"] == "rate_limit_exceeded" and error["type"] == "requests"
    assert r.headers["x-ratelimit-remaining-requests"] == "0"
    clock.now += 39.5
    r = ask(c, NOTES.text[3])
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    assert r.headers["retry-after-ms"] == "500"
    clock.now += 0.5  # the first request leaves the window (60 s after it)
    r = ask(c, NOTES.text[3])
    assert r.status_code == 200 and r.headers["x-ratelimit-remaining-requests"] == "0"
    stats = app.state.stats.snapshot()
    assert stats["requests"] == {"200": 4, "429": 2}
    # a 429 is turned away at the door: it is neither billed nor an attempt of its prompt
    assert sum(stats["attempts"].values()) == 4
    fresh = make_llm_app(NOTES, config=CLEAN)
    assert transcript(fresh, NOTES.text[3:4])[0][1] == r.json()["id"]

    tokens = SimConfig(
        malformed_rate=0,
        off_schema_rate=0,
        refusal_rate=0,
        server_error_rate=0,
        latency_scale=0,
        rpm=None,
        tpm=120,
        window_s=10,
        clock=clock,
    )
    c = client(make_llm_app(NOTES, config=tokens))
    first = ask(c, NOTES.text[0])
    spent = first.json()["usage"]["total_tokens"]
    assert 45 <= spent <= 60  # two fit in 120 tokens, three do not
    assert ask(c, NOTES.text[1]).status_code == 200
    r = ask(c, NOTES.text[2])
    assert r.status_code == 429 and r.json()["error"]["type"] == "tokens"
    assert r.headers["retry-after"] == "10"
    clock.now += 10
    assert ask(c, NOTES.text[2]).status_code == 200
    too_big = ask(c, "x" * 1000)
    assert too_big.status_code == 400 and too_big.json()["error"]["code"] == "request_too_large"


def test_tokens_and_cost_are_counted_exactly():
    config = SimConfig(
        server_error_rate=0.2, latency_scale=0, price_in_per_1k=0.5, price_out_per_1k=2.0
    )
    app = make_llm_app(NOTES, config=config)
    c = client(app)
    messages = [{"role": "system", "content": "a" * 9}, {"role": "user", "content": NOTES.text[0]}]
    assert count_tokens("a" * 9) == 3 and count_tokens("") == 0
    assert count_prompt_tokens(messages) == 3 + (3 + 4) + (count_tokens(NOTES.text[0]) + 4)
    prompt_in = out = billed = 0
    cost = 0.0
    for text in NOTES.text[:80]:
        r = ask(c, text)
        if r.status_code != 200:
            continue
        usage = r.json()["usage"]
        content = r.json()["choices"][0]["message"]["content"]
        request = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Dispute note:\n{text}\nReturn JSON."},
        ]
        assert usage["prompt_tokens"] == count_prompt_tokens(request)
        assert usage["completion_tokens"] == count_tokens(content)
        prompt_in += usage["prompt_tokens"]
        out += usage["completion_tokens"]
        cost += (usage["prompt_tokens"] * 0.5 + usage["completion_tokens"] * 2.0) / 1000
        billed += 1
    stats = app.state.stats
    snap = stats.snapshot()
    failed = snap["requests"].get("500", 0) + snap["requests"].get("503", 0)
    assert failed > 0 and billed + failed == 80, "a 5xx is answered but costs nothing"
    assert (snap["prompt_tokens"], snap["completion_tokens"]) == (prompt_in, out)
    assert snap["cost"] == pytest.approx(cost) and stats.total_tokens == prompt_in + out
    assert c.get("/v1/_stats").json() == json.loads(json.dumps(snap))

    r = ask(client(make_llm_app(NOTES, config=CLEAN)), NOTES.text[1], max_tokens=3)
    choice = r.json()["choices"][0]
    assert choice["finish_reason"] == "length" and r.json()["usage"]["completion_tokens"] == 3
    assert len(choice["message"]["content"]) == 12


def test_config_and_notes_are_validated():
    with pytest.raises(ValueError, match="sum"):
        SimConfig(malformed_rate=0.6, off_schema_rate=0.6)
    with pytest.raises(ValueError, match="rpm"):
        SimConfig(rpm=0)
    with pytest.raises(ValueError, match="unique"):
        make_llm_app(pd.concat([NOTES.head(2), NOTES.head(1)]))
    with pytest.raises(ValueError, match="reason"):
        make_llm_app(NOTES.head(2).assign(reason="fraud"))
    with pytest.raises(ValueError, match="missing"):
        make_llm_app(NOTES.drop(columns="difficulty"))


def test_running_serves_on_a_real_port_and_stops():
    with running(NOTES.head(20), seed=0) as base_url:
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        with httpx.Client(base_url=base_url, headers=KEY, timeout=5) as http:
            r = http.post(
                "/chat/completions",
                json={"model": "any", "messages": [{"role": "user", "content": NOTES.text[0]}]},
            )
            assert r.status_code in (200, 500, 503)
            assert r.elapsed.total_seconds() >= 0.02  # the default latency: 20 to 60 ms
            assert http.get("/_stats").json()["total_requests"] == 1
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/_stats", timeout=2)

    app = make_llm_app(NOTES.head(5), config=CLEAN)
    with serving(app) as base_url:
        httpx.post(
            f"{base_url}/chat/completions",
            headers=KEY,
            timeout=5,
            json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        )
    assert app.state.stats.total_requests == 1


def test_the_data_worlds_dispute_notes_are_found_and_labelled_by_the_law():
    import coursedata

    assert REASONS == coursedata.REASONS
    world = coursedata.sample("small")
    notes = coursedata.dispute_notes(world)
    truth = world.truth.extras["dispute_notes"]
    app = make_llm_app(truth, config=CLEAN)
    c = client(app)
    gold = dict(zip(truth["note_id"], truth["reason"], strict=True))
    right = 0
    for note_id, text in zip(notes["note_id"], notes["text"], strict=True):
        answer = valid_answer(ask(c, text).json()["choices"][0]["message"]["content"])
        right += answer["reason"] == gold[note_id]
    assert app.state.stats.notes == Counter(notes["note_id"].tolist()), "every note found once"
    expected = sum(p_correct(d) for d in truth["difficulty"])
    assert abs(right - expected) <= 4 * math.sqrt(len(notes) * 0.25)
