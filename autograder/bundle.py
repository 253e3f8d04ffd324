"""`mlgrade gradescope-bundle`: the autograder.zip to upload to a Gradescope programming assignment.

The zip holds, at its root (Gradescope extracts it into /autograder/source):

    setup.sh          run once, as root, when Gradescope builds the image: installs this course's
                      grader from the snapshot below (`pip install -e`, so course.toml is found),
                      grades the reference solutions as a self-test, then makes them
                      readable by root alone (the differential checks compare with them)
    run_autograder    run per submission: grades /autograder/submission into
                      /autograder/results/results.json (--format gradescope), and always leaves a
                      results.json, with the reason in "output" when grading fails
    course/           the snapshot: pyproject.toml, README.md, course.toml, autograder/,
                      coursedata/, coursekit/, solutions/
    hidden_checks/    the instructor's --extra-checks modules, when given
    bundle.json       what was bundled: the course, its git revision, the hidden check files

Entries are sorted and dated 1980-01-01, so the same sources give the same zip, byte for byte.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import subprocess
import zipfile
from pathlib import Path

from rich.console import Console

from .atomic import atomic_write
from .errors import UsageError
from .manifest import COURSE_ROOT, load_course
from .runner import HIDDEN_POINTS

SNAPSHOT_FILES = ("pyproject.toml", "README.md", "course.toml")
SNAPSHOT_DIRS = ("autograder", "coursedata", "coursekit", "solutions")
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

# The two scripts are shown in docs/instructors/gradescope.md (pymdownx.snippets sections).
# --8<-- [start:setup_sh]
SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image; the zip is extracted
# into /autograder/source. It installs the course's grader from the snapshot in course/ into its
# own virtual environment, proves the installation by grading the reference solutions (the image
# build fails unless they earn 100 %), then makes the solutions readable by root alone: the checks
# compare each answer with the reference, and learners' code, which runs in this container as an
# unprivileged user when sandboxed, must not find them.
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AUTOGRADER_ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="$AUTOGRADER_ROOT/venv"

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null && python_ok "$candidate"; then PYTHON="$candidate"; break; fi
done
if [ -z "$PYTHON" ]; then
  # Older Gradescope base images ship an older Python 3: add 3.11 from the distribution.
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3.11 python3.11-venv
  PYTHON=python3.11
fi
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then  # Debian splits venv out
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$(basename "$PYTHON")-venv"
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
# Editable, so the grader reads course.toml and its checks from the snapshot.
"$VENV/bin/python" -m pip install -e "$SOURCE/course"

# Self-test: the reference solutions earn full marks with this image's grader (and hidden checks).
selftest=("$VENV/bin/mlgrade" grade "$SOURCE/course/solutions" --format json --output /tmp/mlgrade-selftest.json --fail-under 100)
if [ -d "$SOURCE/hidden_checks" ]; then selftest+=(--extra-checks "$SOURCE/hidden_checks"); fi
"${selftest[@]}"
chown -R 0:0 "$SOURCE/course/solutions" 2>/dev/null || true
chmod -R go-rwx "$SOURCE/course/solutions"
echo "mlgrade installed in $VENV; the reference solutions earned full marks and are now root-only."
"""
# --8<-- [end:setup_sh]

# --8<-- [start:run_autograder]
RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this once per submission (it is copied to /autograder/run_autograder). It grades
# $AUTOGRADER_ROOT/submission (AUTOGRADER_ROOT defaults to /autograder) with the grader setup.sh
# installed, adding the bundled hidden checks, into $AUTOGRADER_ROOT/results/results.json. It
# always leaves a results.json: when grading fails, score 0 and the reason in "output".
# MLGRADE_PYTHON overrides the interpreter (default: the one in $AUTOGRADER_ROOT/venv).
set -uo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
RESULTS="$ROOT/results/results.json"
PYTHON="${MLGRADE_PYTHON:-$ROOT/venv/bin/python}"
SUBMISSION="$ROOT/submission"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
SECONDS=0

# A submission uploaded as one .zip that Gradescope left packed: grade the zip itself.
shopt -s nullglob dotglob
entries=("$SUBMISSION"/*)
if [ "${#entries[@]}" -eq 1 ] && [ -f "${entries[0]}" ] && [[ "${entries[0],,}" == *.zip ]]; then
  SUBMISSION="${entries[0]}"
fi

args=(grade "$SUBMISSION" --format gradescope --output "$RESULTS")
if [ -d "$SOURCE/hidden_checks" ]; then args+=(--extra-checks "$SOURCE/hidden_checks"); fi

# Never run with the submission as the working folder: -P and an empty folder import nothing of it.
WORK="$(mktemp -d)"
ERR="$WORK/stderr.txt"
status=0
(cd "$WORK" && "$PYTHON" -P -m autograder "${args[@]}") 2>"$ERR" || status=$?
cat "$ERR" >&2  # the instructor's view of the run (Gradescope's stdout log)

if [ "$status" -ne 0 ] || [ ! -s "$RESULTS" ]; then
  # Keep printable ASCII only, then escape for a JSON string: no Python needed to report failure.
  reason="$(tail -c 1500 "$ERR" | LC_ALL=C tr -cd '\11\12\15\40-\176')"
  [ -n "$reason" ] || reason="the grader printed nothing"
  reason="${reason//\\/\\\\}"
  reason="${reason//\"/\\\"}"
  reason="${reason//$'\t'/ }"
  reason="${reason//$'\r'/}"
  reason="${reason//$'\n'/\\n}"
  printf '{"score": 0, "execution_time": %s, "output": "The autograder could not grade this submission (mlgrade exited with status %s).\\n%s\\nUpload your lessons/ folder (or a .zip of it, or your repository) and submit again; if this persists, tell your instructor.", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}\n' "$SECONDS" "$status" "$reason" >"$RESULTS.tmp"
  mv -f "$RESULTS.tmp" "$RESULTS"
fi
rm -rf "$WORK"
exit 0
"""
# --8<-- [end:run_autograder]


def _snapshot_files(root: Path) -> list[tuple[str, Path]]:
    files = [(name, root / name) for name in SNAPSHOT_FILES]
    for _, path in files:
        if not path.is_file():
            raise UsageError(f"{path} is missing: build the bundle from a complete course checkout")
    for folder in SNAPSHOT_DIRS:
        base = root / folder
        if not base.is_dir():
            if folder in ("coursedata", "coursekit"):
                continue
            raise UsageError(f"{base} is missing: build the bundle from a complete course checkout")
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(root)
            if (
                SKIPPED_PARTS & set(rel.parts)
                or any(p.endswith(".egg-info") for p in rel.parts)
                or path.suffix in (".pyc", ".pyo")
                or not path.is_file()
            ):
                continue
            files.append((rel.as_posix(), path))
    return files


def hidden_check_files(folder: Path) -> list[tuple[str, Path]]:
    """The files of an --extra-checks folder; each check_*.py must declare HIDDEN_POINTS."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"--extra-checks {folder}: not a folder of check_*.py modules")
    modules = sorted(folder.glob("check_*.py"))
    if not modules:
        raise UsageError(f"--extra-checks {folder}: no check_*.py modules in it")
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
        names = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name)
        }
        if HIDDEN_POINTS not in names:
            raise UsageError(
                f"{module}: declare {HIDDEN_POINTS} = {{exercise id: points}} at module level"
            )
    files = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if (
            path.is_file()
            and not SKIPPED_PARTS & set(rel.parts)
            and path.suffix not in (".pyc", ".pyo")
        ):
            files.append((rel.as_posix(), path))
    return files


def _revision(root: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    revision = out.stdout.strip() if out.returncode == 0 else ""
    return revision or None


def build_bundle(
    out: Path, extra_checks: Path | None = None, root: Path = COURSE_ROOT
) -> list[str]:
    """Write the bundle to `out` (atomically); return the names of its entries."""
    course = load_course(root / "course.toml")
    entries: dict[str, tuple[bytes, int]] = {
        "setup.sh": (SETUP_SH.encode(), 0o755),
        "run_autograder": (RUN_AUTOGRADER.encode(), 0o755),
    }
    for rel, path in _snapshot_files(root):
        entries[f"course/{rel}"] = (path.read_bytes(), 0o644)
    hidden = hidden_check_files(extra_checks) if extra_checks is not None else []
    for rel, path in hidden:
        entries[f"hidden_checks/{rel}"] = (path.read_bytes(), 0o644)
    info = {
        "course": course.title,
        "revision": _revision(root),
        "exercises": len(course.exercises),
        "hidden_checks": [rel for rel, _ in hidden],
        "built_by": "mlgrade gradescope-bundle",
    }
    entries["bundle.json"] = ((json.dumps(info, indent=2) + "\n").encode(), 0o644)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            data, mode = entries[name]
            member = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            member.external_attr = (0o100000 | mode) << 16  # a regular file with these permissions
            member.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(member, data)
    atomic_write(out, buf.getvalue())
    return sorted(entries)


def cmd_bundle(args: argparse.Namespace) -> int:
    names = build_bundle(args.out, args.extra_checks)
    hidden = sum(n.startswith("hidden_checks/") for n in names)
    size = Path(args.out).stat().st_size
    Console().print(
        f"wrote {args.out} ({size / 1024:.0f} KiB, {len(names)} files"
        + (f", {hidden} hidden check file(s)" if hidden else "")
        + "). Upload it as the "
        "autograder of a Gradescope programming assignment; see docs/instructors/gradescope.md"
    )
    return 0
