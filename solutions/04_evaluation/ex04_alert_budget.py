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
    # BEGIN SOLUTION: validate k and the inputs; find the cut-off score; count the rows above it fully and the tied rows by their expected share
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1 or len(y) != len(s):
        raise ValueError(
            f"y_true and scores must be 1-D and of the same length, got shapes {y.shape} "
            f"and {s.shape}"
        )
    if not np.isin(y, [0, 1]).all():
        raise ValueError("y_true must hold only 0 and 1 (or False and True)")
    if np.isnan(s).any():
        raise ValueError("scores contain NaN: a row without a score has no rank")
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ValueError(f"k must be an integer, got {k!r} ({type(k).__name__})")
    if not 1 <= k <= len(s):
        raise ValueError(f"k must be between 1 and the number of rows ({len(s)}), got {k}")
    y = y.astype(np.float64)
    cut = np.sort(s)[::-1][k - 1]
    above = s > cut
    tied = s == cut
    n_above = int(above.sum())
    found = y[above].sum() + (k - n_above) * y[tied].mean()
    return float(found / k)
    # END SOLUTION
