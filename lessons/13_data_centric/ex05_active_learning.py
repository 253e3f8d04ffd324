"""Exercise 05 · Active learning.

Docs: docs/lessons/13-data-centric.md#ex05-active-learning (the site: `mkdocs serve`, then Lesson 13)

Labels cost money: an analyst reads each dispute, an LLM call costs tokens. With a fixed budget
of labels, which rows should be labelled? Active learning lets the model choose: train on what is
labelled, ask for the labels of the rows it is least sure about, retrain, repeat. Compared with
labelling random rows, the same budget buys a better model, or the same model for less.

Write two functions:

1. `uncertainty_sampling(model, pool, batch) -> np.ndarray`:

   - `model` is a fitted classifier with `predict_proba`; `pool` (a 2-D array or a DataFrame) is
     the rows it may ask about. A row's confidence is its largest predicted probability,
     `model.predict_proba(pool).max(axis=1)`; the least confident rows are the most uncertain
     (with two classes: the probability closest to 0.5).
   - Returns the positions (0-based row numbers in `pool`, not its index labels) of the `batch`
     least confident rows, least confident first; equal confidence: the smaller position first.
     A NumPy array of integers.
   - `ValueError` when `batch` is not an integer (a bool is refused) between 1 and `len(pool)`.

2. `run_loop(model_factory, X_pool, y_pool, X_test, y_test, initial, batch, budget, strategy,
   seed) -> DataFrame`: the learning curve of one active-learning run.

   - `rng = np.random.default_rng(seed)` drives every random choice, in this order: first the
     initial labelled set, `rng.choice(len(X_pool), size=initial, replace=False)`, then (for
     `strategy="random"`) each round's draw. The same seed gives the same curve; another seed,
     another initial set.
   - Every round: `model = model_factory()` (a new, unfitted model: retrained from scratch,
     never the previous round's model), fitted once with `model.fit(X, y)` on exactly the
     labelled rows of the pool (`X_pool` and `y_pool` rows by position, in the order they were
     labelled); then its accuracy on the test set, `mean(model.predict(X_test) == y_test)`.
   - If fewer than `budget` rows are labelled, the round then labels
     `take = min(batch, budget - labelled)` more rows, chosen among the unlabelled rows
     (`unlabelled`: their positions in ascending order):
     `strategy="uncertainty"`: `unlabelled[uncertainty_sampling(model, X_pool[unlabelled], take)]`
     with this round's model; `strategy="random"`: `rng.choice(unlabelled, size=take,
     replace=False)`. The next round retrains on the larger set. The loop ends after the round
     that trained on exactly `budget` rows: never more labels than the budget, and a model only
     ever sees the labels of labelled rows.
   - Returns one row per round, in order, with the columns `n_labelled` (int: the rows the
     round's model was trained on: `initial`, then `initial + batch`, ..., up to `budget`) and
     `accuracy` (float), and a fresh 0..n-1 index.
   - `ValueError` when `strategy` is neither `"uncertainty"` nor `"random"`; when `initial`,
     `batch` or `budget` is not an integer >= 1 (a bool is refused); when `budget` is below
     `initial` or above `len(X_pool)`; when `X_pool` and `y_pool` differ in length.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STRATEGIES = ("uncertainty", "random")


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _rows(data, positions: np.ndarray):
    """Rows of an array or a DataFrame (or Series) by position."""
    return data.iloc[positions] if isinstance(data, (pd.DataFrame, pd.Series)) else data[positions]


def uncertainty_sampling(model, pool, batch: int) -> np.ndarray:
    """Positions of the `batch` least confident rows of `pool`, least confident first."""
    # TODO: confidence = max predicted probability; a stable sort, ascending; first batch
    raise NotImplementedError


def run_loop(
    model_factory,
    X_pool,
    y_pool,
    X_test,
    y_test,
    initial: int,
    batch: int,
    budget: int,
    strategy: str,
    seed: int,
) -> pd.DataFrame:
    """The learning curve (n_labelled, accuracy) of an active-learning run within `budget`."""
    # TODO: initial draw; each round: a fresh model fitted on the labelled rows, scored, more rows chosen
    raise NotImplementedError
