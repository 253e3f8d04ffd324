"""What a learner sees in the terminal: one line per check, one line per untouched exercise, the
progress table, and the pointer to the next step.

In a terminal, long lines wrap to its width; in a log or a file, a line is never broken.
"""

from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..manifest import Course, Exercise
from ..results import NOT_ATTEMPTED, CheckResult, ExerciseResult, GradeReport

STYLE = {
    "passed": ("✓", "green"),
    "failed": ("✗", "red"),
    "error": ("!", "magenta"),
    "timeout": ("⏱", "yellow"),
    "not_attempted": ("·", "dim"),
}

# Where `mkdocs serve` publishes the course site: `lessons/01-numpy.md#x` is at
# `<SITE_URL>lessons/01-numpy/#x`.
SITE_URL = "http://127.0.0.1:8000/"
UNTOUCHED = "not attempted yet: the function still raises NotImplementedError"


def _print(console: Console, text: Text | str) -> None:
    console.print(text, soft_wrap=not console.is_terminal)


def _indented(console: Console, text: str, style: str = "") -> None:
    """Indented text: wrapped to the terminal's width, or left whole in a log or a file."""
    if console.is_terminal:
        console.print(Padding(Text(text, style=style), (0, 0, 0, 6), expand=False))
    else:
        console.print(Text("      " + text.replace("\n", "\n      "), style=style), soft_wrap=True)


def print_check(
    console: Console, check: CheckResult, show_output: bool = False, same_as_above: bool = False
) -> None:
    """One check: a status mark and its name, then (indented) its message, unless it is the
    message of the check above."""
    mark, style = STYLE[check.status]
    line = Text(f"  {mark} ", style=style) + Text(check.name)
    if check.observed:
        line += Text(" (observed in your process)", style="dim")
    if same_as_above and check.status != "passed":
        line.append("  (same as above)", style="dim")
    _print(console, line)
    if check.status != "passed" and check.message and not same_as_above:
        _indented(console, check.message, "bold" if check.status == "failed" else "")
    if show_output and check.output.strip():
        _indented(console, "your output:\n" + check.output.strip()[:600], "dim")


def _heading(ex: ExerciseResult) -> Text:
    return Text(f"{ex.id} · {ex.title}  {ex.score:g}/{ex.max_score:g}")


def not_attempted_line(ex: ExerciseResult) -> Text:
    """An untouched exercise in one line, whatever its number of checks."""
    messages = {c.message for c in ex.checks}
    line = Text(f"{STYLE[NOT_ATTEMPTED][0]} ", style="dim") + _heading(ex)
    detail = "not attempted"
    still_stub = len(messages) == 1 and next(iter(messages)).endswith(" is still its stub")
    if len(messages) == 1 and UNTOUCHED not in messages and not still_stub:
        why = messages.pop()
        for prefix in ("not attempted yet: ", "not attempted: "):
            why = why.removeprefix(prefix)
        detail += f" ({why})" if why else ""
    return line + Text(f"  {detail}", style="dim")


def print_exercise_detail(console: Console, ex: ExerciseResult, course: Course) -> None:
    """An attempted exercise: its heading and one line per check. When every check ended the
    same way (a syntax error, a crash at import), one line says it for all of them."""
    style = STYLE[ex.status][1]
    console.print()
    _print(console, Text(_heading(ex).plain, style=f"bold {style}"))
    outcomes = {(c.status, c.message) for c in ex.checks}
    if len(ex.checks) > 1 and len(outcomes) == 1 and ex.status != "passed":
        first = ex.checks[0]
        print_check(
            console,
            CheckResult(f"all {len(ex.checks)} checks", first.status, first.message),
            show_output=False,
        )
        output = next((c.output for c in ex.checks if c.output.strip()), "")
        if output:
            _indented(console, "your output:\n" + output.strip()[:600], "dim")
        return
    shown_output = False
    said: set[tuple[str, str]] = set()
    for check in ex.checks:
        show = check.status != "passed" and not shown_output
        repeated = (check.status, check.message) in said
        print_check(console, check, show_output=show, same_as_above=repeated)
        shown_output = shown_output or (show and bool(check.output.strip()))
        if check.status != "passed" and check.message:
            said.add((check.status, check.message))


def print_report(
    console: Console, report: GradeReport, course: Course, pointer: Text | None = None
) -> None:
    """Every exercise of the report, the summary line, and `pointer` (the next step) last."""
    compact = False  # untouched exercises follow each other without blank lines
    for ex in report.exercises:
        if ex.status == NOT_ATTEMPTED:
            if not compact:
                console.print()
            _print(console, not_attempted_line(ex))
            compact = True
        else:
            print_exercise_detail(console, ex, course)
            compact = False
    console.print()
    _print(console, summary_line(report))
    if report.held_back:
        _print(
            console,
            Text(
                f"{report.held_back:g} more points are held back in hidden checks that your "
                "instructor runs: full marks here are not yet 100 %.",
                style="yellow",
            ),
        )
    if pointer is not None:
        _print(console, pointer)


def summary_line(report: GradeReport) -> Text:
    n_passed = sum(e.status == "passed" for e in report.exercises)
    style = "bold green" if report.passed else "bold"
    return Text(
        f"Score {report.score:g}/{report.max_score:g} · {n_passed}/{len(report.exercises)} exercises "
        f"complete · {report.duration_s:.1f} s",
        style=style,
    )


def site_url(docs: str) -> str:
    """The page of the site for a docs path: `lessons/01-numpy.md#x` -> `.../lessons/01-numpy/#x`."""
    page, _, anchor = docs.partition("#")
    page = page.removesuffix(".md")
    page = "" if page == "index" else page.removesuffix("/index") + "/"
    return SITE_URL + page + (f"#{anchor}" if anchor else "")


def next_step(verb: str, ex: Exercise, path: str, name: str) -> Text:
    """The pointer to an exercise: its file, where to read about it, the commands.

    `verb`: "Start", "Keep going on" or "Next"; `path`: the file as the learner can open it from
    where they stand; `name`: the selector to type.
    """
    text = Text(f"{verb}: {path} · {ex.title}\n", style="bold cyan")
    text.append(f"  read   {site_url(ex.docs)}  (the course site: run `mkdocs serve`)\n")
    text.append(f"  check  mlgrade check {name}  ·  stuck? mlgrade hint {name}")
    return text


def all_done(what: str) -> Text:
    return Text(f"{what} passes. On to the capstone!", style="bold green")


def _bar(share: float) -> str:
    return "█" * round(share * 20) + "░" * (20 - round(share * 20))


def progress_table(course: Course, known: dict[str, ExerciseResult]) -> Table:
    """The `mlgrade` status table: one row per lesson, points and progress, and the total."""
    table = Table(title=course.title, title_style="bold", expand=False)
    table.add_column("Lesson")
    table.add_column("Exercises", justify="right")
    table.add_column("Points", justify="right")
    table.add_column("Progress")
    total_done = total_points = 0.0
    for i, lesson in enumerate(course.lessons):
        results = [known.get(e.id) for e in lesson.exercises]
        done = sum(r is not None and r.status == "passed" for r in results)
        points = sum(r.score for r in results if r is not None)
        total_done, total_points = total_done + done, total_points + points
        share = points / lesson.points if lesson.points else 0.0
        table.add_row(
            f"{lesson.number} {lesson.title}",
            f"{done}/{len(results)}",
            f"{points:g}/{lesson.points:g}",
            Text(_bar(share), style="green" if share == 1 else "cyan"),
            end_section=i == len(course.lessons) - 1,
        )
    maximum = sum(lesson.points for lesson in course.lessons)
    share = total_points / maximum if maximum else 0.0
    table.add_row(
        Text("Total", style="bold"),
        Text(f"{total_done:g}/{len(course.exercises)}", style="bold"),
        Text(f"{round(total_points, 2):g}/{maximum:g}", style="bold"),
        Text(f"{_bar(share)} {share:.0%}", style="green" if share == 1 else "cyan"),
    )
    return table
