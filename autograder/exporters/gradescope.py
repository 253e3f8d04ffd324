"""Gradescope's results.json: a test per exercise, scores that add up to the total."""

from __future__ import annotations

import json

from ..results import PASSED, CheckResult, GradeReport


def _test(
    number: int,
    name: str,
    checks: list[CheckResult],
    score: float,
    max_score: float,
    visibility: str,
) -> dict:
    lines = []
    for check in checks:
        mark = "✓" if check.status == PASSED else "✗"
        lines.append(f"{mark} {check.name}: {check.status.replace('_', ' ')}")
        if check.status != PASSED and check.message:
            lines.append(f"    {check.message}")
    return {
        "name": name,
        "number": str(number),
        "score": round(score, 2),
        "max_score": max_score,
        "status": "passed" if all(c.status == PASSED for c in checks) else "failed",
        "output": "\n".join(lines),
        "visibility": visibility,
    }


def render(report: GradeReport) -> str:
    """One test per exercise; an exercise graded with hidden checks gets a second test holding
    them, visible to learners only once the instructor publishes the grades."""
    tests = []
    for ex in report.exercises:
        visible = [c for c in ex.checks if not c.hidden]
        hidden = [c for c in ex.checks if c.hidden]
        name = f"{ex.id} · {ex.title}"
        tests.append(
            _test(len(tests) + 1, name, visible, ex.group_score(False), ex.points, "visible")
        )
        if hidden:
            tests.append(
                _test(
                    len(tests) + 1,
                    f"{name} (hidden checks)",
                    hidden,
                    ex.group_score(True),
                    ex.hidden_points,
                    "after_published",
                )
            )
    # rounding per test must not make the tests disagree with the total
    total = round(sum(t["score"] for t in tests), 2)
    summary = [f"Score {total:g}/{report.max_score:g} · sandbox: {report.sandbox}"]
    summary += [f"note: {n}" for n in report.notes]
    return (
        json.dumps(
            {
                "score": total,
                "execution_time": round(report.duration_s, 2),
                "output": "\n".join(summary),
                "visibility": "visible",
                "stdout_visibility": "hidden",
                "tests": tests,
                "extra_data": {"sandbox": report.sandbox},
            },
            indent=2,
        )
        + "\n"
    )
