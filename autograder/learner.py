"""The learner's commands: status, check, hint, watch, reset, list."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from rich.console import Console

from . import state, stubs
from .atomic import atomic_write
from .errors import UsageError
from .exporters import json_report, terminal
from .manifest import COURSE_ROOT, Course, Exercise, load_course
from .results import NOT_ATTEMPTED, CheckResult, ExerciseResult, GradeReport
from .runner import Limits, grade

EXIT_OK, EXIT_NOT_PASSED, EXIT_USAGE = 0, 1, 2


def resolve_target(arg: Path | None) -> Path:
    target = (arg or COURSE_ROOT / "lessons").expanduser()
    if not target.is_dir():
        what = "does not exist" if not target.exists() else "is not a folder"
        raise UsageError(
            f"the target folder '{target}' {what}. Pass --target with a folder laid out like "
            f"lessons/ (for example: {COURSE_ROOT / 'lessons'})"
        )
    return target.resolve()


def limits_from(args: argparse.Namespace, course: Course) -> Limits:
    jobs = getattr(args, "jobs", None) or min(4, os.cpu_count() or 1)
    return Limits(
        time_limit=getattr(args, "time_limit", None),
        memory_mb=course.memory_limit_mb,
        output_limit=course.output_limit_kb * 1024,
        jobs=jobs,
    )


def _grade_with_progress(
    course: Course,
    target: Path,
    exercises: list[Exercise],
    limits: Limits,
    console: Console,
    quiet: bool = False,
) -> GradeReport:
    total = [0]

    def on_check(exercise_id: str, check: CheckResult) -> None:
        total[0] += 1

    if quiet or not console.is_terminal:
        return grade(course, target, exercises, limits, on_check)
    with console.status(f"grading {len(exercises)} exercise(s)…", spinner="dots") as status:

        def live(exercise_id: str, check: CheckResult) -> None:
            on_check(exercise_id, check)
            status.update(f"grading… {total[0]} checks done (last: {exercise_id.split('/')[-1]})")

        return grade(course, target, exercises, limits, live)


def cmd_check(args: argparse.Namespace, course: Course) -> int:
    target = resolve_target(args.target)
    exercises = course.select(args.selector)
    to_stdout_json = args.format == "json" and args.output is None
    console = Console(stderr=to_stdout_json)
    report = _grade_with_progress(
        course, target, exercises, limits_from(args, course), console, quiet=to_stdout_json
    )
    if target == (COURSE_ROOT / "lessons").resolve() and args.time_limit is None:
        state.remember(
            course, target, report.exercises
        )  # only grades made with the course's limits
    if args.format == "json":
        text = json_report.render(report)
    else:
        capture = Console(record=True, width=100, file=open(os.devnull, "w"))  # noqa: SIM115
        terminal.print_report(capture, report, course)
        text = capture.export_text()
    if args.output:
        atomic_write(args.output, text)
        console.print(f"report written to {args.output}  ({report.score:g}/{report.max_score:g})")
    elif args.format == "json":
        sys.stdout.write(text)
    else:
        terminal.print_report(console, report, course)
    return EXIT_OK if report.passed else EXIT_NOT_PASSED


def _known_results(
    course: Course, target: Path, args: argparse.Namespace, console: Console
) -> dict[str, ExerciseResult]:
    """Cached results, untouched stubs as not attempted, and a fresh grade of everything else."""
    known = state.cached_results(course, target)
    stale = []
    for ex in course.exercises:
        if ex.id in known:
            continue
        text = (
            (target / ex.relpath).read_text(encoding="utf-8")
            if (target / ex.relpath).is_file()
            else None
        )
        if text is None or text == stubs.stub_text(course, ex):
            known[ex.id] = ExerciseResult(
                ex.id, ex.title, ex.points, [CheckResult("untouched stub", NOT_ATTEMPTED)]
            )
        else:
            stale.append(ex)
    if stale:
        report = _grade_with_progress(course, target, stale, limits_from(args, course), console)
        state.remember(course, target, report.exercises)
        known.update({r.id: r for r in report.exercises})
    return known


def cmd_status(args: argparse.Namespace, course: Course) -> int:
    target = resolve_target(getattr(args, "target", None))
    console = Console()
    known = _known_results(course, target, args, console)
    console.print(terminal.progress_table(course, known))
    held_back = sum(ex.hidden_points for ex in course.exercises)
    if held_back:
        console.print(
            f"Beyond these points, {held_back:g} are held back in hidden checks that your "
            "instructor runs.",
            style="yellow",
        )
    pending = [ex for ex in course.exercises if known[ex.id].status != "passed"]
    if not pending:
        console.print("[bold green]Every exercise passes. On to the capstone![/]")
        return EXIT_OK
    ex = pending[0]
    console.print(terminal.next_step(ex, known[ex.id]), soft_wrap=not console.is_terminal)
    return EXIT_OK  # status informs; `mlgrade check` is the command whose exit status grades


def cmd_hint(args: argparse.Namespace, course: Course) -> int:
    ex = _one_exercise(course, args.exercise)
    number, text = state.next_hint(ex)
    console = Console()
    if text is None:
        console.print(
            f"All {number} hints for {ex.id} are shown. Reread them with care, then the "
            f"worked example in docs/{ex.docs}."
        )
        for i, hint in enumerate(ex.hints, 1):
            console.print(f"  {i}. {hint}", markup=False, highlight=False)
        return EXIT_OK
    console.print(f"[bold]Hint {number}/{len(ex.hints)} for {ex.id}[/]")
    console.print(f"  {text}", markup=False, highlight=False)
    if number < len(ex.hints):
        console.print(f"[dim]Still stuck? `mlgrade hint {ex.stem}` again for hint {number + 1}.[/]")
    return EXIT_OK


def _one_exercise(course: Course, selector: str) -> Exercise:
    matched = course.select(selector)
    if len(matched) != 1:
        raise UsageError(f"'{selector}' is a lesson; name one exercise, e.g. {matched[0].id}")
    return matched[0]


def cmd_reset(args: argparse.Namespace, course: Course) -> int:
    ex = _one_exercise(course, args.exercise)
    target = resolve_target(args.target)
    path = target / ex.relpath
    console = Console()
    if path.exists():
        backup = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.bak")
        n = 1
        while backup.exists():
            backup = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}-{n}.bak")
            n += 1
        shutil.copy2(path, backup)
        console.print(f"your file was saved as {backup}")
    atomic_write(path, stubs.stub_text(course, ex))
    console.print(f"{ex.relpath} is back to its stub")
    return EXIT_OK


def cmd_list(args: argparse.Namespace, course: Course) -> int:
    console = Console()
    for lesson in course.lessons:
        console.print(f"[bold]{lesson.id}[/] {lesson.title}")
        for ex in lesson.exercises:
            console.print(f"  {ex.id:<40} {ex.points:>5g} pts  {ex.title}")
    return EXIT_OK


def cmd_watch(args: argparse.Namespace, course: Course) -> int:
    from watchfiles import watch

    target = resolve_target(args.target)
    selected = {ex.relpath.as_posix(): ex for ex in course.select(args.selector)}
    console = Console()
    limits = limits_from(args, course)
    console.print(
        f"[bold]Watching {target}[/] for {len(selected)} exercise(s). Save a file to "
        "regrade it; Ctrl-C to stop."
    )
    for changes in watch(target, debounce=300, step=50, raise_interrupt=False):
        changed = []
        for _, raw in changes:
            rel = (
                Path(raw).resolve().relative_to(target).as_posix()
                if Path(raw).is_absolute()
                else raw
            )
            if rel in selected and selected[rel] not in changed:
                changed.append(selected[rel])
        if not changed:
            continue
        report = grade(course, target, changed, limits)
        if target == (COURSE_ROOT / "lessons").resolve():
            state.remember(course, target, report.exercises)
        console.rule(time.strftime("%H:%M:%S"))
        terminal.print_report(console, report, course)
        sys.stdout.flush()
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    course = load_course()
    command = args.command or "status"
    handler = {
        "status": cmd_status,
        "check": cmd_check,
        "hint": cmd_hint,
        "watch": cmd_watch,
        "reset": cmd_reset,
        "list": cmd_list,
    }[command]
    return handler(args, course)
