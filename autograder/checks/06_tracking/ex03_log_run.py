"""Checks for 06_tracking/ex03_log_run (see solutions/06_tracking/ex03_log_run.py for the reference).

Every call of the learner's `train_and_log` gets a fresh MLflow store in its check's `exchange`
folder (a copy of the empty migrated store of `_shared`, so that no call pays for MLflow's table
migrations); the checks read the store back in the grader's process with `MlflowClient`:
parameters, tags, metric histories, statuses and the model file, which is read as data (its
SHA-256, and `skops.io.loads` trusting only the types the lesson's model needs; never unpickled).
The checks of one run's properties read one shared call's run (`_shared_run`); the others make
calls of their own (other inputs, another working folder, failures).
"""

from __future__ import annotations

from ._shared import fresh_store, open_client  # first: sets MLflow's environment before import

# isort: split

import concurrent.futures
import contextlib
import functools
import hashlib
import importlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.entities import ViewType

from autograder.assertions import assert_close, expect_raises, fail

# What MLflow imports lazily on the first `mlflow.start_run()` of a process: GitPython (to tag the
# run with its source commit) and its tracing processors. Imported here, once, in the grader's
# parent process, they are inherited by the grading child (where the reference runs) and by the
# learner's process, both forked from it, instead of being imported in each.
for _name in ("git", "mlflow.tracing.processor.base_mlflow"):
    with contextlib.suppress(ImportError):  # GitPython without a git executable: MLflow skips it
        importlib.import_module(_name)

# skops and scikit-learn's gradient boosting are imported by this exercise's grading process, not
# when the checks are collected: skops imports every scikit-learn estimator (1 to 1.5 s), which
# only this exercise needs, and the grader's parent collects the checks of every exercise before
# it starts grading any of them. Imported before the learner's process is forked (the autouse
# fixture runs before `submission`), they are inherited by it as well.
LIBRARIES = ("sklearn.ensemble", "sklearn.metrics", "skops.io")


@pytest.fixture(autouse=True)
def _libraries() -> None:
    for name in LIBRARIES:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise RuntimeError(
                f"the grader cannot import {name} ({exc}): it is one of the course's pinned "
                "requirements; the grader is not installed completely"
            ) from exc


def _skops() -> Any:
    return importlib.import_module("skops.io")


def _hgb() -> type:
    return importlib.import_module("sklearn.ensemble").HistGradientBoostingClassifier


EXPERIMENT = "fraud-model"
METRIC = "valid_log_loss"
SKOPS_MAGIC = b"PK\x03\x04"  # a skops file is a zip archive
PARAMS = {"max_iter": 6, "learning_rate": 0.3, "max_leaf_nodes": 5, "max_depth": None}
# the parameters of the run several checks read (see _shared_run): a value of None among them
SHARED_PARAMS = {
    "max_iter": 7,
    "learning_rate": 0.2,
    "max_leaf_nodes": 4,
    "l2_regularization": 0.5,
    "max_depth": None,
}


# --- the store ------------------------------------------------------------------------------


def _store(exchange: Path, *experiments: str) -> tuple[str, MlflowClient]:
    """A fresh store in `exchange` (its tracking URI and a client), with these experiments made,
    each keeping its artifacts in the exchange folder."""
    uri = fresh_store(exchange)
    client = open_client(uri)
    for name in experiments:
        client.create_experiment(name, artifact_location=str(exchange / "artifacts" / name))
    return uri, client


def _runs(client: MlflowClient, experiment: str) -> list:
    found = client.get_experiment_by_name(experiment)
    if found is None:
        fail(f"there is no experiment named {experiment!r} in the store after the call")
    return client.search_runs([found.experiment_id], run_view_type=ViewType.ALL)


def _the_run(client: MlflowClient, experiment: str, returned: Any, what: str):
    """The one run of `experiment`, after checking that `returned` is its id."""
    runs = _runs(client, experiment)
    if len(runs) != 1:
        fail(
            f"after one call of {what}, experiment {experiment!r} holds {len(runs)} runs; each "
            "call makes exactly one run, in the experiment it is given"
        )
    run = runs[0]
    if not isinstance(returned, str) or returned != run.info.run_id:
        fail(
            f"{what} returned {returned!r:.80}; it should return the id of the run it made, "
            f"run.info.run_id (here {run.info.run_id!r}), as a str"
        )
    return run


def _learner_call(fn, *args: Any, doing: str, why: str) -> Any:
    """Call the learner's code; an unexpected exception becomes a message about `doing`."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(f"{doing} raised {type(exc).__name__}: {str(exc).strip()[:300]}; {why}")


def _logged(submission, exchange: Path, train, valid, params=PARAMS, copies: bool = True):
    """Call the learner's train_and_log on a fresh store: (client, the run it made). It gets
    copies of the frames (so that the check's own never change), unless `copies` is False."""
    uri, client = _store(exchange, EXPERIMENT)
    what = "train_and_log(train, valid, params, tracking_uri, experiment)"
    run_id = _learner_call(
        submission.train_and_log,
        train.copy() if copies else train,
        valid.copy() if copies else valid,
        dict(params),
        uri,
        EXPERIMENT,
        doing=what,
        why="on these valid frames and parameters it should log a FINISHED run",
    )
    return client, _the_run(client, EXPERIMENT, run_id, what)


_shared: dict[tuple, tuple] = {}  # (process, the grading's exchange folder) -> see _shared_run


def _shared_run(submission, exchange: Path) -> tuple:
    """(client, run, train, valid, given): the run of one call of train_and_log(given train,
    given valid, SHARED_PARAMS, ...) on the frames of seed 1; `train` and `valid` are those frames
    as they were before the call. Several checks read this one run, each one property of it
    (status, parameters, tags, metric, model file, the frames left as they were): the first of
    them makes the call, in its exchange folder, and the others read the same run instead of
    calling again (a call opens a fresh store, trains a model and writes its file: ~0.15 s). Only
    a run that came back whole is shared: after a failed call, the next check calls again and
    reports its own failure."""
    key = (os.getpid(), exchange.parent)
    found = _shared.get(key)
    if found is None:
        train, valid = _frames(1)
        given = train.copy(), valid.copy()
        client, run = _logged(submission, exchange, *given, SHARED_PARAMS, copies=False)
        found = _shared[key] = (client, run, train, valid, given)
    return found


# --- the data and what should be logged -----------------------------------------------------


def _frames(seed: int, n_train: int = 40, n_valid: int = 20, n_features: int = 3):
    """(train, valid): numeric features (floats and an integer column), `label` of 0/1 in the
    middle of the columns, both classes in each frame, a non-default index."""
    rng = np.random.default_rng(seed)
    n = n_train + n_valid
    X = rng.normal(size=(n, n_features))
    score = X @ rng.normal(1.0, 0.5, n_features) + rng.normal(0.0, 1.0, n)
    y = (score > np.median(score)).astype(np.int64)
    y[[0, n_train]], y[[1, n_train + 1]] = 0, 1  # both classes in each frame
    columns: dict[str, Any] = {"amount": np.round(np.abs(X[:, 0]) * 50.0, 2)}
    columns["label"] = y
    columns["hour"] = rng.integers(0, 24, n)
    for j in range(1, n_features):
        columns[f"x{j}"] = X[:, j]
    frame = pd.DataFrame(columns, index=1000 + rng.permutation(n))
    return frame.iloc[:n_train].copy(), frame.iloc[n_train:].copy()


def _features(train: pd.DataFrame) -> list[str]:
    return [c for c in train.columns if c != "label"]


def _expected_model(train: pd.DataFrame, params: dict) -> Any:
    model = _hgb()(**params, random_state=0, early_stopping=False)
    return model.fit(train[_features(train)], train["label"])


def _expected_losses(train: pd.DataFrame, valid: pd.DataFrame, params: dict) -> np.ndarray:
    model = _expected_model(train, params)
    stages = model.staged_predict_proba(valid[_features(train)])
    log_loss = importlib.import_module("sklearn.metrics").log_loss
    return np.array([log_loss(valid["label"], p, labels=model.classes_) for p in stages])


def _fingerprint(df: pd.DataFrame) -> str:
    row_hashes = pd.util.hash_pandas_object(df, index=False).to_numpy()
    return hashlib.sha256(row_hashes.tobytes()).hexdigest()


def _history(client: MlflowClient, run) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of the run's valid_log_loss, by step."""
    history = sorted(
        client.get_metric_history(run.info.run_id, METRIC), key=lambda m: (m.step, m.timestamp)
    )
    steps = np.array([m.step for m in history], dtype=np.int64)
    return steps, np.array([m.value for m in history], dtype=np.float64)


def _artifact_bytes(client: MlflowClient, run) -> bytes:
    """The bytes of the run's one artifact, model.skops, at the root of its artifacts."""
    listed = [(a.path, a.is_dir) for a in client.list_artifacts(run.info.run_id)]
    if listed != [("model.skops", False)]:
        fail(
            f"the run's artifacts are {[p + ('/' if d else '') for p, d in listed]}; expected "
            "exactly one file, model.skops, at the root of the run's artifacts "
            "(mlflow.log_artifact(<folder>/model.skops), with no artifact_path)"
        )
    with tempfile.TemporaryDirectory() as folder:
        local = client.download_artifacts(run.info.run_id, "model.skops", folder)
        return Path(local).read_bytes()


@functools.cache
def _trusted_types() -> tuple[str, ...]:
    """The types a skops file of the lesson's model needs beyond skops' defaults: those of our own
    model's file, nothing else (a learner's file that needs more is not loaded)."""
    train, _ = _frames(1)
    skops_io = _skops()
    return tuple(skops_io.get_untrusted_types(data=skops_io.dumps(_expected_model(train, PARAMS))))


def _load_skops(data: bytes) -> Any:
    if not data.startswith(SKOPS_MAGIC):
        kind = "a pickle" if data[:1] == b"\x80" else f"a file starting with {data[:8]!r}"
        fail(
            f"model.skops is {kind}, not a skops file (a zip archive starting with b'PK'): save "
            "the model with skops.io.dump(model, path); a pickled model runs code when loaded"
        )
    try:
        return _skops().loads(data, trusted=list(_trusted_types()))
    except Exception as exc:  # noqa: BLE001 - any reason the file does not load is the learner's
        fail(
            f"model.skops does not load with skops.io.loads(data, trusted={list(_trusted_types())})"
            f": {type(exc).__name__}: {str(exc)[:200]}; dump the fitted "
            "HistGradientBoostingClassifier itself with skops.io.dump"
        )


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "grader",
        "GIT_AUTHOR_EMAIL": "grader@example.com",
        "GIT_COMMITTER_NAME": "grader",
        "GIT_COMMITTER_EMAIL": "grader@example.com",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=30, check=False
    )


def _head(folder: Path) -> str | None:
    """What `git rev-parse HEAD` says in `folder` (None: not a checkout, or no git here)."""
    try:
        done = _git("rev-parse", "HEAD", cwd=folder)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def _new_checkout(folder: Path) -> str | None:
    """Make `folder` a git checkout with one commit; its id (None when git is not installed)."""
    if shutil.which("git") is None:
        return None
    folder.mkdir()
    _git("init", "-q", ".", cwd=folder)
    _git("commit", "-q", "--allow-empty", "-m", "the code of a run", cwd=folder)
    return _head(folder)


def _call_in_folder(module, folder: str, *args: Any) -> Any:
    """train_and_log(*args) with `folder` as the current working folder (learner's process)."""
    previous = os.getcwd()
    os.chdir(folder)
    try:
        return module.train_and_log(*args)
    finally:
        os.chdir(previous)


def _logged_in_folder(submission, exchange: Path, folder: Path, make_experiment: bool = True):
    uri, client = _store(exchange, *([EXPERIMENT] if make_experiment else []))
    train, valid = _frames(31)
    what = f"train_and_log(...) run with {folder} as the current working folder"
    try:
        run_id = submission.observe(
            _call_in_folder, str(folder), train, valid, dict(PARAMS), uri, EXPERIMENT
        )
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(f"{what} raised {type(exc).__name__}: {str(exc).strip()[:300]}")
    return _the_run(client, EXPERIMENT, run_id, what)


# --- the checks -----------------------------------------------------------------------------


class TestFinishedRun:
    def test_one_finished_run_whose_id_is_returned(self, submission, exchange):
        _, run, *_ = _shared_run(submission, exchange)
        if run.info.status != "FINISHED":
            fail(
                f"the run's status is {run.info.status}, expected FINISHED: a run that went well "
                "must be ended (leave the `with mlflow.start_run():` block, or end_run())"
            )

    def test_parameters_are_exactly_params(self, submission, exchange):
        _, run, *_ = _shared_run(submission, exchange)
        expected = {k: str(v) for k, v in SHARED_PARAMS.items()}
        if run.data.params != expected:
            fail(
                f"the run's parameters are {run.data.params}, expected {expected}: log every "
                "entry of params, and only those (mlflow.log_params(params))"
            )

    def test_fingerprint_tags(self, submission, exchange):
        _, run, train, valid, _ = _shared_run(submission, exchange)
        tags = run.data.tags
        for name, frame in (("train", train), ("valid", valid)):
            key, expected = f"{name}_fingerprint", _fingerprint(frame)
            got = tags.get(key)
            if got == expected:
                continue
            if got is None:
                fail(f"the run has no tag {key!r}: set it to fingerprint({name})")
            other = {_fingerprint(valid if name == "train" else train): "the other frame's"}
            other[_fingerprint(frame.drop(columns="label"))] = f"{name}'s features without label"
            reason = other.get(got, "not the fingerprint of the whole frame")
            fail(
                f"tag {key!r} is {got!r}, expected fingerprint({name}) = {expected!r} ({reason}): "
                f"fingerprint the whole {name} frame as it was passed, label included"
            )

    def test_valid_log_loss_at_every_boosting_step(self, submission, exchange):
        client, run, train, valid, _ = _shared_run(submission, exchange)
        params = SHARED_PARAMS
        steps, values = _history(client, run)
        expected = _expected_losses(train, valid, params)
        n = len(expected)
        if len(steps) == 0:
            fail(f"the run has no metric {METRIC!r}: log one value per boosting iteration")
        if steps.tolist() != list(range(n)):
            fail(
                f"{METRIC!r} was logged at steps {steps.tolist()}, expected one value at each step "
                f"0..{n - 1} (one per boosting iteration, max_iter={params['max_iter']}): pass "
                "step=i to mlflow.log_metric, or every value lands on step 0"
            )
        assert_close(
            values,
            expected,
            f"{METRIC!r} by step",
            rtol=1e-6,
            atol=1e-9,
            why="step i is log_loss(valid's labels, the i-th staged_predict_proba(valid's "
            "features), labels=model.classes_) of HistGradientBoostingClassifier(**params, "
            "random_state=0, early_stopping=False) fitted on train's features",
        )

    def test_valid_columns_in_another_order(self, submission, exchange):
        train, valid = _frames(5)
        shuffled = valid[list(reversed(valid.columns))]
        client, run = _logged(submission, exchange, train, shuffled)
        _, values = _history(client, run)
        expected = _expected_losses(train, valid, PARAMS)
        assert_close(
            values,
            expected,
            f"{METRIC!r} by step, valid's columns in reverse order",
            rtol=1e-6,
            atol=1e-9,
            why="take valid's features in train's order (valid[features]): the model reads "
            "columns by position and scikit-learn refuses another order",
        )

    def test_inputs_not_modified(self, submission, exchange):
        _, _, train, valid, given = _shared_run(submission, exchange)
        for name, frame, original in (("train", given[0], train), ("valid", given[1], valid)):
            try:
                pd.testing.assert_frame_equal(frame, original)
            except AssertionError as exc:
                fail(
                    f"train_and_log changed its argument {name}: {str(exc).splitlines()[0]}; "
                    "select columns into new frames (train[features]) instead of changing the "
                    "caller's frame (pop, drop(inplace=True), del)"
                )


class TestModelArtifact:
    def test_model_is_a_skops_file(self, submission, exchange):
        client, run, *_ = _shared_run(submission, exchange)
        model = _load_skops(_artifact_bytes(client, run))
        if type(model) is not _hgb():
            fail(
                f"model.skops holds a {type(model).__name__}, expected the fitted "
                "HistGradientBoostingClassifier"
            )

    def test_model_sha256_tag_is_the_files(self, submission, exchange):
        client, run, *_ = _shared_run(submission, exchange)
        expected = hashlib.sha256(_artifact_bytes(client, run)).hexdigest()
        got = run.data.tags.get("model_sha256")
        if got != expected:
            fail(
                f"tag 'model_sha256' is {got!r}, but the SHA-256 of the logged model.skops is "
                f"{expected!r}: hash the bytes of the very file you log "
                "(hashlib.sha256(path.read_bytes()).hexdigest()); a second dump of the same model "
                "gives other bytes"
            )

    def test_model_is_the_lessons_model(self, submission, exchange):
        client, run, train, valid, _ = _shared_run(submission, exchange)
        params = SHARED_PARAMS
        model = _load_skops(_artifact_bytes(client, run))
        expected = _expected_model(train, params)
        got_params = getattr(model, "get_params", dict)()
        wanted = {**params, "random_state": 0, "early_stopping": False}
        wrong = {k: got_params.get(k) for k, v in wanted.items() if got_params.get(k) != v}
        if wrong:
            fail(
                f"the saved model has {wrong}, expected {wanted}: the model is "
                "HistGradientBoostingClassifier(**params, random_state=0, early_stopping=False)"
            )
        features = valid[_features(train)]
        try:
            got = np.asarray(model.predict_proba(features), dtype=np.float64)
        except Exception as exc:  # noqa: BLE001
            fail(
                f"the saved model cannot predict valid's features {list(features.columns)}: "
                f"{type(exc).__name__}: {str(exc)[:200]}; fit it on train's features (every "
                "column but label, in train's order)"
            )
        assert_close(
            got,
            expected.predict_proba(features),
            "the saved model's predict_proba on valid's features",
            rtol=1e-6,
            atol=1e-9,
            why="the model is fitted on train's features (every column but label) and labels",
        )


class TestGitCommit:
    def test_git_commit_tag_inside_a_checkout(self, submission, exchange):
        checkout = exchange / "checkout"
        commit = _new_checkout(checkout)
        if commit is None:  # no git on this machine: what a plain folder gives
            checkout.mkdir(exist_ok=True)
            commit = _head(checkout)
        run = _logged_in_folder(submission, exchange, checkout)
        got = run.data.tags.get("git_commit")
        if got != commit:
            fail(
                f"run from a git checkout whose HEAD is {commit}: tag 'git_commit' is {got!r}; "
                "set it to git_commit() (the commit of the current working folder)"
            )

    def test_no_git_commit_tag_outside_a_checkout(self, submission, exchange):
        folder = exchange / "not-a-checkout"
        folder.mkdir()
        commit = _head(folder)  # None, unless the exchange folder lies inside some checkout
        run = _logged_in_folder(submission, exchange, folder)
        got = run.data.tags.get("git_commit")
        if got != commit:
            fail(
                f"run from a folder outside any git checkout, tag 'git_commit' is {got!r}; "
                "when git_commit() returns None there must be no git_commit tag at all"
            )

    def test_missing_experiment_is_created(self, submission, exchange):
        folder = exchange / "work"
        folder.mkdir()
        run = _logged_in_folder(submission, exchange, folder, make_experiment=False)
        if run.info.status != "FINISHED":
            fail(
                f"in an experiment that did not exist yet, the run's status is {run.info.status},"
                " expected FINISHED"
            )


class TestDifferential:
    def test_matches_reference_on_generated_inputs(self, submission, reference, exchange):
        """Seeded frames, smallest first (10 to 50 training rows, 1 to 4 features) and params;
        what the store holds after the learner's call and after the reference's, compared. The
        reference logs into a store of its own, in a thread of the check's process, while the
        learner's call runs in the learner's process (the check waits for it idle otherwise)."""
        cases = [(10, 6, 1, 3), (24, 12, 2, 6), (50, 25, 4, 10)]
        learner_dir, reference_dir = exchange / "learner", exchange / "reference"
        learner_dir.mkdir()
        reference_dir.mkdir()
        uri, client = _store(learner_dir, *(f"learner-{k}" for k in range(len(cases))))
        ref_uri, ref_client = _store(reference_dir, *(f"reference-{k}" for k in range(len(cases))))
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            for k, (n_train, n_valid, n_features, max_iter) in enumerate(cases):
                train, valid = _frames(300 + k, n_train, n_valid, n_features)
                params = {"max_iter": max_iter, "learning_rate": 0.1 + 0.05 * k}
                where = (
                    f"{n_train} training rows, {n_valid} validation rows, {n_features} features "
                    f"(with amount and hour), params={params} (the smallest generated input on "
                    "which your run differs from the reference's)"
                )
                expected_id = pool.submit(
                    reference.train_and_log,
                    train.copy(),
                    valid.copy(),
                    dict(params),
                    ref_uri,
                    f"reference-{k}",
                )
                got_id = _learner_call(
                    submission.train_and_log,
                    train.copy(),
                    valid.copy(),
                    dict(params),
                    uri,
                    f"learner-{k}",
                    doing=f"train_and_log on {where}",
                    why="the reference logs a FINISHED run there",
                )
                expected = ref_client.get_run(expected_id.result())
                got = _the_run(client, f"learner-{k}", got_id, "train_and_log")
                _compare_runs((client, got), (ref_client, expected), where)


def _compare_runs(learner: tuple, reference: tuple, where: str) -> None:
    """Compare the learner's run with the reference's: each (client of its store, run)."""
    (client, got), (ref_client, expected) = learner, reference
    if got.info.status != expected.info.status:
        fail(f"on {where}: the run's status is {got.info.status}, expected {expected.info.status}")
    if got.data.params != expected.data.params:
        fail(
            f"on {where}: the run's parameters are {got.data.params}, expected {expected.data.params}"
        )
    for key in ("train_fingerprint", "valid_fingerprint"):
        if got.data.tags.get(key) != expected.data.tags.get(key):
            fail(
                f"on {where}: tag {key!r} is {got.data.tags.get(key)!r}, expected "
                f"{expected.data.tags.get(key)!r}"
            )
    got_steps, got_values = _history(client, got)
    steps, values = _history(ref_client, expected)
    if got_steps.tolist() != steps.tolist():
        fail(
            f"on {where}: {METRIC!r} was logged at steps {got_steps.tolist()}, expected {steps.tolist()}"
        )
    assert_close(got_values, values, f"on {where}: {METRIC!r} by step", rtol=1e-6, atol=1e-9)


class TestFailedRun:
    """Last in the module: a learner's failed run left active would disturb every later check."""

    def test_failing_training_marks_the_run_failed(self, submission, exchange):
        uri, client = _store(exchange, EXPERIMENT)
        train, valid = _frames(10)
        params = {"max_iter": 5, "learning_rate": -0.5}
        expect_raises(
            ValueError,
            submission.train_and_log,
            train.copy(),
            valid.copy(),
            dict(params),
            uri,
            EXPERIMENT,
            why="scikit-learn rejects learning_rate=-0.5 when fitting: that exception propagates",
        )
        runs = _runs(client, EXPERIMENT)
        if len(runs) != 1:
            fail(f"a call that failed left {len(runs)} runs, expected exactly one, FAILED")
        run = runs[0]
        if run.info.status != "FAILED":
            fail(
                f"training raised, but the run's status is {run.info.status}, expected FAILED: a "
                "failed run left RUNNING or marked FINISHED passes for a good one (`with "
                "mlflow.start_run():` marks it FAILED when an exception leaves the block)"
            )
        expected = {k: str(v) for k, v in params.items()}
        if run.data.params != expected:
            fail(
                f"the failed run's parameters are {run.data.params}, expected {expected}: log the "
                "parameters first, before training, so a failed run says what was tried"
            )
        for name, frame in (("train", train), ("valid", valid)):
            if run.data.tags.get(f"{name}_fingerprint") != _fingerprint(frame):
                fail(
                    f"the failed run has no right {name}_fingerprint tag "
                    f"({run.data.tags.get(f'{name}_fingerprint')!r}): set the tags before "
                    "training, so a failed run says on which data it failed"
                )

    def test_bad_frames_raise_value_error_in_a_failed_run(self, submission, exchange):
        train, valid = _frames(11)
        cases = [
            ("valid has no label column", train, valid.drop(columns="label")),
            ("train has no label column", train.drop(columns="label"), valid),
            ("valid has a column train lacks", train, valid.assign(extra=1.0)),
            ("train has a column valid lacks", train.assign(extra=1.0), valid),
        ]
        names = [f"case-{k}" for k in range(len(cases))]
        uri, client = _store(exchange, *names)
        for name, (what, bad_train, bad_valid) in zip(names, cases, strict=True):
            expect_raises(
                ValueError,
                submission.train_and_log,
                bad_train,
                bad_valid,
                dict(PARAMS),
                uri,
                name,
                why=f"{what}: check the frames' columns and raise ValueError",
            )
            statuses = [r.info.status for r in _runs(client, name)]
            if statuses != ["FAILED"]:
                fail(
                    f"{what}: after the ValueError the experiment's runs have statuses {statuses}, "
                    "expected one FAILED run (the frames are checked inside the run, after the "
                    "parameters and tags are logged)"
                )

    def test_next_call_after_a_failure_makes_its_own_run(self, submission, exchange):
        uri, client = _store(exchange, EXPERIMENT)
        train, valid = _frames(12)
        try:
            submission.train_and_log(train.copy(), valid.copy(), {"max_iter": 0}, uri, EXPERIMENT)
        except NotImplementedError:
            raise
        except Exception:  # noqa: BLE001, S110 - the failure is the point; its kind is checked above
            pass
        run_id = _learner_call(
            submission.train_and_log,
            train.copy(),
            valid.copy(),
            dict(PARAMS),
            uri,
            EXPERIMENT,
            doing="a good call after a failed one (max_iter=0)",
            why="no run may be left active after a failure: end it, FAILED, before raising",
        )
        runs = {r.info.run_id: r for r in _runs(client, EXPERIMENT)}
        if len(runs) != 2 or run_id not in runs:
            fail(
                f"after a failed call and a good one, experiment {EXPERIMENT!r} holds "
                f"{len(runs)} runs and the good call returned {run_id!r:.60}: expected two runs, "
                "the second one the good call's own"
            )
        statuses = sorted(r.info.status for r in runs.values())
        if statuses != ["FAILED", "FINISHED"]:
            fail(
                f"after a failed call and a good one the runs' statuses are {statuses}, expected "
                "['FAILED', 'FINISHED']: a failed run must be ended as FAILED, not left active "
                "for the next call to log into"
            )
