"""A Markdown summary for a CI job page ($GITHUB_STEP_SUMMARY): totals, a table per lesson, failures."""

from __future__ import annotations

from itertools import groupby

from ..results import PASSED, GradeReport

ICON = {"passed": "✅", "failed": "❌", "error": "💥", "timeout": "⏱️", "not_attempted": "⬜"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: GradeReport) -> str:
    pct = 100 * report.score / report.max_score if report.max_score else 0.0
    out = [f"## mlgrade: {report.score:g}/{report.max_score:g} ({pct:.0f} %)", ""]
    done = sum(e.status == PASSED for e in report.exercises)
    out.append(
        f"{done} of {len(report.exercises)} exercises complete · graded in {report.duration_s:.1f} s"
        f" · sandbox: {report.sandbox}"
    )
    if report.held_back:
        out.append(f"· {report.held_back:g} more points are in hidden checks your instructor runs")
    out.append("")
    for lesson, exercises in groupby(report.exercises, key=lambda e: e.lesson_id):
        out += [f"### {lesson}", "", "| exercise | status | score |", "|---|---|---:|"]
        for ex in exercises:
            out.append(
                f"| {_cell(ex.id.split('/')[1])} · {_cell(ex.title)} | {ICON[ex.status]} "
                f"{ex.status.replace('_', ' ')} | {ex.score:g}/{ex.max_score:g} |"
            )
        out.append("")
    failures = [
        (ex, c)
        for ex in report.exercises
        for c in ex.checks
        if c.status not in (PASSED, "not_attempted")
    ]
    if failures:
        out += ["### What to fix", ""]
        for ex, check in failures[:50]:
            seen = ", observed in the learner's process" if check.observed else ""
            out.append(
                f"- **{ex.id}** · {check.name} ({check.status}{seen}): {_cell(check.message)}"
            )
        if len(failures) > 50:
            out.append(f"- … and {len(failures) - 50} more")
        out.append("")
    for note in report.notes:
        out.append(f"> note: {_cell(note)}")
    return "\n".join(out).rstrip() + "\n"
