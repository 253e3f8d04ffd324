"""The docs site: worked examples run, the strict build passes, every page and anchor is where
course.toml and the nav say, the hook renders course.toml (and fails on what it does not know),
the plots are drawn, the site loads nothing from the network (mermaid is vendored), the home page's
learning path comes from course.toml, and the README's quick start is the one the site shows."""

from __future__ import annotations

import html
import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import replace
from hashlib import sha256
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import markdown
import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError
from tiers import INTEGRATION_LESSONS

from autograder.cli import build_parser
from autograder.manifest import COURSE_ROOT, Lesson, load_course

ROOT = COURSE_ROOT
DOCS = ROOT / "docs"
EXAMPLES = sorted((DOCS / "examples").rglob("*.py"))
COURSE = load_course()
SOURCE_DIRS = ("hooks", "examples", "scripts")  # Python sources in docs/, excluded from the site
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
CONFIG = load_config(config_file=str(ROOT / "mkdocs.yml"))
LEARNING_PATH = CONFIG["extra"]["learning_path"]
MERMAID = DOCS / "assets" / "javascripts" / "vendor" / "mermaid"

# What each worked example must print: the lines its lesson page quotes, and its point.
EXPECTED_OUTPUT = {
    "coursedata/tour.py": [
        "fraud rate 1.50% in 45 episodes: 32 takeovers, 13 new accounts",
        "label noise: 4 friendly fraud (label 1, honest), 4 missed fraud (label 0, fraud)",
        "fraud x2 from 2025-03-17",
        "incident on 2025-03-09: amount x100 where merchant_country == 'IT' (6 rows)",
        "card country == home country: True",
        "5,100 rows, 100 ids repeated, 1,441 timestamps with an offset",
    ],
    "coursedata/fraud_baseline.py": ["| raw | 0.356 | 0.882 |", "| history | 0.773 | 0.961 |"],
    "coursedata/label_delay.py": [
        "chargeback delay (days): 10% 7.2 | 25% 11.1 | median 18.5 | 75% 28.3 | 90% 39.6",
        "arrived within: 7 days 9.6% | 14 days 34.7% | 30 days 78.3% | 60 days 97.7%",
        "on 2025-05-01: 32,460 payments so far, 326 labelled fraud, 413 will be",
        "of the last 30 days' chargebacks, 34% known",
        "at the window's end 147 chargebacks are still to come",
    ],
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
    "01_numpy/dtype_limits.py": [
        "float64: largest 1.79769e+308, eps 2.22e-16, exp(z) is inf above z = 709.78 and 0 below "
        "z = -745.13",
        "float32: largest 3.40282e+38, eps 1.19e-07, exp(z) is inf above z = 88.72 and 0 below "
        "z = -103.97",
        "float16: largest 65504, eps 0.000977, exp(z) is inf above z = 11.09 and 0 below z = -17.33",
        "each limit confirmed just inside and just outside: True",
        "float64 log-sum-exp of [95.0, 30.0, -10.0]: naive 95.0000, shifted 95.0000",
        "float32 log-sum-exp of [12.0, 0.5, -3.0]: naive 12.0000, shifted 12.0000",
        "float32 log-sum-exp of [95.0, 30.0, -10.0]: naive inf, shifted 95.0000",
        "float16 log-sum-exp of [12.0, 0.5, -3.0]: naive inf, shifted 12.0000",
        "float16 log-sum-exp of [95.0, 30.0, -10.0]: naive inf, shifted 95.0000",
        "float16: exp(-20) = 0.0, so log(exp(-20)) = -inf",
        "thirty copies of 0.1: std 2.8e-17 (not 0), n * eps * |mean| = 6.7e-16",
        "thirty copies of 1000000.1: std 2.3e-10 (not 0), n * eps * |mean| = 6.7e-09",
        "thirty draws around 0: std 8.1e-10, n * eps * |mean| = 8.1e-25",
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
        "12:10 tie, closed='right': [2, 3] (the row order decides) | closed='left': [2, 2]",
        "select-then-count index levels: ['device', 'at']",
        "12:30 login, 2-row window: 1 | 10-minute window: 0",
    ],
    "02_pandas/serving_skew.py": [
        "tie at 12:13, payments [2260, 7801] | closed='right' (row order): [4, 5] | online "
        "(arrival order): [5, 4] | closed='left': [4, 4]",
        "late 12:05 payment, at 12:08 and 12:10: closed='right' [4, 4] | online [3, 3]",
        "closed='right' equals the served value on 3 of 7 payments",
        "as known at scoring equals the served value on 7 of 7 payments",
        "50,000 payments: served - offline = 1 on 49,999, 2 on 1",
        "rule 'n_1h >= 2' offline: flags 489 payments (1.0%), precision 0.16, recall 0.11",
        "rule 'n_1h >= 2' served: flags 5,845 payments (11.7%), precision 0.05, recall 0.38",
    ],
    "02_pandas/memory_dtypes.py": [
        "2,000 users, text as object: 80,132 bytes shallow, 295,331 bytes deep",
        "  object           home_country 118,000 | segment 129,199",
        "  string[python]   home_country 118,000 | segment 129,199",
        "  Arrow layout     home_country  20,000 | segment  31,199",
        "columns: 295,199 bytes with object text, 99,199 with Arrow text, 41,132 after",
        "after / before: 14% | after / total with Arrow text: 41%",
        "float32 would change 95% of spend levels, e.g. 15.35 -> 15.350000381469727",
        "segment order: student < standard < premium",
        "categories of their own: Categoricals can only be compared",
    ],
    "scikit_learn/estimator_api.py": [
        "X: 5,000 payments x 3 columns; y: 75 frauds",
        "fit returns the estimator: True",
        "StandardScaler learned mean_ [3.46 0.14 0.2 ] and scale_ [1.19 0.34 0.14]",
        "after transform: column means [0. 0. 0.], standard deviations [1. 1. 1.]",
        "predict before fit: NotFittedError",
        "LogisticRegression learned classes_ [False  True] and coef_ [[0.65 0.18 0.35]]",
        "predict equals P(True) > 0.5: True",
        "payments predicted fraud: 1 of 5,000 (75 are)",
        "get_params()['C']: 1.0",
        "clone: C 0.1, fitted False",
    ],
    "scikit_learn/custom_transformer.py": [
        "get_params(): {'lower': 0.01, 'upper': 0.99}",
        "transform before fit: NotFittedError",
        "learned: low_ 1.78, high_ 195.95",
        "largest amount: 50,000.00 before, 195.95 after",
        "set_params(upper=0.95): upper 0.95, high_ still 195.95",
        "clone: upper 0.95, fitted False",
        "QuantileClipper: 46 checks pass, 1 skipped, 0 fail",
        "EagerClipper: 43 checks pass, 1 skipped, 3 fail",
        "  failed: check_no_attributes_set_in_init",
        "  failed: check_do_not_raise_errors_in_init_or_set_params",
        "  failed: check_fit_check_is_fitted",
    ],
    "scikit_learn/pipeline_columns.py": [
        "steps: ['columntransformer', 'logisticregression']",
        "7 columns in, 46 out: ['standardscaler__log_amount', 'standardscaler__abroad'] ... "
        "['onehotencoder__merchant_category_utilities']",
        "channel categories learned: ['app', 'pos', 'web']",
        "mean log_amount, all rows: 3.458",
        "mean log_amount each fold's scaler learned: [3.475 3.449 3.461 3.459 3.446]",
        "ROC AUC per test fold: [0.851 0.877 0.874 0.935 0.881], mean 0.884",
        "after set_params: C = 0.1",
    ],
    "scikit_learn/splitters.py": [
        "5,000 payments, 75 frauds, 250 users",
        "| KFold | 14 17 15 12 17 | 5 of 5 | 214 | 8.6 | 0.871 |",
        "| StratifiedKFold | 15 15 15 15 15 | 5 of 5 | 213 | 7.6 | 0.884 |",
        "| TimeSeriesSplit | 9 14 18 10 21 | 0 of 5 | 186 | 0.0 | 0.795 |",
        "| GroupKFold (user) | 21 9 18 10 17 | 5 of 5 | 0 | 0.0 | 0.856 |",
        "TimeSeriesSplit (train, test) rows: [(835, 833), (1668, 833), (2501, 833), (3334, 833), "
        "(4167, 833)]",
    ],
    "scikit_learn/first_model.py": [
        "train: 23,754 payments before 2025-04-01, 229 known frauds at the cut (290 in the end)",
        "test: 26,246 payments from 2025-04-01, fraud rate 1.75%",
        "| LogisticRegression | 0.871 | 0.310 |",
        "| HistGradientBoosting | 0.894 | 0.424 |",
        "| random scores | 0.500 | 0.018 (the fraud rate) |",
        "legitimate x4 (fraud rate 0.44%), LogisticRegression: ROC AUC 0.871, AP 0.151",
        "legitimate x4 (fraud rate 0.44%), HistGradientBoosting: ROC AUC 0.894, AP 0.228",
    ],
    "03_features/random_vs_time_split.py": [
        "training fraud labelled at the cut: 355 of 440",
        "| random, 5 seeds | final | 1.42% | 0.277 (0.260 to 0.305) | 0.891 (0.875 to 0.903) |",
        "| by time | final (from the future) | 2.07% | 0.334 | 0.869 |",
        "| by time | as of the cut | 2.07% | 0.301 | 0.873 |",
    ],
    "03_features/label_gap.py": [
        "| 0 | 35,000 | 355 / 440 (81%) | 0.301 | 0.873 |",
        "| 7 | 32,947 | 355 / 418 (85%) | 0.327 | 0.859 |",
        "| 14 | 30,888 | 349 / 385 (91%) | 0.312 | 0.873 |",
        "| 30 | 26,246 | 311 / 319 (97%) | 0.303 | 0.859 |",
        "| 60 | 17,656 | 236 / 237 (100%) | 0.287 | 0.870 |",
    ],
    "03_features/group_leakage.py": [
        "750 fraud payments in 455 episodes of 1 to 5, 1.65 on average; "
        "213 episodes have two or more",
        "| raw | 0.266 (0.885) | 0.267 (0.887) | 0.281 (0.885) |",
        "| raw + device_id encoded | 0.823 (0.971) | 0.771 (0.954) | 0.668 (0.923) |",
    ],
    "03_features/scaler_leak.py": [
        "scaler fitted on all rows:  ROC AUC 0.8130",
        "scaler inside the pipeline: ROC AUC 0.8136",
        "difference: -0.00052",
    ],
    "03_features/cyclic_hour.py": [
        "  a number, scaled             0.701",
        "  one-hot, 24 columns          0.799",
        "  sin and cos, 2 columns       0.769",
        "  a number, gradient boosting  0.798",
    ],
    "03_features/missing_indicator.py": [
        "first payments: 4.0% of all, fraud rate 7.1% against 1.3%",
        "median only          average precision 0.118, ROC AUC 0.670",
        "median + indicator   average precision 0.193, ROC AUC 0.719",
    ],
    "03_features/selection_leak.py": [
        "columns chosen on all rows, then CV: accuracy 0.95",
        "columns chosen inside each fold:     accuracy 0.49",
    ],
    "03_features/target_encoding_leak.py": [
        "in-fold encoding of all rows, then CV:      0.881",
        "in-fold encoder inside the pipeline:        0.534",
        "out-of-fold encoder inside the pipeline:    0.496",
        "fit_transform equals fit().transform(): False",
        "| not used | - | 0.301 | 0.873 |",
        "| in-fold | 0.998 | 0.632 | 0.878 |",
        "| out-of-fold | 0.920 | 0.700 | 0.945 |",
        "the device encoding alone on the test rows: ROC AUC 0.873",
    ],
    "03_features/chargeback_leak.py": [
        "days_to_chargeback present: fraud 100.0%, legitimate 0.0%",
        "notna() equals is_fraud: True",
        "filled on 750 rows, 45 of them friendly fraud (honest, disputed); "
        "empty on the 45 missed frauds",
        "chargeback_at later than the payment: True",
        "  amount 0.662, on sample('small', 0) 0.739 | device_id 0.516 | "
        "days_to_chargeback missing 1.000",
        "  a partial leak, filled for the 35% of chargebacks within 14 days: missing ROC AUC 0.673",
        "| raw | 0.301 | 0.873 |",
        "| raw + days_to_chargeback | 1.000 | 1.000 |",
    ],
    "03_features/as_of_join.py": [
        "by date  rate published after the payment:  57.1%   no rate yet:  0.0%",
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


def _lesson_expectations() -> dict[str, list[str]]:
    """Later lessons list their examples' lines beside them, in
    docs/examples/<lesson>/expected_output.toml (`"file.py" = ["line", ...]`)."""
    found: dict[str, list[str]] = {}
    for path in sorted((DOCS / "examples").glob("*/expected_output.toml")):
        for name, lines in tomllib.loads(path.read_text(encoding="utf-8")).items():
            found[f"{path.parent.name}/{name}"] = list(lines)
    return found


EXPECTED_OUTPUT.update(_lesson_expectations())


def test_every_example_has_expectations():
    found = {p.relative_to(DOCS / "examples").as_posix() for p in EXAMPLES}
    assert found >= set(EXPECTED_OUTPUT), (
        f"examples listed here but missing: {set(EXPECTED_OUTPUT) - found}"
    )


def _example_param(path: Path):
    """An example of a lesson in INTEGRATION_LESSONS starts that lesson's services (an MLflow
    store, a Dask cluster, uvicorn): it runs in the integration tier, like the lesson's mutants."""
    rel = path.relative_to(DOCS / "examples")
    tier = [pytest.mark.integration] if rel.parts[0] in INTEGRATION_LESSONS else []
    return pytest.param(path, id=rel.as_posix(), marks=tier)


@pytest.fixture(scope="session")
def example_runs(request: pytest.FixtureRequest) -> dict[Path, subprocess.CompletedProcess]:
    """Every worked example this run selected, run once, two at a time (they are single-threaded
    scripts, and the machine has two cores): each test below reads its own example's run."""
    from concurrent.futures import ThreadPoolExecutor

    selected = sorted(
        {
            item.callspec.params["path"]
            for item in request.session.items
            if getattr(item, "originalname", "")
            == "test_example_runs_and_prints_what_the_page_says"
        }
    )

    def one(path: Path) -> subprocess.CompletedProcess:
        return run(sys.executable, path.relative_to(ROOT), timeout=90)

    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        return dict(zip(selected, pool.map(one, selected), strict=True))


@pytest.mark.parametrize("path", [_example_param(p) for p in EXAMPLES])
def test_example_runs_and_prints_what_the_page_says(path: Path, example_runs):
    source = path.read_text(encoding="utf-8")
    assert "def main(" in source and 'if __name__ == "__main__":' in source, (
        f"{path.name}: a worked example is a script with a main() that prints its results"
    )
    result = example_runs[path]
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


def test_example_lines_fit_the_page():
    """A worked example's lines are at most 100 columns: the site shows 100 at 1280 px without
    sideways scrolling (the browser test measures it; this finds the line without a browser)."""
    long = [
        f"{path.relative_to(ROOT)}:{n} ({len(line)} columns)"
        for path in EXAMPLES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > 100
    ]
    assert not long, f"wrap these lines at 100 columns: {long}"


def test_examples_do_not_contain_the_solutions():
    """Worked examples teach on neighbouring problems; no solution's answer region appears in one:
    neither a long line of it nor three of its lines in a row (a short idiom such as
    `with tempfile.TemporaryDirectory() as folder:`, or pandera's two lines that read its
    failure cases, is everyone's, not the answer)."""
    examples = "\n".join(p.read_text(encoding="utf-8") for p in EXAMPLES)
    normalise = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    flat = normalise(examples)
    for solution in sorted((ROOT / "solutions").glob("[0-9][0-9]_*/ex*.py")):
        regions = re.findall(
            r"# BEGIN SOLUTION.*?\n(.*?)# END SOLUTION", solution.read_text(), re.S
        )
        for region in regions:
            code = [line.split("#")[0].strip() for line in region.splitlines()]
            code = [line for line in code if line]
            for line in code:
                if len(line) >= 50:  # a substantive line of the answer, not `return out`
                    assert normalise(line) not in flat, (
                        f"a worked example contains a line of {solution.name}: {line}"
                    )
            for run in zip(code, code[1:], code[2:], strict=False):
                if min(len(line) for line in run) >= 20:
                    assert normalise("".join(run)) not in flat, (
                        f"a worked example contains three lines of {solution.name} in a row:\n"
                        + "\n".join(run)
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


# --- offline: every asset comes from the site itself --------------------------------------------


class AssetLinks(HTMLParser):
    """The URLs an HTML page loads by itself (scripts, styles, fonts, icons, images, frames), not
    the links a reader may follow, and the CSS in its style attributes and <style> elements."""

    LOADING_RELS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and set(a.get("rel", "").lower().split()) & (
            self.LOADING_RELS | {"apple-touch-icon"}
        ):
            self.urls.append(a.get("href", ""))
        for name in ("src", "data", "poster"):
            if name in a and tag in {
                "script",
                "img",
                "iframe",
                "embed",
                "object",
                "video",
                "audio",
                "source",
                "track",
                "input",
                "image",
            }:
                self.urls.append(a[name])
        for name in ("srcset", "imagesrcset"):
            self.urls += [part.split()[0] for part in a.get(name, "").split(",") if part.strip()]
        if tag in {"image", "use"}:  # inline SVG pulling a file
            self.urls += [
                a[k] for k in ("href", "xlink:href") if k in a and not a[k].startswith("#")
            ]
        self.css.append(a.get("style", ""))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.css.append(data)


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def css_urls(css: str) -> list[str]:
    return [a or b for a, b in CSS_URL.findall(css)]


def off_site(url: str) -> bool:
    """A URL the browser would fetch from another host: http(s):, protocol-relative //host/."""
    return bool(re.match(r"^\s*(https?:)?//", url, re.I))


def test_site_loads_nothing_from_the_network(site: Path):
    """No page, stylesheet or icon asks a third party for a script, style, font or image: the site
    reads the same offline as online (links a reader clicks, like the theme's credit, are fine)."""
    found: list[str] = []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        parser = AssetLinks()
        parser.feed(page.read_text(encoding="utf-8"))
        loads = parser.urls + [u for css in parser.css for u in css_urls(css)]
        found += [f"{page.relative_to(site)}: {url}" for url in loads if off_site(url)]
    for sheet in sorted(site.rglob("*.css")):
        urls = css_urls(sheet.read_text(encoding="utf-8"))
        found += [f"{sheet.relative_to(site)}: {url}" for url in urls if off_site(url)]
    assert not found, "the site loads assets from the network:\n" + "\n".join(found)


def test_every_page_loads_the_vendored_mermaid(site: Path):
    """material fetches mermaid from unpkg unless `mermaid` is defined when a diagram mounts;
    the vendored copy, loaded on every page after the theme's bundle, defines it first."""
    script = '<script src="{}assets/javascripts/vendor/mermaid/mermaid.min.js"></script>'
    for page in site.rglob("index.html"):
        depth = len(page.relative_to(site).parts) - 1
        assert script.format("../" * depth) in page.read_text(encoding="utf-8"), (
            f"{page.relative_to(site)} does not load the vendored mermaid"
        )
    bundles = list((site / "assets" / "javascripts").glob("bundle.*.min.js"))
    assert len(bundles) == 1, f"expected one theme bundle, found {bundles}"
    bundle = bundles[0].read_text(encoding="utf-8")
    fetch = re.search(
        r'typeof mermaid=="undefined"[^?]*\?\w+\("https://unpkg\.com/mermaid@(\d+)/', bundle
    )
    assert fetch, (
        "mkdocs-material no longer loads mermaid the way docs/assets/javascripts/vendor/mermaid/ "
        "assumes (only when `mermaid` is undefined): check how this version loads it"
    )
    vendored = tomllib.loads((MERMAID / "vendor.toml").read_text(encoding="utf-8"))
    assert vendored["version"].split(".")[0] == fetch.group(1), (
        f"material expects mermaid {fetch.group(1)}.x, the vendored copy is {vendored['version']}"
    )


def test_vendored_mermaid_is_the_npm_release_it_names():
    vendored = tomllib.loads((MERMAID / "vendor.toml").read_text(encoding="utf-8"))
    assert sorted(p.name for p in MERMAID.iterdir()) == sorted([*vendored["files"], "vendor.toml"])
    digest = sha256((MERMAID / "mermaid.min.js").read_bytes()).hexdigest()
    assert digest == vendored["sha256"], (
        f"mermaid.min.js is not the file of mermaid {vendored['version']} (sha256 {digest}): "
        "copy it unmodified from `npm pack`, then update vendor.toml"
    )
    assert "MIT License" in (MERMAID / "LICENSE").read_text(encoding="utf-8")


# --- the home page, the footer and the icons -----------------------------------------------------


def test_home_page_lists_every_lesson_from_course_toml(site: Path):
    home = built_page(site, "index.md")
    text = page_text(home)
    assert "coming" not in text.lower(), "the home page still calls a lesson 'coming'"
    rows = {m[0]: m[1] for m in re.findall(r'<tr>\s*<td><a href="([^"]+)">(.*?)</a>', home)}
    for lesson in COURSE.lessons:
        href = lesson.docs.removesuffix(".md") + "/"
        assert href in rows, f"the learning path does not link lesson {lesson.id} ({href})"
        assert html.unescape(rows[href]) == step_name(lesson)
        row = re.search(rf'<a href="{re.escape(href)}">.*?</tr>', home, re.S).group(0)
        cells = [page_text(c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        assert cells[-2:] == [str(len(lesson.exercises)), f"{lesson.points:g}"], (
            f"lesson {lesson.id}: the table says {cells[-2:]}, course.toml "
            f"{len(lesson.exercises)} exercises and {lesson.points:g} points"
        )
    assert home.count('<pre class="mermaid">') == 1


def test_every_page_has_previous_and_next_links(site: Path):
    for lesson in COURSE.lessons:
        page = built_page(site, lesson.docs)
        footer = re.search(r'<nav class="md-footer__inner.*?</nav>', page, re.S)
        assert footer, f"{lesson.docs} has no previous/next footer (navigation.footer)"
        assert "md-footer__link--prev" in footer.group(0)
        assert "md-footer__link--next" in footer.group(0)


def test_no_symbol_needs_an_emoji_font(site: Path):
    """⏱ shows as an empty box without an emoji font: the hook draws the theme's icon instead."""
    for page in site.rglob("*.html"):
        text = re.sub(r"<(pre|code)\b.*?</\1>", "", page.read_text(encoding="utf-8"), flags=re.S)
        for symbol in HOOK.ICONS:
            assert symbol not in text, f"{page.relative_to(site)} shows {symbol!r} as text"


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


def step_name(lesson) -> str:
    """A lesson's name on the learning path: "03 Feature engineering ..."; the capstone has no
    number, only its title."""
    return lesson.title if lesson.id == "capstone" else f"{lesson.number} {lesson.title}"


def render_path(course=COURSE, path=LEARNING_PATH, page_uri: str = "index.md") -> str:
    return HOOK.render_markers(
        "<!-- mlgrade:learning-path -->", course, page_uri=page_uri, learning_path=path
    )


def test_hook_renders_the_learning_path_from_course_toml():
    rendered = render_path()
    steps = [step for stage in LEARNING_PATH for step in stage["steps"]]
    table = [line for line in rendered.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(table) == 1 + len(steps), "one table row per step of extra.learning_path"
    for lesson in COURSE.lessons:
        row = f"| [{step_name(lesson)}]({lesson.docs}) |"
        assert any(line.startswith(row) for line in table), f"no row {row}"
        assert f'step_{lesson.number}["{step_name(lesson)}"]' in rendered
    published = {lesson.number for lesson in COURSE.lessons}
    planned = [s for s in steps if str(s["lesson"]) not in published]
    assert sum(line.endswith("| planned | |") for line in table) == len(planned)
    assert f"{len(COURSE.exercises)} exercises" in rendered
    # Links are relative to the page that holds the marker.
    assert "](../lessons/01-numpy.md)" in render_path(page_uri="instructors/index.md")


def test_a_lesson_added_to_course_toml_replaces_its_planned_step():
    # Every step of the path is published now: plan a lesson 15 to publish it.
    number = "15"
    planned = {"lesson": number, "title": "Planned", "learn": "what comes next"}
    path = [
        *LEARNING_PATH[:-1],
        {**LEARNING_PATH[-1], "steps": [*LEARNING_PATH[-1]["steps"], planned]},
    ]
    assert f"| {number} Planned | what comes next | planned | |" in render_path(path=path)
    exercise = replace(COURSE.exercises[0], id=f"{number}_new/ex01_first", points=7)
    lesson = Lesson(
        id=f"{number}_new", title="A new lesson", docs="lessons/new.md", exercises=(exercise,)
    )
    rendered = render_path(course=replace(COURSE, lessons=(*COURSE.lessons, lesson)), path=path)
    assert f"| [{number} A new lesson](lessons/new.md) |" in rendered
    assert rendered.count(f"| {number} ") == 0, "the planned step is still listed"


def test_hook_fails_on_a_lesson_missing_from_the_learning_path():
    lesson = Lesson(id="99_extra", title="Extra", docs="lessons/extra.md", exercises=())
    with pytest.raises(PluginError, match="99_extra"):
        render_path(course=replace(COURSE, lessons=(*COURSE.lessons, lesson)))
    with pytest.raises(PluginError, match="learning_path"):
        render_path(path=None)
    with pytest.raises(PluginError, match="title"):
        render_path(path=[{"stage": "S", "steps": [{"lesson": "98", "learn": "x"}]}])


def test_hook_draws_icons_for_symbols_that_need_an_emoji_font():
    rendered = HOOK.render_markers("| `timeout` | ⏱ | late |\n\n```text\n⏱ 1 check\n```\n", COURSE)
    assert rendered.startswith("| `timeout` | :material-timer-outline: | late |")
    assert "```text\n⏱ 1 check\n```" in rendered, "code blocks show what the terminal prints"
    assert HOOK.replace_icons("`⏱` and ⏱️") == "`⏱` and :material-timer-outline:"


# --- plots and README --------------------------------------------------------------------------


@pytest.mark.integration  # redraws every lesson's figures from its examples: about 40 s
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


def test_gradient_descent_plot_shows_the_steps_the_page_names(monkeypatch, tmp_path: Path):
    """The lesson says "how far each learning rate gets in N steps": the plot draws N steps."""
    spec = importlib.util.spec_from_file_location("make_plots", DOCS / "scripts" / "make_plots.py")
    plots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plots)
    gd = plots.load_example("01_numpy/gradient_descent.py")
    drawn: list[int] = []
    descend = gd.descend

    def counted(*args, **kwargs):
        losses = descend(*args, **kwargs)
        drawn.append(len(losses) - 1)  # the starting loss, then one per step
        return losses

    monkeypatch.setattr(gd, "descend", counted)
    monkeypatch.setattr(plots, "load_example", lambda relpath: gd)
    plots.gd_learning_rates(tmp_path)
    page = (DOCS / "lessons" / "01-numpy.md").read_text(encoding="utf-8")
    steps = int(re.search(r"how far each learning rate gets in (\d+) steps", page).group(1))
    assert drawn and set(drawn) == {steps}, f"the page says {steps} steps, the plot draws {drawn}"
    assert (
        f"after {steps} steps"
        in run(sys.executable, DOCS / "examples" / "01_numpy" / "gradient_descent.py").stdout
    )


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
