"""Maintainer commands: `mlgrade dev sync` and `mlgrade dev check` (rustlings' `dev check`, plus mutants).

`dev check` proves the course gradable: the manifest matches the files, `lessons/` is exactly what
the generator writes, every solution earns full marks, every freshly generated stub earns zero
(not attempted), and with `--mutants` every mutant loses points on its own exercise.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console

from . import integrity, stubs
from .atomic import atomic_write
from .manifest import COURSE_ROOT, Course, load_course
from .results import NOT_ATTEMPTED, PASSED, ExerciseResult
from .runner import Limits, grade


def _files_under(folder: Path) -> set[str]:
    """Every file below `folder`, as a path relative to it (no caches)."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def check_manifest(course: Course) -> list[str]:
    """Mismatches between course.toml and the files: every exercise's solution, check module and
    mutants sit at the same relative path (the mirror), and nothing is orphaned."""
    problems = []
    listed = {ex.relpath.as_posix() for ex in course.exercises}
    lesson_dirs = [f"{lesson.id}/" for lesson in course.lessons]
    solutions = course.root / "solutions"
    beside = {ex.lesson_id for ex in course.exercises if ex.beside_lessons}  # the capstone
    scaffold = {rel.as_posix() for lesson_id in beside for rel in stubs.scaffold(course, lesson_id)}
    on_disk = {
        rel
        for rel in _files_under(solutions)
        if (rel[:2].isdigit() or rel.split("/", 1)[0] in beside) and rel not in scaffold
    }  # NN_topic/... and the capstone's exercise files
    problems += stubs.scaffold_problems(course)
    for rel in sorted(listed - on_disk):
        problems.append(f"course.toml lists {rel}, but solutions/{rel} does not exist")
    for rel in sorted(on_disk - listed):
        problems.append(f"solutions/{rel} is not listed in course.toml")
    checks_root = course.root / "autograder" / "checks"
    expected_checks = {ex.check_relpath.as_posix() for ex in course.exercises}
    for ex in course.exercises:
        if ex.check_relpath.as_posix() not in _files_under(checks_root):
            problems.append(
                f"{ex.id}: no check module at autograder/checks/{ex.check_relpath.as_posix()}"
            )
    for rel in sorted(_files_under(checks_root)):
        if "/" not in rel:
            continue  # pytest.ini, __init__.py
        if not rel.startswith(tuple(lesson_dirs)):
            problems.append(f"autograder/checks/{rel} belongs to no lesson in course.toml")
        elif (
            rel.endswith(".py")  # other files are the checks' data (promtool's unit tests)
            and rel.split("/", 1)[1] not in ("__init__.py", "_shared.py")
            and rel not in expected_checks
        ):
            problems.append(
                f"autograder/checks/{rel} grades no exercise in course.toml (orphan check module)"
            )
    for lesson in course.lessons:
        if not (checks_root / lesson.id / "__init__.py").is_file():
            problems.append(f"autograder/checks/{lesson.id}/__init__.py is missing")
        docs = course.root / "docs" / lesson.docs
        if not docs.is_file():
            problems.append(f"lesson {lesson.id}: docs page docs/{lesson.docs} does not exist")
    mutants_root = course.root / "tests" / "mutants"
    stems = {ex.id for ex in course.exercises}
    for folder in sorted(p for p in mutants_root.glob("*/*") if p.is_dir()):
        rel = folder.relative_to(mutants_root).as_posix()
        if rel not in stems:
            problems.append(f"tests/mutants/{rel}/ holds mutants of no exercise in course.toml")
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


class MutantError(ValueError):
    """A mutant no longer applies to its solution (or is malformed): update the mutant."""


@dataclass
class Mutant:
    """A wrong answer: the solution (markers removed) with `replacements` applied, one mistake.

    Stored as tests/mutants/<lesson>/<exercise stem>/<mistake>.toml:

        mistake = "statistics per row instead of per column"
        [[replace]]
        old = '''
            mean = X.mean(axis=0)
        '''
        new = '''
            mean = X.mean(axis=1, keepdims=True)
        '''

    Each `old` must occur exactly once in the solution, so a mutant can never silently drift
    from the solution it mutates: when the solution changes there, the mutant stops applying.
    """

    path: Path
    exercise_id: str
    description: str
    replacements: list[tuple[str, str]]

    @property
    def name(self) -> str:
        return self.path.stem

    def source(self, course: Course) -> str:
        """The mutant's exercise file, built from the current solution."""
        solution = stubs.solution_path(course, course.exercise(self.exercise_id))
        text = stubs.strip_markers(solution.read_text(encoding="utf-8"))
        if not self.replacements:
            raise MutantError(f"{self.path}: no [[replace]] block, so it is the solution itself")
        for old, new in self.replacements:
            found = text.count(old)
            if found != 1:
                raise MutantError(
                    f"{self.path}: the text to replace occurs {found} times in {solution.name} (it must "
                    f"occur once); the solution changed, so update the mutant:\n{old}"
                )
            text = text.replace(old, new)
        return text


def load_mutant(path: Path) -> Mutant:
    exercise_id = f"{path.parent.parent.name}/{path.parent.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MutantError(f"{path}: not valid TOML ({exc})") from None
    replacements = []
    for block in data.get("replace", []):
        if (
            not isinstance(block, dict)
            or not isinstance(block.get("old"), str)
            or not isinstance(block.get("new"), str)
        ):
            raise MutantError(f"{path}: each [[replace]] needs the strings 'old' and 'new'")
        replacements.append((block["old"], block["new"]))
    description = data.get("mistake", "")
    return Mutant(
        path, exercise_id, description if isinstance(description, str) else "", replacements
    )


def find_mutants(course: Course) -> list[Mutant]:
    """Every mutant under tests/mutants/<lesson>/<exercise stem>/<mistake>.toml."""
    root = course.root / "tests" / "mutants"
    return [load_mutant(path) for path in sorted(root.glob("*/*/*.toml"))]


def pristine_drift(course: Course) -> list[str]:
    """autograder/pristine.json must list the protected files exactly as committed."""
    current = integrity.pristine_files(course.root)
    try:
        recorded = integrity.load_pristine()
    except (OSError, ValueError, KeyError):
        return ["autograder/pristine.json is missing or unreadable (run `mlgrade dev sync`)"]
    changed = sorted(k for k in set(current) | set(recorded) if current.get(k) != recorded.get(k))
    if changed:
        return [
            f"autograder/pristine.json is stale for {', '.join(changed[:5])}"
            f"{' …' if len(changed) > 5 else ''} (run `mlgrade dev sync`)"
        ]
    return []


def sync(course: Course, check_only: bool, console: Console) -> int:
    lessons = course.root / "lessons"
    # pristine.json describes the installed grader's course; another course (--course) has none.
    installed = course.root.resolve() == COURSE_ROOT.resolve()
    missing = [ex for ex in course.exercises if not stubs.solution_path(course, ex).is_file()]
    if missing:
        for ex in missing:
            console.print(
                f"[red]missing[/] solutions/{ex.relpath}: course.toml lists {ex.id}; write its "
                "reference solution (the stub is generated from it) or remove the entry"
            )
        return 1
    problems = stubs.drift(course, lessons) + (pristine_drift(course) if installed else [])
    if check_only:
        for p in problems:
            console.print(f"[red]drift[/] {p}")
        if not problems:
            console.print(
                f"lessons/ matches the generator ({len(course.exercises)} stubs)"
                + ("; pristine.json is current" if installed else "")
            )
        return 1 if problems else 0
    stubs.write_stubs(course, lessons)
    given = stubs.write_given(course)
    message = f"wrote {len(course.exercises)} stubs into lessons/" + (
        f" and {len(given)} given modules into coursekit/" if given else ""
    )
    if installed:
        changed = integrity.write_pristine(course.root)
        message += f"; pristine.json {'updated' if changed else 'unchanged'}"
    console.print(message)
    return 0


def prove(course: Course, console: Console, jobs: int | None, with_mutants: bool) -> int:
    failures = []
    failures += check_manifest(course)
    failures += stubs.drift(course, course.root / "lessons")
    limits = Limits(memory_mb=course.memory_limit_mb, jobs=jobs or 2)
    with tempfile.TemporaryDirectory(prefix="mlgrade-solutions-") as tmp:
        # A copy laid out as a learner's workspace: lessons/, and the capstone beside it.
        stubs.write_solutions(course, Path(tmp) / "lessons")
        solved = grade(course, Path(tmp) / "lessons", course.exercises, limits)
    for ex in solved.exercises:
        if ex.status != PASSED:
            bad = next(c for c in ex.checks if c.status != PASSED)
            failures.append(
                f"solution {ex.id} scores {ex.score:g}/{ex.max_score:g}: {bad.name}: {bad.message}"
            )
    with tempfile.TemporaryDirectory(prefix="mlgrade-stubs-") as tmp:
        stubs.write_stubs(course, Path(tmp) / "lessons")
        fresh = grade(course, Path(tmp) / "lessons", course.exercises, limits)
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
    console.print(
        f"[bold green]dev check: {n} exercises gradable: solutions {solved.score:g}/"
        f"{solved.max_score:g}, stubs 0/{fresh.max_score:g}{extra}[/]"
    )
    return 0


def mutant_target(course: Course, mutant: Mutant, dest: Path) -> None:
    """A target laid out like lessons/ holding the mutant's exercise file alone.

    The other exercises need not be there: a check module loads only the file of its own exercise
    (the `submission` fixture is bound to the module's path), so a mistake in one file can cost
    points on that exercise only, by construction.
    """
    ex = course.exercise(mutant.exercise_id)
    if ex.beside_lessons:
        # The capstone is one system: its modules import each other, so the mutant's file goes
        # into a copy of the whole reference (every other part correct).
        lesson = next(lesson for lesson in course.lessons if lesson.id == ex.lesson_id)
        stubs.write_solutions(course, dest, lesson.exercises)
    out = ex.location(dest)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(mutant.source(course), encoding="utf-8")


@dataclass
class MutantVerdict:
    mutant: Mutant
    problem: str  # empty when the mutant is well formed and caught
    result: ExerciseResult | None  # its exercise graded, when it could be built


def grade_mutants(course: Course, mutants: list[Mutant], limits: Limits) -> Iterator[MutantVerdict]:
    """Grade each mutant's exercise in this warm process, one after another."""
    ids = {ex.id for ex in course.exercises}
    for mutant in mutants:
        if mutant.exercise_id not in ids:
            yield MutantVerdict(
                mutant, f"mutant {mutant.path}: no exercise {mutant.exercise_id}", None
            )
            continue
        if not mutant.description:
            yield MutantVerdict(
                mutant, f"mutant {mutant.path}: give it a 'mistake = \"<the mistake>\"' line", None
            )
            continue
        with tempfile.TemporaryDirectory(prefix="mlgrade-mutant-") as tmp:
            try:
                mutant_target(course, mutant, Path(tmp) / "lessons")
            except MutantError as exc:
                yield MutantVerdict(mutant, str(exc), None)
                continue
            report = grade(
                course, Path(tmp) / "lessons", [course.exercise(mutant.exercise_id)], limits
            )
        result = report.exercises[0]
        problem = ""
        if result.score >= result.max_score:
            problem = (
                f"mutant survived: {mutant.name} ({mutant.description}) "
                f"scores full marks on {result.id}"
            )
        yield MutantVerdict(mutant, problem, result)


def prove_mutants(course: Course, limits: Limits) -> list[str]:
    verdicts = grade_mutants(course, find_mutants(course), _mutant_limits(limits))
    return [v.problem for v in verdicts if v.problem]


def _mutant_limits(limits: Limits) -> Limits:
    """A mutant is proven by its first lost point: stop its exercise at the first check that does
    not pass (the rest would only cost time)."""
    return replace(limits, stop_exercise_after_failure=True)


def write_mutant_report(course: Course, args: argparse.Namespace, console: Console) -> int:
    """`mlgrade dev mutants`: grade the mutants (a shard of them) and write one JSON verdict each."""
    mutants = find_mutants(course)
    if args.selector:
        wanted = {ex.id for ex in course.select(args.selector)}
        mutants = [m for m in mutants if m.exercise_id in wanted]
    for selector in args.exclude:
        unwanted = {ex.id for ex in course.select(selector)}
        mutants = [m for m in mutants if m.exercise_id not in unwanted]
    k, n = args.shard
    mutants = mutants[k - 1 :: n]
    limits = _mutant_limits(Limits(memory_mb=course.memory_limit_mb, jobs=1))
    verdicts = {}
    for v in grade_mutants(course, mutants, limits):
        verdicts[f"{v.mutant.exercise_id}/{v.mutant.name}"] = {
            "problem": v.problem,
            "result": v.result.to_dict() if v.result else None,
        }
    text = json.dumps({"mutants": verdicts}, indent=1) + "\n"
    if args.output:  # without one, the summary below is the report
        atomic_write(Path(args.output), text)
    problems = [v["problem"] for v in verdicts.values() if v["problem"]]
    for p in problems:
        console.print(f"[red]✗[/] {p}")
    console.print(f"{len(verdicts) - len(problems)} of {len(verdicts)} mutants caught")
    return 1 if problems else 0


def main(args: argparse.Namespace) -> int:
    course = load_course(Path(args.course)) if args.course else load_course()
    console = Console()
    if args.dev_command == "sync":
        return sync(course, args.check, console)
    if args.dev_command == "mutants":
        return write_mutant_report(course, args, console)
    return prove(course, console, args.jobs, args.mutants)
