"""Lesson 14's artifact store (exercise 05's reference) against moto's standalone S3 server.

The graded checks start moto's S3 app in a thread of the learner's process; here the server is
`moto_server`, the command a team runs beside its tests, started as a real subprocess on a free
port of 127.0.0.1 and stopped by the test module. Through it, end to end:

- the lesson's fraud model (coursekit.serving_model.make_model_file) and its sidecar are
  published under content-addressed keys, fetched into another folder and loaded with lesson 07's
  load_model, scoring as the original; the sidecar's sha256 is the digest in the model's key;
- publishing again, and eight threads publishing the same file at once, leave one version of it
  in a versioned bucket, and every publisher gets the same key;
- an object replaced behind the store's back is refused on the way down (IntegrityError), and
  the file already at dest survives;
- a presigned URL downloads the object without credentials, and carries X-Amz-Expires.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from autograder.manifest import COURSE_ROOT

pytestmark = pytest.mark.integration

SOLUTION = COURSE_ROOT / "solutions" / "14_cicd" / "ex05_artifact_store.py"
BUCKET = "fraud-models"
PREFIX = "models/fraud"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _moto_server() -> str:
    beside = Path(sys.executable).parent / "moto_server"
    path = str(beside) if beside.exists() else shutil.which("moto_server")
    if path is None:
        pytest.skip("moto_server is not installed (the course pins moto[s3,server])")
    return path


def _no_proxy() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [_moto_server(), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with _no_proxy().open(f"{url}/moto-api/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"moto_server did not answer on {url} (exit code {process.poll()}):\n"
                    + log.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def store(endpoint: str):
    """The client a deployment would build from its environment; here dummy credentials."""
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="integration-test",
        aws_secret_access_key="integration-test-secret",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return client


@pytest.fixture(scope="module")
def artifacts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reference_artifact_store", SOLUTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _versions(store, key: str) -> list[dict]:
    listed = store.list_object_versions(Bucket=BUCKET, Prefix=key)
    return [v for v in listed.get("Versions", []) if v["Key"] == key]


def test_a_real_model_round_trip(store, artifacts, tmp_path: Path) -> None:
    import json

    import coursedata
    from coursekit.model_io import load_model, sidecar_path
    from coursekit.serving_model import make_model_file, to_features

    built = make_model_file(tmp_path / "built")
    side = sidecar_path(built)
    model_key = artifacts.publish_model(built, BUCKET, PREFIX, store)
    side_key = artifacts.publish_model(side, BUCKET, PREFIX, store)
    digest = Path(model_key).stem
    assert model_key == f"{PREFIX}/{digest}.skops"
    assert json.loads(side.read_text())["sha256"] == digest  # lesson 07's sidecar agrees

    served = tmp_path / "served"
    served.mkdir()
    dest = artifacts.fetch_model(BUCKET, model_key, served / built.name, store)
    artifacts.fetch_model(BUCKET, side_key, sidecar_path(dest), store)
    original, _ = load_model(built)
    fetched, metadata = load_model(dest)
    rows = coursedata.sample("small", seed=1).transactions.head(50)
    X = to_features(rows.to_dict("records"))
    assert (fetched.predict_proba(X) == original.predict_proba(X)).all()
    assert metadata["sha256"] == digest
    assert sorted(p.name for p in served.iterdir()) == sorted([built.name, side.name])


def test_publishing_again_keeps_one_version(store, artifacts, tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    path.write_bytes(b"version one of a model\n" * 100)
    first = artifacts.publish_model(path, BUCKET, PREFIX, store)
    again = artifacts.publish_model(str(path), BUCKET, PREFIX, store)
    assert first == again
    assert len(_versions(store, first)) == 1


def test_concurrent_publishers_write_once(store, artifacts, tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    path.write_bytes(b"published by eight runners at once\n" * 5000)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(
            pool.map(lambda _: artifacts.publish_model(path, BUCKET, PREFIX, store), range(8))
        )
    assert len(set(keys)) == 1
    assert len(_versions(store, keys[0])) == 1


def test_a_replaced_object_is_refused(store, artifacts, tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    path.write_bytes(b"the published bytes\n" * 300)
    key = artifacts.publish_model(path, BUCKET, PREFIX, store)
    store.put_object(Bucket=BUCKET, Key=key, Body=b"something else entirely")  # behind its back
    dest = tmp_path / "served.joblib"
    dest.write_bytes(b"the model served until now")
    with pytest.raises(artifacts.IntegrityError, match=key):
        artifacts.fetch_model(BUCKET, key, dest, store)
    assert dest.read_bytes() == b"the model served until now"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.joblib", "served.joblib"]


def test_presigned_url_downloads_without_credentials(store, artifacts, tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    data = b"shared for ten minutes\n" * 40
    path.write_bytes(data)
    key = artifacts.publish_model(path, BUCKET, PREFIX, store)
    url = artifacts.presigned_url(BUCKET, key, store, 600)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query["X-Amz-Expires"] == "600"
    with _no_proxy().open(url, timeout=10) as response:
        assert response.status == 200
        assert response.read() == data
