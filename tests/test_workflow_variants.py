"""Correct workflows laid out unlike the reference earn full marks on 14_cicd/ex03_workflow.

The checks of that exercise find each stage by the command it runs and simulate the workflow;
they must not expect the reference's jobs, names or mechanisms. tests/fixtures/workflows/ holds
correct answers with other layouts (one job per stage with artifacts, a job output and
docker/build-push-action; a single job with step conditions and a plain docker push), each
graded here the way instructors grade, sandboxed, through the lesson's checks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.manifest import COURSE_ROOT

pytestmark = pytest.mark.integration

EXERCISE = "14_cicd/ex03_workflow"
FIXTURES = sorted((COURSE_ROOT / "tests" / "fixtures" / "workflows").glob("*.yml"))
REFERENCE = COURSE_ROOT / "solutions" / "14_cicd" / ".github" / "workflows" / "ml.yml"


def _grade(workflow: Path, tmp_path: Path) -> dict:
    target = tmp_path / "submission" / "14_cicd" / ".github" / "workflows"
    target.mkdir(parents=True)
    shutil.copy(workflow, target / "ml.yml")
    command = ["grade", str(tmp_path / "submission"), "--format", "json"]
    done = subprocess.run(
        [sys.executable, "-m", "autograder", *command],
        capture_output=True,
        text=True,
        cwd=COURSE_ROOT,
        timeout=300,
    )
    report = json.loads(done.stdout)
    return next(e for e in report["exercises"] if e["id"] == EXERCISE)


def test_there_are_variants_unlike_the_reference() -> None:
    assert len(FIXTURES) >= 2
    reference = REFERENCE.read_text(encoding="utf-8")
    for fixture in FIXTURES:
        assert fixture.read_text(encoding="utf-8") not in reference


@pytest.mark.parametrize("workflow", FIXTURES, ids=lambda p: p.stem)
def test_a_correct_variant_earns_full_marks(workflow: Path, tmp_path: Path) -> None:
    result = _grade(workflow, tmp_path)
    failed = [f"{c['name']}: {c['message']}" for c in result["checks"] if c["status"] != "passed"]
    assert result["max_score"] > 0
    assert result["score"] == result["max_score"], "\n".join(failed)
