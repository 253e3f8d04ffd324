"""promtool beside the graded checks: shared by the alert-rule exercises' integration tests
(lesson 10 ex03 in test_prometheus.py, the capstone's alerts in test_capstone_ship.py).

Each mutant of an alert-rules exercise must be caught by the graded structural checks (which run
without promtool), and promtool (`check rules`, then `test rules` on the exercise's unit-test
series) must agree, except on the mutants a test lists as blind: series that cannot tell them
apart, which the structural checks still catch.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.assertions import CheckFailure
from autograder.dev import Mutant, load_mutant
from autograder.manifest import COURSE_ROOT, load_course


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(
            f"{name} is not installed here (Debian package prometheus; .ci/run installs it)"
        )
    return path


def promtool(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("promtool"), *args], cwd=folder, capture_output=True, text=True, timeout=60
    )


def mutant_params(exercise: str) -> list:
    """The exercise's mutants as pytest params (mutant, its text), read at collection."""
    course = load_course()
    folder = COURSE_ROOT / "tests" / "mutants" / exercise
    return [
        pytest.param(mutant, mutant.source(course), id=mutant.name)
        for mutant in map(load_mutant, sorted(folder.glob("*.toml")))
    ]


def structural_failures(check_module: str, text: str) -> list[str]:
    """The graded checks of `check_module` (TestRulesFile, TestAlerts) that fail on `text`,
    run here without the grader."""
    checks = importlib.import_module(check_module)
    failed = []
    for cls in (checks.TestRulesFile, checks.TestAlerts):
        for name in dir(cls):
            if name.startswith("test_"):
                try:
                    getattr(cls(), name)(text)
                except CheckFailure:
                    failed.append(name)
    return failed


def assert_promtool_agrees(
    mutant: Mutant, text: str, folder: Path, check_module: str, blind: set[str]
) -> None:
    """`folder` holds the mutant's alerts.yml and the exercise's alerts_test.yml."""
    assert structural_failures(check_module, text), f"no structural check catches {mutant.name}"
    checked = promtool(folder, "check", "rules", "alerts.yml")
    tested = promtool(folder, "test", "rules", "alerts_test.yml")
    caught = checked.returncode != 0 or tested.returncode != 0
    if mutant.name in blind:
        assert not caught, (
            f"promtool now catches {mutant.name}: remove it from the blind list\n"
            f"{checked.stdout}{tested.stdout[-2000:]}"
        )
    else:
        assert caught, (
            f"promtool accepts {mutant.name} ({mutant.description}) and its unit tests pass"
        )
