"""Every exporter's output checked against its format, for real reports and a hand-built one.

The real reports come from the grader (`mlgrade grade`, once per target for the module): lesson
01's reference solutions with the instructor's hidden checks, and a partial submission of lesson 01
(one solution, one mutant, one exercise that calls sys.exit, one stub, one file missing). Every
other lesson's exercises are not attempted in both. The hand-built report
holds every status, hidden checks, notes, and text that formats must escape (pipes, newlines,
markup, control characters from a learner's coloured output).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import Path

import jsonschema
import pytest

from autograder import dev, stubs
from autograder.exporters import gradebook, gradescope, json_report, junit, markdown
from autograder.manifest import COURSE_ROOT, load_course
from autograder.results import (
    ERROR,
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    STATUSES,
    TIMEOUT,
    CheckResult,
    ExerciseResult,
    GradeReport,
)

COURSE = load_course()
HIDDEN_CHECKS = COURSE_ROOT / "tests" / "fixtures" / "hidden_checks"
GRADESCOPE_SCHEMA = json.loads(
    (COURSE_ROOT / "tests" / "fixtures" / "gradescope_results.schema.json").read_text()
)
REPORT_SCHEMA = json.loads(json_report.SCHEMA_PATH.read_text())
LESSON_01 = [ex for ex in COURSE.exercises if ex.lesson_id == "01_numpy"]


def grade_cli(target: Path, out: Path, *args: str, fmt: str = "json") -> str:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            str(target),
            "--format",
            fmt,
            "--output",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=COURSE_ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return out.read_text(encoding="utf-8")


def lesson_01(dest: Path, solved: bool) -> Path:
    """Lesson 01 alone, as the solutions or the stubs."""
    if solved:
        for ex in LESSON_01:
            (dest / ex.relpath).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stubs.solution_path(COURSE, ex), dest / ex.relpath)
    else:
        stubs.write_stubs(COURSE, dest, LESSON_01)
    return dest


@pytest.fixture(scope="module")
def solutions_01(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lesson_01(tmp_path_factory.mktemp("solutions") / "solutions", solved=True)


@pytest.fixture(scope="module")
def real_reports(
    tmp_path_factory: pytest.TempPathFactory, solutions_01: Path
) -> dict[str, GradeReport]:
    tmp = tmp_path_factory.mktemp("exporters")
    partial = lesson_01(tmp / "partial", solved=False)
    ex01, ex02, ex03, _, ex05 = LESSON_01
    shutil.copyfile(stubs.solution_path(COURSE, ex01), partial / ex01.relpath)
    transposed = next(m for m in dev.find_mutants(COURSE) if m.name == "transposed_shape")
    (partial / ex02.relpath).write_text(transposed.source(COURSE), encoding="utf-8")
    shutil.copyfile(COURSE_ROOT / "tests/hostile/sys_exit_in_function.py", partial / ex03.relpath)
    (partial / ex05.relpath).unlink()
    reports = {}
    for name, target, args in [
        ("solutions+hidden", solutions_01, ["--extra-checks", str(HIDDEN_CHECKS)]),
        ("partial", partial, []),
    ]:
        data = json.loads(grade_cli(target, tmp / f"{name}.json", *args))
        jsonschema.validate(data, REPORT_SCHEMA)
        reports[name] = GradeReport.from_dict(data)
    return reports


def hand_built() -> GradeReport:
    """Every status, hidden checks, notes, two lessons, and text each format must escape."""
    nasty = (
        'expected 1.0 | got 2.0\nsecond line <b>&amp;</b> "quoted" *stars* ✓ é \x1b[31mred\x1b[0m'
    )
    e1, e2, e3, e4, e5 = LESSON_01
    exercises = [
        ExerciseResult(
            e1.id,
            e1.title,
            10,
            [
                CheckResult("matches column zscores", PASSED, "", 0.012),
                CheckResult("single row is all zero", PASSED, "", 0.003, hidden=True),
                CheckResult("float32 input", FAILED, "float32 input: " + nasty, 0.004, hidden=True),
            ],
            hidden_points=5,
        ),
        ExerciseResult(
            e2.id,
            e2.title,
            10,
            [
                CheckResult(
                    "values and shape",
                    FAILED,
                    nasty,
                    0.02,
                    output="printed \x1b[1mbold\x1b[0m\x00 and more",
                ),
                CheckResult("vectorised", PASSED, "", 0.5),
            ],
        ),
        ExerciseResult(
            e3.id,
            e3.title,
            10,
            [
                CheckResult(
                    "softmax values",
                    ERROR,
                    "your code raised ZeroDivisionError: division by zero",
                    0.01,
                ),
                CheckResult("log softmax", PASSED, "", 0.01),
            ],
        ),
        ExerciseResult(
            e4.id,
            e4.title,
            10,
            [
                CheckResult(
                    "every row exactly once", TIMEOUT, "took longer than the 2 s limit", 2.0
                ),
                CheckResult("rows stay paired", FAILED, "rows and labels were shuffled apart", 0.1),
            ],
        ),
        ExerciseResult(
            e5.id,
            e5.title,
            10,
            [
                CheckResult(
                    "reaches least squares",
                    NOT_ATTEMPTED,
                    "not attempted: ex05 raises NotImplementedError",
                    0.0,
                ),
                CheckResult(
                    "predict", NOT_ATTEMPTED, "not attempted: ex05 raises NotImplementedError", 0.0
                ),
            ],
        ),
        ExerciseResult(
            "99_extra/ex01_demo",
            "A | piped title",
            7.5,
            [
                CheckResult("demo [param-1]", PASSED, "", 0.001),
                CheckResult("demo [param-2]", FAILED, "off by one", 0.001),
            ],
        ),
    ]
    report = GradeReport(
        target="/tmp/alice",
        exercises=exercises,
        duration_s=3.25,
        held_back=4.0,
        notes=["ignored 2 file(s) the manifest does not list: conftest.py, notes | todo.txt"],
    )
    assert {c.status for e in report.exercises for c in e.checks} == set(STATUSES)
    return report


@pytest.fixture(scope="module")
def reports(real_reports) -> dict[str, GradeReport]:
    return {**real_reports, "hand-built": hand_built()}


REPORT_NAMES = ["solutions+hidden", "partial", "hand-built"]
COURSE_POINTS = sum(ex.points for ex in COURSE.exercises)
LESSON_01_POINTS = sum(ex.points for ex in LESSON_01)


def test_real_reports_are_what_the_targets_deserve(real_reports):
    full = real_reports["solutions+hidden"]
    assert full.score == LESSON_01_POINTS + 9  # HIDDEN_POINTS: 5 + 4
    assert full.max_score == COURSE_POINTS + 9
    assert {c.hidden for e in full.exercises for c in e.checks} == {False, True}
    partial = {e.id: e for e in real_reports["partial"].exercises}
    ex01, ex02, ex03, ex04, ex05 = (e.id for e in LESSON_01)
    assert partial[ex01].status == PASSED
    assert partial[ex02].status == FAILED
    assert partial[ex03].status == ERROR
    assert partial[ex04].status == partial[ex05].status == NOT_ATTEMPTED


# --- JSON --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_json_validates_against_the_schema_and_round_trips(reports, name):
    report = reports[name]
    data = json.loads(json_report.render(report))
    jsonschema.validate(data, REPORT_SCHEMA)
    assert GradeReport.from_dict(data).to_dict() == data
    assert data["score"] == pytest.approx(sum(e["score"] for e in data["exercises"]))
    assert data["max_score"] == pytest.approx(sum(e["max_score"] for e in data["exercises"]))


def test_json_schema_rejects_what_it_should():
    data = json.loads(json_report.render(hand_built()))
    for broken in (
        {**data, "schema_version": 2},
        {**data, "surprise": 1},
        {**data, "exercises": [{**data["exercises"][0], "status": "skipped"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, REPORT_SCHEMA)


# --- JUnit XML ---------------------------------------------------------------------------------

JUNIT_KIND = {FAILED: "failure", NOT_ATTEMPTED: "failure", ERROR: "error", TIMEOUT: "error"}


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_junit_structure_counts_and_messages(reports, name):
    report = reports[name]
    text = junit.render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text.encode("utf-8"))  # parses: no character XML cannot hold
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [e.id for e in report.exercises]
    assert int(root.get("tests")) == sum(len(e.checks) for e in report.exercises)
    float(root.get("time"))
    for suite, ex in zip(suites, report.exercises, strict=True):
        assert set(child.tag for child in suite) <= {"properties", "testcase"}
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases) == len(ex.checks)
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("errors")) == len(suite.findall("testcase/error"))
        assert int(suite.get("skipped")) == 0
        props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        assert float(props["score"]) == pytest.approx(ex.score)
        assert float(props["max_score"]) == pytest.approx(ex.max_score)
        for case, check in zip(cases, ex.checks, strict=True):
            assert case.get("classname") == ex.id
            assert case.get("name") == junit_text(check.name)
            assert float(case.get("time")) >= 0
            outcomes = [c for c in case if c.tag in ("failure", "error", "skipped")]
            if check.status == PASSED:
                assert outcomes == []
                continue
            assert [c.tag for c in outcomes] == [JUNIT_KIND[check.status]]
            outcome = outcomes[0]
            assert outcome.get("type")
            if check.message:
                assert outcome.get("message") == outcome.text == junit_text(check.message)
            else:
                assert outcome.get("message")  # never an empty message
            out = case.find("system-out")
            assert (out is not None) == bool(check.output)
            if check.output:
                assert out.text == junit_text(check.output)


def junit_text(text: str) -> str:
    """What JUnit XML can carry of `text`: characters XML 1.0 forbids are shown as \\xNN."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"\\x{ord(m.group()):02x}", text)


def test_junit_keeps_a_learners_coloured_output_readable():
    root = ET.fromstring(junit.render(hand_built()).encode("utf-8"))
    out = root.find(".//system-out").text
    assert "\\x1b[1mbold\\x1b[0m\\x00" in out


# --- Gradescope --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_gradescope_results_match_the_documented_format(reports, name):
    report = reports[name]
    data = json.loads(gradescope.render(report))
    jsonschema.validate(data, GRADESCOPE_SCHEMA)
    tests = data["tests"]
    assert sum(t["score"] for t in tests) == pytest.approx(data["score"], abs=0.011)
    assert data["score"] == pytest.approx(report.score, abs=0.011)
    assert sum(t["max_score"] for t in tests) == pytest.approx(report.max_score)
    assert len({t["name"] for t in tests}) == len({t["number"] for t in tests}) == len(tests)
    by_name = {t["name"]: t for t in tests}
    assert len(tests) == len(report.exercises) + sum(e.hidden_points > 0 for e in report.exercises)
    for ex in report.exercises:
        for hidden in (False, True):
            checks = [c for c in ex.checks if c.hidden == hidden]
            if not checks:
                continue
            test = by_name[f"{ex.id} · {ex.title}" + (" (hidden checks)" if hidden else "")]
            assert test["visibility"] == ("after_published" if hidden else "visible")
            assert test["score"] == pytest.approx(ex.group_score(hidden), abs=0.011)
            assert test["max_score"] == pytest.approx(ex.hidden_points if hidden else ex.points)
            assert (test["status"] == "passed") == all(c.status == PASSED for c in checks)
            assert (test["status"] == "passed") == (test["score"] == test["max_score"])
            for check in checks:
                assert check.name in test["output"]
                if check.status != PASSED and check.message:
                    assert check.message in test["output"]
    for note in report.notes:
        assert note in data["output"]


def test_gradescope_schema_rejects_what_gradescope_would():
    data = json.loads(gradescope.render(hand_built()))
    broken = [
        {**data, "visibility": "students"},
        {k: v for k, v in data.items() if k != "tests"},
        {**data, "tests": [{**data["tests"][0], "status": "error"}]},
        {**data, "tests": [{**data["tests"][0], "max_scores": 3}]},
    ]
    for case in broken:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(case, GRADESCOPE_SCHEMA)


# --- Markdown ----------------------------------------------------------------------------------


def md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def split_row(line: str) -> list[str]:
    """The cells of a Markdown table row, honouring escaped pipes."""
    assert line.startswith("|") and line.endswith("|"), line
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_markdown_has_totals_a_table_per_lesson_and_the_failures(reports, name):
    report = reports[name]
    text = markdown.render(report)
    lines = text.splitlines()
    pct = 100 * report.score / report.max_score
    assert lines[0] == f"## mlgrade: {report.score:g}/{report.max_score:g} ({pct:.0f} %)"
    done = sum(e.status == PASSED for e in report.exercises)
    assert f"{done} of {len(report.exercises)} exercises complete" in text
    assert ("hidden checks" in text) == bool(report.held_back)
    for lesson, group in groupby(report.exercises, key=lambda e: e.lesson_id):
        at = lines.index(f"### {lesson}")
        assert split_row(lines[at + 2]) == ["exercise", "status", "score"]
        assert lines[at + 3] == "|---|---|---:|"
        exercises = list(group)
        rows = [split_row(line) for line in lines[at + 4 : at + 4 + len(exercises)]]
        for row, ex in zip(rows, exercises, strict=True):
            assert len(row) == 3, row
            assert row[0].startswith(md_cell(ex.id.split("/")[1])) and md_cell(ex.title) in row[0]
            assert ex.status.replace("_", " ") in row[1]
            assert row[2] == f"{ex.score:g}/{ex.max_score:g}"
    to_fix = [
        (e, c) for e in report.exercises for c in e.checks if c.status in (FAILED, ERROR, TIMEOUT)
    ]
    assert ("### What to fix" in text) == bool(to_fix)
    for ex, check in to_fix:
        seen = ", observed in the learner's process" if check.observed else ""
        line = f"- **{ex.id}** · {check.name} ({check.status}{seen}): {md_cell(check.message)}"
        assert line in lines
    for note in report.notes:
        assert f"> note: {md_cell(note)}" in lines


# --- CSV gradebook -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_csv_has_a_column_per_exercise_and_the_total(reports, name):
    report = copy.deepcopy(reports[name])
    known = {ex.id for ex in COURSE.exercises}
    report.exercises = [e for e in report.exercises if e.id in known]
    rows = list(
        csv.DictReader(io.StringIO(gradebook.render(report, COURSE, 'alice, b. "the" learner')))
    )
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == [
        "submission",
        *[ex.id for ex in COURSE.exercises],
        "total",
        "max_total",
        "status",
        "reason",
        "sandbox",
    ]
    assert row["submission"] == 'alice, b. "the" learner'
    graded = {e.id: e for e in report.exercises}
    for ex in COURSE.exercises:
        assert row[ex.id] == (f"{graded[ex.id].score:g}" if ex.id in graded else "")
    assert float(row["total"]) == pytest.approx(report.score)
    assert float(row["total"]) == pytest.approx(sum(float(row[i]) for i in graded))
    assert float(row["max_total"]) == pytest.approx(report.max_score)
    assert row["status"] == "graded"
    assert row["reason"] == "; ".join(report.notes)
    assert row["sandbox"] == report.sandbox


def test_every_format_says_whether_the_code_ran_sandboxed(reports):
    """`sandbox: none` (or `namespaces`) is recorded in every report format."""
    for value in ("none", "namespaces"):
        report = copy.deepcopy(reports["partial"])
        report.sandbox = value
        assert json.loads(json_report.render(report))["sandbox"] == value
        assert f'name="sandbox" value="{value}"' in junit.render(report)
        scope = json.loads(gradescope.render(report))
        assert scope["extra_data"]["sandbox"] == value and f"sandbox: {value}" in scope["output"]
        assert f"sandbox: {value}" in markdown.render(report)
        row = next(csv.DictReader(io.StringIO(gradebook.render(report, COURSE, "a"))))
        assert row["sandbox"] == value


def test_csv_row_of_a_submission_that_could_not_be_graded():
    text = gradebook.render_rows(
        [
            gradebook.header(COURSE),
            gradebook.row(COURSE, "bob.zip", None, "refused", "bob.zip: a zip-slip entry"),
        ]
    )
    row = next(csv.DictReader(io.StringIO(text)))
    assert [row[ex.id] for ex in COURSE.exercises] == [""] * len(COURSE.exercises)
    assert (row["total"], row["status"], row["reason"]) == (
        "0",
        "refused",
        "bob.zip: a zip-slip entry",
    )
    assert float(row["max_total"]) == COURSE_POINTS


# --- the CLI writes exactly what the exporters render --------------------------------------------


@pytest.mark.parametrize("fmt", ["junit", "gradescope", "markdown", "csv"])  # json: the fixture
def test_cli_formats_parse(tmp_path, solutions_01, fmt):
    text = grade_cli(solutions_01, tmp_path / "out", fmt=fmt)
    if fmt == "junit":
        assert ET.fromstring(text.encode()).tag == "testsuites"
    elif fmt == "gradescope":
        data = json.loads(text)
        jsonschema.validate(data, GRADESCOPE_SCHEMA)
        assert data["score"] == LESSON_01_POINTS
    elif fmt == "markdown":
        pct = 100 * LESSON_01_POINTS / COURSE_POINTS
        assert text.startswith(f"## mlgrade: {LESSON_01_POINTS:g}/{COURSE_POINTS:g} ({pct:.0f} %)")
    else:
        row = next(csv.DictReader(io.StringIO(text)))
        assert (row["submission"], float(row["total"])) == ("solutions", LESSON_01_POINTS)
