"""The instructor's commands: grade one submission, verify a clone against the pristine course."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console

from . import integrity
from .atomic import atomic_write
from .errors import UsageError
from .exporters import gradebook, gradescope, json_report, junit, markdown
from .manifest import Course, load_course
from .results import GradeReport
from .runner import Limits, grade
from .submission import SubmissionError, workspace

FORMATS = ("json", "junit", "gradescope", "markdown", "csv")


def render(report: GradeReport, fmt: str, course: Course, name: str) -> str:
    if fmt == "json":
        return json_report.render(report)
    if fmt == "junit":
        return junit.render(report)
    if fmt == "gradescope":
        return gradescope.render(report)
    if fmt == "markdown":
        return markdown.render(report)
    return gradebook.render(report, course, name)


def hidden_from_learners(
    course: Course, submission: Path, extra_checks: Path | None, output: Path | None
) -> tuple[list[str], list[str]]:
    """The folders the sandbox hides from a submission's code: the reference solutions, the
    instructor's hidden checks, the folder the submission sits in (its neighbours in a batch) and
    the report's folder. A folder that holds the grader or its Python cannot be hidden (the
    learner's process imports from there); it is named in a note instead."""
    wanted = [course.root / "solutions", Path(submission).absolute().parent]
    wanted += [Path(p).absolute() for p in (extra_checks, output and Path(output).parent) if p]
    needed = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix, course.root, *sys.path) if p]
    hide, notes = [], []
    for folder in dict.fromkeys(p.resolve() for p in wanted):
        if (
            any(folder == n or folder in n.parents for n in needed)
            and folder != course.root / "solutions"
        ):
            notes.append(f"the sandbox cannot hide {folder}: the grader runs from it")
        elif folder.is_dir():
            hide.append(str(folder))
    return hide, notes


def grade_submission(
    course: Course,
    submission: Path,
    extra_checks: Path | None = None,
    time_limit: float | None = None,
    jobs: int = 2,
    check_time_limit: float | None = None,
    output: Path | None = None,
) -> GradeReport:
    """Grade a submission folder, clone or zip in a clean workspace (never inside the submission),
    its code sandboxed where this machine can (the report says `sandbox: none` where it cannot)."""
    if extra_checks is not None and not Path(extra_checks).is_dir():
        raise UsageError(f"--extra-checks {extra_checks}: not a folder of check_*.py modules")
    hide, hide_notes = hidden_from_learners(course, submission, extra_checks, output)
    with workspace(course, submission) as ws:
        limits = Limits(
            time_limit=check_time_limit,
            memory_mb=course.memory_limit_mb,
            output_limit=course.output_limit_kb * 1024,
            jobs=jobs,
            total_time=time_limit,
            sandbox=True,
            hide=tuple(hide),
        )
        report = grade(course, ws.path, course.exercises, limits, extra_checks=extra_checks)
    report.target = str(submission)
    report.notes = ws.notes + hide_notes + report.notes
    if report.sandbox == "none":
        report.notes.append(
            "sandbox: none. This machine could not sandbox the submission's code (it needs Linux "
            "user namespaces); it still ran in its own process, as an unprivileged user where "
            "the grader is root, but it could read and write what the grader's user can"
        )
    return report


def cmd_grade(args: argparse.Namespace) -> int:
    course = load_course()
    try:
        report = grade_submission(
            course,
            args.submission,
            args.extra_checks,
            args.time_limit,
            args.jobs or min(4, os.cpu_count() or 1),
            args.check_time_limit,
            args.output,
        )
    except SubmissionError as exc:
        raise UsageError(f"cannot grade {args.submission}: {exc}") from None
    text = render(report, args.format, course, Path(args.submission).name)
    if args.output:
        atomic_write(args.output, text)
    else:
        sys.stdout.write(text)
    pct = 100 * report.score / report.max_score if report.max_score else 0.0
    status = Console(stderr=True)
    status.print(
        f"{args.submission}: {report.score:g}/{report.max_score:g} ({pct:.1f} %) · "
        f"sandbox: {report.sandbox}"
    )
    if args.fail_under is not None and pct < args.fail_under:
        status.print(f"below the required {args.fail_under:g} %")
        return 1
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    clone = Path(args.clone)
    if not clone.is_dir():
        raise UsageError(f"'{clone}' is not a folder: pass a clone of the course repository")
    verdict = integrity.verify(clone)
    console = Console()
    rows = [
        ("modified", verdict.modified),
        ("missing", verdict.missing),
        ("added", verdict.added),
        ("suspicious", verdict.suspicious),
    ]
    for label, paths in rows:
        for rel in paths:
            console.print(f"[red]{label:>10}[/]  {rel}")
    if verdict.clean:
        console.print(
            f"[green]{clone}: every grading file matches the pristine course "
            f"({len(integrity.load_pristine())} files)[/]"
        )
        return 0
    console.print(
        f"[bold red]{clone}: differs from the pristine course[/] (the grade comes from the "
        "installed grader either way; this shows what the learner changed)"
    )
    return 1
