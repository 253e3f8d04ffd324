"""Configuration from the environment, checked at startup: pydantic-settings on a batch job.

The image is the same in every environment; what changes is its environment variables (the
twelve-factor app's "config"). This script gives lesson 07's batch scorer its settings three
ways: read where they are used (os.environ, at the moment the code needs them), and read once at
startup into a pydantic-settings class, which checks every value before the job does anything.
Then it starts the course's service (coursekit/service.py) with three bad variables.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[3]  # the repository: `python -m coursekit.service` there


class ScorerSettings(BaseSettings):
    """SCORER_CHUNK_SIZE, SCORER_OUTPUT_FORMAT, SCORER_API_KEY, from the environment."""

    model_config = SettingsConfigDict(env_prefix="SCORER_", env_file=None)

    chunk_size: int = Field(50_000, ge=1, le=1_000_000)
    output_format: Literal["csv", "parquet"] = "parquet"
    api_key: SecretStr  # required: no default, and never printed


def score_chunks_lazily(rows: int) -> int:
    """The other way: each value read where it is needed, with whatever it holds."""
    chunk_size = int(os.environ.get("SCORER_CHUNK_SIZE", "50000"))  # read late, checked never
    return -(-rows // chunk_size)


def set_scorer_variables(variables: dict[str, str]):
    """Run the next block with exactly these SCORER_* variables set (a test's environment)."""
    for name in [n for n in os.environ if n.startswith("SCORER_")]:
        del os.environ[name]
    os.environ.update(variables)


def main() -> None:
    set_scorer_variables({"SCORER_API_KEY": "sk-live-7f3a"})
    settings = ScorerSettings()
    print(f"defaults and one variable: {settings!r}")

    set_scorer_variables({"SCORER_API_KEY": "sk-live-7f3a", "SCORER_CHUNK_SIZE": "20000"})
    print(f"SCORER_CHUNK_SIZE=20000 -> chunk_size {ScorerSettings().chunk_size!r} (an int)")

    bad = {"SCORER_API_KEY": "sk-live-7f3a", "SCORER_CHUNK_SIZE": "50k"}
    set_scorer_variables(bad)
    print("\nSCORER_CHUNK_SIZE=50k, read late: the job starts, and then")
    try:
        score_chunks_lazily(1_000_000)
    except ValueError as exc:
        print(f"  fails where the value is used: ValueError: {exc}")
    print("SCORER_CHUNK_SIZE=50k, read at startup:")
    try:
        ScorerSettings()
    except ValidationError as exc:
        for line in str(exc).splitlines()[:3]:
            print(f"  {line}")

    set_scorer_variables({"SCORER_CHUNK_SIZE": "0", "SCORER_OUTPUT_FORMAT": "xlsx"})
    try:
        ScorerSettings()
    except ValidationError as exc:
        print("three problems, one error, every field named:")
        for error in exc.errors():
            got = "not set" if error["type"] == "missing" else f"got {error['input']!r}"
            print(f"  {error['loc'][0]}: {error['type']}, {got}")

    with tempfile.TemporaryDirectory() as folder:
        env_file = Path(folder, "scorer.env")
        env_file.write_text("SCORER_API_KEY=sk-from-file\nSCORER_CHUNK_SIZE=10000\n")
        set_scorer_variables({"SCORER_CHUNK_SIZE": "30000"})
        settings = ScorerSettings(_env_file=env_file)
        print(f"\nan env file says 10000, the environment 30000: {settings.chunk_size}")
        print(f"the key from the file, kept secret: {settings.api_key}")
    set_scorer_variables({})

    print("\nthe course's service (python -m coursekit.service), given three bad variables:")
    env = {"PATH": os.defpath, "PORT": "70000", "MODEL_PATH": "models/missing.skops"}
    env["BATCH_LIMIT"] = "1o00"
    started = time.perf_counter()
    argv = [sys.executable, "-m", "coursekit.service"]
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    seconds = time.perf_counter() - started
    print(f"  exit status {result.returncode}, {seconds:.1f} s after the start (this run):")
    for line in result.stderr.strip().splitlines():
        print(f"  {line}")


if __name__ == "__main__":
    main()
