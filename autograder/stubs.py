"""Generate learner stubs from reference solutions: the solution is the single source of truth.

A solution marks each answer region:

    # BEGIN SOLUTION: subtract the column means, then divide by the column stds
    mean = X.mean(axis=0)
    ...
    # END SOLUTION

and its stub gets, at the marker's indentation:

    # TODO: subtract the column means, then divide by the column stds
    raise NotImplementedError

An exercise file that is not Python (a Dockerfile, `.dockerignore`, alert rules, a workflow: all
formats with `#` comments) gets the `# TODO:` line alone. Outside its answer regions such a
solution holds only comments and blank lines, so a stub is exactly "a file with nothing but
comments", which the checks grade as not attempted (see `plugin.submission_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .atomic import atomic_write
from .manifest import Course, Exercise

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::\s*(?P<todo>.*\S))?\s*$")
_END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
DEFAULT_TODO = "write your solution here"


class StubError(ValueError):
    """A solution file's markers are unbalanced or missing."""


def make_stub(solution: str, name: str = "<solution>", python: bool = True) -> str:
    """Return the learner stub for one solution file's text (`python=False`: a `#`-commented
    file that is not Python, whose lines outside the answer regions must all be comments)."""
    out: list[str] = []
    inside = False
    regions = 0
    for lineno, line in enumerate(solution.splitlines(keepends=True), start=1):
        begin = _BEGIN.match(line)
        if begin:
            if inside:
                raise StubError(f"{name}:{lineno}: BEGIN SOLUTION inside another region")
            inside = True
            regions += 1
            indent = begin["indent"]
            out.append(f"{indent}# TODO: {begin['todo'] or DEFAULT_TODO}\n")
            if python:
                out.append(f"{indent}raise NotImplementedError\n")
        elif _END.match(line):
            if not inside:
                raise StubError(f"{name}:{lineno}: END SOLUTION without BEGIN SOLUTION")
            inside = False
        elif not inside:
            if not python and line.strip() and not line.lstrip().startswith("#"):
                raise StubError(
                    f"{name}:{lineno}: outside its answer regions a non-Python exercise file holds "
                    "only comments (a stub with content could not be told from an attempt)"
                )
            out.append(line)
    if inside:
        raise StubError(f"{name}: BEGIN SOLUTION never closed")
    if regions == 0:
        raise StubError(f"{name}: no '# BEGIN SOLUTION' region: the stub would equal the solution")
    return "".join(out)


def strip_markers(solution: str) -> str:
    """The solution as a learner would write it: the marker lines removed, everything else kept."""
    return "".join(
        line
        for line in solution.splitlines(keepends=True)
        if not (_BEGIN.match(line) or _END.match(line))
    )


def solution_path(course: Course, ex: Exercise) -> Path:
    return course.root / "solutions" / ex.relpath


def stub_text(course: Course, ex: Exercise) -> str:
    path = solution_path(course, ex)
    return make_stub(path.read_text(encoding="utf-8"), name=str(path), python=ex.is_python)


def write_stubs(
    course: Course, dest: Path, exercises: Iterable[Exercise] | None = None
) -> list[Path]:
    """Write the stubs of `exercises` (default: all) into `dest`, laid out like `lessons/`."""
    written = []
    for ex in exercises if exercises is not None else course.exercises:
        target = dest / ex.relpath
        atomic_write(target, stub_text(course, ex))
        written.append(target)
    return written


def drift(course: Course, lessons_dir: Path) -> list[str]:
    """Exercise files in `lessons_dir` that differ from what the generator writes."""
    problems = []
    for ex in course.exercises:
        path = lessons_dir / ex.relpath
        if not solution_path(course, ex).is_file():
            problems.append(f"solutions/{ex.relpath}: missing (the stub is generated from it)")
        elif not path.exists():
            problems.append(f"{ex.relpath}: missing (run `mlgrade dev sync`)")
        elif path.read_text(encoding="utf-8") != stub_text(course, ex):
            problems.append(
                f"{ex.relpath}: differs from its generated stub (run `mlgrade dev sync`)"
            )
    return problems
