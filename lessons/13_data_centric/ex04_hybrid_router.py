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
    # TODO: validate; split by the band; one llm call on the band; decisions
    raise NotImplementedError


def choose_band(model_proba, y, notes, llm_cost_per_row, spend_limit, grid) -> tuple:
    """The (low, high) of `grid` with the best validation F1 whose LLM cost fits `spend_limit`."""
    # TODO: validate; every pair low <= high; cost, F1; best F1, ties to the cheaper
    raise NotImplementedError
