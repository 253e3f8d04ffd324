"""The course manifest (`course.toml`): lessons and exercises in order, with points and hints.

Everything that needs to know what the course contains reads it through `load_course()`: the CLI,
the runner, the stub generator, the maintainer check and the repository's own tests.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

# The grader's own course: the manifest, checks and solutions come from the installed grader,
# never from the folder being graded.
COURSE_ROOT = Path(__file__).resolve().parent.parent
MANIFEST_PATH = COURSE_ROOT / "course.toml"


class ManifestError(ValueError):
    """`course.toml` is malformed or does not match the files on disk."""


class SelectorError(ValueError):
    """A lesson or exercise selector matched nothing (or matched ambiguously)."""


@dataclass(frozen=True)
class Exercise:
    id: str  # "<lesson folder>/<file stem>", e.g. "01_numpy/ex01_standardize"
    title: str
    points: float
    hints: tuple[str, ...]
    time_limit: float  # seconds per check
    docs: str  # docs page and anchor, relative to docs/
    hidden_points: float = 0.0  # announced to learners; graded only with the instructor's checks
    file: str = ""  # the learner's file name when it is not `<stem>.py` (a Dockerfile, alerts.yml)
    # The capstone's files live in `capstone/` beside `lessons/`, not inside it (see `location`).
    beside_lessons: bool = False

    @property
    def lesson_id(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def stem(self) -> str:
        return self.id.split("/", 1)[1]

    @property
    def relpath(self) -> Path:
        """Path of the exercise file inside a target laid out like `lessons/`."""
        return Path(self.lesson_id) / (self.file or f"{self.stem}.py")

    def location(self, lessons: Path) -> Path:
        """The exercise's file in a learner's workspace whose lessons folder is `lessons`: inside
        it for a lesson, beside it for the capstone (`<lessons>/../capstone/...`), unless the
        folder holds the capstone itself, as `solutions/` does. `relpath` is the mirror path
        inside `solutions/`, `autograder/checks/` and `tests/mutants/`."""
        root = self.import_root(lessons)
        return Path(lessons) / self.relpath if root is None else root / self.file

    def import_root(self, lessons: Path) -> Path | None:
        """The capstone's folder for a workspace whose lessons folder is `lessons` (beside it, or
        inside it in a folder laid out like `solutions/`): the learner's process puts it on
        `sys.path` so the capstone's modules import each other (`from fraudsys.features import
        ...`). None for a lesson's one-file exercise."""
        if not self.beside_lessons:
            return None
        inside = Path(lessons) / self.lesson_id
        return inside if inside.is_dir() else Path(lessons).parent / self.lesson_id

    @property
    def is_python(self) -> bool:
        return self.relpath.suffix == ".py"

    @property
    def check_relpath(self) -> Path:
        """Path of the exercise's check module inside `autograder/checks/` (mirrors `lessons/`)."""
        return Path(self.lesson_id) / f"{self.stem}.py"


@dataclass(frozen=True)
class Lesson:
    id: str  # the folder name, e.g. "01_numpy"
    title: str
    docs: str
    exercises: tuple[Exercise, ...]

    @property
    def number(self) -> str:
        return self.id.split("_", 1)[0]

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)


@dataclass(frozen=True)
class Course:
    title: str
    time_limit: float
    memory_limit_mb: int
    output_limit_kb: int
    lessons: tuple[Lesson, ...]
    root: Path = field(default=COURSE_ROOT)
    # Reference code that later exercises build on: (exercise id, module path in the checkout).
    # `mlgrade dev sync` writes each module from its exercise's solution (see stubs.given_text).
    given: tuple[tuple[str, str], ...] = ()

    @property
    def manifest_path(self) -> Path:
        return self.root / "course.toml"

    @property
    def checks_dir(self) -> Path:
        """The course's check modules: `<lesson>/<exercise stem>.py`, mirroring `lessons/`."""
        return self.root / "autograder" / "checks"

    @property
    def exercises(self) -> list[Exercise]:
        return [e for lesson in self.lessons for e in lesson.exercises]

    def exercise(self, exercise_id: str) -> Exercise:
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        raise SelectorError(unknown_message(exercise_id, [e.id for e in self.exercises]))

    def lesson_of(self, ex: Exercise) -> Lesson:
        return next(lesson for lesson in self.lessons if lesson.id == ex.lesson_id)

    def select(self, selector: str | None) -> list[Exercise]:
        """Exercises matched by a lesson (`01`, `01_numpy`), an exercise id or file name, a file
        path (`lessons/01_numpy/ex01_standardize.py`, as shell completion gives it, with or without
        `lessons/` or `.py`), or a unique prefix of an id or file name.

        No selector selects everything. Raises `SelectorError` with the closest ids otherwise.
        """
        if not selector:
            return self.exercises
        parts = [p for p in selector.strip().replace("\\", "/").split("/") if p not in ("", ".")]
        lesson_ids = [lesson.id for lesson in self.lessons]
        # A path: keep it from the lesson folder on (lessons/01_numpy/..., /home/me/course/...).
        start = next((i for i, part in enumerate(parts) if part in lesson_ids), None)
        if start is None and parts and parts[-1] == "lessons":
            return self.exercises  # `lessons/`: the whole workspace
        sel = "/".join(parts[start or 0 :])
        by_file = [e for e in self.exercises if sel == e.relpath.as_posix()]
        if by_file:
            return by_file
        sel = sel.removesuffix(".py")
        for lesson in self.lessons:
            if sel in (lesson.id, lesson.number, lesson.number.lstrip("0")):
                return list(lesson.exercises)
        exact = [e for e in self.exercises if sel in (e.id, e.stem)]
        if len(exact) == 1:
            return exact
        if not exact:
            exact = [e for e in self.exercises if e.id.startswith(sel) or e.stem.startswith(sel)]
            if len(exact) == 1:
                return exact
        if len(exact) > 1:
            names = ", ".join(e.id for e in exact)
            raise SelectorError(
                f"'{selector}' matches several exercises: {names}. Name one: its id "
                f"(e.g. {exact[0].id}) or its file name (e.g. {exact[0].stem})."
            )
        candidates = [e.id for e in self.exercises] + [e.stem for e in self.exercises]
        candidates += [lesson.id for lesson in self.lessons]
        raise SelectorError(unknown_message(selector, candidates))

    def short_name(self, ex: Exercise) -> str:
        """The shortest selector that names `ex` alone: its file stem, or its id if another
        exercise shares the stem."""
        return ex.stem if sum(e.stem == ex.stem for e in self.exercises) == 1 else ex.id


def unknown_message(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    hint = (
        f" Did you mean: {', '.join(close)}?" if close else " Run `mlgrade list` to see every id."
    )
    return f"No lesson or exercise called '{name}'.{hint}"


def _require(table: dict, key: str, where: str, kind: type | tuple[type, ...]):
    if key not in table:
        raise ManifestError(f"{where}: missing '{key}'")
    value = table[key]
    if not isinstance(value, kind):
        raise ManifestError(f"{where}: '{key}' has the wrong type ({type(value).__name__})")
    return value


def load_course(path: Path = MANIFEST_PATH) -> Course:
    """Parse and validate the structure of `course.toml` (files on disk: see `dev.check_manifest`)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(
            f"{path} not found: the grader is not installed from a course checkout"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML ({exc})") from None

    meta = data.get("course", {})
    default_limit = float(meta.get("time_limit", 10))
    lessons = []
    seen: set[str] = set()
    for i, lt in enumerate(data.get("lessons", [])):
        lid = _require(lt, "id", f"lesson #{i + 1}", str)
        where = f"lesson '{lid}'"
        exercises = []
        beside = lt.get("beside_lessons", False)
        if not isinstance(beside, bool):
            raise ManifestError(f"{where}: 'beside_lessons' must be true or false")
        for j, et in enumerate(lt.get("exercises", [])):
            eid = _require(et, "id", f"{where}, exercise #{j + 1}", str)
            ewhere = f"exercise '{eid}'"
            if eid in seen:
                raise ManifestError(f"{ewhere}: duplicate id")
            seen.add(eid)
            if not eid.startswith(f"{lid}/") or eid.count("/") != 1:
                raise ManifestError(f"{ewhere}: id must be '{lid}/<file stem>'")
            hints = _require(et, "hints", ewhere, list)
            if not hints or not all(isinstance(h, str) and h.strip() for h in hints):
                raise ManifestError(f"{ewhere}: needs at least one non-empty hint")
            file = et.get("file", "")
            if not isinstance(file, str) or (
                file != ""
                and (
                    "\\" in file
                    or file.startswith("/")
                    or any(part in ("", ".", "..") for part in file.split("/"))
                )
            ):
                raise ManifestError(
                    f"{ewhere}: 'file' must be a file name, or a relative path inside the lesson "
                    f'folder without "." or ".." (like "Dockerfile" or ".github/workflows/ml.yml")'
                )
            if file.endswith(".py") and file.rsplit("/", 1)[-1] != f"{eid.split('/', 1)[1]}.py":
                raise ManifestError(
                    f"{ewhere}: a Python exercise's file is '<id stem>.py' (in a subfolder: "
                    "'<folder>/<id stem>.py'); omit 'file' for '<id stem>.py'"
                )
            points = _require(et, "points", ewhere, (int, float))
            if points <= 0:
                raise ManifestError(f"{ewhere}: points must be positive")
            exercises.append(
                Exercise(
                    id=eid,
                    title=_require(et, "title", ewhere, str),
                    points=float(points),
                    hints=tuple(hints),
                    time_limit=float(et.get("time_limit", default_limit)),
                    docs=_require(et, "docs", ewhere, str),
                    hidden_points=float(et.get("hidden_points", 0)),
                    file=file,
                    beside_lessons=beside,
                )
            )
        if not exercises:
            raise ManifestError(f"{where}: has no exercises")
        lessons.append(
            Lesson(
                id=lid,
                title=_require(lt, "title", where, str),
                docs=_require(lt, "docs", where, str),
                exercises=tuple(exercises),
            )
        )
    if len({lesson.id for lesson in lessons}) != len(lessons):
        raise ManifestError("duplicate lesson ids")
    given = []
    for i, gt in enumerate(data.get("given", [])):
        source = _require(gt, "source", f"given #{i + 1}", str)
        module = _require(gt, "module", f"given '{source}'", str)
        if source not in seen:
            raise ManifestError(f"given '{source}': no exercise has this id")
        if not (module.startswith("coursekit/") and module.endswith(".py")) or ".." in module:
            raise ManifestError(
                f"given '{source}': module must be a .py file inside coursekit/, not {module!r}"
            )
        given.append((source, module))
    return Course(
        title=meta.get("title", "course"),
        time_limit=default_limit,
        memory_limit_mb=int(meta.get("memory_limit_mb", 2048)),
        output_limit_kb=int(meta.get("output_limit_kb", 64)),
        lessons=tuple(lessons),
        root=path.parent,
        given=tuple(given),
    )
