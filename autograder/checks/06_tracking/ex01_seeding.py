"""Checks for 06_tracking/ex01_seeding (see solutions/06_tracking/ex01_seeding.py for the reference)."""

from __future__ import annotations

import importlib
import os
import random
import warnings
from typing import Any

import numpy as np
import pytest

from autograder.assertions import CheckFailure, expect_raises, fail

# ex01 · seed_everything
#
# The global generators live in the learner's process: what seeding did to them is read there,
# by the module-level functions below (through `submission.observe`). The values expected for a
# seed are computed here, from generators of our own made with that seed (random.Random(seed),
# np.random.RandomState(seed), np.random.default_rng(seed)): the same in every process.

LARGEST = 2**32 - 1

# The training script below fits scikit-learn's SGDClassifier in the learner's process. The
# library (about a second to import) is imported by this exercise's grading process, before the
# learner's process is forked from it (the autouse fixture runs before `submission`), not when the
# checks of every exercise are collected: that is done once, before any exercise is graded.
SKLEARN = "sklearn.linear_model"


@pytest.fixture(autouse=True)
def _sklearn() -> None:
    try:
        importlib.import_module(SKLEARN)
    except ImportError as exc:
        raise RuntimeError(
            f"the grader cannot import {SKLEARN} ({exc}): it is one of the course's pinned "
            "requirements; the grader is not installed completely"
        ) from exc


def _disturb(extra: int) -> None:
    """Draw from every global generator and change PYTHONHASHSEED, as earlier code would."""
    for _ in range(extra):
        random.random()
    np.random.random(extra)
    os.environ["PYTHONHASHSEED"] = "disturbed"


def _after_seeding(module: Any, seed: Any, extra: int) -> dict:
    """In the learner's process: draws from each global generator right after seeding."""
    _disturb(extra)
    module.seed_everything(seed)
    return {
        "random": [random.random() for _ in range(3)],
        "numpy": np.random.random(3).tolist(),
        "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED"),
    }


def _training_run(module: Any, seed: int, extra: int) -> dict:
    """In the learner's process: a small training script, seeded by the learner's function after
    `extra` draws from every generator. Each part reads one of the seeded sources."""
    _disturb(extra)
    rng = module.seed_everything(seed)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] - X[:, 1] + rng.normal(scale=0.7, size=80) > 0).astype(np.int64)
    order = np.random.permutation(80)  # NumPy's global generator
    held_out = sorted(random.sample(range(80), 16))  # Python's generator
    keep = np.setdiff1d(order, held_out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # random_state=None: scikit-learn draws its shuffling seed from NumPy's global generator
        sgd = importlib.import_module(SKLEARN).SGDClassifier
        model = sgd(max_iter=5, tol=None, random_state=None).fit(X[keep], y[keep])
    return {
        "the data drawn from the returned generator": X[:3].round(12).tolist(),
        "np.random.permutation": order.tolist(),
        "random.sample": held_out,
        "SGDClassifier(random_state=None) fitted": model.coef_.round(12).tolist(),
    }


def _rejected_seed(module: Any, bad: Any) -> dict:
    """In the learner's process: seed everything with 1234 ourselves, call the learner's function
    with a bad seed, then draw from each generator (unchanged generators draw as seeded 1234)."""
    random.seed(1234)
    np.random.seed(1234)
    os.environ["PYTHONHASHSEED"] = "1234"
    try:
        module.seed_everything(bad)
        outcome = "returned"
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the outcome is reported, whatever it is
        outcome = type(exc).__name__
    return {
        "outcome": outcome,
        "random": [random.random() for _ in range(3)],
        "numpy": np.random.random(3).tolist(),
        "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED"),
    }


def _observe(submission, fn, *args: Any, doing: str) -> Any:
    try:
        return submission.observe(fn, *args)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        fail(f"{doing} raised {type(exc).__name__}: {str(exc).strip()[:200]}; this seed is valid")


def _seed(submission, seed: Any) -> Any:
    try:
        return submission.seed_everything(seed)
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(
            f"seed_everything({seed!r}) raised {type(exc).__name__}: {str(exc).strip()[:200]}; "
            f"this seed is valid (an int from 0 to 2**32 - 1, or a NumPy integer)"
        )


def _draws(gen: Any, call: str) -> list[float]:
    """Four draws of `gen.random()`, after checking it is a NumPy Generator."""
    kind = type(gen).__name__
    if kind != "Generator":
        fail(
            f"{call} returned {'None' if gen is None else kind}, expected a numpy.random.Generator: "
            "return np.random.default_rng(seed) (not the legacy RandomState)"
        )
    try:
        out = gen.random(4)
    except Exception as exc:  # noqa: BLE001
        fail(f"{call}.random(4) raised {type(exc).__name__}: {exc}")
    return np.asarray(out, dtype=np.float64).tolist()


def _expected_draws(seed: int) -> list[float]:
    return np.random.default_rng(seed).random(4).tolist()


def _shown(seed: Any) -> str:
    return "2**32 - 1" if seed == LARGEST and type(seed) is int else repr(seed)


class TestSeedEverything:
    def test_returns_the_seeds_default_rng(self, submission):
        for seed in (0, 1, 42, 2024, LARGEST):
            call = f"seed_everything({_shown(seed)})"
            got = _draws(_seed(submission, seed), call)
            if got != _expected_draws(seed):
                fail(
                    f"{call} returned a generator whose first draws are {got}, but "
                    f"np.random.default_rng({_shown(seed)}) draws {_expected_draws(seed)}: return "
                    "np.random.default_rng(seed), made from this seed (not an unseeded "
                    "default_rng(), not a fixed seed, not a generator made earlier)"
                )

    def test_a_new_generator_on_each_call(self, submission):
        first = _seed(submission, 5)
        taken = _draws(first, "seed_everything(5)")
        other = _seed(submission, 6)
        _draws(other, "seed_everything(6)")
        second = _seed(submission, 5)
        if second is first:
            fail(
                "seed_everything(5) returned the same generator object twice: every call returns "
                "a new np.random.default_rng(seed), so the second run starts where the first did"
            )
        again = _draws(second, "seed_everything(5), called a second time")
        if again != taken or again != _expected_draws(5):
            fail(
                f"the first generator of seed_everything(5) drew {taken}, the one returned by a "
                f"later call drew {again}, and np.random.default_rng(5) draws "
                f"{_expected_draws(5)}: each call must return a new generator made from its seed, "
                "so that a second run repeats the first"
            )

    def test_numpy_integer_seeds(self, submission):
        for seed, plain in ((np.int64(11), 11), (np.uint32(LARGEST), LARGEST)):
            call = f"seed_everything({seed!r})"
            got = _draws(_seed(submission, seed), call)
            if got != _expected_draws(plain):
                fail(
                    f"{call} returned a generator drawing {got}, expected those of "
                    f"np.random.default_rng({_shown(plain)}): a NumPy integer is the same seed "
                    "as the plain int"
                )
            seen = _observe(submission, _after_seeding, seed, 2, doing=call)
            expected = random.Random(plain).random()
            if seen["random"][0] != expected:
                fail(
                    f"after {call}, random.random() gave {seen['random'][0]!r}, expected "
                    f"{expected!r} (as after random.seed({_shown(plain)})): seed Python's "
                    "generator with int(seed)"
                )

    def test_python_random_is_seeded(self, submission):
        for seed, extra in ((0, 3), (7, 1), (LARGEST, 5)):
            seen = _observe(
                submission, _after_seeding, seed, extra, doing=f"seed_everything({_shown(seed)})"
            )
            rnd = random.Random(seed)
            expected = [rnd.random() for _ in range(3)]
            if seen["random"] != expected:
                fail(
                    f"after seed_everything({_shown(seed)}), random.random() gave "
                    f"{seen['random']}, expected {expected} (what it gives after "
                    f"random.seed({_shown(seed)})): call random.seed(seed). Python's generator "
                    "feeds random.sample, random.shuffle and random.choice, and np.random.seed "
                    "does not reach it"
                )

    def test_numpy_global_generator_is_seeded(self, submission):
        for seed, extra in ((0, 2), (7, 4), (LARGEST, 1)):
            seen = _observe(
                submission, _after_seeding, seed, extra, doing=f"seed_everything({_shown(seed)})"
            )
            expected = np.random.RandomState(seed).random_sample(3).tolist()
            if seen["numpy"] != expected:
                fail(
                    f"after seed_everything({_shown(seed)}), np.random.random(3) gave "
                    f"{seen['numpy']}, expected {expected} (what it gives after "
                    f"np.random.seed({_shown(seed)})): call np.random.seed(seed). NumPy's global "
                    "generator feeds np.random.permutation and every scikit-learn estimator left "
                    "with random_state=None, and a Generator you create does not reach it"
                )

    def test_pythonhashseed_is_set(self, submission):
        for seed in (0, 77, LARGEST):
            seen = _observe(
                submission, _after_seeding, seed, 1, doing=f"seed_everything({_shown(seed)})"
            )
            if seen["PYTHONHASHSEED"] != str(seed):
                fail(
                    f"after seed_everything({_shown(seed)}), os.environ['PYTHONHASHSEED'] is "
                    f"{seen['PYTHONHASHSEED']!r}, expected {str(seed)!r}: set it to str(seed), so "
                    "that the worker processes started later hash strings the same way on every run"
                )

    def test_a_training_script_repeats(self, submission):
        first = _observe(submission, _training_run, 5, 2, doing="seed_everything(5)")
        second = _observe(submission, _training_run, 5, 9, doing="seed_everything(5)")
        for part, value in first.items():
            if second[part] != value:
                fail(
                    f"a small training script, seeded with seed_everything(5) and run twice in "
                    f"the same session, gave two different results for {part}: {value!r:.120} "
                    f"then {second[part]!r:.120}. Every source of randomness it reads must be "
                    "seeded: Python's random, NumPy's global generator (np.random.permutation, "
                    "and scikit-learn with random_state=None), and the returned Generator"
                )

    def test_two_seeds_give_two_runs(self, submission):
        five = _observe(submission, _training_run, 5, 3, doing="seed_everything(5)")
        six = _observe(submission, _training_run, 6, 3, doing="seed_everything(6)")
        for part, value in five.items():
            if six[part] == value:
                fail(
                    f"the same small training script seeded with seed_everything(5) and with "
                    f"seed_everything(6) gave the same {part}: {value!r:.120}. Each seed must "
                    "lead to its own random numbers: seed every generator from `seed` itself, "
                    "never from a fixed number"
                )

    def test_rejects_bad_seeds(self, submission):
        for bad, why in (
            (None, "None would seed from the operating system: a run nobody can repeat"),
            (True, "a bool is not a seed, although Python counts True as the int 1"),
            (np.True_, "a NumPy bool is not a seed"),
            (3.0, "a float is not an int seed"),
            ("7", "a string is not an int seed"),
        ):
            expect_raises(TypeError, submission.seed_everything, bad, why=why)
        for bad, why in (
            (-1, "seeds start at 0"),
            (2**32, "NumPy's global generator takes seeds up to 2**32 - 1"),
            (np.int64(-3), "seeds start at 0, for NumPy integers too"),
        ):
            expect_raises(ValueError, submission.seed_everything, bad, why=why)

    def test_a_rejected_seed_changes_nothing(self, submission):
        rnd = random.Random(1234)
        expected = {
            "random": [rnd.random() for _ in range(3)],
            "numpy": np.random.RandomState(1234).random_sample(3).tolist(),
        }
        for bad in (None, True, 3.0, "7", -1, 2**32):
            seen = submission.observe(_rejected_seed, bad)
            changed = [
                name
                for name, value in (
                    ("Python's random", seen["random"] != expected["random"]),
                    ("NumPy's global generator", seen["numpy"] != expected["numpy"]),
                    ("PYTHONHASHSEED", seen["PYTHONHASHSEED"] != "1234"),
                )
                if value
            ]
            if changed:
                did = "returned" if seen["outcome"] == "returned" else "raised " + seen["outcome"]
                fail(
                    f"seed_everything({bad!r}) {did}, but first changed {', '.join(changed)}: a rejected seed must change "
                    "nothing. Check the seed before you seed any generator"
                )
