"""The capstone graded on an instructor's secret world: the reference still earns every point.

`MLGRADE_CAPSTONE_SEED` reaches the grader's checks and never the learner's process (see
`learner_process._child_main`). A check whose probe rebuilt the hidden world inside the learner's
process would build the default world instead, and disagree with the grader: this test grades the
reference, sandboxed as instructors grade, with a seed nobody uses elsewhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import stubs
from autograder.manifest import COURSE_ROOT, load_course

pytestmark = pytest.mark.integration


def test_the_reference_earns_full_marks_on_a_secret_world(tmp_path: Path) -> None:
    course = load_course()
    capstone = [ex for ex in course.exercises if ex.beside_lessons]
    stubs.write_solutions(course, tmp_path / "repo" / "lessons", capstone)
    report = tmp_path / "report.json"
    env = {**os.environ, "MLGRADE_CAPSTONE_SEED": "123456789"}
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(tmp_path / "repo"), "--format", "json"]
        + ["--output", str(report)],
        capture_output=True,
        text=True,
        cwd=COURSE_ROOT,
        env=env,
        timeout=600,
    )
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    results = {e["id"]: e for e in json.loads(report.read_text())["exercises"]}
    for ex in capstone:
        got = results[ex.id]
        assert got["score"] == got["max_score"], (
            f"{ex.id}: {got['score']}/{got['max_score']} on the secret world: "
            + "; ".join(
                f"{c['name']}: {c['message'][:200]}"
                for c in got["checks"]
                if c["status"] != "passed"
            )
        )
