"""Exercise 05 · A capacity plan.

Docs: docs/lessons/11-optimization.md#ex05-capacity (the site: `mkdocs serve`, then Lesson 11)

A faster model is worth what it saves on the bill. How many instances does the service need for
its busiest minute, what does a million predictions then cost, and would a nightly batch job be
cheaper? Three numbers measured on this machine answer it: the peak request rate, the p99
latency of one request, and the CPU time one request takes.

Write `capacity_plan(rps, p99_ms, cpu_ms_per_request, instance) -> dict`.

Inputs:
- `rps`: the request rate in requests per SECOND: one real number, or the rates observed over a
  period, one per interval of equal length (a list, tuple or 1-D NumPy array, e.g. one value per
  minute of a day). The fleet is sized for the PEAK (the largest rate: the service must hold its
  busiest minute, not its average one); the bill is paid by the MEAN rate (the predictions
  actually served). For one number, peak and mean are that number.
- `p99_ms`: the 99th-percentile latency of one request, in MILLISECONDS.
- `cpu_ms_per_request`: the CPU time one request takes, in milliseconds of one vCPU.
- `instance`: the machine type, a dict, or any object with these attributes (a dataclass):
  `vcpus` (vCPUs per instance, a number > 0; 0.5 is a half-CPU container),
  `price_per_hour` (the price of ONE instance for one HOUR, > 0),
  `target_utilisation` (the share of an instance's capacity the plan may use at the peak, a
  fraction strictly between 0 and 1: the rest is headroom for bursts and a lost instance),
  `max_concurrency` (how many requests one instance holds in flight at once: workers times
  requests per worker, a number >= 1). Other keys or attributes are ignored.

Rules (peak and mean from `rps`; `u` the target utilisation):
- `cpu_cores = peak * cpu_ms_per_request / 1000`: the vCPUs kept busy at the peak.
- `concurrency = peak * p99_ms / 1000`: Little's law, requests in flight = arrival rate x time
  in the system, with the p99 as the time, so that the slow tail fits too.
- `instances`: the smallest whole number of instances that keeps both under the target, and at
  least one: `max(1, ceil(cpu_cores / (vcpus * u)), ceil(concurrency / (max_concurrency * u)))`.
  Round UP (2.01 instances is 3: two would run above the target). A quotient within 1e-9 of a
  whole number counts as that number (in floating point 2.1 / (3 * 0.7) is 1.0000000000000002,
  and means one instance).
- `cost_per_hour = instances * price_per_hour`.
- `cost_per_million = cost_per_hour / (mean * 3600) * 1e6`: the fleet runs all hour, sized for
  the peak, and serves `mean * 3600` predictions in it.
- `batch_cost_per_million`: the same predictions scored by a batch job on the same instance type,
  which pays only for the CPU time it uses, at full utilisation (no latency objective, no
  headroom): `price_per_hour / vcpus / 3600` per vCPU-second, times `cpu_ms_per_request / 1000`
  vCPU-seconds per prediction, times 1e6.
- `break_even_rows_per_day = cost_per_hour * 24 / (batch_cost_per_million / 1e6)`: the rows a
  nightly batch job could score each day for what the real-time fleet costs per day. Precomputing
  fewer rows than this (one score per customer, say) is cheaper in batch; scoring payments that
  do not exist yet cannot be done in batch at any price.
- Returns a dict with exactly these keys: `peak_rps`, `mean_rps`, `cpu_cores`, `concurrency`,
  `instances` (a Python `int`), `cost_per_hour`, `cost_per_million`, `batch_cost_per_million`,
  `break_even_rows_per_day` (Python `float`s).
- `ValueError`, saying what is wrong, when: `rps` is empty, not 1-D, holds a negative, NaN or
  infinite rate, or its peak is 0 (nothing to serve); `p99_ms` or `cpu_ms_per_request` is not a
  finite number > 0; `instance` lacks one of the four fields; `vcpus` or `price_per_hour` is not
  a finite number > 0; `target_utilisation` is not strictly between 0 and 1 (1.0 leaves no
  headroom: queues grow without bound as a server nears 100 % busy; 80 is a percentage, not a
  fraction); `max_concurrency` is below 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

FIELDS = ("vcpus", "price_per_hour", "target_utilisation", "max_concurrency")
TOLERANCE = 1e-9  # a quotient this close to a whole number is that number


def capacity_plan(rps, p99_ms, cpu_ms_per_request, instance) -> dict:
    # TODO: read and validate the rates (peak and mean), the latencies and the instance's four fields
    raise NotImplementedError
    # TODO: cores and concurrency at the peak; instances (ceil, at least one); costs at the mean; batch cost and break-even
    raise NotImplementedError
