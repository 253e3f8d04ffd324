"""Checks for 11_optimization/ex05_capacity (see solutions/11_optimization/ex05_capacity.py for the reference)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from autograder.assertions import differential, expect_raises, fail

# ex05 · capacity_plan

KEYS = [
    "peak_rps",
    "mean_rps",
    "cpu_cores",
    "concurrency",
    "instances",
    "cost_per_hour",
    "cost_per_million",
    "batch_cost_per_million",
    "break_even_rows_per_day",
]
WHY = {
    "peak_rps": "the largest rate in rps",
    "mean_rps": "the mean of the rates in rps",
    "cpu_cores": "peak * cpu_ms_per_request / 1000 (ms to seconds)",
    "concurrency": "Little's law: peak * p99_ms / 1000 (ms to seconds)",
    "instances": "max(1, ceil(cpu_cores / (vcpus * target_utilisation)), "
    "ceil(concurrency / (max_concurrency * target_utilisation))), sized for the PEAK",
    "cost_per_hour": "instances * price_per_hour",
    "cost_per_million": "cost_per_hour / (MEAN rps * 3600 seconds per hour) * 1e6",
    "batch_cost_per_million": "price_per_hour / vcpus / 3600 per vCPU-second, times "
    "cpu_ms_per_request / 1000 vCPU-seconds per prediction, times 1e6 (no headroom in batch)",
    "break_even_rows_per_day": "cost_per_hour * 24 / (batch_cost_per_million / 1e6)",
}


def _instance(vcpus=4, price_per_hour=0.20, target_utilisation=0.6, max_concurrency=16) -> dict:
    return {
        "vcpus": vcpus,
        "price_per_hour": price_per_hour,
        "target_utilisation": target_utilisation,
        "max_concurrency": max_concurrency,
    }


@dataclass
class Machine:
    """An instance type as a dataclass, with more fields than the plan needs."""

    name: str
    vcpus: float
    memory_gb: float
    price_per_hour: float
    target_utilisation: float
    max_concurrency: int


def _plan(submission, rps, p99_ms, cpu_ms, instance, where: str) -> dict:
    try:
        got = submission.capacity_plan(rps, p99_ms, cpu_ms, instance)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(
            f"capacity_plan raised {type(exc).__name__}: {str(exc)[:200]}, on {where}, where it "
            "should have returned the plan"
        )
    return _layout(got, where)


def _layout(got: Any, where: str) -> dict:
    if not isinstance(got, dict):
        fail(f"capacity_plan returned {type(got).__name__}, expected a dict, on {where}")
    if sorted(got) != sorted(KEYS):
        fail(f"the plan has the keys {sorted(got)}, expected exactly {sorted(KEYS)}, on {where}")
    n = got["instances"]
    if isinstance(n, bool) or not isinstance(n, int):
        fail(
            f"instances is {n!r} ({type(n).__name__}), expected a Python int: a number of "
            f"machines is whole (round UP with math.ceil, then int), on {where}"
        )
    for key in KEYS:
        value = got[key]
        if key != "instances" and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            fail(f"{key} is {value!r} ({type(value).__name__}), expected a float, on {where}")
    return got


def _expect(got: dict, want: dict, where: str, why: str = "") -> None:
    for key in KEYS:
        if key not in want:
            continue
        g, w = got[key], want[key]
        exact = key == "instances"
        same = g == w if exact else bool(np.isclose(float(g), w, rtol=1e-9, atol=0.0))
        if not same:
            fail(
                f"{key} is {g!r}, expected {w!r}, on {where}: {WHY[key]}"
                + (f"; {why}" if why else "")
            )


class TestCapacityPlan:
    def test_hand_computed_plan(self, submission):
        # Peak 600, mean 400 requests/s; 7.2 cores busy at the peak, 48 requests in flight.
        # 4 vCPUs at 60 %: 2.4 cores per instance, 3 instances for the CPU; 16 slots at 60 %:
        # 9.6 requests per instance, 5 instances for the concurrency. 5 instances at 0.20/h.
        where = "rps=[200, 400, 600, 400], p99_ms=80, cpu_ms_per_request=12, instance " + str(
            _instance()
        )
        got = _plan(submission, [200, 400, 600, 400], 80, 12, _instance(), where)
        _expect(
            got,
            {
                "peak_rps": 600.0,
                "mean_rps": 400.0,
                "cpu_cores": 7.2,
                "concurrency": 48.0,
                "instances": 5,
                "cost_per_hour": 1.0,
                "cost_per_million": 1.0 / (400 * 3600) * 1e6,
                "batch_cost_per_million": 0.20 / 4 / 3600 * 0.012 * 1e6,
                "break_even_rows_per_day": 24 / (0.20 / 4 / 3600 * 0.012),
            },
            where,
        )

    def test_cpu_bound_plan(self, submission):
        # 7.5 cores busy at the peak; 2 vCPUs at 75 % hold 1.5: 5 instances. Only 10 requests
        # in flight against 50 slots at 75 %: one instance would do for the concurrency.
        inst = _instance(vcpus=2, price_per_hour=0.10, target_utilisation=0.75, max_concurrency=50)
        where = f"rps=250, p99_ms=40, cpu_ms_per_request=30, instance {inst}"
        got = _plan(submission, 250, 40, 30, inst, where)
        _expect(
            got,
            {
                "peak_rps": 250.0,
                "mean_rps": 250.0,
                "cpu_cores": 7.5,
                "concurrency": 10.0,
                "instances": 5,
                "cost_per_hour": 0.5,
                "cost_per_million": 0.5 / (250 * 3600) * 1e6,
                "batch_cost_per_million": 0.10 / 2 / 3600 * 0.030 * 1e6,
                "break_even_rows_per_day": 5 * 2 * 86400 * 1000 / 30,
            },
            where,
        )

    def test_concurrency_bound_plan(self, submission):
        # 100 requests/s that wait 250 ms each: 25 in flight (Little's law), but only 1 core.
        # 10 slots at 50 % hold 5 requests: 5 instances, though 1 would do for the CPU.
        inst = _instance(vcpus=8, price_per_hour=1.0, target_utilisation=0.5, max_concurrency=10)
        where = f"rps=100, p99_ms=250, cpu_ms_per_request=10, instance {inst}"
        got = _plan(submission, 100, 250, 10, inst, where)
        _expect(
            got,
            {"cpu_cores": 1.0, "concurrency": 25.0, "instances": 5, "cost_per_hour": 5.0},
            where,
            "requests waiting on I/O hold a slot without using the CPU: size for both",
        )
        # max_concurrency=1 (one single-threaded worker) is allowed: >= 1. 10 requests/s of
        # 100 ms hold 1 in flight; 1 slot at 50 % holds 0.5: 2 instances.
        inst = _instance(vcpus=2, price_per_hour=0.1, target_utilisation=0.5, max_concurrency=1)
        where = f"rps=10, p99_ms=100, cpu_ms_per_request=1, instance {inst}"
        got = _plan(submission, 10, 100, 1, inst, where)
        _expect(
            got,
            {"concurrency": 1.0, "instances": 2},
            where,
            "max_concurrency=1 (one request at a time) is a valid instance: it is >= 1",
        )

    def test_sized_for_the_peak_billed_by_the_mean(self, submission):
        # One value per minute of an hour: 59 quiet minutes at 50/s and one at 650/s.
        rps = [50.0] * 30 + [650.0] + [50.0] * 29
        inst = _instance(vcpus=2, price_per_hour=0.10, target_utilisation=0.75, max_concurrency=50)
        where = f"rps = 59 minutes at 50/s and one at 650/s, p99_ms=40, cpu_ms=30, instance {inst}"
        got = _plan(submission, rps, 40, 30, inst, where)
        if got["instances"] == 2:
            fail(
                f"instances is 2 on {where}: that is the fleet for the MEAN rate (60/s). At the "
                "peak, 650/s need 19.5 cores: 13 instances of 1.5 usable cores. A fleet sized "
                "for the average drops the busiest minute's requests"
            )
        _expect(
            got, {"peak_rps": 650.0, "mean_rps": 60.0, "cpu_cores": 19.5, "instances": 13}, where
        )
        want = 13 * 0.10 / (60 * 3600) * 1e6
        if np.isclose(got["cost_per_million"], 13 * 0.10 / (650 * 3600) * 1e6, rtol=1e-9):
            fail(
                f"cost_per_million is {got['cost_per_million']!r} on {where}, the cost if every "
                f"minute were the peak; expected {want!r}: the fleet runs all hour and serves "
                "the MEAN rate, 60/s, so each prediction costs 10 times more"
            )
        _expect(got, {"cost_per_million": want}, where)

    def test_headroom_from_the_target_utilisation(self, submission):
        # 7.5 cores busy; 2 vCPUs per instance. At 50 %: 1 core each, 8 instances (7.5 -> 8).
        # At 99.9 %: 1.998 cores each, 4 instances.
        for u, want in ((0.5, 8), (0.75, 5), (0.999, 4)):
            inst = _instance(vcpus=2, price_per_hour=0.1, target_utilisation=u, max_concurrency=50)
            where = f"rps=250, p99_ms=40, cpu_ms=30 (7.5 cores at the peak), instance {inst}"
            got = _plan(submission, 250, 40, 30, inst, where)
            _expect(
                got,
                {"instances": want},
                where,
                f"each instance may use only {u:.1%} of its 2 vCPUs, the rest is headroom",
            )

    def test_rounds_up_to_whole_instances(self, submission):
        # 2.01 cores on 1 usable core per instance: 3 instances (2 would run above the target).
        inst = _instance(vcpus=2, price_per_hour=1.0, target_utilisation=0.5, max_concurrency=100)
        where = f"rps=201, p99_ms=10, cpu_ms=10 (2.01 cores at the peak), instance {inst}"
        got = _plan(submission, 201, 10, 10, inst, where)
        _expect(got, {"instances": 3, "cost_per_hour": 3.0}, where, "round UP: 2.01 is 3")
        # Exactly 3 instances' worth: 3, not 4.
        where = f"rps=300, p99_ms=10, cpu_ms=10 (exactly 3 cores at the peak), instance {inst}"
        got = _plan(submission, 300, 10, 10, inst, where)
        _expect(got, {"instances": 3}, where, "exactly 3.0 instances' worth needs 3, not 4")

    def test_whole_numbers_within_float_error(self, submission):
        # 300 * 7 / 1000 = 2.1 cores; 3 vCPUs at 70 % = 2.0999999999999996 usable: the quotient
        # is 1.0000000000000002 in floating point, and means exactly one instance.
        inst = _instance(vcpus=3, price_per_hour=1.0, target_utilisation=0.7, max_concurrency=100)
        where = f"rps=300, p99_ms=10, cpu_ms=7 (2.1 cores on 3 vCPUs at 70 %), instance {inst}"
        got = _plan(submission, 300, 10, 7, inst, where)
        _expect(
            got,
            {"instances": 1},
            where,
            "2.1 / (3 * 0.7) is exactly 1 instance; floating point gives 1.0000000000000002, and "
            "a bare ceil makes it 2: take a quotient within 1e-9 of a whole number as that number",
        )
        # 500000.00025 * 1 / 1000 = 500.00000025 cores on 1 vCPU at 50 %: a quotient of
        # 1000.0000005, 5e-7 above 1000: not within 1e-9 (absolute) of it, so 1001 instances.
        inst = _instance(vcpus=1, price_per_hour=1.0, target_utilisation=0.5, max_concurrency=100)
        where = f"rps=500000.00025, p99_ms=0.001, cpu_ms=1 (a quotient of 1000.0000005), {inst}"
        got = _plan(submission, 500000.00025, 0.001, 1, inst, where)
        _expect(
            got,
            {"instances": 1001},
            where,
            "1000.0000005 is 5e-7 above 1000, far more than 1e-9: round it UP; the tolerance is "
            "1e-9 in absolute terms, for float rounding only, not a looser or relative one",
        )

    def test_at_least_one_instance(self, submission):
        # A trickle: 0.2 requests/s use 0.001 core and hold 0.01 requests in flight.
        inst = _instance(vcpus=4, price_per_hour=0.5, target_utilisation=0.6, max_concurrency=8)
        for rps in (0.2, [0.0, 0.0, 0.3]):
            where = f"rps={rps}, p99_ms=50, cpu_ms=5, instance {inst}"
            got = _plan(submission, rps, 50, 5, inst, where)
            _expect(got, {"instances": 1}, where, "a service that is up runs on one instance")
        want = 0.5 / (0.1 * 3600) * 1e6
        _expect(got, {"mean_rps": 0.1, "cost_per_million": want}, where)
        # A trickle of 1e-8 requests/s: both quotients are within 1e-9 of 0, which the
        # tolerance reads as 0 instances: the max(1, ...) still keeps one.
        where = f"rps=1e-8, p99_ms=50, cpu_ms=5, instance {inst}"
        got = _plan(submission, 1e-8, 50, 5, inst, where)
        _expect(
            got,
            {"instances": 1},
            where,
            "both quotients are within 1e-9 of 0, so they count as 0: at least one instance, "
            "max(1, ...)",
        )

    def test_units(self, submission):
        # cpu 1000 ms = one vCPU-second: 3 requests/s keep 3 vCPUs busy. 4 vCPUs at 75 %: 1.
        inst = _instance(vcpus=4, price_per_hour=3.6, target_utilisation=0.75, max_concurrency=8)
        where = f"rps=3, p99_ms=1200, cpu_ms=1000, instance {inst}"
        got = _plan(submission, 3, 1200, 1000, inst, where)
        _expect(
            got,
            {"cpu_cores": 3.0, "concurrency": 3.6, "instances": 1},
            where,
            "cpu_ms_per_request and p99_ms are milliseconds: divide by 1000 for seconds",
        )
        # One instance at 3.60 per HOUR, serving one request per SECOND: 3600 predictions for
        # 3.60, so 1000.0 per million. A vCPU-second costs 3.6 / 4 / 3600 = 0.00025.
        inst = _instance(vcpus=1, price_per_hour=3.6, target_utilisation=0.5, max_concurrency=4)
        where = f"rps=1, p99_ms=200, cpu_ms=100, instance {inst}"
        got = _plan(submission, 1, 200, 100, inst, where)
        _expect(
            got,
            {
                "instances": 1,
                "cost_per_hour": 3.6,
                "cost_per_million": 1000.0,
                "batch_cost_per_million": 100.0,
                "break_even_rows_per_day": 864000.0,
            },
            where,
            "price_per_hour is per HOUR and rps per SECOND: an hour serves mean * 3600 requests",
        )

    def test_batch_cost_and_break_even(self, submission):
        # The batch job pays only its CPU time, at full use: 8 vCPUs at 0.80/h is 0.10 per
        # vCPU-hour; a million rows of 36 ms are 10 vCPU-hours: 1.00 per million. The fleet:
        # 7.2 cores on 4.8 usable per instance, 2 instances, 1.60 per hour, 38.40 per day:
        # 38.4 million batch rows a day for the same money.
        inst = _instance(vcpus=8, price_per_hour=0.8, target_utilisation=0.6, max_concurrency=64)
        where = f"rps=200, p99_ms=60, cpu_ms=36, instance {inst}"
        got = _plan(submission, 200, 60, 36, inst, where)
        _expect(
            got,
            {
                "cpu_cores": 7.2,
                "instances": 2,
                "cost_per_hour": 1.6,
                "batch_cost_per_million": 1.0,
                "break_even_rows_per_day": 38.4e6,
            },
            where,
            "a batch job has no latency objective and no headroom: it runs at full CPU and pays "
            "for the vCPU-seconds it uses",
        )

    def test_instance_as_an_object(self, submission):
        machine = Machine("c-8", 2, 16.0, 0.10, 0.75, 50)
        where = "rps=250, p99_ms=40, cpu_ms=30, instance Machine(...) (a dataclass)"
        got = _plan(submission, 250, 40, 30, machine, where)
        _expect(got, {"instances": 5, "cost_per_hour": 0.5}, where, "the same as the dict")
        space = SimpleNamespace(
            vcpus=2, price_per_hour=0.10, target_utilisation=0.75, max_concurrency=50
        )
        got = _plan(submission, 250, 40, 30, space, "instance as a SimpleNamespace")
        _expect(got, {"instances": 5}, "instance as a SimpleNamespace")
        extra = {**_instance(2, 0.10, 0.75, 50), "name": "c-8", "memory_gb": 16}
        got = _plan(submission, 250, 40, 30, extra, "a dict with extra keys name and memory_gb")
        _expect(got, {"instances": 5}, "a dict with extra keys name and memory_gb")

    def test_rps_in_every_form(self, submission):
        inst = _instance(vcpus=2, price_per_hour=0.10, target_utilisation=0.75, max_concurrency=50)
        forms = [
            (250, "the int 250"),
            (250.0, "the float 250.0"),
            (np.float64(250), "np.float64(250)"),
            (np.int64(250), "np.int64(250)"),
            ([250], "the list [250]"),
            ((100, 250, 175), "the tuple (100, 250, 175)"),
            (np.array([100.0, 250.0, 175.0]), "np.array([100., 250., 175.])"),
        ]
        for rps, what in forms:
            where = f"rps={what}, p99_ms=40, cpu_ms=30, instance {inst}"
            got = _plan(submission, rps, 40, 30, inst, where)
            mean = 175.0 if isinstance(rps, tuple | np.ndarray) else 250.0
            _expect(got, {"peak_rps": 250.0, "mean_rps": mean, "instances": 5}, where)

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.capacity_plan,
            reference.capacity_plan,
            lambda got, want, where: _expect(_layout(got, where), want, where),
            "capacity_plan(rps, p99_ms, cpu_ms_per_request, instance)",
        )

    def test_rejects_bad_input(self, submission):
        fn = submission.capacity_plan
        good = _instance()
        cases = [
            (([], 80, 12, good), "rps=[] (no traffic to plan for)"),
            (([[100, 200], [300, 400]], 80, 12, good), "rps of shape (2, 2) (not 1-D)"),
            (
                ([[100, 200, 300]], 80, 12, good),
                "rps of shape (1, 3) (not 1-D: raise, do not squeeze it)",
            ),
            (([100, -5, 200], 80, 12, good), "a negative rate in rps"),
            (([100, float("nan")], 80, 12, good), "a NaN rate in rps"),
            ((float("inf"), 80, 12, good), "rps=inf"),
            ((0, 80, 12, good), "rps=0 (nothing to serve: no cost per prediction)"),
            (([0, 0, 0], 80, 12, good), "rps=[0, 0, 0] (a peak of 0)"),
            ((100, 0, 12, good), "p99_ms=0"),
            ((100, -80, 12, good), "p99_ms=-80"),
            ((100, float("nan"), 12, good), "p99_ms=NaN"),
            ((100, float("inf"), 12, good), "p99_ms=inf (not finite)"),
            ((100, 80, 0, good), "cpu_ms_per_request=0"),
            ((100, 80, -1, good), "cpu_ms_per_request=-1"),
            ((100, 80, float("inf"), good), "cpu_ms_per_request=inf"),
        ]
        for field in ("vcpus", "price_per_hour", "target_utilisation", "max_concurrency"):
            lacking = {k: v for k, v in good.items() if k != field}
            cases.append(((100, 80, 12, lacking), f"an instance dict without {field!r}"))
        cases.append(
            (
                (100, 80, 12, SimpleNamespace(vcpus=4, price_per_hour=0.2, max_concurrency=16)),
                "an instance object without target_utilisation",
            )
        )
        for field, value, why in (
            ("vcpus", 0, "vcpus=0"),
            ("vcpus", -2, "vcpus=-2"),
            ("price_per_hour", 0, "price_per_hour=0"),
            ("price_per_hour", -0.2, "price_per_hour=-0.2"),
            ("price_per_hour", float("inf"), "price_per_hour=inf (not finite)"),
            ("vcpus", float("nan"), "vcpus=NaN (not finite)"),
            ("vcpus", float("inf"), "vcpus=inf (not finite)"),
            ("target_utilisation", 1.0, "target_utilisation=1.0 (no headroom at all)"),
            ("target_utilisation", 0.0, "target_utilisation=0.0"),
            ("target_utilisation", 80, "target_utilisation=80 (a percentage, not a fraction)"),
            ("target_utilisation", 1.2, "target_utilisation=1.2"),
            ("target_utilisation", -0.5, "target_utilisation=-0.5"),
            ("max_concurrency", 0, "max_concurrency=0"),
            ("max_concurrency", 0.5, "max_concurrency=0.5 (below one request in flight)"),
        ):
            cases.append(((100, 80, 12, {**good, field: value}), why))
        for args, why in cases:
            expect_raises(ValueError, fn, *args, why=why)


CATALOGUE = [
    ("small", 2, 0.085, 8),
    ("medium", 4, 0.17, 16),
    ("large", 16, 0.68, 64),
    ("half", 0.5, 0.021, 2),
]


def _generated_cases():
    """Seeded traffic, smallest first: a day of rates with a daily swell and a few spikes, a p99
    and a CPU time per request, on an instance type of the catalogue at a target utilisation."""
    for k, n in enumerate([1, 2, 5, 24, 60, 288, 1440]):
        rng = np.random.default_rng(1105 + k)
        base = rng.uniform(0.5, 400)
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        rates = base * (1 + 0.6 * np.sin(t - rng.uniform(0, 6)))
        rates[rng.integers(0, n, size=max(1, n // 100))] *= rng.uniform(1.5, 4)
        rates = np.round(rates, 3)
        p99 = float(np.round(rng.uniform(5, 400), 1))
        cpu = float(np.round(rng.uniform(0.2, min(p99, 80)), 2))
        name, vcpus, price, slots = CATALOGUE[k % len(CATALOGUE)]
        u = float(np.round(rng.uniform(0.3, 0.9), 2))
        inst = _instance(vcpus, price, u, slots)
        rps = rates if n > 1 else float(rates[0])
        where = (
            f"{n} rate(s) from {rates.min():.3f} to {rates.max():.3f}/s, p99_ms={p99}, "
            f"cpu_ms={cpu}, the {name!r} instance {inst}"
        )
        yield where, lambda fn, r=rps, p=p99, c=cpu, i=inst: fn(r, p, c, i)
