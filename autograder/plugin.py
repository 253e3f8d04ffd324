"""The pytest plugin every graded check runs under (loaded by `autograder/checks/pytest.ini`).

- `--mlgrade-target DIR`: the folder laid out like `lessons/` whose files are graded.
- `--mlgrade-course FILE`: the course's manifest (default: the installed course's `course.toml`);
  its checks are `<course root>/autograder/checks/`, its reference solutions `<root>/solutions/`.
- A course check module's path names its exercise: `checks/01_numpy/ex01_standardize.py` grades
  `01_numpy/ex01_standardize`. An instructor's hidden `check_*.py` module names it with
  `@pytest.mark.exercise("01_numpy/ex01_standardize")` on each check class.
- The `submission` fixture loads that exercise's file from the target by path, so nothing else in
  the target (a `conftest.py`, `sitecustomize.py`, a package `__init__`) is ever imported; for an
  exercise whose file is not Python (a Dockerfile, alert rules), `submission_text` reads it.
- `classify()` turns a finished check into a status and a message a learner can act on.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
import traceback
import types
from pathlib import Path
from types import ModuleType

import pytest

from . import results
from .learner_process import LearnerProcess, LearnerProcessError, RemoteModule, forget_packages
from .manifest import MANIFEST_PATH, Course, load_course

CHECKS_DIR = Path(__file__).resolve().parent / "checks"  # the installed course's (and pytest.ini)
CHECKS_PACKAGE = "mlgrade_course_checks"  # the name check modules are imported under
_EXCINFO = pytest.StashKey[dict]()


class ExerciseMissing(Exception):
    """The target has no file for this exercise: graded as not attempted."""


class NotAttempted(Exception):
    """A non-Python exercise file still holds only its stub's comments: graded as not attempted."""


class ExitAtImport(Exception):
    """The learner's file raised SystemExit (`sys.exit()`, `exit()`) while it was imported."""


_course: Course | None = None  # the course being graded, set when pytest configures the plugin


def course() -> Course:
    global _course
    if _course is None:
        _course = load_course()
    return _course


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mlgrade")
    group.addoption("--mlgrade-target", default=None, help="folder laid out like lessons/ to grade")
    group.addoption("--mlgrade-select", default=None, help="comma-separated exercise ids to grade")
    group.addoption(
        "--mlgrade-course", default=str(MANIFEST_PATH), help="the course.toml of the graded course"
    )
    group.addoption(
        "--mlgrade-sandbox", action="store_true", help="sandbox the learner's process (sandbox.py)"
    )
    group.addoption(
        "--mlgrade-hide", action="append", default=[], help="a folder the sandbox hides (repeat)"
    )
    group.addoption(
        "--mlgrade-exchange",
        default=None,
        help="a folder for files the learner's code and the checks share (removed by the runner)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "exercise(id): the exercise a check grades")
    # Importing a learner's file must never write __pycache__ into their folder.
    sys.dont_write_bytecode = True
    global _course
    _course = load_course(Path(config.getoption("mlgrade_course")))
    # Check modules import as <CHECKS_PACKAGE>.<lesson>.<exercise>, so that `from ._shared import`
    # works although a folder like `01_numpy` is no identifier (pytest would not see a package).
    package = types.ModuleType(CHECKS_PACKAGE)
    package.__path__ = [str(_course.checks_dir)]
    for name in [
        n for n in sys.modules if n == CHECKS_PACKAGE or n.startswith(CHECKS_PACKAGE + ".")
    ]:
        del sys.modules[name]  # another course was graded in this process before
    sys.modules[CHECKS_PACKAGE] = package


def exercise_id_of(item: pytest.Item) -> str | None:
    """The exercise a check grades: its module's path under `checks/`, or its marker (hidden)."""
    marker = item.get_closest_marker("exercise")
    if marker:
        return marker.args[0]
    return exercise_id_of_module(Path(str(item.path)))


def exercise_id_of_module(path: Path) -> str | None:
    """'01_numpy/ex01_standardize' for `checks/01_numpy/ex01_standardize.py`, else None."""
    path, checks_dir = path.resolve(), course().checks_dir.resolve()
    if checks_dir not in path.parents:
        return None
    rel = path.relative_to(checks_dir).with_suffix("")
    if len(rel.parts) != 2:
        return None
    if not rel.parts[1].startswith("ex") and rel.as_posix() not in {
        ex.id for ex in course().exercises
    }:  # the capstone's parts are named for what they build (capstone/train)
        return None
    return rel.as_posix()


class CheckModule(pytest.Module):
    """A course check module, imported as `<CHECKS_PACKAGE>.01_numpy.ex01_standardize`, so that it
    can import its lesson's helpers with `from ._shared import ...`."""

    def _getobj(self):
        exercise_id = exercise_id_of_module(Path(str(self.path)))
        return importlib.import_module(f"{CHECKS_PACKAGE}.{exercise_id.replace('/', '.')}")


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(
    module_path: Path, parent: pytest.Collector
) -> pytest.Module | None:
    if exercise_id_of_module(module_path) is None:
        return None  # an instructor's hidden check_*.py: pytest imports it as usual
    return CheckModule.from_parent(parent, path=module_path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = [item.nodeid for item in items if exercise_id_of(item) is None]
    if missing:
        raise pytest.UsageError(
            f"checks that name no exercise (a course check lives at checks/<lesson>/<exercise>.py, "
            f"a hidden check needs an @pytest.mark.exercise marker): {missing}"
        )
    select = config.getoption("mlgrade_select")
    if select:
        wanted = set(select.split(","))
        keep = [item for item in items if exercise_id_of(item) in wanted]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


def target_dir(config: pytest.Config) -> Path:
    value = config.getoption("mlgrade_target")
    if not value:
        raise pytest.UsageError("pass --mlgrade-target DIR (a folder laid out like lessons/)")
    return Path(value).resolve()


def exercise_path(target: Path, exercise_id: str) -> Path:
    """The exercise's file in `target`, a folder laid out like `lessons/` or `solutions/` (see
    `Exercise.location` for the capstone's); `ExerciseMissing` when it is not there."""
    ex = course().exercise(exercise_id)
    path = ex.location(target)
    if not path.is_file():
        where = ex.import_root(target).parent if ex.beside_lessons else target
        raise ExerciseMissing(f"{ex.relpath.as_posix()} is not in {where}")
    return path


def reference_dir() -> Path:
    """Where the reference solutions live: the course's `solutions/` (the grader's private copy;
    the Gradescope image keeps it out of the learner's reach, see `bundle.py`)."""
    return course().root / "solutions"


def load_exercise(target: Path, exercise_id: str, prefix: str = "submission_") -> ModuleType:
    """Import `<target>/<exercise_id>.py` by path under a private module name.

    A capstone module imports its siblings (`from fraudsys.features import ...`): they are
    imported from the same tree, with its root on `sys.path` only while this module loads, and
    the package is forgotten afterwards, so that another tree (the learner's, in a process forked
    from this one) never finds this one's modules in `sys.modules`."""
    path = exercise_path(target, exercise_id)
    root = course().exercise(exercise_id).import_root(target)
    name = prefix + exercise_id.replace("/", "__")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    if root is not None:
        sys.path.insert(0, str(root))
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:
        # Carried as an ordinary exception: pytest caches a fixture's failure only for an
        # Exception, and a SystemExit left the fixture broken for every later check.
        raise ExitAtImport(exc.code) from exc
    finally:
        if root is not None:
            sys.path.remove(str(root))
            forget_packages(root)
    return module


_EXCHANGE = pytest.StashKey[str]()
_learner_processes: dict[Path, LearnerProcess] = {}  # in a grading child: its exercise's one


def learner_process(config: pytest.Config, exercise_id: str) -> LearnerProcess:
    """The exercise's learner process in this grading child: started on first use, and again if
    the learner's code ended it. The capstone's is started before its first check runs (see
    `child.run_checks`), so that it is forked before any check made data (the hidden world)."""
    target = target_dir(config)
    path = exercise_path(target, exercise_id)
    process = _learner_processes.get(path)
    if process is None or not process.alive():
        hide = config.getoption("mlgrade_hide") if config.getoption("mlgrade_sandbox") else None
        process = _learner_processes[path] = LearnerProcess(
            path,
            "submission_" + exercise_id.replace("/", "__"),
            hide,
            writable=[exchange_dir(config, exercise_id)],
            import_root=course().exercise(exercise_id).import_root(target),
        )
    return process


@pytest.fixture
def submission(request: pytest.FixtureRequest) -> RemoteModule:
    """The learner's module for the check's exercise, loaded afresh in the learner's process
    (see `learner_process`): calls cross as values."""
    process = learner_process(request.config, exercise_id_of(request.node))
    try:
        return process.load()
    except SystemExit as exc:  # as in load_exercise: keep the fixture usable for later checks
        raise ExitAtImport(exc.code) from exc


def exchange_dir(config: pytest.Config, exercise_id: str) -> Path:
    """The exercise's folder for files that cross between the checks and the learner's code:
    the one place a sandboxed learner's process may write besides its private /tmp."""
    root = config.getoption("mlgrade_exchange")
    if root is None:
        root = config.stash.get(_EXCHANGE, None)
        if root is None:
            root = tempfile.mkdtemp(prefix="mlgrade-exchange-")
            config.stash[_EXCHANGE] = root
            config.add_cleanup(lambda: shutil.rmtree(root, ignore_errors=True))
    folder = Path(root) / exercise_id.replace("/", "__")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def exchange(request: pytest.FixtureRequest) -> Path:
    """A fresh folder for this check, shared with the learner's process: the place to pass input
    files to the learner's code and to let it write output files (a scored CSV, a model file, an
    MLflow store). Whatever the learner wrote there is data to read, never code to run."""
    folder = exchange_dir(request.config, exercise_id_of(request.node))
    return Path(tempfile.mkdtemp(prefix="check-", dir=folder))


@pytest.fixture
def reference(request: pytest.FixtureRequest) -> ModuleType:
    """The reference solution's module for the check's exercise, for differential checks: the
    learner's output is compared with it on seeded generated inputs (`assertions.differential`)."""
    exercise_id = exercise_id_of(request.node)
    try:
        return load_exercise(reference_dir(), exercise_id, prefix="reference_")
    except ExerciseMissing:
        raise RuntimeError(
            f"the grader's reference solution for {exercise_id} is missing from {reference_dir()}: "
            "the grader is not installed from a complete course checkout"
        ) from None


def content_lines(text: str) -> list[str]:
    """The lines of a `#`-commented file that say something: not blank, not a comment."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@pytest.fixture
def submission_text(request: pytest.FixtureRequest) -> str:
    """The text of a non-Python exercise file (a Dockerfile, alert rules, a workflow).

    Its stub holds only comments (the generator enforces it), so a file with no line beyond
    comments and blanks is not attempted, as a Python stub that still raises NotImplementedError.
    """
    exercise_id = exercise_id_of(request.node)
    path = exercise_path(target_dir(request.config), exercise_id)
    text = path.read_text(encoding="utf-8", errors="replace")
    if not content_lines(text):
        raise NotAttempted(f"{path.name} still holds only its stub's comments")
    return text


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.excinfo is not None:
        item.stash.setdefault(_EXCINFO, {})[call.when] = call.excinfo
    return report


# --- classification -------------------------------------------------------------------------


def _from_grader(tb_entry_path: str) -> bool:
    path = Path(tb_entry_path).resolve()
    return Path(__file__).resolve().parent in path.parents


def _learner_location(exc: BaseException) -> str:
    """'ex01_standardize.py, line 12' for the deepest frame in a submission file, if any."""
    where = getattr(exc, "mlgrade_where", None)  # an exception from the learner's process
    if where is not None:
        return where
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        name = frame.filename
        if _from_grader(name) or "site-packages" in name or "/lib/python" in name:
            continue
        if name.endswith(".py"):
            return f" ({Path(name).name}, line {frame.lineno})"
    return ""


def _first_paragraph(text: str) -> str:
    # pytest's assertion rewriting appends "assert <expr>" after our message: keep ours.
    head = text.split("\nassert ", 1)[0]
    return head.strip()


def classify(item: pytest.Item, reports: list[pytest.TestReport]) -> tuple[str, str]:
    """(status, message) for one check from its setup/call/teardown reports."""
    if all(r.passed for r in reports):
        return results.PASSED, ""
    excinfos = item.stash.get(_EXCINFO, {})
    for when in ("setup", "call", "teardown"):
        info = excinfos.get(when)
        if info is None:
            continue
        exc = info.value
        if isinstance(exc, (ExerciseMissing, NotAttempted)):
            return results.NOT_ATTEMPTED, f"not attempted: {exc}"
        if isinstance(exc, NotImplementedError):
            return (
                results.NOT_ATTEMPTED,
                "not attempted yet: the function still raises NotImplementedError",
            )
        if isinstance(exc, pytest.skip.Exception):
            return results.NOT_ATTEMPTED, f"skipped: {exc}"
        if isinstance(exc, (AssertionError, pytest.fail.Exception)):
            last = info.traceback[-1] if info.traceback else None
            if (
                last is None
                or _from_grader(str(last.path))
                or isinstance(exc, pytest.fail.Exception)
            ):
                return results.FAILED, _first_paragraph(str(exc)) or "check failed"
        if isinstance(exc, ExitAtImport):
            return results.ERROR, (
                f"your file raised SystemExit"
                f"{'' if exc.args[0] is None else f'({exc.args[0]!r})'} while it was being "
                f"imported{_learner_location(exc.__cause__ or exc)}: a sys.exit() or exit() at "
                "the top level ends the grader; an exercise file must only define its functions"
            )
        if isinstance(exc, SystemExit):
            return results.ERROR, (
                f"your code called sys.exit({exc.code!r}){_learner_location(exc)}: "
                "an exercise function must return its result, never exit the process"
            )
        if isinstance(exc, LearnerProcessError):
            return results.ERROR, str(exc)
        if isinstance(exc, MemoryError):
            return results.ERROR, (
                f"your code ran out of memory{_learner_location(exc)}: it tried to allocate more "
                "than the grader's memory limit; look for a huge intermediate array"
            )
        if isinstance(exc, RecursionError):
            return results.ERROR, f"your code recursed too deeply{_learner_location(exc)}"
        where = "while importing your file" if when == "setup" else ""
        detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        # A check may say where the error happened (assertions.differential adds the input).
        notes = "".join(
            f"; {note}" for note in getattr(exc, "__notes__", ()) if isinstance(note, str)
        )
        return results.ERROR, (
            f"your code raised {type(exc).__name__}{': ' + detail if detail else ''}"
            f"{_learner_location(exc)}{' ' + where if where else ''}{notes[:400]}"
        ).strip()
    failed = next((r for r in reports if not r.passed), None)
    return results.ERROR, f"check did not complete: {getattr(failed, 'longreprtext', '')[:500]}"
