"""`mlgrade gradescope-bundle`: the zip's contents, and its scripts run in a fake /autograder.

The bundle is built once (with the instructor's hidden checks), unzipped into a fake
AUTOGRADER_ROOT laid out as Gradescope lays it out (source/, run_autograder, submission/), and
`run_autograder` grades submissions there. The grader is already installed here, so setup.sh is
only syntax-checked and run against stand-in `python` and `mlgrade` commands that record what
they were asked to do.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder import stubs
from autograder.manifest import COURSE_ROOT, load_course

COURSE = load_course()
MAX = sum(ex.points for ex in COURSE.exercises)
HIDDEN_CHECKS = COURSE_ROOT / "tests" / "fixtures" / "hidden_checks"
HIDDEN_TOTAL = 9  # HIDDEN_POINTS of check_hidden_01_numpy.py: 5 + 4
GRADESCOPE_SCHEMA = json.loads(
    (COURSE_ROOT / "tests/fixtures/gradescope_results.schema.json").read_text()
)


def mlgrade(*args: str, cwd: Path = COURSE_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    proc = mlgrade("gradescope-bundle", "--out", str(out), "--extra-checks", str(HIDDEN_CHECKS))
    assert proc.returncode == 0, proc.stderr
    return out


def unpack(bundle: Path, root: Path) -> Path:
    """Lay out a fake /autograder as Gradescope does: the zip in source/, run_autograder copied up."""
    source = root / "source"
    with zipfile.ZipFile(bundle) as zf:
        for info in zf.infolist():
            zf.extract(info, source)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                (source / info.filename).chmod(mode)
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    return root


def solve(folder: Path, exercise_ids: list[str]) -> Path:
    """Lesson 01's stubs (the other lessons left out: quicker), some exercises solved."""
    stubs.write_stubs(COURSE, folder, [ex for ex in COURSE.exercises if ex.lesson_id == "01_numpy"])
    for ex_id in exercise_ids:
        ex = COURSE.exercise(ex_id)
        shutil.copyfile(stubs.solution_path(COURSE, ex), folder / ex.relpath)
    return folder


def run_autograder(root: Path, **env: str) -> dict:
    full_env = {**os.environ, "AUTOGRADER_ROOT": str(root), "MLGRADE_PYTHON": sys.executable, **env}
    proc = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    return results


def test_bundle_contents(bundle):
    with zipfile.ZipFile(bundle) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        info = json.loads(zf.read("bundle.json"))
    names = set(infos)
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755, script
    for required in (
        "course/pyproject.toml",
        "course/README.md",
        "course/course.toml",
        "course/autograder/cli.py",
        "course/autograder/schemas/report.schema.json",
        "course/autograder/checks/pytest.ini",
        "hidden_checks/check_hidden_01_numpy.py",
    ):
        assert required in names, required
    for ex in COURSE.exercises:
        assert f"course/autograder/checks/{ex.check_relpath.as_posix()}" in names
    for ex in COURSE.exercises:
        assert f"course/solutions/{ex.relpath.as_posix()}" in names
    if (COURSE_ROOT / "coursedata").is_dir():
        assert any(n.startswith("course/coursedata/") for n in names)
    for _, module in COURSE.given:  # later exercises import these in Gradescope's image too
        assert f"course/{module}" in names, module
    assert not [
        n
        for n in names
        if "__pycache__" in n or n.endswith(".pyc") or n.startswith("course/lessons/")
    ]
    assert not [n for n in names if n.startswith("course/tests/")], (
        "the repository's tests stay out"
    )
    assert info["hidden_checks"] == ["check_hidden_01_numpy.py"] and info["exercises"] == len(
        COURSE.exercises
    )


def test_the_same_sources_give_the_same_bundle(bundle, tmp_path):
    again = tmp_path / "again.zip"
    assert (
        mlgrade(
            "gradescope-bundle", "--out", str(again), "--extra-checks", str(HIDDEN_CHECKS)
        ).returncode
        == 0
    )
    assert again.read_bytes() == bundle.read_bytes()


def test_scripts_parse_and_setup_installs_from_the_snapshot(bundle, tmp_path):
    root = unpack(bundle, tmp_path / "autograder")
    for script in ("setup.sh", "run_autograder"):
        proc = subprocess.run(
            ["bash", "-n", str(root / "source" / script)], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
    setup = (root / "source" / "setup.sh").read_text()
    assert '-m pip install -e "$SOURCE/course"' in setup
    assert "--fail-under 100" in setup and 'chmod -R go-rwx "$SOURCE/course/solutions"' in setup


FAKE_PYTHON = """#!/usr/bin/env bash
# Stands in for python3.13 (and the venv's python and mlgrade): records each call.
echo "$(basename "$0") $*" >> "$FAKE_LOG"
if [ "${1:-}" = "-m" ] && [ "${2:-}" = "venv" ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && cp "$0" "$3/bin/mlgrade"
fi
exit 0
"""


def test_setup_sh_runs_its_steps_in_order(bundle, tmp_path):
    """setup.sh against stand-in commands: a venv, an editable install of the snapshot, the self-test
    with the hidden checks, then the solutions kept for the differential checks, root-only."""
    root = unpack(bundle, tmp_path / "autograder")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake = fake_bin / "python3.13"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    log = tmp_path / "calls.log"
    env = {
        **os.environ,
        "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}",
        "FAKE_LOG": str(log),
        "AUTOGRADER_ROOT": str(root),
    }
    proc = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    source, venv = root / "source", root / "venv"
    calls = log.read_text().splitlines()
    assert calls[0].startswith("python3.13 -c")  # the version probe
    assert calls[1:] == [
        "python3.13 -c import ensurepip, venv",
        f"python3.13 -m venv {venv}",
        "python -m pip install --upgrade pip",
        f"python -m pip install -e {source}/course",
        f"mlgrade grade {source}/course/solutions --format json --output /tmp/mlgrade-selftest.json "
        f"--fail-under 100 --extra-checks {source}/hidden_checks",
    ]
    solutions = source / "course" / "solutions"
    modes = {p.stat().st_mode & 0o077 for p in [solutions, *solutions.rglob("*")]}
    assert modes == {0}, "the reference solutions must be readable by their owner (root) alone"
    assert (source / "course" / "course.toml").is_file()


def test_run_autograder_grades_with_the_bundled_grader_and_hidden_checks(bundle, tmp_path):
    root = unpack(bundle, tmp_path / "autograder")
    solve(root / "submission" / "lessons", ["01_numpy/ex01_standardize", "01_numpy/ex03_softmax"])
    # The snapshot's own manifest decides the points: make that visible by changing it there.
    manifest = root / "source" / "course" / "course.toml"
    manifest.write_text(manifest.read_text().replace("points = 10", "points = 20", 1))
    results = run_autograder(root, PYTHONPATH=str(root / "source" / "course"))
    tests = {
        t["name"].split(" · ")[0] + (" hidden" if "(hidden checks)" in t["name"] else ""): t
        for t in results["tests"]
    }
    assert tests["01_numpy/ex01_standardize"]["max_score"] == 20
    assert tests["01_numpy/ex01_standardize hidden"]["max_score"] == 5
    assert results["score"] == 20 + 10 + HIDDEN_TOTAL
    assert sum(t["score"] for t in results["tests"]) == pytest.approx(results["score"])
    assert sum(t["max_score"] for t in results["tests"]) == MAX + 10 + HIDDEN_TOTAL
    # learners see hidden checks only once the instructor publishes the grades
    assert tests["01_numpy/ex01_standardize hidden"]["visibility"] == "after_published"
    assert tests["01_numpy/ex01_standardize"]["visibility"] == "visible"
    assert "single row is all zero" in tests["01_numpy/ex01_standardize hidden"]["output"]
    assert "single row" not in tests["01_numpy/ex01_standardize"]["output"]


def test_run_autograder_grades_a_packed_zip_upload(bundle, tmp_path):
    root = unpack(bundle, tmp_path / "autograder")
    lessons = solve(tmp_path / "lessons", ["01_numpy/ex02_pairwise"])
    with zipfile.ZipFile(root / "submission" / "my-work.zip", "w") as zf:
        for path in sorted(lessons.rglob("*.py")):
            zf.write(path, "lessons/" + path.relative_to(lessons).as_posix())
    results = run_autograder(root)
    assert results["score"] == 10


@pytest.mark.parametrize("case", ["zip-slip", "no python"])
def test_run_autograder_always_writes_results(bundle, tmp_path, case):
    root = unpack(bundle, tmp_path / "autograder")
    env = {}
    if case == "zip-slip":
        with zipfile.ZipFile(root / "submission" / "upload.zip", "w") as zf:
            zf.writestr("../../../etc/cron.d/evil", "* * * * * root true\n")
        expected = "zip-slip"
    else:
        solve(root / "submission", ["01_numpy/ex01_standardize"])
        env = {"MLGRADE_PYTHON": str(tmp_path / "no-such-python")}
        expected = "exited with status 127"
    results = run_autograder(root, **env)
    assert results["score"] == 0 and results["tests"] == []
    assert expected in results["output"]
    assert results["output"].startswith("The autograder could not grade this submission")


def test_hidden_checks_must_declare_their_points(tmp_path):
    bad = tmp_path / "hidden"
    bad.mkdir()
    (bad / "check_hidden.py").write_text("def test_x(submission):\n    pass\n")
    proc = mlgrade(
        "gradescope-bundle", "--out", str(tmp_path / "a.zip"), "--extra-checks", str(bad)
    )
    assert proc.returncode == 2 and "HIDDEN_POINTS" in proc.stderr
    assert not (tmp_path / "a.zip").exists()
