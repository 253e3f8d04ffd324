"""A Compose file checked without an engine: the Compose specification's schema, then meaning.

Compose files are YAML, and YAML accepts any key: a misspelt `healtcheck:` is not an error, it is
a health check that never runs. The Compose specification publishes a JSON schema, and
check-jsonschema ships a copy (`--builtin-schema vendor.compose-spec`), so a file can be checked
offline, in CI, before any engine reads it. This script checks a Compose file for two services
of the earlier lessons (lesson 06's MLflow tracking server and lesson 07's batch scorer), then
three broken copies, and shows what the schema cannot catch.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

COMPOSE = """\
services:
  mlflow:
    image: ghcr.io/mlflow/mlflow:v3.1.0
    command: ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000"]
    ports:
      - "5000:5000"
    volumes:
      - mlruns:/mlflow
    healthcheck:
      test:
        - CMD
        - python3
        - -c
        - import urllib.request as u; u.urlopen('http://127.0.0.1:5000/health', timeout=2)
      interval: 10s
      timeout: 3s
      retries: 5
      start_period: 20s
    restart: unless-stopped

  scorer:
    build: .
    env_file: scorer.env
    volumes:
      - ./models:/app/models:ro
    depends_on:
      mlflow:
        condition: service_healthy
    deploy:
      resources:
        limits:
          cpus: "1.0"
          memory: 1g

volumes:
  mlruns:
"""

BROKEN = {
    "a misspelt key": ("    healthcheck:\n      test", "    healtcheck:\n      test"),
    "a limit in the wrong place": ("    deploy:\n      resources:\n        limits:", "    limits:"),
    "a number where a string goes": ('          cpus: "1.0"', "          cpus: [1]"),
}


def check(path: Path) -> list[str]:
    """check-jsonschema's own output lines, as a CI job would print them."""
    argv = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec"]
    result = subprocess.run([*argv, str(path)], capture_output=True, text=True)
    return [line.strip().replace(f"{path}::", "") for line in result.stdout.splitlines()]


def long_depends_on(value: list | dict) -> dict:
    """Compose's meaning of either form: a list names services to start first, no more."""
    if isinstance(value, list):
        return {name: {"condition": "service_started"} for name in value}
    return value


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "compose.yaml")
        path.write_text(COMPOSE)
        print("the file as written:", check(path)[-1])
        for label, (old, new) in BROKEN.items():
            assert old in COMPOSE
            path.write_text(COMPOSE.replace(old, new))
            print(f"{label}: {check(path)[1:]}")

    print("what YAML makes of unquoted ports:")
    for text in ("8000:8000", "2222:22", "22:22"):
        value = yaml.safe_load(f"ports: [{text}]")["ports"][0]
        print(f"  {text} -> {value!r}")

    for text in ("depends_on: [mlflow]", "depends_on: {mlflow: {condition: service_healthy}}"):
        print(f"{text}\n  means {long_depends_on(yaml.safe_load(text)['depends_on'])}")


if __name__ == "__main__":
    main()
