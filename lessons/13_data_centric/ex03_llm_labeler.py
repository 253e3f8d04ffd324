"""Exercise 03 · Labelling with an LLM.

Docs: docs/lessons/13-data-centric.md#ex03-llm-labeler (the site: `mkdocs serve`, then Lesson 13)

Kestrel Pay has thousands of dispute notes and a gold reason for a fifth of them. A hosted LLM
can label the rest, one note per request, but it answers in JSON that does not always parse or
fit, it refuses now and then, it fails with 5xx and 429, and it bills every answer. Write the
labeler a team can leave running: it validates every answer, retries what is worth retrying,
never spends more tokens than it was given, and never pays twice for the same question.

Write `label_with_llm(notes, client, budget, cache, *, model="kestrel-sim-1", max_tokens=50,
max_invalid_retries=2, max_http_retries=4, sleep=time.sleep) -> DataFrame`:

- `notes` is a DataFrame with the columns `note_id` and `text` (any other column is ignored).
  `client` is an `httpx.Client` whose `base_url` is an OpenAI-compatible `.../v1` and which
  already carries the `Authorization` header: your code never reads, holds or logs a key. Send
  each request with `client.post("/chat/completions", json=body)` (the course's simulator,
  `coursedata.llm`, or any real provider).
- One request per note, in the notes' order; `body` is `{"model": model, "max_tokens":
  max_tokens, "messages": [...]}` (other fields such as `temperature` or `response_format` are
  allowed). The messages name every reason of `coursedata.REASONS` and give the JSON schema of
  the answer, `{"reason": <one of REASONS>, "confidence": <a number in [0, 1]>}` (pydantic's
  `model_json_schema()` writes it); the LAST user message quotes the note's `text` verbatim.
  Every attempt at a note sends the same body.
- Validate each 200 answer's `choices[0].message.content` with pydantic, as it comes (no
  stripping of code fences or prose): a JSON object whose `reason` is exactly one of REASONS and
  whose `confidence` is a JSON number (not a string, not a bool) in [0, 1]; other keys are
  ignored. A refusal, malformed JSON or an off-schema answer is invalid: send the same body
  again at once, at most `max_invalid_retries` times for that note, then give up on it: status
  `"invalid"`. An invalid answer is never a label.
- A 429 or any 5xx is retried, at most `max_http_retries` times per note (then status
  `"error"`), after `sleep(seconds)`: the response's `Retry-After` header (seconds, a number,
  maybe fractional: "2", "1.5") when it has one, else `0.5 * 2**k`, where k is the number of HTTP
  failures (429 and 5xx, not invalid answers) of this note before this one (0.5, 1, 2, ...); no
  wait after the last failure, when nothing is retried. The two retry counts are separate: an
  invalid answer uses up no HTTP retry, and a 429 or 5xx no invalid retry. Every wait goes
  through `sleep`; never call `time.sleep` yourself. Any other status (400, 401, ...) is a bug,
  not bad luck: raise `httpx.HTTPStatusError` (`response.raise_for_status()`) at once. httpx's
  own errors (a refused connection, a timeout) propagate.
- `budget` is a hard cap on the tokens billed by this call: the sum of `usage.total_tokens` of
  its 200 responses. Before EVERY request (first tries and retries), estimate its cost as
  `coursedata.llm.count_prompt_tokens(messages) + max_tokens` (the simulator's documented
  count, and the most the answer can cost); if the tokens spent so far plus the estimate exceed
  `budget`, send nothing more: that note and every later note not in the cache get status
  `"over_budget"`. So the budget is never exceeded, and spending stops only when it has to.
- `cache` is a dict-like (a `dict`, a `shelve`) that survives between calls. Its key is a
  string hash of the exact request body (e.g. sha256 of `json.dumps(body, sort_keys=True)`),
  so that another model, prompt or `max_tokens` is another key, and the same in every Python
  process (a shelve outlives the process; Python's `hash()` is salted per process). Before
  spending anything on a note, look its key up: a hit is served from the cache (status `"ok"`,
  0 attempts, 0 tokens), even once the budget is spent. After a valid answer, store
  `{"reason": ..., "confidence": ...}` under the key; nothing else is stored. A rerun with the
  same cache sends nothing.
- Returns a DataFrame with one row per note, in the notes' order, index 0..n-1, and the columns
  `note_id`, `reason` (a reason of REASONS, or `pd.NA` when the note got no label),
  `confidence` (a float; NaN without a label), `status` (`"ok"`, `"invalid"`, `"error"` or
  `"over_budget"`), `attempts` (requests sent for the note, every 429 and 5xx included) and
  `tokens` (the billed `usage.total_tokens` of its 200 responses, invalid answers included).
- `ValueError` when `notes` lacks `note_id` or `text`, or when `budget`, `max_tokens`,
  `max_invalid_retries` or `max_http_retries` is not an int (not a bool); `budget` and the
  retries must be >= 0, `max_tokens` >= 1.
"""

import hashlib
import json
import time
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coursedata import REASONS
from coursedata.llm import count_prompt_tokens

COLUMNS = ["note_id", "reason", "confidence", "status", "attempts", "tokens"]


def label_with_llm(
    notes,
    client,
    budget,
    cache,
    *,
    model="kestrel-sim-1",
    max_tokens=50,
    max_invalid_retries=2,
    max_http_retries=4,
    sleep=time.sleep,
) -> pd.DataFrame:
    """Label each note's dispute reason with the LLM behind `client`, within `budget` tokens."""

    # TODO: validate; per note: cache, budget estimate, request, retries, validation
    raise NotImplementedError
