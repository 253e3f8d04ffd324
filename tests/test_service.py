"""coursekit/service.py, the container's entry point: settings read once at startup (a bad one
stops the process with the variable named, before anything is served), the app built from them,
nothing read at import; `python -m coursekit.service` runs uvicorn on the settings' host, port
and level, and `uvicorn coursekit.service:app` (the image's command) serves for real on
127.0.0.1 and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import coursekit.service as service
from coursekit.app import WARM_UP
from coursekit.serving_model import make_model_file
from coursekit.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
VARIABLES = ("HOST", "PORT", "MODEL_PATH", "LOG_LEVEL", "BATCH_LIMIT")


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> str:
    return str(make_model_file(tmp_path_factory.mktemp("model")))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    return {**env, "PYTHONPATH": str(ROOT), **variables}


def _get(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _wait_ready(base: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the service exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            if _get(base + "/ready")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the service did not become ready within {timeout} s")


def _stop(proc: subprocess.Popen) -> int:
    """SIGTERM, as `docker stop` sends it; the exit code (killed after 10 s)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
            pytest.fail("the service did not stop within 10 s of SIGTERM")
    return proc.returncode


def test_import_reads_nothing(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert service._made == {}  # imported above, with no MODEL_PATH anywhere: nothing was read
    with pytest.raises(AttributeError):
        service.no_such_thing  # noqa: B018


def test_bad_configuration_exits_naming_the_variable(model_path):
    with pytest.raises(SystemExit) as excinfo:
        service.read_settings({"MODEL_PATH": model_path, "PORT": "0", "BATCH_LIMIT": "x"})
    message = str(excinfo.value.code)
    assert "PORT: " in message and "BATCH_LIMIT: " in message
    assert "MODEL_PATH" not in message
    with pytest.raises(SystemExit, match="MODEL_PATH"):
        service.main({"PORT": "8000"})  # exits before uvicorn starts: nothing served


def test_app_and_settings_made_once_from_the_environment(monkeypatch, model_path):
    monkeypatch.setattr(service, "_made", {})
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MODEL_PATH", model_path)
    monkeypatch.setenv("BATCH_LIMIT", "3")
    app = service.app
    assert isinstance(app, FastAPI) and service.app is app
    assert service.settings.batch_limit == 3
    body = WARM_UP.model_dump(mode="json")
    with TestClient(app) as client:
        deadline = time.monotonic() + 20
        while client.get("/ready").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/health").status_code == 200
        score = client.post("/predict", json=body)
        assert score.status_code == 200, score.text
        assert 0.0 <= score.json()["score"] <= 1.0
        batch = {"transactions": [{**body, "transaction_id": k} for k in range(4)]}
        assert client.post("/predict/batch", json=batch).status_code == 413  # BATCH_LIMIT=3


def test_build_app_takes_the_batch_limit(model_path):
    settings = load_settings({"MODEL_PATH": model_path, "BATCH_LIMIT": "2"})
    body = WARM_UP.model_dump(mode="json")
    with TestClient(service.build_app(settings)) as client:
        two = {"transactions": [{**body, "transaction_id": k} for k in range(2)]}
        deadline = time.monotonic() + 20
        while client.get("/ready").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.post("/predict/batch", json=two).status_code == 200
        assert client.post("/predict/batch", json={"transactions": [body] * 3}).status_code == 413


def test_main_serves_on_the_settings_host_port_and_level(monkeypatch, model_path):
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append((app, kwargs)))
    service.main({"MODEL_PATH": model_path, "HOST": "127.0.0.1", "PORT": "9123",
                  "LOG_LEVEL": "WARNING"})  # fmt: skip
    [(app, kwargs)] = calls
    assert isinstance(app, FastAPI)
    assert kwargs == {"host": "127.0.0.1", "port": 9123, "log_level": "warning"}


def test_serves_for_real_and_stops_on_sigterm(model_path):
    # What the image's CMD runs; the real process also proves the lazy `app` works for uvicorn.
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "coursekit.service:app", "--host", "127.0.0.1",
               "--port", str(port)]  # fmt: skip
    env = _env(MODEL_PATH=model_path, PORT=str(port), BATCH_LIMIT="2")
    proc = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, proc)
        assert _get(base + "/health") == (200, {"status": "ok"})
        body = WARM_UP.model_dump(mode="json")
        status, score = _get(base + "/predict", body)
        assert status == 200 and 0.0 <= score["score"] <= 1.0
        assert _get(base + "/predict/batch", {"transactions": [body] * 3})[0] == 413
    finally:
        code = _stop(proc)
    log = proc.stderr.read()
    # uvicorn finishes the app's shutdown, then ends by the signal it caught (or exits 0)
    assert code in (0, -signal.SIGTERM), log[-2000:]
    assert "Application shutdown complete" in log, log[-2000:]


def test_bad_configuration_stops_the_server_before_it_serves(model_path):
    port = _free_port()
    env = _env(MODEL_PATH=model_path, PORT="8000", LOG_LEVEL="loud")
    command = [sys.executable, "-m", "uvicorn", "coursekit.service:app", "--port", str(port),
               "--host", "127.0.0.1"]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "LOG_LEVEL: " in done.stderr
    assert "Uvicorn running" not in done.stderr


def test_the_service_imports_nothing_the_image_lacks():
    """The image ships coursekit/ and its pinned requirements, not the data generator: importing
    the service and scoring a request must not need `coursedata` (whose vocabulary the schemas
    and the features copy, and must copy exactly)."""
    code = (
        "import sys, builtins\n"
        "real = builtins.__import__\n"
        "def guard(name, *a, **k):\n"
        "    if name.split('.')[0] == 'coursedata':\n"
        "        raise ImportError('the image has no coursedata')\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = guard\n"
        "import coursekit.service, coursekit.app, coursekit.schemas, coursekit.serving_model as m\n"
        "from coursekit.schemas import Transaction\n"
        "row = {'transaction_id': 1, 'timestamp': '2025-01-01T10:00:00+00:00', 'amount': 12.5,\n"
        "       'currency': 'EUR', 'merchant_category': 'crypto', 'channel': 'web',\n"
        "       'card_country': 'FR', 'merchant_country': 'DE'}\n"
        "m.to_features([Transaction.model_validate(row)])\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-2000:]


def test_the_service_vocabulary_is_the_data_worlds():
    from coursedata import vocabulary
    from coursekit import schemas

    assert schemas.CATEGORIES == vocabulary.CATEGORIES
    assert schemas.CHANNELS == vocabulary.CHANNELS
