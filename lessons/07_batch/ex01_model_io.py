"""Exercise 01 · Safe model files.

Docs: docs/lessons/07-batch.md#ex01-model-io (the site: `mkdocs serve`, then Lesson 07)

Write `save_model(model, path, metadata)` and `load_model(path)`: store a fitted scikit-learn
model in a file that loads without running code, next to a JSON *sidecar* that says what the
file is, and load it back only when both check out. The scoring jobs of this lesson and the
service of lesson 08 load their model with `load_model`.

A pickle (or joblib) file is a program: loading one runs whatever it says, so a model file from a
shared folder, a bucket or an attachment is a way into the machine that loads it. skops stores a
model as data (a zip of JSON and arrays) and, when loading, refuses every type it was not told to
trust. The SHA-256 in the sidecar catches a file that changed after it was saved: tampered with,
truncated by a failed copy, or swapped for another model.

`save_model(model, path, metadata)` contract:
- `model` is a fitted scikit-learn estimator: Pipelines and ColumnTransformers of SimpleImputer,
  StandardScaler and OneHotEncoder, LogisticRegression, HistGradientBoostingClassifier, decision
  trees and random forests. Saved with skops (`skops.io.dumps` / `dump`) to `path` (a str or a
  Path), never with pickle or joblib.
- The sidecar, at `sidecar_path(path)` (`path` with ".json" appended: "model.skops.json"), is a
  JSON object with these keys:
  - "sha256": the SHA-256 of the model file's bytes, as 64 lowercase hex digits (`hexdigest()`);
  - "created_at": when it was saved, ISO-8601 in UTC with its offset ("2025-03-01T12:00:00+00:00",
    `datetime.now(UTC).isoformat()`);
  - "versions": a dict of the versions that saved it: "python" (`platform.python_version()`),
    "sklearn", "numpy" and "skops" (each package's `__version__`);
  - "feature_names": the list of the columns the model expects: `model.feature_names_in_` when the
    model has it, else `metadata["feature_names"]`;
  - "metrics": `metadata["metrics"]`, a dict of name -> number (`{}` when metadata has none);
  - every other key of `metadata`, as given (a description, a training window: JSON values);
  and no other key.
  NumPy numbers and arrays in `metadata` are written as plain JSON numbers and lists.
- Returns the sidecar's contents as a dict (what `load_model` returns as its metadata).
- Errors, raised before anything is written:
  - `ValueError`: `metadata` is not a dict, or uses a key that `save_model` writes itself
    ("sha256", "created_at", "versions"); no feature names (the model has no
    `feature_names_in_` and metadata no "feature_names"), or both have them and they differ;
    "metrics" is not a dict; a value JSON cannot hold (NaN, infinity, an arbitrary object).
  - `ModelFileError`: the model's file would hold a type that is neither trusted by skops by
    default nor listed in `TRUSTED_TYPES` (a FunctionTransformer of your own function, a class of
    your own); the message names the type. Better to fail now than when production loads it.
- Atomic writes: each file is written to a temporary file in the same folder, then moved into
  place with `os.replace` (`write_atomic`), so a reader never sees half a file. When
  `save_model` raises, an earlier model file and sidecar at `path` are left as they were, and no
  temporary file is left behind. Each file gets the permissions an ordinary `open(path, "w")`
  would give it (0o666 without the umask: 0o644 under the usual umask 022), not the 0o600 that
  `tempfile.mkstemp` creates: a service running as another user (lesson 09's non-root
  container) must be able to read the model it was shipped.

`load_model(path) -> (model, metadata)` contract:
- Reads the sidecar first, then the model file's bytes, and compares their SHA-256 with the
  sidecar's "sha256" before skops reads anything (load from the bytes you hashed).
- Loads with `skops.io.loads(data, trusted=TRUSTED_TYPES)`: never pickle or joblib, and never the
  list of types the file itself asks for (`skops.io.get_untrusted_types`): trusting whatever a
  file asks for is trusting the file.
- Returns the model and the sidecar's contents as a dict. Versions are recorded, not compared.
- Every problem raises `ModelFileError` (a `ValueError`), whose message says what was wrong and
  what to do, and nothing in the file runs:
  - the sidecar is missing, is not a JSON object, or has no "sha256" string;
  - the model file is missing, or its SHA-256 does not match the sidecar's (the message says
    the SHA-256 does not match): tampered, truncated or swapped;
  - the file holds a type that is not trusted (the message names it);
  - the file is not a skops file (a pickle renamed ".skops", a damaged zip).
"""

import contextlib
import hashlib
import json
import os
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops
import skops.io as sio

# Types outside skops's defaults that the course's models need, each reviewed: a loaded file may
# hold these and nothing else. Trust them only in files from a source you trust (your own).
TRUSTED_TYPES = [
    "numpy.dtype",  # the dtypes stored in fitted encoders and column transformers
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",  # HistGradientBoosting
    "sklearn.tree._tree.Tree",  # decision trees and random forests
]

# The sidecar keys that save_model writes itself: metadata may not set them.
RESERVED_KEYS = ("sha256", "created_at", "versions")


class ModelFileError(ValueError):
    """A model file or its sidecar that cannot be trusted or read: the message says what was
    wrong and what to do."""


def sidecar_path(path: str | os.PathLike) -> Path:
    """The sidecar of a model file: its path with ".json" appended ("model.skops.json")."""
    return Path(f"{os.fspath(path)}.json")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, never half."""
    # TODO: write to a temporary file in path's folder with an ordinary file's permissions, then os.replace it onto path; remove the temporary file if anything fails
    raise NotImplementedError


def save_model(model: Any, path: str | os.PathLike, metadata: dict) -> dict:
    # TODO: check metadata and feature names; dump with skops to bytes; refuse untrusted types; build and serialise the sidecar; write both files atomically
    raise NotImplementedError


def load_model(path: str | os.PathLike) -> tuple[Any, dict]:
    # TODO: read the sidecar; hash the file's bytes and compare; refuse untrusted types; load those bytes with skops and TRUSTED_TYPES; turn every failure into ModelFileError
    raise NotImplementedError
