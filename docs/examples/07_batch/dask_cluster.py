"""Worked example: the same Dask code on a local cluster of processes.

A `LocalCluster` starts a scheduler and worker processes on this machine (here 2 workers of 1
thread each: the machine has 2 cores); a `Client` connected to it becomes the default scheduler,
so `.compute()` sends the tasks there. Each worker is a separate Python process: it receives the
partitions and the model (pickled), runs the tasks, and sends the results back.

The scoring function returns a Series per partition; `meta=("fraud_score", "float64")` says so.
On a real cluster only the address changes: `Client("tcp://scheduler-address:8786")` instead of
`Client(cluster)`, and the workers must have the same library versions as the client (Dask
compares them: `client.get_versions(check=True)`). The workers start by spawning fresh
interpreters, which import this file again: the `if __name__ == "__main__":` guard keeps them
from starting clusters of their own.

Run: python docs/examples/07_batch/dask_cluster.py (a few seconds: starting the processes)
"""

from __future__ import annotations

import time

import dask.dataframe as dd
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster, get_task_stream
from scoring_model import FEATURES, payments_table, trained_model
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits


def fraud_scores(part: pd.DataFrame, model: Pipeline) -> pd.Series:
    """One partition's scores: one predict_proba call for all its rows."""
    probability = model.predict_proba(part[FEATURES])[:, 1]
    return pd.Series(probability, index=part.index, name="fraud_score")


def main() -> None:
    model = trained_model()
    table = payments_table(100_000)
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        expected = model.predict_proba(table[FEATURES])[:, 1]
    in_pandas = time.perf_counter() - start

    ddf = dd.from_pandas(table, npartitions=4)
    scores = ddf.map_partitions(fraud_scores, model, meta=("fraud_score", "float64"))
    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        started = time.perf_counter() - start
        workers = client.scheduler_info()["workers"].values()
        print(f"workers: {len(workers)}, threads each: {[w['nthreads'] for w in workers]}")
        start = time.perf_counter()
        with get_task_stream(client) as stream:
            result = scores.compute()
        on_cluster = time.perf_counter() - start
        ran = [task["key"] for task in stream.data]
    print(f"{scores.npartitions} partitions, {len(ran)} tasks ran on the workers")
    print(f"the same scores as pandas: {np.array_equal(result.to_numpy(), expected)}")
    print(
        f"this run: pandas {in_pandas:.2f} s; cluster start {started:.1f} s, "
        f"first compute {on_cluster:.2f} s"
    )


if __name__ == "__main__":
    main()
