"""Render the terminal outputs shown in the docs from the real `mlgrade`, so they never go stale.

A page shows a generated block by putting a marker line right before a fenced code block:

    <!-- terminal-output: check-first-attempt -->
    ```text
    (replaced by this script)
    ```

This script copies the course's stubs into a temporary folder laid out like a fresh clone, plays a
learner's session there with the real CLI (`python -m autograder ... --target lessons`, from that
folder, with its own state folder), and renders each named block as `$ <command>` followed by what
the command printed. Paths are shown as if the clone lived at /home/learner/mastering-mle.

    python docs/scripts/terminal_outputs.py           rewrite the blocks of the pages below
    python docs/scripts/terminal_outputs.py --check   exit 1 and name the stale blocks

Durations, clock times and backup time stamps change from run to run: a block is stale only when
something else changed (tests/test_doc_commands.py runs the check).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from autograder import stubs  # noqa: E402
from autograder.manifest import load_course  # noqa: E402

PAGES = [ROOT / "docs" / "getting-started.md", ROOT / "docs" / "reference" / "grader.md"]
LEARNER_ROOT = "/home/learner/mastering-mle"
COLUMNS = "100"
MARKER = re.compile(r"^<!-- terminal-output: (?P<name>[\w-]+) -->\n(?P<fence>```[\w-]*)\n", re.M)

# The learner's attempts at ex01, in order: the first misses two rules of the contract, the second
# one, the third is complete.
ATTEMPTS = {
    1: "    return (X - X.mean(axis=0)) / X.std(axis=0)\n",
    2: (
        "    if X.ndim != 2:\n"
        '        raise ValueError(f"X must be 2-D, got shape {X.shape}")\n'
        "    return (X - X.mean(axis=0)) / X.std(axis=0)\n"
    ),
    3: (
        "    if X.ndim != 2:\n"
        '        raise ValueError(f"X must be 2-D, got shape {X.shape}")\n'
        "    X = X.astype(np.float64)\n"
        "    mean, std = X.mean(axis=0), X.std(axis=0)\n"
        "    constant = std <= len(X) * np.finfo(np.float64).eps * np.abs(mean)\n"
        "    return np.where(constant, 0.0, (X - mean) / np.where(constant, 1.0, std))\n"
    ),
}
EX01 = "01_numpy/ex01_standardize"


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORCE_COLOR", "PYTEST_"))}
    return {
        **env,
        "MLGRADE_STATE_DIR": str(root / ".mlgrade"),
        "COLUMNS": COLUMNS,
        "NO_COLOR": "1",
        "PYTHONUNBUFFERED": "1",
    }


class Session:
    """A fresh clone's lessons/ in a temporary folder, and the CLI run from there."""

    def __init__(self, root: Path):
        self.root = root
        self.course = load_course()
        stubs.write_stubs(self.course, root / "lessons")

    def shown(self, text: str) -> str:
        """As in the learner's clone, without the trailing blanks of centred titles."""
        text = text.replace(str(self.root), LEARNER_ROOT)
        return "\n".join(line.rstrip() for line in text.split("\n"))

    def argv(self, command: str) -> list[str]:
        args = command.split()[1:] or ["status"]  # "mlgrade check 01" -> ["check", "01"]
        takes_target = args[0] in (
            "status",
            "check",
            "watch",
            "list",
            "hint",
            "reset",
            "compare",
        )
        return [sys.executable, "-m", "autograder", *args] + (
            ["--target", "lessons"] if takes_target else []
        )

    def run(self, command: str) -> str:
        """`$ command` and what it printed, as the learner sees it."""
        proc = subprocess.run(
            self.argv(command),
            cwd=self.root,
            env=_env(self.root),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"`{command}` exited {proc.returncode}:\n{proc.stderr}")
        return self.shown(f"$ {command}\n{proc.stdout}".rstrip() + "\n")

    def attempt(self, number: int) -> None:
        """Put the learner's attempt `number` in place of ex01's TODO."""
        ex = self.course.exercise(EX01)
        stub = stubs.stub_text(self.course, ex)
        todo = re.search(r"^    # TODO:.*\n    raise NotImplementedError\n", stub, re.M)
        assert todo, "ex01's stub no longer has its TODO line and raise"
        path = self.root / "lessons" / ex.relpath
        path.write_text(stub[: todo.start()] + ATTEMPTS[number] + stub[todo.end() :])

    def watch(self, command: str, then_attempt: int) -> str:
        """`mlgrade watch`: its start, then the learner saves attempt `then_attempt`."""
        proc = subprocess.Popen(
            self.argv(command),
            cwd=self.root,
            env=_env(self.root),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            out = f"$ {command}\n" + _until_pointer(proc)
            time.sleep(1.5)  # the watcher starts after the first grade
            self.attempt(then_attempt)
            out += _until_pointer(proc)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        return self.shown(out.rstrip() + "\n")


def _until_pointer(proc: subprocess.Popen, seconds: float = 120) -> str:
    """Read until the last line of a next-step pointer (`  check  mlgrade check ...`)."""
    deadline = time.monotonic() + seconds
    out = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        out += line
        if line.startswith("  check  mlgrade check"):
            return out
    raise RuntimeError(f"mlgrade watch printed no next step in {seconds} s:\n{out}")


def outputs() -> dict[str, str]:
    """Every named block, from one learner's session on a fresh clone."""
    blocks: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="mlgrade-docs-") as tmp:
        s = Session(Path(tmp).resolve())
        ex = s.course.exercise(EX01)
        stub = stubs.stub_text(s.course, ex)
        blocks["stub-ex01"] = stub[stub.index("def standardize") :]
        blocks["status-fresh"] = s.run("mlgrade")
        blocks["check-fresh-lesson"] = s.run("mlgrade check 01")
        s.attempt(1)
        blocks["check-first-attempt"] = s.run("mlgrade check ex01_standardize")
        blocks["hint-first"] = s.run("mlgrade hint ex01_standardize")
        s.attempt(2)
        blocks["watch-pass"] = s.watch("mlgrade watch", then_attempt=3)
        blocks["compare-passed"] = s.run("mlgrade compare ex01_standardize")
        blocks["compare-refused"] = s.run("mlgrade compare ex02_pairwise")
        blocks["list-after-ex01"] = s.run("mlgrade list")
        blocks["status-after-ex01"] = s.run("mlgrade")
        blocks["reset"] = s.run("mlgrade reset ex01_standardize")
    return blocks


VOLATILE = [
    (re.compile(r"complete · \d+\.\d s"), "complete · N s"),
    (re.compile(r"─+ \d\d:\d\d:\d\d ─+"), "── HH:MM:SS ──"),
    (re.compile(r"\.\d{8}-\d{6}(-\d+)?\."), ".YYYYmmdd-HHMMSS."),
]


def masked(text: str) -> str:
    """`text` without what changes from run to run (durations, clock times, time stamps)."""
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def blocks_of(page: str) -> dict[str, tuple[int, int]]:
    """Each named block of a page: the span of its content (between the fences)."""
    spans = {}
    for m in MARKER.finditer(page):
        end = page.index("\n```\n", m.end() - 1)
        spans[m["name"]] = (m.end(), end + 1)
    return spans


def update(page: str, generated: dict[str, str]) -> tuple[str, list[str]]:
    """The page with every stale block replaced, and the names of those blocks."""
    stale = []
    for name, (start, end) in sorted(blocks_of(page).items(), key=lambda kv: -kv[1][0]):
        if name not in generated:
            raise KeyError(f"no generated output called '{name}' (known: {sorted(generated)})")
        new = generated[name]
        if masked(page[start:end]) != masked(new):
            stale.append(name)
            page = page[:start] + new + page[end:]
    return page, sorted(stale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report stale blocks, write nothing")
    args = parser.parse_args(argv)
    generated = outputs()
    problems = 0
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        new, stale = update(text, generated)
        rel = path.relative_to(ROOT)
        if stale and args.check:
            print(f"{rel}: stale blocks {', '.join(stale)}")
            problems += 1
        elif stale:
            path.write_text(new, encoding="utf-8")
            print(f"{rel}: rewrote {', '.join(stale)}")
    if args.check and problems:
        print("run `python docs/scripts/terminal_outputs.py` to regenerate them")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
