"""Every exercise is provably gradable: solutions full, fresh stubs zero, every mutant caught.

Parametrized from course.toml and tests/mutants/, so a lesson or mutant added later is covered
without touching this file. Each grading is one real `mlgrade check` subprocess (about a second):
the solutions and the stubs are graded once per session, each mutant once.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from autograder import dev, stubs
from autograder.manifest import load_course

COURSE = load_course()
LESSONS = [lesson.id for lesson in COURSE.lessons]
EXERCISES = [ex.id for ex in COURSE.exercises]
MUTANTS = dev.find_mutants(COURSE)
GRADABLE_MUTANTS = [m for m in MUTANTS if m.exercise_id in EXERCISES]
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
        self.before = tree_fingerprint(target)
        self.report = grade_json(target)
        self.after = tree_fingerprint(target)


@pytest.fixture(scope="session")
def solutions_graded(
    tmp_path_factory: pytest.TempPathFactory, grade_json, tree_fingerprint
) -> Graded:
    # A byte-identical copy of solutions/, so a grader that wrote files could not dirty the repo.
    target = tmp_path_factory.mktemp("solutions")
    for lesson in LESSONS:
        shutil.copytree(
            COURSE.root / "solutions" / lesson,
            target / lesson,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    return Graded(target, grade_json, tree_fingerprint)


@pytest.fixture(scope="session")
def stubs_graded(tmp_path_factory: pytest.TempPathFactory, grade_json, tree_fingerprint) -> Graded:
    # Freshly generated: lessons/ in the working copy may hold a learner's answers.
    target = tmp_path_factory.mktemp("stubs")
    stubs.write_stubs(COURSE, target)
    return Graded(target, grade_json, tree_fingerprint)


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_solutions_earn_full_marks(solutions_graded: Graded, lesson_id: str) -> None:
    for ex in _lesson_exercises(solutions_graded.report, lesson_id):
        assert ex["checks"], f"{ex['id']} has no checks at all"
        assert ex["status"] == "passed" and ex["score"] == ex["max_score"], _describe(ex)


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_fresh_stubs_earn_nothing(stubs_graded: Graded, lesson_id: str) -> None:
    for ex in _lesson_exercises(stubs_graded.report, lesson_id):
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
def test_every_exercise_has_at_least_two_mutants(exercise_id: str) -> None:
    ours = [m.name for m in MUTANTS if m.exercise_id == exercise_id]
    assert len(ours) >= 2, (
        f"{exercise_id} has {len(ours)} mutant(s) {ours}; add realistic wrong answers as "
        f"tests/mutants/{exercise_id}/<mistake>.toml (see autograder.dev.Mutant)"
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
    compile(source, str(mutant.path), "exec")


def test_a_mutant_stops_applying_when_its_solution_changes(tmp_path: Path) -> None:
    mutant = next(m for m in MUTANTS if m.exercise_id == "01_numpy/ex01_standardize")
    old, new = mutant.replacements[0]
    moved = dev.Mutant(
        mutant.path, mutant.exercise_id, mutant.description, [(old + "# gone\n", new)]
    )
    with pytest.raises(dev.MutantError, match="occurs 0 times"):
        moved.source(COURSE)


@pytest.mark.parametrize("mutant", GRADABLE_MUTANTS, ids=_mutant_id)
def test_mutant_loses_points_on_its_own_exercise_only(
    mutant: dev.Mutant, tmp_path: Path, grade_json: Callable[..., dict]
) -> None:
    lesson_id = mutant.exercise_id.split("/", 1)[0]
    dev.mutant_target(COURSE, mutant, tmp_path)
    report = grade_json(tmp_path, lesson_id)
    for ex in _lesson_exercises(report, lesson_id):
        if ex["id"] == mutant.exercise_id:
            assert ex["score"] < ex["max_score"], (
                f"mutant survived: '{mutant.description}' scores full marks on {ex['id']}; "
                "add or sharpen a check in autograder/checks/ that rejects this mistake"
            )
            caught = [c for c in ex["checks"] if c["status"] in NOT_PASSED]
            assert caught, f"the mutant lost points without any check catching it:\n{_describe(ex)}"
        else:
            assert ex["score"] == ex["max_score"], (
                f"mutant of {mutant.exercise_id} cost points on another exercise:\n{_describe(ex)}"
            )
