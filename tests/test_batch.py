"""`mlgrade batch` machinery with a stand-in grader: limits, kills, crashes, the gradebook, interrupts.

The stand-in (`fake_grader.py`, written per test) behaves as the submission's `behaviour` file
says: write a report, hang with a grandchild in a process group of its own (as the runner's
per-exercise children are), die by a signal, exit 3, exit 0 without a report, or refuse. Real
grading of real submissions is tests/test_submission_corpus.py.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from rich.console import Console

from autograder import batch
from autograder.errors import UsageError
from autograder.exporters import gradebook
from autograder.manifest import COURSE_ROOT, load_course
from autograder.results import CheckResult, ExerciseResult, GradeReport

COURSE = load_course()

FAKE_GRADER = r"""
import json, os, signal, subprocess, sys, time
from pathlib import Path

submission, output, report = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
if submission.is_dir():
    (submission / "grader.pid").write_text(str(os.getpid()))
behaviour = (submission / "behaviour").read_text().strip() if submission.is_dir() else "refuse"
if behaviour.startswith("sleep "):
    time.sleep(float(behaviour.split()[1]))
    behaviour = "ok"
if behaviour == "ok":
    output.write_text(report)
elif behaviour == "hang":
    child = subprocess.Popen([sys.executable, "-c",
                              "import os, time; os.setpgid(0, 0); time.sleep(600)"])
    (submission / "grandchild.pid").write_text(str(child.pid))
    time.sleep(600)
elif behaviour == "sigkill":
    os.kill(os.getpid(), signal.SIGKILL)
elif behaviour == "exit3":
    print("mlgrade: the grader itself failed, not your code. Report this:", file=sys.stderr)
    print("GraderError: check_hidden.py has no HIDDEN_POINTS", file=sys.stderr)
    sys.exit(3)
elif behaviour == "noreport":
    sys.exit(0)
elif behaviour == "badjson":
    output.write_text("{not json")
elif behaviour == "killworker":  # kills the batch's warm worker, if that is its parent
    if b"autograder.forkserver" in Path(f"/proc/{os.getppid()}/cmdline").read_bytes():
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(600)
    (submission / "cold.pid").write_text(str(os.getpid()))
    output.write_text(report)
elif behaviour == "refuse":
    print(f"mlgrade: cannot grade {submission}: {submission.name}: entry '../x' would be written "
          "outside the extraction folder (a zip-slip path); the submission is refused", file=sys.stderr)
    sys.exit(2)
"""


def sample_report(score_share: float = 1.0) -> GradeReport:
    exercises = []
    for ex in COURSE.exercises:
        status = "passed" if score_share >= 1 else "failed"
        exercises.append(
            ExerciseResult(ex.id, ex.title, ex.points, [CheckResult("only check", status, "")])
        )
    return GradeReport(target="x", exercises=exercises)


@pytest.fixture
def fake(tmp_path: Path):
    """(command, make_submission): a stand-in grader and a way to add submissions to DIR."""
    script = tmp_path / "fake_grader.py"
    script.write_text(FAKE_GRADER)
    report = json.dumps(sample_report().to_dict())
    subs = tmp_path / "subs"
    subs.mkdir()

    def command(submission: Path, output: Path, options: batch.Options) -> list[str]:
        return [sys.executable, str(script), str(submission), str(output), report]

    def make(name: str, behaviour: str) -> Path:
        folder = subs / name
        folder.mkdir()
        (folder / "behaviour").write_text(behaviour)
        return folder

    yield command, make, subs
    for pid_file in subs.glob("*/*.pid"):  # whatever a failed test left running (and only that)
        if not pid_file.read_text().strip().isdigit():
            continue  # created but never written: nothing was started
        pid = int(pid_file.read_text())
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if alive(pid) and (str(subs).encode() in cmdline or b"time.sleep(600)" in cmdline):
            os.kill(pid, signal.SIGKILL)


def quiet() -> Console:
    return Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115


def read_rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    names = [r["submission"] for r in rows]
    assert len(names) == len(set(names)), f"duplicate rows: {names}"
    return {r["submission"]: r for r in rows}


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def wait_until(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_every_way_a_child_can_end_gets_a_row_and_the_batch_goes_on(tmp_path, fake, warm):
    """Forked from the warm worker or started cold, every ending is told apart the same way."""
    command, make, subs = fake
    for name, behaviour in [
        ("ok", "ok"),
        ("hang", "hang"),
        ("sigkill", "sigkill"),
        ("exit3", "exit3"),
        ("noreport", "noreport"),
        ("badjson", "badjson"),
        ("refuse", "refuse"),
    ]:
        make(name, behaviour)
    out = tmp_path / "grades.csv"
    options = batch.Options(jobs=3, kill_after=1.5, warm=warm)
    started = time.monotonic()
    batch.run_batch(subs, out, options, command=command, console=quiet(), progress_console=quiet())
    assert time.monotonic() - started < 15
    rows = read_rows(out)
    assert set(rows) == {"ok", "hang", "sigkill", "exit3", "noreport", "badjson", "refuse"}
    expect = {
        "ok": "graded",
        "hang": "timeout",
        "sigkill": "crashed",
        "exit3": "crashed",
        "noreport": "crashed",
        "badjson": "crashed",
        "refuse": "refused",
    }
    assert {n: r["status"] for n, r in rows.items()} == expect
    assert float(rows["ok"]["total"]) == sum(ex.points for ex in COURSE.exercises)
    assert "killed after 1.5 s" in rows["hang"]["reason"]
    assert "killed by SIGKILL" in rows["sigkill"]["reason"]
    assert (
        "exited with status 3" in rows["exit3"]["reason"]
        and "HIDDEN_POINTS" in rows["exit3"]["reason"]
    )
    assert "without a readable report" in rows["noreport"]["reason"]
    assert rows["refuse"]["reason"].startswith("refuse: entry '../x' would be written outside")
    for name, row in rows.items():
        if name != "ok":
            assert row["total"] == "0" and all(row[ex.id] == "" for ex in COURSE.exercises)
    # the hung child's grandchild sat in a process group of its own: killed all the same
    grandchild = int((subs / "hang" / "grandchild.pid").read_text())
    wait_until(lambda: not alive(grandchild), 5, "the grandchild to die")
    reports = batch.reports_dir_for(out)
    assert json.loads((reports / "ok.json").read_text())["score"] == float(rows["ok"]["total"])
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        ["ok.json"] + [f"{n}.log" for n in expect if n != "ok"]
    )


def test_a_worker_that_dies_mid_batch_costs_no_submission_its_grade(tmp_path, fake):
    """A submission that kills the warm worker is graded again cold, and so is every later one."""
    command, make, subs = fake
    make("a_kills_the_worker", "killworker")
    for i in range(3):
        make(f"b{i}", "ok")
    out = tmp_path / "grades.csv"
    batch.run_batch(
        subs, out, batch.Options(jobs=2), command=command, console=quiet(), progress_console=quiet()
    )
    rows = read_rows(out)
    assert {n: r["status"] for n, r in rows.items()} == {
        "a_kills_the_worker": "graded",
        "b0": "graded",
        "b1": "graded",
        "b2": "graded",
    }
    assert (subs / "a_kills_the_worker" / "cold.pid").exists(), "regraded cold"
    first = int((subs / "a_kills_the_worker" / "grader.pid").read_text())
    wait_until(lambda: not alive(first), 5, "the warm attempt to be killed")


def test_warm_children_are_forked_from_the_worker_not_started_cold(tmp_path):
    """The worker runs `mlgrade grade` in a forked child; a stand-in command is exec'd."""
    from autograder.forkserver import ForkServer, grader_prefix

    server = ForkServer(dict(os.environ), tmp_path)
    try:
        err = tmp_path / "err.txt"
        run = server.start([*grader_prefix(), "grade", str(tmp_path / "missing")], tmp_path, err)
        assert run.ended.wait(60) and not run.lost
        assert os.waitstatus_to_exitcode(run.status) == 2
        assert "missing" in err.read_text() and "Traceback" not in err.read_text()
        probe = tmp_path / "probe.py"
        probe.write_text(
            "import os, sys\n"
            "open('probe.out', 'w').write(f'{os.getsid(0) == os.getpid()} {os.getcwd()}')\n"
            "sys.exit(7)\n"
        )
        (tmp_path / "cwd").mkdir()
        run = server.start([sys.executable, str(probe)], tmp_path / "cwd", err)
        assert run.ended.wait(60) and os.waitstatus_to_exitcode(run.status) == 7
        assert (tmp_path / "cwd" / "probe.out").read_text() == f"True {tmp_path / 'cwd'}"
        with pytest.raises(OSError, match="no such program"):
            server.start(["/nonexistent/grader"], tmp_path, err)
        hang = server.start([sys.executable, "-c", "import time; time.sleep(600)"], tmp_path, err)
        assert not hang.ended.wait(0.2)
        server.kill(hang)
        assert hang.ended.wait(10)
        assert os.waitstatus_to_exitcode(hang.status) == -signal.SIGKILL
        assert not alive(hang.pid)
    finally:
        server.close()
    assert server._proc.returncode == 0


def test_rerun_skips_rows_force_regrades_into_a_fresh_gradebook(tmp_path, fake):
    command, make, subs = fake
    for i in range(4):
        make(f"s{i}", "ok")
    out = tmp_path / "grades.csv"
    options = batch.Options(jobs=2)
    batch.run_batch(subs, out, options, command=command, console=quiet(), progress_console=quiet())
    first = out.read_text()
    make("late", "ok")
    console = Console(record=True, width=200, file=open(os.devnull, "w"))  # noqa: SIM115
    batch.run_batch(subs, out, options, command=command, console=console, progress_console=quiet())
    assert "4 submission(s) already in grades.csv: skipped" in console.export_text()
    assert out.read_text().startswith(first), "a re-run only appends"
    assert list(read_rows(out))[4:] == ["late"]
    inode = out.stat().st_ino
    batch.run_batch(
        subs, out, options, force=True, command=command, console=quiet(), progress_console=quiet()
    )
    assert out.stat().st_ino != inode, (
        "--force replaces the gradebook (atomically), never truncates it"
    )
    assert set(read_rows(out)) == {"s0", "s1", "s2", "s3", "late"}


def test_gradebook_drops_a_cut_short_last_row_and_refuses_other_columns(tmp_path):
    header = gradebook.header(COURSE)
    path = tmp_path / "grades.csv"
    whole = gradebook.row(COURSE, "alice", sample_report())
    path.write_text(gradebook.render_rows([header, whole]) + "bob,10,1")  # a row cut short
    book = batch.Gradebook(path, header, force=False)
    try:
        assert book.names == {"alice"}
        book.append(gradebook.row(COURSE, "bob", None, "refused", "line one\nline two"))
    finally:
        book.close()
    rows = read_rows(path)
    assert set(rows) == {"alice", "bob"}
    path.write_text("name,score\nalice,3\n")
    with pytest.raises(UsageError, match="other columns"):
        batch.Gradebook(path, header, force=False)


def test_row_reasons_stay_on_one_line(tmp_path):
    outcome = batch.Outcome("carol", batch.CRASHED, reason="first\nsecond\r\nthird")
    row = batch.row_for(COURSE, outcome)
    assert "\n" not in gradebook.render_rows([row]).rstrip("\n")


def test_what_counts_as_a_submission(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in ("alice", "__MACOSX", "grades.reports"):
        (folder / name).mkdir()
    for name in ("bob.zip", "carol.ZIP", "notes.txt", ".DS_Store"):
        (folder / name).write_text("x")
    (folder / "grades.csv").write_text("")
    found, skipped = batch.find_submissions(
        folder, {(folder / "grades.csv").resolve(), (folder / "grades.reports").resolve()}
    )
    assert [p.name for p in found] == ["alice", "bob.zip", "carol.ZIP"]
    assert skipped == ["notes.txt"]


def test_a_second_batch_on_the_same_gradebook_is_refused(tmp_path, fake):
    command, make, subs = fake
    make("a", "ok")
    out = tmp_path / "grades.csv"
    reports = batch.reports_dir_for(out)
    reports.mkdir()
    with batch._locked(reports), pytest.raises(UsageError, match="another `mlgrade batch`"):
        batch.run_batch(
            subs,
            out,
            batch.Options(jobs=1),
            command=command,
            console=quiet(),
            progress_console=quiet(),
        )


def test_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="not a folder"):
        batch.run_batch(tmp_path / "missing", tmp_path / "g.csv", batch.Options(), console=quiet())
    with pytest.raises(UsageError, match="--extra-checks"):
        batch.run_batch(
            tmp_path,
            tmp_path / "g.csv",
            batch.Options(extra_checks=tmp_path / "nope"),
            console=quiet(),
        )


def test_histogram_and_summary():
    lines = batch.histogram([0, 5, 55, 100, 100, 99.9])
    assert len(lines) == 10
    counts = [int(line.rsplit(" ", 1)[1]) for line in lines]
    assert counts == [2, 0, 0, 0, 0, 1, 0, 0, 0, 3]
    assert lines[9].count("█") == 30 and lines[5].count("█") == 10
    console = Console(record=True, width=200, file=open(os.devnull, "w"))  # noqa: SIM115
    rows = [
        gradebook.row(COURSE, n, sample_report(s)) for n, s in (("a", 1.0), ("b", 0.0), ("c", 1.0))
    ]
    batch.print_summary(console, rows, 3, 1.5, Path("/tmp/grades.csv"))
    text = console.export_text()
    total = sum(ex.points for ex in COURSE.exercises)
    assert "Graded 3 submission(s) in 1.5 s (120 per minute)" in text
    assert f"mean {2 * total / 3:.1f}, median {total:g}, min 0, max {total:g}" in text
    assert "status: 3 graded" in text


DRIVER = """
import sys
from pathlib import Path
from autograder import batch
script, report, subs, out = sys.argv[1:5]
def command(submission, output, options):
    return [sys.executable, script, str(submission), str(output), report]
batch.run_batch(Path(subs), Path(out), batch.Options(jobs=2), command=command)
"""


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_batch_keeps_its_rows_and_leaves_no_process_behind(tmp_path, fake, how):
    """Ctrl-C or SIGTERM: the batch kills its children; SIGKILL: its watchdog does."""
    command, make, subs = fake
    make("a_quick", "ok")
    make("b_hang", "hang")
    make("c_hang", "hang")
    out = tmp_path / "grades.csv"
    report = json.dumps(sample_report().to_dict())
    scratch_before = set(Path(tempfile.gettempdir()).glob("mlgrade-batch-*"))
    log = open(tmp_path / "driver.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            DRIVER,
            str(tmp_path / "fake_grader.py"),
            report,
            str(subs),
            str(out),
        ],
        cwd=COURSE_ROOT,
        stdout=log,
        stderr=log,
    )
    try:
        wait_until(lambda: out.exists() and "a_quick" in out.read_text(), what="the first row")
        wait_until(
            lambda: all(  # written, not only created: the grader writes it as we look
                (subs / n / "grandchild.pid").exists()
                and (subs / n / "grandchild.pid").read_text().strip().isdigit()
                for n in ("b_hang", "c_hang")
            ),
            what="both hangs to start",
        )
        proc.send_signal(how)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    assert proc.returncode != 0, (tmp_path / "driver.log").read_text()
    grandchildren = [int((subs / n / "grandchild.pid").read_text()) for n in ("b_hang", "c_hang")]
    wait_until(lambda: not any(alive(pid) for pid in grandchildren), 10, "every grandchild to die")
    wait_until(
        lambda: set(Path(tempfile.gettempdir()).glob("mlgrade-batch-*")) <= scratch_before,
        10,
        "the batch's scratch folder to be removed",
    )
    assert list(read_rows(out)) == ["a_quick"]
    assert out.read_text().endswith("\n")
    if how != signal.SIGKILL:
        assert not list(batch.reports_dir_for(out).glob(".*.partial"))


def test_the_cli_wires_batch(tmp_path):
    empty = tmp_path / "subs"
    empty.mkdir()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "batch",
            str(empty),
            "--output",
            str(tmp_path / "g.csv"),
        ],
        capture_output=True,
        text=True,
        cwd=COURSE_ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "g.csv").read_text() == gradebook.render_rows([gradebook.header(COURSE)])
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "batch", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        cwd=COURSE_ROOT,
        timeout=60,
    )
    assert proc.returncode == 2 and "is not a folder" in proc.stderr
