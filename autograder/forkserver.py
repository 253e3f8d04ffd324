"""A warm worker for `mlgrade batch`: each submission's grader is forked from it, not started cold.

A cold `python -m autograder grade` spends about 0.35 CPU-seconds importing pytest, NumPy and the
grader before it grades anything; for a lesson-01 submission that is a quarter of its cost. The
worker imports them once, and for each submission forks a child that starts its own session,
moves to its own working folder, sends its stderr to its own file and runs `mlgrade grade` as a
fresh interpreter would. The worker never grades and never imports learner code, so every child
starts from the same clean state. A command that is not this grader (the batch tests' stand-ins)
is exec'd in the child instead, through the same path.

Protocol: JSON lines. The batch writes `{"op": "start", "id", "argv", "cwd", "stderr"}` and
`{"op": "kill", "id"}` on the worker's stdin; the worker answers `{"id", "pid"}` (or
`{"id", "error"}`) once the child runs and `{"id", "status"}` (a wait status) once it has ended and
every other process of its session has been killed. At end of input (the batch ended, however it
ended) the worker kills every child's session and exits.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path

# Everything `mlgrade grade` imports before its first fork: imported once here, inherited by
# every child. Nothing here runs learner code or reads a submission.
PRELOAD = (
    "autograder.cli",
    "autograder.instructor",
    "autograder.runner",
    "autograder.plugin",
    "autograder.learner_process",
    "autograder.assertions",
    "autograder.exporters.gradebook",
    "pytest",
    "numpy",
    # pytest's built-in plugins, imported when a session starts
    *(
        f"_pytest.{name}"
        for name in [
            "faulthandler",
            "helpconfig",
            "junitxml",
            "pastebin",
            "setuponly",
            "setupplan",
            "skipping",
            "stepwise",
            "threadexception",
            "tracemalloc",
            "unittest",
            "unraisableexception",
            "warnings",
            "debugging",
        ]
    ),
    "pdb",
    "unittest",
)


def grader_prefix() -> list[str]:
    """The command prefix of this grader; a request starting with it is run warm."""
    return [sys.executable, "-P", "-m", "autograder"]


def _child(argv: list[str], cwd: str, stderr_fd: int, warm: bool) -> None:
    """In the forked child: become the grading process. Never returns."""
    code = 1
    try:
        os.setsid()
        os.chdir(cwd)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.dup2(stderr_fd, 2)
        os.closerange(3, 1 << 16)  # the worker's pipes and the other children's pidfds
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if not warm:
            os.execvp(argv[0], argv)
        import random

        random.seed()  # a fresh interpreter's seeds, not the worker's
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        sys.argv = ["mlgrade", *argv[len(grader_prefix()) :]]
        from autograder import cli

        code = cli.main(sys.argv[1:])
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 - as the interpreter would: a traceback, status 1
        with contextlib.suppress(BaseException):
            traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
        with contextlib.suppress(BaseException):
            sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    """The worker's loop: start children on request, report each one's end."""
    from autograder import reaper
    from autograder.supervisor import kill_session

    # A submission's code runs as this user: it must not read or trace the process that every
    # later submission's grader is forked from. (The sandbox re-enables dumping for itself only.)
    reaper.make_undumpable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    for name in PRELOAD:
        __import__(name)
    out = sys.stdout

    def send(message: dict) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    runs: dict[int, tuple[int, int]] = {}  # pidfd -> (request id, pid)
    by_id: dict[int, int] = {}  # request id -> pid
    pending = b""
    prefix = grader_prefix()
    while True:
        ready, _, _ = select.select([0, *runs], [], [])
        for fd in ready:
            if fd != 0:
                request_id, pid = runs.pop(fd)
                by_id.pop(request_id, None)
                kill_session(pid)  # what it left behind, while its zombie still holds the pid
                _, status = os.waitpid(pid, 0)
                os.close(fd)
                send({"id": request_id, "status": status})
                continue
            chunk = os.read(0, 1 << 16)
            if not chunk:  # the batch is gone: leave nothing behind
                for pidfd, (_, pid) in runs.items():
                    kill_session(pid)
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid, 0)
                    os.close(pidfd)
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                request_id = request["id"]
                if request["op"] == "kill":
                    if request_id in by_id:
                        kill_session(by_id[request_id])
                    continue
                argv = request["argv"]
                warm = argv[: len(prefix)] == prefix
                if not warm and shutil.which(argv[0]) is None:
                    send({"id": request_id, "error": f"{argv[0]}: no such program"})
                    continue
                try:
                    stderr_fd = os.open(
                        request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600
                    )
                except OSError as exc:
                    send({"id": request_id, "error": str(exc)})
                    continue
                try:
                    pid = os.fork()
                except OSError as exc:
                    os.close(stderr_fd)
                    send({"id": request_id, "error": f"fork failed: {exc}"})
                    continue
                if pid == 0:
                    _child(argv, request["cwd"], stderr_fd, warm)
                os.close(stderr_fd)
                runs[os.pidfd_open(pid)] = (request_id, pid)
                by_id[request_id] = pid
                send({"id": request_id, "pid": pid})


# --- the batch's side --------------------------------------------------------------------------


class WorkerLost(Exception):
    """The worker died (or could not start): grade this submission cold instead."""


class Run:
    """One child started by the worker: its pid, and its wait status once it has ended."""

    def __init__(self, request_id: int) -> None:
        self.id = request_id
        self.pid: int | None = None
        self.error: str | None = None
        self.status: int | None = None
        self.lost = False
        self.started = threading.Event()
        self.ended = threading.Event()


class ForkServer:
    """The batch's handle on one worker, shared by its grading threads."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "autograder.forkserver"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=cwd,
            env=env,
            start_new_session=True,  # not in the terminal's group: Ctrl-C is the batch's
        )
        self._lock = threading.Lock()
        self._runs: dict[int, Run] = {}
        self._next = 0
        self._lost = False
        self._reader = threading.Thread(target=self._read, name="mlgrade-forkserver", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def alive(self) -> bool:
        return not self._lost

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                message = json.loads(line)
                run = self._runs[message["id"]]
            except (ValueError, KeyError):
                continue
            if "pid" in message:
                run.pid = message["pid"]
                run.started.set()
            elif "error" in message:
                run.error = message["error"]
                run.started.set()
                run.ended.set()
            elif "status" in message:
                run.status = message["status"]
                with self._lock:
                    self._runs.pop(run.id, None)
                run.ended.set()
        with self._lock:  # end of output: the worker is gone
            self._lost = True
            runs = list(self._runs.values())
            self._runs.clear()
        for run in runs:
            run.lost = True
            run.started.set()
            run.ended.set()

    def _send(self, message: dict) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write((json.dumps(message) + "\n").encode())
            self._proc.stdin.flush()
        except (OSError, ValueError) as exc:
            raise WorkerLost(str(exc)) from None

    def start(self, argv: list[str], cwd: Path, stderr: Path) -> Run:
        """Start `argv` in `cwd` with stderr to `stderr`; OSError if it cannot start,
        WorkerLost if the worker is gone."""
        with self._lock:
            if self._lost:
                raise WorkerLost("the worker has ended")
            self._next += 1
            run = Run(self._next)
            self._runs[run.id] = run
            self._send(
                {"op": "start", "id": run.id, "argv": argv, "cwd": str(cwd), "stderr": str(stderr)}
            )
        run.started.wait()
        if run.lost:
            raise WorkerLost("the worker ended before the child started")
        if run.error is not None:
            raise OSError(run.error)
        return run

    def kill(self, run: Run) -> None:
        """Kill the run's whole session; `run.ended` is set once it is gone."""
        with self._lock, contextlib.suppress(WorkerLost):
            self._send({"op": "kill", "id": run.id})

    def close(self) -> None:
        """End of input: the worker kills whatever still runs, and exits."""
        with self._lock, contextlib.suppress(OSError, ValueError):
            self._proc.stdin.close()  # type: ignore[union-attr]
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(timeout=5)


if __name__ == "__main__":
    serve()
