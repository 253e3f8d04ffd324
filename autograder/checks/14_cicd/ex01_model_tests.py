"""Checks for 14_cicd/ex01_model_tests (see solutions/14_cicd/ex01_model_tests.py for the reference)."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from autograder.assertions import fail

# ex01 · the learner writes the tests; the checks grade them by mutating the MODEL.
#
# Every check runs the learner's five test functions inside the learner's process
# (`submission.observe`), each called as `test(model, data)` with a model of
# coursekit/model_testing.py (the good ones, the broken ones) or one of this module's probes (a
# constant, a new random score on every call), and a fresh copy of the held-out data. It
# records, per test, whether it passed, failed (an AssertionError, pytest.fail), raised another
# error, was skipped or still raises NotImplementedError. A test that fails on a good model
# proves nothing when it fails on a broken one: a broken model (or a probe) counts as caught
# only by a test that passes on both good models.

TESTS = (
    "test_minimum_functionality",
    "test_invariance_country_case",
    "test_invariance_transaction_id",
    "test_directional_amount_new_device",
    "test_slice_performance",
)
GOOD = {"good": "the good model (a logistic regression)", "good_boosted": "the second good model"}
BROKEN = (
    "shuffled_labels",
    "ignores_amount",
    "leaked_chargeback",
    "inverted",
    "country_case",
    "uses_transaction_id",
    "pos_noise",
)
# Models that every correct version of a test must fail, per test (beyond the broken models).
PROBES = {
    "test_minimum_functionality": ("constant:0.0", "constant:1.0", "constant:0.45", "constant:0.5"),
    "test_invariance_country_case": ("random", "jitter"),
    "test_invariance_transaction_id": ("random", "jitter"),
    "test_directional_amount_new_device": ("constant:0.5", "random"),
    "test_slice_performance": ("constant:0.5", "random", "pos_noise"),
}
PROBE_WORDS = {
    "constant:0.0": "a model that scores every row 0.0 (flags nothing)",
    "constant:1.0": "a model that scores every row 1.0 (flags everything)",
    "constant:0.45": "a model that scores every row 0.45 (flags nothing, just below 0.5)",
    "constant:0.5": "a model that scores every row 0.5 (flags everything, exactly at 0.5)",
    "jitter": (
        "the good model with up to 1e-4 of noise added on every call (scores that are not "
        "equal to 1e-9)"
    ),
    "random": "a model that returns new random scores on every call",
    "pos_noise": "a model whose scores on the pos channel are noise (good on web and app)",
}


# --- run in the learner's process -----------------------------------------------------------


def _probe(spec: str):
    from coursekit import model_testing

    class Constant(model_testing.FraudModel):
        def __init__(self, value: float) -> None:
            self.name, self.value = "probe", value

        def score(self, rows):
            return np.full(len(rows), self.value, dtype=np.float64)

    class RandomEachCall(model_testing.FraudModel):
        def __init__(self) -> None:
            self.name, self.calls = "probe", 0

        def score(self, rows):
            self.calls += 1  # seeded by the call's number: the same draws in every grading
            return np.random.default_rng(1000 + self.calls).random(len(rows))

    class Jitter(model_testing.FraudModel):
        def __init__(self, good) -> None:
            self.name, self.good, self.calls = "probe", good, 0

        def score(self, rows):
            self.calls += 1
            noise = np.random.default_rng(2000 + self.calls).uniform(-1e-4, 1e-4, len(rows))
            return np.clip(self.good.score(rows) + noise, 0.0, 1.0)

    if spec.startswith("constant:"):
        return Constant(float(spec.split(":", 1)[1]))
    if spec == "random":
        return RandomEachCall()
    if spec == "jitter":
        return Jitter(model_testing.good_model())
    return model_testing.model(spec)


# (the learner file's text, model) -> results: the module is loaded afresh for every check, and
# the same file's tests on the same (deterministic) model give the same results.
_RESULTS: dict[tuple[str, str], dict] = {}


def _source(module) -> str:
    try:
        with open(module.__file__, encoding="utf-8") as f:
            return f.read()
    except (OSError, TypeError, AttributeError):
        return f"<no source: {id(module)}>"


def _outcome(test, model) -> tuple[str, str]:
    from coursekit import model_testing

    try:
        test(model, model_testing.data())
    except NotImplementedError:
        return "todo", ""
    except (KeyboardInterrupt, SystemExit):
        raise
    except AssertionError as exc:
        return "failed", f"AssertionError: {str(exc).strip()[:240]}"
    except pytest.fail.Exception as exc:
        return "failed", f"pytest.fail: {str(exc).strip()[:240]}"
    except pytest.skip.Exception as exc:
        return "skipped", str(exc).strip()[:240]
    except BaseException as exc:  # noqa: BLE001 - a test that raises fails under pytest too
        return "error", f"{type(exc).__name__}: {str(exc).strip()[:240]}"
    return "passed", ""


def _run(module, spec: str) -> dict[str, Any]:
    """{test name: (status, message)} of the learner's tests on the model `spec`; a test the
    module lacks (or that takes other arguments) is ("missing", why)."""
    key = (_source(module), spec)
    if key in _RESULTS and spec not in ("random", "jitter"):
        return _RESULTS[key]
    results: dict[str, Any] = {}
    model = _probe(spec)
    for name in TESTS:
        test = getattr(module, name, None)
        if not callable(test):
            results[name] = ("missing", f"the file defines no function {name}")
            continue
        try:
            params = list(inspect.signature(test).parameters)
        except (TypeError, ValueError):
            params = None
        if params is not None and params != ["model", "data"]:
            results[name] = ("missing", f"{name} takes {params}, not (model, data)")
            continue
        if spec in ("random", "jitter"):
            model = _probe(spec)  # every test starts the probe's draws afresh
        results[name] = _outcome(test, model)
    _RESULTS[key] = results
    return results


# --- in the grader's process ----------------------------------------------------------------


def _good(submission) -> dict[str, dict]:
    return {spec: submission.observe(_run, spec) for spec in GOOD}


def _all_todo(results: dict) -> None:
    """Not attempted while every test still raises NotImplementedError."""
    if all(status == "todo" for status, _ in results.values()):
        raise NotImplementedError("every test still raises NotImplementedError")


def _trusted(good: dict[str, dict]) -> list[str]:
    """The tests that pass on both good models: only their failures elsewhere count."""
    return [n for n in TESTS if all(good[spec][n][0] == "passed" for spec in GOOD)]


def _why_untrusted(good: dict[str, dict], name: str) -> str:
    for spec, words in GOOD.items():
        status, message = good[spec][name]
        if status != "passed":
            return f"{name} is {status} on {words}{': ' + message if message else ''}"
    return ""


def _catching(results: dict, trusted: list[str]) -> list[str]:
    return [n for n in trusted if results[n][0] in ("failed", "error")]


class TestGoodModels:
    @pytest.mark.parametrize("spec", list(GOOD))
    def test_every_test_passes_on_a_good_model(self, submission, spec):
        results = submission.observe(_run, spec)
        _all_todo(results)
        bad = {n: r for n, r in results.items() if r[0] != "passed"}
        if bad:
            lines = "; ".join(
                f"{n}: {status}{' (' + message + ')' if message else ''}"
                for n, (status, message) in bad.items()
            )
            fail(
                f"on {GOOD[spec]} every test should pass, but {lines}. A model test that fails "
                "on a good model blocks every release in CI (and teaches people to ignore it)"
                + (
                    "; the two good models give different scores: test behaviour, never one "
                    "model's exact numbers"
                    if spec == "good_boosted"
                    else ""
                )
            )


class TestCatchesBrokenModels:
    @pytest.mark.parametrize("broken", BROKEN)
    def test_a_broken_model_fails_a_test(self, submission, broken):
        from coursekit.model_testing import BROKEN as WHAT

        good = _good(submission)
        results = submission.observe(_run, broken)
        _all_todo(results)
        trusted = _trusted(good)
        if _catching(results, trusted):
            return
        passing_bad = [n for n in TESTS if n not in trusted]
        todo = [n for n, (status, _) in results.items() if status == "todo"]
        fail(
            f"the broken model {broken!r} ({WHAT[broken]}) passes every one of your tests that "
            "passes on the good models"
            + (
                f" (not counted: {'; '.join(_why_untrusted(good, n) for n in passing_bad)})"
                if passing_bad
                else ""
            )
            + (f"; still NotImplementedError: {', '.join(todo)}" if todo else "")
            + ". CI would ship this model: each broken model must make at least one test fail"
        )


class TestNotVacuous:
    @pytest.mark.parametrize("name", TESTS)
    def test_a_test_fails_on_a_model_that_lacks_the_behaviour(self, submission, name):
        good = _good(submission)
        status, message = good["good"][name]
        if status == "todo":
            raise NotImplementedError(f"{name} still raises NotImplementedError")
        if status == "missing":
            fail(f"{message}: the contract asks for {name}(model, data)")
        if name not in _trusted(good):
            fail(
                f"{_why_untrusted(good, name)}: a test must pass on the good models before its "
                "failures on other models mean anything"
            )
        for spec in PROBES[name]:
            result_status, _ = submission.observe(_run, spec)[name]
            if result_status not in ("failed", "error"):
                fail(
                    f"{name} {result_status} on {PROBE_WORDS[spec]}: it tests nothing that such "
                    "a model lacks. Check the behaviour itself (what is flagged, what stays "
                    "equal, which way the score moves, a floor above chance), not only shapes "
                    "or ranges, and with a tolerance that a real change exceeds"
                )
