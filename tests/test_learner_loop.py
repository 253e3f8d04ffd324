"""The learner's loop leads somewhere: short reports, the next step, one time limit per hang, and
the commands around it (list, compare, reset, verify of an untouched clone).

Real subprocesses of `python -m autograder`, on stubs written into pytest's tmp_path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import integrity, stubs
from autograder.manifest import COURSE_ROOT, load_course
from autograder.runner import Limits, grade

COURSE = load_course()
EX01, EX02 = COURSE.exercise("01_numpy/ex01_standardize"), COURSE.exercise("01_numpy/ex02_pairwise")


def mlgrade(*args: str, state: Path, cwd: Path = COURSE_ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLGRADE_STATE_DIR": str(state), "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=cwd,
    )


@pytest.fixture
def target(stub_target: Path) -> Path:
    return stub_target


def _solve(target: Path, ex) -> None:
    shutil.copy(stubs.solution_path(COURSE, ex), target / ex.relpath)


def _replace_todo(target: Path, ex, new: str, which: int = 0) -> None:
    """Replace the `which`-th `raise NotImplementedError` of the stub with `new` (indented)."""
    path = target / ex.relpath
    parts = path.read_text().split("raise NotImplementedError")
    parts[which] += new
    path.write_text(
        "".join(
            p if i == which else p + "raise NotImplementedError" for i, p in enumerate(parts[:-1])
        )
        + parts[-1]
    )


# --- short reports -------------------------------------------------------------------------------


def test_an_untouched_exercise_takes_one_line(state, target):
    lesson = mlgrade("check", "01", "--target", str(target), state=state)
    assert lesson.returncode == 1
    lines = lesson.stdout.splitlines()
    untouched = [line for line in lines if line.endswith("not attempted")]
    assert len(untouched) == 5, lesson.stdout
    assert "NotImplementedError" not in lesson.stdout
    assert len(lines) <= 12, f"{len(lines)} lines for five untouched exercises:\n{lesson.stdout}"

    everything = mlgrade("check", "--target", str(target), state=state)
    lines = everything.stdout.splitlines()
    assert sum(line.endswith("not attempted") for line in lines) == len(COURSE.exercises)
    assert len(lines) <= len(COURSE.exercises) + 8, everything.stdout


def test_an_untouched_stub_costs_nothing_and_a_touched_one_is_graded(state, target):
    """A file byte-identical to its stub is not attempted without its checks being loaded; the
    first edit, even a comment, makes it graded check by check."""
    out = target.parent / "report.json"
    proc = mlgrade(
        "check", "ex01_standardize", "--target", str(target), "--format", "json",
        "--output", str(out), state=state,
    )  # fmt: skip
    (ex,) = json.loads(out.read_text())["exercises"]
    assert [c["message"] for c in ex["checks"]] == [
        "not attempted: 01_numpy/ex01_standardize.py is still its stub"
    ], proc.stdout
    path = target / EX01.relpath
    path.write_text(path.read_text() + "# started\n")
    mlgrade(
        "check", "ex01_standardize", "--target", str(target), "--format", "json",
        "--output", str(out), state=state,
    )  # fmt: skip
    (ex,) = json.loads(out.read_text())["exercises"]
    assert len(ex["checks"]) > 1 and {c["status"] for c in ex["checks"]} == {"not_attempted"}
    assert not any("still its stub" in c["message"] for c in ex["checks"])


def test_a_syntax_error_is_said_once_with_its_file_and_line(state, target):
    (target / EX01.relpath).write_text("import numpy as np\n\ndef standardize(X:\n    return X\n")
    proc = mlgrade("check", "ex01_standardize", "--target", str(target), state=state)
    assert proc.returncode == 1
    assert proc.stdout.count("SyntaxError") == 1, proc.stdout
    assert re.search(r"ex01_standardize\.py, line 3", proc.stdout), proc.stdout
    assert re.search(r"! all \d+ checks", proc.stdout), proc.stdout


def test_sys_exit_at_import_is_reported_by_every_check_with_its_line(state, target, tmp_path):
    solution = stubs.strip_markers(stubs.solution_path(COURSE, EX01).read_text())
    (target / EX01.relpath).write_text(solution + "\nraise SystemExit\n")
    line = len(solution.splitlines()) + 2
    out = tmp_path / "report.json"
    proc = mlgrade(
        "check",
        "ex01_standardize",
        "--target",
        str(target),
        "--format",
        "json",
        "--output",
        str(out),
        state=state,
    )
    assert proc.returncode == 1, proc.stderr
    import json

    (ex,) = json.loads(out.read_text())["exercises"]
    for check in ex["checks"]:
        assert check["status"] == "error", check
        assert "SystemExit" in check["message"], check
        assert f"ex01_standardize.py, line {line}" in check["message"], check
        assert "AssertionError" not in check["message"], check


def test_a_repeated_message_is_not_printed_twice(state, target):
    ex = COURSE.exercise("01_numpy/ex03_softmax")
    path = target / ex.relpath
    text = path.read_text()
    # softmax done (from the solution's body), log_softmax still a stub: several checks share
    # the not-attempted message.
    head = text.split("raise NotImplementedError", 1)
    path.write_text(
        head[0] + "shifted = z - z.max(axis=axis, keepdims=True)\n"
        "    e = np.exp(shifted)\n    return e / e.sum(axis=axis, keepdims=True)" + head[1]
    )
    proc = mlgrade("check", "ex03_softmax", "--target", str(target), state=state)
    assert proc.stdout.count("still raises NotImplementedError") == 1, proc.stdout
    assert "(same as above)" in proc.stdout, proc.stdout


# --- one time limit per hanging exercise ---------------------------------------------------------


def _hanging(target: Path) -> None:
    path = target / EX02.relpath
    path.write_text(
        path.read_text().replace("raise NotImplementedError", "while True:\n        pass", 1)
    )


def test_a_learner_run_pays_one_time_limit_for_a_hanging_exercise(target):
    _hanging(target)
    limits = Limits(time_limit=1.0, stop_exercise_after_timeout=True)
    started = time.monotonic()
    (ex,) = grade(COURSE, target, [EX02], limits).exercises
    elapsed = time.monotonic() - started
    assert len(ex.checks) >= 4
    assert {c.status for c in ex.checks} == {"timeout"}
    assert "took longer than the 1 s limit" in ex.checks[0].message
    for check in ex.checks[1:]:
        assert check.message.startswith(f"not run: '{ex.checks[0].name}' already ran past"), check
    assert elapsed < 1.0 + 3.0, f"{elapsed:.1f} s for one hanging exercise"


def test_an_instructors_grade_gives_every_check_its_chance(target):
    _hanging(target)
    limits = Limits(time_limit=0.5)  # the default: stop_exercise_after_timeout=False
    started = time.monotonic()
    (ex,) = grade(COURSE, target, [EX02], limits).exercises
    elapsed = time.monotonic() - started
    assert all("took longer than the 0.5 s limit" in c.message for c in ex.checks), ex.checks
    assert elapsed >= 0.5 * len(ex.checks)


def test_mlgrade_check_stops_a_hanging_exercise_after_one_limit(state, target):
    _hanging(target)
    started = time.monotonic()
    proc = mlgrade(
        "check", "ex02_pairwise", "--target", str(target), "--time-limit", "1", state=state
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 1
    assert proc.stdout.count("took longer than the 1 s limit") == 1, proc.stdout
    assert "already ran past the 1 s limit" in proc.stdout
    assert elapsed < 1.0 + 8.0, f"{elapsed:.1f} s (start-up included)"


# --- the next step -------------------------------------------------------------------------------


def test_a_pass_names_the_next_unfinished_exercise(state, target):
    _solve(target, EX01)
    _solve(target, COURSE.exercise("01_numpy/ex03_softmax"))
    proc = mlgrade("check", "ex01_standardize", "--target", str(target), state=state)
    assert proc.returncode == 0, proc.stdout
    tail = proc.stdout.split("Score", 1)[1]
    assert f"Next: {target / EX02.relpath}" in tail, tail
    assert "mlgrade check ex02_pairwise" in tail
    assert "http://127.0.0.1:8000/lessons/01-numpy/#ex02-pairwise" in tail

    _solve(target, EX02)  # the next one after ex02 is ex04 (ex03 passes, once graded)
    mlgrade("check", "ex03_softmax", "--target", str(target), state=state)
    proc = mlgrade("check", "ex02_pairwise", "--target", str(target), state=state)
    assert "Next: " in proc.stdout and "ex04_minibatches.py" in proc.stdout.split("Next: ")[1]


def test_the_pointer_is_a_path_from_where_the_learner_stands(state, target):
    proc = mlgrade("status", "--target", "lessons", state=state, cwd=target.parent)
    assert proc.returncode == 0, proc.stderr
    assert "Start: lessons/01_numpy/ex01_standardize.py" in proc.stdout
    assert "docs/lessons/01-numpy.md" not in proc.stdout, "the site page, not the raw Markdown"
    assert (target.parent / "lessons/01_numpy/ex01_standardize.py").is_file()


def test_list_shows_done_partial_and_todo(state, target):
    _solve(target, EX01)
    _replace_todo(target, EX02, "return np.zeros((len(A), len(B)))\n    ")
    proc = mlgrade("list", "--target", str(target), state=state)
    assert proc.returncode == 0, proc.stderr
    status = {
        line.split()[1]: line.split()[0]
        for line in proc.stdout.splitlines()
        if line.startswith("  ")
    }
    assert status[EX01.id] == "done"
    assert status[EX02.id] == "partial"
    assert status["01_numpy/ex03_softmax"] == "todo"
    assert set(status) == {ex.id for ex in COURSE.exercises}


# --- compare ------------------------------------------------------------------------------------


def test_compare_waits_for_a_full_pass_then_diffs_against_the_reference(state, target):
    _replace_todo(target, EX02, "return np.zeros((len(A), len(B)))\n    ")
    refused = mlgrade("compare", "ex02_pairwise", "--target", str(target), state=state)
    assert refused.returncode == 1
    assert "not fully passed yet" in refused.stdout and "points are missing" in refused.stdout
    assert "---" not in refused.stdout and "+++" not in refused.stdout

    solution = stubs.solution_path(COURSE, EX01).read_text()
    mine = stubs.strip_markers(solution).replace("X.mean(axis=0)", "X.sum(axis=0) / len(X)", 1)
    assert mine != stubs.strip_markers(solution)
    (target / EX01.relpath).write_text(mine)
    shown = mlgrade("compare", "ex01_standardize", "--target", str(target), state=state)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "-    mean = X.sum(axis=0) / len(X)" in shown.stdout, shown.stdout
    assert "+    mean = X.mean(axis=0)" in shown.stdout
    assert "BEGIN SOLUTION" not in shown.stdout and "END SOLUTION" not in shown.stdout


# --- selectors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selector",
    [
        "lessons/01_numpy/ex01_standardize.py",
        "./lessons/01_numpy/ex01_standardize.py",
        "01_numpy/ex01_standardize.py",
        "01_numpy/ex01_standardize",
        "ex01_standardize",
        "ex01_standardize.py",
        "/home/learner/mastering-mle/lessons/01_numpy/ex01_standardize.py",
        "01_numpy/ex01",
    ],
)
def test_an_exercise_by_its_file_path_id_or_name(selector):
    assert COURSE.select(selector) == [EX01]


def test_a_lesson_folder_selects_its_exercises():
    assert COURSE.select("lessons/01_numpy/") == COURSE.select("01")
    assert COURSE.select("lessons") == COURSE.exercises


def test_an_ambiguous_name_lists_the_exercises_it_could_be(state):
    proc = mlgrade("check", "ex01", state=state)
    assert proc.returncode == 2
    numbered = [lesson for lesson in COURSE.lessons if lesson.exercises[0].stem.startswith("ex01")]
    assert len(numbered) >= 14
    for lesson in numbered:
        assert f"{lesson.id}/ex01" in proc.stderr, proc.stderr


# --- verify of an untouched clone -----------------------------------------------------------------


def _pristine_clone(dest: Path) -> Path:
    """What `git clone` gives: every tracked file, as the course ships it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=COURSE_ROOT, capture_output=True, check=True
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = COURSE_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / rel)
    return dest


def test_an_untouched_clone_verifies_clean_and_a_tampered_one_does_not(tmp_path):
    clone = _pristine_clone(tmp_path / "clone")
    assert (clone / "tests" / "conftest.py").is_file(), "the course ships tests/conftest.py"
    pristine = integrity.pristine_files(COURSE_ROOT)  # what `mlgrade dev sync` records
    assert "tests/conftest.py" in pristine
    verdict = integrity.verify(clone, pristine)
    assert verdict.clean, verdict

    (clone / "tests" / "conftest.py").write_text("import os\n")
    (clone / "lessons" / "conftest.py").write_text("import os\n")
    (clone / "tests" / "sitecustomize.py").write_text("import os\n")
    verdict = integrity.verify(clone, pristine)
    assert verdict.modified == ["tests/conftest.py"]
    assert sorted(verdict.suspicious) == ["lessons/conftest.py", "tests/sitecustomize.py"]


def test_mlgrade_verify_of_an_untouched_clone_exits_0(tmp_path):
    """Through the CLI, with the recorded autograder/pristine.json (kept current by dev sync)."""
    stale = sorted(
        rel
        for rel, digest in integrity.pristine_files(COURSE_ROOT).items()
        if integrity.load_pristine().get(rel) != digest
    )
    assert not stale, f"autograder/pristine.json is stale ({stale[:3]}): run `mlgrade dev sync`"
    clone = _pristine_clone(tmp_path / "clone")
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "verify", str(clone)],
        capture_output=True,
        text=True,
        cwd=COURSE_ROOT,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout
    assert "suspicious" not in proc.stdout
