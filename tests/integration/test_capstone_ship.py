"""The capstone's parts MONITOR and SHIP for real (integration tier):

- promtool: `promtool check config` accepts the given monitoring/prometheus.yml (with the
  reference alerts.yml it loads), `promtool test rules` passes the given alerts_test.yml on the
  reference, and fails on every mutant of capstone/alerts except those listed in PROMTOOL_BLIND
  (which the graded structural checks still catch).
- the image: the reference Dockerfile built with the machine's engine (`find_builder`: Docker,
  else buildah with the local base localhost/pybase:bookworm that `.ci/integration-deps`
  makes, per ../shared/recipes/containers.md), in the build context its contract describes (the
  repository's root: coursekit/, capstone/requirements.txt, capstone/fraudsys/ of the
  reference, capstone/models/ with a model fitted on the reference's features), with junk the
  ignore file must keep out. Then run: it becomes ready, answers /predict, exports
  fraudsys_requests_total on /metrics, its process is not root, its own HEALTHCHECK command
  passes against it, and it shuts down cleanly on SIGTERM. Skipped, with the reason, only when
  the machine has no engine (or no promtool).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from promtool_mutants import assert_promtool_agrees, mutant_params, promtool

from autograder.containers import Builder, BuilderError
from autograder.manifest import COURSE_ROOT

pytestmark = pytest.mark.integration

SOLUTION = COURSE_ROOT / "solutions" / "capstone"
MONITORING = SOLUTION / "monitoring"
EXERCISE = "capstone/alerts"
LOCAL_BASE = "localhost/pybase:bookworm"
TAG = "localhost/mlgrade-fraudsys:test"
# Mistakes the unit tests' series cannot tell apart from the reference (promtool evaluates them
# alike); the graded structural checks catch them.
PROMTOOL_BLIND = {
    "errors_with_irate": "irate over [5m] of a steady error rate crosses 2 % at the same "
    "evaluations as rate does; it differs on bursts shorter than the window",
}


def _monitoring_folder(tmp_path: Path, alerts: str) -> Path:
    shutil.copy(MONITORING / "prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copy(MONITORING / "alerts_test.yml", tmp_path / "alerts_test.yml")
    (tmp_path / "alerts.yml").write_text(alerts, encoding="utf-8")
    return tmp_path


# --- promtool ---------------------------------------------------------------------------------


def test_promtool_accepts_the_configuration_and_the_rules(tmp_path: Path) -> None:
    folder = _monitoring_folder(tmp_path, (MONITORING / "alerts.yml").read_text())
    checked = promtool(folder, "check", "config", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 4 rules found" in checked.stdout, checked.stdout


def test_promtool_unit_tests_pass_on_the_reference(tmp_path: Path) -> None:
    folder = _monitoring_folder(tmp_path, (MONITORING / "alerts.yml").read_text())
    tested = promtool(folder, "test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


@pytest.mark.parametrize("mutant, text", mutant_params(EXERCISE))
def test_promtool_agrees_with_the_structural_checks(mutant, text: str, tmp_path: Path) -> None:
    folder = _monitoring_folder(tmp_path, text)
    assert_promtool_agrees(
        mutant, text, folder, "autograder.checks.capstone.alerts", PROMTOOL_BLIND
    )


_FIT = textwrap.dedent(
    """
    import sys
    import coursedata
    from coursekit.model_io import save_model
    from fraudsys.features import FEATURES, build_features
    from fraudsys.train import make_model

    tx = coursedata.sample("small", 0).transactions
    model = make_model().fit(build_features(tx)[list(FEATURES)], tx["is_fraud"].astype(int))
    save_model(model, sys.argv[1], {"feature_names": list(FEATURES), "model_version": "ship-test"})
    """
)


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Path:
    """The repository's root as the build context sees it: what the image needs, and junk."""
    root = tmp_path_factory.mktemp("context")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(COURSE_ROOT / "coursekit", root / "coursekit", ignore=ignore)
    capstone = root / "capstone"
    capstone.mkdir()
    for name in ("Dockerfile", "Dockerfile.dockerignore", "requirements.txt"):
        shutil.copy(SOLUTION / name, capstone / name)
    shutil.copytree(SOLUTION / "fraudsys", capstone / "fraudsys", ignore=ignore)
    shutil.copytree(MONITORING, capstone / "monitoring")
    (capstone / "models").mkdir()
    fitted = subprocess.run(
        [sys.executable, "-c", _FIT, str(capstone / "models" / "model.skops")],
        env={"PYTHONPATH": f"{SOLUTION}:{COURSE_ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fitted.returncode == 0, fitted.stderr[-3000:]
    for path in root.rglob("*"):  # a git checkout's modes, whatever the copies kept
        path.chmod(0o755 if path.is_dir() else 0o644)
    # Junk the ignore file keeps out: lessons, a virtual environment, a secret, caches, an
    # MLflow store.
    (root / "lessons").mkdir()
    (root / "lessons" / "notes.md").write_text("not for the image\n")
    (root / ".venv" / "lib").mkdir(parents=True)
    (capstone / ".env").write_text("GF_ADMIN_PASSWORD=do-not-ship-me\n")
    (capstone / "fraudsys" / "__pycache__").mkdir()
    (capstone / "fraudsys" / "__pycache__" / "service.cpython-311.pyc").write_bytes(b"stale")
    (capstone / "mlruns").mkdir()
    (capstone / "mlruns" / "mlflow.db").write_bytes(b"SQLite format 3\0")
    # Docker reads capstone/Dockerfile.dockerignore beside the Dockerfile; buildah 1.28 reads
    # the context's .dockerignore: the same patterns.
    shutil.copy(capstone / "Dockerfile.dockerignore", root / ".dockerignore")
    return root


@pytest.fixture(scope="module")
def image(builder: Builder, context: Path) -> Iterator[str]:
    build_args = {"BASE_IMAGE": LOCAL_BASE} if builder.name == "buildah" else {}
    try:
        image_id = builder.build(context, context / "capstone" / "Dockerfile", TAG, build_args)
    except BuilderError as exc:
        pytest.fail(f"the reference capstone image did not build: {exc}")
    yield TAG
    builder.remove(image_id)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, body: dict | None = None) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def _buildah(*args: str) -> str:
    return subprocess.run(
        ["buildah", *args], capture_output=True, text=True, check=True, timeout=120
    ).stdout


def _in_container(image: str, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """`argv` in a fresh container of `image` (buildah's chroot isolation shares the host's
    network: 127.0.0.1:<port> is the running service)."""
    container = _buildah("from", "--pull=never", "--quiet", image).strip()
    envs = [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]
    try:
        return subprocess.run(
            ["buildah", "run", "--isolation", "chroot", *envs, container, "--", *argv],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        subprocess.run(["buildah", "rm", container], capture_output=True, timeout=60)


def _healthcheck(image: str, port: int) -> subprocess.CompletedProcess:
    """The image's own HEALTHCHECK command (exec form), run against the service on `port`."""
    config = json.loads(_buildah("inspect", "--type", "image", image))["Docker"]["config"]
    test = config.get("Healthcheck", {}).get("Test") or []
    assert test[:1] == ["CMD"], f"the image's HEALTHCHECK is not in exec form: {test}"
    return _in_container(image, test[1:], {"PORT": str(port)})


def test_the_image_serves_non_root_and_passes_its_health_check(
    builder: Builder, image: str, record_property
) -> None:
    from autograder.containers import wait_until_answers

    user = builder.user(image)
    assert user not in ("", "root", "0") and not user.startswith(("0:", "root:")), user
    port = _free_port()
    start = time.monotonic()
    running = builder.run(image, {"PORT": str(port)}, port)
    try:
        try:
            wait_until_answers(running.url + "/ready", running, 120.0)
        except BuilderError as exc:
            pytest.fail(f"the container never became ready: {exc}")
        record_property("ready_s", round(time.monotonic() - start, 1))
        assert _request(running.url + "/health")[0] == 200
        from coursekit.app import WARM_UP  # a valid coursekit.schemas.Transaction

        body = {**WARM_UP.model_dump(mode="json"), "transaction_id": 7}
        status, text = _request(running.url + "/predict", body)
        assert status == 200, text
        assert 0.0 <= json.loads(text)["score"] <= 1.0, text
        status, metrics = _request(running.url + "/metrics")
        assert status == 200 and "fraudsys_requests_total{" in metrics, metrics[:2000]
        assert running.main_uid() != 0, f"the service runs as root:\n{running.logs()[-2000:]}"
        if builder.name == "buildah":
            checked = _healthcheck(image, port)
            assert checked.returncode == 0, (
                f"the image's HEALTHCHECK failed against the running service:\n"
                f"{checked.stdout}{checked.stderr}"
            )
    finally:
        running.stop()
    if builder.name == "buildah":
        listed = _in_container(image, ["find", "/app", "-maxdepth", "3"], {})
        kept_out = [p for p in listed.stdout.split() if "__pycache__" in p or p.endswith(".env")]
        assert listed.returncode == 0 and not kept_out, (listed.stdout, listed.stderr)
        assert "/app/models/model.skops" in listed.stdout.split(), listed.stdout
    logs = running.logs()
    assert "Application shutdown complete" in logs, f"no clean shutdown on SIGTERM:\n{logs[-2000:]}"
