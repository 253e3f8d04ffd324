"""The CSV gradebook: a row per submission, a column per exercise, the total."""

from __future__ import annotations

import csv
import io

from ..manifest import Course
from ..results import GradeReport

TAIL = ("total", "max_total", "status", "reason", "sandbox")  # the columns after the exercises


def header(course: Course) -> list[str]:
    return ["submission", *[ex.id for ex in course.exercises], *TAIL]


def cell(row: list[str], name: str) -> str:
    """A row's value in one of the `TAIL` columns."""
    return row[TAIL.index(name) - len(TAIL)]


def row(
    course: Course, name: str, report: GradeReport | None, status: str = "graded", reason: str = ""
) -> list[str]:
    """One submission's row; a submission that could not be graded gets empty scores and a reason."""
    if report is None:
        return [
            name,
            *[""] * len(course.exercises),
            "0",
            f"{sum(e.points for e in course.exercises):g}",
            status,
            reason,
            "",
        ]
    scores = {e.id: e.score for e in report.exercises}
    return [
        name,
        *[f"{scores[ex.id]:g}" if ex.id in scores else "" for ex in course.exercises],
        f"{report.score:g}",
        f"{report.max_score:g}",
        status,
        reason or "; ".join(report.notes),
        report.sandbox,
    ]


def render_rows(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def render(report: GradeReport, course: Course, name: str) -> str:
    return render_rows([header(course), row(course, name, report)])
