"""The learner's commands: status, check, hint, watch, reset, list, compare.

Every command that grades ends with the next step: the exercise to keep going on or, after a pass,
the next unfinished one, with its file (as a path the learner can open from where they stand), its
page on the course site, and the command that grades it.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.text import Text

from . import state, stubs
from .atomic import atomic_write
from .errors import UsageError
from .exporters import json_report, terminal
from .manifest import COURSE_ROOT, Course, Exercise, load_course
from .results import NOT_ATTEMPTED, PASSED, CheckResult, ExerciseResult, GradeReport
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
    """The limits of a learner's run: after a check of an exercise times out, the exercise's other
    checks are not run, so a hanging function costs one time limit rather than one per check; a
    file still identical to its stub is reported not attempted without running its checks."""
    jobs = getattr(args, "jobs", None) or min(4, os.cpu_count() or 1)
    return Limits(
        time_limit=getattr(args, "time_limit", None),
        memory_mb=course.memory_limit_mb,
        output_limit=course.output_limit_kb * 1024,
        jobs=jobs,
        stop_exercise_after_timeout=True,
        skip_untouched_stubs=True,
    )


def shown_path(path: Path) -> str:
    """`path` as the learner can open it: relative to where they stand when it is below, else whole."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def _remembers(args: argparse.Namespace) -> bool:
    """Results are remembered (per target folder) when graded with the course's own time limits."""
    return not getattr(args, "time_limit", None)


def _grade_with_progress(
    course: Course,
    target: Path,
    exercises: Sequence[Exercise],
    limits: Limits,
    console: Console,
    quiet: bool = False,
) -> GradeReport:
    if quiet or not console.is_terminal:
        return grade(course, target, exercises, limits)
    done = [0]
    with console.status(f"grading {len(exercises)} exercise(s)…", spinner="dots") as status:

        def live(exercise_id: str, check: CheckResult) -> None:
            done[0] += 1
            status.update(f"grading… {done[0]} checks done (last: {exercise_id.split('/')[-1]})")

        return grade(course, target, exercises, limits, live)


def _grade(
    course: Course,
    target: Path,
    exercises: Sequence[Exercise],
    args: argparse.Namespace,
    console: Console,
    quiet: bool = False,
) -> GradeReport:
    report = _grade_with_progress(
        course, target, exercises, limits_from(args, course), console, quiet
    )
    if _remembers(args):
        state.remember(course, target, report.exercises)
    return report


def _untouched(course: Course, target: Path, ex: Exercise) -> bool:
    path = ex.location(target)
    return not path.is_file() or path.read_text(encoding="utf-8") == stubs.stub_text(course, ex)


def known_results(course: Course, target: Path) -> dict[str, ExerciseResult]:
    """What is known without grading: cached results, and untouched stubs as not attempted.
    An exercise edited since its last grade is missing."""
    known = state.cached_results(course, target)
    for ex in course.exercises:
        if ex.id not in known and _untouched(course, target, ex):
            known[ex.id] = ExerciseResult(
                ex.id, ex.title, ex.points, [CheckResult("untouched stub", NOT_ATTEMPTED)]
            )
    return known


def _known_results(
    course: Course, target: Path, args: argparse.Namespace, console: Console
) -> dict[str, ExerciseResult]:
    """Every exercise's result: what is known, and a fresh grade of the exercises edited since."""
    known = known_results(course, target)
    stale = [ex for ex in course.exercises if ex.id not in known]
    if stale:
        report = _grade(course, target, stale, args, console)
        known.update({r.id: r for r in report.exercises})
    return known


def next_unfinished(
    course: Course,
    known: dict[str, ExerciseResult],
    among: Sequence[Exercise] | None = None,
    after: Exercise | None = None,
) -> Exercise | None:
    """The first exercise `among` (default: all) not known to pass, looking after `after` first
    and then from the start; None when every one passes."""
    among = list(among if among is not None else course.exercises)
    if after is not None and after in among:
        at = among.index(after) + 1
        among = among[at:] + among[:at]
    return next((ex for ex in among if ex.id not in known or known[ex.id].status != PASSED), None)


def pointer(
    course: Course, target: Path, ex: Exercise, result: ExerciseResult | None, verb: str = ""
) -> Text:
    if not verb:
        verb = "Start" if result is None or result.status == NOT_ATTEMPTED else "Keep going on"
    return terminal.next_step(verb, ex, shown_path(ex.location(target)), course.short_name(ex))


def report_pointer(
    course: Course, target: Path, report: GradeReport, among: Sequence[Exercise] | None = None
) -> Text:
    """The next step after a grade: the first exercise of the report that did not pass; when all
    passed, the next unfinished exercise (`among` those the learner works on, default all)."""
    unfinished = [r for r in report.exercises if r.status != PASSED]
    # The exercise the learner is working on (attempted, not passed) first, else the first to start.
    failing = next((r for r in unfinished if r.status != NOT_ATTEMPTED), None) or next(
        iter(unfinished), None
    )
    if failing is not None:
        return pointer(course, target, course.exercise(failing.id), failing)
    known = known_results(course, target)
    known.update({r.id: r for r in report.exercises})
    last = course.exercise(report.exercises[-1].id) if report.exercises else None
    nxt = next_unfinished(course, known, among, after=last)
    if nxt is None:
        return terminal.all_done("Every exercise" if among is None else "Every selected exercise")
    return pointer(course, target, nxt, known.get(nxt.id), verb="Next")


def cmd_check(args: argparse.Namespace, course: Course) -> int:
    target = resolve_target(args.target)
    exercises = course.select(args.selector)
    to_stdout_json = args.format == "json" and args.output is None
    console = Console(stderr=to_stdout_json)
    report = _grade(course, target, exercises, args, console, quiet=to_stdout_json)
    if args.format == "json":
        text = json_report.render(report)
    else:
        capture = Console(record=True, width=100, file=open(os.devnull, "w"))  # noqa: SIM115
        terminal.print_report(capture, report, course, report_pointer(course, target, report))
        text = capture.export_text()
    if args.output:
        atomic_write(args.output, text)
        console.print(f"report written to {args.output}  ({report.score:g}/{report.max_score:g})")
    elif args.format == "json":
        sys.stdout.write(text)
    else:
        terminal.print_report(console, report, course, report_pointer(course, target, report))
    return EXIT_OK if report.passed else EXIT_NOT_PASSED


def cmd_status(args: argparse.Namespace, course: Course) -> int:
    target = resolve_target(getattr(args, "target", None))
    console = Console()
    if not console.is_terminal:
        console.width = 200  # a log or a file: the table at its natural width, rows never broken
    known = _known_results(course, target, args, console)
    console.print(terminal.progress_table(course, known))
    held_back = sum(ex.hidden_points for ex in course.exercises)
    if held_back:
        console.print(
            f"Beyond these points, {held_back:g} are held back in hidden checks that your "
            "instructor runs.",
            style="yellow",
            soft_wrap=not console.is_terminal,
        )
    ex = next_unfinished(course, known)
    if ex is None:
        console.print(terminal.all_done("Every exercise"))
    else:
        console.print(pointer(course, target, ex, known[ex.id]), soft_wrap=not console.is_terminal)
    return EXIT_OK  # status informs; `mlgrade check` is the command whose exit status grades


def cmd_hint(args: argparse.Namespace, course: Course) -> int:
    if args.exercise:
        ex = _one_exercise(course, args.exercise)
    else:  # the exercise the learner is on: the first not known to pass
        ex = next_unfinished(course, known_results(course, resolve_target(args.target)))
        if ex is None:
            Console().print(terminal.all_done("Every exercise"))
            return EXIT_OK
    name = course.short_name(ex)
    number, text = state.next_hint(ex)
    console = Console()
    wrap = not console.is_terminal
    if text is None:
        console.print(
            f"All {number} hints for {ex.id} are shown. Reread them with care, then the "
            f"exercise's section at {terminal.site_url(ex.docs)}: each concept it links to has "
            "a worked example to run and change",
            soft_wrap=wrap,
        )
        for i, hint in enumerate(ex.hints, 1):
            console.print(f"  {i}. {hint}", markup=False, highlight=False, soft_wrap=wrap)
        return EXIT_OK
    console.print(f"[bold]Hint {number}/{len(ex.hints)} for {ex.id}[/]")
    console.print(f"  {text}", markup=False, highlight=False, soft_wrap=wrap)
    if number < len(ex.hints):
        console.print(
            f"[dim]Still stuck? `mlgrade hint {name}` again for hint {number + 1}.[/]",
            soft_wrap=wrap,
        )
    return EXIT_OK


def _one_exercise(course: Course, selector: str) -> Exercise:
    matched = course.select(selector)
    if len(matched) != 1:
        raise UsageError(f"'{selector}' is a lesson; name one exercise, e.g. {matched[0].id}")
    return matched[0]


def _backup_path(ex: Exercise) -> Path:
    """Where `reset` keeps the learner's file: in the state folder (git-ignored), by time."""
    folder = state.state_dir() / "backups" / ex.lesson_id
    name = ex.relpath.name
    stem, dot, suffix = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = folder / f"{stem}.{stamp}{dot}{suffix}"
    n = 1
    while backup.exists():
        backup = folder / f"{stem}.{stamp}-{n}{dot}{suffix}"
        n += 1
    return backup


def cmd_reset(args: argparse.Namespace, course: Course) -> int:
    ex = _one_exercise(course, args.exercise)
    target = resolve_target(args.target)
    path = ex.location(target)
    console = Console()
    wrap = not console.is_terminal
    mode = 0o644
    if path.exists():
        mode = path.stat().st_mode & 0o777
        backup = _backup_path(ex)
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, backup)
        ignored = state.state_dir().name == ".mlgrade"  # .gitignore: .mlgrade/
        console.print(
            f"your file was saved as {shown_path(backup)}"
            + (" (the grader's state folder, which git ignores)" if ignored else ""),
            soft_wrap=wrap,
        )
    atomic_write(path, stubs.stub_text(course, ex))
    os.chmod(path, mode)
    console.print(f"{shown_path(path)} is back to its stub", soft_wrap=wrap)
    return EXIT_OK


LIST_STATUS = {"done": "green", "partial": "yellow", "todo": "dim"}


def progress_word(result: ExerciseResult | None) -> str:
    """done (every check passes), todo (not attempted), partial (anything in between)."""
    if result is None or result.status == NOT_ATTEMPTED:
        return "todo"
    return "done" if result.status == PASSED else "partial"


def cmd_list(args: argparse.Namespace, course: Course) -> int:
    target = resolve_target(getattr(args, "target", None))
    console = Console()
    known = _known_results(course, target, args, console)
    for lesson in course.lessons:
        points = sum(known[e.id].score for e in lesson.exercises)
        console.print(f"[bold]{lesson.id}[/] {lesson.title}  ({points:g}/{lesson.points:g} points)")
        for ex in lesson.exercises:
            word = progress_word(known[ex.id])
            line = Text(f"  {word:<8}", style=LIST_STATUS[word])
            score = f"{known[ex.id].score:g}/{ex.points:g}"
            line.append(f"{ex.id:<40} {score:>9}  {ex.title}")
            console.print(line, soft_wrap=not console.is_terminal)
    return EXIT_OK


def cmd_compare(args: argparse.Namespace, course: Course) -> int:
    """Once an exercise fully passes: a diff of the learner's file against the reference."""
    ex = _one_exercise(course, args.exercise)
    target = resolve_target(args.target)
    path = ex.location(target)
    console = Console()
    wrap = not console.is_terminal
    result = known_results(course, target).get(ex.id)
    if result is None:
        result = _grade(course, target, [ex], args, console).exercises[0]
    name = course.short_name(ex)
    if result.status != PASSED:
        missing = round(result.max_score - result.score, 2)
        console.print(
            f"{ex.id} is not fully passed yet: {missing:g} of its {result.max_score:g} points are "
            f"missing. The reference solution is shown only once every check passes; "
            f"`mlgrade check {name}` says what is left.",
            soft_wrap=wrap,
        )
        return EXIT_NOT_PASSED
    mine = path.read_text(encoding="utf-8").splitlines(keepends=True)
    reference = stubs.strip_markers(
        stubs.solution_path(course, ex).read_text(encoding="utf-8")
    ).splitlines(keepends=True)
    diff = list(
        difflib.unified_diff(
            mine, reference, fromfile=f"yours: {shown_path(path)}", tofile=f"reference: {ex.id}"
        )
    )
    if not diff:
        console.print(f"Your {shown_path(path)} is the reference solution, line for line.")
        return EXIT_OK
    styles = {"+": "green", "-": "red", "@": "cyan"}
    for line in diff:
        text = line.rstrip("\n")
        console.print(Text(text, style=styles.get(text[:1], "")), soft_wrap=True, highlight=False)
    console.print(
        "\nLines with - are yours, lines with + the reference's. Both pass every check: "
        "read the differences for another way to say the same thing.",
        soft_wrap=wrap,
    )
    return EXIT_OK


def cmd_watch(args: argparse.Namespace, course: Course) -> int:
    from watchfiles import watch

    target = resolve_target(args.target)
    selection = course.select(args.selector)
    selected = {ex.location(target).resolve(): ex for ex in selection}
    # The capstone's files sit beside lessons/: watch its folder too when it is selected.
    roots = sorted({str(target)} | {str(r) for ex in selection if (r := ex.import_root(target))})
    roots = [r for r in roots if Path(r).is_dir()]
    among = None if args.selector is None else selection
    console = Console()
    wrap = not console.is_terminal
    console.print(
        f"[bold]Watching {shown_path(target)}[/] for {len(selection)} exercise(s). Save a file to "
        "regrade it; Ctrl-C to stop.",
        soft_wrap=wrap,
    )
    # Start with the first unfinished exercise: grade it now, moving on past any that pass.
    known = known_results(course, target)
    current = next_unfinished(course, known, selection)
    while current is not None:
        report = _grade(course, target, [current], args, console)
        known[current.id] = report.exercises[0]
        if report.exercises[0].status != PASSED:
            terminal.print_report(console, report, course, report_pointer(course, target, report))
            break
        current = next_unfinished(course, known, selection, after=current)
    else:
        console.print(terminal.all_done("Every selected exercise"))
    sys.stdout.flush()
    for changes in watch(*roots, debounce=300, step=50, raise_interrupt=False):
        changed = []
        for _, raw in changes:
            path = Path(raw) if Path(raw).is_absolute() else target / raw
            ex = selected.get(path.resolve())
            if ex is not None and ex not in changed:
                changed.append(ex)
        if not changed:
            continue
        report = _grade(course, target, changed, args, console, quiet=True)
        console.rule(time.strftime("%H:%M:%S"))
        terminal.print_report(
            console, report, course, report_pointer(course, target, report, among)
        )
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
        "compare": cmd_compare,
    }[command]
    return handler(args, course)
