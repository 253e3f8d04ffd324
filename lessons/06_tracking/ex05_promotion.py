"""Exercise 05 · Promote a champion.

Docs: docs/lessons/06-tracking.md#ex05-promotion (the site: `mkdocs serve`, then Lesson 06)

The model serving traffic is whichever version of a registered model carries the `champion`
alias in MLflow's model registry. A new version (the *candidate*) takes its place only when it is
clearly better, and only when the file about to be deployed is the very file that was evaluated.
Promotion by hand forgets one of the two; a function does not.

Write `promote_if_better(client, name, candidate_version, metric, min_gain, floor)`, returning a
`Decision` (defined below: `promoted`, `reason`, `champion_version`).

- `client` is an `mlflow.MlflowClient` connected to the tracking store and the registry; `name`
  the registered model's name; `candidate_version` a version number of that model, as an int or
  its string (`3` or `"3"`). `metric` is the name of a metric: **higher is better**.
- A version's metric is read from the run that produced *that version*:
  `client.get_model_version(name, v).run_id`, then `client.get_run(run_id).data.metrics[metric]`
  (the metric's latest value in that run). Not from the candidate's run, not from the best or
  latest run of the experiment, not from the latest version.
- The current champion is the version the model's `champion` alias points to
  (`client.get_registered_model(name).aliases`); a model may have no champion yet.
- The candidate's artifact must verify: the candidate's run has a tag `model_sha256` (the
  SHA-256 of the model file, as `hashlib.sha256(data).hexdigest()` writes it) and an artifact
  `model.skops` at the root of its artifacts (exercise 03 logs both). The SHA-256 of that file's
  bytes must equal the tag. A missing tag or a missing artifact does not verify either. Only the
  candidate is verified, never the champion. Do not load the file: hash its bytes.
- The rules, in this order; the first that applies decides, and the reason starts with its word:
  1. the candidate already is the champion: not promoted, `"already champion"`;
  2. the candidate's run has no value for `metric`: not promoted, `"missing metric"`;
  3. the candidate's artifact does not verify: not promoted, `"hash mismatch"`;
  4. no champion: promoted (`"promoted"`) when the candidate's metric is at least `floor`
     (equal to it is enough), else not promoted, `"below floor"`. `floor` is used only when
     there is no champion;
  5. the champion's run has no value for `metric`: not promoted, `"missing metric"`;
  6. promoted (`"promoted"`) when `candidate > champion + min_gain`, strictly; else not
     promoted, `"no gain"`. A tie never promotes, nor does a gain of exactly `min_gain`.
  The reason may go on after its word (`"no gain: 0.81 vs 0.80 + 0.02"`).
- Promoting is one call, `client.set_registered_model_alias(name, "champion", version)`: an
  alias names one version, so moving it demotes the old champion, and there is exactly one
  champion at any time (never delete the alias first: the model would have none in between).
  The alias is the one mark of the champion: no tags, stages or other aliases.
- Nothing else is written: a decision not to promote leaves the registry as it was, a promotion
  changes nothing but the `champion` alias, and the runs are only read.
- `champion_version` is the version (an int) the `champion` alias points to after the call, or
  `None` when the model has no champion; `promoted` is a bool.
- `ValueError`, before anything is changed, for: `min_gain` that is negative or not finite;
  `floor` that is not finite; a model `name` the registry does not know; a `candidate_version`
  that is not a version of that model (`99`, `0`, `"abc"`). Turn MLflow's own errors
  (`MlflowException`) for an unknown model or version into a `ValueError` that says which.
"""

import hashlib
import math
import tempfile
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

ALIAS = "champion"
ARTIFACT = "model.skops"
HASH_TAG = "model_sha256"
REASONS = (
    "already champion",
    "missing metric",
    "hash mismatch",
    "below floor",
    "no gain",
    "promoted",
)


@dataclass(frozen=True)
class Decision:
    promoted: bool
    reason: str
    champion_version: int | None


def promote_if_better(
    client: MlflowClient,
    name: str,
    candidate_version: int | str,
    metric: str,
    min_gain: float,
    floor: float,
) -> Decision:
    # TODO: validate; find the champion; apply the six rules in order (metric from each version's own run, SHA-256 of the candidate's model.skops against its tag); move the alias with one call
    raise NotImplementedError
