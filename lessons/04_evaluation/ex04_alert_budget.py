"""Exercise 04 · Precision at an alert budget.

Docs: docs/lessons/04-evaluation.md#ex04-alert-budget (the site: `mkdocs serve`, then Lesson 04)

The fraud team can review `k` payments a day, no more. The model's scores decide which ones: the
`k` highest. What the business gets from the model is the share of those `k` reviews that find a
fraud, its *precision at k*. Write `precision_at_k(y_true, scores, k)`.

Scores tie often (a rounded probability, a rule-based score, a tree model's leaf values). When
rows tie at the cut-off, no one can say which of them the team reviews, so a tied row counts by
its expected share: the precision that breaking the tie at random gives on average.

Contract:
- `y_true` holds one label per row, 0 (legitimate) or 1 (fraud), as numbers or booleans; `scores`
  one real number per row, higher meaning more suspicious. Both are 1-D array-likes (lists, NumPy
  arrays, pandas Series, whose index is ignored) of the same length.
- The cut-off score `t` is the `k`-th highest score (counting repeats: with scores
  `[0.9, 0.7, 0.7, 0.2]` and `k=3`, `t = 0.7`). Every row scored strictly above `t` is reviewed;
  the rest of the budget, `k - (number of rows above t)`, is shared among the rows tied at `t`.
  So, with `above` the rows scored strictly above `t` and `tied` the rows scored exactly `t`:

      precision = (positives in above + (k - len(above)) * positives in tied / len(tied)) / k

- The answer does not depend on the order of the rows; it is a `float` between 0 and 1.
  With `k` equal to the number of rows it is the fraud rate of all rows.
- `k` is an integer (a Python `int` or a NumPy integer; a `bool` is not) from 1 to the number of
  rows. Anything else raises `ValueError`: `k=0` reviews nothing, and a budget larger than the
  number of rows is not a top-`k`.
- `ValueError` too for: `y_true` and `scores` of different lengths or not 1-D, a label other
  than 0 or 1, a NaN score (a row the model could not score has no rank).
- `y_true` and `scores` are not modified.
"""

import numpy as np


def precision_at_k(y_true, scores, k) -> float:
    # TODO: validate k and the inputs; find the cut-off score; count the rows above it fully and the tied rows by their expected share
    raise NotImplementedError
