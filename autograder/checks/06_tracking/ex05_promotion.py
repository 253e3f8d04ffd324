"""Checks for 06_tracking/ex05_promotion (see solutions/06_tracking/ex05_promotion.py for the reference)."""

from __future__ import annotations

from ._shared import (  # first: MLflow's environment, then import
    FAST_TMP,
    ClientWriter,
    SqlWriter,
    fresh_store,
    open_client,
    store_writer,
)

# isort: split

import contextlib
import hashlib
import io
import json
import math
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pytest
from mlflow import MlflowClient

from autograder.assertions import CheckFailure, expect_raises, fail

# ex05 · promote_if_better(client, name, candidate_version, metric, min_gain, floor) -> Decision

ALIAS = "champion"
ARTIFACT = "model.skops"
HASH_TAG = "model_sha256"
WORDS = (
    "already champion",
    "missing metric",
    "hash mismatch",
    "below floor",
    "no gain",
    "promoted",
)
OTHER = {"auc": "ap", "ap": "auc"}  # every run logs both; the other one would decide otherwise
GUARD = "the champion alias was deleted"


class _GuardedClient(MlflowClient):
    """The client handed to the learner's function (pickled; it is an MlflowClient in every
    other way): deleting the champion alias, even to set it again at once, leaves the model
    without a champion in between, which the contract forbids."""

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        if alias == ALIAS:
            raise RuntimeError(
                f"{GUARD} (delete_registered_model_alias({name!r}, {alias!r})): move it with one "
                "set_registered_model_alias call instead, so that there is a champion at all times"
            )
        super().delete_registered_model_alias(name, alias)


def _model_bytes(seed: int) -> bytes:
    """A small stand-in for a skops file (a zip archive): only its bytes matter here; the
    learner's code hashes the file, never loads it."""
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("schema.json", json.dumps({"__class__": "LogisticRegression", "seed": seed}))
        zf.writestr("coef.npy", rng.normal(size=16).tobytes())
    return buf.getvalue()


def _local_path(uri: str) -> Path:
    return Path(urlparse(uri).path) if uri.startswith("file:") else Path(uri)


class Store:
    """An MLflow store (tracking and registry) for one check, filled by the check: runs with
    metrics, a `model_sha256` tag and a `model.skops` artifact, and registered versions of
    models made from them (written by `_shared.store_writer`: the rows MLflow's own stores write
    for `create_run`, `log_batch`, `create_registered_model`, `create_model_version` and
    `set_registered_model_alias`). It is built where commits are cheap, then `publish`ed whole
    into the check's exchange folder, where the learner's code meets it (artifacts live there
    from the start)."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.build_dir = Path(tempfile.mkdtemp(prefix="mlgrade-promotion-", dir=FAST_TMP))
        fresh_store(self.build_dir)
        self.writer: SqlWriter | ClientWriter | None = store_writer(self.build_dir / "mlflow.db")
        self.experiment_id = self.writer.experiment("promotion", str(folder / "artifacts"))
        self.db = folder / "mlflow.db"
        self.uri = f"sqlite:///{self.db}"
        self.runs = 0
        self.models: set[str] = set()
        self._learner_client: _GuardedClient | None = None

    def publish(self) -> None:
        """Move the built store into the exchange folder (once); it is read-only to the check
        from then on."""
        if self.writer is not None:
            self.writer.close()
            shutil.copyfile(self.build_dir / "mlflow.db", self.db)
            self.writer = None

    def close(self) -> None:
        shutil.rmtree(self.build_dir, ignore_errors=True)

    @property
    def builder(self) -> SqlWriter | ClientWriter:
        if self.writer is None:
            raise RuntimeError("the check builds its store before the learner's code runs")
        return self.writer

    def run(
        self,
        metrics: dict[str, float | list[float]],
        *,
        tag: bool = True,
        artifact: bool = True,
        altered: bool = False,
    ) -> str:
        """A run; `altered`: its model file was changed after its SHA-256 was logged."""
        self.runs += 1
        data = _model_bytes(self.runs)
        steps = [  # a list of values: one per step, the last one is the latest
            (k, float(x), 0, step)
            for k, v in metrics.items()
            for step, x in enumerate(v if isinstance(v, list) else [v])
        ]
        run_id, artifact_uri = self.builder.run(
            self.experiment_id,
            tags={HASH_TAG: hashlib.sha256(data).hexdigest()} if tag else None,
            metrics=steps,
        )
        if artifact:  # where log_artifact puts it: the run's artifact folder
            folder = _local_path(artifact_uri)
            folder.mkdir(parents=True)
            (folder / ARTIFACT).write_bytes(data[:-1] + bytes([data[-1] ^ 1]) if altered else data)
        return run_id

    def version(self, name: str, run_id: str) -> int:
        if name not in self.models:
            self.builder.registered_model(name)
            self.models.add(name)
        return self.builder.model_version(name, f"runs:/{run_id}", run_id)

    def add(self, name: str, metric: str, value: float | None, **run_options: Any) -> int:
        """A run logging `metric` = value (omitted for None) and the other metric, which would
        decide the other way, and a new version of `name` made from it."""
        metrics = {OTHER[metric]: 1.5 - value if value is not None else 0.5}
        if value is not None:
            metrics[metric] = value
        return self.version(name, self.run(metrics, **run_options))

    def crown(self, name: str, version: int) -> None:
        self.builder.alias(name, ALIAS, version)

    def learner_client(self) -> _GuardedClient:
        """The client given to the learner's function (one per store: it is pickled anew for
        each call)."""
        self.publish()
        if self._learner_client is None:
            self._learner_client = open_client(self.uri, _GuardedClient)
        return self._learner_client

    def _rows(self, sql: str, *args: Any) -> list[tuple]:
        self.publish()
        with contextlib.closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as con:
            return con.execute(sql, args).fetchall()

    def champion(self, name: str) -> int | None:
        rows = self._rows(
            "SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?",
            name,
            ALIAS,
        )
        return int(rows[0][0]) if rows else None

    def snapshot(self) -> dict:
        """Every row of every table of the store, read as data (timestamps of last updates and
        the champion aliases aside), and where each model's champion alias points."""
        self.publish()
        out: dict = {}
        with contextlib.closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as con:
            tables = [
                t
                for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if t.isidentifier()
            ]
            # most of MLflow's ~60 tables are empty: one query counts them all, and only the
            # tables with rows are read (names from the file, identifiers only)
            counts = con.execute(
                "SELECT " + ", ".join(f'(SELECT COUNT(*) FROM "{t}")' for t in tables)
            ).fetchone()
            for table, count in zip(tables, counts, strict=True):
                if not count:
                    out[table] = []
                    continue
                cursor = con.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the file
                columns = [d[0] for d in cursor.description]
                keep = [i for i, c in enumerate(columns) if "last_update" not in c]
                rows = []
                for row in cursor.fetchall():
                    record = {columns[i]: row[i] for i in keep}
                    if table == "registered_model_aliases" and record.get("alias") == ALIAS:
                        continue
                    rows.append(repr(sorted(record.items())))
                out[table] = sorted(rows)
            champions = con.execute(
                "SELECT name, version FROM registered_model_aliases WHERE alias = ?", (ALIAS,)
            ).fetchall()
            names = [n for (n,) in con.execute("SELECT name FROM registered_models")]
        by_name = dict(champions)
        return {"tables": out, "champions": {n: _int_or_none(by_name.get(n)) for n in names}}


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


@pytest.fixture
def store(exchange: Path):
    """A fresh store for the check, in its exchange folder."""
    built = Store(exchange / "store")
    yield built
    built.close()


def _store_change(before: dict, after: dict) -> str | None:
    """The first change between two snapshots, in words (None: the same)."""
    for table in sorted(set(before["tables"]) | set(after["tables"])):
        old, new = before["tables"].get(table, []), after["tables"].get(table, [])
        if old != new:
            added = [r for r in new if r not in old]
            removed = [r for r in old if r not in new]
            said = [f"{len(added)} row(s) added, e.g. {added[0]:.240}"] if added else []
            said += [f"{len(removed)} row(s) removed, e.g. {removed[0]:.240}"] if removed else []
            return f"table {table}: " + "; ".join(said or ["rows changed"])
    for name in sorted(set(before["champions"]) | set(after["champions"])):
        was, now = before["champions"].get(name), after["champions"].get(name)
        if was != now:
            return f"model {name!r}'s champion alias moved from {_named(was)} to {_named(now)}"
    return None


def _read_decision(result: Any, where: str) -> tuple[bool, str, int | None]:
    """(promoted, reason, champion_version) of the Decision the learner returned."""
    values = []
    for attr in ("promoted", "reason", "champion_version"):
        try:
            values.append(getattr(result, attr))
        except AttributeError:
            fail(
                f"{where}: promote_if_better should return a Decision(promoted, reason, "
                f"champion_version); what came back ({type(result).__name__}) has no .{attr}"
            )
    promoted, reason, version = values
    if not isinstance(promoted, bool | np.bool_):
        fail(f"{where}: Decision.promoted should be a bool, got {promoted!r:.80}")
    if not isinstance(reason, str):
        fail(f"{where}: Decision.reason should be a str, got {reason!r:.80}")
    if version is not None and (
        isinstance(version, bool | np.bool_) or not isinstance(version, int | np.integer)
    ):
        fail(
            f"{where}: Decision.champion_version should be the champion's version as an int (or "
            f"None without a champion), got {version!r:.80} ({type(version).__name__})"
        )
    return bool(promoted), reason, None if version is None else int(version)


def _word(reason: str) -> str | None:
    return next((w for w in WORDS if reason.strip().lower().startswith(w)), None)


def _call(submission: Any, store: Store, name: str, candidate: Any, metric: str, **kw: Any):
    """The learner's promote_if_better on a guarded client; an alias deletion fails the check."""
    args = (store.learner_client(), name, candidate, metric, kw["min_gain"], kw["floor"])
    try:
        return submission.promote_if_better(*args)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        if GUARD in str(exc):
            fail(f"promote_if_better({name!r}, {candidate!r}, ...): {exc}")
        raise


def _decide(
    submission: Any,
    store: Store,
    name: str,
    candidate: Any,
    metric: str,
    *,
    min_gain: float,
    floor: float,
    expect: tuple[bool, str, int | None],
    why: str,
) -> None:
    """Call the learner's function and check its Decision, the alias in the registry after the
    call, and that nothing but the champion alias changed."""
    before = store.snapshot()
    where = (
        f"promote_if_better(client, {name!r}, {candidate!r}, {metric!r}, min_gain={min_gain:g}, "
        f"floor={floor:g}) ({why})"
    )
    promoted, reason, version = _read_decision(
        _call(submission, store, name, candidate, metric, min_gain=min_gain, floor=floor), where
    )
    want_promoted, want_word, want_version = expect
    word = _word(reason)
    if word is None:
        fail(
            f"{where}: the reason should start with one of {list(WORDS)}, got {reason!r:.120}; "
            f"expected {want_word!r}"
        )
    if (promoted, word) != (want_promoted, want_word):
        fail(
            f"{where}: expected promoted={want_promoted} with reason {want_word!r}, got "
            f"promoted={promoted} with reason {reason!r:.120}"
        )
    after = store.snapshot()
    actual = after["champions"].get(name)
    if actual != want_version:
        fail(
            f"{where}: after the call the champion alias should point to "
            f"{_named(want_version)}, but it points to {_named(actual)} "
            f"(it pointed to {_named(before['champions'].get(name))} before)"
        )
    if version != actual:
        fail(
            f"{where}: Decision.champion_version is {version!r} but the registry's champion alias "
            f"points to {_named(actual)}: the decision must say what the registry holds"
        )
    before["champions"][name] = want_version
    changed = _store_change(before, after)
    if changed:
        fail(
            f"{where}: the call changed the store beyond the champion alias: {changed}. The alias "
            "is the one mark of the champion (no tags, stages or other aliases), and runs are "
            "only read"
        )


def _named(version: int | None) -> str:
    return "no version (no champion)" if version is None else f"version {version}"


def _raises(submission: Any, store: Store, name: str, candidate: Any, why: str, **kw: Any):
    kw = {"metric": "auc", "min_gain": 0.0, "floor": 0.0, **kw}
    before = store.snapshot()
    expect_raises(
        ValueError,
        _call,
        submission,
        store,
        name,
        candidate,
        kw["metric"],
        min_gain=kw["min_gain"],
        floor=kw["floor"],
        why=why,
    )
    changed = _store_change(before, store.snapshot())
    if changed:
        fail(f"a call that raises ValueError ({why}) must change nothing first, but: {changed}")


# --- no champion yet: the floor -------------------------------------------------------------------


class TestNoChampion:
    def test_clears_the_floor(self, submission, store):
        v = store.add("fraud", "auc", 0.875)
        _decide(
            submission, store, "fraud", v, "auc", min_gain=0.0625, floor=0.75,
            expect=(True, "promoted", v),
            why="no champion yet; auc 0.875 clears the floor 0.75 (its ap, 0.625, would not)",
        )  # fmt: skip

    def test_reaching_the_floor_is_enough(self, submission, store):
        store.add("fraud", "ap", 0.5)
        v = store.add("fraud", "ap", 0.75)
        _decide(
            submission, store, "fraud", v, "ap", min_gain=0.0, floor=0.75,
            expect=(True, "promoted", v),
            why="no champion; ap exactly at the floor 0.75 is at least the floor",
        )  # fmt: skip

    def test_below_the_floor_stays_without_champion(self, submission, store):
        v = store.add("fraud", "auc", 0.6875)
        _decide(
            submission, store, "fraud", v, "auc", min_gain=0.0, floor=0.75,
            expect=(False, "below floor", None),
            why="no champion; auc 0.6875 is under the floor 0.75 (its ap, 0.8125, is not the metric)",
        )  # fmt: skip


# --- against the champion: a strict gain of more than min_gain -------------------------------------


class TestAgainstChampion:
    def test_clear_gain_moves_the_alias(self, submission, store):
        old = store.add("fraud", "ap", 0.75)
        store.crown("fraud", old)
        v = store.add("fraud", "ap", 0.875)
        _decide(
            submission, store, "fraud", v, "ap", min_gain=0.0625, floor=0.9375,
            expect=(True, "promoted", v),
            why="champion ap 0.75, candidate 0.875: a gain of 0.125 > 0.0625; the floor (0.9375) "
            "applies only without a champion; the old champion loses the alias",
        )  # fmt: skip

    def test_gain_of_exactly_min_gain_does_not_promote(self, submission, store):
        old = store.add("fraud", "auc", 0.75)
        store.crown("fraud", old)
        v = store.add("fraud", "auc", 0.875)
        _decide(
            submission, store, "fraud", v, "auc", min_gain=0.125, floor=0.0,
            expect=(False, "no gain", old),
            why="champion 0.75, candidate 0.875: a gain of exactly min_gain 0.125 is not more",
        )  # fmt: skip

    def test_tie_does_not_promote(self, submission, store):
        old = store.add("fraud", "auc", 0.8125)
        store.crown("fraud", old)
        v = store.add("fraud", "auc", 0.8125)
        _decide(
            submission, store, "fraud", v, "auc", min_gain=0.0, floor=0.0,
            expect=(False, "no gain", old),
            why="champion and candidate both 0.8125 with min_gain 0: a tie never promotes",
        )  # fmt: skip

    def test_small_gain_or_worse_does_not_promote(self, submission, store):
        small_old = store.add("small", "ap", 0.75)
        store.crown("small", small_old)
        small = store.add("small", "ap", 0.8125)
        worse_old = store.add("worse", "ap", 0.75)
        store.crown("worse", worse_old)
        worse = store.add("worse", "ap", 0.625)
        _decide(
            submission, store, "small", small, "ap", min_gain=0.125, floor=0.0,
            expect=(False, "no gain", small_old),
            why="champion 0.75, candidate 0.8125: a gain of 0.0625 is less than min_gain 0.125",
        )  # fmt: skip
        _decide(
            submission, store, "worse", worse, "ap", min_gain=0.0, floor=0.0,
            expect=(False, "no gain", worse_old),
            why="champion 0.75, candidate 0.625: worse (higher is better)",
        )  # fmt: skip

    def test_champion_metric_from_its_own_run(self, submission, store):
        # "up": the champion (version 2) scored 0.625 in its run; version 1's run, the best and
        # the latest run before the candidate's, scored 0.9375 (made after the champion's run).
        run_champion = store.run({"auc": 0.625, "ap": 0.875})
        run_best = store.run({"auc": 0.9375, "ap": 0.5625})
        store.version("up", run_best)
        up_champion = store.version("up", run_champion)
        store.crown("up", up_champion)
        up = store.add("up", "auc", 0.75)
        # "down": the champion is version 1 (auc 0.875); version 2 (0.5625) is newer, not champion.
        down_champion = store.add("down", "auc", 0.875)
        store.add("down", "auc", 0.5625)
        store.crown("down", down_champion)
        down = store.add("down", "auc", 0.75)
        # "latest": the champion's run logged auc 0.9375 at step 0, then 0.625 at step 1.
        latest_champion = store.version("latest", store.run({"auc": [0.9375, 0.625], "ap": 0.5}))
        store.crown("latest", latest_champion)
        latest = store.add("latest", "auc", 0.75)
        _decide(
            submission, store, "up", up, "auc", min_gain=0.0625, floor=0.0,
            expect=(True, "promoted", up),
            why="the champion (version 2) has auc 0.625 in the run that made it; version 1's run "
            "(auc 0.9375, the best and the latest run before the candidate's) is not the "
            "champion's, and neither is the candidate's own",
        )  # fmt: skip
        _decide(
            submission, store, "down", down, "auc", min_gain=0.0, floor=0.0,
            expect=(False, "no gain", down_champion),
            why="the champion is the version the alias names (version 1, auc 0.875), not the "
            "latest version before the candidate (version 2, auc 0.5625)",
        )  # fmt: skip
        _decide(
            submission, store, "latest", latest, "auc", min_gain=0.0, floor=0.0,
            expect=(True, "promoted", latest),
            why="the champion's run logged auc 0.9375 at step 0 and 0.625 at step 1: its metric "
            "is the latest value, 0.625 (run.data.metrics), not the first or the best",
        )  # fmt: skip


# --- the candidate's artifact must be the one that was evaluated -----------------------------------


class TestHash:
    def test_altered_artifact_is_not_promoted(self, submission, store):
        old = store.add("fraud", "auc", 0.625)
        store.crown("fraud", old)
        v = store.add("fraud", "auc", 0.9375, altered=True)
        fresh = store.add("fresh", "auc", 0.9375, altered=True)
        shaky = store.add("shaky", "auc", 0.625, altered=True)
        store.crown("shaky", shaky)
        sound = store.add("shaky", "auc", 0.875)
        _decide(
            submission, store, "fraud", v, "auc", min_gain=0.0, floor=0.0,
            expect=(False, "hash mismatch", old),
            why="the candidate is better, but its model.skops was changed after its SHA-256 was "
            "logged: the file that would be deployed is not the one that was evaluated",
        )  # fmt: skip
        _decide(
            submission, store, "fresh", fresh, "auc", min_gain=0.0, floor=0.5,
            expect=(False, "hash mismatch", None),
            why="no champion and above the floor, but model.skops was changed after logging",
        )  # fmt: skip
        _decide(
            submission, store, "shaky", sound, "auc", min_gain=0.0, floor=0.0,
            expect=(True, "promoted", sound),
            why="the candidate's file verifies; the champion's was altered, but only the "
            "candidate is verified",
        )  # fmt: skip

    def test_missing_tag_or_artifact_is_not_promoted(self, submission, store):
        untagged = store.add("untagged", "ap", 0.9375, tag=False)
        old = store.add("no-file", "ap", 0.5)
        store.crown("no-file", old)
        no_file = store.add("no-file", "ap", 0.9375, artifact=False)
        _decide(
            submission, store, "untagged", untagged, "ap", min_gain=0.0, floor=0.5,
            expect=(False, "hash mismatch", None),
            why="the candidate's run has no model_sha256 tag: nothing to verify the file against",
        )  # fmt: skip
        _decide(
            submission, store, "no-file", no_file, "ap", min_gain=0.0, floor=0.0,
            expect=(False, "hash mismatch", old),
            why="the candidate's run has no model.skops artifact: there is no file to deploy",
        )  # fmt: skip


# --- the order of the rules -------------------------------------------------------------------------


class TestRuleOrder:
    def test_already_champion(self, submission, store):
        store.add("fraud", "auc", 0.625)
        champion = store.add("fraud", "auc", 0.8125, altered=True)
        store.crown("fraud", champion)
        _decide(
            submission, store, "fraud", champion, "auc", min_gain=0.0, floor=0.0,
            expect=(False, "already champion", champion),
            why="the candidate already is the champion (rule 1, before the metric, the hash and "
            "any comparison; its file was altered since, which rule 3 would have reported)",
        )  # fmt: skip

    def test_missing_metric(self, submission, store):
        v = store.add("fraud", "auc", None, altered=True)
        old = store.add("old", "auc", None)
        store.crown("old", old)
        later = store.add("old", "auc", 0.9375)
        _decide(
            submission, store, "fraud", v, "auc", min_gain=0.0, floor=0.0,
            expect=(False, "missing metric", None),
            why="the candidate's run logged ap but no auc (rule 2 comes before the hash, rule 3)",
        )  # fmt: skip
        _decide(
            submission, store, "old", later, "auc", min_gain=0.0, floor=0.0,
            expect=(False, "missing metric", old),
            why="the champion's run has no auc: the candidate cannot be shown to be better",
        )  # fmt: skip

    def test_hash_before_floor_and_gain(self, submission, store):
        low = store.add("low", "ap", 0.5, altered=True)
        old = store.add("tie", "ap", 0.75)
        store.crown("tie", old)
        tie = store.add("tie", "ap", 0.75, altered=True)
        _decide(
            submission, store, "low", low, "ap", min_gain=0.0, floor=0.75,
            expect=(False, "hash mismatch", None),
            why="below the floor and altered: the hash (rule 3) decides before the floor (rule 4)",
        )  # fmt: skip
        _decide(
            submission, store, "tie", tie, "ap", min_gain=0.0, floor=0.0,
            expect=(False, "hash mismatch", old),
            why="a tie and altered: the hash (rule 3) decides before the gain (rule 6)",
        )  # fmt: skip


# --- arguments ----------------------------------------------------------------------------------------


class TestArguments:
    def test_version_as_string(self, submission, store):
        old = store.add("fraud", "auc", 0.625)
        store.crown("fraud", old)
        v = store.add("fraud", "auc", 0.75)
        _decide(
            submission, store, "fraud", str(v), "auc", min_gain=0.0, floor=0.0,
            expect=(True, "promoted", v),
            why="the version given as its string; champion_version comes back as an int",
        )  # fmt: skip

    def test_unknown_model_or_version(self, submission, store):
        store.add("fraud", "auc", 0.875)
        _raises(submission, store, "fraud", 99, "model 'fraud' has no version 99")
        _raises(submission, store, "fraud", 0, "model 'fraud' has no version 0")
        _raises(submission, store, "fraud", "abc", "'abc' is not a version number")
        _raises(submission, store, "nope", 1, "the registry has no model named 'nope'")

    def test_bad_min_gain_or_floor(self, submission, store):
        v = store.add("fraud", "auc", 0.875)  # would be promoted with valid arguments
        for min_gain, floor, why in [
            (-0.0625, 0.5, "min_gain -0.0625 is negative"),
            (math.nan, 0.5, "min_gain NaN is not finite"),
            (math.inf, 0.5, "min_gain inf is not finite"),
            (0.0, math.nan, "floor NaN is not finite"),
            (0.0, -math.inf, "floor -inf is not finite"),
        ]:
            _raises(submission, store, "fraud", v, why, min_gain=min_gain, floor=floor)


# --- nothing but the alias changes --------------------------------------------------------------------


class TestOnlyTheAlias:
    def test_other_marks_and_models_untouched(self, submission, store):
        c = store.builder
        base = store.add("fraud", "auc", 0.5)
        c.alias("fraud", "baseline", base)
        c.version_tag("fraud", base, "team", "risk")
        old = store.add("fraud", "auc", 0.75)
        store.crown("fraud", old)
        c.version_tag("fraud", old, "validated", "yes")
        v = store.add("fraud", "auc", 0.875)
        c.alias("fraud", "challenger", v)
        c.model_tag("fraud", "owner", "risk-team")
        other = store.add("aml", "auc", 0.5)
        store.crown("aml", other)
        _decide(
            submission, store, "fraud", v, "auc", min_gain=0.0, floor=0.0,
            expect=(True, "promoted", v),
            why="a registry with other aliases (baseline, challenger), version tags and another "
            "model with its own champion: only fraud's champion alias may move",
        )  # fmt: skip


# --- differential: generated registries ----------------------------------------------------------------


def _generated_case(store: Store, seed: int, n_versions: int) -> tuple:
    """A model of n_versions seeded versions (metrics in sixteenths, some ties, sometimes an
    altered artifact, a missing tag or metric), maybe a champion; the arguments of one call."""
    rng = np.random.default_rng(seed)
    metric = ["auc", "ap"][seed % 2]
    name = f"gen{seed}"
    for _ in range(n_versions):
        value = float(rng.integers(8, 16)) / 16
        trouble = rng.choice(["none", "altered", "untagged", "no metric"], p=[0.7, 0.1, 0.1, 0.1])
        store.add(
            name,
            metric,
            None if trouble == "no metric" else value,
            altered=trouble == "altered",
            tag=trouble != "untagged",
        )
    if rng.random() < 0.7:
        store.crown(name, int(rng.integers(1, n_versions + 1)))
    candidate = int(rng.integers(1, n_versions + 1))
    min_gain = float(rng.choice([0.0, 0.0625, 0.125]))
    floor = float(rng.integers(8, 16)) / 16
    return name, candidate, metric, min_gain, floor


class TestDifferential:
    def test_matches_reference_on_generated_registries(self, submission, reference, store):
        sizes = [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4), (7, 4), (8, 4)]
        cases = [(seed, n, _generated_case(store, seed, n)) for seed, n in sizes]
        twin_db = store.build_dir / "twin.db"  # the reference decides on a copy
        store.builder.close()
        shutil.copyfile(store.build_dir / "mlflow.db", twin_db)
        twin = open_client(f"sqlite:///{twin_db}")
        for seed, n_versions, (name, candidate, metric, min_gain, floor) in cases:
            before = store.champion(name)
            expected = reference.promote_if_better(twin, name, candidate, metric, min_gain, floor)
            want = (expected.promoted, _word(expected.reason), expected.champion_version)
            _decide(
                submission, store, name, candidate, metric, min_gain=min_gain, floor=floor,
                expect=want,
                why=f"generated registry (seed {seed}): {n_versions} version(s), champion "
                f"{_named(before)}, candidate version {candidate}; the reference solution "
                f"decides promoted={want[0]}, reason {want[1]!r}",
            )  # fmt: skip
