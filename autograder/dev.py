"""Maintainer commands: `mlgrade dev sync` and `mlgrade dev check` (rustlings' `dev check`, plus mutants).

`dev check` proves the course gradable: the manifest matches the files, `lessons/` is exactly what
the generator writes, every solution earns full marks, every freshly generated stub earns zero
(not attempted), and with `--mutants` every mutant loses points on its own exercise.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from . import integrity, stubs
from .manifest import Course, load_course
from .results import NOT_ATTEMPTED, PASSED
from .runner import Limits, grade

MUTANT_HEADER = "# MUTANT:"


def check_manifest(course: Course) -> list[str]:
    """Mismatches between course.toml and the files: missing or unlisted files, stubs without TODO."""
    problems = []
    listed = {ex.relpath.as_posix() for ex in course.exercises}
    on_disk = {p.relative_to(course.root / "solutions").as_posix()
               for p in (course.root / "solutions").glob("[0-9][0-9]_*/ex*.py")}
    for rel in sorted(listed - on_disk):
        problems.append(f"course.toml lists {rel}, but solutions/{rel} does not exist")
    for rel in sorted(on_disk - listed):
        problems.append(f"solutions/{rel} is not listed in course.toml")
    for lesson in course.lessons:
        checks = course.root / "autograder" / "checks" / lesson.checks
        if not checks.is_file():
            problems.append(f"lesson {lesson.id}: check module {checks.name} does not exist")
        docs = course.root / "docs" / lesson.docs
        if not docs.is_file():
            problems.append(f"lesson {lesson.id}: docs page docs/{lesson.docs} does not exist")
    for ex in course.exercises:
        if ex.relpath.as_posix() not in on_disk:
            continue
        try:
            text = stubs.stub_text(course, ex)
        except stubs.StubError as exc:
            problems.append(str(exc))
            continue
        if "# TODO:" not in text:
            problems.append(f"{ex.relpath}: its stub has no '# TODO:' line")
        if len(ex.hints) < 2:
            problems.append(f"{ex.id}: give at least two hints, from gentle to near-solution")
    return problems


@dataclass
class Mutant:
    path: Path
    exercise_id: str
    description: str


def find_mutants(course: Course) -> list[Mutant]:
    """Mutants live in tests/mutants/<lesson>/<exercise stem>/<mistake>.py, a header line each."""
    root = course.root / "tests" / "mutants"
    found = []
    for path in sorted(root.glob("*/*/*.py")):
        exercise_id = f"{path.parent.parent.name}/{path.parent.name}"
        first = path.read_text(encoding="utf-8").splitlines()[:1]
        description = first[0].removeprefix(MUTANT_HEADER).strip() if first and first[0].startswith(MUTANT_HEADER) else ""
        found.append(Mutant(path, exercise_id, description))
    return found


def pristine_drift(course: Course) -> list[str]:
    """autograder/pristine.json must list the protected files exactly as committed."""
    current = integrity.pristine_files(course.root)
    try:
        recorded = integrity.load_pristine()
    except (OSError, ValueError, KeyError):
        return ["autograder/pristine.json is missing or unreadable (run `mlgrade dev sync`)"]
    changed = sorted(k for k in set(current) | set(recorded) if current.get(k) != recorded.get(k))
    if changed:
        return [f"autograder/pristine.json is stale for {', '.join(changed[:5])}"
                f"{' …' if len(changed) > 5 else ''} (run `mlgrade dev sync`)"]
    return []


def sync(course: Course, check_only: bool, console: Console) -> int:
    lessons = course.root / "lessons"
    problems = stubs.drift(course, lessons) + pristine_drift(course)
    if check_only:
        for p in problems:
            console.print(f"[red]drift[/] {p}")
        if not problems:
            console.print(f"lessons/ matches the generator ({len(course.exercises)} stubs); "
                          "pristine.json is current")
        return 1 if problems else 0
    stubs.write_stubs(course, lessons)
    changed = integrity.write_pristine(course.root)
    console.print(f"wrote {len(course.exercises)} stubs into lessons/; pristine.json "
                  f"{'updated' if changed else 'unchanged'}")
    return 0


def prove(course: Course, console: Console, jobs: int | None, with_mutants: bool) -> int:
    failures = []
    failures += check_manifest(course)
    failures += stubs.drift(course, course.root / "lessons")
    limits = Limits(memory_mb=course.memory_limit_mb, jobs=jobs or 2)
    solved = grade(course, course.root / "solutions", course.exercises, limits)
    for ex in solved.exercises:
        if ex.status != PASSED:
            bad = next(c for c in ex.checks if c.status != PASSED)
            failures.append(f"solution {ex.id} scores {ex.score:g}/{ex.max_score:g}: {bad.name}: {bad.message}")
    with tempfile.TemporaryDirectory(prefix="mlgrade-stubs-") as tmp:
        stubs.write_stubs(course, Path(tmp))
        fresh = grade(course, Path(tmp), course.exercises, limits)
    for ex in fresh.exercises:
        wrong = [c for c in ex.checks if c.status != NOT_ATTEMPTED]
        if ex.score != 0 or wrong:
            what = f"{wrong[0].name}: {wrong[0].status}" if wrong else f"{ex.score:g} points"
            failures.append(f"stub {ex.id} is not graded 0/not attempted ({what})")
    if with_mutants:
        failures += prove_mutants(course, limits)
    for f in failures:
        console.print(f"[red]✗[/] {f}")
    n = len(course.exercises)
    if failures:
        console.print(f"[bold red]dev check: {len(failures)} problem(s)[/]")
        return 1
    extra = f", {len(find_mutants(course))} mutants caught" if with_mutants else ""
    console.print(f"[bold green]dev check: {n} exercises gradable: solutions {solved.score:g}/"
                  f"{solved.max_score:g}, stubs 0/{fresh.max_score:g}{extra}[/]")
    return 0


def mutant_target(course: Course, mutant: Mutant, dest: Path) -> None:
    """A target laid out like lessons/: every solution, with the mutant in its exercise's place."""
    lesson = mutant.exercise_id.split("/")[0]
    for ex in course.exercises:
        if ex.lesson_id != lesson:
            continue
        src = mutant.path if ex.id == mutant.exercise_id else stubs.solution_path(course, ex)
        out = dest / ex.relpath
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")


def prove_mutants(course: Course, limits: Limits) -> list[str]:
    failures = []
    ids = {ex.id for ex in course.exercises}
    for mutant in find_mutants(course):
        if mutant.exercise_id not in ids:
            failures.append(f"mutant {mutant.path}: no exercise {mutant.exercise_id}")
            continue
        if not mutant.description:
            failures.append(f"mutant {mutant.path}: first line must be '{MUTANT_HEADER} <the mistake>'")
        with tempfile.TemporaryDirectory(prefix="mlgrade-mutant-") as tmp:
            mutant_target(course, mutant, Path(tmp))
            lesson = [ex for ex in course.exercises if ex.lesson_id == mutant.exercise_id.split("/")[0]]
            report = grade(course, Path(tmp), lesson, limits)
        for ex in report.exercises:
            if ex.id == mutant.exercise_id and ex.score >= ex.max_score:
                failures.append(f"mutant survived: {mutant.path.name} ({mutant.description}) "
                                f"scores full marks on {ex.id}")
            if ex.id != mutant.exercise_id and ex.score < ex.max_score:
                failures.append(f"mutant {mutant.path.name} cost points on another exercise, {ex.id}")
    return failures


def main(args: argparse.Namespace) -> int:
    course = load_course()
    console = Console()
    if args.dev_command == "sync":
        return sync(course, args.check, console)
    return prove(course, console, args.jobs, args.mutants)
