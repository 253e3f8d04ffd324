"""Nothing a submission starts outlives its grading (Linux): a child subreaper and a stray sweep.

A learner's code can start processes that leave the exercise child's process group and session
(`setsid()`, a double fork). Without help they would be re-parented to init and live on, free to
rewrite a report after the grader has written it. The grading process therefore declares itself a
*child subreaper* (`prctl(PR_SET_CHILD_SUBREAPER)`): every orphan among its descendants is
re-parented to it instead of init. `kill_strays` then kills every child it did not start itself,
and the children those leave behind in turn, until none is left. The runner sweeps after every
exercise child it reaps and once more before it returns, so reports are written only after every
descendant is gone.

The process also makes itself non-dumpable (`prctl(PR_SET_DUMPABLE, 0)`), so another process of
the same (non-root) user can neither ptrace it nor read its memory through /proc.

Elsewhere (macOS) both are unavailable: `available()` says so, and grading still kills each
exercise's process group, which a `setsid()` escapes.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Iterator

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
SWEEP_ROUNDS = 50  # a stray may fork while it is being killed: look again, this many times


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Orphaned descendants of this process become its children (True where that worked)."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def make_undumpable() -> bool:
    """No same-user process may ptrace this one or read its memory (True where that worked)."""
    return _prctl(PR_SET_DUMPABLE, 0)


def available() -> bool:
    return sys.platform.startswith("linux") and os.path.isdir("/proc/self")


def process_stats() -> Iterator[tuple[int, list[bytes]]]:
    """(pid, the fields of /proc/<pid>/stat after "pid (comm)") for every process (Linux):
    fields[0] is the state, [1] the parent, [2] the process group, [3] the session."""
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            yield int(entry), stat[stat.rfind(b")") + 2 :].split()


def children(pid: int | None = None) -> dict[int, bool]:
    """{child pid: is a zombie} of `pid` (default: this process)."""
    pid = os.getpid() if pid is None else pid
    return {
        child: fields[0] == b"Z"
        for child, fields in process_stats()
        if len(fields) > 1 and int(fields[1]) == pid
    }


def kill_strays(keep: set[int]) -> int:
    """Kill and reap every child of this process not in `keep` (re-parented orphans), and the
    orphans their deaths leave, until none is left. Returns how many were killed."""
    if not available():
        return 0
    killed = 0
    for _ in range(SWEEP_ROUNDS):
        strays = {pid: zombie for pid, zombie in children().items() if pid not in keep}
        if not strays:
            break
        for pid, zombie in strays.items():
            if not zombie:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                killed += 1
        for pid in strays:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)  # reap it, so that its own orphans move to us
    return killed
