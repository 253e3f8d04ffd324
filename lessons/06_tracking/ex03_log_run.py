"""Exercise 03 · Log a run to MLflow.

Docs: docs/lessons/06-tracking.md#ex03-log-run (the site: `mkdocs serve`, then Lesson 06)

A model you cannot trace back to its code, data and settings is a model you cannot trust, repeat
or fix. Write `train_and_log(train, valid, params, tracking_uri, experiment)`: it trains the
lesson's model and records, in one MLflow run, everything needed to find it and repeat it. It
returns the run's id (`run.info.run_id`, a str).

The inputs:
- `train` and `valid` are pandas DataFrames: numeric feature columns and a `label` column of 0/1
  (anywhere among the columns). The features are every column of `train` but `label`, in
  `train`'s order; `valid` must hold the same columns, in any order (take them in `train`'s
  order). Neither frame is modified.
- `params`: keyword arguments of `HistGradientBoostingClassifier` (for example
  `{"max_iter": 20, "learning_rate": 0.1}`).
- `tracking_uri`: where the runs are stored, for example `sqlite:////tmp/store/mlflow.db`
  (`mlflow.set_tracking_uri(tracking_uri)` or `MlflowClient(tracking_uri)`).
- `experiment`: the experiment's name. Use it if it exists (its artifacts go where the experiment
  says); create it if it does not (`mlflow.set_experiment(experiment)` does both).

Each call makes exactly one run in that experiment. Inside it, in this order:
1. Log every entry of `params` as a run parameter, exactly those entries (MLflow stores each
   value as `str(value)`).
2. Set the tags `train_fingerprint` = `fingerprint(train)` and `valid_fingerprint` =
   `fingerprint(valid)` (the given helper, on each whole frame as passed, `label` included), and
   the tag `git_commit` = `git_commit()` (the given helper) when it is not None. Outside a git
   checkout there is no `git_commit` tag at all.
   Parameters and tags come first, so that a run that fails still says what was tried on which
   data.
3. Check the frames: a frame without a `label` column, or a `valid` whose columns are not the same
   set as `train`'s, raise `ValueError`.
4. Fit `HistGradientBoostingClassifier(**params, random_state=0, early_stopping=False)` on
   `train`'s features and labels.
5. Log the metric `valid_log_loss` once per boosting iteration: for iteration `i` (0, 1, ...,
   `model.n_iter_ - 1`), the `i`-th item of `model.staged_predict_proba(<valid's features>)`
   scored by `sklearn.metrics.log_loss(<valid's labels>, proba, labels=model.classes_)`, logged
   with `step=i`. So its history holds one value per step 0 .. n_iter_ - 1.
6. Save the model with `skops.io.dump` to a file named `model.skops` in a temporary folder, log
   that file as the run's one artifact, at the root of the run's artifacts (`model.skops`, no
   sub-folder), and set the tag `model_sha256` to the SHA-256 (hex digest) of that file's bytes.
   Never pickle the model: a pickle runs code when it is loaded; a skops file only lists the
   types it needs, and its reader decides which to trust.
7. The run ends with status FINISHED.

Failures: if anything raises once the run has started (a bad frame, a parameter that
scikit-learn rejects, ...), the run ends with status FAILED (neither RUNNING nor FINISHED) and the
same exception propagates to the caller. No run is left active: the next call starts a run of its
own. (`with mlflow.start_run() as run:` does both: MLflow marks the run FAILED when an exception
leaves the block.)
"""

import hashlib
import subprocess
import tempfile
from pathlib import Path

import mlflow
import pandas as pd
import skops.io
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss

LABEL = "label"


def fingerprint(df: pd.DataFrame) -> str:
    """The fingerprint of a frame's data (given): the SHA-256 (hex) of pandas' hash of each of its
    rows, the index left out. Equal data give equal fingerprints; any changed value changes it."""
    row_hashes = pd.util.hash_pandas_object(df, index=False).to_numpy()
    return hashlib.sha256(row_hashes.tobytes()).hexdigest()


def git_commit() -> str | None:
    """The commit checked out in the git checkout that holds the current working folder (what
    `git rev-parse HEAD` prints there), or None when there is none: not in a checkout, a checkout
    with no commit yet, or git not installed (given)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else None


def train_and_log(
    train: pd.DataFrame,
    valid: pd.DataFrame,
    params: dict,
    tracking_uri: str,
    experiment: str,
) -> str:
    # TODO: in one run: params, fingerprint and commit tags, checks, fit, valid_log_loss per step, model.skops and its SHA-256
    raise NotImplementedError
