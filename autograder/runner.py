"""Grade a target folder: each check runs in a child forked from this warm process.

The parent collects the checks once (pytest, numpy and the check modules are imported once), then
forks one child per check. A child loads the learner's file, runs the check, and writes one JSON
line on a private pipe; its stdout and stderr go to a second pipe that the parent drains and keeps
only the first `output_limit` bytes of. The parent never reads the grade from an exit code: a child
that dies, hangs past its wall-clock limit, calls `os._exit`, floods output or hits the memory cap
gets `error` or `timeout` for that check alone, and every finished check still counts.
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from _pytest.runner import runtestprotocol

from . import plugin, results
from .manifest import Course, Exercise
from .results import CheckResult, ExerciseResult, GradeReport

CHECKS_INI = plugin.CHECKS_DIR / "pytest.ini"

OnCheck = Callable[[str, CheckResult], None]


class GraderError(RuntimeError):
    """The grader itself is broken (a check module failed to import): not the learner's fault."""


@dataclass
class Limits:
    time_limit: float | None = None  # seconds per check; None: each exercise's own limit
    memory_mb: int = 2048
    output_limit: int = 64 * 1024
    jobs: int = 2


@dataclass
class _Child:
    pid: int
    pidfd: int
    item: pytest.Item
    exercise_id: str
    result_fd: int
    output_fd: int
    started: float
    deadline: float
    result_buf: bytearray = field(default_factory=bytearray)
    output_buf: bytearray = field(default_factory=bytearray)
    output_total: int = 0


def _virtual_memory_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _run_child(item: pytest.Item, result_w: int, output_w: int, memory_bytes: int) -> None:
    """In the forked child: run one check, report it, and leave without running any cleanup."""
    try:
        os.setpgid(0, 0)  # so the parent can kill anything this check starts
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        if memory_bytes:
            cap = _virtual_memory_bytes() + memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        started = time.perf_counter()
        reports = runtestprotocol(item, log=False, nextitem=None)
        status, message = plugin.classify(item, reports)
        payload = {"status": status, "message": message, "duration_s": time.perf_counter() - started}
    except BaseException as exc:  # the grader's own failure inside the child
        payload = {"status": results.ERROR, "message": f"grader error: {exc!r}", "duration_s": 0.0}
    try:
        os.write(result_w, (json.dumps(payload) + "\n").encode())
    finally:
        os._exit(0)


class ForkingLoop:
    """A pytest plugin that replaces the test loop: one forked child per check."""

    def __init__(self, course: Course, limits: Limits, on_check: OnCheck | None = None):
        self.course = course
        self.limits = limits
        self.on_check = on_check
        self.order: list[tuple[str, str]] = []  # (nodeid, exercise id), in collection order
        self.results: dict[str, CheckResult] = {}  # nodeid -> result
        self.collect_errors: list[str] = []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {report.longreprtext}")

    def _time_limit(self, exercise_id: str) -> float:
        if self.limits.time_limit:
            return self.limits.time_limit
        try:
            return self.course.exercise(exercise_id).time_limit
        except ValueError:
            return self.course.time_limit

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if self.collect_errors:
            raise GraderError("the grader's checks failed to load:\n" + "\n".join(self.collect_errors))
        target = plugin.target_dir(session.config)
        queue = list(session.items)
        self.order = [(i.nodeid, plugin.exercise_id_of(i)) for i in queue]
        running: dict[int, _Child] = {}
        sel = selectors.DefaultSelector()
        try:
            while queue or running:
                while queue and len(running) < max(1, self.limits.jobs):
                    item = queue.pop(0)
                    ex_id = plugin.exercise_id_of(item)
                    if not (target / f"{ex_id}.py").is_file():
                        self._finish(item, ex_id, CheckResult(
                            check_name(item), results.NOT_ATTEMPTED,
                            f"not attempted: {ex_id}.py is not in {target}"))
                        continue
                    child = self._spawn(item, ex_id)
                    running[child.pidfd] = child
                    sel.register(child.pidfd, selectors.EVENT_READ, ("exit", child))
                    sel.register(child.result_fd, selectors.EVENT_READ, ("result", child))
                    sel.register(child.output_fd, selectors.EVENT_READ, ("output", child))
                if not running:
                    continue
                now = time.monotonic()
                wait = max(0.0, min(c.deadline for c in running.values()) - now)
                for key, _ in sel.select(timeout=wait):
                    kind, child = key.data
                    if kind == "result":
                        self._read(child, child.result_fd, output=False, sel=sel)
                    elif kind == "output":
                        self._read(child, child.output_fd, output=True, sel=sel)
                    elif kind == "exit" and child.pidfd in running:
                        self._reap(child, sel, timed_out=False)
                        del running[child.pidfd]
                now = time.monotonic()
                for child in [c for c in running.values() if now >= c.deadline]:
                    self._reap(child, sel, timed_out=True)
                    del running[child.pidfd]
        finally:
            for child in list(running.values()):  # interrupted: leave no child behind
                self._reap(child, sel, timed_out=True)
            sel.close()
        return True

    def _spawn(self, item: pytest.Item, exercise_id: str) -> _Child:
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # child
            os.close(result_r)
            os.close(output_r)
            _run_child(item, result_w, output_w, self.limits.memory_mb * 1024 * 1024)
        os.close(result_w)
        os.close(output_w)
        os.set_blocking(result_r, False)
        os.set_blocking(output_r, False)
        now = time.monotonic()
        return _Child(
            pid=pid, pidfd=os.pidfd_open(pid), item=item, exercise_id=exercise_id,
            result_fd=result_r, output_fd=output_r, started=now,
            deadline=now + self._time_limit(exercise_id),
        )

    def _read(self, child: _Child, fd: int, output: bool, sel: selectors.BaseSelector) -> None:
        """Drain what is available now; keep at most the limit of output, count the rest."""
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(fd)
                os.close(fd)
                if output:
                    child.output_fd = -1
                else:
                    child.result_fd = -1
                return
            if output:
                room = self.limits.output_limit - len(child.output_buf)
                if room > 0:
                    child.output_buf += chunk[:room]
                child.output_total += len(chunk)
            elif len(child.result_buf) < 1 << 20:
                child.result_buf += chunk

    def _reap(self, child: _Child, sel: selectors.BaseSelector, timed_out: bool) -> None:
        if timed_out:
            _kill_group(child.pid)
        else:
            for fd, output in ((child.result_fd, False), (child.output_fd, True)):
                if fd >= 0:
                    self._read(child, fd, output, sel)
        try:
            _, wait_status = os.waitpid(child.pid, 0)
        except ChildProcessError:
            wait_status = 0
        _kill_group(child.pid)  # anything the check started in the background
        for fd in (child.result_fd, child.output_fd):
            if fd >= 0:
                sel.unregister(fd)
                os.close(fd)
        sel.unregister(child.pidfd)
        os.close(child.pidfd)
        elapsed = time.monotonic() - child.started
        name = check_name(child.item)
        output = child.output_buf.decode("utf-8", "replace")
        if child.output_total > len(child.output_buf):
            output += (f"\n[... output truncated: {child.output_total:,} bytes printed, "
                       f"first {len(child.output_buf):,} kept]")
        result = self._parse_result(child, wait_status, timed_out, elapsed)
        result.name, result.output = name, output
        self._finish(child.item, child.exercise_id, result)

    def _parse_result(self, child: _Child, wait_status: int, timed_out: bool, elapsed: float) -> CheckResult:
        line = bytes(child.result_buf).split(b"\n", 1)[0]
        if line:
            try:
                payload = json.loads(line)
                return CheckResult("", payload["status"], payload["message"],
                                   round(float(payload["duration_s"]), 4))
            except (ValueError, KeyError, TypeError):
                return CheckResult("", results.ERROR, "the check's report was unreadable", elapsed)
        if timed_out:
            limit = child.deadline - child.started
            return CheckResult("", results.TIMEOUT, (
                f"took longer than the {limit:g} s limit: look for an infinite loop, or a loop "
                "over rows that should be one vectorised NumPy expression"), round(elapsed, 4))
        if os.WIFEXITED(wait_status):
            code = os.WEXITSTATUS(wait_status)
            why = (f"the grading process ended early with exit code {code} before the check "
                   "finished: your code must not call os._exit() or exit the interpreter")
        elif os.WIFSIGNALED(wait_status):
            sig = signal.Signals(os.WTERMSIG(wait_status)).name
            why = f"the grading process was killed by {sig}: your code crashed the interpreter"
            if sig == "SIGKILL":
                why += " (most often: it used far too much memory)"
        else:
            why = "the grading process stopped without reporting"
        return CheckResult("", results.ERROR, why, round(elapsed, 4))

    def _finish(self, item: pytest.Item, exercise_id: str, result: CheckResult) -> None:
        self.results[item.nodeid] = result
        if self.on_check:
            self.on_check(exercise_id, result)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def check_name(item: pytest.Item) -> str:
    """A readable check name: 'TestStandardize::test_constant_column' -> 'constant column'."""
    name = getattr(item, "originalname", None) or item.name
    return name.removeprefix("test_").replace("_", " ") + (
        f" [{item.callspec.id}]" if hasattr(item, "callspec") else "")


def check_modules(course: Course, exercises: Sequence[Exercise]) -> list[Path]:
    lesson_ids = {ex.lesson_id for ex in exercises}
    return [plugin.CHECKS_DIR / lesson.checks for lesson in course.lessons if lesson.id in lesson_ids]


def grade(
    course: Course,
    target: Path,
    exercises: Sequence[Exercise],
    limits: Limits | None = None,
    on_check: OnCheck | None = None,
) -> GradeReport:
    """Grade `exercises` of the folder `target`; never writes into `target`."""
    limits = limits or Limits(memory_mb=course.memory_limit_mb, output_limit=course.output_limit_kb * 1024)
    target = Path(target).resolve()
    started = time.perf_counter()
    loop = ForkingLoop(course, limits, on_check)
    args = [
        "-c", str(CHECKS_INI), "--rootdir", str(plugin.CHECKS_DIR),
        "--mlgrade-target", str(target),
        "--mlgrade-select", ",".join(ex.id for ex in exercises),
        "-p", "no:terminal",
        *map(str, check_modules(course, exercises)),
    ]
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        code = pytest.main(args, plugins=[loop])
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved
    if loop.collect_errors:
        raise GraderError("the grader's checks failed to load:\n" + "\n".join(loop.collect_errors))
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        raise GraderError(f"pytest could not run the checks (exit {code!r})")

    report = GradeReport(target=str(target))
    for ex in exercises:
        checks = [loop.results[nodeid] for nodeid, ex_id in loop.order if ex_id == ex.id]
        report.exercises.append(ExerciseResult(ex.id, ex.title, ex.points, checks))
    report.duration_s = time.perf_counter() - started
    return report
