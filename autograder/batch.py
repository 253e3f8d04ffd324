"""`mlgrade batch`: grade every submission in a folder, N at a time, into a CSV gradebook.

A submission is a folder or a `.zip` directly inside DIR (hidden entries are not). Each one is
graded by its own child, `python -m autograder grade SUB --format json --output TMP`, in a session
of its own, with a wall-clock limit. The child is forked from a warm worker that has imported the
grader once (`forkserver.py`); without one (`--cold`, or the worker died) it is a fresh
interpreter. When a child overruns, every process
of its session is killed (the runner's per-exercise children sit in process groups of their own
inside it), and a watchdog process does the same for any child still running if the batch itself
is killed.

The gradebook CSV gets one row per submission as it finishes: one `write()` of a whole line, then
`fsync`, so an interrupted batch (Ctrl-C, SIGKILL, a lost machine) keeps every row already
written. A re-run grades only the submissions without a row; `--force` starts a fresh gradebook
(the old one is replaced atomically) and regrades them all. Each JSON report is kept beside the
CSV, in `<csv stem>.reports/<name>.json`; a submission that could not be graded gets a row with its
status (`empty`, `refused`, `timeout`, `crashed`) and the reason, and the batch goes on.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import fcntl
import io
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .atomic import atomic_write
from .errors import UsageError
from .exporters import gradebook
from .forkserver import ForkServer, WorkerLost
from .manifest import Course, load_course
from .results import GradeReport
from .supervisor import Children, kill_session

GRADED, EMPTY, REFUSED, TIMEOUT, CRASHED = "graded", "empty", "refused", "timeout", "crashed"
ROW_STATUSES = (GRADED, EMPTY, REFUSED, TIMEOUT, CRASHED)
DEFAULT_TIME_LIMIT = 600.0  # seconds per submission
EMPTY_NOTE = "no exercise file of the manifest was found"  # written by submission.workspace()
PARTIAL_SUFFIX = ".partial"


@dataclass
class Options:
    jobs: int = 2
    extra_checks: Path | None = None
    time_limit: float = DEFAULT_TIME_LIMIT  # per submission: the child's --time-limit
    check_time_limit: float | None = None
    kill_after: float | None = None  # when the child is killed; default: time_limit plus a grace
    warm: bool = True  # fork each child from a warm worker (False: a fresh interpreter each)

    @property
    def wall_limit(self) -> float:
        """The child's own limit stops the checks; this one stops a child that overruns it anyway."""
        if self.kill_after is not None:
            return self.kill_after
        return self.time_limit + 10 + 0.1 * self.time_limit


@dataclass
class Outcome:
    name: str
    status: str
    report: GradeReport | None = None
    reason: str = ""
    duration_s: float = 0.0


Command = Callable[[Path, Path, Options], list[str]]


def grade_command(submission: Path, output: Path, options: Options) -> list[str]:
    """The child that grades one submission: this interpreter, this grader, a JSON report."""
    check_jobs = max(1, min(4, (os.cpu_count() or 1) // options.jobs))
    cmd = [
        sys.executable,
        "-P",
        "-m",
        "autograder",
        "grade",
        str(submission),
        "--format",
        "json",
        "--output",
        str(output),
        "--jobs",
        str(check_jobs),
        "--time-limit",
        f"{options.time_limit:g}",
    ]
    if options.extra_checks is not None:
        cmd += ["--extra-checks", str(options.extra_checks)]
    if options.check_time_limit is not None:
        cmd += ["--check-time-limit", f"{options.check_time_limit:g}"]
    return cmd


# --- one submission ----------------------------------------------------------------------------


def _one_line(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stderr_reason(stderr: str, submission: Path) -> str:
    """The grader's one-sentence explanation, without its 'mlgrade: cannot grade PATH:' prefix."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    said = next((i for i, line in enumerate(lines) if line.startswith("mlgrade: ")), None)
    text = " ".join(lines[said:] if said is not None else lines[-3:])
    text = text.removeprefix("mlgrade: ")
    text = text.removeprefix(f"cannot grade {submission}: ")
    return _one_line(text)


def interpret(
    name: str,
    submission: Path,
    returncode: int | None,
    stderr: str,
    report_path: Path,
    wall_limit: float,
) -> Outcome:
    """Turn how a child ended into an outcome; never trusts an exit status 0 without a report."""
    if returncode is None:
        return Outcome(
            name,
            TIMEOUT,
            reason=f"killed after {wall_limit:g} s: grading did not finish within the time limit",
        )
    if returncode == 0:
        try:
            report = GradeReport.from_dict(json.loads(report_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return Outcome(
                name, CRASHED, reason=f"the grader exited 0 without a readable report ({exc})"
            )
        if any(note.startswith(EMPTY_NOTE) for note in report.notes):
            return Outcome(name, EMPTY, report, _one_line("; ".join(report.notes)))
        return Outcome(name, GRADED, report, _one_line("; ".join(report.notes)))
    if returncode == 2:
        return Outcome(name, REFUSED, reason=_stderr_reason(stderr, submission))
    if returncode < 0:
        how = f"was killed by {signal.Signals(-returncode).name}"
    else:
        how = f"exited with status {returncode}"
    detail = _stderr_reason(stderr, submission)
    return Outcome(
        name, CRASHED, reason=f"the grading process {how}" + (f": {detail}" if detail else "")
    )


def _run_cold(
    argv: list[str], cwd: Path, err_path: Path, options: Options, children: Children
) -> tuple[int | None]:
    """A fresh interpreter in a session of its own; (exit status,) or (None,) when it overran."""
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=children.env,
            start_new_session=True,
        )
    children.started(proc.pid)
    try:
        pidfd = os.pidfd_open(proc.pid)
        try:  # readable when the child exits; it stays a zombie (its pid ours) until waited
            ready, _, _ = select.select([pidfd], [], [], options.wall_limit)
        finally:
            os.close(pidfd)
        kill_session(proc.pid)  # an overrunning child, or whatever a finished one left behind
        proc.wait()
    finally:
        children.finished(proc.pid)
    return (proc.returncode if ready else None,)


def _run_warm(
    server: ForkServer,
    argv: list[str],
    cwd: Path,
    err_path: Path,
    options: Options,
    children: Children,
) -> tuple[int | None]:
    """The same, forked from the warm worker (which kills the session's leftovers and reaps)."""
    run = server.start(argv, cwd, err_path)
    assert run.pid is not None
    children.started(run.pid)
    try:
        in_time = run.ended.wait(options.wall_limit)
        if not in_time:
            server.kill(run)
            run.ended.wait()
        if run.lost:  # the worker died under it: kill what may be left, grade it again cold
            kill_session(run.pid)
            raise WorkerLost("the worker ended during grading")
    finally:
        children.finished(run.pid)
    assert run.status is not None
    return (os.waitstatus_to_exitcode(run.status) if in_time else None,)


def grade_one(
    submission: Path,
    reports: Path,
    options: Options,
    children: Children,
    command: Command = grade_command,
    server: ForkServer | None = None,
) -> Outcome | None:
    """Grade one submission in a child (forked from `server` when there is one, else a fresh
    interpreter); None when the batch is stopping."""
    name = submission.name
    started = time.perf_counter()
    fd, tmp = tempfile.mkstemp(dir=reports, prefix=f".{name}.", suffix=PARTIAL_SUFFIX)
    os.close(fd)
    partial = Path(tmp)
    try:
        with tempfile.TemporaryDirectory(prefix="child-", dir=children.scratch) as cwd:
            err_path = Path(cwd) / "stderr.txt"
            argv = command(submission, partial, options)
            ended: tuple[int | None] | None = None
            if server is not None and server.alive:
                try:
                    ended = _run_warm(server, argv, Path(cwd), err_path, options, children)
                except WorkerLost:
                    ended = None  # graded cold below
                except OSError as exc:
                    return Outcome(
                        name, CRASHED, reason=f"the grading process did not start: {exc}"
                    )
            if ended is None and not children.stopping:
                try:
                    ended = _run_cold(argv, Path(cwd), err_path, options, children)
                except OSError as exc:
                    return Outcome(
                        name, CRASHED, reason=f"the grading process did not start: {exc}"
                    )
            if children.stopping or ended is None:
                return None
            stderr = err_path.read_bytes()[-20_000:].decode("utf-8", "replace")
        outcome = interpret(
            name,
            submission,
            ended[0],
            stderr,
            partial,
            options.wall_limit,
        )
        outcome.duration_s = time.perf_counter() - started
        final = reports / f"{name}.json"
        log = reports / f"{name}.log"
        if outcome.report is not None:
            os.replace(partial, final)
            log.unlink(missing_ok=True)
        else:
            final.unlink(missing_ok=True)
            atomic_write(
                log, f"{outcome.status}: {outcome.reason}\n\n--- the grader's stderr ---\n{stderr}"
            )
        return outcome
    finally:
        partial.unlink(missing_ok=True)


# --- the gradebook -----------------------------------------------------------------------------


class Gradebook:
    """The CSV: validated (and cut back to whole rows) on open, then appended to row by row."""

    def __init__(self, path: Path, header: list[str], force: bool):
        self.path = path
        self.header = header
        self.rows: list[list[str]] = []
        if force or not path.exists():
            atomic_write(path, gradebook.render_rows([header]))
        else:
            self.rows = self._load()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)

    def _load(self) -> list[list[str]]:
        text = self.path.read_bytes().decode("utf-8", "replace")
        whole = text[: text.rfind("\n") + 1]  # a last line without its newline was cut short
        rows = list(csv.reader(io.StringIO(whole)))
        if not rows:
            atomic_write(self.path, gradebook.render_rows([self.header]))
            return []
        if rows[0] != self.header:
            raise UsageError(
                f"{self.path} has other columns than this course's gradebook: pass --force "
                "to start a new one there, or choose another --output"
            )
        good = [
            r
            for r in rows[1:]
            if len(r) == len(self.header) and gradebook.cell(r, "status") in ROW_STATUSES
        ]
        if whole != text or len(good) != len(rows) - 1:
            atomic_write(self.path, gradebook.render_rows([self.header, *good]))
        return good

    @property
    def names(self) -> set[str]:
        return {row[0] for row in self.rows}

    def append(self, row: list[str]) -> None:
        """One write() of the whole line, then fsync: a row is in the file entirely, or not at all."""
        data = gradebook.render_rows([row]).encode("utf-8")
        while data:
            data = data[os.write(self._fd, data) :]
        os.fsync(self._fd)
        self.rows.append(row)

    def close(self) -> None:
        os.close(self._fd)


def row_for(course: Course, outcome: Outcome) -> list[str]:
    row = gradebook.row(course, outcome.name, outcome.report, outcome.status, outcome.reason)
    return [" ".join(cell.split()) if "\n" in cell or "\r" in cell else cell for cell in row]


# --- the batch ---------------------------------------------------------------------------------


def reports_dir_for(output: Path) -> Path:
    return output.with_name(f"{output.stem}.reports")


def find_submissions(folder: Path, exclude: set[Path]) -> tuple[list[Path], list[str]]:
    """Folders and .zip files directly inside `folder`, by name; and the other names it skipped."""
    found, skipped = [], []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name == "__MACOSX" or entry.resolve() in exclude:
            continue
        if entry.is_dir() or entry.suffix.lower() == ".zip":
            found.append(entry)
        else:
            skipped.append(entry.name)
    return found, skipped


@contextlib.contextmanager
def _locked(reports: Path) -> Iterator[None]:
    fd = os.open(reports, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"another `mlgrade batch` is writing {reports}: wait for it, or choose "
                "another --output"
            ) from None
        yield
    finally:
        os.close(fd)


def _sweep_partials(reports: Path) -> None:
    for stale in reports.glob(f".*{PARTIAL_SUFFIX}"):
        stale.unlink(missing_ok=True)


def _sigterm_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_batch(
    folder: Path,
    output: Path,
    options: Options,
    force: bool = False,
    course: Course | None = None,
    command: Command = grade_command,
    console: Console | None = None,
    progress_console: Console | None = None,
) -> list[list[str]]:
    """Grade every submission of `folder` without a row in `output`; return the gradebook's rows."""
    course = course or load_course()
    console = console or Console()
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(
            f"'{folder}' is not a folder: pass the folder that holds the submissions "
            "(folders or .zip files, one per learner)"
        )
    if options.extra_checks is not None and not Path(options.extra_checks).is_dir():
        raise UsageError(
            f"--extra-checks {options.extra_checks}: not a folder of check_*.py modules"
        )
    output = Path(output).absolute()
    reports = reports_dir_for(output)
    reports.mkdir(parents=True, exist_ok=True)
    submissions, skipped_names = find_submissions(folder, {output.resolve(), reports.resolve()})
    with _locked(reports), contextlib.ExitStack() as cleanup:  # callbacks run last-in, first-out
        _sweep_partials(reports)
        book = Gradebook(output, gradebook.header(course), force)
        cleanup.callback(book.close)
        cleanup.callback(_sweep_partials, reports)
        done_before = book.names
        todo = [s for s in submissions if s.name not in done_before]
        if skipped_names:
            console.print(
                "not submissions (neither a folder nor a .zip), skipped: "
                + escape(", ".join(skipped_names)),
                highlight=False,
                soft_wrap=True,
            )
        if len(todo) < len(submissions):
            console.print(
                f"{len(submissions) - len(todo)} submission(s) already in "
                f"{escape(output.name)}: skipped (--force regrades every one)",
                soft_wrap=True,
            )
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
            cleanup.callback(signal.signal, signal.SIGTERM, previous)
        # One scratch folder per batch (the children's working folders, the package links); the
        # watchdog removes it even when the batch is killed.
        scratch = Path(
            cleanup.enter_context(
                tempfile.TemporaryDirectory(prefix="mlgrade-batch-", ignore_cleanup_errors=True)
            )
        )
        children = Children(scratch)
        cleanup.callback(children.close)
        server = None
        if options.warm:
            with contextlib.suppress(OSError):  # no worker: every submission is graded cold
                server = ForkServer(children.env, scratch)
                cleanup.callback(server.close)
        pool = ThreadPoolExecutor(max_workers=options.jobs, thread_name_prefix="mlgrade-batch")
        cleanup.callback(pool.shutdown, wait=True, cancel_futures=True)
        progress = Progress(
            TextColumn("[bold]grading"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=progress_console or Console(stderr=True),
        )
        started = time.perf_counter()
        try:
            with progress:
                task = progress.add_task("", total=len(todo))
                pending: set[Future] = {
                    pool.submit(
                        grade_one, s.absolute(), reports, options, children, command, server
                    )
                    for s in todo
                }
                while pending:
                    finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    for future in finished:
                        outcome = future.result()
                        if outcome is None:
                            continue
                        book.append(row_for(course, outcome))
                        progress.update(task, advance=1, description=outcome.name)
                        if outcome.status != GRADED:
                            progress.console.print(
                                f"[yellow]{outcome.status:>8}[/]  "
                                f"{escape(outcome.name)}: {escape(outcome.reason)}",
                                highlight=False,
                            )
        except BaseException:  # Ctrl-C, SIGTERM, or the batch's own failure: leave no child behind
            children.stop_all()
            raise
        elapsed = time.perf_counter() - started
    print_summary(console, book.rows, len(todo), elapsed, output)
    return book.rows


# --- the summary -------------------------------------------------------------------------------


def histogram(percentages: list[float], bins: int = 10, width: int = 30) -> list[str]:
    """A text histogram of percentages in `bins` equal bins (100 % falls in the last)."""
    counts = [0] * bins
    for pct in percentages:
        counts[min(bins - 1, max(0, int(pct * bins // 100)))] += 1
    top = max(counts, default=0) or 1
    step = 100 // bins
    return [
        f"{i * step:>3}–{(i + 1) * step:>3} % │{'█' * round(width * n / top):<{width}} {n}"
        for i, n in enumerate(counts)
    ]


def print_summary(
    console: Console, rows: list[list[str]], graded_now: int, elapsed: float, output: Path
) -> None:
    """Count, mean, median and a histogram of the totals of every row in the gradebook."""
    statuses = Counter(gradebook.cell(row, "status") for row in rows)
    totals = [float(gradebook.cell(row, "total") or 0) for row in rows]
    maxima = [float(gradebook.cell(row, "max_total") or 0) for row in rows]
    pcts = [100 * t / m if m else 0.0 for t, m in zip(totals, maxima, strict=True)]
    rate = f" ({60 * graded_now / elapsed:.0f} per minute)" if graded_now and elapsed > 0 else ""
    console.print(
        f"\n[bold]Graded {graded_now} submission(s) in {elapsed:.1f} s{rate}[/]; "
        f"{escape(str(output))} holds {len(rows)} row(s), reports in "
        f"{escape(reports_dir_for(output).name)}/",
        soft_wrap=True,
    )
    if not rows:
        return
    console.print(
        "status: " + ", ".join(f"{n} {s}" for s, n in statuses.most_common()), soft_wrap=True
    )
    max_total = max(maxima) if maxima else 0
    console.print(
        f"total (out of {max_total:g}): mean {statistics.mean(totals):.1f}, "
        f"median {statistics.median(totals):g}, min {min(totals):g}, max {max(totals):g}",
        highlight=False,
        soft_wrap=True,
    )
    for line in histogram(pcts):
        console.print(line, highlight=False, soft_wrap=True)


def cmd_batch(args: argparse.Namespace) -> int:
    jobs = args.jobs or os.cpu_count() or 1
    options = Options(
        jobs=jobs,
        extra_checks=args.extra_checks,
        time_limit=args.time_limit or DEFAULT_TIME_LIMIT,
        check_time_limit=args.check_time_limit,
        warm=not args.cold,
    )
    run_batch(args.folder, args.output, options, force=args.force)
    return 0
