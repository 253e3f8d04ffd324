"""Part TRAIN · From the raw export to a registered, promoted model.

Docs: docs/capstone.md#train (the site: `mkdocs serve`, then Capstone)

The training pipeline runs every week on the latest export. It must train only on what was
known on the day it runs, leave a record from which anyone can tell which data made which
model, and never put a worse model in front of traffic. Lessons 03 and 04 (a time split whose
labels are honest, a threshold priced in euros) and lesson 06 (a tracked run, a data fingerprint,
a registry whose `champion` alias names the serving version, a promotion gate) in one function.

`train(raw, users, merchants, *, tracking_uri, as_of, model_name=config.MODEL_NAME) -> dict`:
1. Clean: `clean_raw(raw, users, merchants)` (fraudsys/features.py). `as_of` is when the run
   happens: a timestamp or a string; a naive one is read as UTC.
2. Labels as known at `as_of`: a payment is labelled fraud when its `chargeback_at` is at or
   before `as_of` (later chargebacks have not arrived yet; `is_fraud` tells the future and is
   never the training label). A label is trusted only `config.LABEL_DELAY_DAYS` days after its
   payment: the rows used are the payments made strictly before
   `cutoff = as_of - LABEL_DELAY_DAYS days`; the rest are left out.
3. Split by time: validation is the rows made at or after `cutoff - config.VALID_DAYS days`,
   training the rows before. `ValueError` (nothing is logged) when either side has no fraud
   label or no legitimate one.
4. Fit `make_model()` (a function of this module: the checks replace it to train a model of their
   own) on `build_features` of the training rows (columns in `FEATURES` order) with their labels,
   on one thread (`threadpoolctl.threadpool_limits(1)`: on a busy machine, gradient boosting's
   OpenMP threads spend their time waiting for each other).
5. Score the validation rows (`predict_proba(X)[:, 1]`) and measure, on them:
   `valid_average_precision` (`sklearn.metrics.average_precision_score`), `valid_roc_auc`, and
   the threshold that costs least, with lesson 04's rule: flag the scores `>= t`; cost =
   `config.COST_FP * FP + config.COST_FN * FN`; the candidates are the distinct scores and
   `inf` (flags nothing); on equal cost the highest threshold wins. `valid_cost` is its cost.
6. Log one MLflow run in the experiment `config.EXPERIMENT` of the store at `tracking_uri` (a
   `sqlite:///<folder>/<file>.db` URI, else `ValueError`; when the experiment does not exist,
   create it with its artifacts in `<folder>/artifacts`, never under the working directory):
   - params: `as_of` (ISO text), `label_delay_days`, `valid_days`, and the model's parameters
     (`get_params()`, as MLflow turns them into text);
   - metrics: the three above, `threshold` (when finite), `train_rows`, `valid_rows`,
     `train_frauds`, `valid_frauds` (the labelled frauds on each side);
   - tags: `data_fingerprint` (`fingerprint(rows)`, given below, of the rows used, training and
     validation together, in time order, with their labels as a bool column `label`) and
     `model_sha256` (the SHA-256 hex of the model file);
   - artifacts, at the root of the run's artifacts: `config.MODEL_ARTIFACT` ("model.skops") and
     its sidecar ("model.skops.json"), written with `coursekit.model_io.save_model(model, path,
     metadata)`, where metadata holds `feature_names` (list(FEATURES)), `threshold` (the float,
     or None when it is `inf`), `metrics` (the dict of metrics above), `as_of` and
     `data_fingerprint`.
7. Register the file as a new version of `model_name` (creating the registered model the first
   time): `create_model_version(name, source=<the run's artifact URI>/model.skops, run_id=...)`.
   Every run registers a version, promoted or not.
8. The promotion gate: score the same validation rows with the current champion (the version the
   alias `config.CHAMPION_ALIAS` points to, loaded as `load_champion` does) and compute its
   `valid_average_precision`, logged in the run as `champion_valid_average_precision`. Promote
   (`set_registered_model_alias(name, CHAMPION_ALIAS, version)`, and nothing else) when the
   candidate's is greater than the champion's + `config.PROMOTION_MIN_GAIN` (a tie never
   promotes); with no champion, when it is at least `config.PROMOTION_FLOOR`. A champion whose
   `feature_names` are not `FEATURES` cannot be compared on the same data: not promoted.
9. Return a dict: `run_id` (str), `version` (int, the new version), `promoted` (bool),
   `threshold` (float, `inf` when nothing should be flagged), `fingerprint` (str, the tag) and
   `metrics` (dict of str to float: what was logged).
Keep it to a few seconds on 50,000 payments: a small model, one fit.

`load_champion(tracking_uri, model_name=config.MODEL_NAME) -> (model, metadata)`: the version the
champion alias points to: its `model.skops` and sidecar downloaded from its run into a temporary
folder and loaded with `coursekit.model_io.load_model` (which verifies the SHA-256). `metadata`
is the sidecar's dict plus `version` (int) and `run_id` (str). `LookupError` when the model has
no champion (or is not registered).
"""

from __future__ import annotations

import hashlib
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from threadpoolctl import threadpool_limits

from coursekit.model_io import load_model, save_model, sidecar_path
from fraudsys import config
from fraudsys.features import FEATURES, build_features, clean_raw


def make_model() -> Any:
    """The unfitted model `train` fits: small, fast, deterministic (given)."""
    return HistGradientBoostingClassifier(
        max_iter=150,
        learning_rate=0.08,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=config.RANDOM_STATE,
    )


def fingerprint(df: pd.DataFrame) -> str:
    """The fingerprint of a frame's data (given, lesson 06): the SHA-256 (hex) of pandas' hash of
    each of its rows, the index left out. Equal data give equal fingerprints."""
    row_hashes = pd.util.hash_pandas_object(df, index=False).to_numpy()
    return hashlib.sha256(row_hashes.tobytes()).hexdigest()


def train(
    raw: pd.DataFrame,
    users: pd.DataFrame,
    merchants: pd.DataFrame,
    *,
    tracking_uri: str,
    as_of,
    model_name: str = config.MODEL_NAME,
) -> dict:
    """Clean, split with the label delay, fit, price the threshold, log, register, gate."""
    # TODO: check the store; clean; honest labels and the time split; fit and measure
    raise NotImplementedError
    # TODO: one run: params, metrics, tags, the model file; register; the promotion gate
    raise NotImplementedError


def load_champion(tracking_uri: str, model_name: str = config.MODEL_NAME) -> tuple[Any, dict]:
    """The champion's model and metadata (its sidecar, its version and run id)."""
    # TODO: find the alias's version; download its two files; load_model
    raise NotImplementedError


def best_threshold(y_true, scores) -> tuple[float, float]:
    """(threshold, cost) of the cheapest threshold, lesson 04's rule with config's costs (given):
    flag `scores >= t`; candidates: the distinct scores and inf; ties go to the higher one."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s, kind="stable")
    ranked, hits = s[order], y[order]
    last_of_run = np.r_[ranked[1:] != ranked[:-1], True]  # flag a whole run of equal scores
    tp = np.cumsum(hits)[last_of_run]
    fp = np.cumsum(~hits)[last_of_run]
    candidates = np.r_[np.inf, ranked[last_of_run]]
    costs = np.r_[config.COST_FN * y.sum(), config.COST_FP * fp + config.COST_FN * (y.sum() - tp)]
    best = int(np.argmin(costs))  # the first lowest: the highest threshold among equals
    return float(candidates[best]), float(costs[best])


def _store_folder(tracking_uri: str) -> Path:
    """The folder of the SQLite file of a `sqlite:///<path>` URI (four slashes: an absolute
    path), or ValueError for any other URI."""
    prefix = "sqlite:///"
    path = str(tracking_uri)[len(prefix) :] if str(tracking_uri).startswith(prefix) else ""
    if not path or path.endswith("/"):
        raise ValueError(
            f"tracking_uri must be 'sqlite:///<folder>/<file>.db', got {tracking_uri!r}"
        )
    return Path(path).resolve().parent


def _utc(when) -> pd.Timestamp:
    stamp = pd.Timestamp(when)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _has_champion(client: MlflowClient, name: str) -> bool:
    try:
        client.get_model_version_by_alias(name, config.CHAMPION_ALIAS)
    except MlflowException:
        return False
    return True
