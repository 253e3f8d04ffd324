"""The stub generator and the manifest: one source of truth, and a clear error when it breaks."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from autograder import dev, stubs
from autograder.manifest import COURSE_ROOT, ManifestError, SelectorError, load_course

SOLUTION = textwrap.dedent(
    """\
    def f(x):
        y = x + 1
        # BEGIN SOLUTION: double it
        return 2 * y
        # END SOLUTION


    def g():
        # BEGIN SOLUTION
        return 0
        # END SOLUTION
    """
)


def test_make_stub_replaces_each_region_with_todo_and_raise():
    stub = stubs.make_stub(SOLUTION)
    assert stub == textwrap.dedent(
        """\
        def f(x):
            y = x + 1
            # TODO: double it
            raise NotImplementedError


        def g():
            # TODO: write your solution here
            raise NotImplementedError
        """
    )
    namespace: dict = {}
    exec(compile(stub, "<stub>", "exec"), namespace)  # the stub imports cleanly
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("x = 1\n", "no '# BEGIN SOLUTION' region"),
        ("# BEGIN SOLUTION\nx = 1\n", "never closed"),
        ("x = 1\n# END SOLUTION\n", "END SOLUTION without BEGIN"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", "inside another region"),
    ],
)
def test_make_stub_rejects_broken_markers(text, problem):
    with pytest.raises(stubs.StubError, match=problem):
        stubs.make_stub(text, name="broken.py")


def test_every_solution_has_a_stub_that_imports_and_raises(tmp_path):
    course = load_course()
    stubs.write_stubs(course, tmp_path)
    for ex in course.exercises:
        text = (tmp_path / ex.relpath).read_text()
        assert "# TODO:" in text and "raise NotImplementedError" in text, ex.id
        compile(text, str(ex.relpath), "exec")


def test_drift_reports_a_changed_stub(tmp_path):
    course = load_course()
    stubs.write_stubs(course, tmp_path)
    assert stubs.drift(course, tmp_path) == []
    first = course.exercises[0]
    (tmp_path / first.relpath).write_text("# edited\n")
    (tmp_path / course.exercises[1].relpath).unlink()
    problems = stubs.drift(course, tmp_path)
    assert len(problems) == 2
    assert "differs" in problems[0] and "missing" in problems[1]


def test_committed_manifest_is_consistent():
    course = load_course()
    assert dev.check_manifest(course) == []
    ids = [ex.id for ex in course.exercises]
    assert len(ids) == len(set(ids))
    for ex in course.exercises:
        assert 2 <= len(ex.hints) <= 3, f"{ex.id}: give two or three ordered hints"
        assert ex.time_limit > 0 and ex.points > 0


def _write_manifest(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(textwrap.dedent(body))
    return path


GOOD_EXERCISE = """
  [[lessons.exercises]]
  id = "01_numpy/ex01_standardize"
  title = "t"
  points = 10
  docs = "lessons/01-numpy.md#ex01"
  hints = ["a", "b"]
"""


@pytest.mark.parametrize(
    "mutation, message",
    [
        (lambda s: s + GOOD_EXERCISE, "duplicate id"),
        (lambda s: s.replace('hints = ["a", "b"]', "hints = []"), "at least one non-empty hint"),
        (lambda s: s.replace('id = "01_numpy/ex01_standardize"', 'id = "02_x/ex01"'), "id must be"),
        (lambda s: s.replace("points = 10", "points = 0"), "points must be positive"),
        (lambda s: s.replace('title = "t"\n', ""), "missing 'title'"),
        (lambda s: s + "\n[[[", "not valid TOML"),
    ],
)
def test_malformed_manifest_is_rejected_with_a_reason(tmp_path, mutation, message):
    base = '[[lessons]]\nid = "01_numpy"\ntitle = "N"\ndocs = "d.md"\n' + GOOD_EXERCISE
    path = _write_manifest(tmp_path, mutation(base))
    with pytest.raises(ManifestError, match=message):
        load_course(path)


def _copy_course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(COURSE_ROOT / "course.toml", root / "course.toml")
    shutil.copytree(COURSE_ROOT / "solutions", root / "solutions")
    shutil.copytree(COURSE_ROOT / "autograder" / "checks", root / "autograder" / "checks")
    shutil.copytree(COURSE_ROOT / "docs", root / "docs")
    return root


def test_dev_check_finds_missing_and_unlisted_files_and_todo_less_stubs(tmp_path):
    root = _copy_course(tmp_path)
    course = load_course(root / "course.toml")
    assert dev.check_manifest(course) == []
    first, second = course.exercises[0], course.exercises[1]
    (root / "solutions" / first.relpath).unlink()
    (root / "solutions" / first.lesson_id / "ex99_extra.py").write_text(
        "# BEGIN SOLUTION\n# END SOLUTION\n"
    )
    sol = root / "solutions" / second.relpath
    sol.write_text(
        sol.read_text().replace("# BEGIN SOLUTION", "# XEGIN").replace("# END SOLUTION", "# XND")
    )
    problems = "\n".join(dev.check_manifest(course))
    assert f"lists {first.relpath}" in problems
    assert "ex99_extra.py is not listed" in problems
    assert "no '# BEGIN SOLUTION' region" in problems


@pytest.mark.parametrize(
    "selector, expected",
    [
        ("01", 5),
        ("1", 5),
        ("01_numpy", 5),
        ("01_numpy/", 5),
        ("02", 5),
        ("ex01_standardize", 1),
        ("01_numpy/ex03_softmax", 1),
        ("ex04_mini", 1),
        ("01_numpy/ex04", 1),
        ("ex05_linear_regression.py", 1),
        (None, None),
    ],
)
def test_selectors(selector, expected):
    course = load_course()
    matched = course.select(selector)
    assert len(matched) == (expected or len(course.exercises))
    if selector in ("01", "02"):
        assert {ex.lesson_id for ex in matched} == {
            f"{selector}_numpy" if selector == "01" else "02_pandas"
        }


@pytest.mark.parametrize(
    "selector, message",
    [
        ("standardise", "Did you mean: ex01_standardize"),
        ("ex0", "matches several"),
        ("zzz", "No lesson"),
    ],
)
def test_bad_selectors_explain_themselves(selector, message):
    with pytest.raises(SelectorError, match=message):
        load_course().select(selector)
