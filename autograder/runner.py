"""Grade a target folder in children forked from this warm process, one child per exercise.

The parent collects the checks once (pytest, numpy and the check modules are imported once), then
forks a child for each exercise. The child runs that exercise's checks in order, loading the
learner's file afresh for each, and streams one JSON line per finished check on a private pipe;
its stdout and stderr go to a second pipe that the parent drains, split per check at a sentinel,
keeping the first `output_limit` bytes of each. The parent never reads a grade from an exit code.
When a check hangs past its wall-clock limit, or the child dies (`os._exit`, a crash, the memory
cap), the parent kills the child's process group, charges that one check `timeout` or `error`,
keeps every check already reported, and starts a fresh child for the checks not yet run.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import selectors
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from . import plugin, reaper, results, sandbox, stubs
from .child import run_checks
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
    total_time: float | None = None  # seconds for the whole target; checks not run by then time out
    # A learner's run: after a check of an exercise times out, its remaining checks are reported
    # as timeout without running, so a hanging function costs one time limit, not one per check.
    # An instructor's grade gives every check its chance (False).
    stop_exercise_after_timeout: bool = False
    # A maintainer's mutant proof: a mutant is caught by its first lost point, so the exercise's
    # remaining checks are not run (reported not_attempted, "not run").
    stop_exercise_after_failure: bool = False
    # A learner's run: a file still byte-identical to its generated stub is not attempted without
    # loading its checks (an untouched MLflow or Dask exercise costs nothing). Instructor and
    # maintainer runs grade every check of a stub too: that is how the stubs are proven to earn 0.
    skip_untouched_stubs: bool = False
    # Instructor modes: the learner's process runs sandboxed (sandbox.py), with these paths hidden.
    sandbox: bool = False
    hide: tuple[str, ...] = ()


@dataclass
class _Child:
    """One forked child grading the remaining checks of one exercise, in order."""

    pid: int
    pidfd: int  # readable when the child exits (Linux); -1 where pidfd_open is missing (macOS)
    exercise_id: str
    items: list[pytest.Item]
    result_fd: int
    output_fd: int
    limit: float
    started: float  # when the check now running started (as the parent saw it)
    deadline: float
    sentinel: bytes  # marks, in the output stream, the end of one check's output
    token: str  # every result line must carry it; a line without it was not written by the grader
    results: list[CheckResult] = field(default_factory=list)
    forged: bool = False  # a line on the result pipe that the grader did not write
    wait_status: int | None = None  # set once the child has been waited for
    stop_reason: str = ""  # set when the exercise is to stop early (stop_exercise_after_failure)
    result_buf: bytearray = field(default_factory=bytearray)
    pending_output: bytearray = field(default_factory=bytearray)
    outputs: list[bytearray] = field(default_factory=lambda: [bytearray()])
    output_totals: list[int] = field(default_factory=lambda: [0])


FORGED = (
    "the grader's result channel received a line it did not write (out of order or "
    "malformed): a submission must not write to the grader's pipes, so this check earns nothing"
)


class ForkingLoop:
    """A pytest plugin that replaces the test loop with forked children, one per exercise."""

    def __init__(self, course: Course, limits: Limits, on_check: OnCheck | None = None):
        self.course = course
        self.limits = limits
        self.on_check = on_check
        self.order: list[tuple[str, str]] = []  # (nodeid, exercise id), in collection order
        self.results: dict[str, CheckResult] = {}  # nodeid -> result
        self.collect_errors: list[str] = []
        self.hidden_points: dict[str, float] = {}
        self.grader_error: GraderError | None = None
        self.notes: list[str] = []
        self.live: set[int] = set()  # exercise children not yet reaped
        self.keep: set[int] = set()  # children the host process had before grading began

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
            raise GraderError(
                "the grader's checks failed to load:\n" + "\n".join(self.collect_errors)
            )
        target = plugin.target_dir(session.config)
        try:
            self.hidden_points, self.notes = hidden_points(self.course, session.items)
        except GraderError as exc:
            self.grader_error = exc
            return True
        self.order = [(i.nodeid, plugin.exercise_id_of(i)) for i in session.items]
        queue: list[list[pytest.Item]] = []  # batches: the checks of one exercise, in order
        for item in session.items:
            ex_id = plugin.exercise_id_of(item)
            if not self.course.exercise(ex_id).location(target).is_file():
                self._finish(
                    item,
                    ex_id,
                    CheckResult(
                        check_name(item),
                        results.NOT_ATTEMPTED,
                        f"not attempted: {self.course.exercise(ex_id).relpath.as_posix()} "
                        f"is not in {target}",
                    ),
                )
            elif queue and plugin.exercise_id_of(queue[-1][0]) == ex_id:
                queue[-1].append(item)
            else:
                queue.append([item])
        # Move everything imported so far out of the collector's reach: a child's garbage
        # collection then never walks (and copy-on-write copies) the parent's whole heap.
        # (No gc.collect() first: a full collection of this heap costs ~16 ms, per grading.)
        gc.freeze()
        # Orphans of the submission's processes (setsid, double forks) become our children, and
        # are killed after each exercise and before anything is reported (see reaper.py).
        self.keep = set(reaper.children())
        reaper.become_subreaper()
        reaper.make_undumpable()
        running: dict[int, _Child] = {}  # by pid
        sel = selectors.DefaultSelector()
        total_deadline = (
            time.monotonic() + self.limits.total_time if self.limits.total_time else None
        )
        try:
            while queue or running:
                if total_deadline is not None and time.monotonic() >= total_deadline:
                    self._out_of_time(queue, running, sel)
                    break
                while queue and len(running) < max(1, self.limits.jobs):
                    child = self._spawn(queue.pop(0))
                    running[child.pid] = child
                    if child.pidfd >= 0:
                        sel.register(child.pidfd, selectors.EVENT_READ, ("exit", child))
                    sel.register(child.result_fd, selectors.EVENT_READ, ("result", child))
                    sel.register(child.output_fd, selectors.EVENT_READ, ("output", child))
                deadlines = [c.deadline for c in running.values()]
                if total_deadline is not None:
                    deadlines.append(total_deadline)
                wait = max(0.0, min(deadlines) - time.monotonic())
                polling = [c for c in running.values() if c.pidfd < 0]
                if polling:
                    wait = min(wait, 0.02)
                for key, _ in sel.select(timeout=wait):
                    kind, child = key.data
                    if child.pid not in running:
                        continue
                    if kind == "result":
                        self._read(child, child.result_fd, sel)
                    elif kind == "output":
                        self._read(child, child.output_fd, sel)
                    else:
                        del running[child.pid]
                        queue[:0] = self._reap(child, sel, timed_out=False)
                for child in polling:  # no pidfd: ask the kernel whether it has exited
                    pid, status = os.waitpid(child.pid, os.WNOHANG)
                    if pid and child.pid in running:
                        child.wait_status = status
                        del running[child.pid]
                        queue[:0] = self._reap(child, sel, timed_out=False)
                now = time.monotonic()
                for child in [c for c in running.values() if now >= c.deadline]:
                    del running[child.pid]
                    queue[:0] = self._reap(child, sel, timed_out=True)
        finally:
            for child in list(running.values()):  # interrupted: leave no child behind
                self._reap(child, sel, timed_out=True)
            reaper.kill_strays(self.keep)
            sel.close()
            gc.unfreeze()
        return True

    def _out_of_time(
        self,
        queue: list[list[pytest.Item]],
        running: dict[int, _Child],
        sel: selectors.BaseSelector,
    ) -> None:
        """The whole target's time is up: stop every child; every check not finished times out."""
        why = f"not graded: the submission's {self.limits.total_time:g} s time limit ran out first"
        for child in list(running.values()):
            del running[child.pid]
            queue.extend(self._reap(child, sel, timed_out=True, reason=why))
        for batch in queue:
            for item in batch:
                self._finish(
                    item,
                    plugin.exercise_id_of(item),
                    CheckResult(check_name(item), results.TIMEOUT, why),
                )
        queue.clear()

    def _spawn(self, items: list[pytest.Item]) -> _Child:
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        sentinel = b"\n\x00mlgrade-end-of-check-" + os.urandom(8).hex().encode() + b"\x00"
        token = os.urandom(16).hex()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # child
            os.close(result_r)
            os.close(output_r)
            run_checks(
                items, result_w, output_w, self.limits.memory_mb * 1024 * 1024, sentinel, token
            )
        self.live.add(pid)
        os.close(result_w)
        os.close(output_w)
        os.set_blocking(result_r, False)
        os.set_blocking(output_r, False)
        ex_id = plugin.exercise_id_of(items[0])
        limit = self._time_limit(ex_id)
        now = time.monotonic()
        pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else -1
        return _Child(
            pid=pid,
            pidfd=pidfd,
            exercise_id=ex_id,
            items=items,
            result_fd=result_r,
            output_fd=output_r,
            limit=limit,
            started=now,
            deadline=now + limit,
            sentinel=sentinel,
            token=token,
        )

    def _read(self, child: _Child, fd: int, sel: selectors.BaseSelector) -> None:
        """Drain what is available now from the child's result or output pipe."""
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
                if fd == child.output_fd:
                    child.output_fd = -1
                else:
                    child.result_fd = -1
                return
            if fd == child.output_fd:
                self._take_output(child, chunk)
            else:
                child.result_buf += chunk
                self._take_results(child)

    def _take_output(self, child: _Child, chunk: bytes) -> None:
        """Split the output stream at sentinels; keep at most the limit per check, count the rest."""
        child.pending_output += chunk
        keep = len(child.sentinel) - 1  # a sentinel may straddle two reads
        while True:
            at = child.pending_output.find(child.sentinel)
            piece = child.pending_output[
                : at if at >= 0 else max(0, len(child.pending_output) - keep)
            ]
            room = self.limits.output_limit - len(child.outputs[-1])
            if room > 0:
                child.outputs[-1] += piece[:room]
            child.output_totals[-1] += len(piece)
            if at < 0:
                del child.pending_output[: len(piece)]
                return
            del child.pending_output[: at + len(child.sentinel)]
            child.outputs.append(bytearray())
            child.output_totals.append(0)

    def _take_results(self, child: _Child) -> None:
        while b"\n" in child.result_buf:
            line, _, rest = bytes(child.result_buf).partition(b"\n")
            child.result_buf = bytearray(rest)
            index = len(child.results)
            if index >= len(child.items):
                child.forged = True  # more lines than checks: someone else wrote to the pipe
                return
            try:
                payload = json.loads(line)
                if payload["i"] != index or payload["t"] != child.token:
                    raise ValueError("out of order, or not from the grader")
                result = CheckResult(
                    check_name(child.items[index]),
                    payload["status"],
                    str(payload["message"]),
                    round(float(payload["duration_s"]), 4),
                    observed=bool(payload.get("observed", False)),
                )
            except (ValueError, KeyError, TypeError):
                child.forged = True
            if child.forged:  # once the channel is in doubt, nothing from this child counts
                for earlier in child.results:
                    earlier.status, earlier.message = results.ERROR, FORGED
                result = CheckResult(check_name(child.items[index]), results.ERROR, FORGED)
            child.results.append(result)
            self._finish(child.items[index], child.exercise_id, result)
            now = time.monotonic()
            child.started, child.deadline = now, now + child.limit
            if self.limits.stop_exercise_after_failure and result.status != results.PASSED:
                child.stop_reason = f"not run: '{result.name}' already lost a point"
                child.deadline = now  # the loop stops this child at once

    def _reap(
        self, child: _Child, sel: selectors.BaseSelector, timed_out: bool, reason: str = ""
    ) -> list[list[pytest.Item]]:
        """Collect a finished (or kill a late) child; return the checks it never reached."""
        if timed_out:
            _kill_group(child.pid)
        for fd in (child.result_fd, child.output_fd):
            if fd >= 0:
                self._read(child, fd, sel)  # after exit or kill: drain what is left, then EOF
        wait_status = child.wait_status
        if wait_status is None:
            try:
                _, wait_status = os.waitpid(child.pid, 0)
            except ChildProcessError:
                wait_status = 0
        _kill_group(child.pid)  # anything a check started in the background
        self.live.discard(child.pid)
        reaper.kill_strays(self.keep | self.live)  # and anything that left the process group
        for fd in (child.result_fd, child.output_fd):
            if fd >= 0:
                sel.unregister(fd)
                os.close(fd)
        if child.pidfd >= 0:
            sel.unregister(child.pidfd)
            os.close(child.pidfd)
        self._take_output(child, b"")
        child.outputs[-1] += child.pending_output[
            : max(0, self.limits.output_limit - len(child.outputs[-1]))
        ]
        child.output_totals[-1] += len(child.pending_output)
        if child.stop_reason:  # stopped on purpose: what had not reported was not run
            for item in child.items[len(child.results) :]:
                result = CheckResult(check_name(item), results.NOT_ATTEMPTED, child.stop_reason)
                child.results.append(result)
                self._finish(item, child.exercise_id, result)
        done = len(child.results)
        if done < len(child.items):  # the check that was running when the child stopped
            item = child.items[done]
            result = self._failure(child, wait_status, timed_out)
            if reason:
                result.message = reason
            child.results.append(result)
            self._finish(item, child.exercise_id, result)
        for i, result in enumerate(child.results):
            if i < len(child.outputs):
                result.output = child.outputs[i].decode("utf-8", "replace")
                total = child.output_totals[i]
                if total > len(child.outputs[i]):
                    result.output += (
                        f"\n[... output truncated: {total:,} bytes printed, "
                        f"first {len(child.outputs[i]):,} kept]"
                    )
        rest = child.items[len(child.results) :]
        if rest and timed_out and not reason and self.limits.stop_exercise_after_timeout:
            hung = child.results[-1].name
            why = (
                f"not run: '{hung}' already ran past the {child.limit:g} s limit, and the other "
                "checks of this exercise would most likely hang the same way; fix that first"
            )
            for item in rest:
                self._finish(
                    item, child.exercise_id, CheckResult(check_name(item), results.TIMEOUT, why)
                )
            return []
        return [rest] if rest else []

    def _failure(self, child: _Child, wait_status: int, timed_out: bool) -> CheckResult:
        name = check_name(child.items[len(child.results)])
        elapsed = round(time.monotonic() - child.started, 4)
        if timed_out:
            return CheckResult(
                name,
                results.TIMEOUT,
                (
                    f"took longer than the {child.limit:g} s limit: look for an infinite loop, or a loop "
                    "over rows that should be one vectorised NumPy expression"
                ),
                elapsed,
            )
        if os.WIFEXITED(wait_status):
            code = os.WEXITSTATUS(wait_status)
            why = (
                f"the grading process ended early with exit code {code} before the check "
                "finished: your code must not call os._exit() or exit the interpreter"
            )
        elif os.WIFSIGNALED(wait_status):
            sig = signal.Signals(os.WTERMSIG(wait_status)).name
            why = f"the grading process was killed by {sig}: your code crashed the interpreter"
            if sig == "SIGKILL":
                why += " (most often: it used far too much memory)"
        else:
            why = "the grading process stopped without reporting"
        return CheckResult(name, results.ERROR, why, elapsed)

    def _finish(self, item: pytest.Item, exercise_id: str, result: CheckResult) -> None:
        result.hidden = is_hidden(item)
        self.results[item.nodeid] = result
        if self.on_check:
            self.on_check(exercise_id, result)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _set_environ(values: dict[str, str | None]) -> None:
    """Set each variable to its value, or remove it where the value is None."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def check_name(item: pytest.Item) -> str:
    """A readable check name: 'TestStandardize::test_constant_column' -> 'constant column'."""
    name = getattr(item, "originalname", None) or item.name
    return name.removeprefix("test_").replace("_", " ") + (
        f" [{item.callspec.id}]" if hasattr(item, "callspec") else ""
    )


HIDDEN_POINTS = "HIDDEN_POINTS"  # in an extra check module: {exercise id: points}


def is_hidden(item: pytest.Item) -> bool:
    """A check from an instructor's --extra-checks module rather than the course's own."""
    return plugin.course().checks_dir.resolve() not in Path(str(item.path)).resolve().parents


def hidden_points(
    course: Course, items: Sequence[pytest.Item]
) -> tuple[dict[str, float], list[str]]:
    """Points per exercise declared by the extra check modules, and notes where the manifest's
    announcement to learners disagrees (the instructor's declaration wins)."""
    declared: dict[str, float] = {}
    modules = {item.module for item in items if is_hidden(item)}  # type: ignore[attr-defined]
    for module in modules:
        points = getattr(module, HIDDEN_POINTS, None)
        if not isinstance(points, dict):
            raise GraderError(
                f"{module.__file__}: declare {HIDDEN_POINTS} = {{exercise id: points}}"
            )
        for ex_id, value in points.items():
            declared[ex_id] = declared.get(ex_id, 0.0) + float(value)
    checked = {plugin.exercise_id_of(i) for i in items if is_hidden(i)}
    for ex_id in checked - set(declared):
        raise GraderError(
            f"hidden checks grade {ex_id}, but no {HIDDEN_POINTS} entry gives it points"
        )
    notes = []
    for ex_id, value in declared.items():
        try:
            announced = course.exercise(ex_id).hidden_points
        except ValueError:
            raise GraderError(
                f"{HIDDEN_POINTS} names {ex_id!r}, which is not an exercise of the course"
            ) from None
        if announced != value:
            notes.append(
                f"course.toml announces {announced:g} hidden points for {ex_id}, the extra "
                f"checks declare {value:g}; graded with {value:g}"
            )
    return declared, notes


def check_modules(course: Course, exercises: Sequence[Exercise]) -> list[Path]:
    """The check module of each exercise, at the path that mirrors its file in `lessons/`."""
    return [course.checks_dir / ex.check_relpath for ex in exercises]


def _exchange_root() -> str | None:
    """Where the exchange folders go: a memory file system when there is one (an MLflow store
    commits to SQLite after every write, and on a disk each commit waits for it), else TMPDIR."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return None


def _run_pytest(
    loop: ForkingLoop, target: Path, present: Sequence[Exercise], modules: list[str]
) -> None:
    # Files the checks and the learner's code share live here; removed after grading, whatever
    # the learner's processes left in it.
    exchange = tempfile.mkdtemp(prefix="mlgrade-exchange-", dir=_exchange_root())
    args = [
        "-c",
        str(CHECKS_INI),
        "--rootdir",
        str(loop.course.checks_dir),
        "--mlgrade-course",
        str(loop.course.manifest_path),
        "--mlgrade-exchange",
        exchange,
        "--mlgrade-target",
        str(target),
        "--mlgrade-select",
        ",".join(ex.id for ex in present),
        *(["--mlgrade-sandbox"] if loop.limits.sandbox else []),
        *(arg for path in loop.limits.hide for arg in ("--mlgrade-hide", path)),
        "-p",
        "no:terminal",
        *modules,
    ]
    # pytest also takes options and plugins from the environment (PYTEST_ADDOPTS="-k ..." drops
    # checks and so changes scores): grade with the grader's own configuration alone.
    pinned = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_ADDOPTS": None, "PYTEST_PLUGINS": None}
    saved = {name: os.environ.get(name) for name in pinned}
    _set_environ(pinned)
    try:
        code = pytest.main(args, plugins=[loop])
    finally:
        _set_environ(saved)
        shutil.rmtree(exchange, ignore_errors=True)
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if loop.grader_error:
        raise loop.grader_error
    if loop.collect_errors:
        raise GraderError("the grader's checks failed to load:\n" + "\n".join(loop.collect_errors))
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        raise GraderError(f"pytest could not run the checks (exit {code!r})")


def _is_stub(course: Course, target: Path, ex: Exercise) -> bool:
    """Whether the exercise's file in `target` is byte for byte its generated stub."""
    try:
        return ex.location(target).read_text(encoding="utf-8") == stubs.stub_text(course, ex)
    except (OSError, UnicodeDecodeError, ValueError):
        return False


def grade(
    course: Course,
    target: Path,
    exercises: Sequence[Exercise],
    limits: Limits | None = None,
    on_check: OnCheck | None = None,
    extra_checks: Path | None = None,
) -> GradeReport:
    """Grade `exercises` of the folder `target`; never writes into `target`.

    `extra_checks`: a folder of instructor-only `check_*.py` modules, each declaring
    `HIDDEN_POINTS = {exercise id: points}`; their checks are graded and reported as hidden.
    """
    limits = limits or Limits(
        memory_mb=course.memory_limit_mb, output_limit=course.output_limit_kb * 1024
    )
    sandbox_status = sandbox.probe() if limits.sandbox else sandbox.NONE
    if limits.sandbox and sandbox_status == sandbox.NONE:
        limits = replace(limits, sandbox=False)  # said in the report: sandbox none
    target = Path(target).resolve()
    started = time.perf_counter()
    loop = ForkingLoop(course, limits, on_check)
    # An exercise with no file in the target is not attempted, and needs no checks loaded: an
    # exercise's check module (and what it imports: pandas, scikit-learn, ...) is collected only
    # when its file is present.
    present = [ex for ex in exercises if ex.location(target).is_file()]
    untouched = [
        ex for ex in present if limits.skip_untouched_stubs and _is_stub(course, target, ex)
    ]
    present = [ex for ex in present if ex not in untouched]
    modules = [str(m) for m in check_modules(course, present)]
    if extra_checks is not None:
        extra = sorted(Path(extra_checks).resolve().glob("check_*.py"))
        if not extra:
            raise GraderError(f"--extra-checks {extra_checks}: no check_*.py modules in it")
        modules += map(str, extra)
    if modules:
        _run_pytest(loop, target, present, modules)

    report = GradeReport(target=str(target), notes=list(loop.notes), sandbox=sandbox_status)
    for ex in exercises:
        checks = [loop.results[nodeid] for nodeid, ex_id in loop.order if ex_id == ex.id]
        if ex in untouched:
            checks = [
                CheckResult(
                    "exercise file",
                    results.NOT_ATTEMPTED,
                    f"not attempted: {ex.relpath.as_posix()} is still its stub",
                )
            ]
        elif ex not in present:
            checks = [
                CheckResult(
                    "exercise file",
                    results.NOT_ATTEMPTED,
                    f"not attempted: {ex.relpath.as_posix()} is not in {target}",
                )
            ]
        hidden = loop.hidden_points.get(ex.id, 0.0)
        report.exercises.append(ExerciseResult(ex.id, ex.title, ex.points, checks, hidden))
        if not hidden:
            report.held_back += ex.hidden_points
    report.duration_s = time.perf_counter() - started
    return report
