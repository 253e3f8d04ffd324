"""Worked example: an LLM provider's chat-completions endpoint, called with httpx.

`coursedata.llm.running` serves the course's simulated provider on 127.0.0.1: an OpenAI-compatible
`POST /v1/chat/completions` that knows the dispute notes' true reasons. `ask` below is the same
code that talks to a real provider; only the base URL, the key and the model name change (the
page shows them read from the environment). Here, each note is asked once, with no retry, no
validation beyond json.loads and no budget: the outcomes show why lesson 13 needs all three.

Run: python docs/examples/coursedata/llm_client.py
"""

import json
from collections import Counter

import httpx

import coursedata
from coursedata.llm import REASONS, REFUSAL, SimConfig, running

SYSTEM = (
    "You label card-payment dispute notes. Answer with JSON only: "
    f'{{"reason": one of {", ".join(REASONS)}, "confidence": a number in [0, 1]}}.'
)


def ask(http: httpx.Client, model: str, note: str) -> httpx.Response:
    """One chat completion about one note, in the OpenAI request shape."""
    return http.post(
        "/chat/completions",
        json={
            "model": model,
            "temperature": 0,
            "max_tokens": 50,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"Dispute note: {note}"},
            ],
        },
    )


def outcome(response: httpx.Response, truth: str) -> str:
    """What came back, as a label would need it: right, wrong, or why it is no label."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    content = response.json()["choices"][0]["message"]["content"]
    if content == REFUSAL:
        return "refusal"
    try:
        answer = json.loads(content)
    except ValueError:
        return "malformed JSON"
    confidence = answer.get("confidence") if isinstance(answer, dict) else None
    if answer.get("reason") not in REASONS or not isinstance(confidence, int | float):
        return "off-schema JSON"
    return "right" if answer["reason"] == truth else "wrong"


def main() -> None:
    world = coursedata.sample("small")
    notes = coursedata.dispute_notes(world)
    truth = world.truth.extras["dispute_notes"]  # each note's text, true reason and difficulty
    config = SimConfig(rpm=50)  # a low limit, to meet a 429 within a minute
    first = notes.head(60).merge(truth[["note_id", "reason"]], on="note_id")

    key = {"Authorization": "Bearer sk-simulated"}  # any non-empty key opens the simulator
    tally: Counter[str] = Counter()
    retry_after = None
    with (
        running(truth, seed=0, config=config) as base_url,
        httpx.Client(base_url=base_url, headers=key, timeout=10) as http,
    ):
        for note, reason in zip(first["text"], first["reason"], strict=True):
            response = ask(http, "kestrel-sim-1", note)
            tally[outcome(response, reason)] += 1
            if response.status_code == 429 and retry_after is None:
                retry_after = response.headers["retry-after"]
        stats = http.get("/_stats").json()  # the simulator's own endpoint, not OpenAI's

    print(
        f"{len(first)} notes asked once: " + ", ".join(f"{k} {v}" for k, v in tally.most_common())
    )
    print(f"first 429 after {config.rpm} requests: Retry-After {retry_after} s")
    billed = stats["requests"].get("200", 0)
    print(
        f"billed: {billed} answers, {stats['prompt_tokens']:,} prompt + "
        f"{stats['completion_tokens']:,} completion tokens = ${stats['cost']:.6f}"
    )


if __name__ == "__main__":
    main()
