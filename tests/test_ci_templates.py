"""The CI templates for learners' repositories: their structure, and their grading steps run here.

`.github/workflows/grade.yml` and its GitLab equivalent `docs/examples/ci/gitlab-ci.yml` are
parsed and checked (triggers; the grader installed from the course checkout, never from the
learner's tree; artifacts; the job summary; the threshold). Then the workflow's own `run:` scripts
are executed with bash, as the runner would, against a learner clone made from `lessons/` with two
solutions copied in: the install step is simulated by putting this grader on PATH where the
workflow's virtual environment would be. The summary, JSON and JUnit files must appear, and the
job must fail below MIN_SCORE and pass above it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

from autograder import stubs
from autograder.exporters.json_report import SCHEMA_PATH
from autograder.manifest import COURSE_ROOT, load_course

COURSE = load_course()
WORKFLOW = COURSE_ROOT / ".github" / "workflows" / "grade.yml"
GITLAB = COURSE_ROOT / "docs" / "examples" / "ci" / "gitlab-ci.yml"
SOLVED = ["01_numpy/ex01_standardize", "01_numpy/ex03_softmax"]
SOLVED_PCT = (
    100 * sum(COURSE.exercise(e).points for e in SOLVED) / sum(e.points for e in COURSE.exercises)
)
GITHUB_SHELL = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]  # what `run:` uses on Linux


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True


def steps_of(workflow: dict) -> list[dict]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


def step(workflow: dict, step_id: str) -> dict:
    return next(s for s in steps_of(workflow) if s.get("id") == step_id)


# --- structure: GitHub Actions -----------------------------------------------------------------


def test_workflow_triggers_permissions_and_configurable_env():
    wf = load(WORKFLOW)
    assert {"push", "pull_request"} <= set(triggers(wf))
    assert wf["permissions"] == {"contents": "read"}
    for name in ("COURSE_REPOSITORY", "COURSE_REF", "MIN_SCORE"):
        assert re.fullmatch(rf"\$\{{\{{ vars\.{name} \|\| '[^']+' \}}\}}", wf["env"][name]), wf[
            "env"
        ][name]


def test_workflow_installs_the_pristine_grader_from_the_course_checkout():
    wf = load(WORKFLOW)
    checkouts = [s for s in steps_of(wf) if str(s.get("uses", "")).startswith("actions/checkout@")]
    learner, course = checkouts
    assert "repository" not in learner["with"] and learner["with"]["path"] == "learner"
    assert course["with"] == {
        "repository": "${{ env.COURSE_REPOSITORY }}",
        "ref": "${{ env.COURSE_REF }}",
        "path": "course",
        "persist-credentials": False,
    }
    assert wf["env"]["LEARNER_DIR"] == "${{ github.workspace }}/learner"
    assert wf["env"]["COURSE_DIR"] == "${{ github.workspace }}/course"
    runs = {s.get("id", s.get("name")): s.get("run", "") for s in steps_of(wf)}
    installs = [name for name, script in runs.items() if "pip install" in script]
    assert installs == ["install"], "one install step, and only the grader is installed"
    install = runs["install"]
    assert re.search(r'pip install .*-e "\$COURSE_DIR"', install)
    assert "LEARNER_DIR" not in install and "learner" not in install
    assert 'echo "$GRADER_VENV/bin" >> "$GITHUB_PATH"' in install
    for name, script in runs.items():
        assert "${{" not in script, (
            f"step {name}: pass expressions through env:, never into a script"
        )
        assert "python -m autograder" not in script, (
            "the console script, never -m from a learner's folder"
        )
    order = [s.get("id") for s in steps_of(wf) if s.get("id")]
    assert order == ["install", "verify", "grade", "summary", "threshold"]


def test_workflow_reports_verifies_uploads_and_enforces_the_threshold():
    wf = load(WORKFLOW)
    verify, grade, summary = (
        step(wf, "verify")["run"],
        step(wf, "grade")["run"],
        step(wf, "summary"),
    )
    assert 'mlgrade verify "$LEARNER_DIR"' in verify and "exit" not in verify  # report only
    for fmt, out in (("json", "grade.json"), ("junit", "junit.xml"), ("markdown", "summary.md")):
        assert re.search(
            rf'mlgrade grade "\$LEARNER_DIR" --format {fmt} --output "\$REPORT_DIR/{out}"', grade
        )
    assert '--fail-under "$MIN_SCORE"' in grade
    assert summary["if"] == "always()" and '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]
    upload = next(
        s for s in steps_of(wf) if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    )
    assert upload["uses"] == "actions/upload-artifact@v4" and upload["if"] == "always()"
    assert {line.strip() for line in upload["with"]["path"].splitlines() if line.strip()} == {
        "${{ env.REPORT_DIR }}/grade.json",
        "${{ env.REPORT_DIR }}/junit.xml",
    }
    threshold = step(wf, "threshold")
    assert steps_of(wf)[-1] is threshold and "if" not in threshold
    assert threshold["env"] == {"GRADE_STATUS": "${{ steps.grade.outputs.status }}"}


# --- structure: GitLab CI ----------------------------------------------------------------------


def test_gitlab_template_mirrors_the_workflow():
    ci = load(GITLAB)
    rules = [r["if"] for r in ci["workflow"]["rules"]]
    assert '$CI_PIPELINE_SOURCE == "merge_request_event"' in rules and "$CI_COMMIT_BRANCH" in rules
    job = ci["grade"]
    variables = ci["variables"]
    assert variables["LEARNER_DIR"] == "$CI_PROJECT_DIR"
    assert not variables["COURSE_DIR"].startswith("$CI_PROJECT_DIR"), (
        "the course lives outside the learner's tree"
    )
    before = "\n".join(job["before_script"])
    assert 'fetch --quiet --depth 1 "$COURSE_REPOSITORY" "$COURSE_REF"' in before
    assert re.search(r'pip install .*-e "\$COURSE_DIR"', before)
    assert "pip" not in "\n".join(job["script"]) and "CI_PROJECT_DIR" not in before
    script = "\n".join(job["script"])
    assert 'mlgrade verify "$LEARNER_DIR"' in script
    assert script.rstrip().endswith('--fail-under "$MIN_SCORE"')
    report_dir = variables["REPORT_DIR"].removeprefix("$CI_PROJECT_DIR/")
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == f"{report_dir}/junit.xml"
    assert f"{report_dir}/" in job["artifacts"]["paths"]


def test_docs_include_both_templates_with_snippets():
    page = (COURSE_ROOT / "docs" / "instructors" / "ci.md").read_text(encoding="utf-8")
    assert '--8<-- ".github/workflows/grade.yml"' in page
    assert '--8<-- "docs/examples/ci/gitlab-ci.yml"' in page


# --- running the grading steps -----------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """$GITHUB_WORKSPACE: the learner's clone (lessons/ as far as lesson 01, two exercises solved,
    a tampered check file, a hostile conftest.py) and the grader 'installed' in grader-venv/bin."""
    ws = tmp_path / "ws"
    learner = ws / "learner"
    shutil.copytree(
        COURSE_ROOT / "lessons" / "01_numpy",
        learner / "lessons" / "01_numpy",
        ignore=shutil.ignore_patterns("__pycache__", "*.bak"),
    )  # one lesson keeps it quick
    for ex_id in SOLVED:
        ex = COURSE.exercise(ex_id)
        shutil.copyfile(stubs.solution_path(COURSE, ex), learner / "lessons" / ex.relpath)
    shutil.copyfile(COURSE_ROOT / "course.toml", learner / "course.toml")
    checks = learner / "autograder" / "checks"
    (checks / "01_numpy").mkdir(parents=True)
    (checks / "01_numpy" / "ex01_standardize.py").write_text("# every check deleted\n")
    (learner / "autograder" / "__init__.py").write_text(
        "raise SystemExit('the learner\\'s grader was imported')\n"
    )
    (learner / "lessons" / "conftest.py").write_text(
        (COURSE_ROOT / "tests/hostile/target_force_pass.py").read_text()
    )
    bin_dir = ws / "grader-venv" / "bin"
    bin_dir.mkdir(parents=True)
    shim = bin_dir / "mlgrade"  # what `pip install -e "$COURSE_DIR"` puts there
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -P -m autograder "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    (ws / "course").mkdir()
    return ws


EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expr: str, context: dict) -> str:
    """The few GitHub expressions the workflow uses: contexts, and `a || 'default'`."""
    if m := re.fullmatch(r"vars\.(\w+) \|\| '([^']*)'", expr):
        return context["vars"].get(m[1]) or m[2]
    if expr == "github.workspace":
        return str(context["workspace"])
    if m := re.fullmatch(r"env\.(\w+)", expr):
        return context["env"][m[1]]
    if m := re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+)", expr):
        return context["outputs"].get(m[1], {}).get(m[2], "")
    raise AssertionError(
        f"the test does not know the expression ${{{{ {expr} }}}}: teach evaluate()"
    )


def substitute(value: str, context: dict) -> str:
    return EXPRESSION.sub(lambda m: evaluate(m[1], context), str(value))


def run_workflow(ws: Path, tmp_path: Path, variables: dict[str, str]) -> dict:
    """Run the workflow's steps after the install, in order, with the runner's semantics for
    `if:` (a failed step skips the rest, except always()). Returns outcomes and the summary."""
    wf = load(WORKFLOW)
    context = {"vars": variables, "workspace": ws, "env": {}, "outputs": {}}
    for name, value in wf["env"].items():
        context["env"][name] = substitute(value, context)
    summary = tmp_path / "step_summary.md"
    summary.write_text("")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GITHUB_"))}
    path = (
        f"{context['env']['GRADER_VENV']}/bin{os.pathsep}{base['PATH']}"  # as $GITHUB_PATH adds it
    )
    outcomes: dict[str, str] = {}
    failed = False
    steps = steps_of(wf)
    start = next(i for i, s in enumerate(steps) if s.get("id") == "install") + 1
    for index, s in enumerate(steps[start:], start=start):
        sid = s.get("id", f"step{index}")
        condition = s.get("if", "success()")
        if condition not in ("always()", "success()"):
            raise AssertionError(f"unknown if: {condition}")
        if failed and condition != "always()":
            outcomes[sid] = "skipped"
            continue
        if "uses" in s:
            outcomes[sid] = "not run here"
            continue
        output = tmp_path / f"output_{sid}"
        output.write_text("")
        env = {
            **base,
            **context["env"],
            "PATH": path,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_WORKSPACE": str(ws),
        }
        env.update({k: substitute(v, context) for k, v in s.get("env", {}).items()})
        script = tmp_path / f"{sid}.sh"
        script.write_text(s["run"])
        proc = subprocess.run(
            [*GITHUB_SHELL, str(script)],
            cwd=ws,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        outcomes[sid] = "success" if proc.returncode == 0 else "failure"
        outcomes[f"{sid}.log"] = proc.stdout + proc.stderr
        failed = failed or proc.returncode != 0
        context["outputs"][sid] = dict(
            line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
        )
    return {
        "outcomes": outcomes,
        "summary": summary.read_text(),
        "reports": Path(context["env"]["REPORT_DIR"]),
        "outputs": context["outputs"],
    }


def assert_reports(reports: Path) -> None:
    report = json.loads((reports / "grade.json").read_text())
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text()))
    assert report["score"] == pytest.approx(SOLVED_PCT / 100 * report["max_score"])
    assert ET.parse(reports / "junit.xml").getroot().tag == "testsuites"
    assert (reports / "summary.md").read_text().startswith("## mlgrade: ")


def test_workflow_grading_steps_fail_below_min_score(workspace, tmp_path):
    run = run_workflow(workspace, tmp_path, {"MIN_SCORE": f"{SOLVED_PCT + 10:g}"})
    out = run["outcomes"]
    assert (out["verify"], out["grade"], out["summary"], out["threshold"]) == (
        "success",
        "success",
        "success",
        "failure",
    ), out
    assert run["outputs"]["grade"]["status"] == "1"
    assert run["outputs"]["verify"]["verify"] == "differs"
    assert_reports(run["reports"])
    summary = run["summary"]
    solved = sum(COURSE.exercise(e).points for e in SOLVED)
    total = sum(e.points for e in COURSE.exercises)
    assert summary.splitlines()[0] == f"## mlgrade: {solved:g}/{total:g} ({SOLVED_PCT:.0f} %)"
    assert "### 01_numpy" in summary
    assert "<details><summary>mlgrade verify" in summary
    assert re.search(r"modified\s+autograder/checks/01_numpy/ex01_standardize\.py", summary)
    assert re.search(r"suspicious\s+lessons/conftest\.py", summary)
    assert f"below the required {SOLVED_PCT + 10:g} %" in out["threshold.log"]


def test_workflow_grading_steps_pass_at_or_above_min_score(workspace, tmp_path):
    run = run_workflow(workspace, tmp_path, {"MIN_SCORE": f"{SOLVED_PCT - 10:g}"})
    out = run["outcomes"]
    assert (out["verify"], out["grade"], out["summary"], out["threshold"]) == (
        "success",
        "success",
        "success",
        "success",
    ), out
    assert run["outputs"]["grade"]["status"] == "0"
    assert_reports(run["reports"])


def test_workflow_summary_says_when_grading_could_not_run(workspace, tmp_path):
    shutil.rmtree(workspace / "learner")  # nothing to grade: mlgrade exits 2
    run = run_workflow(workspace, tmp_path, {})
    out = run["outcomes"]
    assert (
        out["grade"] == "failure" and out["summary"] == "success" and out["threshold"] == "skipped"
    )
    assert run["summary"].startswith("## mlgrade: grading did not complete")


def run_gitlab(ws: Path, min_score: float, last_lines: int = 0) -> subprocess.CompletedProcess:
    """The GitLab job's `script:` lines (or its last few), as the runner runs them (bash, -e,
    pipefail), after a simulated before_script (the grader on PATH)."""
    ci = load(GITLAB)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update({"CI_PROJECT_DIR": str(ws / "learner"), "MIN_SCORE": f"{min_score:g}"})
    for name, value in ci["variables"].items():
        if name != "MIN_SCORE":
            env[name] = re.sub(r"\$(\w+)", lambda m: env[m[1]], value)
    env["PATH"] = f"{ws / 'grader-venv' / 'bin'}{os.pathsep}{env['PATH']}"
    lines = ci["grade"]["script"][-last_lines:] if last_lines else ci["grade"]["script"]
    script = "\n".join(["set -eo pipefail", 'mkdir -p "$REPORT_DIR"', *lines])
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        cwd=ws / "learner",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_gitlab_script_fails_below_and_passes_above_the_threshold(workspace):
    reports = workspace / "learner" / "mlgrade-reports"
    failed = run_gitlab(workspace, SOLVED_PCT + 10)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f"below the required {SOLVED_PCT + 10:g} %" in failed.stderr
    assert_reports(reports)  # every report is written before the job fails
    assert (
        "## mlgrade: " in failed.stdout
        and "autograder/checks/01_numpy/ex01_standardize.py" in failed.stdout
    )
    passed = run_gitlab(workspace, SOLVED_PCT - 10, last_lines=1)  # the threshold line alone
    assert passed.returncode == 0, passed.stdout + passed.stderr
