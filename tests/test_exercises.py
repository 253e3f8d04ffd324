"""Every exercise is provably gradable: solutions full, fresh stubs zero, every mutant caught.

Parametrized from course.toml and tests/mutants/, so a lesson or mutant added later is covered
without touching this file. The solutions and the stubs are graded once per session by a real
`mlgrade check` subprocess; the mutants by `mlgrade dev mutants`, one warm process per core.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from tiers import INTEGRATION_LESSONS

from autograder import dev, stubs
from autograder.manifest import load_course

COURSE = load_course()
LESSONS = [lesson.id for lesson in COURSE.lessons]
EXERCISES = [ex.id for ex in COURSE.exercises]
MUTANTS = dev.find_mutants(COURSE)
GRADABLE_MUTANTS = [m for m in MUTANTS if m.exercise_id in EXERCISES]


def _tier(mutant: dev.Mutant):
    lesson = mutant.exercise_id.split("/")[0]
    return pytest.param(
        mutant,
        id=_mutant_id(mutant),
        marks=[pytest.mark.integration] if lesson in INTEGRATION_LESSONS else [],
    )


NOT_PASSED = {"failed", "error", "timeout"}


def _mutant_id(mutant: dev.Mutant) -> str:
    return f"{mutant.exercise_id}/{mutant.name}"


def _describe(exercise: dict) -> str:
    """The exercise's score and each check that did not pass, for assertion messages."""
    lines = [
        f"{exercise['id']}: {exercise['score']:g}/{exercise['max_score']:g} ({exercise['status']})"
    ]
    lines += [
        f"  {c['status']:<13} {c['name']}: {c['message'][:300]}"
        for c in exercise["checks"]
        if c["status"] != "passed"
    ]
    return "\n".join(lines)


def _lesson(lesson_id: str):
    return next(lesson for lesson in COURSE.lessons if lesson.id == lesson_id)


def _lesson_exercises(report: dict, lesson_id: str) -> list[dict]:
    found = {e["id"]: e for e in report["exercises"]}
    lesson = next(lesson for lesson in COURSE.lessons if lesson.id == lesson_id)
    missing = [ex.id for ex in lesson.exercises if ex.id not in found]
    assert not missing, f"the report has no result for {missing}"
    return [found[ex.id] for ex in lesson.exercises]


class Graded:
    """One grading of a folder (every lesson), with the folder's fingerprint before and after."""

    def __init__(
        self,
        target: Path,
        grade_json: Callable[..., dict],
        tree_fingerprint: Callable[[Path], dict[str, str]],
    ):
        def fingerprint() -> dict[str, str]:  # the lessons folder, and the capstone beside it
            capstone = target.parent / "capstone"
            extra = tree_fingerprint(capstone) if capstone.is_dir() else {}
            return {**tree_fingerprint(target), **{f"capstone/{k}": v for k, v in extra.items()}}

        self.before = fingerprint()
        self.report = grade_json(target)
        self.after = fingerprint()


def _solutions_copy(target: Path, lessons: list[str]) -> Path:
    # A byte-identical copy of solutions/, so a grader that wrote files could not dirty the repo.
    # `target` is a lessons folder; the capstone goes beside it, as in a learner's clone.
    for lesson in lessons:
        beside = _lesson(lesson).exercises[0].beside_lessons
        shutil.copytree(
            COURSE.root / "solutions" / lesson,
            (target.parent if beside else target) / lesson,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    return target


DEFAULT_LESSONS = [lesson for lesson in LESSONS if lesson not in INTEGRATION_LESSONS]


def _lesson_param(lesson: str):
    marks = [pytest.mark.integration] if lesson in INTEGRATION_LESSONS else []
    return pytest.param(lesson, id=lesson, marks=marks)


@pytest.fixture(scope="session")
def solutions_graded(
    tmp_path_factory: pytest.TempPathFactory, grade_json, tree_fingerprint
) -> Graded:
    target = _solutions_copy(tmp_path_factory.mktemp("solutions") / "lessons", DEFAULT_LESSONS)
    return Graded(target, grade_json, tree_fingerprint)


@pytest.fixture(scope="session")
def integration_solutions_graded(
    tmp_path_factory: pytest.TempPathFactory, grade_json, tree_fingerprint
) -> Graded:
    target = _solutions_copy(
        tmp_path_factory.mktemp("solutions") / "lessons", list(INTEGRATION_LESSONS)
    )
    return Graded(target, grade_json, tree_fingerprint)


def instructor_grade_json(target: Path) -> dict:
    """`mlgrade grade TARGET --format json`: every check runs, a stub's too (a learner's `check`
    reports a file still identical to its stub as not attempted without running its checks)."""
    report = target.parent / f"{target.name}-report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(target), "--format", "json"]
        + ["--output", str(report)],
        capture_output=True,
        text=True,
        cwd=COURSE.root,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(report.read_text())


def _stubs(target: Path, lessons: list[str] | tuple[str, ...]) -> Path:
    # Freshly generated: lessons/ in the working copy may hold a learner's answers.
    stubs.write_stubs(COURSE, target, [ex for ex in COURSE.exercises if ex.lesson_id in lessons])
    return target


@pytest.fixture(scope="session")
def stubs_graded(tmp_path_factory: pytest.TempPathFactory, tree_fingerprint) -> Graded:
    # Graded as an instructor grades, so that every check meets the stub and must not pass on it.
    target = _stubs(tmp_path_factory.mktemp("stubs") / "stubs", DEFAULT_LESSONS)
    return Graded(target, instructor_grade_json, tree_fingerprint)


@pytest.fixture(scope="session")
def integration_stubs_graded(tmp_path_factory: pytest.TempPathFactory, tree_fingerprint) -> Graded:
    target = _stubs(tmp_path_factory.mktemp("stubs") / "stubs", INTEGRATION_LESSONS)
    return Graded(target, instructor_grade_json, tree_fingerprint)


def _graded(request: pytest.FixtureRequest, which: str, lesson_id: str) -> Graded:
    prefix = "integration_" if lesson_id in INTEGRATION_LESSONS else ""
    return request.getfixturevalue(f"{prefix}{which}_graded")


@pytest.mark.parametrize("lesson_id", [_lesson_param(lesson) for lesson in LESSONS])
def test_solutions_earn_full_marks(request: pytest.FixtureRequest, lesson_id: str) -> None:
    for ex in _lesson_exercises(_graded(request, "solutions", lesson_id).report, lesson_id):
        assert ex["checks"], f"{ex['id']} has no checks at all"
        assert ex["status"] == "passed" and ex["score"] == ex["max_score"], _describe(ex)


@pytest.mark.parametrize("lesson_id", [_lesson_param(lesson) for lesson in LESSONS])
def test_fresh_stubs_earn_nothing(request: pytest.FixtureRequest, lesson_id: str) -> None:
    for ex in _lesson_exercises(_graded(request, "stubs", lesson_id).report, lesson_id):
        assert ex["checks"], f"{ex['id']} has no checks at all"
        statuses = {c["status"] for c in ex["checks"]}
        assert ex["score"] == 0 and statuses == {"not_attempted"}, (
            "an untouched stub must be graded 0 and not attempted, check by check:\n"
            + "\n".join(
                f"  {c['status']:<13} {c['name']}: {c['message'][:200]}" for c in ex["checks"]
            )
        )


@pytest.mark.parametrize("which", ["solutions", "stubs"])
def test_grading_leaves_the_target_untouched(request: pytest.FixtureRequest, which: str) -> None:
    graded: Graded = request.getfixturevalue(f"{which}_graded")
    added = sorted(set(graded.after) - set(graded.before))
    removed = sorted(set(graded.before) - set(graded.after))
    changed = sorted(
        k for k in set(graded.before) & set(graded.after) if graded.before[k] != graded.after[k]
    )
    assert not (added or removed or changed), (
        f"grading {which} changed the target: added {added}, removed {removed}, changed {changed}"
    )


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_every_exercise_has_at_least_four_mutants(exercise_id: str) -> None:
    ours = [m.name for m in MUTANTS if m.exercise_id == exercise_id]
    # The capstone's parts: at least two each and fifteen in all (the next test), since each of
    # its mutants grades a whole system (a training run, a server) rather than one function.
    least = 2 if COURSE.exercise(exercise_id).beside_lessons else 4
    assert len(ours) >= least, (
        f"{exercise_id} has {len(ours)} mutant(s) {ours}; add realistic wrong answers as "
        f"tests/mutants/{exercise_id}/<mistake>.toml (see autograder.dev.Mutant)"
    )


def test_the_capstone_has_at_least_fifteen_mutants() -> None:
    capstone = [m for m in MUTANTS if COURSE.exercise(m.exercise_id).beside_lessons]
    parts = {m.exercise_id for m in capstone}
    assert len(capstone) >= 15 and len(parts) == len(_lesson("capstone").exercises), (
        f"the capstone has {len(capstone)} mutants over {len(parts)} parts; the bar is fifteen, "
        "with every part covered"
    )


@pytest.mark.parametrize("mutant", MUTANTS, ids=_mutant_id)
def test_mutant_is_well_formed(mutant: dev.Mutant) -> None:
    assert mutant.exercise_id in EXERCISES, (
        f"{mutant.path} sits in tests/mutants/{mutant.exercise_id}/, which is no exercise in course.toml"
    )
    assert mutant.description, f"{mutant.path}: say the mistake in one sentence: mistake = '...'"
    source = mutant.source(COURSE)  # raises when the solution changed under the mutant
    solution = stubs.solution_path(COURSE, COURSE.exercise(mutant.exercise_id)).read_text(
        encoding="utf-8"
    )
    assert source != stubs.strip_markers(solution), (
        f"{mutant.path} is the solution itself: it has no mistake"
    )
    if COURSE.exercise(mutant.exercise_id).is_python:  # a Dockerfile's mutant is no Python
        compile(source, str(mutant.path), "exec")


def test_a_mutant_stops_applying_when_its_solution_changes(tmp_path: Path) -> None:
    mutant = next(m for m in MUTANTS if m.exercise_id == "01_numpy/ex01_standardize")
    old, new = mutant.replacements[0]
    moved = dev.Mutant(
        mutant.path, mutant.exercise_id, mutant.description, [(old + "# gone\n", new)]
    )
    with pytest.raises(dev.MutantError, match="occurs 0 times"):
        moved.source(COURSE)


def _grade_mutants(out: Path, *selection: str) -> dict[str, dict]:
    """`mlgrade dev mutants *selection`: one warm process per core, each grading an interleaved
    share of the mutants (a fresh subprocess per mutant cost ~1 s of start-up each)."""
    shards = max(1, min(4, os.cpu_count() or 1))
    cmds = [
        [sys.executable, "-m", "autograder", "dev", "mutants", *selection]
        + ["--shard", f"{k}/{shards}", "--output", str(out / f"{k}.json")]
        for k in range(1, shards + 1)
    ]
    procs = [
        subprocess.Popen(cmd, cwd=COURSE.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for cmd in cmds
    ]
    verdicts: dict[str, dict] = {}
    for k, proc in enumerate(procs, start=1):
        printed, _ = proc.communicate(timeout=1800)
        report = out / f"{k}.json"
        assert proc.returncode in (0, 1) and report.is_file(), (
            f"`mlgrade dev mutants --shard {k}/{shards}` exited {proc.returncode}:\n"
            + printed.decode(errors="replace")[-3000:]
        )
        verdicts.update(json.loads(report.read_text())["mutants"])
    return verdicts


@pytest.fixture(scope="session")
def mutant_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The default tier's mutants: every lesson but INTEGRATION_LESSONS."""
    excluded = [arg for lesson in INTEGRATION_LESSONS for arg in ("--exclude", lesson)]
    return _grade_mutants(tmp_path_factory.mktemp("mutant-verdicts"), *excluded)


@pytest.fixture(scope="session")
def integration_mutant_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("integration-mutant-verdicts")
    verdicts: dict[str, dict] = {}
    for lesson in INTEGRATION_LESSONS:
        (out / lesson).mkdir()
        verdicts.update(_grade_mutants(out / lesson, lesson))
    return verdicts


@pytest.mark.parametrize("mutant", [_tier(m) for m in GRADABLE_MUTANTS])
def test_mutant_loses_points_on_its_own_exercise(
    mutant: dev.Mutant, request: pytest.FixtureRequest
) -> None:
    lesson = mutant.exercise_id.split("/")[0]
    fixture = "integration_mutant_verdicts" if lesson in INTEGRATION_LESSONS else "mutant_verdicts"
    verdict = request.getfixturevalue(fixture).get(_mutant_id(mutant))
    assert verdict is not None, f"`mlgrade dev mutants` did not grade {_mutant_id(mutant)}"
    ex = verdict["result"]
    assert ex is not None, verdict["problem"]
    assert ex["score"] < ex["max_score"], (
        f"mutant survived: '{mutant.description}' scores full marks on {ex['id']}; "
        "add or sharpen a check in autograder/checks/ that rejects this mistake"
    )
    caught = [c for c in ex["checks"] if c["status"] in NOT_PASSED]
    assert caught, f"the mutant lost points without any check catching it:\n{_describe(ex)}"


CHECK_MODULES = sorted(COURSE.checks_dir.glob("[0-9][0-9]_*/*.py"))


@pytest.mark.parametrize(
    "module", CHECK_MODULES, ids=lambda p: p.relative_to(COURSE.checks_dir).as_posix()
)
def test_a_check_module_reads_only_its_own_exercise(module: Path) -> None:
    """A mistake in one exercise file costs points on that exercise only, by construction: a check
    module reaches the learner's code through the `submission` (or `submission_text`) fixture,
    which is bound to the module's own exercise, and never loads another exercise's file. This is
    why a mutant is graded with its own exercise alone."""
    text = module.read_text(encoding="utf-8")
    for forbidden in ("load_exercise(", "exercise_path(", "mlgrade-target", "target_dir("):
        assert forbidden not in text, (
            f"{module.name} calls {forbidden[:-1]}: reach the learner's code only through the "
            "submission fixture, so a check grades its own exercise alone"
        )
