"""Exercise 04 · Score a table with Dask, on one machine or a cluster.

Docs: docs/lessons/07-batch.md#ex04-dask-scoring (the site: `mkdocs serve`, then Lesson 07)

A Dask DataFrame is a table cut into partitions, each an ordinary pandas DataFrame, plus a plan
(a graph of tasks) that nothing runs until someone calls `.compute()`. Describe the scoring once,
per partition, and the same code runs on a laptop's threads or on a cluster of machines: whichever
scheduler the caller points it at (a `dask.distributed.Client`) runs one task per partition.

Write `score_with_dask(ddf, model)`, returning a lazy `dask.dataframe.DataFrame`:

- `ddf` is a Dask DataFrame with an `id` column and the model's feature columns, in any order;
  any other column is ignored. `model` is a fitted scikit-learn classifier that knows its
  features: `model.feature_names_in_` (set when it was fitted on a DataFrame).
- The result has two columns, `id` then `score`: each row's id as it is, and its score
  `model.predict_proba(X)[:, 1]` as float64, where `X` holds the feature columns in the order of
  `model.feature_names_in_`. The values equal those of scoring the whole table in pandas.
- Build it with `ddf.map_partitions(fn, ...)`, where `fn` scores one partition (a pandas
  DataFrame) with ONE call to `model.predict_proba`, never one call per row. The result keeps
  `ddf`'s partitions and index: its partition k scores partition k of `ddf`, row for row, in the
  same order. A partition with no rows (left by a filter, say) gives an empty frame with the two
  columns; the model is not called on it (`predict_proba` rejects an empty `X`).
- Pass `meta=`: an empty pandas DataFrame with the result's columns and dtypes (`id`: the dtype of
  `ddf`'s `id` column, `score`: float64). Without it Dask calls `fn` on made-up rows to guess the
  output; with wrong dtypes, the plan lies about the data it will produce.
- Compute nothing: no `.compute()`, `.persist()`, `len(ddf)`, nor a call to the model inside
  `score_with_dask`. It only builds the plan; the caller computes it where they choose.
- `ValueError`, raised at once (without computing anything), when the model has no
  `feature_names_in_`, or `ddf` lacks the `id` column or one of the feature columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def score_with_dask(ddf, model):
    """A lazy Dask DataFrame (`id`, `score`) scoring every row of `ddf` with `model`, built with
    `map_partitions` and `meta`; nothing is computed."""
    # TODO: check the columns; build meta; ddf.map_partitions(score one partition, meta=)
    raise NotImplementedError
