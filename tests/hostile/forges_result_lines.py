"""Hostile: a stub that writes a "passed" line for every check into each pipe the process holds,
then leaves, hoping the grader reads the forgeries as its own reports."""

import contextlib
import json
import os

for fd in map(int, os.listdir("/proc/self/fd")):
    for i in range(12):
        line = json.dumps({"i": i, "status": "passed", "message": "", "duration_s": 0.0}) + "\n"
        with contextlib.suppress(OSError):
            os.write(fd, line.encode())
os._exit(0)
