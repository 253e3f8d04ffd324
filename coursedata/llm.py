"""A deterministic simulated LLM provider: an OpenAI-compatible chat-completions endpoint.

    notes = coursedata.dispute_notes(world)                      # also records the notes' truth
    truth = world.truth.extras["dispute_notes"]                  # note_id, text, reason, difficulty
    with coursedata.llm.running(truth, seed=0) as base_url:      # "http://127.0.0.1:<port>/v1"
        httpx.post(f"{base_url}/chat/completions", headers={"Authorization": "Bearer any"}, ...)

Lesson 13 labels the data world's dispute notes with an LLM. No model weights and no network:
this module plays the provider. It knows every note's true reason and difficulty (`notes_truth`,
a DataFrame with `text`, `reason`, `difficulty` and optionally `note_id`), finds the note quoted
in a prompt, and answers `{"reason": ..., "confidence": ...}` the way a real model would: right
more often on easy notes, sometimes malformed or off-schema, sometimes refusing, sometimes failing
with a 5xx, slowed by latency, rate limited (429 with Retry-After) and billed per token.

Every random choice is a hash of (seed, the note's text, the attempt number of that identical
prompt): a retry of the same prompt can get another answer, and the same program run again
against a fresh app gets the same transcript. The laws and rates are in `SimConfig` and in
docs/reference/llm-simulator.md.

Public API: `REASONS`, `SimConfig`, `SimStats`, `make_llm_app`, `running`, `serving`,
`count_tokens`, `count_prompt_tokens`, `p_correct`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException

from coursedata.disputes import REASONS  # the dispute notes' reasons

__all__ = [
    "REASONS",
    "REFUSAL",
    "SimConfig",
    "SimStats",
    "count_prompt_tokens",
    "count_tokens",
    "make_llm_app",
    "p_correct",
    "running",
    "serving",
]

REFUSAL = "I can't help with that."
UNKNOWN = "unknown"  # the reason given for a prompt that quotes no known note
MESSAGE_OVERHEAD = 4  # tokens per message (its role and separators)
REPLY_OVERHEAD = 3  # tokens priming the reply, once per request
FAULTS = (
    "valid",
    "malformed_truncated",
    "malformed_prose",
    "malformed_fence",
    "off_schema_reason",
    "off_schema_missing_key",
    "off_schema_string_confidence",
    "refusal",
    "server_error_500",
    "server_error_503",
)


# --- the laws --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimConfig:
    """The simulator's rates, limits, prices and clock. Defaults are a small, cheap model.

    Each answered request draws one outcome: a 5xx with probability `server_error_rate`, else a
    refusal with `refusal_rate`, else malformed JSON with `malformed_rate`, else off-schema JSON
    with `off_schema_rate`, else a valid answer (the rates are shares of all answered requests,
    so their sum is at most 1). Rate limits count requests (`rpm`) and tokens (`tpm`) admitted
    over a sliding window of `window_s` seconds; None switches a limit off.
    """

    malformed_rate: float = 0.05  # truncated, prose around the JSON, or a code fence (1/3 each)
    off_schema_rate: float = 0.05  # bad reason, a missing key, or confidence as a word (1/3 each)
    refusal_rate: float = 0.02  # "I can't help with that." (finish_reason stop or content_filter)
    server_error_rate: float = 0.02  # a 500 or a 503 (half each) with an OpenAI-style error body
    accuracy_easy: float = 0.98  # P(correct) of a note of difficulty 0 ...
    accuracy_slope: float = 0.25  # ... minus this times the difficulty
    rpm: int | None = 600  # requests per window
    tpm: int | None = 200_000  # tokens (prompt + completion) per window
    window_s: float = 60.0  # the sliding window's length, in seconds
    latency_scale: float = 1.0  # each answer waits latency_scale * (20 + 40 u) ms; 0 for tests
    price_in_per_1k: float = 0.00015  # USD per 1,000 prompt tokens
    price_out_per_1k: float = 0.0006  # USD per 1,000 completion tokens
    model: str = "kestrel-sim-1"  # the name /v1/models lists (any model name is accepted)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    def __post_init__(self) -> None:
        rates = (self.malformed_rate, self.off_schema_rate, self.refusal_rate)
        rates += (self.server_error_rate,)
        if not all(0.0 <= r <= 1.0 for r in rates) or sum(rates) > 1.0 + 1e-12:
            raise ValueError(f"failure rates must be in [0, 1] and sum to at most 1, got {rates}")
        for name in ("rpm", "tpm"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
                raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
        if not self.window_s > 0:
            raise ValueError(f"window_s must be positive, got {self.window_s!r}")
        if not self.latency_scale >= 0:
            raise ValueError(f"latency_scale must be >= 0, got {self.latency_scale!r}")
        if not (
            0.0 <= self.accuracy_easy <= 1.0 and 0.0 <= self.accuracy_slope <= self.accuracy_easy
        ):
            raise ValueError("need 0 <= accuracy_slope <= accuracy_easy <= 1")
        if self.price_in_per_1k < 0 or self.price_out_per_1k < 0:
            raise ValueError("prices must be >= 0")


def p_correct(difficulty: float, config: SimConfig | None = None) -> float:
    """P(the answer's reason is the true one) = accuracy_easy - accuracy_slope * difficulty
    (0.98 - 0.25 d by default: 0.98 for the easiest note, 0.73 for the hardest; a model that
    reads the whole note is misled by a negation or a second reason less than keywords are)."""
    config = config or SimConfig()
    return config.accuracy_easy - config.accuracy_slope * float(difficulty)


def count_tokens(text: str) -> int:
    """The simulator's tokens in a text: ceil(len(text) / 4) (about four characters a token)."""
    return math.ceil(len(text) / 4)


def _text_of(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(
        str(part.get("text", "")) for part in content if isinstance(part, dict) and "text" in part
    )


def count_prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """A request's prompt tokens: per message, count_tokens(content) + 4; plus 3 for the reply."""
    return REPLY_OVERHEAD + sum(
        count_tokens(_text_of(m.get("content"))) + MESSAGE_OVERHEAD for m in messages
    )


def _uniform(seed: int, text: str, attempt: int, purpose: str) -> float:
    """A uniform number in [0, 1) from a hash of (seed, text, attempt, what it decides)."""
    key = f"{seed}\x1f{attempt}\x1f{purpose}\x1f{text}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2**64


def _prompt_hash(messages: list[dict[str, Any]]) -> str:
    """The identity of a prompt: a hash of its messages' roles and texts, in order."""
    flat = [[m.get("role"), _text_of(m.get("content"))] for m in messages]
    blob = json.dumps(flat, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


# --- the answer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Note:
    note_id: Any
    text: str
    reason: str
    difficulty: float


@dataclass(frozen=True)
class _Answer:
    """What the model does with one attempt: an HTTP status, and for a 200 its message."""

    status: int
    fault: str
    content: str = ""
    finish_reason: str = "stop"
    reason: str | None = None  # the reason the model had in mind (None for a 5xx)
    correct: bool | None = None  # whether that reason is the note's true one (None: unknown note)
    latency: float = 0.0


_WRONG_REASONS = ("fraud", "other", "chargeback", "billing_error", "Duplicate", "not received")
_PROSE_BEFORE = "Sure! Here is the classification of this dispute note:\n"
_PROSE_AFTER = "\n\nLet me know if you need anything else."


def _word(confidence: float) -> str:
    return "high" if confidence >= 0.8 else "medium" if confidence >= 0.5 else "low"


def _answer(note: _Note | None, text: str, attempt: int, seed: int, config: SimConfig) -> _Answer:
    """The model's answer to one attempt at a prompt about `note` (None: no known note)."""

    def u(purpose: str) -> float:
        return _uniform(seed, text, attempt, purpose)

    latency = config.latency_scale * (0.020 + 0.040 * u("latency"))
    if note is None:
        reason, correct = UNKNOWN, None
        confidence = round(0.05 + 0.15 * u("confidence"), 2)
    else:
        correct = u("correct") < p_correct(note.difficulty, config)
        if correct:
            reason = note.reason
            low = 0.70 - 0.25 * note.difficulty
            confidence = round(low + (0.99 - low) * u("confidence"), 2)
        else:
            others = [r for r in REASONS if r != note.reason]
            reason = others[int(u("wrong") * len(others))]
            confidence = round(0.35 + 0.50 * u("confidence"), 2)
    body = {"reason": reason, "confidence": confidence}
    valid = json.dumps(body)

    outcome, variant = u("outcome"), u("variant")
    edges = [
        ("server_error", config.server_error_rate),
        ("refusal", config.refusal_rate),
        ("malformed", config.malformed_rate),
        ("off_schema", config.off_schema_rate),
    ]
    kind, edge = "valid", 0.0
    for name, rate in edges:
        edge += rate
        if outcome < edge:
            kind = name
            break
    third = min(int(variant * 3), 2)
    common = {"reason": reason, "correct": correct, "latency": latency}
    if kind == "server_error":
        status = 500 if variant < 0.5 else 503
        return _Answer(status, f"server_error_{status}", latency=latency)
    if kind == "refusal":
        finish = "stop" if variant < 0.5 else "content_filter"
        return _Answer(200, "refusal", REFUSAL, finish, None, None, latency)
    if kind == "malformed":
        if third == 0:  # cut anywhere before the closing brace: never valid JSON
            cut = 1 + int(u("cut") * (len(valid) - 1))
            return _Answer(200, "malformed_truncated", valid[:cut], **common)
        if third == 1:
            prose = _PROSE_BEFORE + valid if u("cut") < 0.5 else valid + _PROSE_AFTER
            return _Answer(200, "malformed_prose", prose, **common)
        return _Answer(200, "malformed_fence", f"```json\n{valid}\n```", **common)
    if kind == "off_schema":
        if third == 0:
            bad = _WRONG_REASONS[int(u("cut") * len(_WRONG_REASONS))]
            return _Answer(200, "off_schema_reason", json.dumps({**body, "reason": bad}), **common)
        if third == 1:
            kept = {"confidence": confidence} if u("cut") < 0.5 else {"reason": reason}
            return _Answer(200, "off_schema_missing_key", json.dumps(kept), **common)
        worded = json.dumps({**body, "confidence": _word(confidence)})
        return _Answer(200, "off_schema_string_confidence", worded, **common)
    return _Answer(200, "valid", valid, **common)


# --- accounting ------------------------------------------------------------------------------


class SimStats:
    """What the simulator saw, thread-safe: a check in the same process counts exactly.

    - `requests`: chat-completion requests by HTTP status (401, 400 and 429 included);
    - `prompt_tokens`, `completion_tokens`, `cost`: billed usage (200 responses only, as
      providers bill; a 4xx or a 5xx costs nothing);
    - `attempts`: answered requests (200 or 5xx; not 400, 401, 429) per prompt hash;
    - `notes`: answered requests per note id (prompts quoting a known note);
    - `faults`: answered requests by outcome (see FAULTS);
    - `transcript()`: one record per answered request, in order (bounded to `max_records`).
    """

    def __init__(self, max_records: int = 100_000) -> None:
        self._lock = threading.Lock()
        self.max_records = max_records
        self.requests: Counter[int] = Counter()
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost = 0.0
        self.attempts: Counter[str] = Counter()
        self.notes: Counter[Any] = Counter()
        self.faults: Counter[str] = Counter()
        self._records: list[dict[str, Any]] = []

    def _attempt(self, prompt: str, admit: bool) -> int:
        """The attempt number of this prompt (0 for its first); counts it when admitted."""
        with self._lock:
            attempt = self.attempts[prompt]
            if admit:
                self.attempts[prompt] += 1
            return attempt

    def _status(self, status: int) -> None:
        with self._lock:
            self.requests[status] += 1

    def _answered(self, record: dict[str, Any], billed: tuple[int, int, float] | None) -> None:
        with self._lock:
            self.requests[record["status"]] += 1
            self.faults[record["fault"]] += 1
            if record["note_id"] is not None:
                self.notes[record["note_id"]] += 1
            if billed is not None:
                self.prompt_tokens += billed[0]
                self.completion_tokens += billed[1]
                self.cost += billed[2]
            if len(self._records) < self.max_records:
                self._records.append(record)

    @property
    def total_requests(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    @property
    def total_tokens(self) -> int:
        with self._lock:
            return self.prompt_tokens + self.completion_tokens

    def transcript(self) -> list[dict[str, Any]]:
        """Answered requests, in order: prompt_hash, attempt, note_id, status, fault, reason,
        correct, content, prompt_tokens, completion_tokens."""
        with self._lock:
            return [dict(r) for r in self._records]

    def snapshot(self) -> dict[str, Any]:
        """Everything above as plain JSON-ready data (the transcript excepted)."""
        with self._lock:
            return {
                "requests": {str(k): v for k, v in sorted(self.requests.items())},
                "total_requests": sum(self.requests.values()),
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "total_tokens": self.prompt_tokens + self.completion_tokens,
                "cost": self.cost,
                "attempts": dict(self.attempts),
                "notes": {str(k): v for k, v in self.notes.items()},
                "faults": dict(self.faults),
            }


class _Window:
    """Requests and tokens admitted over the last `window_s` seconds of `clock`."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.events: deque[tuple[float, int]] = deque()
        self.tokens = 0

    def _expire(self, now: float) -> None:
        while self.events and self.events[0][0] <= now - self.config.window_s:
            self.tokens -= self.events.popleft()[1]

    def wait(self, tokens: int, now: float) -> tuple[float, str, str] | None:
        """None if a request of `tokens` fits now; else (seconds to wait, limit type, message)."""
        c = self.config
        self._expire(now)
        if c.rpm is not None and len(self.events) >= c.rpm:
            wait = self.events[len(self.events) - c.rpm][0] + c.window_s - now
            used = len(self.events)
            msg = f"requests per min (RPM): Limit {c.rpm}, Used {used}, Requested 1"
            return wait, "requests", msg
        if c.tpm is not None and self.tokens + tokens > c.tpm:
            freed, wait = 0, c.window_s
            for at, spent in self.events:
                freed += spent
                if self.tokens - freed + tokens <= c.tpm:
                    wait = at + c.window_s - now
                    break
            msg = f"tokens per min (TPM): Limit {c.tpm}, Used {self.tokens}, Requested {tokens}"
            return wait, "tokens", msg
        return None

    def admit(self, tokens: int, now: float) -> None:
        self.events.append((now, tokens))
        self.tokens += tokens

    def remaining(self, now: float) -> tuple[int | None, int | None]:
        self._expire(now)
        c = self.config
        requests = None if c.rpm is None else max(c.rpm - len(self.events), 0)
        tokens = None if c.tpm is None else max(c.tpm - self.tokens, 0)
        return requests, tokens


# --- the app ---------------------------------------------------------------------------------


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None


class _ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["text", "json_object", "json_schema"]
    json_schema: dict[str, Any] | None = None


class _ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str = Field(min_length=1)
    messages: list[_Message] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    response_format: _ResponseFormat | None = None
    n: int = Field(default=1, ge=1, le=1)
    stream: bool = False


def _error(
    status: int,
    message: str,
    kind: str,
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
)


def _notes_index(notes_truth: pd.DataFrame) -> dict[str, _Note]:
    missing = {"text", "reason", "difficulty"} - set(notes_truth.columns)
    if missing:
        raise ValueError(
            f"notes_truth needs the columns text, reason, difficulty; missing {missing}"
        )
    ids = notes_truth["note_id"] if "note_id" in notes_truth.columns else notes_truth.index
    index: dict[str, _Note] = {}
    for note_id, text, reason, difficulty in zip(
        ids, notes_truth["text"], notes_truth["reason"], notes_truth["difficulty"], strict=True
    ):
        if not isinstance(text, str) or not text:
            raise ValueError(f"note {note_id!r}: text must be a non-empty string")
        if text in index:
            raise ValueError(f"note {note_id!r}: its text is not unique")
        if reason not in REASONS:
            raise ValueError(f"note {note_id!r}: reason {reason!r} is not one of {REASONS}")
        if not 0.0 <= float(difficulty) <= 1.0:
            raise ValueError(f"note {note_id!r}: difficulty {difficulty!r} is outside [0, 1]")
        note_id = note_id.item() if hasattr(note_id, "item") else note_id
        index[text] = _Note(note_id, text, str(reason), float(difficulty))
    return index


def _find(index: dict[str, _Note], content: str) -> _Note | None:
    """The known note quoted in `content`: the whole content, else the longest known text found
    in it as a substring (one note per prompt; the first of equally long ones)."""
    note = index.get(content) or index.get(content.strip())
    if note is not None:
        return note
    best: _Note | None = None
    for text, candidate in index.items():
        if (best is None or len(text) > len(best.text)) and text in content:
            best = candidate
    return best


def make_llm_app(
    notes_truth: pd.DataFrame, *, seed: int = 0, config: SimConfig | None = None
) -> FastAPI:
    """The simulated provider for these notes: `POST /v1/chat/completions`, `GET /v1/models`,
    and the simulator's own `GET /v1/_stats`; `app.state.stats` is its `SimStats`."""
    config = config or SimConfig()
    index = _notes_index(notes_truth)
    stats = SimStats()
    window = _Window(config)
    lock = threading.Lock()  # admission: the rate window and the attempt numbers

    app = FastAPI(title="Kestrel Pay's simulated LLM provider", docs_url=None, redoc_url=None)
    app.state.stats = stats
    app.state.config = config
    app.state.seed = seed

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kind = "invalid_request_error"
        return _error(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}", kind)

    def authorized(request: Request) -> bool:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and bool(key.strip())

    @app.get("/v1/models")
    async def models(request: Request) -> JSONResponse:
        if not authorized(request):
            return _error(401, _NO_KEY, "invalid_request_error")
        item = {"id": config.model, "object": "model", "created": 0, "owned_by": "coursedata"}
        return JSONResponse({"object": "list", "data": [item]})

    @app.get("/v1/_stats")
    async def stats_route() -> JSONResponse:
        return JSONResponse(stats.snapshot())

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        if not authorized(request):
            stats._status(401)
            return _error(401, _NO_KEY, "invalid_request_error")
        try:
            raw = json.loads(await request.body())
        except ValueError:
            stats._status(400)
            return _error(
                400, "We could not parse the JSON body of your request.", "invalid_request_error"
            )
        try:
            body = _ChatRequest.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            param = ".".join(str(p) for p in first["loc"])
            stats._status(400)
            return _error(
                400, f"{param}: {first['msg']}", "invalid_request_error", "invalid_value", param
            )
        if body.stream:
            stats._status(400)
            return _error(
                400,
                "stream: the simulator does not stream",
                "invalid_request_error",
                "invalid_value",
                "stream",
            )
        messages = [m.model_dump() for m in body.messages]
        users = [_text_of(m["content"]) for m in messages if m["role"] == "user"]
        asked = users[-1] if users else _text_of(messages[-1]["content"])
        note = _find(index, asked)
        text = note.text if note is not None else asked
        prompt = _prompt_hash(messages)
        prompt_tokens = count_prompt_tokens(messages)
        limit = body.max_completion_tokens or body.max_tokens

        with lock:
            attempt = stats._attempt(prompt, admit=False)
            answer = _answer(note, text, attempt, seed, config)
            content, finish = answer.content, answer.finish_reason
            if limit is not None and count_tokens(content) > limit:
                content, finish = content[: 4 * limit], "length"
            completion_tokens = count_tokens(content) if answer.status == 200 else 0
            tokens = prompt_tokens + completion_tokens
            if config.tpm is not None and tokens > config.tpm:
                stats._status(400)
                return _error(
                    400,
                    f"Request too large: {tokens} tokens, TPM limit {config.tpm}",
                    "invalid_request_error",
                    "request_too_large",
                )
            now = config.clock()
            wait = window.wait(tokens, now)
            if wait is None:
                window.admit(tokens, now)
                stats._attempt(prompt, admit=True)
            left_requests, left_tokens = window.remaining(now)
        headers = {}
        if config.rpm is not None:
            headers["x-ratelimit-limit-requests"] = str(config.rpm)
            headers["x-ratelimit-remaining-requests"] = str(left_requests)
        if config.tpm is not None:
            headers["x-ratelimit-limit-tokens"] = str(config.tpm)
            headers["x-ratelimit-remaining-tokens"] = str(left_tokens)
        if wait is not None:
            seconds, kind, message = wait
            seconds = max(seconds, 0.001)
            headers["retry-after"] = str(max(1, math.ceil(seconds)))
            headers["retry-after-ms"] = str(math.ceil(seconds * 1000))
            stats._status(429)
            message = f"Rate limit reached for {message}. Please try again in {seconds:.3f}s."
            return _error(429, message, kind, "rate_limit_exceeded", headers=headers)

        if answer.latency > 0:
            await asyncio.sleep(answer.latency)
        billed = None
        cost = (
            prompt_tokens * config.price_in_per_1k + completion_tokens * config.price_out_per_1k
        ) / 1000
        if answer.status == 200:
            billed = (prompt_tokens, completion_tokens, cost)
        stats._answered(
            {
                "prompt_hash": prompt,
                "attempt": attempt,
                "note_id": None if note is None else note.note_id,
                "status": answer.status,
                "fault": answer.fault,
                "reason": answer.reason,
                "correct": answer.correct,
                "content": content if answer.status == 200 else None,
                "prompt_tokens": prompt_tokens if billed else 0,
                "completion_tokens": completion_tokens,
            },
            billed,
        )
        if answer.status == 500:
            message = "The server had an error while processing your request. Sorry about that!"
            return _error(500, message, "server_error", headers=headers)
        if answer.status == 503:
            headers["retry-after"] = "1"
            message = "The engine is currently overloaded, please try again later."
            return _error(503, message, "server_error", "overloaded", headers=headers)
        ident = hashlib.blake2b(f"{seed}:{prompt}:{attempt}".encode(), digest_size=12).hexdigest()
        refused = answer.fault == "refusal"
        return JSONResponse(
            {
                "id": f"chatcmpl-{ident}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": content,
                            "refusal": content if refused else None,
                        },
                        "finish_reason": finish,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
            headers=headers,
        )

    return app


# --- serving ---------------------------------------------------------------------------------


@contextlib.contextmanager
def serving(app: FastAPI, timeout: float = 10.0) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in a thread of this process; yield
    its base URL ("http://127.0.0.1:<port>/v1"); stop it on exit. Every wait is bounded by
    `timeout` seconds; RuntimeError if the server does not start in time."""
    from coursekit.local_server import bound_port, uvicorn_thread

    with uvicorn_thread(app, lifespan="off", name="llm-sim-uvicorn", stop_timeout=timeout) as (
        server,
        thread,
    ):
        deadline = time.monotonic() + timeout
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not server.started:
            raise RuntimeError(f"the simulated LLM did not start within {timeout:g} s")
        yield f"http://127.0.0.1:{bound_port(server)}/v1"


@contextlib.contextmanager
def running(
    notes_truth: pd.DataFrame, *, seed: int = 0, config: SimConfig | None = None
) -> Iterator[str]:
    """`make_llm_app(notes_truth, seed=seed, config=config)` served on 127.0.0.1 (a free port)
    in a thread; yields its base URL ("http://127.0.0.1:<port>/v1") and stops it on exit. To
    read `app.state.stats` too, build the app yourself and use `serving(app)`."""
    with serving(make_llm_app(notes_truth, seed=seed, config=config)) as url:
        yield url
