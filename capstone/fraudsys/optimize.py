"""Part OPTIMIZE · A served model within budget.

Docs: docs/capstone.md#optimize (the site: `mkdocs serve`, then Capstone)

The champion that train.py promotes is the model that scored best, not the model that is
cheapest to serve: 150 trees of 15 leaves, close to a megabyte of file that every replica of the
service loads, and a millisecond or two a request. Lesson 11 wrote the rule down before looking:
serve the SMALLEST model whose validation ROC AUC is at most a budget below the champion's, and
that is also no slower per row. Here the budgets are in fraudsys/config.py: `MAX_AUC_DROP`,
`MAX_SIZE_RATIO` (of the champion's file) and `MAX_LATENCY_RATIO` (of its per-row latency).

`candidates()` (given) returns the compact models to try, unfitted, by name, in order: fewer and
smaller trees of the same kind.

Write `optimize(model, X_train, y_train, X_val, y_val, out_dir, *, repeats=20) -> dict`:
- `model` is the champion: a fitted classifier with `feature_names_in_` (train.py's model).
  `X_train` and `X_val` are DataFrames of its features (`build_features`' output, columns in
  the order of `model.feature_names_in_`); `y_train`, `y_val` their labels (0/1 or bools, any
  1-D sequence). `out_dir` is an existing folder. `model` is never modified or refitted.
- Fit a clone (`sklearn.base.clone`) of every candidate on `X_train`, `y_train`, on one thread
  (`threadpoolctl.threadpool_limits(1)`).
- Measure the champion and every fitted candidate on the validation rows:
  - `auc`: `roc_auc_score(y_val, m.predict_proba(X_val)[:, 1])`;
  - `size_bytes`: the size of the file `coursekit.model_io.save_model` writes for it (the file
    you would ship; not its sidecar, not `sys.getsizeof`);
  - `p50_ms_row`: the median, in milliseconds, of `repeats` timed calls (`time.perf_counter`)
    of `m.predict_proba(X_val.iloc[:1])` (one row, kept 2-D) after one untimed warm-up call.
- A candidate is within budget when `champion_auc - auc <= config.MAX_AUC_DROP + 1e-9`,
  `size_bytes <= config.MAX_SIZE_RATIO * champion's size_bytes` and
  `p50_ms_row <= config.MAX_LATENCY_RATIO * champion's p50_ms_row`.
- The choice: among the candidates within budget, the smallest `size_bytes`; on a tie, the
  higher `auc`; then the first in `candidates()`' order. When none is within budget, the
  champion itself is served (its name is "champion").
- The chosen model's threshold is chosen again, for its own scores: `best_threshold(y_val,
  scores)` of fraudsys/train.py (lesson 04's cheapest threshold at config's costs).
- Save the chosen model with `save_model(chosen, out_dir / "model.skops", metadata)`, metadata
  holding `feature_names` (the columns of `X_val`), `threshold` (the float, None when inf),
  `metrics` ({"valid_roc_auc": auc, "auc_drop": drop}) and `optimized_from` ("champion").
  Nothing else is left in `out_dir` (measure the sizes in a temporary folder).
- Return a dict: `path` (str, the saved file), `name` (the chosen candidate's name, or
  "champion"), `size_bytes` (int, of the saved file), `champion_size_bytes` (int), `auc`,
  `champion_auc`, `auc_drop`, `p50_ms_row`, `champion_p50_ms_row`, `threshold` (floats), and
  `within_budget` (bool: False when the champion is served for want of a candidate).
- `ValueError` when: `X_val` or `X_train` has no rows; `y_train` or `y_val` has another length
  than its X; `y_val` or `y_train` does not hold both classes; the columns of `X_train` or
  `X_val` are not `model.feature_names_in_` in that order; `out_dir` is not an existing folder;
  `repeats` is not an integer >= 1.
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from coursekit.model_io import save_model
from fraudsys import config
from fraudsys.train import best_threshold

MODEL_FILE = "model.skops"


def candidates() -> dict[str, Any]:
    """The compact models to try, unfitted, smallest first (given)."""
    small = dict(min_samples_leaf=40, l2_regularization=1.0, early_stopping=False)
    return {
        f"hgb_{n}x{leaves}": HistGradientBoostingClassifier(
            max_iter=n,
            learning_rate=rate,
            max_leaf_nodes=leaves,
            random_state=config.RANDOM_STATE,
            **small,
        )
        for n, rate, leaves in ((20, 0.3, 4), (20, 0.3, 6), (30, 0.25, 6), (40, 0.2, 8))
    }


def optimize(model, X_train, y_train, X_val, y_val, out_dir, *, repeats=20) -> dict:
    """Serve the smallest candidate within the AUC, size and latency budgets."""
    # TODO: check the inputs; fit the candidates; measure each; choose; save; report
    raise NotImplementedError
