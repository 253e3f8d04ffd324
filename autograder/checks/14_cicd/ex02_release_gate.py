"""Checks for 14_cicd/ex02_release_gate (see solutions/14_cicd/ex02_release_gate.py for the reference)."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograder.assertions import differential, expect_raises, fail

# ex02 · release_gate

CODES = (
    "metric_regression",
    "slice_missing",
    "slice_regression",
    "latency_over_budget",
    "size_over_budget",
    "validation_failed",
    "drift",
)
SUBJECT_CODES = ("slice_missing", "slice_regression", "drift")


def _inputs() -> dict[str, Any]:
    """A candidate that may ship: better than the champion everywhere, within every budget."""
    return {
        "candidate": {
            "average_precision": 0.81,
            "slices": {"channel=pos": 0.86, "channel=web": 0.76, "channel=mobile": 0.71},
            "latency_p99_ms": 110.0,
            "size_bytes": 3_900_000,
        },
        "champion": {
            "average_precision": 0.80,
            "slices": {"channel=pos": 0.85, "channel=web": 0.75, "channel=mobile": 0.70},
            "latency_p99_ms": 120.0,
            "size_bytes": 4_000_000,
        },
        "data_report": {
            "validation": {"passed": True, "failures": []},
            "psi": {"amount": 0.05, "hour": 0.02, "channel": 0.01},
        },
        "budgets": {
            "metric_tolerance": 0.01,
            "slice_tolerance": 0.02,
            "latency_p99_ms": 150.0,
            "size_bytes": 5_000_000,
            "psi_threshold": 0.2,
        },
    }


def _with(changes: Callable[[dict], None]) -> dict[str, Any]:
    inputs = _inputs()
    changes(inputs)
    return inputs


def _call(submission, inputs: dict[str, Any], where: str) -> Any:
    try:
        return submission.release_gate(
            inputs["candidate"], inputs["champion"], inputs["data_report"], inputs["budgets"]
        )
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(
            f"release_gate raised {type(exc).__name__}: {exc}, on {where}, where every input is "
            "valid and it should have returned a decision"
        )


def _reasons(decision: Any, where: str) -> tuple[bool, list[dict]]:
    """(passed, reasons) of a decision, failing on any departure from the Decision's shape."""
    if not isinstance(decision, dict):
        fail(
            f"release_gate returned a {type(decision).__name__}, on {where}: a Decision is a plain "
            'dict {"passed": bool, "reasons": [...]}, so that the pipeline can write it as JSON'
        )
    if sorted(decision) != ["passed", "reasons"]:
        fail(
            f"the decision has the keys {sorted(decision)}, expected ['passed', 'reasons'], on {where}"
        )
    passed, reasons = decision["passed"], decision["reasons"]
    if not isinstance(passed, bool):
        fail(f"decision['passed'] is {passed!r}, expected a bool, on {where}")
    if not isinstance(reasons, list):
        fail(f"decision['reasons'] is a {type(reasons).__name__}, expected a list, on {where}")
    for k, reason in enumerate(reasons):
        if not isinstance(reason, dict) or sorted(reason) != ["code", "message", "subject"]:
            fail(
                f"reason {k} is {reason!r:.200}, on {where}: each reason is a dict with exactly "
                "the keys 'code', 'subject' and 'message'"
            )
        if reason["code"] not in CODES:
            fail(
                f"reason {k} has the code {reason['code']!r}, not one of {list(CODES)}, on {where}"
            )
        wants_subject = reason["code"] in SUBJECT_CODES
        if wants_subject and not isinstance(reason["subject"], str):
            fail(
                f"a {reason['code']!r} reason has the subject {reason['subject']!r}, on {where}: "
                "it must be the slice's (or the feature's) name, a str"
            )
        if not wants_subject and reason["subject"] is not None:
            fail(
                f"a {reason['code']!r} reason has the subject {reason['subject']!r}, on {where}: "
                "only the slice and drift reasons have a subject; the others have None"
            )
    if passed != (not reasons):
        fail(
            f"decision['passed'] is {passed} with {len(reasons)} reason(s), on {where}: the gate "
            "passes exactly when there is no reason to block"
        )
    return passed, reasons


def _pairs(reasons: list[dict]) -> list[tuple[str, str | None]]:
    return [(r["code"], r["subject"]) for r in reasons]


def _expect(
    submission, inputs: dict[str, Any], expected: list[tuple[str, str | None]], where: str, why: str
) -> None:
    """The gate's reasons on `inputs` are `expected`, as (code, subject) pairs, in that order."""
    _, reasons = _reasons(_call(submission, inputs, where), where)
    got = _pairs(reasons)
    if got != expected:
        verdict = "pass" if not expected else "block"
        fail(
            f"on {where}, the gate's reasons are {got}, expected {expected} (the gate should "
            f"{verdict}): {why}"
        )


def _expect_value_error(submission, inputs: dict[str, Any], where: str) -> None:
    expect_raises(
        ValueError,
        submission.release_gate,
        inputs["candidate"],
        inputs["champion"],
        inputs["data_report"],
        inputs["budgets"],
        why=f"{where}, and everything else valid: a gate must refuse a malformed input rather "
        "than judge it (a NaN compares False with everything, so it would pass every rule)",
    )


def _set(path: tuple, value: Any) -> Callable[[dict], None]:
    """A change that sets inputs[path[0]][path[1]]... to `value`."""

    def change(inputs: dict) -> None:
        target = inputs
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path: tuple) -> Callable[[dict], None]:
    def change(inputs: dict) -> None:
        target = inputs
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


# --- generated cases, for the differential check ---------------------------------------------

SLICES = ["channel=atm", "channel=mobile", "channel=pos", "channel=web", "country=FR", "country=US"]
FEATURES = ["amount", "channel", "country", "hour", "merchant_category", "new_device"]
DELTAS = [-0.1, -0.05, -0.03, -0.02, -0.01, 0.0, 0.0, 0.01, 0.05]


def _generated(seed: int, n: int) -> dict[str, Any]:
    """Inputs near every boundary: metrics on a 0.01 grid (so drops equal tolerances), budgets
    met exactly, slices missing or new, PSI at the threshold."""
    rng = np.random.default_rng(seed)

    def metric() -> float:
        return round(float(rng.integers(30, 96)) / 100, 2)

    def near(value: float) -> float:
        return round(min(1.0, max(0.0, value + float(rng.choice(DELTAS)))), 2)

    champion_slices = {s: metric() for s in rng.choice(SLICES, size=n, replace=False).tolist()}
    candidate_slices = {s: near(v) for s, v in champion_slices.items() if rng.random() > 0.15}
    for s in SLICES:
        if s not in champion_slices and rng.random() < 0.2:
            candidate_slices[s] = metric()  # a new slice
    latency_budget = float(rng.choice([100.0, 150.0, 250.0]))
    size_budget = int(rng.choice([2_000_000, 5_000_000]))
    champion_ap = metric()
    passed = bool(rng.random() < 0.7)
    threshold = float(rng.choice([0.1, 0.2, 0.25]))
    psi_values = [0.0, 0.05, 0.1, 0.2, 0.25, 0.5]
    return {
        "candidate": {
            "average_precision": near(champion_ap),
            "slices": candidate_slices,
            "latency_p99_ms": latency_budget
            + float(rng.choice([-20.0, -0.5, 0.0, 0.0, 0.5, 30.0])),
            "size_bytes": size_budget + int(rng.choice([-1000, 0, 0, 1, 1000])),
        },
        "champion": {
            "average_precision": champion_ap,
            "slices": champion_slices,
            "latency_p99_ms": latency_budget + float(rng.choice([-30.0, 0.0, 40.0])),
            "size_bytes": size_budget + int(rng.choice([-5000, 0, 5000])),
        },
        "data_report": {
            "validation": {
                "passed": passed,
                "failures": [] if passed else ["amount: out of range", "channel: unknown category"],
            },
            "psi": {
                f: float(rng.choice(psi_values))
                for f in rng.choice(FEATURES, size=n, replace=False).tolist()
            },
        },
        "budgets": {
            "metric_tolerance": float(rng.choice([0.0, 0.01, 0.02, 0.05])),
            "slice_tolerance": float(rng.choice([0.0, 0.01, 0.03, 0.05])),
            "latency_p99_ms": latency_budget,
            "size_bytes": size_budget,
            "psi_threshold": threshold,
        },
    }


def _generated_cases() -> Iterator[tuple[str, Callable]]:
    for n in range(0, 7):
        for seed in range(12):
            inputs = _generated(1000 * n + seed, n)

            def run(fn, inputs=inputs):
                inputs = copy.deepcopy(inputs)
                return fn(
                    inputs["candidate"],
                    inputs["champion"],
                    inputs["data_report"],
                    inputs["budgets"],
                )

            yield f"the generated inputs {inputs}", run


def _compare(got: Any, expected: Any, where: str) -> None:
    _, reasons = _reasons(got, where)
    want = _pairs(expected["reasons"])
    if _pairs(reasons) != want:
        fail(f"the gate's reasons are {_pairs(reasons)}, expected {want}, {where}")


class TestReleaseGate:
    def test_all_clear_passes(self, submission):
        where = "a candidate better than the champion everywhere and within every budget"
        decision = _call(submission, _inputs(), where)
        passed, reasons = _reasons(decision, where)
        if not passed or reasons:
            fail(
                f"on {where}, the decision is {decision!r:.400}, expected "
                "{'passed': True, 'reasons': []}: a gate that blocks a good model is switched off "
                "by the team within a week"
            )

    def test_overall_regression_beyond_tolerance_blocks(self, submission):
        why = (
            "the overall average precision may drop below the champion's by metric_tolerance and "
            "no more (the slice tolerance is for the slices)"
        )
        drop = _with(_set(("candidate", "average_precision"), 0.70))
        _expect(submission, drop, [("metric_regression", None)], "an overall drop of 0.10", why)
        small = _with(_set(("candidate", "average_precision"), 0.795))
        _expect(submission, small, [], "an overall drop of 0.005, tolerance 0.01", why)

        def tolerances(metric: float, slices: float) -> Callable[[dict], None]:
            def change(inputs: dict) -> None:
                inputs["candidate"]["average_precision"] = 0.77  # a drop of 0.03
                inputs["budgets"]["metric_tolerance"] = metric
                inputs["budgets"]["slice_tolerance"] = slices

            return change

        _expect(
            submission,
            _with(tolerances(0.05, 0.0)),
            [],
            "an overall drop of 0.03, metric_tolerance 0.05, slice_tolerance 0",
            why,
        )
        _expect(
            submission,
            _with(tolerances(0.0, 0.05)),
            [("metric_regression", None)],
            "an overall drop of 0.03, metric_tolerance 0, slice_tolerance 0.05",
            why,
        )

    def test_any_slice_regression_blocks(self, submission):
        why = (
            "a model better on average can be much worse for one channel: every slice of the "
            "champion is compared, with slice_tolerance, and each one that drops further gives "
            "its own reason, in sorted name order, with the slice's name as subject"
        )
        one = _with(_set(("candidate", "slices", "channel=mobile"), 0.65))
        _expect(
            submission,
            one,
            [("slice_regression", "channel=mobile")],
            "an overall gain and a drop of 0.05 on channel=mobile (slice_tolerance 0.02)",
            why,
        )

        def two(inputs: dict) -> None:
            inputs["candidate"]["slices"]["channel=web"] = 0.60
            inputs["candidate"]["slices"]["channel=mobile"] = 0.60

        _expect(
            submission,
            _with(two),
            [("slice_regression", "channel=mobile"), ("slice_regression", "channel=web")],
            "drops on channel=web and channel=mobile",
            why,
        )

        def tolerances(metric: float, slices: float) -> Callable[[dict], None]:
            def change(inputs: dict) -> None:
                inputs["candidate"]["slices"]["channel=pos"] = 0.82  # a drop of 0.03
                inputs["budgets"]["metric_tolerance"] = metric
                inputs["budgets"]["slice_tolerance"] = slices

            return change

        _expect(
            submission,
            _with(tolerances(0.1, 0.01)),
            [("slice_regression", "channel=pos")],
            "a drop of 0.03 on channel=pos, metric_tolerance 0.1, slice_tolerance 0.01",
            why,
        )
        _expect(
            submission,
            _with(tolerances(0.0, 0.05)),
            [],
            "a drop of 0.03 on channel=pos, metric_tolerance 0, slice_tolerance 0.05",
            why,
        )

    def test_tie_and_drop_equal_to_tolerance_pass(self, submission):
        why = (
            "a drop equal to the tolerance is allowed and a tie is never a regression: compare "
            "champion - candidate > tolerance + EPS (EPS = 1e-9), which absorbs floating-point "
            "noise such as 0.80 - 0.78 = 0.020000000000000018"
        )

        def tie(inputs: dict) -> None:
            inputs["candidate"]["average_precision"] = 0.75
            inputs["champion"]["average_precision"] = 0.75
            inputs["candidate"]["slices"] = {"channel=pos": 0.5, "channel=web": 0.625}
            inputs["champion"]["slices"] = {"channel=pos": 0.5, "channel=web": 0.625}
            inputs["budgets"]["metric_tolerance"] = 0.0
            inputs["budgets"]["slice_tolerance"] = 0.0

        _expect(submission, _with(tie), [], "an exact tie everywhere, tolerances 0", why)

        def exact(inputs: dict) -> None:
            inputs["champion"]["average_precision"] = 0.75
            inputs["candidate"]["average_precision"] = 0.5
            inputs["champion"]["slices"] = {"channel=pos": 0.5}
            inputs["candidate"]["slices"] = {"channel=pos": 0.25}
            inputs["budgets"]["metric_tolerance"] = 0.25
            inputs["budgets"]["slice_tolerance"] = 0.25

        _expect(
            submission,
            _with(exact),
            [],
            "drops of exactly 0.25 (0.75 -> 0.5 overall, 0.5 -> 0.25 on a slice), tolerances 0.25",
            why,
        )

        def noisy(inputs: dict) -> None:
            inputs["champion"]["average_precision"] = 0.80
            inputs["candidate"]["average_precision"] = 0.78
            inputs["champion"]["slices"] = {"channel=pos": 0.93, "channel=web": 0.7}
            inputs["candidate"]["slices"] = {"channel=pos": 0.9, "channel=web": 0.69}
            inputs["budgets"]["metric_tolerance"] = 0.02
            inputs["budgets"]["slice_tolerance"] = 0.03

        _expect(
            submission,
            _with(noisy),
            [],
            "0.80 -> 0.78 overall with metric_tolerance 0.02, 0.93 -> 0.9 on channel=pos with "
            "slice_tolerance 0.03",
            why,
        )

        def beyond(inputs: dict) -> None:
            inputs["champion"]["average_precision"] = 0.75
            inputs["candidate"]["average_precision"] = 0.5 - 1e-5
            inputs["champion"]["slices"] = {"channel=pos": 0.5}
            inputs["candidate"]["slices"] = {"channel=pos": 0.25 - 1e-5}
            inputs["budgets"]["metric_tolerance"] = 0.25
            inputs["budgets"]["slice_tolerance"] = 0.25

        _expect(
            submission,
            _with(beyond),
            [("metric_regression", None), ("slice_regression", "channel=pos")],
            "drops of 0.25 + 1e-5, tolerances 0.25",
            "EPS absorbs floating-point noise, not a real drop beyond the tolerance",
        )

    def test_missing_slice_blocks(self, submission):
        why = (
            "a slice the champion has and the candidate lacks blocks with 'slice_missing' (a slice "
            "nobody measured is not a slice that passed); a slice only the candidate has is new "
            "and gives no reason"
        )
        gone = _with(_delete(("candidate", "slices", "channel=web")))
        _expect(
            submission,
            gone,
            [("slice_missing", "channel=web")],
            "a candidate without the champion's slice channel=web",
            why,
        )
        new = _with(_set(("candidate", "slices", "channel=atm"), 0.1))
        _expect(submission, new, [], "a candidate with a new slice channel=atm", why)
        none = _with(_set(("candidate", "slices"), {}))
        _expect(
            submission,
            none,
            [
                ("slice_missing", "channel=mobile"),
                ("slice_missing", "channel=pos"),
                ("slice_missing", "channel=web"),
            ],
            "a candidate with no slice metrics at all (the champion has three)",
            why,
        )

        def mixed(inputs: dict) -> None:
            inputs["candidate"]["slices"] = {"channel=mobile": 0.5, "channel=web": 0.76}

        _expect(
            submission,
            _with(mixed),
            [("slice_regression", "channel=mobile"), ("slice_missing", "channel=pos")],
            "a candidate worse on channel=mobile and without channel=pos",
            why + "; the slice reasons come in sorted slice-name order",
        )
        _expect(
            submission,
            _with(_set(("champion", "slices"), {})),
            [],
            "a champion with no slices (nothing to compare)",
            why,
        )

    def test_latency_budget(self, submission):
        why = (
            "the candidate's p99 latency above budgets['latency_p99_ms'] blocks, equal to it "
            "passes; the champion's latency is not judged"
        )
        cases = [
            (150.0, 120.0, [], "a candidate p99 latency of exactly the budget (150 ms)"),
            (150.5, 120.0, [("latency_over_budget", None)], "a candidate p99 of 150.5 ms"),
            (400.0, 120.0, [("latency_over_budget", None)], "a candidate p99 of 400 ms"),
            (140.0, 100.0, [], "a candidate slower than the champion but within budget"),
            (110.0, 900.0, [], "a champion over the budget (900 ms), a candidate within it"),
        ]
        for candidate, champion, expected, where in cases:

            def change(inputs: dict, candidate=candidate, champion=champion) -> None:
                inputs["candidate"]["latency_p99_ms"] = candidate
                inputs["champion"]["latency_p99_ms"] = champion

            _expect(submission, _with(change), expected, where + ", budget 150 ms", why)

    def test_size_budget(self, submission):
        why = (
            "the candidate's model file above budgets['size_bytes'] blocks, equal to it passes; "
            "the champion's size is not judged"
        )
        cases = [
            (5_000_000, 4_000_000, [], "a candidate of exactly the budget (5,000,000 bytes)"),
            (5_000_001, 4_000_000, [("size_over_budget", None)], "a candidate one byte over"),
            (4_500_000, 1_000, [], "a candidate larger than the champion but within budget"),
            (3_000, 9_000_000, [], "a champion over the budget, a candidate within it"),
        ]
        for candidate, champion, expected, where in cases:

            def change(inputs: dict, candidate=candidate, champion=champion) -> None:
                inputs["candidate"]["size_bytes"] = candidate
                inputs["champion"]["size_bytes"] = champion

            _expect(submission, _with(change), expected, where + ", budget 5,000,000", why)

    def test_failed_validation_blocks(self, submission):
        failures = ["amount: out of range", "channel: unknown category", "hour: wrong type"]
        failed = _with(_set(("data_report", "validation"), {"passed": False, "failures": failures}))
        _expect(
            submission,
            failed,
            [("validation_failed", None)],
            "a data report whose validation failed with three failures",
            "a model evaluated on a batch that failed validation has unknown quality; the "
            "failure gives one reason, however many failures it lists",
        )

    def test_drift_over_threshold_blocks(self, submission):
        why = (
            "each feature whose PSI is above psi_threshold gives its own 'drift' reason with the "
            "feature's name as subject, in sorted name order; a PSI equal to it passes"
        )
        psi = {"merchant_category": 0.1, "hour": 0.2, "channel": 0.21, "amount": 0.35}
        _expect(
            submission,
            _with(_set(("data_report", "psi"), psi)),
            [("drift", "amount"), ("drift", "channel")],
            f"PSI {psi} with psi_threshold 0.2",
            why,
        )

        def zero(inputs: dict) -> None:
            inputs["data_report"]["psi"] = {"amount": 0.0, "hour": 0.0}
            inputs["budgets"]["psi_threshold"] = 0.0

        _expect(submission, _with(zero), [], "PSI 0 everywhere with psi_threshold 0", why)
        _expect(
            submission,
            _with(_set(("data_report", "psi"), {})),
            [],
            "a data report with no PSI at all",
            why,
        )

    def test_every_reason_listed_in_order(self, submission):
        def everything(inputs: dict) -> None:
            inputs["candidate"] = {
                "average_precision": 0.6,
                "slices": {"channel=pos": 0.84, "channel=mobile": 0.5, "channel=atm": 0.9},
                "latency_p99_ms": 151.0,
                "size_bytes": 5_000_001,
            }
            inputs["data_report"] = {
                "validation": {"passed": False, "failures": ["amount: out of range"]},
                "psi": {"hour": 0.5, "amount": 0.3, "channel": 0.01},
            }

        _expect(
            submission,
            _with(everything),
            [
                ("metric_regression", None),
                ("slice_regression", "channel=mobile"),
                ("slice_missing", "channel=web"),
                ("latency_over_budget", None),
                ("size_over_budget", None),
                ("validation_failed", None),
                ("drift", "amount"),
                ("drift", "hour"),
            ],
            "a candidate that breaks every rule",
            "the gate lists every reason (never only the first), in the stated order: the "
            "overall metric, the champion's slices by sorted name, latency, size, validation, "
            "the drifting features by sorted name",
        )

    def test_reasons_are_readable(self, submission):
        def everything(inputs: dict) -> None:
            inputs["candidate"]["average_precision"] = 0.5
            inputs["candidate"]["slices"] = {"channel=pos": 0.1, "channel=web": 0.76}
            inputs["candidate"]["latency_p99_ms"] = 900.0
            inputs["candidate"]["size_bytes"] = 10**9
            inputs["data_report"] = {
                "validation": {"passed": False, "failures": ["amount: out of range"]},
                "psi": {"merchant_category": 0.9},
            }

        where = "a candidate that breaks every rule"
        _, reasons = _reasons(_call(submission, _with(everything), where), where)
        for reason in reasons:
            message = reason["message"]
            if not isinstance(message, str) or not message.strip():
                fail(
                    f"the {reason['code']!r} reason's message is {message!r}, on {where}: each "
                    "reason carries a sentence a person can act on"
                )
            if reason["subject"] is not None and reason["subject"] not in message:
                fail(
                    f"the {reason['code']!r} reason's message {message!r} does not name its "
                    f"subject {reason['subject']!r}: whoever reads the CI log needs to know which "
                    "slice or feature blocked the release"
                )

    def test_accepts_valid_boundaries(self, submission):
        why = (
            "numbers may be Python's or NumPy's (sklearn's metrics are numpy.float64), metrics "
            "may be exactly 0 or 1, budgets exactly 0, and 'slices' and 'psi' empty"
        )

        def numpy_numbers(inputs: dict) -> None:
            inputs["candidate"]["average_precision"] = np.float64(0.81)
            inputs["candidate"]["slices"]["channel=pos"] = np.float32(0.875)
            inputs["candidate"]["latency_p99_ms"] = np.float64(110.0)
            inputs["candidate"]["size_bytes"] = np.int64(3_900_000)
            inputs["budgets"]["size_bytes"] = np.int64(5_000_000)
            inputs["budgets"]["latency_p99_ms"] = 150  # an int
            inputs["data_report"]["psi"]["amount"] = np.float64(0.05)

        _expect(submission, _with(numpy_numbers), [], "NumPy scalars and ints as numbers", why)

        def extremes(inputs: dict) -> None:
            for side in ("candidate", "champion"):
                inputs[side] = {
                    "average_precision": 1,
                    "slices": {},
                    "latency_p99_ms": 0,
                    "size_bytes": 0,
                }
            inputs["champion"]["average_precision"] = 0.0
            inputs["data_report"]["psi"] = {}
            inputs["budgets"] = {
                "metric_tolerance": 0,
                "slice_tolerance": 0,
                "latency_p99_ms": 0,
                "size_bytes": 0,
                "psi_threshold": 0,
            }

        _expect(
            submission,
            _with(extremes),
            [],
            "average precisions 1 and 0.0, latency and size 0, every budget 0, no slices, no PSI",
            why,
        )

    def test_rejects_malformed_structure(self, submission):
        cases = [
            (_set(("candidate",), None), "candidate=None"),
            (_set(("budgets",), [0.01, 0.02, 150.0, 5_000_000, 0.2]), "budgets given as a list"),
            (_delete(("candidate", "slices")), "a candidate without 'slices'"),
            (_delete(("champion", "size_bytes")), "a champion without 'size_bytes'"),
            (_set(("candidate", "auc"), 0.9), "a candidate with an unknown key 'auc'"),
            (_delete(("budgets", "psi_threshold")), "budgets without 'psi_threshold'"),
            (_set(("budgets", "latency_budget"), 150.0), "budgets with an unknown key"),
            (_set(("data_report", "ks"), {}), "a data report with an unknown key 'ks'"),
            (_delete(("data_report", "psi")), "a data report without 'psi'"),
            (_delete(("data_report", "validation", "failures")), "a validation without failures"),
            (_set(("data_report", "validation", "rows"), 10), "a validation with an unknown key"),
            (_set(("candidate", "slices"), [0.86, 0.76, 0.71]), "a candidate's slices as a list"),
            (_set(("data_report", "psi"), [0.05, 0.02]), "a data report's psi as a list"),
            (_set(("champion", "slices", 3), 0.5), "a champion slice named 3 (not a str)"),
            (_set(("data_report", "psi", 7), 0.01), "a psi feature named 7 (not a str)"),
        ]
        for change, where in cases:
            _expect_value_error(submission, _with(change), where)

    def test_rejects_bad_numbers(self, submission):
        nan, inf = math.nan, math.inf
        cases = [
            (("candidate", "average_precision"), nan, "a candidate average precision of NaN"),
            (("champion", "average_precision"), nan, "a champion average precision of NaN"),
            (("candidate", "slices", "channel=web"), nan, "a candidate slice metric of NaN"),
            (("champion", "slices", "channel=pos"), nan, "a champion slice metric of NaN"),
            (("candidate", "average_precision"), 1.2, "an average precision of 1.2"),
            (("candidate", "slices", "channel=pos"), -0.1, "a slice metric of -0.1"),
            (("candidate", "average_precision"), "0.81", "an average precision given as a str"),
            (("candidate", "average_precision"), True, "an average precision of True (a bool)"),
            (("candidate", "latency_p99_ms"), -1.0, "a latency of -1 ms"),
            (("candidate", "latency_p99_ms"), nan, "a latency of NaN"),
            (("champion", "latency_p99_ms"), inf, "a champion latency of inf"),
            (("candidate", "size_bytes"), -5, "a size of -5 bytes"),
            (("candidate", "size_bytes"), None, "a size of None"),
            (("budgets", "metric_tolerance"), -0.01, "a negative metric_tolerance"),
            (("budgets", "slice_tolerance"), -0.02, "a negative slice_tolerance"),
            (("budgets", "latency_p99_ms"), -150.0, "a negative latency budget"),
            (("budgets", "size_bytes"), -1, "a negative size budget"),
            (("budgets", "psi_threshold"), -0.2, "a negative psi_threshold"),
            (("budgets", "psi_threshold"), nan, "a psi_threshold of NaN"),
            (("budgets", "metric_tolerance"), nan, "a metric_tolerance of NaN"),
            (("budgets", "latency_p99_ms"), inf, "a latency budget of inf"),
        ]
        for path, value, where in cases:
            _expect_value_error(submission, _with(_set(path, value)), where)

    def test_rejects_bad_data_report(self, submission):
        cases = [
            (("data_report", "psi", "amount"), math.nan, "a PSI of NaN"),
            (("data_report", "psi", "hour"), -0.1, "a negative PSI"),
            (("data_report", "psi", "hour"), "0.1", "a PSI given as a str"),
            (("data_report", "validation", "passed"), "yes", "validation 'passed' = 'yes'"),
            (("data_report", "validation", "passed"), 1, "validation 'passed' = 1 (not a bool)"),
            (
                ("data_report", "validation"),
                {"passed": True, "failures": ["amount: out of range"]},
                "a validation that passed with a failure (inconsistent)",
            ),
            (
                ("data_report", "validation"),
                {"passed": False, "failures": []},
                "a validation that failed with no failure (inconsistent)",
            ),
            (
                ("data_report", "validation"),
                {"passed": False, "failures": "amount: out of range"},
                "failures given as one str instead of a list",
            ),
            (
                ("data_report", "validation"),
                {"passed": False, "failures": [{"column": "amount"}]},
                "failures that are not strings",
            ),
            (("data_report", "validation"), None, "a validation of None"),
        ]
        for path, value, where in cases:
            _expect_value_error(submission, _with(_set(path, value)), where)

    def test_inputs_not_modified(self, submission):
        def everything(inputs: dict) -> None:
            inputs["candidate"]["average_precision"] = 0.5
            inputs["candidate"]["slices"] = {"channel=web": 0.1, "channel=new": 0.9}
            inputs["data_report"]["psi"] = {"hour": 0.5, "amount": 0.3}
            inputs["data_report"]["validation"] = {"passed": False, "failures": ["b", "a"]}

        inputs = _with(everything)
        before = copy.deepcopy(inputs)
        _call(submission, inputs, "a candidate that breaks several rules")
        for name in before:
            if inputs[name] != before[name] or list(inputs[name]) != list(before[name]):
                fail(
                    f"release_gate changed its input {name}: before {before[name]}, after "
                    f"{inputs[name]}; the pipeline writes these reports to its artifacts after "
                    "the gate, and they must say what was measured"
                )
        for side in ("candidate", "champion"):
            if list(inputs[side]["slices"]) != list(before[side]["slices"]):
                fail(f"release_gate reordered {side}['slices'] in place")

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.release_gate,
            reference.release_gate,
            _compare,
            "release_gate(candidate, champion, data_report, budgets)",
        )
