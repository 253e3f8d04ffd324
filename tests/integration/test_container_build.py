"""Lesson 09's image built and run for real: exercise 01's reference Dockerfile, exercise 02's
.dockerignore, the service of lesson 08 (coursekit/, with coursekit/service.py as its entry) and
a model made by coursekit.serving_model.make_model_file, in the build context the Dockerfile's
contract describes:

    Dockerfile  .dockerignore  requirements.txt  coursekit/  models/model.skops(.json)

requirements.txt pins the service's runtime dependencies, and theirs, to the versions installed
here. The image is built with the machine's engine (`autograder.containers.find_builder`: a
Docker engine when one answers, else buildah with the local base localhost/pybase:bookworm that
`bash .ci/integration-deps` makes), then run: GET /health and /ready, POST /predict answers, the
service's process is not root, the image's size is reported, and exercise 04's reference
`image_report` lists the layers of the saved image. Skipped, with the reason, only when the
machine has no engine at all.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import shutil
import socket
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from autograder.containers import Builder, BuilderError
from autograder.manifest import COURSE_ROOT

pytestmark = pytest.mark.integration

SOLUTIONS = COURSE_ROOT / "solutions" / "09_containers"
LOCAL_BASE = "localhost/pybase:bookworm"  # .ci/integration-deps builds it for buildah
# What coursekit.service imports at run time (lesson 08's app, lesson 07's model files, the
# settings of lesson 09): pinned with everything they need, at the versions installed here.
RUNTIME = ["fastapi", "uvicorn", "pydantic", "pydantic-settings", "scikit-learn", "skops",
           "numpy", "pandas"]  # fmt: skip
TAG = "localhost/mlgrade-fraud-api:test"
MEASURED: dict[str, float] = {}


def pinned(names: list[str]) -> list[str]:
    """`name==version` for `names` and every distribution they require (for this interpreter and
    platform, no extras), as installed here; sorted."""
    seen: dict[str, str] = {}
    queue = list(names)
    while queue:
        name = queue.pop()
        dist = importlib.metadata.distribution(name)
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key in seen:
            continue
        seen[key] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                queue.append(requirement.name)
    return [f"{name}=={version}" for name, version in sorted(seen.items())]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def _reference_image_report():
    path = SOLUTIONS / "ex04_image_report.py"
    spec = importlib.util.spec_from_file_location("reference_image_report", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.image_report


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Path:
    from coursekit.model_io import sidecar_path
    from coursekit.serving_model import make_model_file

    root = tmp_path_factory.mktemp("context")
    shutil.copy(SOLUTIONS / "Dockerfile", root / "Dockerfile")
    shutil.copy(SOLUTIONS / ".dockerignore", root / ".dockerignore")
    (root / "requirements.txt").write_text("\n".join(pinned(RUNTIME)) + "\n")
    shutil.copytree(
        COURSE_ROOT / "coursekit", root / "coursekit", ignore=shutil.ignore_patterns("__pycache__")
    )
    for path in (root / "coursekit").rglob("*"):  # a git checkout's modes, whatever sync wrote
        path.chmod(0o755 if path.is_dir() else 0o644)
    model = make_model_file(tmp_path_factory.mktemp("model"))
    (root / "models").mkdir()
    shutil.copy(model, root / "models" / "model.skops")
    shutil.copy(sidecar_path(model), root / "models" / "model.skops.json")
    # What the .dockerignore keeps out: a secret, a virtualenv, caches (never in the image).
    (root / ".env").write_text("API_TOKEN=do-not-ship-me\n")
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / "coursekit" / "__pycache__").mkdir()
    (root / "coursekit" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"stale")
    return root


@pytest.fixture(scope="module")
def image(builder: Builder, context: Path) -> Iterator[str]:
    build_args = {"BASE_IMAGE": LOCAL_BASE} if builder.name == "buildah" else {}
    start = time.monotonic()
    image_id = builder.build(context, context / "Dockerfile", TAG, build_args)
    MEASURED["build_s"] = time.monotonic() - start
    yield TAG
    builder.remove(image_id)


def test_the_image_serves(builder: Builder, image: str, record_property) -> None:
    port = _free_port()
    start = time.monotonic()
    running = builder.run(image, {"PORT": str(port)}, port)
    try:
        try:
            _wait(running.url + "/ready", running)
        except BuilderError as exc:
            pytest.fail(f"the container never became ready: {exc}")
        MEASURED["ready_s"] = time.monotonic() - start
        assert _request(running.url + "/health") == (200, {"status": "ok"})
        from coursekit.app import WARM_UP

        status, score = _request(running.url + "/predict", WARM_UP.model_dump(mode="json"))
        assert status == 200, score
        assert 0.0 <= score["score"] <= 1.0 and score["transaction_id"] == WARM_UP.transaction_id
        uid = running.main_uid()
        assert uid != 0, f"the service runs as root in the container:\n{running.logs()[-2000:]}"
    finally:
        running.stop()
    logs = running.logs()
    assert "Application shutdown complete" in logs, f"no clean shutdown on SIGTERM:\n{logs[-2000:]}"
    record_property("ready_s", round(MEASURED["ready_s"], 1))


def _wait(url: str, running, timeout: float = 90.0) -> None:
    from autograder.containers import wait_until_answers

    wait_until_answers(url, running, timeout)


def test_the_image_is_not_root_and_its_size_is_reported(
    builder: Builder, image: str, record_property
) -> None:
    user = builder.user(image)
    assert user not in ("", "root", "0") and not user.startswith(("0:", "root:")), user
    size = builder.size(image)
    MEASURED["size_mb"] = size / 1e6
    record_property("image_size_bytes", size)
    record_property("build_s", round(MEASURED.get("build_s", float("nan")), 1))
    print(
        f"\n{builder.name}: {image} is {size / 1e6:.1f} MB, built in "
        f"{MEASURED.get('build_s', float('nan')):.1f} s (this run)"
    )
    assert 50e6 < size < 2e9, size


@pytest.mark.parametrize("layout", ["docker", "oci"])
def test_image_report_lists_the_saved_layers(
    builder: Builder, image: str, layout: str, tmp_path: Path
) -> None:
    if layout == "oci" and builder.name == "docker":
        pytest.skip("docker save writes the docker layout only")
    archive = builder.save(image, tmp_path / f"image-{layout}.tar", layout)
    report = _reference_image_report()(archive)
    print(f"\n{layout} archive of {image}:\n{report.to_string(max_colwidth=70)}")
    assert list(report.columns) == ["position", "digest", "size", "blob_size", "created_by"]
    assert list(report["size"]) == sorted(report["size"], reverse=True)
    commands = " ".join(report["created_by"])
    assert "pip install" not in commands, "the runtime stage runs no pip install"
    assert any("COPY" in c and "coursekit" in c for c in report["created_by"]), commands
    assert report.iloc[0]["size"] > 20e6  # the base, or the virtual environment
    total = int(report["size"].sum())
    size = builder.size(image)
    assert abs(total - size) < 0.02 * size, (total, size)  # the layers make the image
    if layout == "oci":
        assert (report["blob_size"] < report["size"]).all()  # buildah compresses OCI layers
    files = _files_in_layers(archive)
    shipped = [f for f in files if f.startswith("app/.") or "/.venv/" in f or f.endswith("/.env")]
    shipped += [f for f in files if f.startswith("app/") and "__pycache__" in f]
    assert not shipped, f"the .dockerignore should have kept these out: {shipped}"
    assert "app/models/model.skops" in files and "app/coursekit/service.py" in files


def _files_in_layers(archive: Path) -> list[str]:
    """Every path in every layer of a saved image (plain or gzip layers, any layout), streamed."""
    import tarfile

    names = []
    with tarfile.open(archive) as outer:
        for member in outer.getmembers():
            if not member.isfile():
                continue
            try:
                with tarfile.open(fileobj=outer.extractfile(member), mode="r|*") as layer:
                    names += [m.name.removeprefix("./") for m in layer]
            except tarfile.ReadError:
                continue  # a JSON file, not a layer
    return names
