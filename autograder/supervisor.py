"""Supervising `mlgrade batch`'s grading children: process sessions, a watchdog, a clean environment.

Each submission is graded by a child in a session of its own. When a child overruns, every
process of its session is killed (the runner's per-exercise children sit in process groups of
their own inside it); a watchdog process does the same for any child still running if the batch
itself is killed, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .manifest import COURSE_ROOT
from .reaper import process_stats


def session_members(sid: int) -> list[int]:
    """Live (not zombie) processes whose session id is `sid` (Linux /proc)."""
    return [
        pid
        for pid, fields in process_stats()
        if len(fields) > 3 and fields[0] != b"Z" and int(fields[3]) == sid
    ]


def kill_session(sid: int) -> None:
    """SIGKILL the process group `sid` and every other process of the session `sid`."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(sid, signal.SIGKILL)
    for _ in range(20):  # a process may fork while we look: look again until none is left
        members = session_members(sid)
        if not members:
            return
        for pid in members:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)


def watchdog_main() -> None:
    """Read '+PID' / '-PID' lines on stdin; at EOF (the batch ended, however it ended) kill the
    session of every child still listed, then remove the batch's scratch folder (argv[1])."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    live: set[int] = set()
    for line in sys.stdin:
        line = line.strip()
        if line[:1] in "+-" and line[1:].isdigit():
            (live.add if line[0] == "+" else live.discard)(int(line[1:]))
    for sid in live:
        kill_session(sid)
    if len(sys.argv) > 1:
        shutil.rmtree(sys.argv[1], ignore_errors=True)


class Children:
    """The grading children now running, and a watchdog that outlives the batch if it is killed."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.env = child_env(link_packages(scratch))
        self._lock = threading.Lock()
        self._running: set[int] = set()
        self.stopping = False
        self._watchdog = subprocess.Popen(
            [
                sys.executable,
                "-P",
                "-c",
                "from autograder.supervisor import watchdog_main; watchdog_main()",
                str(scratch),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            cwd="/",
            env=self.env,
            start_new_session=True,
            text=True,
            bufsize=1,
        )

    def _tell(self, line: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._watchdog.stdin.write(line + "\n")  # type: ignore[union-attr]

    def started(self, pid: int) -> None:
        with self._lock:
            self._running.add(pid)
            self._tell(f"+{pid}")
            stop = self.stopping
        if stop:
            kill_session(pid)

    def finished(self, pid: int) -> None:
        with self._lock:
            self._running.discard(pid)
            self._tell(f"-{pid}")

    def stop_all(self) -> None:
        with self._lock:
            self.stopping = True
            running = list(self._running)
        for pid in running:
            kill_session(pid)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._watchdog.stdin.close()  # type: ignore[union-attr]
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._watchdog.wait(timeout=10)


def child_env(import_root: Path) -> dict[str, str]:
    """The environment of a child: `import_root` (this grader's packages, nothing else) first on
    the path; with `python -P` in an empty working folder, nothing beside a submission is imported."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(import_root), env.get("PYTHONPATH")) if p)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    return env


def link_packages(scratch: Path) -> Path:
    """A folder holding links to this grader's packages, so that every child imports exactly the
    grader this batch runs, installed or not, and none of the course checkout's other folders."""
    folder = scratch / "packages"
    folder.mkdir()
    for package in ("autograder", "coursedata", "coursekit"):
        if (COURSE_ROOT / package).is_dir():
            (folder / package).symlink_to(COURSE_ROOT / package, target_is_directory=True)
    return folder
