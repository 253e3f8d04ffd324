"""The docs site: worked examples run, the strict build passes, every page and anchor is where
course.toml and the nav say, the hook renders course.toml (and fails on what it does not know),
the plots are drawn, and the README's quick start is the one the site shows."""

from __future__ import annotations

import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import markdown
import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError

from autograder.cli import build_parser
from autograder.manifest import COURSE_ROOT, load_course

ROOT = COURSE_ROOT
DOCS = ROOT / "docs"
EXAMPLES = sorted((DOCS / "examples").rglob("*.py"))
COURSE = load_course()
SOURCE_DIRS = ("hooks", "examples", "scripts")  # Python sources in docs/, excluded from the site
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}

# What each worked example must print: the lines its lesson page quotes, and its point.
EXPECTED_OUTPUT = {
    "coursedata/tour.py": [
        "fraud rate 1.50% in 17 takeover episodes",
        "card country == home country: True",
        "5,100 rows, 100 ids repeated, 1,441 timestamps with an offset",
    ],
    "coursedata/fraud_baseline.py": ["| raw | 0.389 | 0.917 |", "| history | 0.879 | 0.993 |"],
    "01_numpy/broadcasting.py": [
        "column min after scaling: [0. 0. 0.]",
        "column max after scaling: [1. 1. 1.]",
        "loop and broadcast agree: True",
        "shapes (1, 2) and (3, 1) broadcast to (3, 2)",
    ],
    "01_numpy/axis_keepdims.py": [
        "shape with keepdims=True: (3, 1)",
        "each row sums to 1: True",
        "without keepdims, rows sum to: [1.65  0.675 0.9  ] (not all 1)",
        "-> rows sum to 1: True",
    ],
    "01_numpy/cosine_similarity.py": [
        "similarities shape: (4, 6)",
        "matches the double loop: True",
        "(n, m) result: 0.8 GB; an (n, m, d) intermediate: 410 GB",
    ],
    "01_numpy/logsumexp.py": [
        "z = [1000. 1001.]: naive inf, stable 1001.3133",
        "z = [-1000. -1001.]: naive -inf, stable -999.6867",
        "shift changes nothing: True",
    ],
    "01_numpy/random_generator.py": [
        "same seed, same split: True",
        "every row used once: True",
        "pairs kept (y == 10 * first column): True",
        "global stream untouched: True",
    ],
    "01_numpy/gradient_descent.py": [
        "gradient check passes: True",
        "largest stable learning rate: 2 / 3.118 = 0.641",
        "lr=0.7   loss - best after 50 steps: 8.15e+05",
    ],
    "02_pandas/clean_merchants.py": [
        "whole-row duplicates: 0",
        "repeated ids: 1",
        "errors='coerce' turns 4 of 5 volumes into NaN",
        "5 rows in, 4 merchants out",
    ],
    "02_pandas/time_zones.py": [
        "hours off without the offset: [-5.0, 1.0, 0.0, 5.5]",
        "same instants as ns or us: True",
        "tickets per UTC day: {'2025-03-01': 2, '2025-03-02': 2}",
        "tickets per Berlin day: {'2025-03-02': 4}",
    ],
    "02_pandas/joins.py": [
        "rows: payments 5 | left join 5 | inner join 4",
        "unmatched users: [9]",
        "merge kept the index: False",
        "a repeated user id: 5 payments became 7 rows",
    ],
    "02_pandas/rolling_windows.py": [
        "first login of each device, closed='right': [1, 1] (counts itself)",
        "first login of each device, closed='left': [0, 0]",
        "select-then-count index levels: ['device', 'at']",
        "12:30 login, 2-row window: 1 | 10-minute window: 0",
    ],
    "02_pandas/memory_dtypes.py": [
        "after / before: 14%",
        "float32 would change 96% of spend levels, e.g. 61.71 -> 61.709999084472656",
        "segment order: student < standard < premium",
        "categories of their own: Categoricals can only be compared",
    ],
    "03_features/random_vs_time_split.py": [
        "| random | 0.611 | 0.966 |",
        "| by time | 0.055 | 0.796 |",
    ],
    "03_features/scaler_leak.py": [
        "scaler fitted on all rows: CV ROC AUC 0.8406",
        "scaler inside the pipeline: CV ROC AUC 0.8407",
        "difference: -0.00004",
    ],
    "03_features/selection_leak.py": [
        "columns chosen on all rows, then CV: accuracy 0.95",
        "columns chosen inside each fold:     accuracy 0.49",
    ],
    "03_features/target_encoding_leak.py": [
        "in-fold mean encoding:           CV ROC AUC 0.88",
        "out-of-fold (TargetEncoder):     CV ROC AUC 0.49",
        "fit_transform equals fit().transform(): False",
    ],
    "03_features/chargeback_leak.py": [
        "days_to_chargeback present: fraud 100.0%, legitimate 0.0%",
        "notna() equals is_fraud: True",
        "| raw | 0.185 | 0.879 |",
        "| raw + days_to_chargeback | 1.000 | 1.000 |",
    ],
    "03_features/as_of_join.py": [
        "by date  rate published after the payment:  56.7%   no rate yet:  0.0%",
        "as of    rate published after the payment:   0.0%   no rate yet:  0.5%",
    ],
}


def run(*args: str | Path, timeout: float = 120, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def load_hook() -> ModuleType:
    path = DOCS / "hooks" / "course_hints.py"
    spec = importlib.util.spec_from_file_location("course_hints_under_test", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOK = load_hook()


def page_text(html_text: str) -> str:
    """The visible text of an HTML page, whitespace collapsed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html_text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def built_page(site: Path, doc: str) -> str:
    """The HTML mkdocs wrote for `docs/<doc>` (directory URLs: lessons/01-numpy.md -> lessons/01-numpy/)."""
    rel = Path(doc).with_suffix("")
    path = site / "index.html" if rel.name == "index" else site / rel / "index.html"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = run(
        sys.executable, "-m", "mkdocs", "build", "--strict", "-f", ROOT / "mkdocs.yml", "-d", out
    )
    assert result.returncode == 0, (
        f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    )
    return out


# --- worked examples ---------------------------------------------------------------------------


def test_every_example_has_expectations():
    found = {p.relative_to(DOCS / "examples").as_posix() for p in EXAMPLES}
    assert found >= set(EXPECTED_OUTPUT), (
        f"examples listed here but missing: {set(EXPECTED_OUTPUT) - found}"
    )


@pytest.mark.parametrize(
    "path", EXAMPLES, ids=lambda p: p.relative_to(DOCS / "examples").as_posix()
)
def test_example_runs_and_prints_what_the_page_says(path: Path):
    source = path.read_text(encoding="utf-8")
    assert "def main(" in source and 'if __name__ == "__main__":' in source, (
        f"{path.name}: a worked example is a script with a main() that prints its results"
    )
    result = run(sys.executable, path.relative_to(ROOT), timeout=60)
    assert result.returncode == 0, f"{path.name} failed:\n{result.stderr}"
    assert result.stdout.strip(), f"{path.name} printed nothing"
    assert "Warning" not in result.stderr, f"{path.name} warned:\n{result.stderr}"
    for line in EXPECTED_OUTPUT.get(path.relative_to(DOCS / "examples").as_posix(), []):
        assert line in result.stdout, f"{path.name} no longer prints {line!r}:\n{result.stdout}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_included_in_a_page(path: Path):
    include = f'--8<-- "{path.relative_to(ROOT).as_posix()}"'
    pages = [p for p in DOCS.rglob("*.md") if include in p.read_text(encoding="utf-8")]
    assert pages, f"no page includes {path.relative_to(ROOT)} (with {include})"


def test_examples_do_not_contain_the_solutions():
    """Worked examples teach on neighbouring problems; no solution's answer region appears in one."""
    examples = "\n".join(p.read_text(encoding="utf-8") for p in EXAMPLES)
    normalise = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    for solution in sorted((ROOT / "solutions").glob("[0-9][0-9]_*/ex*.py")):
        regions = re.findall(
            r"# BEGIN SOLUTION.*?\n(.*?)# END SOLUTION", solution.read_text(), re.S
        )
        for region in regions:
            for line in region.splitlines():
                code = line.split("#")[0].strip()
                if len(code) >= 30:  # a substantive line of the answer, not `return out`
                    assert normalise(code) not in normalise(examples), (
                        f"a worked example contains a line of {solution.name}: {code}"
                    )


# --- the site builds, and holds what course.toml and the nav promise ---------------------------


def test_strict_build_succeeds(site: Path):
    assert (site / "index.html").is_file()
    assert (site / "lessons" / "01-numpy" / "index.html").is_file()
    assert not (site / "hooks").exists() and not (site / "examples").exists(), (
        "docs sources (hooks, examples, scripts) must not be published"
    )


@pytest.mark.parametrize("ex", COURSE.exercises, ids=lambda e: e.id)
def test_exercise_docs_anchor_is_a_heading(site: Path, ex):
    doc, _, anchor = ex.docs.partition("#")
    assert anchor, f"{ex.id}: docs = {ex.docs!r} names no #anchor"
    assert (DOCS / doc).is_file(), f"{ex.id}: docs/{doc} does not exist"
    page = built_page(site, doc)
    assert re.search(rf'<h[1-6] id="{re.escape(anchor)}"', page), (
        f"{ex.id}: docs/{doc} has no heading with id {anchor!r}; give it {{#{anchor}}}"
    )


@pytest.mark.parametrize("ex", COURSE.exercises, ids=lambda e: e.id)
def test_exercise_page_shows_its_box_and_every_hint(site: Path, ex):
    doc = ex.docs.partition("#")[0]
    source = (DOCS / doc).read_text(encoding="utf-8")
    for kind in ("exercise", "hints"):
        assert f"<!-- mlgrade:{kind} {ex.id} -->" in source, (
            f"docs/{doc} lacks the {kind} marker of {ex.id}"
        )
    text = page_text(built_page(site, doc))
    for hint in ex.hints:
        assert re.sub(r"\s+", " ", hint) in text, f"{ex.id}: hint not rendered verbatim: {hint}"
    assert f"mlgrade check {ex.stem}" in text


def test_lesson_pages_exist():
    for lesson in COURSE.lessons:
        assert (DOCS / lesson.docs).is_file(), (
            f"lesson {lesson.id}: docs/{lesson.docs} does not exist"
        )


def _nav_files(nav) -> list[str]:
    files: list[str] = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            files += _nav_files(value)
        elif isinstance(value, str) and not value.startswith(("http://", "https://")):
            files.append(value)
    return files


def test_every_page_is_in_the_nav():
    config = load_config(config_file=str(ROOT / "mkdocs.yml"))
    in_nav = _nav_files(config["nav"])
    assert len(in_nav) == len(set(in_nav)), f"a page is listed twice in the nav: {in_nav}"
    pages = {
        p.relative_to(DOCS).as_posix()
        for p in DOCS.rglob("*.md")
        if p.relative_to(DOCS).parts[0] not in SOURCE_DIRS
    }
    assert pages - set(in_nav) == set(), (
        f"pages missing from the nav in mkdocs.yml: {sorted(pages - set(in_nav))}"
    )
    assert set(in_nav) - pages == set(), (
        f"nav entries without a page: {sorted(set(in_nav) - pages)}"
    )


def test_grader_reference_covers_every_command():
    """The reference renders `--help` for every command the parser has, so none goes undocumented."""
    reference = (DOCS / "reference" / "grader.md").read_text(encoding="utf-8")
    commands = []
    for name, sub in HOOK.subcommands(build_parser()).items():
        nested = HOOK.subcommands(sub)
        commands += [f"{name} {n}" for n in nested] if nested else [name]
    assert commands, "the parser has no subcommands?"
    for command in commands:
        assert f"<!-- mlgrade:help {command} -->" in reference, (
            f"docs/reference/grader.md does not document `mlgrade {command}`"
        )


def test_report_example_matches_the_schema():
    import json

    import jsonschema

    schema = json.loads((ROOT / "autograder" / "schemas" / "report.schema.json").read_text())
    example = json.loads((DOCS / "examples" / "grader" / "report-example.json").read_text())
    jsonschema.validate(example, schema)


# --- the hook ----------------------------------------------------------------------------------


def test_hook_renders_the_hints_of_course_toml():
    for ex in COURSE.exercises:
        rendered = HOOK.render_markers(f"# Page\n\n<!-- mlgrade:hints {ex.id} -->\n", COURSE)
        assert "mlgrade:hints" not in rendered
        for number in range(1, len(ex.hints) + 1):
            assert f'??? tip "Hint {number}"' in rendered
        assert f'??? tip "Hint {len(ex.hints) + 1}"' not in rendered
        # Rendered by Markdown, each hint reads exactly as written in course.toml: no `**` turned
        # bold, no [brackets] lost, no underscores eaten.
        out = markdown.markdown(rendered, extensions=["admonition", "pymdownx.details"])
        details = re.findall(
            r"<details class=\"tip\">\s*<summary>(.*?)</summary>\s*<p>(.*?)</p>", out, re.S
        )
        assert [(t, html.unescape(p)) for t, p in details] == [
            (f"Hint {n}", hint) for n, hint in enumerate(ex.hints, 1)
        ]


def test_hook_renders_the_exercise_box():
    ex = COURSE.exercises[0]
    rendered = HOOK.render_markers(f"  <!-- mlgrade:exercise {ex.id} -->", COURSE)
    assert rendered.startswith("  !!! example")
    assert f"{ex.points:g} points" in rendered
    assert f"    mlgrade check {ex.stem}" in rendered
    assert f"lessons/{ex.relpath.as_posix()}" in rendered


def test_hook_renders_help_and_limits():
    rendered = HOOK.render_markers("<!-- mlgrade:help check -->\n<!-- mlgrade:limits -->", COURSE)
    assert "$ mlgrade check --help" in rendered and "usage: mlgrade check" in rendered
    assert f"{COURSE.memory_limit_mb:,} MB" in rendered


@pytest.mark.parametrize(
    "marker",
    [
        "<!-- mlgrade:hints 01_numpy/ex99_no_such_exercise -->",
        "<!-- mlgrade:exercise ex01_standardize -->",  # the full id is required
        "<!-- mlgrade:hints -->",
        "<!-- mlgrade:hint 01_numpy/ex01_standardize -->",
        "<!-- mlgrade:help no-such-command -->",
        "Text before <!-- mlgrade:hints 01_numpy/ex01_standardize -->",
    ],
)
def test_hook_raises_on_what_it_does_not_know(marker: str):
    with pytest.raises(PluginError):
        HOOK.render_markers(f"# Page\n\n{marker}\n", COURSE, where="docs/test.md")


def test_hook_leaves_markers_in_code_blocks_alone():
    page = "```markdown\n<!-- mlgrade:hints 01_numpy/ex99_nope -->\n```\n"
    assert HOOK.render_markers(page, COURSE) == page


def test_unknown_exercise_fails_the_build(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(
        "# Home\n\n<!-- mlgrade:hints 01_numpy/ex99_nope -->\n"
    )
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: marker test\nhooks:\n  - {DOCS / 'hooks' / 'course_hints.py'}\n"
    )
    result = run(
        sys.executable, "-m", "mkdocs", "build", "--strict", "-d", tmp_path / "site", cwd=tmp_path
    )
    assert result.returncode != 0
    assert "ex99_nope" in result.stderr + result.stdout


# --- plots and README --------------------------------------------------------------------------


def test_plot_script_writes_the_committed_figures(tmp_path: Path):
    result = run(sys.executable, DOCS / "scripts" / "make_plots.py", "--out", tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in tmp_path.glob("*.png"))
    assert written, "make_plots.py wrote no PNG"
    for name in written:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, (
            f"{name} is not a real plot"
        )
    committed = sorted(p.name for p in (DOCS / "assets" / "plots").glob("*.png"))
    assert written == committed, (
        f"docs/assets/plots/ holds {committed}, the script draws {written}: "
        "run python docs/scripts/make_plots.py and commit the result"
    )
    pages = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    for name in committed:
        assert f"assets/plots/{name}" in pages, f"no page shows {name}"


def readme_quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\n(.*?)(?=^## )", readme, re.S | re.M)
    assert section, "README.md has no '## Quick start' section"
    return [
        block.strip()
        for block in re.findall(r"```(?:bash|sh|console)?\n(.*?)```", section.group(1), re.S)
    ]


def test_readme_quick_start_is_verbatim_in_getting_started():
    commands = readme_quick_start_commands()
    assert len(commands) >= 2, f"expected the README's two quick-start commands, found {commands}"
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    for command in commands:
        assert f"```bash\n{command}\n```" in page, (
            f"docs/getting-started.md must show the README's command verbatim:\n{command}"
        )
