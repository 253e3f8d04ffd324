"""Worked example: one training run recorded in MLflow, then read back as data.

The run trains this lesson's fraud model (see `seeds.py`) and records what it would take to
find and repeat it:

- **params**: the model's settings, and where the data was cut;
- **metrics with steps**: the validation AP after every boosting iteration, a learning curve;
- **tags**: a digest of the training and the validation rows (see `data_versions.py`), the model
  file's SHA-256; MLflow adds its own `mlflow.*` tags (the source file, the user, and the git
  commit when the script sits in a git checkout);
- **an artifact**: the fitted model, saved with skops;
- **a status**: FINISHED when the `with` block ends normally.

Then `MlflowClient` reads it all back: the run, the metric's whole history (the run itself keeps
only each metric's last value) and the model file, whose hash is checked against the tag.

Everything lives in a temporary folder: a SQLite tracking store (`sqlite:///<folder>/mlflow.db`)
and an artifact folder beside it. No server, no network. `find_runs.py` and `registry.py` import
the helpers defined here.

Run: python docs/examples/06_tracking/tracked_run.py (about five seconds, most of it imports)
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # MLflow 3 reports usage otherwise
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # quiet downloads

import mlflow  # noqa: E402
import numpy as np  # noqa: E402
import skops.io  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data_versions import row_hash_digest  # noqa: E402
from seeds import Split, ap_curve, booster, time_split  # noqa: E402

for name in ("mlflow", "alembic"):  # MLflow logs every database migration at INFO
    logging.getLogger(name).setLevel(logging.WARNING)

EXPERIMENT = "fraud-model"
PARAMS = {
    "learning_rate": 0.03,
    "max_leaf_nodes": 8,
    "max_iter": 100,
    "max_features": 0.5,
    "random_state": 0,
}


def open_store(folder: Path, experiment: str = EXPERIMENT) -> tuple[MlflowClient, str]:
    """A tracking store in `folder` (absolute path: never relative to the working directory)
    and an experiment whose artifacts go to `folder / "artifacts"`. Returns (client, its id)."""
    uri = f"sqlite:///{folder.resolve() / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)  # for the fluent API: mlflow.start_run, mlflow.log_params
    mlflow.set_registry_uri(uri)  # the model registry lives in the same database
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    artifacts = (folder.resolve() / "artifacts").as_uri()
    return client, client.create_experiment(experiment, artifact_location=artifacts)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit_with_curve(split: Split, params: dict) -> tuple[HistGradientBoostingClassifier, np.ndarray]:
    """Fit the model on one thread; return it and its validation AP after each iteration."""
    with threadpool_limits(limits=1):
        model = booster(**params).fit(split.X_train, split.y_train)
    return model, ap_curve(model, split.X_valid, split.y_valid)


def log_curve(client: MlflowClient, run_id: str, key: str, values: np.ndarray) -> None:
    """One metric value per step (step = boosting iteration, from 1), in one database write."""
    now = int(time.time() * 1000)
    metrics = [Metric(key, float(v), now, step) for step, v in enumerate(values, start=1)]
    client.log_batch(run_id, metrics=metrics)


def save_model(model, folder: Path) -> Path:
    path = folder / "model.skops"
    skops.io.dump(model, path)
    return path


def data_tags(split: Split) -> dict[str, str]:
    """Digests of the rows the run trained and was validated on, labels included."""
    return {
        "train_fingerprint": row_hash_digest(split.X_train.assign(y=split.y_train)),
        "valid_fingerprint": row_hash_digest(split.X_valid.assign(y=split.y_valid)),
    }


def record_run(
    client: MlflowClient, experiment_id: str, split: Split, params: dict, run_name: str
) -> str:
    """Train the model with `params` and record the run. Returns the run id."""
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
        mlflow.log_params({**params, "train_cut": f"{split.cut:%Y-%m-%d %H:%M}"})
        mlflow.set_tags(data_tags(split))
        model, curve = fit_with_curve(split, params)
        log_curve(client, run.info.run_id, "valid_ap", curve)
        with tempfile.TemporaryDirectory(prefix="model-") as tmp:
            saved = save_model(model, Path(tmp))
            mlflow.set_tag("model_sha256", sha256_of(saved))
            mlflow.log_artifact(str(saved))  # copied into the run's artifacts, at their root
    return run.info.run_id


def learning_curve(client: MlflowClient, run_id: str, key: str = "valid_ap"):
    """The metric's whole history, read back from the store: (steps, values)."""
    history = sorted(client.get_metric_history(run_id, key), key=lambda m: m.step)
    return np.array([m.step for m in history]), np.array([m.value for m in history])


def tracked_run_demo(folder: Path) -> dict:
    """Record one run in a fresh store in `folder`; return what was read back."""
    client, experiment_id = open_store(folder)
    run_id = record_run(client, experiment_id, time_split(), PARAMS, "lr0.03-leaves8")
    run = client.get_run(run_id)
    steps, values = learning_curve(client, run_id)
    download = Path(client.download_artifacts(run_id, "model.skops", str(folder)))
    # An experiment created without artifact_location: where would its files go?
    default = client.get_experiment(client.create_experiment("no-artifact-location"))
    return {
        "default_artifacts": default.artifact_location,
        "experiment": client.get_experiment(experiment_id),
        "run": run,
        "steps": steps,
        "values": values,
        "artifacts": [f.path for f in client.list_artifacts(run_id)],
        "file_hash_ok": sha256_of(download) == run.data.tags["model_sha256"],
    }


def main() -> None:
    if "MLFLOW_TRACKING_URI" not in os.environ:  # nothing set: MLflow picks a default
        default = mlflow.get_tracking_uri().replace(Path.cwd().as_posix(), ".")
        print(f"no tracking URI set: MLflow would use {default} (the working directory)")
    with tempfile.TemporaryDirectory(prefix="store-") as tmp:
        got = tracked_run_demo(Path(tmp))
    experiment, run = got["experiment"], got["run"]
    print(f"experiment {experiment.name!r} (id {experiment.experiment_id})")
    print(f"run {run.info.run_name!r}: status {run.info.status}")
    params = sorted(run.data.params.items())
    print("params, stored as text:")
    print("  " + ", ".join(f"{key}={value!r}" for key, value in params[:3]))
    print("  " + ", ".join(f"{key}={value!r}" for key, value in params[3:]))
    ours = sorted(key for key in run.data.tags if not key.startswith("mlflow."))
    print("tags:", ", ".join(ours))
    added = sorted(key.removeprefix("mlflow.") for key in run.data.tags if key not in ours)
    print("tags MLflow added, mlflow.*:", ", ".join(added))
    steps, values = got["steps"], got["values"]
    best = int(np.argmax(values))
    print(
        f"valid_ap history: {len(values)} values, steps {steps[0]} to {steps[-1]}; "
        f"best {values[best]:.3f} at step {steps[best]}, last {values[-1]:.3f}"
    )
    print(f"run.data.metrics['valid_ap']: {run.data.metrics['valid_ap']:.3f} (the last step's)")
    print(f"artifacts: {got['artifacts']}; file matches model_sha256: {got['file_hash_ok']}")
    where = Path(url2pathname(urlparse(got["default_artifacts"]).path))
    print(
        "no artifact_location given: artifacts would go to "
        f"./{where.relative_to(Path.cwd()).as_posix()} (under the working directory)"
    )


if __name__ == "__main__":
    main()
