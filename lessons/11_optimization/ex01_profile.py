"""Exercise 01 · Where prediction time goes.

Docs: docs/lessons/11-optimization.md#ex01-profile (the site: `mkdocs serve`, then Lesson 11)

Before making a model faster, find out where its prediction time goes. A fitted scikit-learn
Pipeline runs its steps one after another: each transformer's `transform` on the output of the
steps before it, then the final estimator's `predict_proba`. One of them usually costs more than
all the others together, and it is often not the model. Measure each step on its real input,
the way the service calls it, and the table tells you what is worth optimizing.

Write `profile_pipeline(pipeline, X, repeats=7) -> pandas.DataFrame`:

- `pipeline` is a FITTED `sklearn.pipeline.Pipeline`; `X` is what its `predict_proba` takes
  (an array or a DataFrame, at least one row). Never fit anything: no `fit`, `fit_transform` nor
  `fit_predict` of the pipeline or of a step, and the pipeline is left as it was. A pipeline that
  is not fitted raises scikit-learn's `NotFittedError` (a `ValueError`) from its first step.
- Time each step on its real input, in the pipeline's order: the first step on `X`, every later
  step on the output of the steps before it (never on the raw `X`). A transformer runs its
  `transform`; the final step runs its `predict_proba`, or its `predict` when it has no
  `predict_proba` (`hasattr(step, "predict_proba")` is False).
- Each step's method is called exactly `repeats + 1` times: one untimed warm-up call (the first
  call often pays for caches, imports or lazy set-up a service pays once), then `repeats` timed
  calls, each timed alone with `time.perf_counter()`. A step's time is the MEDIAN of its
  `repeats` timings (`numpy.median`), in seconds: one slow call (a pause of the machine) must not
  move it, as it would move a mean. The time of `fit` is never part of it.
- A step that is `"passthrough"` or `None` does nothing and has no row.
- The result has one row per step that runs, indexed by the step's name, in the pipeline's order,
  and two float columns: `seconds` (that median) and `share` (its fraction of the total of the
  `seconds` column; the shares sum to 1).
- `ValueError`, before any step runs, when: `pipeline` is not a `Pipeline`; its final step has
  neither `predict_proba` nor `predict` (a final `"passthrough"` or `None` has neither: such a
  pipeline cannot score); `repeats` is not an integer >= 1 (a Python or NumPy integer, not a
  bool); `X` has no rows.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline


def profile_pipeline(pipeline, X, repeats=7) -> pd.DataFrame:
    """Median seconds per call of each step of the fitted `pipeline` on its real input, after one
    untimed warm-up call, with each step's share of the total; one row per step, in order."""
    # TODO: validate; for each step: warm up, time `repeats` calls, feed the next step
    raise NotImplementedError
