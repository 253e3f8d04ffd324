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
    # TODO: check the arguments; post each batch with retries; match scores by id
    raise NotImplementedError
