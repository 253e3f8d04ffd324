"""`mlgrade`: parse the command line and dispatch. The work lives in `learner` and `dev`.

Exit status: 0 when every selected check passed (or the command succeeded), 1 when any check did
not pass, 2 for a usage error (unknown exercise, missing folder, bad option), 3 when the grader
itself failed. `grade` exits 0 whenever grading completed, unless --fail-under says otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# One BLAS thread per process: the runner forks a child per check, and a thread pool inherited
# across fork() only costs memory and start-up time. Set before numpy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

EXIT_OK, EXIT_NOT_PASSED, EXIT_USAGE = 0, 1, 2


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_submission_options(p: argparse.ArgumentParser, time_limit_help: str) -> None:
    """The options `grade` and `batch` share: hidden checks and the two time limits."""
    p.add_argument(
        "--extra-checks",
        type=Path,
        default=None,
        metavar="DIR",
        help="a folder of hidden check_*.py modules that declare HIDDEN_POINTS",
    )
    p.add_argument(
        "--time-limit", type=_positive_float, default=None, metavar="SECONDS", help=time_limit_help
    )
    p.add_argument(
        "--check-time-limit",
        type=_positive_float,
        default=None,
        metavar="SECONDS",
        help="wall-clock limit per check (default: each exercise's limit in course.toml)",
    )


SELECTOR_HELP = (
    "a lesson (01, 01_numpy), an exercise (ex01_standardize, 01_numpy/ex01_standardize, "
    "lessons/01_numpy/ex01_standardize.py), or a unique prefix (default: everything)"
)
EXERCISE_HELP = (
    "one exercise: ex01_standardize, 01_numpy/ex01_standardize or "
    "lessons/01_numpy/ex01_standardize.py"
)


def add_target_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target",
        type=Path,
        default=None,
        help="folder laid out like lessons/ (default: this course's lessons/)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlgrade",
        description="Grade your exercises of Mastering Machine Learning Engineering. "
        "With no command: your progress and the next exercise.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add_grading_options(p: argparse.ArgumentParser) -> None:
        add_target_option(p)
        p.add_argument(
            "--time-limit",
            type=_positive_float,
            default=None,
            metavar="SECONDS",
            help="wall-clock limit per check (default: each exercise's limit in course.toml)",
        )
        p.add_argument(
            "--jobs",
            type=_positive_int,
            default=None,
            help="exercises graded at once, each in its own process (default: the number "
            "of CPUs, at most 4)",
        )

    p = sub.add_parser("status", help="progress per lesson and the next exercise (the default)")
    add_grading_options(p)

    p = sub.add_parser("check", help="grade a lesson, an exercise, or everything")
    p.add_argument("selector", nargs="?", help=SELECTOR_HELP)
    add_grading_options(p)
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text for people (default), json for tools (the versioned report schema)",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the report to FILE (written whole, or not at all)",
    )

    p = sub.add_parser("hint", help="show the next hint for an exercise")
    p.add_argument(
        "exercise", nargs="?", help=EXERCISE_HELP + " (default: your next unfinished exercise)"
    )
    add_target_option(p)

    p = sub.add_parser(
        "watch",
        help="grade your next unfinished exercise, then regrade each file you save, moving on "
        "after a pass",
    )
    p.add_argument(
        "selector", nargs="?", help="lesson or exercise to watch (default: the whole course)"
    )
    add_grading_options(p)

    p = sub.add_parser(
        "reset",
        help="restore an exercise's stub (your file is backed up in .mlgrade/backups/ first)",
    )
    p.add_argument("exercise", help=EXERCISE_HELP)
    add_target_option(p)

    p = sub.add_parser(
        "list", help="every exercise: its status (done, partial, todo), points and title"
    )
    add_target_option(p)

    p = sub.add_parser(
        "compare",
        help="once an exercise passes every check: your file beside the reference solution",
    )
    p.add_argument("exercise", help=EXERCISE_HELP)
    add_target_option(p)

    p = sub.add_parser(
        "grade", help="instructors: grade one submission (folder, course clone or .zip)"
    )
    p.add_argument("submission", type=Path)
    p.add_argument(
        "--format", choices=["json", "junit", "gradescope", "markdown", "csv"], default="json"
    )
    p.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the report to FILE (written whole, or not at all); default stdout",
    )
    add_submission_options(
        p,
        time_limit_help="wall-clock limit for the whole submission; checks not run by then time out",
    )
    p.add_argument(
        "--fail-under",
        type=float,
        default=None,
        metavar="PCT",
        help="exit 1 when the score is below PCT percent of the maximum",
    )
    p.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        help="exercises graded at once (default: the number of CPUs, at most 4)",
    )

    p = sub.add_parser(
        "verify", help="instructors: list a clone's files that differ from the pristine course"
    )
    p.add_argument("clone", type=Path)

    p = sub.add_parser(
        "batch", help="instructors: grade every submission in a folder into a CSV gradebook"
    )
    p.add_argument(
        "folder",
        type=Path,
        metavar="DIR",
        help="a folder holding one folder or .zip per submission",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=Path("grades.csv"),
        metavar="CSV",
        help="the gradebook (default grades.csv); JSON reports go beside it in <name>.reports/",
    )
    p.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        help="submissions graded at once (default: the number of CPUs)",
    )
    add_submission_options(
        p,
        time_limit_help="wall-clock limit per submission (default 600); a child that overruns is killed",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="regrade every submission into a fresh gradebook (default: skip those with a row)",
    )
    p.add_argument(
        "--cold",
        action="store_true",
        help="start a fresh interpreter per submission instead of forking a warm worker (slower)",
    )

    p = sub.add_parser(
        "gradescope-bundle", help="instructors: build an autograder.zip for Gradescope"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("autograder.zip"),
        metavar="ZIP",
        help="where to write the zip (default autograder.zip), whole or not at all",
    )
    p.add_argument(
        "--extra-checks",
        type=Path,
        default=None,
        metavar="DIR",
        help="hidden check_*.py modules to bundle and grade with",
    )

    dev = sub.add_parser("dev", help="maintainer commands")
    dev_sub = dev.add_subparsers(dest="dev_command", metavar="DEV_COMMAND", required=True)
    course_help = "the course.toml of another course (default: this checkout's)"
    p = dev_sub.add_parser("sync", help="write lessons/ from solutions/")
    p.add_argument("--check", action="store_true", help="only report drift; write nothing")
    p.add_argument("--course", metavar="FILE", default=None, help=course_help)
    p = dev_sub.add_parser("check", help="prove the course gradable: manifest, stubs, solutions")
    p.add_argument(
        "--mutants", action="store_true", help="also grade every mutant in tests/mutants/"
    )
    p.add_argument(
        "--jobs", type=_positive_int, default=None, help="exercises graded at once (default 2)"
    )
    p.add_argument("--course", metavar="FILE", default=None, help=course_help)
    p = dev_sub.add_parser(
        "mutants", help="grade the mutants in one warm process and write a JSON verdict for each"
    )
    p.add_argument("selector", nargs="?", default=None, help="a lesson or exercise (default: all)")
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="SELECTOR",
        help="leave out a lesson or exercise (repeat)",
    )
    p.add_argument("--output", metavar="FILE", default=None, help="write the JSON verdicts here")
    p.add_argument(
        "--shard",
        type=_shard,
        default=(1, 1),
        metavar="K/N",
        help="grade only the K-th of N interleaved shares (run N processes side by side)",
    )
    p.add_argument("--course", metavar="FILE", default=None, help=course_help)
    return parser


def _shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not K/N, like 1/2") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"'{text}': K must be between 1 and N")
    return k, n


def _dispatch(args: argparse.Namespace) -> int:
    """Import only the module the command needs: start-up time is feedback time."""
    if args.command == "dev":
        from . import dev

        return dev.main(args)
    if args.command in ("grade", "verify"):
        from . import instructor

        return (
            instructor.cmd_grade(args) if args.command == "grade" else instructor.cmd_verify(args)
        )
    if args.command == "batch":
        from . import batch

        return batch.cmd_batch(args)
    if args.command == "gradescope-bundle":
        from . import bundle

        return bundle.cmd_bundle(args)
    from . import learner

    return learner.main(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .errors import UsageError  # after the BLAS settings above
    from .manifest import ManifestError, SelectorError
    from .runner import GraderError

    try:
        return _dispatch(args)
    except (SelectorError, UsageError, ManifestError) as exc:
        print(f"mlgrade: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GraderError as exc:
        print(
            f"mlgrade: the grader itself failed, not your code. Report this:\n{exc}",
            file=sys.stderr,
        )
        return 3
    except KeyboardInterrupt:
        print("\nmlgrade: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
