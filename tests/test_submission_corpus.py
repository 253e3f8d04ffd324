"""A class's worth of realistic submissions, graded by one real `mlgrade batch --jobs 2`.

Each submission is lesson 01 in some shape (other lessons absent, so not attempted: quicker), and
says what it is and what it must get: a status, and the score of each exercise it names (every
other exercise of lesson 01: full marks when it starts from the solutions, zero from the stubs).
Then: a re-run skips every one, `--force` regrades a gradebook's rows (with the instructor's hidden
checks), and a batch killed with SIGKILL mid-way leaves a valid gradebook of whole rows that a
re-run completes.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder import dev, integrity, stubs
from autograder.exporters import gradebook
from autograder.manifest import COURSE_ROOT, load_course

COURSE = load_course()
MAX = sum(ex.points for ex in COURSE.exercises)
LESSON = (
    "01_numpy"  # the submissions hold this lesson's files; every other exercise is not attempted
)
EX = {ex.stem: ex for ex in COURSE.exercises if ex.lesson_id == LESSON}
LESSON_MAX = sum(ex.points for ex in EX.values())
HIDDEN_CHECKS = COURSE_ROOT / "tests" / "fixtures" / "hidden_checks"
HIDDEN = {"01_numpy/ex01_standardize": 5, "01_numpy/ex03_softmax": 4}  # that module's HIDDEN_POINTS
HOSTILE = COURSE_ROOT / "tests" / "hostile"
MUTANTS = {
    m.name: m for m in dev.find_mutants(COURSE) if m.exercise_id == "01_numpy/ex01_standardize"
}
CHECK_TIME_LIMIT = "2"

ALWAYS_PASS_CHECKS = """def test_everything_passes():
    assert True
"""


def solution(stem: str) -> str:
    return stubs.solution_path(COURSE, EX[stem]).read_text(encoding="utf-8")


def write_layout(dest: Path, base: str, replace: dict[str, str] | None = None) -> Path:
    """Every exercise of lesson 01 as its solution or its stub (`base`), some replaced by text."""
    replace = replace or {}
    for ex in EX.values():
        out = dest / ex.relpath
        out.parent.mkdir(parents=True, exist_ok=True)
        if ex.stem in replace:
            out.write_text(replace[ex.stem], encoding="utf-8")
        elif base == "solution":
            shutil.copyfile(stubs.solution_path(COURSE, ex), out)
        else:
            out.write_text(stubs.stub_text(COURSE, ex), encoding="utf-8")
    return dest


def write_clone(dest: Path, base: str, replace: dict[str, str] | None = None) -> Path:
    """A course clone: the grading files the pristine manifest lists, and lessons/."""
    for rel in integrity.load_pristine():
        if (COURSE_ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(COURSE_ROOT / rel, dest / rel)
    write_layout(dest / "lessons", base, replace)
    return dest


def zip_folder(
    folder: Path, archive: Path, prefix: str = "", extra: dict[str, str] | None = None
) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(folder).as_posix())
        for name, text in (extra or {}).items():
            zf.writestr(name, text)


@dataclass
class Expect:
    what: str
    status: str = "graded"
    base: str = (
        "stub"  # what lesson 01's exercises it does not name score: "stub" 0, "solution" full
    )
    scores: dict[str, float | str] = field(
        default_factory=dict
    )  # stem -> score, or "<full" / "none"
    reason: str = ""  # a phrase the row's reason column must hold


def build_corpus(subs: Path, scratch: Path) -> dict[str, Expect]:
    """Write the submissions into `subs`; return what each one must get."""
    expect: dict[str, Expect] = {}

    def add(name: str, e: Expect) -> Path:
        expect[name] = e
        return subs / name

    write_layout(add("full", Expect("every solution", base="solution")), "solution")
    write_layout(
        add(
            "partial",
            Expect("two exercises solved", scores={"ex01_standardize": 10, "ex03_softmax": 10}),
        ),
        "stub",
        {
            "ex01_standardize": solution("ex01_standardize"),
            "ex03_softmax": solution("ex03_softmax"),
        },
    )
    add("empty_folder", Expect("an empty folder", "empty", reason="no exercise file")).mkdir()
    write_layout(add("stubs_only", Expect("the untouched stubs")), "stub")
    write_layout(
        add(
            "crash_at_import",
            Expect("ex02 raises at import", base="solution", scores={"ex02_pairwise": 0}),
        ),
        "solution",
        {"ex02_pairwise": 'raise RuntimeError("half-finished edit")\n'},
    )
    write_layout(
        add(
            "hangs",
            Expect(
                "ex05 loops forever in most checks",
                base="solution",
                scores={"ex05_linear_regression": "<full"},
            ),
        ),
        "solution",
        {"ex05_linear_regression": (HOSTILE / "infinite_loop.py").read_text()},
    )
    write_layout(
        add(
            "mutant",
            Expect(
                "ex01 computes per-row statistics",
                base="solution",
                scores={"ex01_standardize": "<full"},
            ),
        ),
        "solution",
        {"ex01_standardize": MUTANTS["per_row_statistics"].source(COURSE)},
    )
    write_layout(
        add(
            "sys_exit",
            Expect("ex03 calls sys.exit(0)", base="solution", scores={"ex03_softmax": 0}),
        ),
        "solution",
        {"ex03_softmax": (HOSTILE / "sys_exit_in_function.py").read_text()},
    )
    write_layout(
        add(
            "os_exit_at_import",
            Expect(
                "ex01 calls os._exit at import", base="solution", scores={"ex01_standardize": 0}
            ),
        ),
        "solution",
        {"ex01_standardize": (HOSTILE / "os_exit_at_import.py").read_text()},
    )
    write_layout(
        add(
            "always_equal",
            Expect(
                "ex01 returns an object equal to everything",
                base="solution",
                scores={"ex01_standardize": 0},
            ),
        ),
        "solution",
        {"ex01_standardize": (HOSTILE / "always_equal.py").read_text()},
    )
    (subs / "not_a_zip.zip").write_text("this is a Word document, honestly")
    expect["not_a_zip.zip"] = Expect(
        "a .zip that is not a zip", "refused", reason="not a readable zip file"
    )

    clone = write_clone(scratch / "clone", "solution")
    zip_folder(clone, add("clone.zip", Expect("a zip of a course clone", base="solution")))
    one = write_layout(scratch / "one_folder", "stub", {"ex02_pairwise": solution("ex02_pairwise")})
    zip_folder(
        one,
        add(
            "one_folder.zip",
            Expect("a zip with one top-level folder", scores={"ex02_pairwise": 10}),
        ),
        prefix="alice-lesson01/",
        extra={"__MACOSX/alice-lesson01/._01_numpy": "resource fork"},
    )
    flat = write_layout(scratch / "flat", "solution")
    zip_folder(
        flat, add("flat.zip", Expect("a zip of the lesson folders themselves", base="solution"))
    )
    with zipfile.ZipFile(
        add("zip_slip.zip", Expect("a zip-slip entry", "refused", reason="zip-slip")), "w"
    ) as zf:
        zf.writestr("01_numpy/ex01_standardize.py", solution("ex01_standardize"))
        zf.writestr("../../outside.py", "print('escaped')\n")
    with zipfile.ZipFile(
        add("zip_symlink.zip", Expect("a zip holding a symlink", "refused", reason="is a symlink")),
        "w",
    ) as zf:
        link = zipfile.ZipInfo("01_numpy/ex01_standardize.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")

    edited = write_clone(
        add("edited_checks", Expect("a clone whose checks always pass", reason="")), "stub"
    )
    (edited / "autograder/checks/01_numpy/ex01_standardize.py").write_text(ALWAYS_PASS_CHECKS)
    write_clone(
        add("clone_folder", Expect("a course clone, ex04 solved", scores={"ex04_minibatches": 10})),
        "stub",
        {"ex04_minibatches": solution("ex04_minibatches")},
    )
    force_pass = (HOSTILE / "target_force_pass.py").read_text()
    conftest = write_layout(
        add("conftest", Expect("a conftest.py that passes every test", reason="conftest.py")),
        "stub",
    )
    (conftest / "conftest.py").write_text(force_pass)
    (conftest / "01_numpy" / "conftest.py").write_text(force_pass)
    ini = write_layout(
        add("pytest_ini", Expect("a pytest.ini loading a force-pass plugin", reason="pytest.ini")),
        "stub",
    )
    (ini / "pytest.ini").write_text((HOSTILE / "target_pytest.ini").read_text())
    (ini / "target_force_pass.py").write_text(force_pass)
    site = write_layout(
        add("sitecustomize", Expect("a sitecustomize.py", reason="sitecustomize.py")), "stub"
    )
    (site / "sitecustomize.py").write_text((HOSTILE / "target_sitecustomize.py").read_text())
    (site / "target_force_pass.py").write_text(force_pass)
    pth = write_layout(add("pth_file", Expect("a .pth file", reason="evil.pth")), "stub")
    (pth / "evil.pth").write_text(
        "import os; os.environ['PYTEST_ADDOPTS'] = '-p target_force_pass'\n"
    )

    outside = scratch / "someone_elses_solution.py"
    outside.write_text(solution("ex01_standardize"))
    escape = write_layout(
        add(
            "symlink_escape",
            Expect(
                "ex01 is a symlink out of the folder", "refused", reason="outside the submission"
            ),
        ),
        "stub",
    )
    (escape / EX["ex01_standardize"].relpath).unlink()
    (escape / EX["ex01_standardize"].relpath).symlink_to(outside)
    inside = write_layout(
        add(
            "symlink_inside",
            Expect("ex01 is a symlink within the folder", scores={"ex01_standardize": 10}),
        ),
        "stub",
    )
    (inside / "shared").mkdir()
    (inside / "shared" / "standardize.py").write_text(solution("ex01_standardize"))
    (inside / EX["ex01_standardize"].relpath).unlink()
    (inside / EX["ex01_standardize"].relpath).symlink_to(Path("..") / "shared" / "standardize.py")
    extra = write_layout(
        add(
            "extra_files",
            Expect("solutions plus unrelated files", base="solution", reason="ignored 3 file(s)"),
        ),
        "solution",
    )
    (extra / "README.md").write_text("# my notes\n")
    (extra / "data").mkdir()
    (extra / "data" / "scratch.csv").write_text("a,b\n1,2\n")
    (extra / "01_numpy" / "ex01_standardize_old.py").write_text("# an earlier attempt\n")

    (subs / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # hidden: not a submission
    (subs / "instructions.txt").write_text("not a submission either\n")
    assert len(expect) >= 20
    return expect


def batch_command(subs: Path, out: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "autograder",
        "batch",
        str(subs),
        "--jobs",
        "2",
        "--output",
        str(out),
        "--check-time-limit",
        CHECK_TIME_LIMIT,
        *args,
    ]


def batch(subs: Path, out: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        batch_command(subs, out, *args),
        capture_output=True,
        text=True,
        cwd=COURSE_ROOT,
        env=env,
        timeout=timeout,
    )


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("corpus")
    subs = root / "submissions"
    subs.mkdir()
    (root / "scratch").mkdir()
    expect = build_corpus(subs, root / "scratch")
    out = root / "grades.csv"
    started = time.monotonic()
    proc = batch(subs, out)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    header, rows = read_csv(out)
    assert header == gradebook.header(COURSE)
    by_name = {r["submission"]: r for r in rows}
    assert len(by_name) == len(rows), "one row per submission"
    return {
        "root": root,
        "subs": subs,
        "out": out,
        "expect": expect,
        "rows": by_name,
        "stdout": proc.stdout,
        "elapsed": elapsed,
    }


def test_every_submission_has_one_row_and_nothing_else_does(corpus):
    assert set(corpus["rows"]) == set(corpus["expect"])
    assert "instructions.txt" in corpus["stdout"]  # named as skipped, not graded


def expected_score(e: Expect, ex_id: str, points: float) -> float | str:
    ex = COURSE.exercise(ex_id)
    if ex.lesson_id != LESSON:
        return 0.0
    if ex.stem in e.scores:
        return e.scores[ex.stem]
    return points if e.base == "solution" else 0.0


def check_row(name: str, e: Expect, row: dict[str, str], report: dict | None) -> None:
    assert row["status"] == e.status, f"{name} ({e.what}): {row['status']}: {row['reason']}"
    if e.reason:
        assert e.reason in row["reason"], f"{name}: reason {row['reason']!r}"
    if e.status == "refused":
        assert row["total"] == "0" and all(row[ex.id] == "" for ex in COURSE.exercises)
        assert report is None
        return
    assert report is not None, f"{name}: no JSON report kept"
    assert float(row["total"]) == pytest.approx(report["score"])
    total = 0.0
    for ex in COURSE.exercises:
        want = expected_score(e, ex.id, ex.points)
        got = float(row[ex.id])
        if want == "<full":
            assert 0 <= got < ex.points, f"{name}: {ex.id} scored {got}"
        else:
            assert got == pytest.approx(want), f"{name}: {ex.id} scored {got}, expected {want}"
        total += got
    assert float(row["total"]) == pytest.approx(total)
    assert float(row["max_total"]) == MAX


CORPUS_NAMES = [
    "full",
    "partial",
    "empty_folder",
    "stubs_only",
    "crash_at_import",
    "hangs",
    "mutant",
    "sys_exit",
    "os_exit_at_import",
    "always_equal",
    "not_a_zip.zip",
    "clone.zip",
    "one_folder.zip",
    "flat.zip",
    "zip_slip.zip",
    "zip_symlink.zip",
    "edited_checks",
    "clone_folder",
    "conftest",
    "pytest_ini",
    "sitecustomize",
    "pth_file",
    "symlink_escape",
    "symlink_inside",
    "extra_files",
]


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_row(corpus, name):
    e = corpus["expect"][name]
    report_path = corpus["out"].with_name("grades.reports") / f"{name}.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    check_row(name, e, corpus["rows"][name], report)


def test_the_corpus_list_is_complete(corpus):
    assert sorted(CORPUS_NAMES) == sorted(corpus["expect"])


def test_reports_say_why(corpus):
    reports = corpus["out"].with_name("grades.reports")
    exercises = {
        name: {e["id"]: e for e in json.loads((reports / f"{name}.json").read_text())["exercises"]}
        for name in ("hangs", "crash_at_import", "sys_exit")
    }
    ex05 = exercises["hangs"]["01_numpy/ex05_linear_regression"]
    assert {c["status"] for c in ex05["checks"]} >= {"timeout", "passed"}
    assert {
        c["status"] for c in exercises["crash_at_import"]["01_numpy/ex02_pairwise"]["checks"]
    } == {"error"}
    assert {c["status"] for c in exercises["sys_exit"]["01_numpy/ex03_softmax"]["checks"]} == {
        "error"
    }
    assert "refused" in (reports / "zip_slip.zip.log").read_text()


def test_edited_checks_change_nothing_but_verify_lists_them(corpus):
    clone = corpus["subs"] / "edited_checks"
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "verify", str(clone)],
        capture_output=True,
        text=True,
        cwd=COURSE_ROOT,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )
    assert proc.returncode == 1
    assert any(
        line.split() == ["modified", "autograder/checks/01_numpy/ex01_standardize.py"]
        for line in proc.stdout.splitlines()
    ), proc.stdout
    assert float(corpus["rows"]["edited_checks"]["total"]) == 0


def test_rerun_skips_every_submission(corpus, tmp_path):
    out = tmp_path / "grades.csv"
    shutil.copyfile(corpus["out"], out)
    shutil.copytree(corpus["out"].with_name("grades.reports"), tmp_path / "grades.reports")
    before = out.read_bytes()
    proc = batch(corpus["subs"], out)
    assert proc.returncode == 0, proc.stderr
    assert f"{len(CORPUS_NAMES)} submission(s) already in grades.csv: skipped" in proc.stdout
    assert "Graded 0 submission(s)" in proc.stdout
    assert out.read_bytes() == before


FORCED = ["full", "partial", "stubs_only", "empty_folder", "clone.zip", "zip_slip.zip"]


def test_force_regrades_every_submission_into_a_fresh_gradebook(corpus, tmp_path):
    """--force over a gradebook that already holds these rows (a sample of the corpus, to keep
    the test quick), now with the instructor's hidden checks: every row is graded again."""
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in FORCED:
        (subs / name).symlink_to(
            corpus["subs"] / name, target_is_directory=(corpus["subs"] / name).is_dir()
        )
    out = tmp_path / "grades.csv"
    header, rows = read_csv(corpus["out"])
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(r for r in rows if r["submission"] in FORCED)
    inode = out.stat().st_ino
    proc = batch(subs, out, "--force", "--extra-checks", str(HIDDEN_CHECKS))
    assert proc.returncode == 0, proc.stderr
    assert f"Graded {len(FORCED)} submission(s)" in proc.stdout
    assert out.stat().st_ino != inode, "the old gradebook is replaced atomically, never truncated"
    _, rows = read_csv(out)
    regraded = {r["submission"]: r for r in rows}
    assert sorted(regraded) == sorted(FORCED) and len(rows) == len(FORCED)
    for name, row in regraded.items():
        assert row["status"] == corpus["rows"][name]["status"], name
        if row["status"] != "refused":
            assert float(row["max_total"]) == MAX + sum(HIDDEN.values()), name
    assert float(regraded["full"]["total"]) == LESSON_MAX + sum(HIDDEN.values())
    assert float(regraded["partial"]["total"]) == 20 + sum(
        HIDDEN.values()
    )  # both hidden-checked ones solved
    assert float(regraded["stubs_only"]["total"]) == 0


def test_a_killed_batch_leaves_whole_rows_and_a_rerun_completes_it(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    names = [f"learner{i:02d}" for i in range(8)]
    for i, name in enumerate(names):
        write_layout(subs / name, "solution" if i % 2 else "stub")
    out = tmp_path / "grades.csv"
    cmd = batch_command(subs, out)
    proc = subprocess.Popen(
        cmd, cwd=COURSE_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and out.read_text().count("\n") >= 2):  # the header and a first row
            assert proc.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "no row appeared"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = out.read_text()
    assert text.endswith("\n")
    header, rows = read_csv(out)
    assert header == gradebook.header(COURSE)
    assert 1 <= len(rows) < len(names), "killed mid-way"
    for row in rows:
        assert None not in row and all(v is not None for v in row.values()), row
        assert row["status"] == "graded" and row["total"] != ""
    # no grading process of the killed batch outlives it for long (its watchdog kills them)
    deadline = time.monotonic() + 15
    while any(str(subs).encode() in cmdline for cmdline in _cmdlines()):
        assert time.monotonic() < deadline, "a grading process outlived the killed batch"
        time.sleep(0.1)

    finished = subprocess.run(cmd, cwd=COURSE_ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    _, after = read_csv(out)
    assert out.read_text().startswith(text), (
        "the rows written before the kill are kept as they were"
    )
    assert sorted(r["submission"] for r in after) == names
    totals = {r["submission"]: float(r["total"]) for r in after}
    assert totals == {name: (LESSON_MAX if i % 2 else 0) for i, name in enumerate(names)}


def _cmdlines() -> list[bytes]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                found.append(Path(f"/proc/{entry}/cmdline").read_bytes())
    return found
