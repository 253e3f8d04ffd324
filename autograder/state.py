"""The learner's local state in `.mlgrade/` (git-ignored): hints already shown, cached results, and
the copies `mlgrade reset` keeps of the files it restores (`backups/<lesson>/`).

Nothing here is ever written inside `lessons/`. Set MLGRADE_STATE_DIR to keep it elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from . import __version__
from .atomic import atomic_write
from .manifest import COURSE_ROOT, Course, Exercise
from .results import ExerciseResult


def state_dir() -> Path:
    return Path(os.environ.get("MLGRADE_STATE_DIR") or COURSE_ROOT / ".mlgrade")


def _load(name: str) -> dict:
    path = state_dir() / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # a missing or corrupt state file only costs a regrade


def _save(name: str, data: dict) -> None:
    atomic_write(state_dir() / name, json.dumps(data, indent=1, sort_keys=True))


def next_hint(ex: Exercise) -> tuple[int, str | None]:
    """(1-based number, text) of the next hint for `ex`, remembering it; (n, None) when all are out."""
    seen = _load("hints.json")
    shown = int(seen.get(ex.id, 0))
    if shown >= len(ex.hints):
        return len(ex.hints), None
    seen[ex.id] = shown + 1
    _save("hints.json", seen)
    return shown + 1, ex.hints[shown]


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def grader_digest(course: Course, ex: Exercise) -> str:
    """Changes whenever the checks or the manifest entry of an exercise change."""
    module = course.checks_dir / ex.check_relpath
    h = hashlib.sha256(__version__.encode())
    h.update(module.read_bytes())
    h.update(repr(ex).encode())
    return h.hexdigest()


def _entries(cache: dict, target: Path) -> dict:
    """The cached results of one target folder: {exercise id: entry}."""
    entries = cache.get("targets", {}).get(str(target), {})
    return entries if isinstance(entries, dict) else {}


def cached_results(course: Course, target: Path) -> dict[str, ExerciseResult]:
    """Results still valid for the files now in `target` (same file, same checks)."""
    entries = _entries(_load("results.json"), target)
    valid = {}
    for ex in course.exercises:
        entry = entries.get(ex.id)
        if not isinstance(entry, dict):
            continue
        if entry.get("file") != file_digest(ex.location(target)):
            continue
        if entry.get("grader") != grader_digest(course, ex):
            continue
        try:
            valid[ex.id] = ExerciseResult.from_dict(entry["result"])
        except (KeyError, TypeError, ValueError):
            continue  # a damaged entry only costs a regrade
    return valid


def remember(course: Course, target: Path, results: list[ExerciseResult]) -> None:
    """Keep each result with the digests of the file it graded and of the grader, per target
    folder (your lessons/, or a --target), so grading one folder never evicts another's."""
    cache = _load("results.json")
    if not isinstance(cache.get("targets"), dict):
        cache = {"targets": {}}  # a cache from an older grader: start afresh
    entries = cache["targets"].setdefault(str(target), {})
    for r in results:
        ex = course.exercise(r.id)
        entries[r.id] = {
            "file": file_digest(ex.location(target)),
            "grader": grader_digest(course, ex),
            "result": r.to_dict(),
        }
    _save("results.json", cache)
