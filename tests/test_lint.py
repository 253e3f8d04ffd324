"""The repository stays `ruff` clean, lint and format (configuration in pyproject.toml).

lessons/ is excluded there: it is the learner's workspace, generated from solutions/.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograder.manifest import COURSE_ROOT


@pytest.mark.parametrize(
    "args", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"]
)
def test_ruff_is_clean(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=COURSE_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, (
        f"ruff {' '.join(args)} found problems:\n{proc.stdout[-4000:]}{proc.stderr[-1000:]}"
    )
