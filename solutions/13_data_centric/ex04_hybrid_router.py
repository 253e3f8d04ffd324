"""Exercise 04 · A hybrid router.

Docs: docs/lessons/13-data-centric.md#ex04-hybrid-router (the site: `mkdocs serve`, then Lesson 13)

The fraud team asks one question of every dispute: is it an UNAUTHORIZED payment (the customer
says they never made it: reason "unauthorized"), or not? A cheap model answers it for every note
with a probability; the LLM of exercise 03 answers it better but costs money per note. Send the
LLM only the notes the model is unsure about, a band of probabilities [low, high], and choose
that band on validation data: the best F1 the spend limit allows. The test set only reports.

Write `route(model_proba, notes, low, high, llm) -> DataFrame`:

- `model_proba` holds P(unauthorized) for each row of the DataFrame `notes` (columns `note_id`,
  `text`, maybe more), in the same order. `llm` is a callable: given a DataFrame of notes, it
  returns their reasons, one per row in the same order (a list, an array or a Series, read by
  position: its index is ignored): a reason of `coursedata.REASONS`, or a missing value (None,
  NaN, `pd.NA`) where the LLM gave no label. The docs wire it to exercise 03:
  `lambda rows: label_with_llm(rows, client, budget, cache)["reason"]`.
- A row with proba < `low` is decided by the model: 0. A row with proba > `high` is decided by
  the model: 1. A row with `low` <= proba <= `high` (both ends INCLUDED) goes to the LLM.
- Call `llm` once, with the rows of `notes` in the band (`notes[in_band]`: every column, in the
  notes' order); do not call it when the band holds no row. Its decision is 1 when the label is
  "unauthorized", 0 for any other reason; a missing label falls back to the model: 1 when
  proba >= 0.5, else 0.
- Returns a DataFrame, one row per note in the notes' order, index 0..n-1, with the columns
  `note_id`, `proba` (float), `routed` ("model" or "llm"), `label` (the LLM's reason for a row it
  labelled; missing otherwise) and `decision` (int, 0 or 1).
- `ValueError` when: `model_proba` is not 1-D, has another length than `notes`, or holds a
  value outside [0, 1] (or NaN); not 0 <= low <= high <= 1; `llm` returns another number of
  labels than it was given rows, or a label that is neither missing nor one of REASONS.

Write `choose_band(model_proba, y, notes, llm_cost_per_row, spend_limit, grid) -> (low, high)`:

- The arguments are a VALIDATION set: `model_proba` as above, `y` the truth (1: unauthorized, 0:
  not), and `notes` the same notes with a column `llm_reason`: what the LLM answered for each of
  them (label_with_llm's `reason`; missing where it gave none). Use nothing else: no other data,
  nothing remembered from an earlier call; and change none of the arguments.
- The candidates are every pair of values of `grid` (a non-empty sequence of numbers in [0, 1])
  with low <= high. A pair's band holds the rows with low <= proba <= high; its cost is
  `rows in the band * llm_cost_per_row`, and it fits if that cost is <= `spend_limit` (+ 1e-9,
  for floating point). A pair's decisions are route's, with the LLM's labels from `llm_reason`.
- Return the fitting pair whose decisions have the highest F1 against `y` (positive class 1; F1
  is 0 when there is no true and no predicted positive). Ties (F1 within 1e-12): the cheaper
  band (fewer rows), then the smaller `low`, then the smaller `high`. A tuple of two floats.
- `ValueError` when: the lengths differ; `y` holds a value other than 0 or 1; `notes` has no
  `llm_reason` column, or it holds a value that is neither missing nor one of REASONS (say
  "Unauthorized" or "fraud": route would refuse it too); the grid is empty or holds a value
  outside [0, 1]; `llm_cost_per_row` or `spend_limit` is negative; no pair fits the spend limit.
"""

import numpy as np
import pandas as pd

from coursedata import REASONS

POSITIVE = "unauthorized"


def route(model_proba, notes, low, high, llm) -> pd.DataFrame:
    """Decide the confident rows with the model; send the band [low, high] to `llm`."""
    # BEGIN SOLUTION: validate; split by the band; one llm call on the band; decisions
    proba = np.asarray(model_proba, dtype=np.float64)
    if proba.ndim != 1 or len(proba) != len(notes):
        raise ValueError(f"model_proba must be 1-D, one value per note, got shape {proba.shape}")
    if np.isnan(proba).any() or (proba < 0).any() or (proba > 1).any():
        raise ValueError("model_proba must hold probabilities in [0, 1]")
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"need 0 <= low <= high <= 1, got low={low!r}, high={high!r}")
    in_band = (proba >= low) & (proba <= high)
    decision = (proba > high).astype(np.int64)
    labels = pd.Series(pd.NA, index=range(len(notes)), dtype="object")
    if in_band.any():
        answered = list(llm(notes[in_band]))
        if len(answered) != int(in_band.sum()):
            raise ValueError(
                f"llm returned {len(answered)} labels for {int(in_band.sum())} rows in the band"
            )
        rows = np.flatnonzero(in_band)
        for row, label in zip(rows, answered, strict=True):
            missing = label is None or (not isinstance(label, str) and bool(pd.isna(label)))
            if missing:
                decision[row] = int(proba[row] >= 0.5)
                continue
            if label not in REASONS:
                raise ValueError(f"llm returned {label!r}, which is not one of {REASONS}")
            labels[row] = label
            decision[row] = int(label == POSITIVE)
    return pd.DataFrame(
        {
            "note_id": notes["note_id"].to_numpy(),
            "proba": proba,
            "routed": np.where(in_band, "llm", "model"),
            "label": labels.to_numpy(),
            "decision": decision,
        }
    )
    # END SOLUTION


def choose_band(model_proba, y, notes, llm_cost_per_row, spend_limit, grid) -> tuple:
    """The (low, high) of `grid` with the best validation F1 whose LLM cost fits `spend_limit`."""
    # BEGIN SOLUTION: validate; every pair low <= high; cost, F1; best F1, ties to the cheaper
    proba = np.asarray(model_proba, dtype=np.float64)
    if proba.ndim != 1 or len(proba) != len(notes):
        raise ValueError(f"model_proba must be 1-D, one value per note, got shape {proba.shape}")
    if np.isnan(proba).any() or (proba < 0).any() or (proba > 1).any():
        raise ValueError("model_proba must hold probabilities in [0, 1]")
    y = np.asarray(y)
    if y.shape != proba.shape:
        raise ValueError(f"y has shape {y.shape}, model_proba {proba.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must hold only 0 and 1")
    y = y.astype(np.int64)
    if "llm_reason" not in notes.columns:
        raise ValueError("notes needs the column llm_reason (the LLM's label of each note)")
    grid = np.asarray(grid, dtype=np.float64).ravel()
    if grid.size == 0 or np.isnan(grid).any() or (grid < 0).any() or (grid > 1).any():
        raise ValueError(f"grid must be a non-empty sequence of numbers in [0, 1], got {grid}")
    if llm_cost_per_row < 0 or spend_limit < 0:
        raise ValueError("llm_cost_per_row and spend_limit must be >= 0")
    reasons = notes["llm_reason"]
    missing = reasons.isna().to_numpy()
    for label in reasons[~missing]:
        if label not in REASONS:
            raise ValueError(f"llm_reason holds {label!r}, which is not one of {REASONS}")
    llm_says = np.where(missing, proba >= 0.5, reasons.to_numpy() == POSITIVE).astype(np.int64)

    best, best_key = None, None
    values = np.unique(grid)
    for i, low in enumerate(values):
        for high in values[i:]:
            in_band = (proba >= low) & (proba <= high)
            rows = int(in_band.sum())
            if rows * llm_cost_per_row > spend_limit + 1e-9:
                continue
            decision = np.where(in_band, llm_says, (proba > high).astype(np.int64))
            tp = int(((decision == 1) & (y == 1)).sum())
            wrong = int((decision != y).sum())  # false positives + false negatives
            f1 = 0.0 if tp == 0 else 2 * tp / (2 * tp + wrong)
            key = (f1, rows, low, high)
            if (
                best_key is None
                or f1 > best_key[0] + 1e-12
                or (abs(f1 - best_key[0]) <= 1e-12 and key[1:] < best_key[1:])
            ):
                best, best_key = (float(low), float(high)), key
    if best is None:
        raise ValueError(f"no band of the grid fits the spend limit {spend_limit}")
    return best
    # END SOLUTION
