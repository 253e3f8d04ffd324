"""Turn a submission (a folder, a course clone, or a .zip of either) into a clean workspace.

Only the exercise files the manifest lists are copied into a fresh temporary folder; nothing else
in the submission (a conftest.py, pytest.ini, sitecustomize.py, .pth files, edited copies of the
grader or of course.toml) is ever read by the grader. A symlink that points outside the submission
and a zip entry that would land outside the extraction folder are refused.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import Course

MAX_FILE_BYTES = 1 << 20  # an exercise file larger than 1 MiB is not an exercise file
MAX_ZIP_BYTES = 200 << 20  # uncompressed, all members together
MAX_ZIP_MEMBERS = 20_000


class SubmissionError(ValueError):
    """The submission cannot be graded as it is; the message says why and what to do."""


@dataclass
class Workspace:
    path: Path  # laid out like lessons/, holding only manifest-listed files
    source: Path  # the folder the files came from (inside an extracted zip, or the submission)
    copied: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _safe_extract(archive: Path, dest: Path) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise SubmissionError(f"{archive.name} is not a readable zip file") from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise SubmissionError(
                f"{archive.name} holds {len(members)} entries (limit {MAX_ZIP_MEMBERS})"
            )
        if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise SubmissionError(f"{archive.name} unpacks to more than {MAX_ZIP_BYTES >> 20} MiB")
        root = dest.resolve()
        for m in members:
            mode = m.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise SubmissionError(
                    f"{archive.name}: entry '{m.filename}' is a symlink; zip the files themselves"
                )
            out = (root / m.filename).resolve()
            if out != root and root not in out.parents:
                raise SubmissionError(
                    f"{archive.name}: entry '{m.filename}' would be written outside the extraction "
                    "folder (a zip-slip path); the submission is refused"
                )
        zf.extractall(root)


def _find_lessons_root(folder: Path) -> Path:
    """A course clone grades its lessons/ (and its capstone/ beside it, which may be there alone);
    a folder laid out like lessons/ grades itself."""
    numbered = any(p.is_dir() and p.name[:2].isdigit() for p in folder.iterdir())
    if (folder / "lessons").is_dir() or ((folder / CAPSTONE).is_dir() and not numbered):
        return folder / "lessons"
    entries = [p for p in folder.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].name[:2].isdigit():
        return _find_lessons_root(entries[0])  # a zip of one top-level folder
    return folder


def _copy_listed(course: Course, source: Path, dest: Path) -> tuple[list[str], list[str]]:
    copied, notes = [], []
    for ex in course.exercises:
        src = ex.location(source)
        if not (src.exists() or src.is_symlink()):
            continue
        root = (ex.import_root(source) or source).resolve()
        real = src.resolve()
        if root not in real.parents:
            raise SubmissionError(
                f"{ex.relpath} is a symlink to {real}, outside the submission; submit the file itself"
            )
        if not real.is_file():
            notes.append(f"{ex.relpath} is not a regular file: ignored")
            continue
        if real.stat().st_size > MAX_FILE_BYTES:
            notes.append(f"{ex.relpath} is larger than {MAX_FILE_BYTES >> 20} MiB: ignored")
            continue
        out = ex.location(dest)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(real, out)
        copied.append(ex.relpath.as_posix())
    if copied and any(ex.beside_lessons for ex in course.exercises):
        notes += _copy_capstone_modules(course, source, dest)
    return copied, notes


CAPSTONE = "capstone"


def _copy_capstone_modules(course: Course, source: Path, dest: Path) -> list[str]:
    """The capstone is a whole project: its exercise modules import the learner's other modules
    (`fraudsys/config.py`, helpers of their own), so every Python file of its package is copied
    too, under the same rules (regular files inside the submission, none over the size limit).
    Files that are neither listed nor Python are not read, and not copied."""
    notes = []
    beside = [ex for ex in course.exercises if ex.beside_lessons]
    for lesson_id in sorted({ex.lesson_id for ex in beside}):
        folder = next(ex for ex in beside if ex.lesson_id == lesson_id).import_root(source)
        if not folder.is_dir():
            continue
        root = folder.resolve()
        listed = {ex.location(source).resolve() for ex in beside}
        for src in sorted(folder.rglob("*.py")):
            real = src.resolve()
            if "__pycache__" in src.parts or real in listed:
                continue
            rel = src.relative_to(folder.parent)
            if root not in real.parents or not real.is_file():
                notes.append(
                    f"{rel.as_posix()} is not a regular file inside the submission: ignored"
                )
                continue
            if real.stat().st_size > MAX_FILE_BYTES:
                notes.append(f"{rel.as_posix()} is larger than {MAX_FILE_BYTES >> 20} MiB: ignored")
                continue
            out = dest.parent / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(real, out)
    return notes


def _ignored(course: Course, source: Path) -> list[str]:
    """Files in the submission the grader will not read (reported, so tampering is visible). In
    the capstone's folder every Python file is read (its modules import each other)."""
    listed = {ex.relpath.as_posix() for ex in course.exercises}
    beside = [ex for ex in course.exercises if ex.beside_lessons]
    capstones = {ex.import_root(source) for ex in beside}
    ignored = []
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source).as_posix()
            if any(folder in path.parents for folder in capstones):
                continue  # read below
            if (
                path.is_dir()
                or rel in listed
                or "__pycache__" in rel
                or rel.endswith((".pyc", ".bak"))
            ):
                continue
            ignored.append(rel)
    read = {ex.location(source) for ex in beside}
    for folder in sorted(f for f in capstones if f.is_dir()):
        for path in sorted(folder.rglob("*")):
            if path.is_dir() or path in read or path.suffix in (".py", ".pyc"):
                continue
            if "__pycache__" not in path.parts:
                ignored.append(path.relative_to(folder.parent).as_posix())
    return ignored


@contextmanager
def workspace(course: Course, submission: Path) -> Iterator[Workspace]:
    """A temporary workspace holding the submission's exercise files; removed afterwards."""
    submission = Path(submission)
    if not submission.exists():
        raise SubmissionError(
            f"'{submission}' does not exist: pass a folder, a course clone or a .zip"
        )
    with tempfile.TemporaryDirectory(prefix="mlgrade-submission-") as tmp:
        tmp_path = Path(tmp)
        if submission.is_file():
            if submission.suffix.lower() != ".zip":
                raise SubmissionError(
                    f"'{submission.name}' is a file but not a .zip: pass a folder or a .zip"
                )
            _safe_extract(submission, tmp_path / "unzipped")
            source = _find_lessons_root(tmp_path / "unzipped")
        else:
            source = _find_lessons_root(submission)
        dest = tmp_path / "workspace" / "lessons"  # the capstone beside it: workspace/capstone
        dest.mkdir(parents=True)
        copied, notes = _copy_listed(course, source, dest)
        ignored = _ignored(course, source)
        if ignored:
            shown = ", ".join(ignored[:8]) + (
                f" and {len(ignored) - 8} more" if len(ignored) > 8 else ""
            )
            notes.append(f"ignored {len(ignored)} file(s) the manifest does not list: {shown}")
        if not copied:
            notes.append(
                "no exercise file of the manifest was found: every exercise is not attempted"
            )
        yield Workspace(path=dest, source=source, copied=copied, notes=notes)
