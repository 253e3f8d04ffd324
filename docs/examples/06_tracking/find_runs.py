"""Worked example: find the best run with `MlflowClient.search_runs`, and what a naive query finds.

One experiment, seven runs of the fraud model of `tracked_run.py`:

- four finished runs of a small grid (learning rate, leaves), on the same training and
  validation rows;
- one of the grid's settings validated on other rows: only the payments after the data world's
  prevalence shift, where fraud is more common (a colleague's run, say);
- the first setting run again, killed by an exception at iteration 45: MLflow marks it FAILED;
- a run whose process died at iteration 30 without ending it: it stays RUNNING for ever.

`search_runs` orders by a metric's *last* logged value. Asked for the top AP with no filter, it
returns the run validated on easier rows, then the crashed one, which stopped near the top of
its learning curve. The filter string keeps the finished runs validated on the reference rows.

Run: python docs/examples/06_tracking/find_runs.py (about six seconds)
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import mlflow
import pandas as pd
from mlflow import MlflowClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tracked_run import (  # noqa: E402
    ap_curve,
    data_tags,
    fit_with_curve,
    log_curve,
    open_store,
    time_split,
)

GRID = [(0.03, 8), (0.1, 8), (0.3, 8), (0.1, 16)]  # (learning_rate, max_leaf_nodes)
SHIFT = "2025-03-17"  # the small world's prevalence shift: fraud doubles from here


def settings(learning_rate: float, leaves: int) -> dict:
    return {
        "learning_rate": learning_rate,
        "max_leaf_nodes": leaves,
        "max_iter": 100,
        "max_features": 0.5,
        "random_state": 0,
    }


def fill_experiment(client: MlflowClient, experiment_id: str) -> str:
    """Log the seven runs; return the validation digest of the reference rows."""
    split = time_split()
    curves, models = {}, {}
    for lr, leaves in GRID:
        params = settings(lr, leaves)
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"lr{lr}-leaves{leaves}"):
            mlflow.log_params(params)
            mlflow.set_tags(data_tags(split))
            models[lr, leaves], curves[lr, leaves] = fit_with_curve(split, params)
            log_curve(client, mlflow.active_run().info.run_id, "valid_ap", curves[lr, leaves])

    time = split.world.transactions.loc[split.X_valid.index, "timestamp"]
    after = time >= pd.Timestamp(SHIFT, tz="UTC")
    late = replace(split, X_valid=split.X_valid[after], y_valid=split.y_valid[after])
    for rows, y in (("validation rows", split.y_valid), (f"those from {SHIFT}", late.y_valid)):
        print(f"{rows}: {len(y):,}, {int(y.sum())} frauds ({y.mean():.1%})")
    with mlflow.start_run(experiment_id=experiment_id, run_name="lr0.1-leaves16-late-rows"):
        mlflow.log_params(settings(0.1, 16))
        mlflow.set_tags(data_tags(late))  # the same model, validated on other rows
        curve = ap_curve(models[0.1, 16], late.X_valid, late.y_valid)
        log_curve(client, mlflow.active_run().info.run_id, "valid_ap", curve)

    try:
        with mlflow.start_run(experiment_id=experiment_id, run_name="lr0.03-leaves8-again"):
            mlflow.log_params(settings(0.03, 8))
            mlflow.set_tags(data_tags(split))
            run_id = mlflow.active_run().info.run_id
            log_curve(client, run_id, "valid_ap", curves[0.03, 8][:45])  # as far as it got
            raise MemoryError("killed at iteration 45")
    except MemoryError:
        pass  # the `with` block has already ended the run with status FAILED

    killed = client.create_run(experiment_id, run_name="lr0.1-leaves16-killed")
    for key, value in settings(0.1, 16).items():
        client.log_param(killed.info.run_id, key, value)
    client.set_tag(killed.info.run_id, "valid_fingerprint", data_tags(split)["valid_fingerprint"])
    log_curve(client, killed.info.run_id, "valid_ap", curves[0.1, 16][:30])
    # ... and nothing ends it: no set_terminated, no end_run.
    return data_tags(split)["valid_fingerprint"]


def show(runs, title: str) -> None:
    print(title)
    for run in runs:
        print(
            f"  {run.info.run_name:<26} {run.info.status:<9} "
            f"valid rows {run.data.tags['valid_fingerprint'][:8]}  "
            f"valid_ap {run.data.metrics['valid_ap']:.3f}"
        )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="store-") as tmp:
        client, experiment_id = open_store(Path(tmp))
        reference = fill_experiment(client, experiment_id)

        naive = client.search_runs([experiment_id], order_by=["metrics.valid_ap DESC"])
        show(naive, "every run, by last valid_ap:")

        query = f"attributes.status = 'FINISHED' and tags.valid_fingerprint = '{reference}'"
        best = client.search_runs(
            [experiment_id], filter_string=query, order_by=["metrics.valid_ap DESC"]
        )
        show(best, "finished, on the reference validation rows, by last valid_ap:")
        eight = client.search_runs(
            [experiment_id], filter_string="params.max_leaf_nodes = '8'", max_results=100
        )
        print(f"runs with params.max_leaf_nodes = '8' (params are text): {len(eight)}")


if __name__ == "__main__":
    main()
