"""The `mlgrade` command as a learner runs it: real subprocesses, real files, real exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from autograder import stubs
from autograder.exporters.json_report import SCHEMA_PATH
from autograder.manifest import COURSE_ROOT, load_course
from autograder.results import CheckResult, ExerciseResult

COURSE = load_course()


def mlgrade(*args: str, state: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLGRADE_STATE_DIR": str(state), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=COURSE_ROOT,
    )


def _solve(target: Path, exercise_id: str) -> None:
    ex = COURSE.exercise(exercise_id)
    shutil.copy(stubs.solution_path(COURSE, ex), target / ex.relpath)


def test_solutions_exit_0_and_report_validates(state, tmp_path):
    out = tmp_path / "report.json"
    proc = mlgrade(
        "check",
        "01",
        "--target",
        str(COURSE_ROOT / "solutions"),
        "--format",
        "json",
        "--output",
        str(out),
        state=state,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text()))
    assert report["schema_version"] == 1
    assert report["score"] == report["max_score"] > 0
    assert {e["status"] for e in report["exercises"]} == {"passed"}


def test_stubs_exit_1_not_attempted(state, stub_target):
    proc = mlgrade("check", "01", "--target", str(stub_target), "--format", "json", state=state)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)  # stdout holds the JSON alone
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text()))
    assert report["score"] == 0
    assert {c["status"] for e in report["exercises"] for c in e["checks"]} == {"not_attempted"}


def test_partial_progress_text_output(state, stub_target):
    _solve(stub_target, "01_numpy/ex03_softmax")
    proc = mlgrade("check", "01", "--target", str(stub_target), state=state)
    assert proc.returncode == 1
    assert "Score 10/50" in proc.stdout
    assert "1/5 exercises complete" in proc.stdout
    untouched = [line for line in proc.stdout.splitlines() if line.endswith("not attempted")]
    assert len(untouched) == 4, "one line per untouched exercise, whatever its number of checks"
    assert "ex01_standardize" in proc.stdout.split("Score")[-1], (
        "the next step names the first unfinished exercise"
    )


def test_missing_exercise_file_is_not_attempted(state, stub_target):
    (stub_target / "01_numpy" / "ex02_pairwise.py").unlink()
    proc = mlgrade(
        "check", "ex02_pairwise", "--target", str(stub_target), "--format", "json", state=state
    )
    assert proc.returncode == 1
    (ex,) = json.loads(proc.stdout)["exercises"]
    assert ex["status"] == "not_attempted"
    assert "is not in" in ex["checks"][0]["message"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "standardise"], "Did you mean"),
        (["check", "01", "--target", "/no/such/folder"], "does not exist"),
        (["check", "--format", "yaml"], "invalid choice"),
        (["check", "--time-limit", "-1"], "must be greater than 0"),
        (["hint", "01"], "is a lesson"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_a_sentence(state, args, message):
    proc = mlgrade(*args, state=state)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_hints_come_in_order_and_are_remembered_outside_lessons(state):
    ex = COURSE.exercise("01_numpy/ex02_pairwise")
    seen = []
    for _ in range(len(ex.hints) + 1):
        proc = mlgrade("hint", "ex02_pairwise", state=state)
        assert proc.returncode == 0
        seen.append(proc.stdout)
    for i, hint in enumerate(ex.hints):
        assert f"Hint {i + 1}/{len(ex.hints)}" in seen[i]
        assert hint[:40] in " ".join(seen[i].split())
    assert "All 3 hints" in seen[-1]
    assert json.loads((state / "hints.json").read_text()) == {ex.id: len(ex.hints)}


def test_reset_backs_up_then_restores_the_stub(state, stub_target):
    ex = COURSE.exercise("01_numpy/ex01_standardize")
    path = stub_target / ex.relpath
    path.write_text("# my work in progress\n")
    path.chmod(0o664)
    proc = mlgrade("reset", "ex01_standardize", "--target", str(stub_target), state=state)
    assert proc.returncode == 0, proc.stderr
    assert path.read_text() == stubs.stub_text(COURSE, ex)
    assert path.stat().st_mode & 0o777 == 0o664, "the restored stub keeps the file's mode"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(path.name + ".")], (
        "no backup beside the file, where git would see it"
    )
    backups = list((state / "backups" / "01_numpy").glob("ex01_standardize.*.py"))
    assert len(backups) == 1 and backups[0].read_text() == "# my work in progress\n"
    assert str(backups[0]) in proc.stdout, "the message says where the backup is"
    path.write_text("# second attempt\n")
    assert (
        mlgrade("reset", "ex01_standardize", "--target", str(stub_target), state=state).returncode
        == 0
    )
    assert len(list(backups[0].parent.glob("ex01_standardize.*.py"))) == 2, (
        "a second reset keeps both backups"
    )
    path.unlink()
    assert (
        mlgrade("reset", "ex01_standardize", "--target", str(stub_target), state=state).returncode
        == 0
    )
    assert path.stat().st_mode & 0o777 == 0o644, "a file that was missing comes back as 0644"


def test_status_shows_progress_and_next_exercise(state, stub_target):
    _solve(stub_target, "01_numpy/ex01_standardize")
    proc = mlgrade("status", "--target", str(stub_target), state=state)
    assert proc.returncode == 0, proc.stderr
    assert "NumPy for ML" in proc.stdout and "1/5" in proc.stdout and "10/50" in proc.stdout
    assert f"Start: {stub_target / '01_numpy' / 'ex02_pairwise.py'}" in proc.stdout
    assert "http://127.0.0.1:8000/lessons/01-numpy/#ex02-pairwise" in proc.stdout
    total = sum(ex.points for ex in COURSE.exercises)
    assert f"10/{total:g}" in proc.stdout.split("Total")[1], "the status view shows the total"
    cache = json.loads((state / "results.json").read_text())["targets"][str(stub_target)]
    assert cache["01_numpy/ex01_standardize"]["result"]["status"] == "passed"
    # a second run reuses the cached grade: same answer
    again = mlgrade("status", "--target", str(stub_target), state=state)
    assert "1/5" in again.stdout


def _read_until(proc: subprocess.Popen, marker: str, seconds: float = 60) -> str:
    """What `proc` printed up to the line that holds `marker`, then the two pointer lines."""
    deadline = time.monotonic() + seconds
    seen = ""
    while time.monotonic() < deadline and marker not in seen:
        seen += proc.stdout.readline()
    assert marker in seen, seen
    return seen


def test_watch_grades_at_start_regrades_the_saved_exercise_and_moves_on(state, stub_target):
    _solve(stub_target, "01_numpy/ex01_standardize")
    env = {**os.environ, "MLGRADE_STATE_DIR": str(state), "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder", "watch", "01", "--target", str(stub_target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert "Watching" in proc.stdout.readline()
        start = _read_until(proc, "  check  mlgrade check")
        # ex01 passes: the watch starts at the first unfinished exercise, graded at once
        assert "ex02_pairwise" in start and "Start: " in start, start
        assert "ex01_standardize" not in start, start
        time.sleep(1.0)  # let the watcher start before the save
        _solve(stub_target, "01_numpy/ex02_pairwise")
        seen = _read_until(proc, "  check  mlgrade check")
        assert "ex02_pairwise" in seen and "Score 10/10" in seen, seen
        assert "ex01_standardize" not in seen, "only the saved exercise is regraded"
        assert f"Next: {stub_target / '01_numpy' / 'ex03_softmax.py'}" in seen, (
            "after a pass, the watch moves on to the next unfinished exercise"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_exercise_status_is_passed_only_with_full_points():
    full = ExerciseResult(
        "01_numpy/ex01_x", "t", 10, [CheckResult("a", "passed"), CheckResult("b", "passed")]
    )
    half = ExerciseResult(
        "01_numpy/ex01_x", "t", 10, [CheckResult("a", "passed"), CheckResult("b", "failed")]
    )
    partial = ExerciseResult(
        "01_numpy/ex01_x", "t", 10, [CheckResult("a", "passed"), CheckResult("b", "not_attempted")]
    )
    none = ExerciseResult("01_numpy/ex01_x", "t", 10, [CheckResult("a", "not_attempted")])
    crashed = ExerciseResult(
        "01_numpy/ex01_x", "t", 10, [CheckResult("a", "failed"), CheckResult("b", "error")]
    )
    assert (full.status, full.score) == ("passed", 10)
    assert (half.status, half.score) == ("failed", 5)
    assert (partial.status, partial.score) == ("failed", 5)
    assert (none.status, none.score) == ("not_attempted", 0)
    assert crashed.status == "error"
    with pytest.raises(ValueError):
        CheckResult("a", "passed-ish")


def test_readme_quick_start_is_what_ci_runs():
    readme = (COURSE_ROOT / "README.md").read_text()
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```bash\n")[1:3]]
    assert len(blocks) == 2 and all(blocks), "the quick start is two commands"
    ci = (COURSE_ROOT / ".ci" / "run").read_text()
    for command in blocks:
        assert command in ci.splitlines(), (
            f".ci/run must run the README's command verbatim: {command}"
        )


def test_grading_without_pidfd_gives_the_same_grades(state, stub_target):
    """macOS has no os.pidfd_open: the runner then polls for exited children instead."""
    _solve(stub_target, "01_numpy/ex02_pairwise")
    script = (
        "import os, sys; del os.pidfd_open; from autograder.cli import main; "
        f"sys.exit(main(['check', '01', '--target', {str(stub_target)!r}, '--format', 'json']))"
    )
    env = {**os.environ, "MLGRADE_STATE_DIR": str(state)}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=COURSE_ROOT,
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert {e["id"]: e["status"] for e in report["exercises"]}["01_numpy/ex02_pairwise"] == "passed"
    assert report["score"] == 10


def test_a_learner_run_says_how_many_points_are_held_back(tmp_path, monkeypatch, capsys):
    import io

    from rich.console import Console

    from autograder.exporters import terminal
    from autograder.runner import grade

    text = (COURSE_ROOT / "course.toml").read_text()
    anchor = 'id = "01_numpy/ex01_standardize"\n'
    manifest = tmp_path / "course.toml"
    manifest.write_text(text.replace(anchor, anchor + "  hidden_points = 5\n", 1))
    for part in ("autograder", "solutions"):  # the course's checks and reference solutions
        (tmp_path / part).symlink_to(COURSE_ROOT / part)
    course = load_course(manifest)
    ex = course.exercise("01_numpy/ex01_standardize")

    report = grade(course, COURSE_ROOT / "solutions", [ex])
    assert (report.score, report.max_score, report.held_back) == (10, 10, 5)
    console = Console(record=True, width=120, file=io.StringIO())
    terminal.print_report(console, report, course)
    assert "5 more points are held back in hidden checks" in console.export_text()

    # the status view says it too
    import argparse

    from autograder import learner

    monkeypatch.setenv("MLGRADE_STATE_DIR", str(tmp_path / "state"))
    stubs.write_stubs(course, tmp_path / "lessons")
    learner.cmd_status(
        argparse.Namespace(target=tmp_path / "lessons", jobs=None, time_limit=None), course
    )
    assert "5 are held back in hidden checks" in " ".join(capsys.readouterr().out.split())

    hidden = COURSE_ROOT / "tests" / "fixtures" / "hidden_checks"
    report = grade(course, COURSE_ROOT / "solutions", [ex], extra_checks=hidden)
    assert (report.score, report.max_score, report.held_back) == (15, 15, 0)
    assert {c.hidden for c in report.exercises[0].checks} == {False, True}
