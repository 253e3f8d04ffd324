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
    # BEGIN SOLUTION: read and validate the rates (peak and mean), the latencies and the instance's four fields
    rates = np.asarray(rps, dtype=np.float64)
    if rates.ndim > 1:
        raise ValueError(
            f"rps must be a number or a 1-D sequence of rates, got shape {rates.shape}"
        )
    rates = rates.reshape(-1)
    if rates.size == 0:
        raise ValueError("rps is empty: there is no traffic to plan for")
    if not np.isfinite(rates).all() or (rates < 0).any():
        raise ValueError("every rate in rps must be a finite number >= 0 (requests per second)")
    peak, mean = float(rates.max()), float(rates.mean())
    if peak <= 0:
        raise ValueError(
            "the peak of rps is 0: there is nothing to serve, and no cost per prediction"
        )
    p99_ms = _positive(p99_ms, "p99_ms")
    cpu_ms = _positive(cpu_ms_per_request, "cpu_ms_per_request")
    fields = {}
    for name in FIELDS:
        if isinstance(instance, Mapping):
            if name not in instance:
                raise ValueError(f"instance lacks {name!r} (it needs {', '.join(FIELDS)})")
            fields[name] = instance[name]
        else:
            if not hasattr(instance, name):
                raise ValueError(f"instance lacks {name!r} (it needs {', '.join(FIELDS)})")
            fields[name] = getattr(instance, name)
    vcpus = _positive(fields["vcpus"], "instance vcpus")
    price = _positive(fields["price_per_hour"], "instance price_per_hour")
    u = _positive(fields["target_utilisation"], "instance target_utilisation")
    if u >= 1:
        raise ValueError(
            f"target_utilisation must be a fraction strictly between 0 and 1, got {u}: at 1.0 "
            "there is no headroom (queues grow without bound), and 80 would be a percentage"
        )
    slots = _positive(fields["max_concurrency"], "instance max_concurrency")
    if slots < 1:
        raise ValueError(f"max_concurrency must be at least 1 request in flight, got {slots}")
    # END SOLUTION
    # BEGIN SOLUTION: cores and concurrency at the peak; instances (ceil, at least one); costs at the mean; batch cost and break-even
    cpu_cores = peak * cpu_ms / 1000.0
    concurrency = peak * p99_ms / 1000.0
    instances = max(
        1,
        _ceil(cpu_cores / (vcpus * u)),
        _ceil(concurrency / (slots * u)),
    )
    cost_per_hour = instances * price
    cost_per_million = cost_per_hour / (mean * 3600.0) * 1e6
    batch_cost_per_million = price / vcpus / 3600.0 * (cpu_ms / 1000.0) * 1e6
    break_even = cost_per_hour * 24.0 / (batch_cost_per_million / 1e6)
    return {
        "peak_rps": peak,
        "mean_rps": mean,
        "cpu_cores": float(cpu_cores),
        "concurrency": float(concurrency),
        "instances": int(instances),
        "cost_per_hour": float(cost_per_hour),
        "cost_per_million": float(cost_per_million),
        "batch_cost_per_million": float(batch_cost_per_million),
        "break_even_rows_per_day": float(break_even),
    }


def _ceil(x: float) -> int:
    """The smallest whole number >= x, taking a value within TOLERANCE of a whole number as it."""
    return math.ceil(x - TOLERANCE)


def _positive(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{what} must be a finite number > 0, got {value!r}")
    return number
    # END SOLUTION
