"""Exercise 05 · An artifact store on S3: publish, fetch, share.

Docs: docs/lessons/14-cicd.md#ex05-artifact-store (the site: `mkdocs serve`, then Lesson 14)

Lesson 06's registry says which model version is in production; the model file itself lives in
object storage (S3, or Google Cloud Storage and Azure Blob, which work the same way). Three
promises make that storage safe to deploy from. A published version never changes: its key is
made from its content (the sha256 of its bytes), and nothing ever writes over it. What a server
downloads is what was published: the download is checked against that sha256 before anyone can
load it. And a file can be shared for a while without sharing credentials: a presigned URL.

Write three functions. Each takes `store`, a boto3 S3 client that the caller built (with its
endpoint, region and credentials, from the environment or an instance role). Make every request
through `store`: never create a client, a session or a resource yourself, and never write an
access key or a secret in this file (no `aws_access_key_id=`, `aws_secret_access_key=`, or a
literal key). A `bucket` must be a non-empty `str`.

`publish_model(path, bucket, key, store) -> str` uploads the file at `path` (a `str` or `Path`):

- `key` is a prefix, e.g. `"models/fraud"`: a non-empty `str` that neither starts nor ends with
  `"/"`. `ValueError` otherwise (and for a bad `bucket`), before any request. A file that does not
  exist raises `FileNotFoundError` (as `open` does), before any request.
- The object's key is `f"{key}/{digest}{suffix}"`: `digest` is the sha256 of the file's bytes in
  64 lowercase hex digits (`hashlib.sha256(...).hexdigest()`), and `suffix` is the file name's
  suffix as `Path(path).suffix` gives it (`".joblib"` for `model.joblib`; none for `model`).
- Upload it with one `store.put_object(Bucket=, Key=, Body=, Metadata={"sha256": digest},
  IfNoneMatch="*")`. `IfNoneMatch="*"` makes S3 write only if no object exists at that key,
  decided on the server in one step; otherwise S3 refuses with the error code
  `PreconditionFailed` (HTTP 412). Never write over an existing object, and do not first ask
  whether the key exists (`head_object`) then put: another publisher may write between your two
  requests, and your put would replace its object.
- Publishing the same content again is not an error: its key exists already, holding those very
  bytes. On `PreconditionFailed` return the key, having written nothing. Any other error of the
  store (a bucket that does not exist: `NoSuchBucket`) propagates unchanged.
- Returns the object's key.

`fetch_model(bucket, key, dest, store) -> Path` downloads a published version to `dest`:

- `key` is a key that `publish_model` returns: a prefix that is not empty and neither starts nor
  ends with `"/"`, then `"/"`, then a last segment that is 64 lowercase hex digits optionally
  followed by one suffix (a `"."` and one or more characters, none of them `"."` or `"/"`).
  `ValueError` otherwise, before any request. The 64 hex digits are the expected sha256: trust
  the key, which the registry recorded, not the object's metadata, which travels with the
  object and may be as wrong as its bytes.
- Write the object's bytes into a temporary file in `dest`'s folder (the same file system, so
  that `os.replace` moves it in one step), computing their sha256 on the way, and move it onto
  `dest` with `os.replace` (or `Path.replace`) only once the sha256 matches. Until then `dest` is
  not touched: nobody may load a half-downloaded or corrupted model.
- If the sha256 differs (a corrupted, truncated or replaced object), delete the temporary file
  and raise `IntegrityError` (defined below) with a message naming the key and both digests.
  Any other error (an object that does not exist: `NoSuchKey`) also deletes the temporary file
  and propagates unchanged. Either way `dest` stays as it was (absent, or its old contents), and
  nothing new is left in its folder.
- Returns `dest` as a `Path`.

`presigned_url(bucket, key, store, expires_in) -> str` lets someone without credentials download
one object for a while:

- `expires_in` is the URL's lifetime in seconds: an `int` (not a `bool`) from 1 to 604800 (7
  days, the most S3's signature version 4 allows). `key` must be a non-empty `str`. `ValueError`
  otherwise.
- Return `store.generate_presigned_url` for `"get_object"` of that bucket and key, expiring after
  exactly `expires_in` seconds: a URL signed for `GET` (never for `PUT`, which would let its
  holder replace the file), with `store`'s credentials. With signature version 4, which the
  course's clients use, the URL carries its lifetime as `X-Amz-Expires`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

from botocore.exceptions import ClientError

MAX_EXPIRES_IN = 604800  # 7 days: the longest a signature version 4 URL may live
CHUNK = 1024 * 1024


class IntegrityError(ValueError):
    """A downloaded object's sha256 is not the one its key promises."""


def publish_model(path, bucket, key, store) -> str:
    """Upload the file at `path` to `bucket` as `<key>/<sha256><suffix>`, never over an existing
    object; return that key."""
    # TODO: validate; hash the file; one conditional put; 412 means already published
    raise NotImplementedError


def fetch_model(bucket, key, dest, store) -> Path:
    """Download the object `key` of `bucket` to `dest`, atomically, only if its sha256 is the
    one in its key (else IntegrityError); return `dest` as a Path."""
    # TODO: validate; stream into a temporary file beside dest, hashing; compare; replace
    raise NotImplementedError


def presigned_url(bucket, key, store, expires_in) -> str:
    """A URL that downloads (GET) the object `key` of `bucket` without credentials, for
    `expires_in` seconds."""
    # TODO: validate expires_in; sign get_object with ExpiresIn
    raise NotImplementedError


def _check_bucket(bucket) -> None:
    """Refuse a `bucket` that is not a non-empty str (ValueError)."""
    if not isinstance(bucket, str) or not bucket:
        raise ValueError(f"bucket must be a non-empty str, got {bucket!r}")
