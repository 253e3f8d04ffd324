"""Checks for 09_containers/ex02_dockerignore (see solutions/09_containers/.dockerignore).

Each check writes a synthetic build context (empty files at the paths a real checkout holds) to
a temporary folder, reads the learner's `.dockerignore` as patterns (data, never run), and walks
the folder with the Docker SDK's reading (`_shared.sent_files`) to list the files a real
`docker build` would send. Then it asserts what is in and what is out.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from autograder.assertions import fail

from ._shared import BadPattern, read_dockerignore, sent_files

# What the service needs: sent whatever else the file says.
KEPT_SERVICE = [
    "requirements.txt",
    "coursekit/__init__.py",
    "coursekit/service.py",
    "coursekit/app.py",
    "coursekit/settings.py",
    "coursekit/model_io.py",
    "coursekit/schemas.py",
]
KEPT_MODELS = [
    "models/model.skops",
    "models/model.skops.json",
    "models/reference.parquet",
    "models/thresholds.csv",
]
# What must stay out, by kind; nested copies catch a pattern that only works at the root.
LEFT_OUT = {
    "version control": [
        ".git/HEAD",
        ".git/config",
        ".git/refs/heads/main",
        ".git/objects/pack/pack-4f1c.pack",
    ],
    "virtual environments": [
        ".venv/pyvenv.cfg",
        ".venv/bin/python",
        ".venv/lib/python3.11/site-packages/numpy/__init__.py",
        "venv/bin/activate",
        "tools/.venv/pyvenv.cfg",
        "notebooks/venv/bin/python",
    ],
    "caches": [
        "__pycache__/conftest.cpython-311.pyc",
        "coursekit/__pycache__/service.cpython-311.pyc",
        "tests/__pycache__/test_service.cpython-311-pytest-8.3.4.pyc",
        "coursekit/legacy.pyc",
        "build.pyc",
        ".pytest_cache/v/cache/nodeids",
        "tests/.pytest_cache/README.md",
        ".mypy_cache/3.11/coursekit/service.meta.json",
        "coursekit/.mypy_cache/CACHEDIR.TAG",
        ".ruff_cache/0.8.4/12345678",
    ],
    "data": [
        "data/raw/transactions.csv",
        "data/users.parquet",
        "data/README.md",
        "data/snapshots/2024-06/merchants.json",
        "train.csv",
        "reports/2024/scores.csv",
        "notebooks/sample.parquet",
    ],
    "secrets": [
        ".env",
        "coursekit/.env",
        "deploy/.env",
        "models/.env",
        "server.pem",
        "certs/server.pem",
        "id_rsa",
        ".ssh/id_rsa",
        "deploy/keys/id_rsa",
    ],
}
# Present in the context, asserted neither way (the learner's choice, or nobody's business).
OTHERS = [
    "Dockerfile",
    ".dockerignore",
    "compose.yaml",
    "README.md",
    ".gitignore",
    ".env.example",
    "tests/test_service.py",
    "notebooks/explore.ipynb",
    "tools/release.sh",
]

WHY = {
    "version control": "the whole history (every file ever committed, secrets included) is "
    "sent at every build, and `COPY . .` ships it",
    "virtual environments": "a virtual environment is hundreds of MB built for your machine, "
    "not the image's; the image installs its own from requirements.txt",
    "caches": "caches are bytecode and tool state of your machine: they change at every run "
    "(so every build misses the layer cache) and the image has no use for them",
    "data": "training and scoring data is large, often personal, and never part of the service; "
    "the image ships the model, not the data it was trained on",
    "secrets": "a file that reaches the context can reach an image layer, and anyone who pulls "
    "the image can read it; secrets come at run time (env_file)",
}


def _write_context(root: Path) -> None:
    files = KEPT_SERVICE + KEPT_MODELS + OTHERS + [p for ps in LEFT_OUT.values() for p in ps]
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")


def _sent(text: str) -> set[str]:
    """The files of the synthetic context sent with `text` as the .dockerignore."""
    patterns = read_dockerignore(text)
    with tempfile.TemporaryDirectory(prefix="mlgrade-context-") as tmp:
        _write_context(Path(tmp))
        try:
            return sent_files(tmp, patterns)
        except BadPattern as exc:
            fail(f"Docker refuses this .dockerignore: {exc}, and the build stops there")


# A nested copy and its twin at the root: when only the twin is left out, the pattern was
# written without a leading **/.
TWINS = {
    "tools/.venv/pyvenv.cfg": ".venv/pyvenv.cfg",
    "notebooks/venv/bin/python": "venv/bin/activate",
    "coursekit/__pycache__/service.cpython-311.pyc": "__pycache__/conftest.cpython-311.pyc",
    "tests/__pycache__/test_service.cpython-311-pytest-8.3.4.pyc": (
        "__pycache__/conftest.cpython-311.pyc"
    ),
    "coursekit/legacy.pyc": "build.pyc",
    "tests/.pytest_cache/README.md": ".pytest_cache/v/cache/nodeids",
    "coursekit/.mypy_cache/CACHEDIR.TAG": ".mypy_cache/3.11/coursekit/service.meta.json",
    "reports/2024/scores.csv": "train.csv",
    "coursekit/.env": ".env",
    "deploy/.env": ".env",
    "models/.env": ".env",
    "certs/server.pem": "server.pem",
    ".ssh/id_rsa": "id_rsa",
    "deploy/keys/id_rsa": "id_rsa",
}


def _nested_hint(leaked: list[str]) -> str:
    for path in leaked:
        twin = TWINS.get(path)
        if twin is not None and twin not in leaked:
            return (
                f" {path} is sent while {twin} is left out: a pattern without a leading **/ "
                "matches from the context's root only (`.venv` leaves out ./.venv, not "
                "tools/.venv); `**/.venv` matches at any depth."
            )
    return ""


def _assert_left_out(text: str, kind: str) -> None:
    sent = _sent(text)
    leaked = [p for p in LEFT_OUT[kind] if p in sent]
    if leaked:
        fail(
            f"the build context still holds {kind}: {leaked[:6]}"
            f"{' and more' if len(leaked) > 6 else ''}. {WHY[kind]}.{_nested_hint(leaked)}"
        )


def _assert_kept(text: str, paths: list[str], why: str) -> None:
    sent = _sent(text)
    lost = [p for p in paths if p not in sent]
    if lost:
        fail(f"the build context lacks {lost}: {why}.{_exception_hint(text)}")


def _exception_hint(text: str) -> str:
    patterns = read_dockerignore(text)
    if any(p.startswith("!") for p in patterns):
        return (
            " The last matching line decides: an exception (!pattern) placed before the "
            "pattern it makes an exception to is overridden by it; put exceptions after."
        )
    return ""


class TestPatterns:
    def test_every_line_is_a_pattern_docker_reads_as_meant(self, submission_text):
        for number, line in enumerate(submission_text.splitlines(), start=1):
            stripped = line.strip()
            if stripped and not line.startswith("#") and re.search(r"\s#", stripped):
                fail(
                    f"line {number}: '{stripped}': Docker has no comments at the end of a line, "
                    "so this is one pattern, spaces and # included, which matches no file. Put "
                    "the comment on its own line"
                )
        _sent(submission_text)


class TestLeftOut:
    def test_version_control_left_out(self, submission_text):
        _assert_left_out(submission_text, "version control")

    def test_virtual_environments_left_out(self, submission_text):
        _assert_left_out(submission_text, "virtual environments")

    def test_caches_left_out(self, submission_text):
        _assert_left_out(submission_text, "caches")

    def test_data_left_out(self, submission_text):
        _assert_left_out(submission_text, "data")

    def test_secrets_left_out(self, submission_text):
        _assert_left_out(submission_text, "secrets")


class TestKept:
    def test_service_code_and_requirements_kept(self, submission_text):
        _assert_kept(
            submission_text,
            KEPT_SERVICE,
            "the Dockerfile copies requirements.txt and coursekit/, so the build fails "
            "('not found') or the image misses code",
        )

    def test_model_and_its_tables_kept(self, submission_text):
        _assert_kept(
            submission_text,
            KEPT_MODELS,
            "the image ships the model, its SHA-256 sidecar and its reference tables from "
            "models/ (the data rule has an exception for models/)",
        )
