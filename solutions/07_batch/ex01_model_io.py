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
    # BEGIN SOLUTION: write to a temporary file in path's folder with an ordinary file's permissions, then os.replace it onto path; remove the temporary file if anything fails
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0o022)  # read the umask (set it back at once)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp made it 0o600: readable by its writer alone
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    # END SOLUTION


def save_model(model: Any, path: str | os.PathLike, metadata: dict) -> dict:
    # BEGIN SOLUTION: check metadata and feature names; dump with skops to bytes; refuse untrusted types; build and serialise the sidecar; write both files atomically
    path = Path(path)
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict, got {type(metadata).__name__}")
    clash = [key for key in RESERVED_KEYS if key in metadata]
    if clash:
        raise ValueError(f"metadata may not set {clash}: save_model writes these keys itself")
    own = getattr(model, "feature_names_in_", None)
    given = metadata.get("feature_names")
    if own is None and given is None:
        raise ValueError(
            "no feature names: the model was fitted without column names (no feature_names_in_); "
            "pass them as metadata['feature_names']"
        )
    names = [str(name) for name in (own if own is not None else given)]
    if own is not None and given is not None and [str(n) for n in given] != names:
        raise ValueError(
            f"metadata['feature_names'] {list(given)} differ from the model's "
            f"feature_names_in_ {names}"
        )
    metrics = metadata.get("metrics", {})
    if not isinstance(metrics, dict):
        raise ValueError(f"metadata['metrics'] must be a dict, got {type(metrics).__name__}")

    data = sio.dumps(model)
    untrusted = sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
    if untrusted:
        raise ModelFileError(
            f"the model holds types that load_model will not trust: {untrusted}; build it from "
            "scikit-learn's own parts (no functions or classes of your own) and save it again"
        )

    def plain(value: Any) -> Any:  # NumPy numbers and arrays as JSON numbers and lists
        if isinstance(value, (np.generic, np.ndarray)):
            return value.tolist()
        raise TypeError(f"{type(value).__name__} is not a JSON value")

    sidecar = {
        **metadata,
        "sha256": hashlib.sha256(data).hexdigest(),
        "created_at": datetime.now(UTC).isoformat(),
        "versions": {
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "skops": skops.__version__,
        },
        "feature_names": names,
        "metrics": metrics,
    }
    try:
        text = json.dumps(sidecar, indent=2, allow_nan=False, default=plain)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the metadata cannot be written as JSON: {exc}") from None

    write_atomic(path, data)
    write_atomic(sidecar_path(path), text.encode("utf-8"))
    return json.loads(text)
    # END SOLUTION


def load_model(path: str | os.PathLike) -> tuple[Any, dict]:
    # BEGIN SOLUTION: read the sidecar; hash the file's bytes and compare; refuse untrusted types; load those bytes with skops and TRUSTED_TYPES; turn every failure into ModelFileError
    path = Path(path)
    side = sidecar_path(path)
    try:
        sidecar = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(
            f"no sidecar {side} next to {path}: save the model with save_model"
        ) from None
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"the sidecar {side} is not valid JSON ({exc})") from None
    if not isinstance(sidecar, dict) or not isinstance(sidecar.get("sha256"), str):
        raise ModelFileError(f"the sidecar {side} is not a JSON object with a 'sha256' string")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read the model file {path} ({exc})") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != sidecar["sha256"]:
        raise ModelFileError(
            f"the SHA-256 of {path} ({digest}) does not match its sidecar's "
            f"({sidecar['sha256']}): the file changed after it was saved (tampered with, "
            "truncated or swapped); do not load it: save the model again"
        )
    try:
        untrusted = sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
        if untrusted:
            raise ModelFileError(
                f"{path} holds types that are not trusted: {untrusted}; do not load it (trust "
                "only types you have reviewed, in TRUSTED_TYPES)"
            )
        model = sio.loads(data, trusted=TRUSTED_TYPES)
    except ModelFileError:
        raise
    except Exception as exc:  # a zip skops cannot read: a pickle, a damaged file
        raise ModelFileError(
            f"{path} is not a readable skops file ({type(exc).__name__}: {exc}); do not load "
            "it with pickle: save the model again with save_model"
        ) from None
    return model, sidecar
    # END SOLUTION
