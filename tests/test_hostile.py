"""Hostile submissions: each takes the place of one lesson-01 exercise, the other four are solutions.

Every test asserts two things: the hostile exercise gets the grade it deserves, and the other four
exercises still earn full points (one bad file never costs a learner anything else). The files
live in tests/hostile/; each docstring says what it does. Each test is one `mlgrade check`
subprocess, so the module stays around 20 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from autograder import stubs
from autograder.manifest import load_course

COURSE = load_course()
HOSTILE = Path(__file__).resolve().parent / "hostile"
LESSON = "01_numpy"


def hostile(name: str) -> str:
    return (HOSTILE / name).read_text(encoding="utf-8")


def stub(exercise_id: str) -> str:
    """The exercise's stub, touched (one comment more): a learner's `check` skips a file still
    identical to its stub, and these tests need every check to meet the hostile extras."""
    return stubs.stub_text(COURSE, COURSE.exercise(exercise_id)) + "# started\n"


def graded(report: dict, exercise_id: str) -> dict:
    """The hostile exercise's result, after asserting every other exercise earned full points."""
    by_id = {e["id"]: e for e in report["exercises"]}
    lesson = next(lesson for lesson in COURSE.lessons if lesson.id == LESSON)
    assert sorted(by_id) == sorted(ex.id for ex in lesson.exercises)
    for ex_id, ex in by_id.items():
        assert ex["checks"], f"{ex_id} was graded with no checks at all"
        if ex_id != exercise_id:
            bad = [
                f"{c['name']}: {c['status']}: {c['message'][:200]}"
                for c in ex["checks"]
                if c["status"] != "passed"
            ]
            assert ex["score"] == ex["max_score"], (
                f"the hostile {exercise_id} cost {ex_id} points: {bad}"
            )
    return by_id[exercise_id]


def statuses(ex: dict) -> set[str]:
    return {c["status"] for c in ex["checks"]}


def test_os_exit_at_import_is_an_error(swapped_target: Callable[..., Path], grade_json) -> None:
    ex_id = f"{LESSON}/ex01_standardize"
    report = grade_json(swapped_target(ex_id, hostile("os_exit_at_import.py")), LESSON)
    ex = graded(report, ex_id)
    assert ex["score"] == 0 and statuses(ex) == {"error"}
    for check in ex["checks"]:
        assert "exit" in check["message"], check["message"]


def test_sys_exit_in_a_function_is_an_error(
    swapped_target: Callable[..., Path], grade_json
) -> None:
    ex_id = f"{LESSON}/ex03_softmax"
    report = grade_json(swapped_target(ex_id, hostile("sys_exit_in_function.py")), LESSON)
    ex = graded(report, ex_id)
    assert ex["score"] == 0 and statuses(ex) == {"error"}
    for check in ex["checks"]:
        assert "sys.exit(0)" in check["message"], check["message"]


def test_infinite_loop_times_out_and_grading_goes_on(
    swapped_target: Callable[..., Path], grade_json
) -> None:
    ex_id = f"{LESSON}/ex05_linear_regression"
    limit = 2.0
    target = swapped_target(ex_id, hostile("infinite_loop.py"))
    report = grade_json(target, LESSON, "--time-limit", f"{limit:g}")
    ex = graded(report, ex_id)
    assert ex["status"] == "timeout"
    # A learner's run (`mlgrade check`): the first hung check costs its limit, and the exercise's
    # other checks are reported as timeout without running (one time limit per hanging exercise).
    first = [c["status"] for c in ex["checks"]].index("timeout")
    hung = ex["checks"][first]
    assert f"{limit:g} s limit" in hung["message"], hung["message"]
    assert limit <= hung["duration_s"] < limit + 3, "a hung check is stopped at its limit"
    for check in ex["checks"][first + 1 :]:
        assert check["status"] == "timeout" and check["message"].startswith("not run:"), check
    # An instructor's grade gives every check its chance: after a timeout, the checks not yet run
    # go on in a fresh process, and the correct ones (n_iters=0, predict) pass.
    from autograder.runner import Limits, grade

    (full,) = grade(COURSE, target, [COURSE.exercise(ex_id)], Limits(time_limit=limit)).exercises
    assert {c.status for c in full.checks} == {"timeout", "passed"}, full.checks
    first = [c.status for c in full.checks].index("timeout")
    assert "passed" in {c.status for c in full.checks[first + 1 :]}


def test_printing_200_mb_is_truncated_per_check(
    swapped_target: Callable[..., Path], grade_json
) -> None:
    ex_id = f"{LESSON}/ex02_pairwise"
    report = grade_json(swapped_target(ex_id, hostile("print_flood.py")), LESSON)
    ex = graded(report, ex_id)
    assert ex["score"] == ex["max_score"], (
        "the answer is right; printing is no reason to lose points"
    )
    kept = COURSE.output_limit_kb * 1024
    for check in ex["checks"]:
        output = check["output"]
        assert output.startswith("spam spam"), "the first output is kept, to show the learner"
        assert "truncated" in output and "200,000,200" in output, "say how much was printed in all"
        assert abs(len(output.encode()) - kept) <= 1024, (
            f"{len(output.encode()):,} bytes kept, not ~{kept:,}"
        )
    bound = (len(ex["checks"]) + 2) * kept  # each check's share, and room for the rest
    assert len(json.dumps(report, indent=2)) < bound, "the report stays small"


def test_runaway_allocation_hits_the_memory_cap(
    swapped_target: Callable[..., Path], grade_json
) -> None:
    ex_id = f"{LESSON}/ex03_softmax"
    report = grade_json(swapped_target(ex_id, hostile("memory_runaway.py")), LESSON)
    ex = graded(report, ex_id)
    assert ex["score"] == 0 and statuses(ex) == {"error"}
    for check in ex["checks"]:
        assert "memory" in check["message"], check["message"]


def test_object_equal_to_everything_earns_nothing(
    swapped_target: Callable[..., Path], grade_json
) -> None:
    ex_id = f"{LESSON}/ex01_standardize"
    report = grade_json(swapped_target(ex_id, hostile("always_equal.py")), LESSON)
    ex = graded(report, ex_id)
    assert ex["score"] == 0 and statuses(ex) == {"failed"}, [
        (c["name"], c["status"], c["message"]) for c in ex["checks"]
    ]


def test_conftest_in_target_has_no_effect(swapped_target: Callable[..., Path], grade_json) -> None:
    ex_id = f"{LESSON}/ex01_standardize"
    force_pass = hostile("target_force_pass.py")
    target = swapped_target(
        ex_id, stub(ex_id), extra={"conftest.py": force_pass, f"{LESSON}/conftest.py": force_pass}
    )
    report = grade_json(target, LESSON, cwd=target)  # even when run from inside the folder
    ex = graded(report, ex_id)
    assert ex["score"] == 0 and statuses(ex) == {"not_attempted"}


def test_pytest_ini_and_sitecustomize_in_target_have_no_effect(
    swapped_target: Callable[..., Path], grade_json
) -> None:
    ex_id = f"{LESSON}/ex02_pairwise"
    customize = hostile("target_sitecustomize.py")
    target = swapped_target(
        ex_id,
        stub(ex_id),
        extra={
            "pytest.ini": hostile("target_pytest.ini"),
            "target_force_pass.py": hostile("target_force_pass.py"),
            "sitecustomize.py": customize,
            "usercustomize.py": customize,
        },
    )
    report = grade_json(target, LESSON, cwd=target)  # from inside: `python -m` puts cwd on sys.path
    ex = graded(report, ex_id)
    assert ex["score"] == 0 and statuses(ex) == {"not_attempted"}


def test_pytest_options_in_the_environment_have_no_effect(
    swapped_target: Callable[..., Path], grade_json
) -> None:
    ex_id = f"{LESSON}/ex04_minibatches"
    target = swapped_target(
        ex_id, stub(ex_id), extra={"target_force_pass.py": hostile("target_force_pass.py")}
    )
    env = {
        **os.environ,
        "PYTEST_ADDOPTS": "-p target_force_pass -k no_check_has_this_name",
        "PYTEST_PLUGINS": "target_force_pass",
    }
    report = grade_json(target, LESSON, cwd=target, env=env)
    ex = graded(report, ex_id)  # -k would have deselected every check, and cost the others points
    assert ex["score"] == 0 and statuses(ex) == {"not_attempted"}


# --- controls: the hostile files above are potent, so the tests that say "no effect" can fail ---


def test_control_sitecustomize_would_pass_a_stub_if_python_loaded_it(
    swapped_target: Callable[..., Path], grade_json
) -> None:
    ex_id = f"{LESSON}/ex02_pairwise"
    target = swapped_target(
        ex_id, stub(ex_id), extra={"sitecustomize.py": hostile("target_sitecustomize.py")}
    )
    env = {**os.environ, "PYTHONPATH": str(target)}  # the learner's own machine: theirs to break
    ex = graded(grade_json(target, LESSON, env=env), ex_id)
    assert ex["score"] == ex["max_score"], (
        "the hostile sitecustomize.py lost its teeth: fix the control"
    )


def test_control_force_pass_plugin_fools_plain_pytest(tmp_path: Path) -> None:
    (tmp_path / "test_fails.py").write_text(
        "def test_fails():\n    assert False\n", encoding="utf-8"
    )
    (tmp_path / "target_force_pass.py").write_text(
        hostile("target_force_pass.py"), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugin under test
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "target_force_pass",
            "-p",
            "no:cacheprovider",
            "test_fails.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr


def test_rebinding_the_grader_changes_nothing(
    swapped_target: Callable[..., Path], grade_json
) -> None:
    """The learner's code runs in its own process: rebinding the classifier there rebinds a copy
    the checks never use, and the untouched stub is graded as what it is."""
    ex_id = f"{LESSON}/ex01_standardize"
    report = grade_json(swapped_target(ex_id, hostile("patches_the_grader.py")), LESSON)
    ex = graded(report, ex_id)
    assert ex["score"] == 0 and statuses(ex) == {"not_attempted"}


def test_rebinding_numpy_changes_nothing(
    swapped_target: Callable[..., Path], grade_json, tmp_path: Path
) -> None:
    """A wrong answer that rebinds NumPy's comparisons is graded exactly as the same wrong answer
    without them: the comparisons run in the grader's process, which it cannot reach."""
    ex_id = f"{LESSON}/ex03_softmax"
    patched = hostile("patches_numpy.py")
    head, _, rest = patched.partition("np.isclose =")
    honest = head + "def softmax" + rest.partition("def softmax")[2]
    assert "np.allclose =" not in honest and "def log_softmax" in honest
    with_patch = graded(grade_json(swapped_target(ex_id, patched), LESSON), ex_id)
    without = graded(grade_json(swapped_target(ex_id, honest), LESSON), ex_id)
    assert with_patch["score"] == without["score"] < with_patch["max_score"]
    assert [c["status"] for c in with_patch["checks"]] == [c["status"] for c in without["checks"]]


def test_forged_result_lines_earn_nothing(swapped_target: Callable[..., Path], grade_json) -> None:
    ex_id = f"{LESSON}/ex04_minibatches"
    report = grade_json(swapped_target(ex_id, hostile("forges_result_lines.py")), LESSON)
    ex = graded(report, ex_id)
    assert ex["score"] == 0 and statuses(ex) == {"error"}, [c["message"][:80] for c in ex["checks"]]


def test_a_daemon_left_behind_cannot_rewrite_the_report(
    swapped_target: Callable[..., Path], tmp_path: Path
) -> None:
    """A submission's setsid() + double-fork daemon is killed before any report is written.

    Graded by a learner's `mlgrade check` (no sandbox, so the daemon could reach the report): the
    subreaper alone must stop it."""
    import tempfile
    import time

    ex_id = f"{LESSON}/ex02_pairwise"
    target = swapped_target(ex_id, hostile("daemon_rewrites_report.py"))
    shared = Path(tempfile.mkdtemp(prefix="mlgrade-heartbeat-"))
    shared.chmod(0o777)  # the learner's process may run as nobody (the grader as root)
    out, heartbeat = tmp_path / "report.json", shared / "heartbeat"
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "check", "--target", str(target), "--format", "json"]
        + ["--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MLGRADE_TEST_HEARTBEAT": str(heartbeat)},
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert heartbeat.exists(), "the daemon never ran: the test proves nothing"
    beats = heartbeat.stat().st_size
    time.sleep(1.5)  # a living daemon would beat ~30 times and rewrite the report
    assert heartbeat.stat().st_size == beats, "a process the submission started outlived grading"
    report = json.loads(out.read_text())
    assert "forged" not in report, "a daemon rewrote the report after grading"
    (ex,) = [e for e in report["exercises"] if e["id"] == ex_id]
    assert ex["score"] == ex["max_score"], "the answer itself is right"


def test_forgeries_through_frames_gc_and_signals_earn_nothing(
    swapped_target: Callable[..., Path], grade_json
) -> None:
    """The checks, their verdicts and the result channel live in a process that never runs the
    learner's code: what its frames, objects and signal handlers can reach is a copy with no
    channel to write to."""
    ex_id = f"{LESSON}/ex01_standardize"
    report = grade_json(swapped_target(ex_id, hostile("forges_through_frames.py")), LESSON)
    ex = graded(report, ex_id)
    assert ex["score"] == 0 and "passed" not in statuses(ex), statuses(ex)


def test_a_sandboxed_submission_reaches_nothing_outside_itself(tmp_path: Path) -> None:
    """`mlgrade batch`: a submission's code cannot read the grader's memory, ptrace it, edit the
    installed grader, read or edit a neighbouring submission, or reach the network; the
    neighbour keeps its full marks."""
    import hashlib

    import autograder

    batch = tmp_path / "submissions"
    for name in ("alice", "bob"):
        for ex in COURSE.lessons[0].exercises:
            dest = batch / name / ex.relpath
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(stubs.solution_path(COURSE, ex).read_text())
    (batch / "alice" / "01_numpy" / "ex01_standardize.py").write_text(hostile("reaches_out.py"))
    neighbour = batch / "bob" / "01_numpy" / "ex02_pairwise.py"
    before = neighbour.read_bytes()
    grader = Path(autograder.__file__)
    grader_before = hashlib.sha256(grader.read_bytes()).hexdigest()
    out = tmp_path / "grades.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "batch", str(batch), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MLGRADE_TEST_NEIGHBOUR": str(neighbour)},
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert neighbour.read_bytes() == before, "a submission edited its neighbour"
    assert hashlib.sha256(grader.read_bytes()).hexdigest() == grader_before, "the grader was edited"
    reports = tmp_path / "grades.reports"
    if not reports.is_dir():
        reports = next(p for p in tmp_path.iterdir() if p.is_dir() and p.name != "submissions")
    alice = json.loads((reports / "alice.json").read_text())
    bob = json.loads((reports / "bob.json").read_text())
    assert alice["sandbox"] == bob["sandbox"] == "namespaces"
    (ex,) = [e for e in alice["exercises"] if e["id"] == f"{LESSON}/ex01_standardize"]
    printed = "\n".join(c["output"] for c in ex["checks"])
    assert "denied the grader's memory" in printed, printed[:2000]
    assert "denied an ancestor's memory" in printed, printed[:2000]  # the batch's warm worker
    assert "REACHED" not in printed, printed[:2000]
    lesson = {e["id"]: e for e in bob["exercises"] if e["id"].startswith(LESSON)}
    assert all(e["score"] == e["max_score"] for e in lesson.values()), "the neighbour lost points"
