"""Shared helpers for the repository's tests: grade through the real CLI, build and fingerprint targets.

`grade_json` runs `python -m autograder check ... --format json` in a subprocess, exactly the path
a learner or CI takes, and returns the parsed report. Targets are folders laid out like `lessons/`,
built in pytest's tmp_path from `solutions/` with one exercise file swapped.

Test modules get these through fixtures of the same names (`grade_json`, `tree_fingerprint`,
`swapped_target`), never `from conftest import ...`: with a second conftest.py in a subfolder,
the module called `conftest` is whichever pytest loaded last.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from autograder import stubs
from autograder.manifest import COURSE_ROOT, load_course

COURSE = load_course()


def grade_json(
    target: Path,
    selector: str | None = None,
    *extra_args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> dict:
    """Grade `target` with the real CLI and return its JSON report.

    `selector` is a lesson or exercise (None: everything); `extra_args` go to `mlgrade check`
    (e.g. "--time-limit", "2"). Exit 0 (all passed) and 1 (some not passed) are both normal;
    anything else means the grader itself broke, and fails the test with its stderr.
    """
    cmd = [sys.executable, "-m", "autograder", "check"]
    if selector:
        cmd.append(selector)
    cmd += ["--target", str(target), *extra_args, "--format", "json"]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, cwd=cwd or COURSE_ROOT, env=env, timeout=timeout
    )
    if proc.returncode not in (0, 1):
        pytest.fail(
            f"`{' '.join(cmd[2:])}` exited {proc.returncode}; stderr:\n{proc.stderr[-3000:]}"
        )
    try:
        return json.loads(proc.stdout)
    except ValueError:
        pytest.fail(
            f"`{' '.join(cmd[2:])}` printed no JSON report; stdout starts:\n{proc.stdout[:1000]}"
            f"\nstderr:\n{proc.stderr[-2000:]}"
        )


def build_target(
    dest: Path,
    lesson_id: str,
    replace: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> Path:
    """A folder laid out like lessons/ holding every solution of `lesson_id`.

    `replace` maps exercise ids of that lesson to the text their file gets instead of the solution;
    `extra` maps paths relative to `dest` to the text of additional files (e.g. a conftest.py).
    """
    replace = dict(replace or {})
    lesson = next(lesson for lesson in COURSE.lessons if lesson.id == lesson_id)
    for ex in lesson.exercises:
        out = dest / ex.relpath
        out.parent.mkdir(parents=True, exist_ok=True)
        text = replace.pop(ex.id, None)
        if text is None:
            shutil.copyfile(stubs.solution_path(COURSE, ex), out)
        else:
            out.write_text(text, encoding="utf-8")
    if replace:
        raise ValueError(f"not exercises of lesson {lesson_id}: {sorted(replace)}")
    for rel, text in (extra or {}).items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text, encoding="utf-8")
    return dest


def tree_fingerprint(root: Path) -> dict[str, str]:
    """sha256 of every file under `root` (and a marker per folder), keyed by relative path."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        found[rel] = "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def swapped_target(tmp_path: Path) -> Callable[..., Path]:
    """`swapped_target(exercise_id, text, extra=None)`: the exercise's lesson from solutions/,
    with that exercise's file replaced by `text` (and any `extra` files added)."""

    def make(exercise_id: str, text: str, extra: dict[str, str] | None = None) -> Path:
        lesson_id = COURSE.exercise(exercise_id).lesson_id
        return build_target(tmp_path / "target", lesson_id, {exercise_id: text}, extra)

    return make


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """A fresh folder for the grader's state (MLGRADE_STATE_DIR)."""
    return tmp_path / "state"


@pytest.fixture
def stub_target(tmp_path: Path) -> Path:
    """A folder laid out like lessons/, holding every freshly generated stub."""
    target = tmp_path / "lessons"
    stubs.write_stubs(COURSE, target)
    return target


@pytest.fixture(name="grade_json", scope="session")
def _grade_json_fixture() -> Callable[..., dict]:
    """The `grade_json` function above."""
    return grade_json


@pytest.fixture(name="tree_fingerprint", scope="session")
def _tree_fingerprint_fixture() -> Callable[[Path], dict[str, str]]:
    """The `tree_fingerprint` function above."""
    return tree_fingerprint
