"""What the docs show of `mlgrade` is what `mlgrade` does.

1. Every `mlgrade ...` command form in docs/**/*.md and README.md is accepted: the parser takes it
   and its lesson or exercise names something (a form that would exit 2, a usage error, fails).
   Forms come from inline code (`mlgrade check 01`), from shell lines in code blocks (`$ mlgrade`,
   `... && mlgrade`), and from the next-step lines of terminal outputs. Placeholders (`DIR`,
   `$MIN_SCORE`, `…`) are filled in; `[a | b]` and `json|junit` are expanded into each form. An
   inline mention that only names a command or an option (`mlgrade grade`, `mlgrade grade
   --fail-under`) may leave out its arguments; a code block's command may not.
2. Every terminal output in the pages `docs/scripts/terminal_outputs.py` renders is what the grader
   prints now (durations and time stamps aside).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import re
import shlex
from pathlib import Path

import pytest

from autograder import learner
from autograder.cli import build_parser
from autograder.errors import UsageError
from autograder.manifest import COURSE_ROOT, SelectorError, load_course

COURSE = load_course()
DOC_FILES = sorted((COURSE_ROOT / "docs").rglob("*.md")) + [COURSE_ROOT / "README.md"]
PLACEHOLDER = "<placeholder>"
NUMERIC_OPTIONS = {"--fail-under", "--time-limit", "--check-time-limit", "--jobs"}
SHELL_STOPS = {">", ">>", "|", "||", "&&", ";", "&", "2>&1", ")", "do", "done"}

INLINE = re.compile(r"`(mlgrade\b[^`]*)`")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
SHELL_LINE = re.compile(r"(?:^\s*(?:\$\s+)?|&&\s*|;\s*)(mlgrade\b.*)$")
OUTPUT_FORM = re.compile(r"\bmlgrade(?: [^\s`·]+)*")


def _forms_of(path: Path) -> list[tuple[str, str, bool]]:
    """(form, where, strict) for every command form shown in `path`."""
    found = []
    where = path.relative_to(COURSE_ROOT).as_posix() if COURSE_ROOT in path.parents else str(path)
    fence = None
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        opened = FENCE.match(line)
        if opened and (fence is None or opened[1][0] == fence[0]):
            fence = opened[1] if fence is None else None
            continue
        loc = f"{where}:{lineno}"
        if fence is None:
            if line.lstrip().startswith("#"):
                continue  # a heading names a command (`## Maintainers: mlgrade dev`)
            found += [(m[1].replace("\\|", "|"), loc, False) for m in INLINE.finditer(line)]
            continue
        shell = SHELL_LINE.search(line)
        if shell and not line.lstrip().startswith(("#", "//")):
            found.append((shell[1], loc, True))
            continue
        found += [(m[1], loc, True) for m in INLINE.finditer(line)]
        rest = INLINE.sub("", line)
        found += [(m[0], loc, True) for m in OUTPUT_FORM.finditer(rest)]
    return found


def _expand(form: str) -> list[list[str]]:
    """The argv lists a written form stands for: alternatives expanded, placeholders filled in."""
    bracket = re.search(r"\[([^\]]+)\]", form)  # optional: [01] or [01 | ex01_standardize]
    if bracket:
        options = ["", *(alt.strip() for alt in bracket[1].split("|"))]
        return [
            argv
            for alt in options
            for argv in _expand(form[: bracket.start()] + alt + form[bracket.end() :])
        ]
    try:
        tokens = shlex.split(form, comments=True)
    except ValueError:
        tokens = form.split()
    argv: list[str] = []
    for token in tokens[1:]:
        if token in SHELL_STOPS or token.startswith((">", "2>")):
            break
        token = token.rstrip(";")
        if token == "…":
            continue
        if "$" in token or re.fullmatch(r"[A-Z][A-Z_]*", token):
            if argv and argv[-1] in NUMERIC_OPTIONS:
                token = "1"
            elif token == "NN":
                token = "01"
            else:
                token = PLACEHOLDER
        argv.append(token)
    variants = [[]]
    for token in argv:
        alts = token.split("|") if "|" in token and not token.startswith("|") else [token]
        variants = [v + [alt] for v in variants for alt in alts]
    return variants


class _ParseError(Exception):
    pass


def _raise(self: argparse.ArgumentParser, message: str):
    raise _ParseError(message)


def problem(argv: list[str], strict: bool) -> str | None:
    """Why `mlgrade <argv>` would be a usage error (exit 2), or None when it is accepted."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(argparse.ArgumentParser, "error", _raise)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help
            return None if exc.code == 0 else f"exit {exc.code}"
        except _ParseError as exc:
            message = str(exc)
            if not strict and (
                message.startswith("the following arguments are required")
                or (message.endswith("expected one argument") and argv[-1].startswith("--"))
            ):
                return None  # a mention of a command or an option, not an invocation
            return message
    for name in ("selector", "exercise"):
        value = getattr(args, name, None)
        if value is None or value == PLACEHOLDER:
            continue
        try:
            if name == "selector":
                COURSE.select(value)
            else:
                learner._one_exercise(COURSE, value)
        except (SelectorError, UsageError) as exc:
            return str(exc)
    return None


def all_forms() -> dict[str, list[tuple[list[str], str, bool]]]:
    forms: dict[str, list[tuple[list[str], str, bool]]] = {}
    for path in DOC_FILES:
        for form, where, strict in _forms_of(path):
            for argv in _expand(form):
                shown = " ".join(["mlgrade", *argv])
                forms.setdefault(shown, []).append((argv, where, strict))
    return forms


FORMS = all_forms()


def test_the_docs_show_many_forms():
    assert len(FORMS) >= 40, sorted(FORMS)
    for expected in (
        "mlgrade",
        "mlgrade check ex01_standardize",
        "mlgrade check lessons/01_numpy/ex01_standardize.py",
        "mlgrade compare ex01_standardize",
        "mlgrade batch <placeholder> --jobs 2 --output grades.csv",
    ):
        assert expected in FORMS, f"{expected!r} not found among {sorted(FORMS)}"


@pytest.mark.parametrize("shown", sorted(FORMS))
def test_every_command_form_in_the_docs_is_accepted(shown):
    for argv, where, strict in FORMS[shown]:
        why = problem(argv, strict)
        assert why is None, f"{where}: `{shown}` is a usage error: {why}"


@pytest.mark.parametrize(
    "form, accepted",
    [
        ("mlgrade check ex01", False),  # every lesson has an ex01
        ("mlgrade check lessons/01_numpy/ex01_standardize.py", True),
        ("mlgrade check 01_numpy/ex01_standardize", True),
        ("mlgrade check --format yaml", False),
        ("mlgrade hint 01", False),  # a lesson, not one exercise
        ("mlgrade hint", True),
        ("mlgrade grade --fail-under", True),  # inline: a mention of the option
    ],
)
def test_the_form_checker_itself(form, accepted):
    (argv,) = _expand(form)
    assert (problem(argv, strict=False) is None) == accepted


def test_forms_are_found_in_code_blocks_and_outputs(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "Run `mlgrade check 01`.\n\n```bash\npython -m venv .venv && mlgrade\n"
        "mlgrade grade alice/ --format markdown   # to stdout\n```\n\n```text\n$ mlgrade list\n"
        "  check  mlgrade check ex02_pairwise  ·  stuck? mlgrade hint ex02_pairwise\n```\n"
    )
    forms = [form for form, _, _ in _forms_of(page)]
    assert forms == [
        "mlgrade check 01",
        "mlgrade",
        "mlgrade grade alice/ --format markdown   # to stdout",
        "mlgrade list",
        "mlgrade check ex02_pairwise",
        "mlgrade hint ex02_pairwise",
    ]


# --- generated terminal outputs --------------------------------------------------------------


def _script():
    path = COURSE_ROOT / "docs" / "scripts" / "terminal_outputs.py"
    spec = importlib.util.spec_from_file_location("terminal_outputs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _script()


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return SCRIPT.outputs()


@pytest.mark.parametrize("page", SCRIPT.PAGES, ids=lambda p: p.name)
def test_terminal_outputs_in_the_docs_are_what_the_grader_prints(page, generated):
    text = page.read_text(encoding="utf-8")
    assert SCRIPT.blocks_of(text), f"{page.name} shows no generated terminal output"
    _, stale = SCRIPT.update(text, generated)
    assert not stale, (
        f"{page.relative_to(COURSE_ROOT)}: these outputs are not what mlgrade prints now: "
        f"{', '.join(stale)}. Run `python docs/scripts/terminal_outputs.py` to regenerate them."
    )


def test_the_progress_table_in_getting_started_lists_every_lesson(generated):
    page = (COURSE_ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    start, end = SCRIPT.blocks_of(page)["status-fresh"]
    table = page[start:end]
    for lesson in COURSE.lessons:
        assert f"{lesson.number} {lesson.title}" in table, lesson.id
    assert "Total" in table


def test_outputs_show_the_learners_paths_and_no_temporary_folder(generated):
    for name, text in generated.items():
        assert "/tmp/" not in text and "mlgrade-docs-" not in text, name
    assert "Start: lessons/01_numpy/ex01_standardize.py" in generated["status-fresh"]
    assert "http://127.0.0.1:8000/lessons/01-numpy/#ex01-standardize" in generated["status-fresh"]
    assert "Next: lessons/01_numpy/ex02_pairwise.py" in generated["watch-pass"]
