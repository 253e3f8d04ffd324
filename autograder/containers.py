"""Build, run, inspect and save container images with the engine the machine has.

Learners have Docker; the course's development and CI machines have no Docker engine and build
and run the same Dockerfiles with buildah (`../shared/recipes/containers.md`). One small
interface, two implementations, chosen by `find_builder()`:

- `DockerBuilder` drives a Docker engine through the Docker SDK for Python (`docker`).
- `BuildahBuilder` runs `buildah` (Debian's package) in chroot isolation: `buildah bud
  --format docker` (the OCI format drops HEALTHCHECK) with `--layers` (one layer per
  instruction, as Docker makes them, and a build cache), the host's CA bundle mounted read-only
  so that pip inside the build reaches the package index as the host does; an image runs as
  `buildah run` of its own entrypoint and command, on the host's network (bind a free port).

`MLGRADE_CONTAINER_BUILDER=docker|buildah` forces one. The integration tier builds the lesson 09
image with it; nothing here is used by a default check.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, Protocol

FORCE_VARIABLE = "MLGRADE_CONTAINER_BUILDER"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
Layout = Literal["docker", "oci"]


class BuilderError(RuntimeError):
    """An engine refused or failed: the message ends with what it said."""


class NoBuilder(BuilderError):
    """No engine on this machine (or not the one asked for)."""


class Running(Protocol):
    """A container started by `Builder.run`."""

    url: str  # http://127.0.0.1:<port>

    def main_uid(self) -> int:
        """The uid the container's main process runs as (its command, as the engine ran it)."""

    def logs(self) -> str:
        """What the container wrote so far (stdout and stderr)."""

    def alive(self) -> bool:
        """Whether the container's command still runs."""

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM to the main process, as `docker stop` sends it; SIGKILL after `timeout`
        seconds; the container removed. Returns the main process's exit status if known."""


class Builder(Protocol):
    name: str

    def build(
        self, context: Path, dockerfile: Path, tag: str, build_args: Mapping[str, str] | None = None
    ) -> str:
        """Build `dockerfile` with `context` as the build context; the image's id."""

    def run(self, image: str, env: Mapping[str, str], port: int) -> Running:
        """Start the image's own entrypoint and command with `env` added to its environment; the
        service it starts must listen on `port`, reachable at http://127.0.0.1:<port>."""

    def user(self, image: str) -> str:
        """The image's USER ("" when it sets none: root)."""

    def size(self, image: str) -> int:
        """The image's size in bytes, as the engine reports it (its layers, uncompressed)."""

    def save(self, image: str, dest: Path, layout: Layout = "docker") -> Path:
        """Write the image to the tar file `dest`: a `docker save` archive, or an OCI archive."""

    def remove(self, image: str) -> None:
        """Remove the image (a missing image is not an error)."""


def _tail(text: str | bytes, lines: int = 30) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return "\n".join(text.strip().splitlines()[-lines:])


# --- buildah ------------------------------------------------------------------------------------


class BuildahBuilder:
    """buildah in chroot isolation (root), per the course's container recipe."""

    name = "buildah"

    def __init__(
        self,
        run_command: Callable[..., subprocess.CompletedProcess] = subprocess.run,
        popen: Callable[..., subprocess.Popen] = subprocess.Popen,
        ca_bundle: Path | None = CA_BUNDLE,
        executable: str = "buildah",
    ) -> None:
        self._run_command = run_command
        self._popen = popen
        self.ca_bundle = ca_bundle
        self.executable = executable

    def _buildah(self, *args: str, timeout: float = 600) -> str:
        command = [self.executable, *args]
        done = self._run_command(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise BuilderError(
                f"{' '.join(command[:3])} ... failed ({done.returncode}):\n{_tail(done.stderr)}"
            )
        return done.stdout

    def build(
        self, context: Path, dockerfile: Path, tag: str, build_args: Mapping[str, str] | None = None
    ) -> str:
        with tempfile.TemporaryDirectory(prefix="mlgrade-build-") as scratch:
            iidfile = Path(scratch) / "iid"
            args = ["bud", "--format", "docker", "--isolation", "chroot", "--layers", "--quiet"]
            if self.ca_bundle is not None and self.ca_bundle.is_file():
                args += ["--volume", f"{self.ca_bundle}:{self.ca_bundle}:ro"]
            for key, value in (build_args or {}).items():
                args += ["--build-arg", f"{key}={value}"]
            args += ["--iidfile", str(iidfile), "--tag", tag, "--file", str(dockerfile)]
            self._buildah(*args, str(context), timeout=1800)
            return iidfile.read_text().strip()

    def inspect(self, image: str) -> dict[str, Any]:
        """The image's Docker-format configuration (`config`, `history`, `rootfs`...)."""
        return json.loads(self._buildah("inspect", "--type", "image", image))["Docker"]

    def user(self, image: str) -> str:
        return self.inspect(image).get("config", {}).get("User") or ""

    def size(self, image: str) -> int:
        # buildah reports sizes for people ("222 MB"); podman, on the same storage, in bytes.
        command = ["podman", "image", "inspect", "--format", "{{.Size}}", image]
        done = self._run_command(command, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise BuilderError(f"podman image inspect failed:\n{_tail(done.stderr)}")
        return int(done.stdout.strip())

    def save(self, image: str, dest: Path, layout: Layout = "docker") -> Path:
        if layout == "docker":
            target = f"docker-archive:{dest}" + ("" if _is_id(image) else f":{image}")
        elif layout == "oci":
            target = f"oci-archive:{dest}"
        else:
            raise ValueError(f"layout must be 'docker' or 'oci', got {layout!r}")
        self._buildah("push", "--quiet", image, target)
        return dest

    def remove(self, image: str) -> None:
        with contextlib.suppress(BuilderError):
            self._buildah("rmi", "--force", image)

    def run(self, image: str, env: Mapping[str, str], port: int) -> BuildahRunning:
        config = self.inspect(image).get("config", {})
        command = [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]
        if not command:
            raise BuilderError(f"{image} has neither ENTRYPOINT nor CMD: nothing to run")
        container = self._buildah("from", "--pull=never", "--quiet", image).strip()
        args = [self.executable, "run", "--isolation", "chroot"]
        for key, value in env.items():
            args += ["--env", f"{key}={value}"]
        log = tempfile.TemporaryFile(prefix="mlgrade-run-")  # noqa: SIM115 - BuildahRunning's
        try:
            process = self._popen(
                [*args, container, "--", *command],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except BaseException:
            log.close()
            self.remove_container(container)
            raise
        return BuildahRunning(self, container, process, log, f"http://127.0.0.1:{port}")

    def remove_container(self, container: str) -> None:
        with contextlib.suppress(BuilderError):
            self._buildah("rm", container)


def _is_id(image: str) -> bool:
    return len(image) >= 12 and all(c in "0123456789abcdef" for c in image)


def descendants(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """The processes below `pid`, nearest first (breadth-first over /proc/<pid>/stat's ppid)."""
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in sorted(children.get(queue.pop(0), [])):
            found.append(child)
            queue.append(child)
    return found


def process_uid(pid: int, proc: Path = Path("/proc")) -> int:
    """The real uid of a process (the first number of /proc/<pid>/status's Uid line)."""
    for line in (proc / str(pid) / "status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise BuilderError(f"no Uid line for process {pid}")


class BuildahRunning:
    """An image's command under `buildah run`: the buildah process and, below it, the command."""

    def __init__(self, builder: BuildahBuilder, container: str, process: subprocess.Popen,
                 log: Any, url: str) -> None:  # fmt: skip
        self.builder = builder
        self.container = container
        self.process = process
        self.url = url
        self._log = log
        self.returncode: int | None = None

    def main_process(self) -> int:
        """The pid of the image's command: the first process below `buildah run` that is not one
        of its helpers (buildah-chroot-runtime as root, then buildah-chroot-exec, which switches
        to the image's USER and runs the command)."""
        for pid in descendants(self.process.pid):
            try:
                argv0 = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if not Path(argv0.decode("utf-8", "replace")).name.startswith("buildah"):
                return pid
        raise BuilderError(f"the command of {self.container} is not running:\n{self.logs()}")

    def main_uid(self) -> int:
        return process_uid(self.main_process())

    def logs(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        try:
            if self.process.poll() is None:
                with contextlib.suppress(BuilderError, ProcessLookupError):
                    os.kill(self.main_process(), signal.SIGTERM)
                try:
                    self.returncode = self.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    for pid in reversed(descendants(self.process.pid)):
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)
                    self.returncode = None
            else:
                self.returncode = self.process.returncode
        finally:
            self.builder.remove_container(self.container)
        return self.returncode

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._log.close()


# --- Docker ---------------------------------------------------------------------------------


class DockerBuilder:
    """A Docker engine, through the Docker SDK for Python."""

    name = "docker"

    def __init__(self, client: Any = None) -> None:
        if client is None:
            import docker

            client = docker.from_env()
        self.client = client

    def build(
        self, context: Path, dockerfile: Path, tag: str, build_args: Mapping[str, str] | None = None
    ) -> str:
        import docker.errors

        try:
            image, _ = self.client.images.build(
                path=str(context),
                dockerfile=str(dockerfile),
                tag=tag,
                buildargs=dict(build_args or {}),
                rm=True,
                forcerm=True,
            )
        except docker.errors.BuildError as exc:
            lines = [
                str(chunk.get("stream") or chunk.get("error") or "") for chunk in exc.build_log
            ]
            raise BuilderError(f"docker build failed: {exc.msg}\n{_tail(''.join(lines))}") from None
        except docker.errors.APIError as exc:
            raise BuilderError(f"docker build failed: {exc}") from None
        return image.id

    def run(self, image: str, env: Mapping[str, str], port: int) -> DockerRunning:
        container = self.client.containers.run(
            image,
            detach=True,
            environment=dict(env),
            ports={f"{port}/tcp": ("127.0.0.1", port)},
        )
        return DockerRunning(container, f"http://127.0.0.1:{port}")

    def user(self, image: str) -> str:
        return self.client.images.get(image).attrs.get("Config", {}).get("User") or ""

    def size(self, image: str) -> int:
        return int(self.client.images.get(image).attrs["Size"])

    def save(self, image: str, dest: Path, layout: Layout = "docker") -> Path:
        if layout != "docker":
            raise BuilderError(
                "docker save writes the docker layout (since Docker 25 with an OCI index beside "
                "it); an OCI archive needs buildah, skopeo or buildx"
            )
        with open(dest, "wb") as out:
            for chunk in self.client.images.get(image).save(named=True):
                out.write(chunk)
        return dest

    def remove(self, image: str) -> None:
        import docker.errors

        with contextlib.suppress(docker.errors.ImageNotFound):
            self.client.images.remove(image, force=True)


class DockerRunning:
    def __init__(self, container: Any, url: str) -> None:
        self.container = container
        self.url = url

    def main_uid(self) -> int:
        code, output = self.container.exec_run(["cat", "/proc/1/status"])
        if code != 0:
            raise BuilderError(f"cannot read the main process's status: {_tail(output)}")
        for line in output.decode().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
        raise BuilderError("no Uid line in /proc/1/status")

    def logs(self) -> str:
        return self.container.logs().decode("utf-8", "replace")

    def alive(self) -> bool:
        self.container.reload()
        return self.container.status in ("created", "running")

    def stop(self, timeout: float = 10.0) -> int | None:
        try:
            self.container.stop(timeout=int(timeout))
            self.container.reload()
            return self.container.attrs.get("State", {}).get("ExitCode")
        finally:
            with contextlib.suppress(Exception):
                self.container.remove(force=True)


# --- choosing -----------------------------------------------------------------------------------


def _docker_engine() -> DockerBuilder | None:
    """A DockerBuilder when the SDK is installed and an engine answers, else None."""
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.ping()
    except Exception:  # noqa: BLE001 - no SDK, no socket, no engine: all mean "not here"
        return None
    return DockerBuilder(client)


def find_builder(environ: Mapping[str, str] | None = None) -> Builder:
    """The machine's engine: a Docker engine when one answers, else buildah when installed;
    `MLGRADE_CONTAINER_BUILDER=docker|buildah` forces one. `NoBuilder` when there is none."""
    environ = os.environ if environ is None else environ
    forced = environ.get(FORCE_VARIABLE, "").strip().lower()
    if forced not in ("", "docker", "buildah"):
        raise NoBuilder(f"{FORCE_VARIABLE}={forced!r}: expected 'docker' or 'buildah'")
    if forced in ("", "docker"):
        docker_builder = _docker_engine()
        if docker_builder is not None:
            return docker_builder
        if forced == "docker":
            raise NoBuilder(f"{FORCE_VARIABLE}=docker, but no Docker engine answers")
    if shutil.which("buildah"):
        return BuildahBuilder()
    raise NoBuilder(
        "no container engine: neither a Docker engine answering (docker.from_env().ping()) nor "
        "buildah on the PATH. Start Docker, or install buildah as root: bash .ci/integration-deps"
    )


def wait_until_answers(url: str, running: Running, timeout: float = 60.0) -> float:
    """Poll `url` until it answers 2xx; the seconds it took. BuilderError, with the container's
    logs, when the container's command ends first or the time runs out."""
    import urllib.error
    import urllib.request

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if 200 <= response.status < 300:
                    return time.monotonic() - start
        except (urllib.error.URLError, OSError):
            pass
        if not running.alive():
            raise BuilderError(f"the container's command ended:\n{_tail(running.logs())}")
        time.sleep(0.2)
    raise BuilderError(f"{url} did not answer within {timeout:.0f} s:\n{_tail(running.logs())}")
