"""What a learner sees in the terminal: rich tables, one line per check, the next step."""

from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..manifest import Course, Exercise
from ..results import CheckResult, ExerciseResult, GradeReport

STYLE = {
    "passed": ("✓", "green"),
    "failed": ("✗", "red"),
    "error": ("!", "magenta"),
    "timeout": ("⏱", "yellow"),
    "not_attempted": ("·", "dim"),
}


def _indented(console: Console, text: str, style: str = "") -> None:
    """Indented text: wrapped to the terminal's width, or left whole in a log or a file."""
    if console.is_terminal:
        console.print(Padding(Text(text, style=style), (0, 0, 0, 6), expand=False))
    else:
        console.print(Text("      " + text.replace("\n", "\n      "), style=style), soft_wrap=True)


def print_check(console: Console, check: CheckResult, show_output: bool = False) -> None:
    """One check: a status mark and its name, then (indented) its message."""
    mark, style = STYLE[check.status]
    console.print(
        Text(f"  {mark} ", style=style) + Text(check.name), soft_wrap=not console.is_terminal
    )
    if check.status != "passed" and check.message:
        _indented(console, check.message, "bold" if check.status == "failed" else "")
    if show_output and check.output.strip():
        _indented(console, "your output:\n" + check.output.strip()[:600], "dim")


def print_exercise_detail(console: Console, ex: ExerciseResult, course: Course) -> None:
    style = STYLE[ex.status][1]
    console.print(
        Text(f"\n{ex.id} · {ex.title}  {ex.score:g}/{ex.max_score:g}", style=f"bold {style}")
    )
    shown_output = False
    for check in ex.checks:
        show = check.status != "passed" and not shown_output
        print_check(console, check, show_output=show)
        shown_output = shown_output or (show and bool(check.output.strip()))


def print_report(console: Console, report: GradeReport, course: Course) -> None:
    for ex in report.exercises:
        print_exercise_detail(console, ex, course)
    console.print()
    console.print(summary_line(report), soft_wrap=not console.is_terminal)
    if report.held_back:
        console.print(
            f"{report.held_back:g} more points are held back in hidden checks that your "
            "instructor runs: full marks here are not yet 100 %.",
            style="yellow",
        )
    failing = next((e for e in report.exercises if e.status != "passed"), None)
    if failing:
        console.print(
            next_step(course.exercise(failing.id), failing), soft_wrap=not console.is_terminal
        )


def summary_line(report: GradeReport) -> Text:
    n_passed = sum(e.status == "passed" for e in report.exercises)
    style = "bold green" if report.passed else "bold"
    return Text(
        f"Score {report.score:g}/{report.max_score:g} · {n_passed}/{len(report.exercises)} exercises "
        f"complete · {report.duration_s:.1f} s",
        style=style,
    )


def next_step(ex: Exercise, result: ExerciseResult | None) -> Text:
    verb = "Start" if result is None or result.status == "not_attempted" else "Keep going on"
    text = Text(f"{verb}: {ex.relpath.as_posix()} — {ex.title}\n", style="bold cyan")
    text.append(
        f"  read docs/{ex.docs}, then `mlgrade check {ex.stem}`; stuck? `mlgrade hint {ex.stem}`"
    )
    return text


def progress_table(course: Course, known: dict[str, ExerciseResult]) -> Table:
    """The `mlgrade` status table: one row per lesson, points and progress."""
    table = Table(title=course.title, title_style="bold", expand=False)
    table.add_column("Lesson")
    table.add_column("Exercises", justify="right")
    table.add_column("Points", justify="right")
    table.add_column("Progress")
    for lesson in course.lessons:
        results = [known.get(e.id) for e in lesson.exercises]
        done = sum(r is not None and r.status == "passed" for r in results)
        points = sum(r.score for r in results if r is not None)
        share = points / lesson.points if lesson.points else 0.0
        bar = "█" * round(share * 20) + "░" * (20 - round(share * 20))
        table.add_row(
            f"{lesson.number} {lesson.title}",
            f"{done}/{len(results)}",
            f"{points:g}/{lesson.points:g}",
            Text(bar, style="green" if share == 1 else "cyan"),
        )
    return table
