"""autograder/containers.py with fakes: the commands BuildahBuilder gives buildah, the calls
DockerBuilder makes of the Docker SDK, and how find_builder chooses. The real engines are driven
in tests/integration/test_container_build.py (buildah here and in CI; Docker where an engine runs)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import docker.errors
import pytest

from autograder import containers
from autograder.containers import (
    BuildahBuilder,
    BuilderError,
    DockerBuilder,
    NoBuilder,
    descendants,
    find_builder,
    process_uid,
)

INSPECT = """{"Docker": {"config": {"User": "10001", "Entrypoint": ["tini", "--"],
  "Cmd": ["sh", "-c", "exec uvicorn app:app --port \\"$PORT\\""], "Env": ["PORT=8000"]}}}"""


class FakeBuildah:
    """Records every command; answers like buildah would (or fails when told to)."""

    def __init__(self, fail: str | None = None) -> None:
        self.commands: list[list[str]] = []
        self.fail = fail

    def __call__(self, command, **kwargs) -> subprocess.CompletedProcess:
        self.commands.append(list(command))
        verb = command[1]
        if verb == self.fail:
            return subprocess.CompletedProcess(
                command, 125, "", "Error: building at STEP 4: boom\n"
            )
        out = ""
        if verb == "bud":
            Path(command[command.index("--iidfile") + 1]).write_text("sha256:0123abcd\n")
        elif verb == "inspect":
            out = INSPECT
        elif verb == "from":
            out = "fraud-api-working-container\n"
        elif command[0] == "podman":
            out = "632700000\n"
        return subprocess.CompletedProcess(command, 0, out, "")


def _contains(command: list[str], flags: list[str]) -> bool:
    n = len(flags)
    return any(command[k : k + n] == flags for k in range(len(command) - n + 1))


def test_buildah_build_command(tmp_path):
    fake = FakeBuildah()
    ca = tmp_path / "ca.crt"
    ca.write_text("certificates")
    builder = BuildahBuilder(run_command=fake, ca_bundle=ca)
    image_id = builder.build(
        tmp_path / "ctx", tmp_path / "ctx" / "Dockerfile", "localhost/fraud:test",
        {"BASE_IMAGE": "localhost/pybase:bookworm"},
    )  # fmt: skip
    assert image_id == "sha256:0123abcd"
    [command] = fake.commands
    assert command[:2] == ["buildah", "bud"]
    for flags in (
        ["--format", "docker"],  # keeps HEALTHCHECK
        ["--isolation", "chroot"],
        ["--volume", f"{ca}:{ca}:ro"],
        ["--build-arg", "BASE_IMAGE=localhost/pybase:bookworm"],
        ["--tag", "localhost/fraud:test"],
        ["--file", str(tmp_path / "ctx" / "Dockerfile")],
    ):
        assert _contains(command, flags), (flags, command)
    assert "--layers" in command
    assert command[-1] == str(tmp_path / "ctx")  # the context comes last


def test_buildah_build_without_a_ca_bundle_and_its_failure(tmp_path):
    fake = FakeBuildah()
    BuildahBuilder(run_command=fake, ca_bundle=tmp_path / "missing.crt").build(
        tmp_path, tmp_path / "Dockerfile", "t"
    )
    assert "--volume" not in fake.commands[0] and "--build-arg" not in fake.commands[0]
    failing = BuildahBuilder(run_command=FakeBuildah(fail="bud"), ca_bundle=None)
    with pytest.raises(BuilderError, match="STEP 4: boom"):
        failing.build(tmp_path, tmp_path / "Dockerfile", "t")


def test_buildah_user_size_save_remove(tmp_path):
    fake = FakeBuildah()
    builder = BuildahBuilder(run_command=fake)
    assert builder.user("localhost/fraud:test") == "10001"
    assert builder.size("localhost/fraud:test") == 632_700_000
    assert fake.commands[-1][:3] == ["podman", "image", "inspect"]
    builder.save("localhost/fraud:test", tmp_path / "a.tar")
    assert fake.commands[-1][-1] == f"docker-archive:{tmp_path / 'a.tar'}:localhost/fraud:test"
    builder.save("0123456789abcdef", tmp_path / "b.tar")  # an id: no name to record
    assert fake.commands[-1][-1] == f"docker-archive:{tmp_path / 'b.tar'}"
    builder.save("localhost/fraud:test", tmp_path / "c.tar", "oci")
    assert fake.commands[-1][-1] == f"oci-archive:{tmp_path / 'c.tar'}"
    with pytest.raises(ValueError):
        builder.save("localhost/fraud:test", tmp_path / "d.tar", "zip")  # type: ignore[arg-type]
    builder.remove("localhost/fraud:test")
    assert fake.commands[-1] == ["buildah", "rmi", "--force", "localhost/fraud:test"]
    BuildahBuilder(run_command=FakeBuildah(fail="rmi")).remove("gone")  # no error


def test_buildah_run_runs_the_image_command_and_stop_cleans_up(tmp_path):
    fake = FakeBuildah()
    started = []

    def popen(command, **kwargs):
        started.append((command, kwargs))
        # stands in for `buildah run`: a parent whose child is the image's command
        code = "import subprocess, sys; sys.exit(subprocess.call(['sleep', '30']))"
        return subprocess.Popen([sys.executable, "-c", code], start_new_session=True)

    builder = BuildahBuilder(run_command=fake, popen=popen)
    running = builder.run("localhost/fraud:test", {"PORT": "18080", "LOG_LEVEL": "info"}, 18080)
    try:
        [(command, kwargs)] = started
        assert command[:4] == ["buildah", "run", "--isolation", "chroot"]
        assert command[4:8] == ["--env", "PORT=18080", "--env", "LOG_LEVEL=info"]
        assert command[8:] == ["fraud-api-working-container", "--", "tini", "--", "sh", "-c",
                               'exec uvicorn app:app --port "$PORT"']  # fmt: skip
        assert kwargs["start_new_session"] and running.url == "http://127.0.0.1:18080"
        deadline = time.monotonic() + 10
        while not descendants(running.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.alive()
        sleeper = running.main_process()  # the first process below that is not buildah's
        assert sleeper == descendants(running.process.pid)[0]
        assert running.main_uid() == process_uid(sleeper)
    finally:
        code = running.stop(timeout=10)
    assert code is not None  # ended by the SIGTERM to the command, not killed after the timeout
    assert not running.alive()
    assert fake.commands[-1] == ["buildah", "rm", "fraud-api-working-container"]


def test_buildah_run_needs_a_command():
    commands = []

    def buildah(command, **kwargs):
        commands.append(command)
        return subprocess.CompletedProcess(command, 0, '{"Docker": {"config": {"User": ""}}}', "")

    with pytest.raises(BuilderError, match="neither ENTRYPOINT nor CMD"):
        BuildahBuilder(run_command=buildah).run("scratch-image", {}, 8000)
    assert [c[1] for c in commands] == ["inspect"]  # no working container left behind


def test_descendants_and_uid_of_a_real_process_tree():
    code = "import subprocess; subprocess.call(['sleep', '30'])"
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 10
        while not descendants(parent.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        [child] = descendants(parent.pid)
        assert Path(f"/proc/{child}/cmdline").read_bytes().startswith(b"sleep")
        assert process_uid(child) == process_uid(parent.pid)
    finally:
        for pid in descendants(parent.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        parent.wait(timeout=10)


# --- Docker ---------------------------------------------------------------------------------


def _docker_client():
    client = mock.MagicMock()
    image = mock.MagicMock(id="sha256:feed", attrs={"Config": {"User": "app"}, "Size": 123_456})
    image.save.return_value = iter([b"abc", b"def"])
    client.images.build.return_value = (image, iter([]))
    client.images.get.return_value = image
    return client, image


def test_docker_build_user_size_save_remove(tmp_path):
    client, image = _docker_client()
    builder = DockerBuilder(client)
    assert (
        builder.build(tmp_path, tmp_path / "Dockerfile", "fraud:test", {"A": "1"}) == "sha256:feed"
    )
    client.images.build.assert_called_once_with(
        path=str(tmp_path), dockerfile=str(tmp_path / "Dockerfile"), tag="fraud:test",
        buildargs={"A": "1"}, rm=True, forcerm=True,
    )  # fmt: skip
    assert builder.user("fraud:test") == "app" and builder.size("fraud:test") == 123_456
    assert builder.save("fraud:test", tmp_path / "x.tar") == tmp_path / "x.tar"
    assert (tmp_path / "x.tar").read_bytes() == b"abcdef"
    image.save.assert_called_once_with(named=True)
    with pytest.raises(BuilderError, match="docker layout"):
        builder.save("fraud:test", tmp_path / "y.tar", "oci")
    builder.remove("fraud:test")
    client.images.remove.assert_called_once_with("fraud:test", force=True)
    client.images.remove.side_effect = docker.errors.ImageNotFound("gone")
    builder.remove("fraud:test")  # no error


def test_docker_build_failure_shows_the_log(tmp_path):
    client, _ = _docker_client()
    log = [{"stream": "Step 4/9 : RUN pip install\n"}, {"error": "No matching distribution\n"}]
    client.images.build.side_effect = docker.errors.BuildError("build failed", iter(log))
    with pytest.raises(BuilderError, match="No matching distribution"):
        DockerBuilder(client).build(tmp_path, tmp_path / "Dockerfile", "t")


def test_docker_run_publishes_on_loopback_and_stops():
    client, _ = _docker_client()
    container = client.containers.run.return_value
    container.exec_run.return_value = (0, b"Name:\tuvicorn\nUid:\t10001\t10001\t10001\t10001\n")
    container.attrs = {"State": {"ExitCode": 0}}
    container.status = "running"
    running = DockerBuilder(client).run("fraud:test", {"PORT": "18080"}, 18080)
    client.containers.run.assert_called_once_with(
        "fraud:test", detach=True, environment={"PORT": "18080"},
        ports={"18080/tcp": ("127.0.0.1", 18080)},
    )  # fmt: skip
    assert running.url == "http://127.0.0.1:18080" and running.alive()
    assert running.main_uid() == 10001
    container.exec_run.assert_called_with(["cat", "/proc/1/status"])
    assert running.stop(timeout=7) == 0
    container.stop.assert_called_once_with(timeout=7)
    container.remove.assert_called_once_with(force=True)


# --- choosing -----------------------------------------------------------------------------------


def test_find_builder_prefers_a_docker_engine(monkeypatch):
    engine = DockerBuilder(mock.MagicMock())
    monkeypatch.setattr(containers, "_docker_engine", lambda: engine)
    monkeypatch.setattr(containers.shutil, "which", lambda name: "/usr/bin/buildah")
    assert find_builder({}) is engine
    assert isinstance(find_builder({"MLGRADE_CONTAINER_BUILDER": "buildah"}), BuildahBuilder)


def test_find_builder_falls_back_to_buildah_or_says_what_to_install(monkeypatch):
    monkeypatch.setattr(containers, "_docker_engine", lambda: None)
    monkeypatch.setattr(containers.shutil, "which", lambda name: "/usr/bin/buildah")
    assert isinstance(find_builder({}), BuildahBuilder)
    with pytest.raises(NoBuilder, match="no Docker engine answers"):
        find_builder({"MLGRADE_CONTAINER_BUILDER": "docker"})
    with pytest.raises(NoBuilder, match="expected 'docker' or 'buildah'"):
        find_builder({"MLGRADE_CONTAINER_BUILDER": "podman"})
    monkeypatch.setattr(containers.shutil, "which", lambda name: None)
    with pytest.raises(NoBuilder, match="integration-deps"):
        find_builder({})


def test_docker_engine_absent_is_none(monkeypatch):
    fake = SimpleNamespace(from_env=mock.MagicMock(side_effect=docker.errors.DockerException("no")))
    monkeypatch.setitem(sys.modules, "docker", fake)
    assert containers._docker_engine() is None


def test_wait_until_answers_stops_when_the_container_ends():
    running = SimpleNamespace(alive=lambda: False, logs=lambda: "ModuleNotFoundError: coursedata")
    with pytest.raises(BuilderError, match="ModuleNotFoundError"):
        containers.wait_until_answers("http://127.0.0.1:9/health", running, timeout=5)
