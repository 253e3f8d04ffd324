"""Checks for capstone/dockerfile (see solutions/capstone/Dockerfile for the reference).

The capstone's image follows lesson 09 ex01's rules; the learner's Dockerfile is read as data
(never built here) exactly as lesson 09's checks read it: this module REUSES those checks
(autograder/checks/09_containers/ex01_dockerfile.py: hadolint, the pinned base, the stages, the
layer cache, the non-root user, no secret, no build tool, pip's cache, the environment, the
health check, the command's form, host and port), each function rebound to this module's
globals (`_shared.rebound`: the same code, the capstone's names). What differs has its own code here:
the build context is the repository's root, so the final stage copies coursekit/,
capstone/fraudsys/ and capstone/models/ to /app; and the command builds the app with
`fraudsys.service.create_app` on MODEL_PATH under `python3 -c` and uvicorn.run. The integration
tier (tests/integration/test_capstone_ship.py) builds the reference image, runs it and probes it.
"""

from __future__ import annotations

import importlib
import posixpath
import re
import types
from typing import Any

from autograder.assertions import fail

from . import _shared

_lesson = importlib.import_module("autograder.checks.09_containers.ex01_dockerfile")

APP = "fraudsys.service.create_app(MODEL_PATH)"  # how the command builds the app
# Where each source folder of the context lands in the final stage.
LANDING = {"coursekit": "/app/coursekit", "fraudsys": "/app/fraudsys", "models": "/app/models"}
SOURCES = {"coursekit": "coursekit", "fraudsys": "capstone/fraudsys", "models": "capstone/models"}


def _capstone_launch(final: Any) -> dict:
    """Lesson 09's reading of the command, with the capstone's entry point recognised: python3
    -c code importing create_app from fraudsys.service and calling it on MODEL_PATH."""
    launch = _lesson_launch(final)
    if launch["form"] == "python -c":
        code = launch["text"]
        module = re.search(r"\bfraudsys\.service\b", code)  # from ... import, or import ... as
        called = re.search(r"create_app\s*\(\s*[^)]*MODEL_PATH", code)
        launch["app"] = APP if module and called else launch["app"]
    return launch


_namespace = _shared.rebound(_lesson, {"APP": APP, "_launch": _capstone_launch}, __name__)
# Lesson 09's own reading of the command, rebound too (`_launch` in the namespace is ours).
_lesson_launch = types.FunctionType(
    _lesson._launch.__code__, _namespace, "_launch", _lesson._launch.__defaults__
)
_dockerfile = _namespace["_dockerfile"]
_where = _namespace["_where"]
_workdir_at = _namespace["_workdir_at"]


class TestHadolint(_namespace["TestHadolint"]):
    """hadolint: no error, no warning (lesson 09 ex01)."""


class TestBaseImage(_namespace["TestBaseImage"]):
    """ARG BASE_IMAGE, a pinned Python 3.11 slim (lesson 09 ex01)."""


class TestStages(_namespace["TestStages"]):
    """A build stage with /opt/venv, a runtime stage taking it (lesson 09 ex01)."""


class TestLayerCache(_namespace["TestLayerCache"]):
    """Requirements installed before any code is copied (lesson 09 ex01)."""


class TestUser(_namespace["TestUser"]):
    """A non-root USER in the final stage (lesson 09 ex01)."""


class TestSecrets(_namespace["TestSecrets"]):
    """No secret in any stage (lesson 09 ex01)."""


class TestHealthcheck(_namespace["TestHealthcheck"]):
    """python3 requests /health on PORT (lesson 09 ex01)."""


class TestFinalStageContents(_namespace["TestFinalStageContents"]):
    """No build tools, no pip cache, the environment (lesson 09 ex01); what is copied where
    (the capstone's layout)."""

    def test_code_and_model_copied_to_app(self, submission_text):
        df = _dockerfile(submission_text)
        final = df.final
        landed: dict[str, str] = {}
        for ins in final.instructions:
            if ins.keyword not in ("COPY", "ADD") or "from" in ins.flags():
                continue
            args = ins.arguments()
            sources, dest = args[:-1], args[-1] if args else ""
            if any(s.strip("./") in ("", "capstone") for s in sources):
                fail(
                    f"{_where(ins)} copies a whole folder of the context into the image: copy "
                    "only what the service needs (coursekit/, capstone/fraudsys/, "
                    "capstone/models/), so that nothing else (lessons, data, an MLflow store, "
                    "a stray .env) ends up in the image"
                )
            target = posixpath.normpath(posixpath.join(_workdir_at(final, ins), dest))
            for source in sources:
                path = posixpath.normpath(source.removeprefix("./").strip("/"))
                for name, expected_source in SOURCES.items():
                    if path == expected_source:
                        landed.setdefault(name, target)
        for name, expected in LANDING.items():
            if name not in landed:
                fail(
                    f"the final stage never copies {SOURCES[name]}/ (the build context is the "
                    "repository's root): the service needs the course's modules (coursekit/), "
                    "your package (capstone/fraudsys/) and its model (capstone/models/)"
                )
            if landed[name] != expected:
                fail(
                    f"{SOURCES[name]}/ lands at {landed[name]}, expected {expected}: COPY copies "
                    f"a folder's contents, not the folder, so write `COPY {SOURCES[name]}/ "
                    f"{expected}/` (or ./{name}/ under WORKDIR /app); Python imports "
                    f"{name} from the working folder"
                )
        if _workdir_at(final) != "/app":
            fail(
                "the final stage's WORKDIR is not /app: python3 imports fraudsys and coursekit "
                "from the working folder, which must be /app"
            )


class TestCommand(_namespace["TestCommand"]):
    """The command: exec form, create_app on MODEL_PATH, 0.0.0.0, PORT (lesson 09 ex01's
    checks, with the capstone's entry point)."""

    def test_cmd_runs_uvicorn_in_exec_form(self, submission_text):
        launch = _capstone_launch(_dockerfile(submission_text).final)
        ins = launch["ins"]
        if launch["shell_form"]:
            fail(
                f'{_where(ins)} is in shell form: Docker runs it as `/bin/sh -c "..."`, the '
                "shell is PID 1 and does not pass on `docker stop`'s SIGTERM, so the server is "
                "killed 10 s later without finishing its requests. Write it as a JSON array: "
                'CMD ["python3", "-c", "..."]'
            )
        if launch["app"] != APP:
            fail(
                f"{_where(ins)} serves {launch['app']!r}: the capstone's service is built by "
                "create_app(model_path) of fraudsys/service.py (there is no module-level app), "
                "so run python3 -c code that imports create_app from fraudsys.service and "
                "serves create_app(os.environ['MODEL_PATH']) with uvicorn.run"
            )
        if not launch["exec"]:
            fail(
                f"{_where(ins)}: the shell starts uvicorn as its child without `exec`, so the "
                "shell stays PID 1 and `docker stop`'s SIGTERM never reaches uvicorn"
            )
