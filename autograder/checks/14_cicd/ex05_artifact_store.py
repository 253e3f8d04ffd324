"""Checks for 14_cicd/ex05_artifact_store (see solutions/14_cicd/ex05_artifact_store.py for the reference)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import tokenize
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import numpy as np

from autograder.assertions import fail

# ex05 · publish_model, fetch_model, presigned_url
#
# A boto3 client cannot cross between processes, and the sandbox gives the learner's process its
# own 127.0.0.1, so every check runs one session in the learner's process (`submission.observe`):
# `_session` starts moto's standalone S3 server there (its WSGI app under werkzeug, as moto's
# ThreadedMotoServer runs it, on a free port, with a short shutdown poll), builds the client the
# learner's functions receive (dummy credentials, signature version 4), runs the check's steps
# in order (the learner's calls, and the check's own puts, reads and version listings through a
# second client), and stops the server, even when the learner's code raises. Around the learner's
# calls it records every request `store` sends, every operation's parameters, every client
# created, every os.replace / os.rename, and, for fetch_model, what `dest` held at each read of
# the object's body. The facts come back as plain values.

BUCKET = "course-models"
PREFIX = "models/fraud"
ACCESS_KEY = "course-probe-key"  # dummy credentials of the probe's client
SECRET_KEY = "course-probe-secret"
REGION = "us-east-1"
OLD = b"yesterday's model, which must survive a failed download\n"
MAX_EXPIRES_IN = 604800
CREDENTIAL_NAMES = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}


def _blob(n: int, seed: int) -> bytes:
    return np.random.default_rng(seed).bytes(n)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _address(data: bytes, suffix: str = ".joblib", prefix: str = PREFIX) -> str:
    return f"{prefix}/{_sha(data)}{suffix}"


# --- run in the learner's process -----------------------------------------------------------


@contextlib.contextmanager
def _moto():
    """moto's S3 server on a free port of 127.0.0.1, in a thread; its state reset; stopped on
    the way out."""
    import logging
    import threading
    import urllib.request

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_port}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        opener.open(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=5)
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=5,
            read_timeout=10,
        ),
    )


class _Watch:
    """What `store` did during one learner call, recorded through botocore's events."""

    def __init__(self, store, admin) -> None:
        self.store, self.admin = store, admin
        self.requests: list[tuple[str, str]] = []
        self.operations: list[tuple[str, dict]] = []
        self.race: tuple[bytes, dict] | None = None  # planted at the next upload's key
        self.dest: str | None = None  # watched at each read of a GetObject body
        self.reads: list[bytes | None] = []
        events = store.meta.events
        events.register("before-send.s3", self._sent)
        events.register("before-parameter-build.s3", self._operation)
        events.register("after-call.s3.GetObject", self._got)

    def _sent(self, request, **_):
        self.requests.append((request.method, urlsplit(request.url).path))

    def _operation(self, params, model, **_):
        shown = {k: v for k, v in params.items() if k not in ("Body", "Fileobj")}
        self.operations.append((model.name, shown))
        if self.race is not None and model.name in ("PutObject", "CreateMultipartUpload"):
            body, metadata = self.race
            self.race = None  # another publisher writes first, between a check and a put
            self.admin.put_object(
                Bucket=params["Bucket"], Key=params["Key"], Body=body, Metadata=metadata
            )

    def _got(self, parsed, **_):
        if self.dest is not None and "Body" in parsed:
            parsed["Body"] = _watched_body(parsed["Body"], self)

    def snapshot(self) -> None:
        if len(self.reads) < 200:
            path = Path(self.dest)
            self.reads.append(path.read_bytes() if path.exists() else None)


def _watched_body(body, watch: _Watch):
    from botocore.response import StreamingBody

    class WatchedBody(StreamingBody):
        def read(self, amt=None):
            watch.snapshot()
            return super().read(amt)

    return WatchedBody(body._raw_stream, body._content_length)


@contextlib.contextmanager
def _recording(module, log: dict):
    """Record the clients created and the files renamed while the learner's code runs."""
    import botocore.session

    real_create = botocore.session.Session.create_client
    real = {"replace": os.replace, "rename": os.rename}

    def create_client(self, *args, **kwargs):
        log["clients"].append(str(args[0] if args else kwargs.get("service_name")))
        return real_create(self, *args, **kwargs)

    def renamer(name):
        def rename(src, dst, *args, **kwargs):
            log["renames"].append(
                (os.path.abspath(os.fspath(src)), os.path.abspath(os.fspath(dst)))
            )
            return real[name](src, dst, *args, **kwargs)

        return rename

    patched = {name: renamer(name) for name in real}
    aliases = [k for k, v in vars(module).items() if any(v is f for f in real.values())]
    saved = {k: getattr(module, k) for k in aliases}
    botocore.session.Session.create_client = create_client
    os.replace, os.rename = patched["replace"], patched["rename"]
    for k in aliases:
        setattr(module, k, patched["replace" if saved[k] is real["replace"] else "rename"])
    try:
        yield
    finally:
        botocore.session.Session.create_client = real_create
        os.replace, os.rename = real["replace"], real["rename"]
        for k, v in saved.items():
            setattr(module, k, v)


def _call(module, watch: _Watch, name: str, args: tuple, dest: str | None = None) -> dict:
    """One call of the learner's function `name`, with everything it did."""
    watch.requests, watch.operations, watch.reads = [], [], []
    watch.dest = dest
    log: dict = {"clients": [], "renames": []}
    out: dict[str, Any] = {"value": None, "type": None, "error": None}
    try:
        with _recording(module, log):
            value = getattr(module, name)(*args)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        integrity = getattr(module, "IntegrityError", None)
        out["error"] = {
            "type": type(exc).__name__,
            "message": str(exc)[:600],
            "integrity": isinstance(integrity, type) and isinstance(exc, integrity),
            "value_error": isinstance(exc, ValueError),
            "file_not_found": isinstance(exc, FileNotFoundError),
            "code": getattr(exc, "response", {}).get("Error", {}).get("Code")
            if isinstance(getattr(exc, "response", None), dict)
            else None,
        }
    else:
        out["type"] = type(value).__name__
        out["value"] = os.fspath(value) if isinstance(value, (str, Path)) else repr(value)[:200]
    finally:
        watch.dest = None
        watch.race = None
    out.update(
        requests=list(watch.requests),
        operations=list(watch.operations),
        clients=log["clients"],
        renames=log["renames"],
        reads=list(watch.reads),
    )
    return out


def _fetch_url(url: str) -> dict:
    import httpx

    try:
        response = httpx.get(url, timeout=5, trust_env=False)
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        return {"status": None, "body": b"", "error": f"{type(exc).__name__}: {exc}"}
    return {"status": response.status_code, "body": response.content, "error": None}


def _session(module, steps: list, versioned: bool = True) -> list:
    """Run `steps` against a fresh S3 server in the learner's process; one result per step."""
    results: list = []
    with _moto() as endpoint:
        store, admin = _client(endpoint), _client(endpoint)
        admin.create_bucket(Bucket=BUCKET)
        if versioned:  # every write is kept as a version: an overwrite shows
            admin.put_bucket_versioning(
                Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"}
            )
        watch = _Watch(store, admin)
        for op, *args in steps:
            if op == "publish":
                path, bucket, key, *as_path = args  # path as a Path if as_path
                path = Path(path) if as_path and as_path[0] else path
                results.append(_call(module, watch, "publish_model", (path, bucket, key, store)))
            elif op == "fetch":
                bucket, key, dest, watched, *as_path = args  # dest as a Path if as_path
                dest = Path(dest) if as_path and as_path[0] else dest
                results.append(
                    _call(module, watch, "fetch_model", (bucket, key, dest, store), watched)
                )
            elif op == "presign":
                bucket, key, expires_in = args
                result = _call(module, watch, "presigned_url", (bucket, key, store, expires_in))
                if isinstance(result["value"], str):
                    result["http"] = _fetch_url(result["value"])
                    result["signed_get"] = _sigv4_valid(result["value"], "GET", SECRET_KEY)
                    result["signed_put"] = _sigv4_valid(result["value"], "PUT", SECRET_KEY)
                results.append(result)
            elif op == "race":
                watch.race = (args[0], args[1])
                results.append(None)
            elif op == "plant":
                key, body, metadata = args
                admin.put_object(Bucket=BUCKET, Key=key, Body=body, Metadata=metadata)
                results.append(None)
            elif op == "versions":
                listed = admin.list_object_versions(Bucket=BUCKET, Prefix=args[0])
                results.append(sorted((v["Key"], v["Size"]) for v in listed.get("Versions", [])))
            elif op == "object":
                try:
                    got = admin.get_object(Bucket=BUCKET, Key=args[0])
                except admin.exceptions.NoSuchKey:
                    results.append({"body": None, "metadata": None})
                    continue
                results.append({"body": got["Body"].read(), "metadata": got.get("Metadata", {})})
            else:
                raise ValueError(f"unknown step {op!r}")
    return results


def _sigv4_valid(url: str, method: str, secret: str) -> bool:
    """Whether `url`'s query signature (AWS signature version 4, only the host header signed)
    is the one `secret` gives for `method`, computed here by hand rather than by botocore."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    fields = dict(query)
    credential = fields.get("X-Amz-Credential", "")
    if (
        fields.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256"
        or fields.get("X-Amz-SignedHeaders") != "host"
        or credential.count("/") != 4
        or "X-Amz-Signature" not in fields
    ):
        return False

    def encode(text: str) -> str:
        return quote(text, safe="-_.~")

    canonical_query = "&".join(
        f"{encode(k)}={encode(v)}" for k, v in sorted(query) if k != "X-Amz-Signature"
    )
    canonical = "\n".join(
        [
            method,
            parts.path,
            canonical_query,
            f"host:{parts.netloc}",
            "",
            "host",
            "UNSIGNED-PAYLOAD",
        ]
    )
    scope = credential.split("/", 1)[1]
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            fields.get("X-Amz-Date", ""),
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    want = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, fields["X-Amz-Signature"])


# --- the checks' side -------------------------------------------------------------------------


def _run(submission, steps: list, versioned: bool = True) -> list:
    return submission.observe(_session, steps, versioned)


def _got(result: dict) -> str:
    if result["error"] is not None:
        e = result["error"]
        return f"{e['type']}: {e['message'][:300]}"
    return f"{result['type']} {result['value']!r}"


def _returned(result: dict, what: str) -> Any:
    """The value a call returned; fail if it raised."""
    if result["error"] is not None:
        fail(f"{what} raised {_got(result)}, where it should have succeeded")
    return result["value"]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _content(path: Path) -> bytes | None:
    """A file's bytes, or None when it does not exist."""
    return path.read_bytes() if path.is_file() else None


def _plant(data: bytes, key: str | None = None, metadata: dict | None = None) -> tuple:
    """A step that stores `data` at `key` (its address by default) as publish_model would."""
    key = key or _address(data)
    return ("plant", key, data, {"sha256": _sha(data)} if metadata is None else metadata)


class TestPublishModel:
    def test_key_is_made_from_the_content(self, submission, exchange):
        a, b = _blob(3000, seed=1), _blob(2500, seed=2)
        cases = [
            (_write(exchange, "a/model.joblib", a), PREFIX, _address(a)),
            (_write(exchange, "b/model.joblib", b), PREFIX, _address(b)),
            (_write(exchange, "c/model", a), PREFIX, _address(a, "")),
            (_write(exchange, "d/model.onnx", a), "team/x", _address(a, ".onnx", "team/x")),
            (_write(exchange, "e/empty.bin", b""), PREFIX, _address(b"", ".bin")),
        ]
        steps: list = [
            ("publish", str(p), BUCKET, key, k % 2 == 1) for k, (p, key, _) in enumerate(cases)
        ]
        steps += [("object", want) for _, _, want in cases]
        results = _run(submission, steps)
        for k, ((path, key, want), result) in enumerate(zip(cases, results, strict=False)):
            kind = "Path" if k % 2 else "str"
            where = f"publish_model({kind} {path.parent.name}/{path.name}, bucket, {key!r}, store)"
            got = _returned(result, where)
            if got != want:
                fail(
                    f"{where} returned {got!r}, expected {want!r}: the object's key is "
                    "f'{key}/{sha256 of the bytes, 64 lowercase hex}{Path(path).suffix}', so "
                    "that a version's name is its content and two different files never share it"
                )
        for (path, _, want), stored in zip(cases, results[len(cases) :], strict=True):
            data = path.read_bytes()
            if stored["body"] is None:
                fail(f"publish_model returned {want!r}, but no object exists at that key")
            if stored["body"] != data:
                fail(
                    f"the object at {want!r} holds {len(stored['body'])} bytes that are not the "
                    f"{len(data)} bytes of {path.name}: upload the file's bytes unchanged"
                )

    def test_records_the_digest_in_metadata(self, submission, exchange):
        a = _blob(1800, seed=3)
        path = _write(exchange, "model.joblib", a)
        results = _run(
            submission, [("publish", str(path), BUCKET, PREFIX), ("object", _address(a))]
        )
        _returned(results[0], "publish_model(model.joblib, ...)")
        stored = results[1]
        if stored["metadata"] != {"sha256": _sha(a)}:
            fail(
                f"the published object's metadata is {stored['metadata']}, expected "
                f"{{'sha256': {_sha(a)!r}}}: put_object(..., Metadata={{'sha256': digest}}) "
                "lets whoever reads the object check it without knowing its key's layout"
            )
        puts = [p for name, p in results[0]["operations"] if name == "PutObject"]
        if len(puts) != 1:
            fail(
                f"publishing one new file made {len(puts)} put_object call(s), expected exactly "
                "one (a single conditional put)"
            )

    def test_publishing_again_writes_nothing(self, submission, exchange):
        a, b = _blob(2200, seed=4), _blob(2200, seed=5)
        pa = _write(exchange, "a/model.joblib", a)
        pb = _write(exchange, "b/model.joblib", b)
        steps = [("publish", str(p), BUCKET, PREFIX) for p in (pa, pa, pb, pa)]
        results = _run(submission, [*steps, ("versions", PREFIX)])
        want = [_address(a), _address(a), _address(b), _address(a)]
        for k, (result, key) in enumerate(zip(results[:4], want, strict=True)):
            got = _returned(result, f"publish number {k + 1} (of A, A, B, A)")
            if got != key:
                fail(
                    f"publishing A, A, B, A: call {k + 1} returned {got!r}, expected {key!r}: "
                    "publishing the same content again returns the same key, without error"
                )
        versions = results[4]
        if len(versions) != 2:
            fail(
                f"publishing A, A, B, A into a versioned bucket left {len(versions)} versions "
                f"under {PREFIX}/ ({versions}), expected 2 (one per content): publishing A "
                "again wrote over its published object. put_object(..., IfNoneMatch='*') lets "
                "S3 refuse the write (PreconditionFailed), and that refusal means 'already "
                "published'"
            )

    def test_never_overwrites_an_existing_object(self, submission, exchange):
        a = _blob(2600, seed=6)
        path = _write(exchange, "model.joblib", a)
        marked = {"sha256": _sha(a), "publisher": "the-nightly-job"}
        steps = [
            _plant(a, metadata=marked),
            ("publish", str(path), BUCKET, PREFIX),
            ("versions", PREFIX),
            ("object", _address(a)),
        ]
        results = _run(submission, steps)
        got = _returned(results[1], "publish_model of a file that is already published")
        if got != _address(a):
            fail(
                f"publish_model of a file already published returned {got!r}, expected "
                f"{_address(a)!r}"
            )
        if len(results[2]) != 1 or results[3]["metadata"] != marked:
            fail(
                f"{_address(a)} was already published; publish_model wrote it again (versions "
                f"now: {len(results[2])}, metadata {results[3]['metadata']}): a published "
                "version is never written over. Put with IfNoneMatch='*', and treat "
                "PreconditionFailed as 'already there'"
            )

    def test_a_concurrent_publisher_is_not_overwritten(self, submission, exchange):
        # Another job publishes the same file between the learner's existence check and its put.
        a = _blob(2400, seed=7)
        path = _write(exchange, "model.joblib", a)
        theirs = {"sha256": _sha(a), "publisher": "another-runner"}
        steps = [
            ("race", a, theirs),
            ("publish", str(path), BUCKET, PREFIX),
            ("versions", PREFIX),
            ("object", _address(a)),
        ]
        results = _run(submission, steps)
        got = _returned(
            results[1], "publish_model, while another runner published the same file at once"
        )
        if got != _address(a):
            fail(f"publish_model returned {got!r}, expected {_address(a)!r}")
        if len(results[2]) != 1 or results[3]["metadata"] != theirs:
            fail(
                "another runner published the same file just before your put_object was sent "
                f"(after any check you made), and your put wrote over its object (versions now: "
                f"{len(results[2])}). Asking first (head_object) then putting leaves that gap; "
                "put_object(..., IfNoneMatch='*') closes it: S3 decides, in one step, and "
                "refuses with PreconditionFailed"
            )

    def test_other_store_errors_propagate(self, submission, exchange):
        path = _write(exchange, "model.joblib", _blob(500, seed=8))
        result = _run(submission, [("publish", str(path), "no-such-bucket", PREFIX)])[0]
        if result["error"] is None:
            fail(
                f"publish_model into a bucket that does not exist returned {_got(result)}: only "
                "PreconditionFailed means 'already published'; any other error of the store "
                "(here NoSuchBucket) must reach the caller, or a release believes it published"
            )
        if result["error"]["code"] != "NoSuchBucket":
            fail(
                f"publish_model into a bucket that does not exist raised {_got(result)}, "
                "expected the store's own error (botocore's ClientError, code NoSuchBucket), "
                "unchanged"
            )

    def test_refuses_bad_arguments_before_any_request(self, submission, exchange):
        path = _write(exchange, "model.joblib", _blob(400, seed=9))
        cases = [
            ((str(path), "", PREFIX), "an empty bucket", "value_error"),
            ((str(path), None, PREFIX), "bucket=None", "value_error"),
            ((str(path), BUCKET, ""), "an empty key", "value_error"),
            ((str(path), BUCKET, "/models"), "a key starting with '/'", "value_error"),
            ((str(path), BUCKET, "models/"), "a key ending with '/'", "value_error"),
            ((str(path), BUCKET, 7), "key=7", "value_error"),
            ((str(exchange / "absent.joblib"), BUCKET, PREFIX), "a missing file", "file_not_found"),
        ]
        results = _run(submission, [("publish", *args) for args, _, _ in cases])
        for (_, why, kind), result in zip(cases, results, strict=True):
            want = "ValueError" if kind == "value_error" else "FileNotFoundError"
            if result["error"] is None or not result["error"][kind]:
                fail(f"publish_model with {why}: expected {want}, got {_got(result)}")
            if result["requests"]:
                fail(
                    f"publish_model with {why} sent {len(result['requests'])} request(s) "
                    f"({result['requests'][:3]}) before raising: check the arguments first"
                )

    def test_uses_only_the_given_client(self, submission, submission_text, exchange):
        found = _credentials_in(submission_text)
        if found:
            fail(
                f"your file writes credentials: {found}. Credentials come from the environment "
                "or the machine's role, through the client the caller gives (`store`); one "
                "committed to a repository is leaked"
            )
        a = _blob(1500, seed=10)
        path = _write(exchange, "model.joblib", a)
        steps = [
            ("publish", str(path), BUCKET, PREFIX),
            ("fetch", BUCKET, _address(a), str(exchange / "got.joblib"), None),
            ("presign", BUCKET, _address(a), 60),
        ]
        results = _run(submission, steps)
        for name, result in zip(
            ("publish_model", "fetch_model", "presigned_url"), results, strict=True
        ):
            _returned(result, name)
            if result["clients"]:
                fail(
                    f"{name} created its own client(s) {result['clients']}: make every request "
                    "through `store`, the client the caller built with its endpoint and "
                    "credentials"
                )
        for name, result in zip(("publish_model", "fetch_model"), results[:2], strict=True):
            if not result["requests"]:
                fail(f"{name} sent no request through `store`")


def _credentials_in(text: str) -> list[str]:
    """Credential keywords and access-key literals in the code (docstrings and comments aside)."""
    import re

    found = []
    with contextlib.suppress(tokenize.TokenError, SyntaxError, IndentationError):
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NAME and tok.string in CREDENTIAL_NAMES:
                found.append(f"line {tok.start[0]}: {tok.string}")
            elif tok.type == tokenize.STRING:
                inner = tok.string.strip("'\"bBrRuUfF")
                if inner in CREDENTIAL_NAMES or re.search(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", inner):
                    found.append(f"line {tok.start[0]}: {tok.string[:40]}")
    return found


class TestFetchModel:
    def test_downloads_a_published_version(self, submission, exchange):
        a, c = _blob(5000, seed=11), _blob(700, seed=12)
        cases = [
            (_address(a), a, exchange / "model.joblib", str),
            (_address(c, ""), c, exchange / "other", Path),
            (_address(b"", ".bin"), b"", exchange / "empty.bin", str),
            (_address(a), a, exchange / "old.joblib", Path),  # over an existing file
        ]
        (exchange / "old.joblib").write_bytes(OLD)
        steps: list = [_plant(data, key) for key, data, _, _ in cases[:3]]
        steps += [
            ("fetch", BUCKET, key, str(dest), None, kind is Path) for key, _, dest, kind in cases
        ]
        results = _run(submission, steps)[3:]
        for (key, data, dest, kind), result in zip(cases, results, strict=True):
            where = f"fetch_model(bucket, {key!r}, {kind.__name__}, store)"
            got = _returned(result, where)
            if result["type"] not in ("Path", "PosixPath") or Path(got) != dest:
                fail(f"{where} returned {_got(result)}, expected Path({str(dest)!r})")
            stored = _content(dest)
            if stored != data:
                fail(
                    f"after {where}, {dest.name} "
                    + ("does not exist" if stored is None else f"holds {len(stored)} bytes")
                    + f", not the object's {len(data)} bytes"
                )
        want = sorted(dest.name for _, _, dest, _ in cases)
        if _listing(exchange) != want:
            fail(
                f"after four downloads the folder holds {_listing(exchange)}, expected {want}: "
                "no temporary file left behind"
            )

    def test_a_corrupted_object_raises_and_writes_nothing(self, submission, exchange):
        a, b = _blob(4000, seed=13), _blob(4000, seed=14)
        flipped = bytearray(a)
        flipped[1234] ^= 0x01
        key = _address(a)
        corruptions = [
            (
                "another file's bytes (with their own sha256 in the metadata)",
                b,
                {"sha256": _sha(b)},
            ),
            ("the bytes cut short", a[:3000], {"sha256": _sha(a)}),
            ("one bit flipped", bytes(flipped), {"sha256": _sha(a)}),
        ]
        for k, (what, data, metadata) in enumerate(corruptions):
            folder = exchange / f"case{k}"
            folder.mkdir()
            (folder / "old.joblib").write_bytes(OLD)
            steps = [
                ("plant", key, data, metadata),
                ("fetch", BUCKET, key, str(folder / "new.joblib"), None),
                ("fetch", BUCKET, key, str(folder / "old.joblib"), None),
            ]
            for result in _run(submission, steps)[1:]:
                where = f"an object at {key} holding {what}"
                error = result["error"]
                if error is None:
                    fail(
                        f"fetch_model of {where} returned {_got(result)}: compare the sha256 of "
                        "the downloaded bytes with the one in the key, and raise IntegrityError "
                        "when they differ, or a server loads a model nobody published"
                    )
                if not error["integrity"]:
                    fail(f"fetch_model of {where} raised {_got(result)}, expected IntegrityError")
                missing = [s for s in (key, _sha(a), _sha(data)) if s not in error["message"]]
                if missing:
                    fail(
                        f"fetch_model of {where} raised IntegrityError({error['message']!r}), "
                        f"which does not name {missing}: name the key and both digests "
                        "(expected and found), so that the on-call engineer knows what broke"
                    )
            if (folder / "new.joblib").exists():
                fail(
                    f"fetch_model of {where} raised, but left dest behind: nothing is written to "
                    "dest unless the sha256 matches"
                )
            if _content(folder / "old.joblib") != OLD:
                fail(
                    f"fetch_model of {where} over an existing dest changed it: the old file "
                    "must stay as it was (download into a temporary file, os.replace it onto "
                    "dest only once verified)"
                )
            if _listing(folder) != ["old.joblib"]:
                fail(
                    f"after fetch_model of {where} raised, the folder holds {_listing(folder)}, "
                    "expected ['old.joblib']: delete the temporary file"
                )

    def test_trusts_the_key_not_the_metadata(self, submission, exchange):
        a = _blob(3000, seed=15)
        cases = [
            ("no metadata", {}),
            ("a wrong sha256 in its metadata", {"sha256": _sha(b"something else")}),
        ]
        for k, (what, metadata) in enumerate(cases):
            dest = exchange / f"model{k}.joblib"
            steps = [_plant(a, metadata=metadata), ("fetch", BUCKET, _address(a), str(dest), None)]
            result = _run(submission, steps)[1]
            _returned(
                result,
                f"fetch_model of an object whose bytes match its key, but with {what},",
            )
            if _content(dest) != a:
                fail(f"fetch_model of an object with {what} did not write its bytes to dest")

    def test_writes_atomically_beside_dest(self, submission, exchange):
        a = _blob(600_000, seed=16)
        for old in (None, OLD):
            folder = exchange / ("fresh" if old is None else "existing")
            folder.mkdir()
            dest = folder / "model.joblib"
            if old is not None:
                dest.write_bytes(old)
            steps = [_plant(a), ("fetch", BUCKET, _address(a), str(dest), str(dest))]
            result = _run(submission, steps)[1]
            where = "fetch_model of a 600 kB object" + ("" if old is None else " over a file")
            _returned(result, where)
            if not result["reads"]:
                fail(f"{where} never read the body of get_object through `store`")
            changed = [k for k, seen in enumerate(result["reads"]) if seen != old]
            if changed:
                fail(
                    f"{where}: at read {changed[0] + 1} of the object's body, dest already "
                    f"{'existed' if old is None else 'had changed'}: write into a temporary "
                    "file, and let dest appear (or change) only in one step, once verified"
                )
            moves = [src for src, dst in result["renames"] if dst == os.path.abspath(dest)]
            if not moves:
                fail(
                    f"{where}: dest was never moved into place with os.replace (or "
                    "Path.replace): writing it directly lets a crash leave half a model that the "
                    "next start loads"
                )
            if any(Path(src).parent != folder for src in moves):
                fail(
                    f"{where}: dest was moved into place from {moves[-1]}, outside dest's "
                    "folder: os.replace is atomic only within one file system, so create the "
                    "temporary file in dest's own folder"
                )
            if _listing(folder) != ["model.joblib"] or _content(dest) != a:
                fail(
                    f"after {where} the folder holds {_listing(folder)}, expected ['model.joblib']"
                )

    def test_missing_object_propagates(self, submission, exchange):
        (exchange / "old.joblib").write_bytes(OLD)
        key = _address(b"never published")
        steps = [
            ("fetch", BUCKET, key, str(exchange / "new.joblib"), None),
            ("fetch", BUCKET, key, str(exchange / "old.joblib"), None),
        ]
        for result in _run(submission, steps):
            if result["error"] is None:
                fail(f"fetch_model of a key that does not exist returned {_got(result)}")
            if result["error"]["code"] not in ("NoSuchKey", "404"):
                fail(
                    f"fetch_model of a key that does not exist raised {_got(result)}, expected "
                    "the store's own error (botocore's ClientError, NoSuchKey), unchanged"
                )
        if _listing(exchange) != ["old.joblib"] or _content(exchange / "old.joblib") != OLD:
            fail(
                f"after fetch_model of a missing key the folder holds {_listing(exchange)}, "
                "expected ['old.joblib'] unchanged: delete the temporary file, leave dest alone"
            )

    def test_refuses_malformed_keys_before_any_request(self, submission, exchange):
        digest = _sha(b"x")
        dest = str(exchange / "model.joblib")
        cases = [
            (BUCKET, PREFIX, "a prefix without a digest"),
            (BUCKET, f"{PREFIX}/{digest[:63]}.joblib", "63 hex digits"),
            (BUCKET, f"{PREFIX}/{digest.upper()}.joblib", "upper-case hex digits"),
            (BUCKET, f"{digest}.joblib", "no prefix"),
            (BUCKET, f"/{digest}.joblib", "an empty prefix"),
            (BUCKET, f"{PREFIX}/{digest}.tar.gz", "two suffixes"),
            (BUCKET, f"{PREFIX}/{digest}.", "a bare '.'"),
            (BUCKET, f"{PREFIX}/{digest}x", "a 65th character"),
            (BUCKET, f"{PREFIX}/{digest}.joblib/", "a trailing '/'"),
            (BUCKET, None, "key=None"),
            ("", _address(b"x"), "an empty bucket"),
        ]
        steps = [("fetch", bucket, key, dest, None) for bucket, key, _ in cases]
        for (_, key, why), result in zip(cases, _run(submission, steps), strict=True):
            if result["error"] is None or not result["error"]["value_error"]:
                fail(f"fetch_model with {why} ({key!r}): expected ValueError, got {_got(result)}")
            if result["error"]["integrity"] or result["requests"]:
                fail(
                    f"fetch_model with {why} ({key!r}) sent {len(result['requests'])} request(s) "
                    "before raising: a key that is not a published key is refused before any "
                    "download"
                )
        if _listing(exchange):
            fail(f"refused keys left {_listing(exchange)} in dest's folder")


class TestPresignedUrl:
    def _presign(self, submission, exchange, expires: list) -> tuple[bytes, list]:
        a = _blob(1200, seed=17)
        steps = [_plant(a), *[("presign", BUCKET, _address(a), n) for n in expires]]
        return a, _run(submission, steps)[1:]

    def test_url_downloads_the_object(self, submission, exchange):
        a, results = self._presign(submission, exchange, [300])
        result = results[0]
        url = _returned(result, "presigned_url(bucket, key, store, 300)")
        if not isinstance(url, str):
            fail(f"presigned_url returned {_got(result)}, expected a URL (str)")
        http = result["http"]
        if http["status"] != 200 or http["body"] != a:
            fail(
                f"a GET of the URL, without credentials, answered {http['status']} "
                f"{http['error'] or ''} with {len(http['body'])} bytes, expected 200 with the "
                f"object's {len(a)} bytes: sign 'get_object' for this bucket and key"
            )

    def test_url_expires_after_expires_in(self, submission, exchange):
        expires = [1, 60, 900, MAX_EXPIRES_IN]
        _, results = self._presign(submission, exchange, expires)
        for n, result in zip(expires, results, strict=True):
            url = _returned(result, f"presigned_url(..., expires_in={n})")
            got = dict(parse_qsl(urlsplit(str(url)).query)).get("X-Amz-Expires")
            if got != str(n):
                fail(
                    f"presigned_url(..., expires_in={n}) gave a URL with X-Amz-Expires={got}, "
                    f"expected {n}: pass ExpiresIn=expires_in (boto3's default is an hour, "
                    "whatever the caller asked)"
                )

    def test_url_is_signed_for_get_by_the_given_client(self, submission, exchange):
        _, results = self._presign(submission, exchange, [120])
        result = results[0]
        url = str(_returned(result, "presigned_url(..., expires_in=120)"))
        credential = dict(parse_qsl(urlsplit(url).query)).get("X-Amz-Credential", "")
        if not credential.startswith(ACCESS_KEY + "/"):
            fail(
                f"the URL is signed with the access key {credential.split('/')[0]!r}, not "
                "store's: sign with the client the caller gives"
            )
        if not result["signed_get"]:
            why = (
                "it is signed for PUT: its holder could replace the published file"
                if result["signed_put"]
                else "its signature is not store's signature of a GET"
            )
            fail(
                f"the URL's signature does not allow a GET of the object: {why}. Sign "
                "'get_object' (the method GET) with store.generate_presigned_url"
            )

    def test_refuses_bad_expires_in(self, submission, exchange):
        bad = [0, -60, MAX_EXPIRES_IN + 1, 60.0, True, "60", None]
        steps = [("presign", BUCKET, _address(b"y"), n) for n in bad]
        steps += [("presign", BUCKET, "", 60), ("presign", "", _address(b"y"), 60)]
        results = _run(submission, steps)
        for n, result in zip([*bad, "key=''", "bucket=''"], results, strict=True):
            what = n if n in ("key=''", "bucket=''") else f"expires_in={n!r}"
            if result["error"] is None or not result["error"]["value_error"]:
                fail(
                    f"presigned_url with {what}: expected ValueError, got {_got(result)}: a URL "
                    f"lives an int of seconds from 1 to {MAX_EXPIRES_IN} (7 days)"
                )
