"""The learner's file run in fresh Python interpreters, each with its own PYTHONHASHSEED.

Python salts `hash()` of a str (and bytes) per process: a value built from it differs from one
run to the next. A check that needs a value to be the same in every process (a canary bucket, a
cache key a shelve keeps between runs) runs the learner's code in two interpreters with different
PYTHONHASHSEEDs and compares what they give.

`in_fresh_interpreters` runs in the learner's process (`submission.observe`); the check gives it
the learner's file (the `submission_text` fixture) and a *driver*, the source of a self-contained
function `driver(module, args)` of the check module (its imports inside it; `driver_of(fn)` reads
it), which each interpreter calls with the learner's module and `args` (JSON). Each driver's value
comes back as JSON.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

_CHILD = (
    "import json, sys, types\n"
    "job = json.loads(sys.stdin.read())\n"
    "m = types.ModuleType('learner_module')\n"
    "m.__file__ = job['path']\n"
    "sys.modules['learner_module'] = m\n"
    "exec(compile(job['source'], job['path'], 'exec'), m.__dict__)\n"
    "space = {}\n"
    "exec(compile(job['driver'], '<check driver>', 'exec'), space)\n"
    "out = space[job['name']](m, job['args'])\n"
    "print('\\nRESULT ' + json.dumps(out))\n"
)


def driver_of(fn: Callable[[Any, Any], Any]) -> dict:
    """A module-level function `fn(module, args)` as a driver: its name and its source."""
    return {"name": fn.__name__, "source": textwrap.dedent(inspect.getsource(fn))}


def in_fresh_interpreters(
    module: Any,
    source: str,
    driver: dict,
    args: Any,
    seeds: Sequence[int],
    timeout: float = 15.0,
) -> dict[str, dict]:
    """In the learner's process: for each seed, a fresh interpreter (PYTHONHASHSEED=seed) loads
    the learner's file (`source`) and prints `driver(learner_module, args)`. The interpreters run
    side by side. Returns {str(seed): {"result": value}} or {str(seed): {"error": message}}."""
    job = json.dumps(
        {
            "path": module.__file__,
            "source": source,
            "driver": driver["source"],
            "name": driver["name"],
            "args": args,
        }
    )
    procs = []
    for seed in seeds:
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _CHILD],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    results: dict[str, dict] = {}
    for seed, proc in zip(seeds, procs, strict=True):
        try:
            out, err = proc.communicate(job, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            results[str(seed)] = {"error": f"timed out after {timeout:g} s"}
            continue
        lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            results[str(seed)] = {"error": (err.strip().splitlines() or ["no output"])[-1][:200]}
        else:
            results[str(seed)] = {"result": json.loads(lines[-1][len("RESULT ") :])}
    return results
