"""Gradescope's results.json: a test per exercise, scores that add up to the total."""

from __future__ import annotations

import json

from ..results import PASSED, GradeReport


def render(report: GradeReport) -> str:
    tests = []
    for number, ex in enumerate(report.exercises, start=1):
        lines = []
        for check in ex.checks:
            mark = "✓" if check.status == PASSED else "✗"
            hidden = " (hidden check)" if check.hidden else ""
            lines.append(f"{mark} {check.name}{hidden}: {check.status.replace('_', ' ')}")
            if check.status != PASSED and check.message:
                lines.append(f"    {check.message}")
        tests.append(
            {
                "name": f"{ex.id} · {ex.title}",
                "number": str(number),
                "score": ex.score,
                "max_score": ex.max_score,
                "status": "passed" if ex.status == PASSED else "failed",
                "output": "\n".join(lines),
                "visibility": "visible",
            }
        )
    summary = [f"Score {report.score:g}/{report.max_score:g}"]
    summary += [f"note: {n}" for n in report.notes]
    return (
        json.dumps(
            {
                "score": report.score,
                "execution_time": round(report.duration_s, 2),
                "output": "\n".join(summary),
                "visibility": "visible",
                "stdout_visibility": "hidden",
                "tests": tests,
            },
            indent=2,
        )
        + "\n"
    )
