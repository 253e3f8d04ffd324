"""Worked example: an LLM as a labeller, piece by piece, on the course's simulated provider.

`coursedata.llm` serves an OpenAI-compatible chat-completions endpoint on 127.0.0.1 that knows
the dispute notes' true reasons and fails the way a hosted model does. The example takes the
pieces a labeller needs one at a time: a prompt that carries the answer's JSON schema; pydantic
validation (against `json.loads`); retries of 429 and 5xx that honour `Retry-After`, waiting on
the simulator's own clock so that a minute of rate limiting takes no time; a cache keyed by the
request; a token budget checked before each request; and the cost of a label. The client is
built from environment variables, so the same code talks to a real provider.

Run: python docs/examples/13_data_centric/llm_labeller.py
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

import coursedata
from coursedata.llm import SimConfig, count_prompt_tokens, make_llm_app, serving

MAX_TOKENS = 40


class Verdict(BaseModel):
    """What the labeller accepts: strict types, so "0.9" or "high" is no confidence."""

    model_config = ConfigDict(strict=True)
    reason: Literal[coursedata.REASONS]  # type: ignore[valid-type]
    confidence: float = Field(ge=0, le=1)


INSTRUCTIONS = (
    "Classify the customer's card dispute note. Reply with a single JSON object and nothing "
    f"else, valid against this JSON schema: {json.dumps(Verdict.model_json_schema())}"
)


def client_from_env(env: Mapping[str, str] = os.environ) -> httpx.Client:
    """An OpenAI-compatible client: base URL, key and timeout from the environment, never code."""
    return httpx.Client(
        base_url=env.get("LLM_BASE_URL", "https://api.openai.com/v1"),
        headers={"Authorization": f"Bearer {env['LLM_API_KEY']}"},
        timeout=float(env.get("LLM_TIMEOUT_S", "30")),
    )


def request_body(text: str, model: str = "kestrel-sim-1") -> dict:
    """One note per request, quoted verbatim in the last user message."""
    return {
        "model": model,
        "max_tokens": MAX_TOKENS,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": text},
        ],
    }


def post_with_retries(
    http: httpx.Client, body: dict, wait: Callable[[float], None], tries: int = 5
) -> httpx.Response:
    """POST, retrying 429 and 5xx: Retry-After when the server sends it, else 0.5, 1, 2 s."""
    for attempt in range(tries):
        response = http.post("/chat/completions", json=body)
        transient = response.status_code == 429 or response.status_code >= 500
        if not transient or attempt == tries - 1:
            return response
        header = response.headers.get("Retry-After")
        wait(float(header) if header else 0.5 * 2**attempt)
    raise AssertionError("unreachable")


def verdict_of(response: httpx.Response) -> Verdict | None:
    """The validated answer of a 200, or None (a refusal, bad JSON, off the schema)."""
    if response.status_code != 200:
        return None  # retries exhausted: no answer, and nothing was billed
    content = response.json()["choices"][0]["message"]["content"] or ""
    try:
        return Verdict.model_validate_json(content)
    except ValidationError:
        return None


def cache_key(body: dict) -> str:
    """The same request, byte for byte, gets the same key; another model or prompt another."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def simulated_env(base_url: str) -> dict[str, str]:
    """What `export LLM_BASE_URL=... LLM_API_KEY=...` gives a real run, pointed at the simulator."""
    return {"LLM_BASE_URL": base_url, "LLM_API_KEY": "sk-simulated"}


class FakeClock:
    """The simulator's clock, moved by the waits instead of by time passing."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waited = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.waited += seconds


def main() -> None:
    world = coursedata.sample("medium")
    notes = coursedata.dispute_notes(world, seed=0)
    truth = world.truth.extras["dispute_notes"].set_index("note_id")["reason"].astype(str)
    sample = notes.head(300)

    print("1. validate every answer")
    app = make_llm_app(world.truth.extras["dispute_notes"], config=SimConfig(latency_scale=0))
    with serving(app) as base_url, client_from_env(simulated_env(base_url)) as http:
        tally: Counter[str] = Counter()
        for note_id, text in zip(sample["note_id"], sample["text"], strict=True):
            response = http.post("/chat/completions", json=request_body(text))
            if response.status_code != 200:
                tally["HTTP error"] += 1
                continue
            content = response.json()["choices"][0]["message"]["content"] or ""
            try:
                json.loads(content)
                tally["json.loads accepts"] += 1
            except ValueError:
                pass
            verdict = verdict_of(response)
            if verdict is not None:
                tally["pydantic accepts"] += 1
                tally["right"] += verdict.reason == truth[note_id]
    print(
        f"{len(sample)} notes asked once: HTTP errors {tally['HTTP error']}, json.loads accepts "
        f"{tally['json.loads accepts']}, pydantic accepts {tally['pydantic accepts']}, "
        f"of which right {tally['right']} ({tally['right'] / tally['pydantic accepts']:.0%})"
    )
    stats = app.state.stats
    print(
        f"billed {stats.requests[200]} answers: {stats.total_tokens:,} tokens, "
        f"${stats.cost:.4f}; ${stats.cost / tally['pydantic accepts'] * 1000:.3f} "
        "per 1,000 valid labels"
    )

    print("2. rate limits: 429 and Retry-After")
    clock = FakeClock()
    config = SimConfig(latency_scale=0, rpm=60, clock=clock)
    app = make_llm_app(world.truth.extras["dispute_notes"], config=config)
    statuses: Counter[int] = Counter()
    with serving(app) as base_url, client_from_env(simulated_env(base_url)) as http:
        for text in sample["text"].head(200):
            statuses[post_with_retries(http, request_body(text), clock.sleep).status_code] += 1
    seen = app.state.stats.requests
    print(
        f"200 notes at 60 requests a minute: final statuses {dict(statuses)}; the server saw "
        f"{seen[429]} 429s and {seen[500] + seen[503]} 5xx; waited {clock.waited:.0f} s "
        "on the simulated clock"
    )

    print("3. a cache keyed by the request")
    cache: dict[str, dict] = {}
    app = make_llm_app(world.truth.extras["dispute_notes"], config=SimConfig(latency_scale=0))
    with serving(app) as base_url, client_from_env(simulated_env(base_url)) as http:
        for run in (1, 2):
            before = app.state.stats.total_requests
            for text in sample["text"].head(100):
                body = request_body(text)
                if cache_key(body) in cache:
                    continue
                verdict = verdict_of(post_with_retries(http, body, lambda s: None))
                if verdict is not None:
                    cache[cache_key(body)] = verdict.model_dump()
            print(
                f"run {run}: {app.state.stats.total_requests - before} requests, "
                f"{len(cache)} of 100 notes labelled in the cache"
            )

    print("4. a hard token budget")
    for budget, check in ((5_000, "before"), (20_000, "before"), (5_000, "after")):
        app = make_llm_app(world.truth.extras["dispute_notes"], config=SimConfig(latency_scale=0))
        spent, labelled = 0, 0
        with serving(app) as base_url, client_from_env(simulated_env(base_url)) as http:
            for text in sample["text"]:
                body = request_body(text)
                worst_case = count_prompt_tokens(body["messages"]) + MAX_TOKENS
                if check == "before" and spent + worst_case > budget:
                    break  # the next request could cost more than is left: send nothing
                if check == "after" and spent >= budget:
                    break  # too late: the request that crossed the line is billed
                response = post_with_retries(http, body, lambda s: None)
                if response.status_code == 200:
                    spent += response.json()["usage"]["total_tokens"]
                    labelled += verdict_of(response) is not None
        billed = app.state.stats
        print(
            f"budget {budget:,} tokens, checked {check} sending: {labelled} labels, billed "
            f"{billed.total_tokens:,} tokens (${billed.cost:.5f}), "
            f"{billed.total_tokens / billed.requests[200]:.0f} tokens per answer"
        )


if __name__ == "__main__":
    main()
