"""mkdocs hook: render exercises, hints and `mlgrade` help from their sources, never from copies.

Markers, each alone on a line of a docs page (indent one to put it inside an admonition or a tab):

    <!-- mlgrade:exercise 01_numpy/ex01_standardize -->  a box: points, file, the command to check
    <!-- mlgrade:hints 01_numpy/ex01_standardize -->     the hints of course.toml, one collapsed
                                                          `??? tip "Hint N"` admonition each
    <!-- mlgrade:help check -->                           `mlgrade check --help`, from the parser
    <!-- mlgrade:help -->                                 `mlgrade --help`
    <!-- mlgrade:limits -->                               the grading limits of course.toml, a table
    <!-- mlgrade:learning-path -->                        every step of the course, a diagram and a
                                                          table: lessons of course.toml with their
                                                          link, exercises and points; the steps of
                                                          `extra.learning_path` in mkdocs.yml that
                                                          course.toml does not have yet as planned

course.toml is read with `autograder.manifest.load_course`, so a hint edited there shows on the site
at the next build. An unknown exercise id, an unknown command or a misspelt marker raises
`PluginError`, which fails the build (`mkdocs build --strict` in the tests). Markers inside fenced
code blocks are left alone, so a page can show the syntax.

Outside code, symbols that need an emoji font (`⏱`, an empty box without one) become the
theme's inline SVG icons (`:material-timer-outline:`, pymdownx.emoji), so they show everywhere.
"""

from __future__ import annotations

import argparse
import os
import posixpath
import re
from typing import Any

from mkdocs.exceptions import PluginError

from autograder.manifest import MANIFEST_PATH, Course, Exercise, Lesson, ManifestError, load_course

MARKER = re.compile(
    r"^(?P<indent>[ \t]*)<!--\s*mlgrade:(?P<kind>[\w-]+)(?:[ \t]+(?P<arg>[^>]*?))?\s*-->[ \t]*$"
)
FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
HELP_COLUMNS = 78  # the width `--help` is rendered at: fits the page's code blocks unscrolled
INLINE_CODE = re.compile(r"(`+).+?\1")
# Symbols that show as an empty box without an emoji font, and the icon shortcode drawn instead.
ICONS = {"\u23f1\ufe0f": ":material-timer-outline:", "\u23f1": ":material-timer-outline:"}

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
        f"    Stuck? `mlgrade hint {ex.stem}` prints the next hint, or open them below. Each "
        "concept linked above has a worked example to run and change.",
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


# --- the learning path ------------------------------------------------------------------------

PathStep = dict[str, str]  # lesson (number or "capstone"), title, learn, stage; from mkdocs.yml


def learning_path_steps(
    course: Course, path: Any, where: str
) -> list[tuple[PathStep, Lesson | None]]:
    """Every step of `extra.learning_path` in order, with its lesson of course.toml (None: planned).

    A course.toml lesson with no step, a step listed twice, or a planned step without a title raises
    `PluginError`: the path must never show a published lesson as planned, nor drop one.
    """
    if not isinstance(path, list) or not path:
        raise PluginError(
            f"{where}: mlgrade:learning-path needs `extra.learning_path` in mkdocs.yml: a list of "
            "stages, each `{stage: NAME, steps: [{lesson: NN, learn: TEXT, title: TEXT}, ...]}`"
        )
    lessons = {lesson.number: lesson for lesson in course.lessons}
    steps: list[tuple[PathStep, Lesson | None]] = []
    for stage in path:
        if not isinstance(stage, dict) or not stage.get("stage") or not stage.get("steps"):
            raise PluginError(
                f"mkdocs.yml extra.learning_path: a stage needs `stage` and `steps`: {stage!r}"
            )
        for step in stage["steps"]:
            raw = step.get("lesson", "") if isinstance(step, dict) else ""
            key = f"{raw:02d}" if isinstance(raw, int) else str(raw)  # YAML reads `04` as 4
            if not key or not step.get("learn"):
                raise PluginError(
                    f"mkdocs.yml extra.learning_path: a step needs `lesson` and `learn`: {step!r}"
                )
            if any(seen["lesson"] == key for seen, _ in steps):
                raise PluginError(f"mkdocs.yml extra.learning_path: lesson {key} is listed twice")
            lesson = lessons.get(key)
            if lesson is None and not step.get("title"):
                raise PluginError(
                    f"mkdocs.yml extra.learning_path: lesson {key} is not in course.toml yet, "
                    "so its step needs a `title`"
                )
            steps.append(({**step, "lesson": key, "stage": str(stage["stage"])}, lesson))
    missing = [
        lesson.id
        for lesson in course.lessons
        if lesson.number not in {s["lesson"] for s, _ in steps}
    ]
    if missing:
        raise PluginError(
            f"course.toml lessons {', '.join(missing)} have no step in mkdocs.yml "
            "extra.learning_path: add one (`lesson`: its number, `learn`: what it teaches)"
        )
    return steps


def _step_name(step: PathStep, lesson: Lesson | None) -> str:
    title = lesson.title if lesson else step["title"]
    return title if step["lesson"] == "capstone" else f"{step['lesson']} {title}"


def render_learning_path(course: Course, path: Any, page_uri: str, where: str) -> list[str]:
    """The course's steps in order: a summary, a diagram by stage and a table with the links."""
    steps = learning_path_steps(course, path, where)
    here = posixpath.dirname(page_uri)
    n_exercises = sum(len(lesson.exercises) for lesson in course.lessons)
    points = sum(lesson.points for lesson in course.lessons)
    lines = [
        f"Published so far: {len(course.lessons)} lesson{'' if len(course.lessons) == 1 else 's'}, "
        f"{n_exercises} exercises, {_points(points)}. Boxes with a solid border are lessons "
        "you can take now; dashed ones are planned.",
        "",
        "```mermaid",
        '%%{init: {"flowchart": {"nodeSpacing": 18, "rankSpacing": 28, "wrappingWidth": 140}}}%%',
        "flowchart LR",
    ]
    node = {step["lesson"]: f"step_{step['lesson']}" for step, _ in steps}
    stages = list(dict.fromkeys(step["stage"] for step, _ in steps))
    for number, stage in enumerate(stages, 1):
        members = [(s, lesson) for s, lesson in steps if s["stage"] == stage]
        chain = " --> ".join(
            f'{node[s["lesson"]]}["{_mermaid_text(_step_name(s, lesson))}"]'
            for s, lesson in members
        )
        lines += [
            f'    subgraph stage_{number} ["{_mermaid_text(stage)}"]',
            "        direction TB",
            f"        {chain}",
            "    end",
        ]
    # Stages link to stages, not a box to a box: mermaid lays out a subgraph with an edge to an
    # outside node in the parent's direction, and the path would become one long, tiny row.
    lines += [f"    stage_{n} --> stage_{n + 1}" for n in range(1, len(stages))]
    ready = [node[s["lesson"]] for s, lesson in steps if lesson]
    planned = [node[s["lesson"]] for s, lesson in steps if not lesson]
    lines += [
        "    classDef ready stroke:#3f51b5,stroke-width:3px",
        "    classDef planned stroke-dasharray:5 4",
        *([f"    class {','.join(ready)} ready"] if ready else []),
        *([f"    class {','.join(planned)} planned"] if planned else []),
        "```",
        "",
        "| Step | What you learn | Exercises | Points |",
        "|---|---|---|---|",
    ]
    for step, lesson in steps:
        learn = escape_markdown(step["learn"]).replace("|", "\\|")
        if lesson is None:
            lines.append(f"| {escape_markdown(_step_name(step, None))} | {learn} | planned | |")
            continue
        link = posixpath.relpath(lesson.docs, here or ".")
        lines.append(
            f"| [{escape_markdown(_step_name(step, lesson))}]({link}) | {learn} | "
            f"{len(lesson.exercises)} | {lesson.points:g} |"
        )
    return lines


def _mermaid_text(text: str) -> str:
    """Text for a quoted mermaid label: `"` would end the label; #quot; is mermaid's escape."""
    return text.replace('"', "#quot;")


def replace_icons(line: str) -> str:
    """`line` with each symbol of ICONS outside inline code turned into its icon shortcode."""
    out, last = [], 0
    for code in INLINE_CODE.finditer(line):
        out += [_icons(line[last : code.start()]), code.group(0)]
        last = code.end()
    return "".join([*out, _icons(line[last:])])


def _icons(text: str) -> str:
    for symbol, icon in ICONS.items():
        text = text.replace(symbol, icon)
    return text


def _exercise(course: Course, exercise_id: str, where: str) -> Exercise:
    for ex in course.exercises:
        if ex.id == exercise_id:
            return ex
    known = ", ".join(ex.id for ex in course.exercises)
    raise PluginError(f"{where}: no exercise '{exercise_id}' in course.toml (known: {known})")


def render_markers(
    markdown: str,
    course: Course,
    where: str = "<page>",
    *,
    page_uri: str = "index.md",
    learning_path: Any = None,
) -> str:
    """Replace every marker line in `markdown`; raise `PluginError` on anything unknown.

    `page_uri` is the page's path under docs/ (links are made relative to it); `learning_path` is
    mkdocs.yml's `extra.learning_path`, needed only by the learning-path marker.
    """
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
            out.append(replace_icons(line))
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
        elif kind == "learning-path" and not arg:
            rendered = render_learning_path(course, learning_path, page_uri, here)
        else:
            raise PluginError(
                f"{here}: unknown marker 'mlgrade:{kind}{' ' + arg if arg else ''}' "
                "(known: exercise ID, hints ID, help [COMMAND], limits, learning-path)"
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
    return render_markers(
        markdown,
        course,
        where=f"docs/{page.file.src_uri}",
        page_uri=page.file.src_uri,
        learning_path=config.extra.get("learning_path"),
    )


def on_serve(server: Any, config: Any, builder: Any, **kwargs: Any) -> Any:
    server.watch(str(MANIFEST_PATH))
    return server
