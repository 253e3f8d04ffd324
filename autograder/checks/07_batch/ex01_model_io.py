"""Checks for 07_batch/ex01_model_io (see solutions/07_batch/ex01_model_io.py for the reference).

Model files cross through the `exchange` folder. The checks read what the learner's code wrote
as data: the sidecar as JSON, the model file's bytes for their hash, and the model file with
skops and the reviewed types only (never pickle). The files handed to `load_model` are built
here, from the contract: good pairs, and pairs that must be refused (changed bytes, a truncated
zip, a pickle under a ".skops" name, a type outside the trusted list). Two of them carry a
tripwire: an object whose loading writes a marker file, which must never appear.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import pickle
import platform
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
import skops
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from autograder.assertions import CheckFailure, assert_close, fail

# The reviewed types of the contract (the stub's TRUSTED_TYPES): the checks load files with these.
TRUSTED = [
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
]
FEATURES = ["amount", "hour", "channel"]
MARKER_TEXT = "code ran while a model file was loaded"


# --- the models -----------------------------------------------------------------------------


@functools.cache
def _data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(701)
    X = pd.DataFrame(
        {
            "amount": np.round(rng.gamma(2.0, 20.0, 48), 2),
            "hour": rng.integers(0, 24, 48).astype(float),
            "channel": rng.choice(["web", "app", "pos"], 48),
        }
    )
    X.loc[[3, 17], "amount"] = np.nan
    y = ((X["amount"].fillna(40) > 45) ^ (rng.random(48) < 0.15)).to_numpy().astype(int)
    return X, y


def _preprocessor() -> ColumnTransformer:
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    return ColumnTransformer(
        [
            ("num", numeric, ["amount", "hour"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["channel"]),
        ]
    )


@functools.cache
def _pipeline(C: float = 1.0) -> Pipeline:
    """A fitted Pipeline(ColumnTransformer, LogisticRegression) with feature names."""
    X, y = _data()
    return Pipeline([("pre", _preprocessor()), ("clf", LogisticRegression(C=C))]).fit(X, y)


@functools.cache
def _boosting() -> HistGradientBoostingClassifier:
    """A fitted HistGradientBoostingClassifier (its trees need TreePredictor trusted)."""
    X, y = _data()
    return HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(X[["amount", "hour"]], y)


@functools.cache
def _tree() -> DecisionTreeClassifier:
    """A fitted decision tree (its nodes need sklearn.tree._tree.Tree trusted)."""
    X, y = _data()
    return DecisionTreeClassifier(max_depth=3, random_state=0).fit(
        X[["amount", "hour"]].fillna(0), y
    )


@functools.cache
def _nameless() -> LogisticRegression:
    """Fitted on a NumPy array: no feature_names_in_."""
    X, y = _data()
    return LogisticRegression().fit(X[["hour"]].to_numpy(), y)


def _double(X: Any) -> Any:
    """A function of this module inside a FunctionTransformer: a type skops does not trust."""
    return X * 2.0


@functools.cache
def _custom_pipeline() -> Pipeline:
    X, y = _data()
    steps = [("double", FunctionTransformer(_double)), ("clf", LogisticRegression())]
    return Pipeline(steps).fit(X[["hour"]].to_numpy(), y)


class _Tripwire:
    """What a malicious model file carries: constructing it runs code (here: writes a marker)."""

    def __init__(self, marker: str) -> None:
        Path(marker).write_text(MARKER_TEXT)
        self.marker = marker

    def __reduce__(self):
        return (_Tripwire, (self.marker,))  # skops rebuilds it by calling _Tripwire(marker)


class _PickleBomb:
    """A pickle that writes a marker file when unpickled (any pickle may run any code)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), MARKER_TEXT))


def _trapped_model(marker: Path) -> LogisticRegression:
    """A fitted LogisticRegression that carries a tripwire (built without running it here)."""
    X, y = _data()
    model = LogisticRegression().fit(X[["hour"]].to_numpy(), y)
    trip = object.__new__(_Tripwire)
    trip.marker = str(marker)
    model.audit_ = trip
    return model


# --- files ------------------------------------------------------------------------------------


def _sidecar_of(path: Path) -> Path:
    return Path(f"{path}.json")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_pair(path: Path, data: bytes, **extra: Any) -> dict:
    """A model file and a sidecar as the contract describes them (the check's own writer)."""
    path.write_bytes(data)
    sidecar = {
        "sha256": _sha(data),
        "created_at": "2025-03-01T12:00:00+00:00",
        "versions": {"python": "3.11.0", "sklearn": "1.8.0", "numpy": "2.3.0", "skops": "0.15.0"},
        "feature_names": FEATURES,
        "metrics": {"roc_auc": 0.91},
        **extra,
    }
    _sidecar_of(path).write_text(json.dumps(sidecar))
    return sidecar


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _read_sidecar(path: Path) -> dict:
    side = _sidecar_of(path)
    if not side.exists():
        others = sorted(p.name for p in path.parent.iterdir())
        fail(
            f"save_model wrote no sidecar at {side.name} (the model's path with '.json' appended; "
            f"the folder holds {others}): load_model and the scoring jobs look for it there"
        )
    try:
        sidecar = json.loads(side.read_text(encoding="utf-8"))
    except ValueError as exc:
        fail(f"the sidecar {side.name} is not valid JSON ({exc}); write it with json.dumps")
    if not isinstance(sidecar, dict):
        fail(f"the sidecar should hold a JSON object, got {type(sidecar).__name__}")
    return sidecar


def _load_saved(path: Path) -> Any:
    """The learner's model file, loaded here with skops and the reviewed types only."""
    if not path.exists():
        fail(f"save_model wrote no file at {path.name}")
    data = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        start = "a pickle" if data[:1] == b"\x80" else f"bytes starting {data[:8]!r}"
        fail(
            f"the model file is not a skops file (a zip archive): it holds {start}. Save it with "
            "skops.io.dump or dumps; a pickle or joblib file runs code when it is loaded"
        )
    try:
        return sio.loads(data, trusted=TRUSTED)
    except Exception as exc:  # noqa: BLE001 - any reason skops refuses it is the verdict
        fail(f"skops cannot load the file save_model wrote ({type(exc).__name__}: {exc})")


def _call(fn: Any, *args: Any, doing: str) -> Any:
    try:
        return fn(*args)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:  # noqa: BLE001 - an unexpected error is the verdict
        fail(f"{doing} raised {type(exc).__name__}: {str(exc).strip()[:300]}")


def _refused(fn: Any, *args: Any, why: str, mentions: tuple[str, ...] = ()) -> str:
    """Fail unless `fn(*args)` raises a ValueError (ModelFileError is one) whose message holds
    every string of `mentions` (case-insensitive); return the message."""
    try:
        fn(*args)
    except NotImplementedError:
        raise
    except ValueError as exc:
        message = str(exc)
    except Exception as exc:  # noqa: BLE001 - the wrong kind of error is the verdict
        fail(
            f"expected ModelFileError, a ValueError ({why}), but your code raised "
            f"{type(exc).__name__}: {str(exc).strip()[:300]}. Catch what skops or the file "
            "system raise and raise ModelFileError with a message that says what to do"
        )
    else:
        fail(f"expected ModelFileError, a ValueError ({why}), but nothing was raised")
    missing = [m for m in mentions if m.lower() not in message.lower()]
    if missing:
        fail(
            f"the error was raised ({why}), but its message does not name {missing}: "
            f"{message.strip()[:300]!r}. Whoever reads it must learn what was wrong"
        )
    return message


def _attempt(fn: Any, *args: Any) -> None:
    """Call `fn(*args)` for its side effects; what it returns or raises is checked after."""
    try:
        fn(*args)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001, S110 - the outcome is judged by the caller
        pass


def _plain(value: Any) -> Any:
    """`value` with NumPy numbers and arrays as plain Python values, for comparing with JSON."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray | np.generic):
        return _plain(value.tolist())
    return value


def _pair(result: Any) -> tuple[Any, dict]:
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"load_model should return a tuple (model, metadata), got {type(result).__name__}")
    model, metadata = result
    if not isinstance(metadata, dict):
        fail(
            f"load_model's metadata should be the sidecar as a dict, got {type(metadata).__name__}"
        )
    return model, metadata


def _same_predictions(model: Any, original: Any, X: Any, what: str) -> None:
    try:
        got = np.asarray(model.predict_proba(X), dtype=float)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:  # noqa: BLE001 - a model that cannot predict is the verdict
        fail(f"{what} cannot predict_proba ({type(exc).__name__}: {str(exc)[:200]})")
    assert_close(
        got,
        original.predict_proba(X),
        what + ": predict_proba",
        rtol=0,
        atol=0,
        why="a loaded model must predict exactly as the model that was saved",
    )


# --- save_model -----------------------------------------------------------------------------


def _metadata() -> dict:
    return {
        "metrics": {
            "roc_auc": np.float64(0.8125),
            "recall_at_1pct": np.float32(0.5),
            "n_validation": np.int64(48),
        },
        "description": "fraud model, lesson 07",
        "train_window": ["2025-01-01", "2025-03-01"],
        "thresholds": np.array([0.25, 0.5]),
    }


class TestSaveModel:
    def test_file_is_skops_and_loads_back(self, submission, exchange):
        X, _ = _data()
        cases = [
            ("pipeline.skops", _pipeline(), X),
            ("hgb.skops", _boosting(), X[["amount", "hour"]]),
        ]
        for name, model, rows in cases:
            path = exchange / name
            _call(
                submission.save_model,
                model,
                path,
                {},
                doing=f"save_model of a {type(model).__name__}",
            )
            loaded = _load_saved(path)
            _same_predictions(
                loaded, model, rows, f"the {type(model).__name__} read back from {name}"
            )
        path = exchange / "as_text.skops"  # a str path works as well as a Path
        _call(submission.save_model, _pipeline(), str(path), {}, doing="save_model with a str path")
        _load_saved(path)

    def test_sidecar_fields(self, submission, exchange):
        path = exchange / "model.skops"
        before = datetime.now(UTC)
        returned = _call(submission.save_model, _pipeline(), path, _metadata(), doing="save_model")
        after = datetime.now(UTC)
        sidecar = _read_sidecar(path)
        expected_keys = {"sha256", "created_at", "versions", "feature_names", "metrics"}
        expected_keys |= {"description", "train_window", "thresholds"}
        if set(sidecar) != expected_keys:
            fail(
                f"the sidecar's keys are {sorted(sidecar)}, expected {sorted(expected_keys)}: the "
                "five keys save_model writes plus metadata's other keys (description, "
                "train_window, thresholds), as given"
            )
        digest = _sha(path.read_bytes())
        if sidecar["sha256"] != digest:
            fail(
                f"sidecar['sha256'] is {sidecar['sha256']!r}, but the SHA-256 of the model file's "
                f"bytes is {digest!r} (64 lowercase hex digits): hash the exact bytes written to "
                "path, or load_model cannot tell a changed file from the saved one"
            )
        self._check_created_at(sidecar["created_at"], before, after)
        self._check_versions(sidecar["versions"])
        if sidecar["feature_names"] != FEATURES:
            fail(
                f"sidecar['feature_names'] is {sidecar['feature_names']!r}, expected {FEATURES} "
                "(the model's feature_names_in_, as a list of str)"
            )
        metrics = sidecar["metrics"]
        if not isinstance(metrics, dict) or set(metrics) != set(_metadata()["metrics"]):
            fail(f"sidecar['metrics'] should be metadata['metrics'] as given, got {metrics!r}")
        for name, value in _metadata()["metrics"].items():
            if not isinstance(metrics[name], (int, float)) or isinstance(metrics[name], bool):
                fail(f"sidecar['metrics'][{name!r}] should be a JSON number, got {metrics[name]!r}")
            assert_close(metrics[name], float(value), f"sidecar['metrics'][{name!r}]", rtol=1e-6)
        if sidecar["description"] != "fraud model, lesson 07" or sidecar["train_window"] != [
            "2025-01-01",
            "2025-03-01",
        ]:
            fail(
                "metadata's other keys should be copied into the sidecar as given, got "
                f"description={sidecar['description']!r}, train_window={sidecar['train_window']!r}"
            )
        if sidecar["thresholds"] != [0.25, 0.5]:
            fail(
                "metadata['thresholds'], np.array([0.25, 0.5]), should be written as the JSON "
                f"list [0.25, 0.5], got {sidecar['thresholds']!r}"
            )
        if not isinstance(returned, dict) or _plain(returned) != sidecar:
            fail(
                "save_model should return the sidecar's contents as a dict (equal to the JSON it "
                f"wrote), got {returned!r:.300}"
            )

    @staticmethod
    def _check_created_at(value: Any, before: datetime, after: datetime) -> None:
        try:
            created = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            fail(f"sidecar['created_at'] should be an ISO-8601 time, got {value!r}")
        if created.tzinfo is None or created.utcoffset() != timedelta(0):
            fail(
                f"sidecar['created_at'] is {value!r}: write it in UTC with its offset "
                "(datetime.now(UTC).isoformat() gives '...+00:00'); a naive time is read "
                "differently on every machine"
            )
        if not before - timedelta(seconds=5) <= created <= after + timedelta(seconds=5):
            fail(
                f"sidecar['created_at'] is {value!r}, but the model was saved between "
                f"{before.isoformat()} and {after.isoformat()}: the time of saving, in UTC"
            )

    @staticmethod
    def _check_versions(versions: Any) -> None:
        expected = {
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "skops": skops.__version__,
        }
        if not isinstance(versions, dict):
            fail(f"sidecar['versions'] should be a dict of versions, got {versions!r}")
        wrong = {k: versions.get(k) for k, v in expected.items() if versions.get(k) != v}
        if wrong:
            fail(
                f"sidecar['versions'] has {wrong}, expected {expected}: the versions that saved "
                "the model (a model saved by one scikit-learn may not load, or predict the same, "
                "under another)"
            )

    def test_feature_names(self, submission, exchange):
        path = exchange / "nameless.skops"
        names = {"feature_names": ["hour"]}
        _call(
            submission.save_model,
            _nameless(),
            path,
            names,
            doing="save_model of a model fitted on an array, with metadata['feature_names']",
        )
        sidecar = _read_sidecar(path)
        if sidecar.get("metrics") != {}:
            fail(
                f"sidecar['metrics'] is {sidecar.get('metrics')!r} for metadata without 'metrics': "
                "expected {} (an empty dict)"
            )
        got = sidecar.get("feature_names")
        if got != ["hour"]:
            fail(
                f"sidecar['feature_names'] is {got!r}, expected ['hour']: a model fitted on an "
                "array has no feature_names_in_, so the names come from metadata"
            )
        cases = [
            (_nameless(), {}, "a model fitted on an array, without metadata['feature_names']"),
            (
                _pipeline(),
                {"feature_names": ["amount", "channel", "hour"]},
                "metadata['feature_names'] that differ from the model's feature_names_in_",
            ),
        ]
        for model, metadata, what in cases:
            folder = exchange / f"case{len(metadata)}"
            folder.mkdir()
            _refused(submission.save_model, model, folder / "m.skops", metadata, why=what)
            if any(folder.iterdir()):
                fail(
                    f"save_model raised for {what}, but left {sorted(p.name for p in folder.iterdir())} behind"
                )
        path = exchange / "agreeing.skops"
        _call(
            submission.save_model,
            _pipeline(),
            path,
            {"feature_names": FEATURES},
            doing="save_model with metadata['feature_names'] equal to the model's",
        )

    def test_bad_metadata_writes_nothing(self, submission, exchange):
        cases = [
            (["roc_auc", 0.9], "metadata that is a list, not a dict"),
            ({"sha256": "0" * 64}, "metadata with the key 'sha256', which save_model writes"),
            ({"created_at": "2020-01-01"}, "metadata with the key 'created_at'"),
            ({"versions": {"sklearn": "0.1"}}, "metadata with the key 'versions'"),
            ({"metrics": [0.9]}, "metadata['metrics'] that is a list, not a dict"),
            ({"metrics": {"roc_auc": float("nan")}}, "a NaN metric (JSON cannot hold NaN)"),
            ({"metrics": {"loss": float("inf")}}, "an infinite metric (JSON cannot hold it)"),
            ({"owners": {"ana", "ben"}}, "a set in metadata (JSON cannot hold a set)"),
        ]
        for k, (metadata, what) in enumerate(cases):
            folder = exchange / f"case{k}"
            folder.mkdir()
            _refused(submission.save_model, _pipeline(), folder / "m.skops", metadata, why=what)
            left = sorted(p.name for p in folder.iterdir())
            if left:
                fail(
                    f"save_model raised for {what}, but left {left} behind: check everything "
                    "(and build the sidecar's JSON) before writing any file"
                )

    def test_untrusted_model_refused_and_old_files_kept(self, submission, exchange):
        path = exchange / "model.skops"
        _call(submission.save_model, _pipeline(), path, {}, doing="save_model of the first model")
        before = _snapshot(exchange)
        message = _refused(
            submission.save_model,
            _custom_pipeline(),
            path,
            {"feature_names": ["hour"]},
            why="a Pipeline holding a FunctionTransformer of a function of the checks' own "
            "module: load_model could never load its file",
            mentions=("_double",),
        )
        after = _snapshot(exchange)
        if after != before:
            changed = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
            fail(
                f"save_model refused the model ({message.strip()[:120]!r}), but the files "
                f"{changed} changed: check the model's types before writing anything, and "
                "write to a temporary file moved into place, so the earlier model stays intact"
            )

    def test_files_are_moved_into_place(self, submission, exchange):
        path = exchange / "atomic.skops"
        moves, error = submission.observe(_moves_during_save, _pipeline(), str(path))
        if error is not None:
            fail(f"save_model raised {error}")
        for target in (path, _sidecar_of(path)):
            into = [src for src, dst in moves if Path(dst) == target]
            if not into:
                fail(
                    f"{target.name} was not moved into place with os.replace (moves seen: "
                    f"{moves}): write each file to a temporary file in the same folder, then "
                    "os.replace it onto its name, so no reader ever sees half a file"
                )
            if all(Path(src).parent != target.parent for src in into):
                fail(
                    f"{target.name} was moved in from {into}, not from the same folder: "
                    "os.replace is atomic only within one file system, so make the temporary "
                    "file beside the target (tempfile.mkstemp(dir=path.parent))"
                )
        left = sorted(p.name for p in exchange.iterdir())
        if left != sorted([path.name, _sidecar_of(path).name]):
            fail(f"after save_model the folder holds {left}: the temporary files must be gone")

    def test_files_get_an_ordinary_files_permissions(self, submission, exchange):
        for umask, expected in ((0o022, 0o644), (0o027, 0o640)):
            path = exchange / f"mode-{umask:03o}.skops"
            modes, error = submission.observe(_modes_after_save, _pipeline(), str(path), umask)
            if error is not None:
                fail(f"save_model raised {error}")
            for name, mode in modes.items():
                if mode != expected:
                    fail(
                        f"under umask {umask:03o}, {name} was written with permissions "
                        f"{mode:03o}, expected {expected:03o} (what open(path, 'w') gives): "
                        "tempfile.mkstemp creates its file 0o600, readable by its writer alone, "
                        "so a service running as another user (a non-root container) cannot "
                        "read the model. os.fchmod the temporary file to 0o666 without the umask"
                    )


def _modes_after_save(module: Any, model: Any, path: str, umask: int) -> tuple[dict, str | None]:
    """Runs in the learner's process: save_model under `umask`, then the permission bits of the
    model file and its sidecar (the umask is set back afterwards)."""
    import os
    import stat

    previous = os.umask(umask)
    try:
        module.save_model(model, path, {})
        error = None
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check
        error = f"{type(exc).__name__}: {exc}"
    finally:
        os.umask(previous)
    modes = {}
    for name in (path, path + ".json"):
        if os.path.exists(name):
            modes[os.path.basename(name)] = stat.S_IMODE(os.stat(name).st_mode)
    return modes, error


def _moves_during_save(module: Any, model: Any, path: str) -> tuple[list, str | None]:
    """Runs in the learner's process: the (source, target) of every os.replace / os.rename
    during save_model (Path.replace, Path.rename and shutil.move call these)."""
    import os

    moves: list[tuple[str, str]] = []
    originals = {"replace": os.replace, "rename": os.rename}

    def spy(original):
        def move(src, dst, *args, **kwargs):
            moves.append((os.fspath(src), os.fspath(dst)))
            return original(src, dst, *args, **kwargs)

        return move

    spies = {name: spy(fn) for name, fn in originals.items()}
    rebound = [k for k, v in vars(module).items() if any(v is fn for fn in originals.values())]
    saved = {k: getattr(module, k) for k in rebound}
    os.replace, os.rename = spies["replace"], spies["rename"]
    for k in rebound:  # `from os import replace` in the learner's module
        setattr(
            module, k, spies["replace"] if saved[k] is originals["replace"] else spies["rename"]
        )
    try:
        module.save_model(model, path, {})
        error = None
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check
        error = f"{type(exc).__name__}: {exc}"
    finally:
        os.replace, os.rename = originals["replace"], originals["rename"]
        for k, v in saved.items():
            setattr(module, k, v)
    return moves, error


# --- load_model -----------------------------------------------------------------------------


class TestLoadModel:
    def test_loads_good_files(self, submission, exchange):
        X, _ = _data()
        cases = [
            ("pipeline.skops", _pipeline(), X),
            ("hgb.skops", _boosting(), X[["amount", "hour"]]),
            ("tree.skops", _tree(), X[["amount", "hour"]].fillna(0)),
        ]
        for name, model, rows in cases:
            path = exchange / name
            sidecar = _write_pair(path, sio.dumps(model))
            loaded, metadata = _pair(
                _call(submission.load_model, path, doing=f"load_model of a good {name}")
            )
            if _plain(metadata) != sidecar:
                fail(
                    f"load_model's metadata for {name} is {metadata!r:.300}, expected the "
                    f"sidecar's contents {sidecar!r:.300}"
                )
            _same_predictions(loaded, model, rows, f"the model load_model read from {name}")

    def test_round_trip(self, submission, exchange):
        X, _ = _data()
        path = exchange / "model.skops"
        saved = _call(submission.save_model, _pipeline(), path, _metadata(), doing="save_model")
        loaded, metadata = _pair(_call(submission.load_model, str(path), doing="load_model"))
        written = _read_sidecar(path)
        if _plain(metadata) != written or (isinstance(saved, dict) and _plain(saved) != written):
            fail("load_model's metadata should equal the sidecar save_model wrote (and returned)")
        _same_predictions(loaded, _pipeline(), X, "the model after save_model then load_model")

    def test_changed_file_is_refused(self, submission, exchange):
        X, _ = _data()
        path = exchange / "model.skops"
        _write_pair(path, sio.dumps(_pipeline()))
        path.write_bytes(sio.dumps(_pipeline(C=0.01)))  # another valid model under the old sidecar
        _refused(
            submission.load_model,
            path,
            why="the model file was swapped for another valid skops file after the sidecar was "
            "written: its SHA-256 no longer matches",
            mentions=("sha",),
        )
        data = bytearray(sio.dumps(_pipeline()))
        _write_pair(path, bytes(data))
        data[len(data) // 2] ^= 0x01  # one bit flipped
        path.write_bytes(bytes(data))
        _refused(
            submission.load_model,
            path,
            why="one bit of the model file was flipped after it was saved",
            mentions=("sha",),
        )

    def test_truncated_file_is_refused(self, submission, exchange):
        path = exchange / "model.skops"
        data = sio.dumps(_pipeline())
        _write_pair(path, data)
        path.write_bytes(data[: len(data) // 2])
        _refused(
            submission.load_model,
            path,
            why="the model file was cut in half (a failed copy): its SHA-256 no longer matches",
            mentions=("sha",),
        )
        _write_pair(path, data[: len(data) // 2])  # a sidecar that matches the damaged file
        _refused(
            submission.load_model,
            path,
            why="the model file is a truncated zip, even though its sidecar's SHA-256 matches "
            "it: skops cannot read it",
        )

    def test_sidecar_problems(self, submission, exchange):
        path = exchange / "model.skops"
        data = sio.dumps(_pipeline())
        path.write_bytes(data)
        _refused(submission.load_model, path, why="the model file has no sidecar")
        side = _sidecar_of(path)
        for text, what in [
            ("{'sha256': 'abc'", "the sidecar is not valid JSON"),
            (json.dumps([_sha(data)]), "the sidecar is a JSON list, not an object"),
            (json.dumps({"feature_names": FEATURES}), "the sidecar has no 'sha256'"),
        ]:
            side.write_text(text)
            _refused(submission.load_model, path, why=what)
        _write_pair(path, data)
        path.unlink()
        _refused(submission.load_model, path, why="the sidecar is there but the model file is not")

    def test_untrusted_type_is_named(self, submission, exchange):
        path = exchange / "custom.skops"
        _write_pair(path, sio.dumps(_custom_pipeline()), feature_names=["hour"])
        _refused(
            submission.load_model,
            path,
            why="the file holds a FunctionTransformer of a function that is not among the "
            "trusted types",
            mentions=("_double",),
        )

    def test_malicious_file_never_runs(self, submission, exchange):
        marker = exchange / "tripwire_ran.txt"
        path = exchange / "model.skops"
        _write_pair(path, sio.dumps(_trapped_model(marker)), feature_names=["hour"])
        _attempt(submission.load_model, path)
        if marker.exists():
            fail(
                "load_model ran code from the model file: the file holds an object of a class "
                "outside the trusted types (_Tripwire), whose construction wrote a marker file. "
                "Pass trusted=TRUSTED_TYPES, never the list of types the file itself asks for"
            )
        _refused(
            submission.load_model,
            path,
            why="the file holds an object of an untrusted class (_Tripwire) whose construction "
            "runs code",
            mentions=("_Tripwire",),
        )

    def test_pickle_never_runs(self, submission, exchange):
        marker = exchange / "pickle_ran.txt"
        path = exchange / "model.skops"
        _write_pair(path, pickle.dumps(_PickleBomb(str(marker))))
        _attempt(submission.load_model, path)
        if marker.exists():
            fail(
                "load_model unpickled a pickle renamed '.skops', and the pickle ran its code (a "
                "marker file appeared): load with skops only, never pickle or joblib"
            )
        _refused(
            submission.load_model,
            path,
            why="the file is a pickle renamed '.skops', not a skops zip (its sidecar matches it)",
        )
