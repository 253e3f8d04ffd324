"""Who receives `docker stop`'s SIGTERM: exec form, shell form, and a shell that execs.

`docker stop` sends SIGTERM to the container's first process (PID 1), waits 10 seconds, then
sends SIGKILL. An exec-form CMD (a JSON array) makes the server itself that process; a shell-form
CMD (`CMD uvicorn ...`) runs `/bin/sh -c "uvicorn ..."`, and the shell is the process that gets
the signal. This script starts a small server the three ways a CMD can, sends SIGTERM to the
process Docker would signal, and prints what the server saw. It also shows that an exec-form
argument is passed as written: no shell, no `$VARIABLE` expansion.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVER = """\
import os, signal, sys, time

def stop(signum, frame):
    print("server: SIGTERM received, closing connections, exit 0", flush=True)
    sys.exit(0)

signal.signal(signal.SIGTERM, stop)
print(f"server: pid {os.getpid()}", flush=True)
time.sleep(2)
print("server: never signalled, still running 2 s later", flush=True)
"""


def run(argv: list[str], folder: Path) -> None:
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=folder, stdout=subprocess.PIPE, text=True)
    first = process.stdout.readline().strip()  # the server is up and its handler installed
    same = first == f"server: pid {process.pid}"
    process.send_signal(signal.SIGTERM)  # what docker stop sends to PID 1
    process.wait()
    rest = process.stdout.read().strip()  # until the server's end closes the pipe
    seconds = time.perf_counter() - started
    print(f"  the signalled process is the server: {same}; it ended with {process.returncode}")
    print(f"  {rest}  ({seconds:.1f} s this run)")


def main() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "server.py").write_text(SERVER)
        forms = {
            'exec form: CMD ["python3", "server.py"]': [python, "server.py"],
            "shell form: CMD python3 server.py": ["/bin/sh", "-c", f"{python} server.py"],
            'a shell that execs: CMD ["sh", "-c", "exec python3 server.py"]': [
                "/bin/sh",
                "-c",
                f"exec {python} server.py",
            ],
        }
        for label, argv in forms.items():
            print(label)
            run(argv, Path(folder))

    env = {**os.environ, "PORT": "9000"}
    show = [python, "-c", "import sys; print(sys.argv[1:])"]
    argv = subprocess.run([*show, "--port", "$PORT"], env=env, capture_output=True, text=True)
    print(f'exec form ["--port", "$PORT"] passes: {argv.stdout.strip()}')
    shell = f'{python} -c "import sys; print(sys.argv[1:])" --port "$PORT"'
    expanded = subprocess.run(["/bin/sh", "-c", shell], env=env, capture_output=True, text=True)
    print(f"through sh -c it passes: {expanded.stdout.strip()}")


if __name__ == "__main__":
    main()
