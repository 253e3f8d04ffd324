"""Exercise 04 · Canary, shadow and rollback.

Docs: docs/lessons/14-cicd.md#ex04-rollout (the site: `mkdocs serve`, then Lesson 14)

A new model does not replace the old one in one step. First it runs in the shadow: it scores the
same requests as the live model, its answers are logged and never used, and a report says how
often the two decide alike. Then a canary: a few percent of the users are served by the new model,
always the same users, and after enough traffic its error ratio and its latency are compared with
the baseline's, to promote it or to roll it back. Three functions, one per step.

Write `canary_bucket(key, percent, salt) -> bool`: is this user in the canary?

- Every service that routes a request (in any process, on any machine, after any restart) must
  put the same user on the same side. So the bucket is a hash of the user's key, computed exactly
  this way: `digest = hashlib.sha256(f"{salt}:{key}".encode("utf-8")).digest()`; `value =
  int.from_bytes(digest[:8], "big")`, a number in [0, 2**64); the key is in the canary when
  `value < round(percent / 100 * 2**64)`. Never Python's `hash()`: it is salted per process.
- `key` (the user's id) and `salt` (the experiment's name) are `str`; `percent` is an int or a
  float (not a bool) from 0 to 100 inclusive, fractions allowed (0.5 means one key in 200).
  `percent=0` puts no key in the canary, `percent=100` every key.
- Consequences the checks test: the share of keys in the canary is `percent` % (within sampling
  noise, on 100,000 keys), also for fractional percents (so no `value % 100` and no bucketing on
  too few bits: that is modulo bias); raising the percent only adds keys (a key in at 5 % is in
  at 10 %); another salt gives another, independent split.
- ValueError when `key` or `salt` is not a `str`, or `percent` is not such a number (a bool, a
  string, NaN, an infinity, below 0, above 100).
- Returns a `bool`.

Write `shadow_report(live, shadow, threshold) -> dict`: how do the shadow model's scores compare
with the live model's?

- `live` and `shadow` are `pandas.Series` of scores in [0, 1], indexed by request id (the ids of
  one type, all `str` or all `int`). Their orders differ, and each may hold ids the other lacks
  (the shadow timed out, the log was cut). Pair them by request id, never by position.
- A request is flagged when its score is `>= threshold` (a score equal to the threshold is
  flagged); `threshold` is a number in [0, 1].
- Only the ids on both sides are compared. The dict's keys:
  - `n`: the number of ids on both sides;
  - `only_live`, `only_shadow`: the ids found only in `live`, only in `shadow` (lists, sorted
    ascending, as plain `str` or `int`), so that a gap in the shadow's log is seen;
  - `agreement`: the fraction of the `n` requests that both models decide alike (both flag it,
    or neither does);
  - `mean_delta`: the mean of `shadow - live` (is the new model higher or lower on average?);
  - `mean_abs_delta`, `max_abs_delta`: the mean and the largest of `|shadow - live|`;
  - `abs_delta_p50`, `abs_delta_p90`, `abs_delta_p99`: quantiles 0.5, 0.9 and 0.99 of
    `|shadow - live|`, as `numpy.quantile` gives them (its default, linear interpolation);
  - `flips_up`: the ids the shadow flags and the live model does not; `flips_down`: the ids the
    live model flags and the shadow does not (lists, sorted ascending, plain `str` or `int`).
  Numbers as Python floats (`n` an int).
- ValueError when `live` or `shadow` is not a `pandas.Series`, an id appears twice in one of
  them, a score is NaN or outside [0, 1], `threshold` is not a number in [0, 1] (NaN, a bool),
  or no id is on both sides. `live` and `shadow` are not modified.

Write `rollback_decision(canary, baseline, min_requests, *, alpha=0.05, latency_margin=0.2)
-> str`: `"wait"`, `"rollback"` or `"promote"`.

- `canary` and `baseline` are dicts with (at least) the keys `requests` (an int >= 0: requests
  served so far), `errors` (an int from 0 to `requests`: those that failed) and `p99_ms` (a
  finite number >= 0: the 99th percentile of their latency in milliseconds); other keys are
  ignored.
- `"wait"` while either side has served fewer than `min_requests` requests (exactly
  `min_requests` is enough): ten requests decide nothing. Otherwise:
- `"rollback"` when the canary's error ratio is higher than the baseline's by a one-sided
  two-proportion z-test at level `alpha`: with `p_c = errors_c / requests_c`, `p_b = errors_b /
  requests_b`, the pooled `p = (errors_c + errors_b) / (requests_c + requests_b)` and `se =
  sqrt(p * (1 - p) * (1 / requests_c + 1 / requests_b))`, the statistic `z = (p_c - p_b) / se`
  rolls back when `z > statistics.NormalDist().inv_cdf(1 - alpha)` (1.645 at alpha 0.05). When
  `se == 0` (no errors at all, or nothing but errors on both sides) the ratios are equal: no
  rollback on errors. Ratios, not counts: 40 errors in 1,000 requests is worse than 150 in 10,000.
- `"rollback"` also when the canary's p99 latency exceeds the baseline's by more than the margin:
  `canary p99_ms > baseline p99_ms * (1 + latency_margin)` (exactly at the margin is fine).
- `"promote"` otherwise.
- ValueError when a dict lacks one of the three keys or holds a value outside the ranges above
  (`requests` or `errors` a bool or a float, `p99_ms` NaN), `min_requests` is not an int >= 1,
  `alpha` is not a number strictly between 0 and 1, or `latency_margin` is not a finite
  number >= 0. The inputs are checked before anything is decided, also when the answer would be
  `"wait"`.
"""

from __future__ import annotations

import hashlib
import math
import numbers
from statistics import NormalDist

import numpy as np
import pandas as pd


def canary_bucket(key, percent, salt) -> bool:
    """True when `key` falls in the canary of `percent` % for the experiment `salt`."""
    # TODO: validate; hash f"{salt}:{key}" with sha256; compare its first 8 bytes
    raise NotImplementedError


def shadow_report(live, shadow, threshold) -> dict:
    """Agreement, score deltas and flipped decisions of `shadow` against `live`, paired by id."""
    # TODO: validate; pair by id (the index); compare the common ids
    raise NotImplementedError


def rollback_decision(canary, baseline, min_requests, *, alpha=0.05, latency_margin=0.2) -> str:
    """Decide "wait", "rollback" or "promote" for a canary against its baseline."""
    # TODO: validate; wait below min_requests; z-test the error ratios; compare p99s
    raise NotImplementedError
