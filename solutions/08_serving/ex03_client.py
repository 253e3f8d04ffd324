"""Exercise 03 · A client that retries.

Docs: docs/lessons/08-serving.md#ex03-client (the site: `mkdocs serve`, then Lesson 08)

Another team's job scores its transactions through your service. The network drops a connection
now and then, a replica restarts and answers 503 for a second, a deploy makes a request time out:
a client that gives up at the first error fails the whole job, and a client that retries at once,
all together, hammers a service that is trying to come back. A client that retries a 422 sends the
same wrong body again and again. Write the client that does it right.

Write `score_remote(base_url, rows, *, client=None, batch_size=100, retries=3, timeout=5.0,
backoff=0.1, max_backoff=5.0, rng=None) -> list[float]`:

- `rows` is a list of transactions, each a dict with a `transaction_id` (an int) and the other
  fields of the service's schema (exercise 01). Send each row as it is: the service validates.
- Send the rows in batches of `batch_size`, in order (`rows[0:batch_size]`, then the next ones;
  the last batch may be shorter), one batch at a time, each as `POST {base_url}/predict/batch`
  with the JSON body `{"transactions": [...the batch's rows...]}`. `base_url` may end with a `/`
  and may have a path (`http://127.0.0.1:8000/`, `http://host/api/v2`): the URL is `base_url`
  without its trailing `/`, then `/predict/batch`.
- A 2xx answer's JSON body is `{"scores": [{"transaction_id": ..., "score": ...}, ...], ...}`
  (each item may hold more keys). Match each score to its row by `transaction_id`, never by
  position: the answer may list them in any order. An answer that does not hold exactly one score
  for each transaction of its batch (one missing, one unknown, one twice) raises ValueError, and
  is not retried.
- Return the scores as floats, one per row, in the order of `rows`. No rows: return `[]` and send
  nothing.
- Retry a batch when its request raises an `httpx.TransportError` (a refused connection, a
  timeout: `httpx.ConnectError`, `httpx.ReadTimeout`, ...) or the answer's status is 5xx. A batch
  is sent at most `retries + 1` times (`retries=2`: three attempts); every batch has its own
  `retries`. When the last attempt fails too, raise: the last `httpx.TransportError` as it is, or
  for a 5xx an `httpx.HTTPStatusError` as below.
- Never retry any other status (a 4xx: the request itself is wrong, and the same request gets the
  same answer): raise `httpx.HTTPStatusError` at once (its `request=` and `response=` the failed
  ones), with a message that holds the status code and the answer's body text (the server's
  explanation, such as which field was wrong). `response.raise_for_status()` loses that body.
- Before retry number k (k = 1, 2, ...; no wait before the first attempt, nor after the last),
  wait `rng.uniform(0, min(max_backoff, backoff * 2 ** (k - 1)))` seconds: exponential backoff
  with full jitter, so that many clients that failed together do not all come back together.
  When the failed answer has a `Retry-After` header in seconds (a number >= 0, such as `2` or
  `1.5`), wait `min(that, max_backoff)` instead (and draw nothing from `rng`); a `Retry-After`
  that is not such a number (an HTTP date) is ignored.
- Wait by calling this module's `sleep(seconds)` (the name defined below, never `time.sleep`
  directly): the checks replace it, to record the waits without waiting. `rng` is a
  `random.Random` (None: a new `random.Random()`); draw nothing else from it.
- Send every request with `timeout=timeout` seconds (the `timeout=` argument of `client.post`,
  so that it holds also on a client you were given, whose own default may be longer).
- `client`: an `httpx.Client` to send every request with; use it, never close it (the caller
  still needs it). None: create one `httpx.Client` for the whole call (its connections are reused
  from batch to batch), and close it before returning or raising.
- ValueError, before anything is sent, when: `batch_size` is not an int >= 1; `retries` is not an
  int >= 0; `timeout` is not a finite number > 0 (None included: a request without a timeout can
  wait forever); `backoff` or `max_backoff` is not a finite number >= 0; a row is not a dict with
  a `transaction_id`; two rows have the same `transaction_id`.
"""

from __future__ import annotations

import math
import random
import time

import httpx

sleep = time.sleep  # every wait goes through this name: the checks replace it


def score_remote(
    base_url,
    rows,
    *,
    client=None,
    batch_size=100,
    retries=3,
    timeout=5.0,
    backoff=0.1,
    max_backoff=5.0,
    rng=None,
) -> list[float]:
    """Score `rows` with the service at `base_url`, in batches, retrying what may succeed later;
    return their scores in the order of `rows`."""
    # BEGIN SOLUTION: check the arguments; post each batch with retries; match scores by id
    _check_arguments(batch_size, retries, timeout, backoff, max_backoff)
    rows = list(rows)
    ids = []
    for k, row in enumerate(rows):
        if not isinstance(row, dict) or "transaction_id" not in row:
            raise ValueError(f"row {k} is not a dict with a transaction_id: {row!r:.100}")
        ids.append(row["transaction_id"])
    if len(set(ids)) != len(ids):
        seen: set = set()
        twice = next(i for i in ids if i in seen or seen.add(i))
        raise ValueError(f"two rows have the transaction_id {twice!r}")
    if not rows:
        return []
    url = str(base_url).rstrip("/") + "/predict/batch"
    rng = random.Random() if rng is None else rng
    own = client is None
    if own:
        client = httpx.Client(timeout=timeout)
    try:
        scores: dict = {}
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            answer = _post(client, url, batch, retries, timeout, backoff, max_backoff, rng)
            scores.update(_scores_of(answer, batch))
    finally:
        if own:
            client.close()
    return [scores[i] for i in ids]


def _check_arguments(batch_size, retries, timeout, backoff, max_backoff) -> None:
    def is_int(x) -> bool:
        return isinstance(x, int) and not isinstance(x, bool)

    def is_number(x) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

    if not is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    if not is_int(retries) or retries < 0:
        raise ValueError(f"retries must be an int >= 0, got {retries!r}")
    if not is_number(timeout) or timeout <= 0:
        raise ValueError(f"timeout must be a finite number of seconds > 0, got {timeout!r}")
    for name, value in (("backoff", backoff), ("max_backoff", max_backoff)):
        if not is_number(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def _post(client, url, batch, retries, timeout, backoff, max_backoff, rng) -> dict:
    """The JSON answer to one batch, after at most `retries` retries."""
    attempts = retries + 1  # retries=2: three attempts
    for attempt in range(attempts):
        last = attempt == attempts - 1
        wait = None
        try:
            response = client.post(url, json={"transactions": batch}, timeout=timeout)
        except httpx.TransportError:
            if last:
                raise
        else:
            if response.is_success:
                return response.json()
            if not response.is_server_error or last:
                raise httpx.HTTPStatusError(
                    f"{response.status_code} {response.reason_phrase} from POST {url}: "
                    f"{response.text[:2000]}",
                    request=response.request,
                    response=response,
                )
            wait = _retry_after(response.headers.get("Retry-After"))
        if wait is None:
            wait = rng.uniform(0.0, min(max_backoff, backoff * 2.0 ** min(attempt, 60)))
        sleep(min(wait, max_backoff))
    raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header, or None when it is absent or not a number >= 0."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _scores_of(answer, batch: list[dict]) -> dict:
    """{transaction_id: score} from one batch's answer; ValueError unless one per row."""
    try:
        items = answer["scores"]
        got = {item["transaction_id"]: float(item["score"]) for item in items}
    except (TypeError, KeyError, ValueError) as exc:
        raise ValueError(
            f"the answer is not {{'scores': [{{transaction_id, score}}]}}: {exc}"
        ) from exc
    wanted = {row["transaction_id"] for row in batch}
    if len(items) != len(batch) or set(got) != wanted:
        missing = sorted(wanted - set(got), key=repr)[:5]
        unknown = sorted(set(got) - wanted, key=repr)[:5]
        raise ValueError(
            f"the answer holds {len(items)} scores for a batch of {len(batch)} "
            f"(missing ids {missing}, unknown ids {unknown})"
        )
    return got
    # END SOLUTION
