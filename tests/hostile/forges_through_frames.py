"""Hostile stub for 01_numpy/ex01_standardize: hunts for the grader's result channel and token.

At import it walks outward from its own frame, through a caught exception's traceback, through
every object the garbage collector knows, and later from a signal handler, collecting every
int that could be a file descriptor and every 32-character hex string that could be the result
token; then it writes "passed" result lines with each token to every descriptor it can. Its
functions are stubs. It must earn nothing.
"""

import contextlib
import gc
import json
import os
import signal
import sys


def _candidates() -> tuple[set[int], set[str]]:
    fds, tokens = set(range(0, 64)), set()
    frames = []
    frame = sys._getframe()
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    try:
        raise RuntimeError
    except RuntimeError as exc:
        tb = exc.__traceback__
        while tb is not None:
            frames.append(tb.tb_frame)
            tb = tb.tb_next
    for obj in gc.get_objects():
        if type(obj).__name__ == "frame":
            frames.append(obj)
    for f in frames:
        for value in list(f.f_locals.values()):
            if isinstance(value, int) and 0 <= value < 1024:
                fds.add(value)
            if isinstance(value, str) and len(value) == 32:
                tokens.add(value)
    return fds, tokens


def _forge(*_args) -> None:
    fds, tokens = _candidates()
    for fd in fds:
        for token in tokens or {"0" * 32}:
            for i in range(16):
                line = {"i": i, "t": token, "status": "passed", "message": "", "duration_s": 0.0}
                with contextlib.suppress(OSError):
                    os.write(fd, (json.dumps(line) + "\n").encode())


_forge()
signal.signal(signal.SIGALRM, _forge)
signal.setitimer(signal.ITIMER_REAL, 0.05)


def standardize(X):
    raise NotImplementedError
