"""`mlgrade verify`: which files of a course clone differ from the pristine course.

The grader ships `autograder/pristine.json`: the sha256 of every file that shapes a grade (the
grader, its checks, the manifest, the packaging, CI and workflows). A
learner's clone is compared against it; `lessons/` is the learner's own and is not compared, but a
file there that could change how Python or pytest behave (conftest.py, sitecustomize.py, .pth,
pytest.ini) is still reported. Elsewhere such a file is reported unless the course itself ships it
(the repository's own `tests/conftest.py`): those are recorded too, and compared by hash.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import atomic_write
from .manifest import COURSE_ROOT

PRISTINE_PATH = COURSE_ROOT / "autograder" / "pristine.json"
PROTECTED = ("autograder/", "coursekit/", "course.toml", "pyproject.toml", ".ci/", ".github/")
SKIP_PARTS = {
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    ".mlgrade",
    ".pytest_cache",
    "site",
    ".ruff_cache",
}
SUSPICIOUS_NAMES = {
    "conftest.py",
    "sitecustomize.py",
    "usercustomize.py",
    "pytest.ini",
    "tox.ini",
    "setup.cfg",
}


def _protected(rel: str) -> bool:
    return rel in PROTECTED or any(rel.startswith(p) for p in PROTECTED if p.endswith("/"))


def _suspicious_name(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name in SUSPICIOUS_NAMES or name.endswith(".pth")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pristine_files(root: Path = COURSE_ROOT) -> dict[str, str]:
    """Hashes of the tracked files of the course checkout at `root` that shape a grade: the
    protected ones, and those the course ships with a suspicious name (`tests/conftest.py`)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout
    rels = sorted(
        r
        for r in listed.decode().split("\0")
        if r and (_protected(r) or (_suspicious_name(r) and not r.startswith("lessons/")))
    )
    pristine_rel = PRISTINE_PATH.relative_to(COURSE_ROOT).as_posix()
    return {r: sha256(root / r) for r in rels if r != pristine_rel and (root / r).is_file()}


def write_pristine(root: Path = COURSE_ROOT) -> bool:
    """Regenerate autograder/pristine.json; True when it changed."""
    text = json.dumps({"files": pristine_files(root)}, indent=1, sort_keys=True) + "\n"
    old = PRISTINE_PATH.read_text() if PRISTINE_PATH.exists() else ""
    if old != text:
        atomic_write(PRISTINE_PATH, text)
    return old != text


def load_pristine() -> dict[str, str]:
    return json.loads(PRISTINE_PATH.read_text())["files"]


@dataclass
class Verdict:
    modified: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    suspicious: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.modified or self.missing or self.added or self.suspicious)


def _walk(root: Path):
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if SKIP_PARTS & set(rel.parts) or any(p.endswith(".egg-info") for p in rel.parts):
            continue
        if path.is_file() or path.is_symlink():
            yield rel.as_posix(), path


def verify(clone: Path, pristine: dict[str, str] | None = None) -> Verdict:
    """Compare a course clone with the pristine course."""
    pristine = load_pristine() if pristine is None else pristine
    verdict = Verdict()
    seen = set()
    for rel, path in _walk(clone):
        if rel.startswith("lessons/"):
            if _suspicious_name(rel):
                verdict.suspicious.append(rel)
            continue
        if rel in pristine:
            seen.add(rel)
            if path.is_symlink() or sha256(path) != pristine[rel]:
                verdict.modified.append(rel)
        elif _protected(rel) and rel != "autograder/pristine.json":
            verdict.added.append(rel)
        elif _suspicious_name(rel):
            verdict.suspicious.append(rel)
    # A shipped file outside the protected ones (tests/conftest.py) may go: without it nothing
    # can change how the grader runs.
    verdict.missing = sorted(rel for rel in set(pristine) - seen if _protected(rel))
    return verdict
