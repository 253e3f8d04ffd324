"""mkdocs hook: render exercises, hints and `mlgrade` help from their sources, never from copies.

Markers, each alone on a line of a docs page (indent one to put it inside an admonition or a tab):

    <!-- mlgrade:exercise 01_numpy/ex01_standardize -->  a box: points, file, the command to check
    <!-- mlgrade:hints 01_numpy/ex01_standardize -->     the hints of course.toml, one collapsed
                                                          `??? tip "Hint N"` admonition each
    <!-- mlgrade:help check -->                           `mlgrade check --help`, from the parser
    <!-- mlgrade:help -->                                 `mlgrade --help`
    <!-- mlgrade:limits -->                               the grading limits of course.toml, a table

course.toml is read with `autograder.manifest.load_course`, so a hint edited there shows on the site
at the next build. An unknown exercise id, an unknown command or a misspelt marker raises
`PluginError`, which fails the build (`mkdocs build --strict` in the tests). Markers inside fenced
code blocks are left alone, so a page can show the syntax.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

from mkdocs.exceptions import PluginError

from autograder.manifest import MANIFEST_PATH, Course, Exercise, ManifestError, load_course

MARKER = re.compile(
    r"^(?P<indent>[ \t]*)<!--\s*mlgrade:(?P<kind>[\w-]+)(?:[ \t]+(?P<arg>[^>]*?))?\s*-->[ \t]*$"
)
FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
HELP_COLUMNS = 78  # the width `--help` is rendered at: fits the page's code blocks unscrolled

_course: Course | None = None


# --- rendering ---------------------------------------------------------------------------------


def escape_markdown(text: str) -> str:
    """Plain text that Markdown shows exactly as written: `(A ** 2)` must not turn bold."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_{}\[\]#!])", r"\\\1", text)


def _quoted_title(text: str) -> str:
    return '"' + escape_markdown(text).replace('"', "&quot;") + '"'


def _points(points: float) -> str:
    return f"{points:g} point{'' if points == 1 else 's'}"


def render_exercise(ex: Exercise) -> list[str]:
    """The exercise box: its id, points, the learner's file and the command that grades it."""
    return [
        f"!!! example {_quoted_title(f'{ex.stem} · {_points(ex.points)}')}",
        "",
        f"    Your file: `lessons/{ex.relpath.as_posix()}`. Each check may take up to "
        f"{ex.time_limit:g} s. Grade it with:",
        "",
        "    ```bash",
        f"    mlgrade check {ex.stem}",
        "    ```",
        "",
        f"    Stuck? `mlgrade hint {ex.stem}` prints the next hint, or open them below.",
    ]


def render_hints(ex: Exercise) -> list[str]:
    """One collapsed tip per hint, gentlest first: the same hints `mlgrade hint` prints."""
    lines: list[str] = []
    for number, hint in enumerate(ex.hints, start=1):
        lines += [f'??? tip "Hint {number}"', "", f"    {escape_markdown(hint)}", ""]
    return lines[:-1]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """A parser's subcommands by name (empty for a command without any)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_help(command: str) -> str:
    """`mlgrade <command> --help` as the parser prints it (`command` may be '' or 'dev sync')."""
    from autograder.cli import build_parser

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(HELP_COLUMNS)  # argparse wraps to the terminal's width
    try:
        parser = build_parser()
        for name in command.split():
            sub = subcommands(parser).get(name)
            if sub is None:
                raise PluginError(f"mlgrade has no command '{command}' (see `mlgrade --help`)")
            parser = sub
        return parser.format_help()
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def render_help(command: str) -> list[str]:
    invocation = " ".join(["mlgrade", *command.split(), "--help"])
    return ["```text", f"$ {invocation}", *cli_help(command).rstrip().splitlines(), "```"]


def render_limits(course: Course) -> list[str]:
    """The per-check limits of course.toml as a table, with any exercise that sets its own time."""
    own = [
        f"`{ex.stem}`: {ex.time_limit:g} s"
        for ex in course.exercises
        if ex.time_limit != course.time_limit
    ]
    return [
        "| limit, per check | set in course.toml by | value |",
        "|---|---|---|",
        f"| wall-clock time | `time_limit` in `[course]`, or an exercise's own `time_limit` | "
        f"{course.time_limit:g} s{' (' + ', '.join(own) + ')' if own else ''} |",
        f"| memory the check may add | `memory_limit_mb` in `[course]` | {course.memory_limit_mb:,} MB |",
        f"| printed output kept | `output_limit_kb` in `[course]` | {course.output_limit_kb:,} KB |",
    ]


def _exercise(course: Course, exercise_id: str, where: str) -> Exercise:
    for ex in course.exercises:
        if ex.id == exercise_id:
            return ex
    known = ", ".join(ex.id for ex in course.exercises)
    raise PluginError(f"{where}: no exercise '{exercise_id}' in course.toml (known: {known})")


def render_markers(markdown: str, course: Course, where: str = "<page>") -> str:
    """Replace every marker line in `markdown`; raise `PluginError` on anything unknown."""
    out: list[str] = []
    fence: str | None = None
    for lineno, line in enumerate(markdown.splitlines(), start=1):
        opened = FENCE.match(line)
        if fence is not None:
            if opened and opened["fence"][0] == fence[0] and len(opened["fence"]) >= len(fence):
                fence = None
            out.append(line)
            continue
        if opened:
            fence = opened["fence"]
            out.append(line)
            continue
        if "mlgrade:" not in line or "<!--" not in line:
            out.append(line)
            continue
        marker = MARKER.match(line)
        here = f"{where}:{lineno}"
        if marker is None:
            raise PluginError(
                f"{here}: malformed marker {line.strip()!r}: it must be alone on its "
                "line, like <!-- mlgrade:hints 01_numpy/ex01_standardize -->"
            )
        kind, arg = marker["kind"], (marker["arg"] or "").strip()
        if kind in ("exercise", "hints"):
            if not arg:
                raise PluginError(f"{here}: mlgrade:{kind} needs an exercise id")
            ex = _exercise(course, arg, here)
            rendered = render_exercise(ex) if kind == "exercise" else render_hints(ex)
        elif kind == "help":
            rendered = render_help(arg)
        elif kind == "limits" and not arg:
            rendered = render_limits(course)
        else:
            raise PluginError(
                f"{here}: unknown marker 'mlgrade:{kind}{' ' + arg if arg else ''}' "
                "(known: exercise ID, hints ID, help [COMMAND], limits)"
            )
        out += [f"{marker['indent']}{r}" if r else "" for r in rendered]
    return "\n".join(out) + ("\n" if markdown.endswith("\n") else "")


# --- mkdocs events -----------------------------------------------------------------------------


def _load() -> Course:
    try:
        return load_course()
    except ManifestError as exc:
        raise PluginError(f"course.toml: {exc}") from None


def on_pre_build(config: Any, **kwargs: Any) -> None:
    global _course
    _course = _load()  # once per build, so `mkdocs serve` picks up an edited course.toml


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any, **kwargs: Any) -> str:
    course = _course or _load()
    return render_markers(markdown, course, where=f"docs/{page.file.src_uri}")


def on_serve(server: Any, config: Any, builder: Any, **kwargs: Any) -> Any:
    server.watch(str(MANIFEST_PATH))
    return server
