"""Checks for capstone/ci (see solutions/capstone/.github/workflows/ci.yml for the reference).

The capstone's workflow follows lesson 14 ex03's rules, and is read and simulated exactly as
lesson 14's checks do it: this module calls that exercise's rule functions
(autograder/checks/14_cicd/ex03_workflow.py: GitHub's schema, triggers, what runs on main, on a
branch and on a pull request, the order of the stages, the gate that nothing swallows,
permissions, pinned actions, concurrency, pip's cache, secrets), with the capstone's commands
(`COMMANDS`: `ruff check`, `mlgrade check capstone`, `python -m fraudsys.cli train | evaluate |
gate`, `docker build`, `docker push`) in place of lesson 14's.
"""

from __future__ import annotations

import importlib
import re

from autograder.assertions import fail

_lesson = importlib.import_module("autograder.checks.14_cicd.ex03_workflow")

FILE = "capstone/.github/workflows/ci.yml"
_PY = r"(?:\S*/)?python(?:3(?:\.\d+)?)?"
_CLI = rf"{_PY}\s+-m\s+fraudsys\.cli\s+"
COMMANDS = _lesson.Commands(
    patterns={
        "lint": _lesson._PATTERNS["lint"],
        # The unit tests: the capstone's checks (`args`: the folder, read as tests_dir).
        "tests": re.compile(r"(?<![\w-])mlgrade\s+check(?P<args>[^\n;&|]*)"),
        "train": re.compile(rf"{_CLI}train\b"),
        "model_tests": re.compile(rf"{_CLI}evaluate\b"),
        "gate": re.compile(rf"{_CLI}gate\b"),
        "build": _lesson._PATTERNS["build"],
        "publish": _lesson._PATTERNS["publish"],
    },
    labels={
        "lint": "lint (`ruff check`)",
        "tests": "the unit tests (`mlgrade check capstone`)",
        "train": "training (`python -m fraudsys.cli train`)",
        "model_tests": "the model tests (`python -m fraudsys.cli evaluate`)",
        "gate": "the release gate (`python -m fraudsys.cli gate`)",
        "build": "the image build (`docker build` or docker/build-push-action)",
        "publish": "the publish (`docker push` or docker/build-push-action with push: true)",
    },
    tests_dir="capstone",
)
_report = _lesson._report


def _workflow(text: str) -> dict:
    workflow = _lesson.load_workflow(text, FILE)
    if not _lesson.jobs_of(workflow):
        fail(f"{FILE} defines no job under `jobs`")
    return workflow


def _unique(problems: list[str]) -> list[str]:
    return list(dict.fromkeys(problems))


class TestWorkflow:
    def test_valid_against_github_workflow_schema(self, submission_text):
        workflow = _workflow(submission_text)
        _report(
            _lesson.schema_problems(workflow) + _lesson.structure_problems(workflow),
            "GitHub refuses such a workflow (it shows an error instead of running it)",
        )

    def test_lint_and_tests_on_every_push_and_pull_request(self, submission_text):
        workflow = _workflow(submission_text)
        problems = _lesson.trigger_problems(workflow) + _lesson.when_problems(
            workflow, _lesson.EVERY_PUSH, commands=COMMANDS
        )
        _report(_unique(problems), "CI that skips some changes lets them break main")

    def test_ml_stages_on_main_only(self, submission_text):
        workflow = _workflow(submission_text)
        problems = _lesson.when_problems(workflow, _lesson.MAIN_ONLY, commands=COMMANDS)
        _report(_unique(problems), "Main is what ships; other branches only check")

    def test_model_used_after_training(self, submission_text):
        _report(_lesson.order_problems(_workflow(submission_text), commands=COMMANDS), "")

    def test_publish_only_when_the_gate_passes(self, submission_text):
        _report(_lesson.gate_problems(_workflow(submission_text), commands=COMMANDS), "")

    def test_least_privilege_permissions(self, submission_text):
        _report(_lesson.permission_problems(_workflow(submission_text), commands=COMMANDS), "")

    def test_actions_pinned_to_a_commit_sha(self, submission_text):
        _report(_lesson.pin_problems(_workflow(submission_text)), "")

    def test_concurrency(self, submission_text):
        _report(_lesson.concurrency_problems(_workflow(submission_text)), "")

    def test_pip_cached(self, submission_text):
        _report(_lesson.cache_problems(_workflow(submission_text)), "")

    def test_no_secret_printed(self, submission_text):
        _report(_lesson.secret_problems(_workflow(submission_text)), "")
