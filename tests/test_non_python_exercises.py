"""An exercise whose file is not Python goes through the whole pipeline.

The scratch course in tests/fixtures/scratch_course/ (used by these tests only) has one exercise,
a pip requirements file named by `file = "requirements.txt"` in its manifest. Its solution has the
same BEGIN/END SOLUTION markers; the generated stub holds only comments; the checks read the file
with the `submission_text` fixture; a file with nothing but comments is not attempted; its
mutants lose points. The real course's Dockerfile, alert rules and workflow exercises work alike.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograder import stubs
from autograder.manifest import COURSE_ROOT, ManifestError, load_course

SCRATCH = COURSE_ROOT / "tests" / "fixtures" / "scratch_course" / "course.toml"


def mlgrade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        cwd=COURSE_ROOT,
        timeout=300,
    )


def test_the_manifest_names_the_file_and_the_mirror_holds() -> None:
    course = load_course(SCRATCH)
    (ex,) = course.exercises
    assert ex.relpath == Path("00_scratch/requirements.txt") and not ex.is_python
    assert ex.check_relpath == Path("00_scratch/ex01_pins.py")


def test_the_stub_is_comments_only_with_its_todo() -> None:
    course = load_course(SCRATCH)
    text = stubs.stub_text(course, course.exercises[0])
    assert "# TODO: pin numpy, pandas and scikit-learn" in text
    assert "NotImplementedError" not in text
    assert all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def test_content_outside_the_answer_regions_is_refused() -> None:
    solution = "FROM python:3.11-slim\n# BEGIN SOLUTION\nUSER app\n# END SOLUTION\n"
    with pytest.raises(stubs.StubError, match="only comments"):
        stubs.make_stub(solution, "Dockerfile", python=False)


def test_dev_check_proves_it_gradable_with_its_mutants() -> None:
    proc = mlgrade("dev", "check", "--course", str(SCRATCH), "--mutants")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "solutions 10/10, stubs 0/10, 5 mutants caught" in " ".join(proc.stdout.split())


def test_its_lessons_folder_is_what_the_generator_writes() -> None:
    proc = mlgrade("dev", "sync", "--check", "--course", str(SCRATCH))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "file, message",
    [
        ("../Dockerfile", "without"),
        ("other.py", "omit 'file'"),
        ("a/../b", "without"),
        ("/etc/passwd", "relative path"),
        ("a//b", "without"),
        ("a\\\\b", "relative path"),
    ],
)
def test_a_bad_file_name_is_refused(tmp_path: Path, file: str, message: str) -> None:
    text = SCRATCH.read_text().replace('file = "requirements.txt"', f'file = "{file}"')
    bad = tmp_path / "course.toml"
    bad.write_text(text)
    with pytest.raises(ManifestError, match=message):
        load_course(bad)


def test_a_file_in_a_subfolder_of_the_lesson_is_allowed(tmp_path: Path) -> None:
    """A GitHub Actions workflow lives at `.github/workflows/ml.yml` inside its lesson folder."""
    text = SCRATCH.read_text().replace(
        'file = "requirements.txt"', 'file = ".github/workflows/ml.yml"'
    )
    good = tmp_path / "course.toml"
    good.write_text(text)
    (ex,) = load_course(good).exercises
    assert ex.relpath.as_posix().endswith("/.github/workflows/ml.yml")


def test_sync_names_a_missing_solution_and_writes_nothing(tmp_path: Path) -> None:
    """A manifest entry whose reference solution is not written yet: `dev sync` says which file
    to write, exits 1, and leaves lessons/ as it was (no traceback, no half-written folder)."""
    import shutil

    course = tmp_path / "course"
    shutil.copytree(SCRATCH.parent, course)
    (course / "solutions" / "00_scratch" / "requirements.txt").unlink()
    before = {p: p.read_bytes() for p in (course / "lessons").rglob("*") if p.is_file()}
    proc = mlgrade("dev", "sync", "--course", str(course / "course.toml"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    said = " ".join(proc.stdout.split())
    assert "missing solutions/00_scratch/requirements.txt" in said, said
    assert "Traceback" not in proc.stdout + proc.stderr
    assert {p: p.read_bytes() for p in (course / "lessons").rglob("*") if p.is_file()} == before


def test_dev_mutants_reports_without_an_output_file() -> None:
    proc = mlgrade("dev", "mutants", "--course", str(SCRATCH))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 of 5 mutants caught" in proc.stdout and "Traceback" not in proc.stderr
