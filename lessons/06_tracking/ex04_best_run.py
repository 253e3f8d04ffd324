"""Exercise 04 · Find the best run.

Docs: docs/lessons/06-tracking.md#ex04-best-run (the site: `mkdocs serve`, then Lesson 06)

A tracking store fills up with runs: good ones, failed ones, runs still going, runs someone
killed halfway. "Which run is our best?" must have one answer, the same every time it is asked,
and never a run that did not finish. Write `best_run(tracking_uri, experiment, metric, mode)`: it
reads the store at `tracking_uri` (`MlflowClient(tracking_uri)`), changes nothing in it, and
returns the `run_id` (a str) of the best run of the experiment named `experiment`.

The rules:
- Candidates: the runs of that experiment (never of another one) whose status is `FINISHED`
  (not `FAILED`, `KILLED`, `RUNNING` or `SCHEDULED`), that are not deleted, and that have a value
  of `metric` that is not NaN. A run without that metric is not a candidate.
- A run's value of `metric` is its latest value, the one MLflow reports in
  `run.data.metrics[metric]`: the value logged at the highest step; among values logged at that
  same step, the one logged last (latest timestamp). Not the first value, not the best value of
  its history, and not simply the last one logged: steps may be logged out of order.
- `mode="max"`: the highest value wins (an accuracy, an AUC). `mode="min"`: the lowest value wins
  (a loss, an error).
- Ties (equal values) go to the earliest run: the smallest `run.info.start_time`; between runs
  that started in the same millisecond, the smallest `run_id` (in string order). So the answer
  does not depend on the order in which the store lists the runs.
- `ValueError` when `mode` is neither `"max"` nor `"min"` (exactly these strings), when there is
  no experiment named `experiment`, or when no run qualifies (no finished run with a value of
  `metric`).
"""

import math

from mlflow import MlflowClient
from mlflow.entities import ViewType


def best_run(tracking_uri: str, experiment: str, metric: str, mode: str) -> str:
    # TODO: check mode; find the experiment; keep FINISHED runs with a latest value of metric that is not NaN; best value, ties to the earliest start_time then run_id
    raise NotImplementedError
