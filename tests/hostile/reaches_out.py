"""Hostile stub for 01_numpy/ex01_standardize: tries to reach past its own process.

It tries to read the grading process's memory (/proc/<parent>/mem) and that of every ancestor
(in a batch, the warm worker every submission is forked from), to ptrace it, to append to
the installed grader, to read and overwrite a neighbouring submission (its path in
MLGRADE_TEST_NEIGHBOUR, set by the test) and to open a network connection. It prints one line
per attempt, "REACHED <what>" when an attempt worked. Its function is a stub.
"""

import ctypes
import os
import socket
import sys


def _try(what, attempt):
    try:
        attempt()
        print(f"REACHED {what}")
    except Exception as exc:  # noqa: BLE001
        print(f"denied {what}: {type(exc).__name__}")


def _ptrace():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    if libc.ptrace(16, os.getppid(), None, None) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")


def _ancestors():
    pid = os.getppid()
    while pid > 1:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
        yield pid, stat[stat.index(b"(") + 1 : stat.rindex(b")")].decode()
        pid = int(stat.rsplit(b")", 1)[1].split()[1])


def _grader():
    grader = sys.modules["autograder"].__file__
    with open(grader, "a") as fh:
        fh.write("\n# edited by a submission\n")


def _neighbour_read():
    with open(os.environ["MLGRADE_TEST_NEIGHBOUR"]) as fh:
        fh.read()


def _neighbour_write():
    with open(os.environ["MLGRADE_TEST_NEIGHBOUR"], "a") as fh:
        fh.write("\n# edited by a neighbour\n")


_try("the grader's memory", lambda: open(f"/proc/{os.getppid()}/mem", "rb").read(1))  # noqa: SIM115
_try("ptrace of the grader", _ptrace)
for _pid, _name in list(_ancestors())[1:]:
    _try(
        f"an ancestor's memory ({_name})",
        lambda pid=_pid: open(f"/proc/{pid}/mem", "rb").read(1),  # noqa: SIM115
    )
_try("the installed grader", _grader)
_try("a neighbour's file (read)", _neighbour_read)
_try("a neighbour's file (write)", _neighbour_write)
_try("the network", lambda: socket.create_connection(("127.0.0.1", 9), timeout=1))


def standardize(X):
    raise NotImplementedError
