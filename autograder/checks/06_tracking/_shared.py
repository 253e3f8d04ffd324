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

import contextlib
import logging
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before MLflow is imported (it reads these then, and the learner's process inherits them): no
# usage reports over the network (the course runs offline; the sandbox has no network), no progress
# bars of artifact transfers in the checks' or the learner's output.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

import mlflow  # noqa: E402
import mlflow.store.db.utils  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

for _name in ("mlflow", "alembic"):  # MLflow's INFO lines about creating its tables
    logging.getLogger(_name).setLevel(logging.WARNING)

# MLflow imports its SQLAlchemy stores (tracking, model registry) lazily, the first time a process
# opens a SQLite store. Imported here, once, in the grader's parent process (this module is
# imported when the checks are collected), they are inherited by every grading child and every
# learner's process forked from it, instead of being imported again in each of them.
import mlflow.store.model_registry.sqlalchemy_store  # noqa: E402, F401
import mlflow.store.tracking.sqlalchemy_store  # noqa: E402, F401

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


@contextlib.contextmanager
def _known_schema_head() -> Iterator[None]:
    """While the check's own process opens a store: MLflow checks every store it opens against
    its schema's head revision, which it learns by parsing its ~70 migration scripts anew each
    time (~15 ms a store). The head was learnt once, above, and every store the checks open is a
    copy of the template verified to be at that revision, so it is given, not parsed again. Only
    around the check's own `MlflowClient(...)` (no learner's process is forked in between): the
    learner's process opens its stores with MLflow as it is."""
    utils = mlflow.store.db.utils
    original = getattr(utils, "_get_latest_schema_revision", None)
    if SCHEMA_HEAD is None or original is None:
        yield
        return
    head = SCHEMA_HEAD
    utils._get_latest_schema_revision = lambda: head
    try:
        yield
    finally:
        utils._get_latest_schema_revision = original


def open_client(uri: str, cls: type[MlflowClient] = MlflowClient) -> MlflowClient:
    """A client of the store at `uri`, for tracking and the model registry (the store holds both),
    opened by the check's own process."""
    with _known_schema_head():
        return cls(tracking_uri=uri, registry_uri=uri)
