"""Helpers shared by the checks of lesson 06_tracking: the MLflow test stores.

Every check of ex03-ex05 gives the learner's code (or builds for it) a fresh MLflow store, a SQLite
file. Making one from nothing runs MLflow's ~70 schema migrations (a second or more, longer on a
busy machine); a copy of an empty migrated store takes a millisecond. So there is one empty
migrated store, the *template*, and `fresh_store(folder)` writes a copy of it into a check's
folder. The template is kept between grading runs (see `_template`), verified before use.

Import this module before `mlflow` anywhere in a check module (`from ._shared import ...` first,
then `# isort: split`): it sets MLflow's environment, which MLflow reads when it is imported.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import math
import os
import sqlite3
import stat
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

# Before MLflow is imported (it reads these then, and the learner's process inherits them): no
# usage reports over the network (the course runs offline; the sandbox has no network), no progress
# bars of artifact transfers in the checks' or the learner's output.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

# Importing MLflow creates some 1,500 modules and their objects. Python's garbage collector, run
# again and again over the growing heap meanwhile, has nothing to free (modules live as long as the
# process) and costs a third of a second of the grader's start: it is paused while MLflow is
# imported, and what exists then is frozen (out of the collector's reach, as the runner freezes
# the heap before it forks its children).
#
# MLflow imports its SQLAlchemy stores (tracking, model registry) lazily, the first time a process
# opens a SQLite store. Imported here, once, in the grader's parent process (this module is
# imported when the checks are collected), they are inherited by every grading child and every
# learner's process forked from it, instead of being imported in each of them.
_collecting = gc.isenabled()
gc.disable()
try:
    import mlflow
    import mlflow.store.db.utils
    import mlflow.store.model_registry.sqlalchemy_store
    import mlflow.store.tracking.sqlalchemy_store  # noqa: F401
    from mlflow import MlflowClient
    from mlflow.entities import Metric
    from mlflow.utils.name_utils import _generate_random_name
    from mlflow.utils.uri import append_to_uri_path, resolve_uri_if_local
finally:
    if _collecting:
        gc.enable()
gc.freeze()

for _name in ("mlflow", "alembic"):  # MLflow's INFO lines about creating its tables
    logging.getLogger(_name).setLevel(logging.WARNING)

# When the grader's process ends, Python's garbage collector walks its whole heap again and again
# while the modules are torn down: with MLflow, SQLAlchemy, scikit-learn and skops imported, that
# is a second of the grader's wall time after the report is written. Frozen at exit, the objects
# are still released by their reference counts, and only the collector's walks are skipped.
# (Child processes leave with os._exit and never come here. A process that collects the checks
# again, such as the mutants' warm grader, imports this module again: registered once.)
atexit.unregister(gc.freeze)
atexit.register(gc.freeze)

# A folder where SQLite's commits cost no fsync, when the machine has one.
FAST_TMP = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

TEMPLATE_LIMIT = 64 * 1024 * 1024  # an empty store is ~1 MB; a larger file is not ours


def _schema_head() -> str | None:
    """The schema revision of the installed MLflow (None: this MLflow does not say)."""
    try:
        return mlflow.store.db.utils._get_latest_schema_revision()
    except Exception:  # noqa: BLE001 - an MLflow without it: no cached template, see _template
        return None


SCHEMA_HEAD = _schema_head()


# --- the template ---------------------------------------------------------------------------
#
# Why a template cached across grading runs is safe:
# - It is written and read only by the check process (the grader's parent, when it collects the
#   checks), which is trusted; the learner's code never reaches it. In the instructor modes
#   (`mlgrade grade`, the batch) the learner's process is sandboxed: /tmp, /dev/shm and /var/tmp
#   are fresh, private tmpfs mounts in which this path does not exist, every other mount is
#   read-only, and the only place it may write is the checks' exchange folder. In a learner's own
#   `mlgrade check`, the code runs as the learner, who could as well edit the grader, and the
#   result is the learner's own.
# - Another user of the machine cannot plant or alter it: the file is used only if it is a
#   regular file (opened with O_NOFOLLOW, so a symlink is refused), owned by this uid, with mode
#   0600 (no one else may write it), with a single link.
# - Its bytes are read once, then verified as read (an intact SQLite database whose schema
#   revision is the installed MLflow's, with no runs, no registered models and no experiment but
#   MLflow's Default), and those very bytes are what every check copies: nothing is read from the
#   path again, so it cannot change between the verification and its use.
# - Anything else (missing, someone else's, another MLflow's schema, damaged) is rebuilt: migrated
#   in a private folder, written to a new 0600 file in the same folder (mkstemp: O_EXCL, never
#   through a symlink) and moved into place with one atomic rename, so a grader reading the cache
#   at the same time sees the old file or the new one, whole. If the rename is refused (the name
#   is held by another user's file), the fresh bytes are used for this run alone.

TEMPLATE_CACHE = Path(tempfile.gettempdir()) / (
    f"mlgrade-mlflow-{mlflow.__version__}-uid{os.getuid()}.db"
)


def _read_cached(path: Path) -> bytes | None:
    """The bytes of the cached template, if the file is ours alone (see above); else None."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # O_NONBLOCK: not a FIFO
    try:
        fd = os.open(path, flags)
    except OSError:  # missing, or a symlink (ELOOP)
        return None
    try:
        st = os.fstat(fd)
        if (
            not stat.S_ISREG(st.st_mode)
            or st.st_uid != os.getuid()
            or stat.S_IMODE(st.st_mode) != 0o600
            or st.st_nlink != 1
            or st.st_size > TEMPLATE_LIMIT
        ):
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(TEMPLATE_LIMIT + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def _is_empty_store(data: bytes) -> bool:
    """Whether `data` is an intact SQLite database holding an empty MLflow store whose schema
    revision is the installed MLflow's (read in memory: these very bytes are the ones used)."""
    if SCHEMA_HEAD is None or len(data) > TEMPLATE_LIMIT:
        return False
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as con:
            con.deserialize(data)
            if con.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                return False
            revisions = con.execute("SELECT version_num FROM alembic_version").fetchall()
            (filled,) = con.execute(
                "SELECT (SELECT COUNT(*) FROM runs) + (SELECT COUNT(*) FROM registered_models)"
                " + (SELECT COUNT(*) FROM experiments WHERE experiment_id != 0)"
            ).fetchone()
    except (sqlite3.Error, AttributeError, ValueError, OverflowError):  # AttributeError: no
        return False  # Connection.deserialize in this Python's SQLite: rebuilt every run
    return revisions == [(SCHEMA_HEAD,)] and filled == 0


def _build() -> bytes:
    """An empty MLflow store, its schema migrated, as bytes (built in a private folder)."""
    with tempfile.TemporaryDirectory(prefix="mlgrade-mlflow-build-", dir=FAST_TMP) as folder:
        uri = f"sqlite:///{folder}/mlflow.db"
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        client.search_experiments()  # the tracking store migrates every table (registry too)
        client.search_registered_models()
        return (Path(folder) / "mlflow.db").read_bytes()


def _store_cache(path: Path, data: bytes) -> None:
    """Put `data` at `path`, whole, mode 0600, in one atomic rename (see above)."""
    try:
        fd, temporary = tempfile.mkstemp(prefix=f"{path.name}.", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _template() -> bytes:
    """The verified empty store: the cached one, or one built now (and cached for next time)."""
    data = _read_cached(TEMPLATE_CACHE)
    if data is not None and _is_empty_store(data):
        return data
    data = _build()
    _store_cache(TEMPLATE_CACHE, data)
    return data


TEMPLATE: bytes = _template()  # once, when the checks are collected; inherited by every fork


def fresh_store(folder: Path) -> str:
    """A new, empty MLflow store at `folder`/mlflow.db (a copy of the template, never written over
    an existing file), and its tracking URI."""
    db = Path(folder) / "mlflow.db"
    with open(db, "xb") as fh:
        fh.write(TEMPLATE)
    return f"sqlite:///{db}"


def _head_learnt_once() -> str:
    """The schema head MLflow checks every store against, learnt once (see below)."""
    return SCHEMA_HEAD


# Every time a process opens a store, MLflow checks its schema revision against the head revision,
# which it learns by parsing its ~70 migration scripts anew (30 ms a store in a learner's process,
# half of a best_run call). The scripts are installed files that do not change while the grader
# runs, so the head is learnt once, above, and given from then on: in this process and in every
# process forked from it (the grading children, the learner's processes), for the checks' stores
# and the learner's code alike. Nothing else changes: a store at another revision is still
# refused, with MLflow's own message.
if SCHEMA_HEAD is not None:
    mlflow.store.db.utils._get_latest_schema_revision = _head_learnt_once


def open_client(uri: str, cls: type[MlflowClient] = MlflowClient) -> MlflowClient:
    """A client of the store at `uri`, for tracking and the model registry (the store holds both),
    opened by the check's own process."""
    return cls(tracking_uri=uri, registry_uri=uri)


# --- filling a store ------------------------------------------------------------------------
#
# The checks of ex04 and ex05 fill their stores themselves: runs with chosen start times, statuses
# and metric histories; registered models, versions and aliases. Through MlflowClient each call is
# a session, a lookup and a commit (a run with its metrics and status: ~9 ms, a version ~5 ms, an
# alias ~15 ms), most of what those checks cost. `SqlWriter` writes the very rows MLflow's own
# SQLAlchemy stores write for the same calls, with one sqlite3 connection (~0.1 ms a run). It was
# compared with MLflow row for row (every table, ids, names and clock times aside) at one schema
# revision, WRITER_SCHEMA; with an MLflow at another revision, the stores are filled through
# MlflowClient (`ClientWriter`, the same methods), slower but right whatever MLflow's tables are.

WRITER_SCHEMA = "dc11669786a5"  # MLflow 3.17's schema head

_MAX_FLOAT = 1.7976931348623157e308


def _sanitized(value: float) -> tuple[int, float]:
    """(is_nan, value) as MLflow stores a metric value: NaN as 0 with is_nan, ±inf as ±max."""
    if math.isnan(value):
        return 1, 0.0
    if math.isinf(value):
        return 0, _MAX_FLOAT if value > 0 else -_MAX_FLOAT
    return 0, float(value)


def _now_ms() -> int:
    return int(time.time() * 1000)


class SqlWriter:
    """Fills a store (a copy of the template) with sqlite3, each call one committed transaction,
    on one connection (a new connection parses MLflow's ~60 tables again: 1 ms), closed by
    `close()` or when the writer is released."""

    def __init__(self, db: Path):
        self.db = Path(db)
        self._con: sqlite3.Connection | None = None

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if self._con is None:
            self._con = sqlite3.connect(self.db, isolation_level=None)  # transactions by hand
            self._con.execute("PRAGMA foreign_keys = ON")
        con = self._con
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def experiment(self, name: str, artifact_location: str) -> str:
        """As `MlflowClient.create_experiment(name, artifact_location=...)`: its id."""
        now = _now_ms()
        with self._tx() as con:
            cursor = con.execute(
                "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time,"
                " last_update_time) VALUES (?, ?, 'active', ?, ?)",
                (name, resolve_uri_if_local(artifact_location), now, now),
            )
        return str(cursor.lastrowid)

    def run(
        self,
        experiment_id: str,
        *,
        start_time: int | None = None,
        tags: dict[str, str] | None = None,
        metrics: Sequence[tuple[str, float, int, int]] = (),
        status: str = "RUNNING",
        end_time: int | None = None,
        deleted: bool = False,
    ) -> tuple[str, str]:
        """(run_id, artifact_uri) of a new run, as `create_run(experiment_id, start_time, tags)`,
        then `log_batch(metrics=[Metric(key, value, timestamp, step), ...])` in that order, then
        `set_terminated(status, end_time)` (FINISHED, FAILED, KILLED), or `update_run(status=
        'SCHEDULED')`, or nothing (RUNNING), then `delete_run` when `deleted`."""
        run_id = uuid.uuid4().hex
        run_name = _generate_random_name()
        tags = {**(tags or {}), "mlflow.runName": run_name}
        if status not in ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"):
            raise ValueError(f"a run's status is not {status!r}")
        if status in ("RUNNING", "SCHEDULED"):
            end_time = None
        elif end_time is None:
            end_time = _now_ms()
        latest: dict[str, tuple[int, int, float, int]] = {}  # key -> (step, timestamp, value, nan)
        rows = []
        for key, value, timestamp, step in metrics:
            is_nan, stored = _sanitized(value)
            rows.append((key, stored, timestamp, run_id, step, is_nan))
            logged = (step, timestamp, stored, is_nan)
            if key not in latest or logged[:3] > latest[key][:3]:  # MLflow's strict comparison
                latest[key] = logged
        with self._tx() as con:
            (location,) = con.execute(
                "SELECT artifact_location FROM experiments WHERE experiment_id = ?",
                (int(experiment_id),),
            ).fetchone()
            artifact_uri = append_to_uri_path(location, run_id, "artifacts")
            con.execute(
                "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name,"
                " user_id, status, start_time, end_time, source_version, lifecycle_stage,"
                " artifact_uri, experiment_id, deleted_time)"
                " VALUES (?, ?, 'UNKNOWN', '', '', ?, ?, ?, ?, '', ?, ?, ?, ?)",
                (
                    run_id,
                    run_name,
                    tags.get("mlflow.user", "unknown"),
                    status,
                    _now_ms() if start_time is None else start_time,
                    end_time,
                    "deleted" if deleted else "active",
                    artifact_uri,
                    int(experiment_id),
                    _now_ms() if deleted else None,
                ),
            )
            con.executemany(
                "INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)",
                [(k, v, run_id) for k, v in tags.items()],
            )
            # an identical metric logged twice is stored once, as MLflow does
            con.executemany(
                "INSERT OR IGNORE INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            con.executemany(
                "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(k, v, ts, step, nan, run_id) for k, (step, ts, v, nan) in latest.items()],
            )
        return run_id, artifact_uri

    def registered_model(self, name: str) -> None:
        now = _now_ms()
        with self._tx() as con:
            con.execute(
                "INSERT INTO registered_models (name, creation_time, last_updated_time)"
                " VALUES (?, ?, ?)",
                (name, now, now),
            )

    def model_version(self, name: str, source: str, run_id: str) -> int:
        """As `create_model_version(name, source=source, run_id=run_id)`: the new version."""
        now = _now_ms()
        with self._tx() as con:
            (latest,) = con.execute(
                "SELECT MAX(version) FROM model_versions WHERE name = ?", (name,)
            ).fetchone()
            version = (latest or 0) + 1
            con.execute(
                "UPDATE registered_models SET last_updated_time = ? WHERE name = ?", (now, name)
            )
            con.execute(
                "INSERT INTO model_versions (name, version, creation_time, last_updated_time,"
                " current_stage, source, run_id, status, storage_location)"
                " VALUES (?, ?, ?, ?, 'None', ?, ?, 'READY', ?)",
                (name, version, now, now, source, run_id, source),
            )
        return version

    def _version_exists(self, con: sqlite3.Connection, name: str, version: int) -> None:
        found = con.execute(
            "SELECT 1 FROM model_versions WHERE name = ? AND version = ?", (name, version)
        ).fetchone()
        if found is None:
            raise ValueError(f"model {name!r} has no version {version}")

    def alias(self, name: str, alias: str, version: int) -> None:
        """As `set_registered_model_alias(name, alias, version)`: set or move the alias."""
        with self._tx() as con:
            self._version_exists(con, name, int(version))
            con.execute(
                "INSERT OR REPLACE INTO registered_model_aliases (alias, version, name)"
                " VALUES (?, ?, ?)",
                (alias, int(version), name),
            )

    def version_tag(self, name: str, version: int, key: str, value: str) -> None:
        with self._tx() as con:
            self._version_exists(con, name, int(version))
            con.execute(
                "INSERT OR REPLACE INTO model_version_tags (key, value, name, version)"
                " VALUES (?, ?, ?, ?)",
                (key, value, name, int(version)),
            )

    def model_tag(self, name: str, key: str, value: str) -> None:
        with self._tx() as con:
            con.execute(
                "INSERT OR REPLACE INTO registered_model_tags (key, value, name) VALUES (?, ?, ?)",
                (key, value, name),
            )


class ClientWriter:
    """`SqlWriter`'s methods through MlflowClient: for an MLflow whose schema it was not compared
    with."""

    def __init__(self, db: Path):
        self.client = open_client(f"sqlite:///{db}")

    def close(self) -> None:
        pass

    def experiment(self, name: str, artifact_location: str) -> str:
        return self.client.create_experiment(name, artifact_location=artifact_location)

    def run(
        self,
        experiment_id: str,
        *,
        start_time: int | None = None,
        tags: dict[str, str] | None = None,
        metrics: Sequence[tuple[str, float, int, int]] = (),
        status: str = "RUNNING",
        end_time: int | None = None,
        deleted: bool = False,
    ) -> tuple[str, str]:
        info = self.client.create_run(experiment_id, start_time=start_time, tags=tags).info
        if metrics:
            self.client.log_batch(
                info.run_id, metrics=[Metric(k, float(v), ts, step) for k, v, ts, step in metrics]
            )
        if status == "SCHEDULED":
            self.client.update_run(info.run_id, status="SCHEDULED")
        elif status != "RUNNING":
            self.client.set_terminated(info.run_id, status, end_time=end_time)
        if deleted:
            self.client.delete_run(info.run_id)
        return info.run_id, info.artifact_uri

    def registered_model(self, name: str) -> None:
        self.client.create_registered_model(name)

    def model_version(self, name: str, source: str, run_id: str) -> int:
        return int(self.client.create_model_version(name, source=source, run_id=run_id).version)

    def alias(self, name: str, alias: str, version: int) -> None:
        self.client.set_registered_model_alias(name, alias, str(version))

    def version_tag(self, name: str, version: int, key: str, value: str) -> None:
        self.client.set_model_version_tag(name, str(version), key, value)

    def model_tag(self, name: str, key: str, value: str) -> None:
        self.client.set_registered_model_tag(name, key, value)


def store_writer(db: Path) -> SqlWriter | ClientWriter:
    """A writer filling the store at `db` (see above)."""
    return SqlWriter(db) if SCHEMA_HEAD == WRITER_SCHEMA else ClientWriter(db)
