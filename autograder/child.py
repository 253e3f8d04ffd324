"""The grading child: runs one exercise's checks in order and reports each on a private pipe.

Forked by `runner.ForkingLoop` from the warm parent. It binds what it needs to local names before
any learner code runs, caps its memory, sends the learner's output to its own pipe, and checks
after every check that the learner did not rebind the grader, pytest, numpy or builtins.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sys
import time

import pytest
from _pytest.runner import runtestprotocol

from . import learner_process, plugin, results


def _virtual_memory_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


TAMPERED = (
    "your code replaced parts of the grader, pytest, numpy or Python's builtins ({names}); "
    "a submission must leave them alone, so this check earns nothing"
)


def _guarded_namespaces(items: list[pytest.Item]) -> list[tuple[str, dict]]:
    """Module namespaces a submission must not rebind: the grader, its checks, numpy, builtins.

    (`os` and `json` are not among them: the child binds what it needs from them to local names
    before any learner code runs.)"""
    import builtins

    import numpy

    names = [
        "autograder.plugin",
        "autograder.assertions",
        "autograder.results",
        "autograder.runner",
        __name__,
        "_pytest.runner",
        "pytest",
    ]
    modules = [sys.modules[n] for n in names if n in sys.modules]
    modules += [builtins, numpy, numpy.linalg, numpy.random, numpy.testing]
    modules += list({id(i.module): i.module for i in items if hasattr(i, "module")}.values())  # type: ignore[attr-defined]
    return [(m.__name__, vars(m)) for m in modules]


def _fingerprint(namespaces: list[tuple[str, dict]]) -> list[tuple[tuple, tuple]]:
    """Per namespace: its names, and the identity of each binding (and of a function's code)."""
    return [
        (tuple(ns), tuple((id(v), id(getattr(v, "__code__", None))) for v in ns.values()))
        for _, ns in namespaces
    ]


def _rebound(namespaces: list[tuple[str, dict]], before: list, after: list) -> list[str]:
    """Names whose binding changed or vanished between two fingerprints (additions are allowed)."""
    changed = []
    for (module, _), (keys0, ids0), (keys1, ids1) in zip(namespaces, before, after, strict=True):
        if keys0 == keys1[: len(keys0)] and ids0 == ids1[: len(ids0)]:
            continue  # the common case, one tuple comparison: nothing rebound
        now = dict(zip(keys1, ids1, strict=True))
        changed += [f"{module}.{k}" for k, v in zip(keys0, ids0, strict=True) if now.get(k) != v]
    return sorted(changed)


def _start_capstone_process(items: list[pytest.Item]) -> None:
    """Fork the capstone's learner process now, before its first check generates the hidden
    world: a process forked later would hold that world (and its labels) in its memory."""
    exercise_id = plugin.exercise_id_of(items[0])
    try:
        if plugin.course().exercise(exercise_id).beside_lessons:
            plugin.learner_process(items[0].config, exercise_id)
    except Exception:  # noqa: BLE001 - the first check's fixture reports what went wrong
        pass


def run_checks(
    items: list[pytest.Item],
    result_w: int,
    output_w: int,
    memory_bytes: int,
    sentinel: bytes,
    token: str,
) -> None:
    """In the forked child: run the checks in order, report each, leave without any cleanup.

    Everything this function needs after a check is bound to a local name *before* any learner
    code runs, so a submission that rebinds `plugin.classify`, `json.dumps` or `os.write` does not
    change how the result is written; and a fingerprint of the guarded namespaces, taken at the
    same moment, is compared after every check to catch the rebinding itself.
    """
    write, dumps, clock, exit_now = os.write, json.dumps, time.perf_counter, os._exit
    protocol, classify, fingerprint, rebound = (
        runtestprotocol,
        plugin.classify,
        _fingerprint,
        _rebound,
    )
    error = results.ERROR
    try:
        os.setpgid(0, 0)  # so the parent can kill anything a check starts
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        if memory_bytes:
            cap = _virtual_memory_bytes() + memory_bytes
            with contextlib.suppress(ValueError, OSError):  # macOS may refuse RLIMIT_AS
                resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        _start_capstone_process(items)
        guarded = _guarded_namespaces(items)
        baseline = fingerprint(guarded)
        for index, item in enumerate(items):
            started = clock()
            try:
                reports = protocol(item, log=False, nextitem=None)
                status, message = classify(item, reports)
            except BaseException as exc:  # the grader's own failure, or an escape from a check
                status, message = error, f"the check stopped unexpectedly: {exc!r}"
            changed = rebound(guarded, baseline, fingerprint(guarded))
            if changed:
                shown = ", ".join(changed[:4]) + (" …" if len(changed) > 4 else "")
                status, message = error, TAMPERED.format(names=shown)
            payload = {
                "i": index,
                "t": token,
                "status": status,
                "message": message,
                "duration_s": clock() - started,
                "observed": learner_process.observed_this_check,
            }
            learner_process.observed_this_check = False
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            write(output_w, sentinel)
            write(result_w, (dumps(payload) + "\n").encode())
    finally:
        exit_now(0)
