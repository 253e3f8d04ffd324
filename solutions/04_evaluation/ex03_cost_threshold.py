"""Exercise 03 · The threshold that costs the business least.

Docs: docs/lessons/04-evaluation.md#ex03-cost-threshold (the site: `mkdocs serve`, then Lesson 04)

The bank does not pay for F1 or accuracy. It pays for mistakes: every legitimate transaction it
flags costs an analyst's review and an annoyed customer (`cost_fp`), every fraud it misses costs
the chargeback (`cost_fn`, often a hundred times more). The right threshold is the one whose
mistakes cost least, and it moves when the costs do. Write `best_threshold(y_true, scores,
cost_fp, cost_fn)`.

The total cost of a threshold `t`, flagging every transaction whose score is `>= t` (as in ex01):

    cost(t) = cost_fp * FP(t) + cost_fn * FN(t)

Contract:
- `y_true`: 1 for fraud, 0 for legitimate, as integers or booleans; `scores`: real numbers, higher
  meaning more suspicious (integers are fine). Lists or 1-D NumPy arrays of the same non-zero
  length. `y_true` may hold no fraud, or nothing else.
- The candidates are the distinct values in `scores` (the lowest one flags everything) plus
  `inf`, which flags nothing. Any other threshold flags the same transactions as one of these.
- Returns the tuple `(threshold, cost)` of the candidate with the lowest cost: `threshold` is
  that score's value (or `inf`) and `cost` its total cost, both as Python `float`s.
- On equal cost, the highest threshold wins (the fewest alerts for the same money; `inf` beats
  every score). Costs are compared exactly as the formula above computes them; the checks use
  costs in whole numbers and halves, on which the arithmetic is exact.
- Transactions with the same score are flagged together: no threshold flags part of a tie.
- `cost_fp` and `cost_fn` are non-negative finite numbers (zero is allowed).
- No Python loop over the rows or the candidates: sort once, then cumulative sums; a check counts
  the Python lines your function runs for 200 and for 5,000 transactions.
- `y_true` and `scores` are not modified.
- `ValueError` (with a message saying what is wrong) when: a cost is negative, NaN or infinite; an
  input is not 1-D; the lengths differ; the inputs are empty; a label is anything but 0 and 1; a
  score is NaN or infinite.
"""

import numpy as np


def best_threshold(y_true, scores, cost_fp, cost_fn) -> tuple[float, float]:
    # BEGIN SOLUTION: validate the inputs as in ex01, and the two costs (finite, not negative)
    y = np.asarray(y_true)
    s = np.asarray(scores)
    if y.ndim != 1 or s.ndim != 1:
        raise ValueError(f"y_true and scores must be 1-D, got shapes {y.shape} and {s.shape}")
    if len(y) != len(s):
        raise ValueError(f"y_true has {len(y)} labels but scores has {len(s)} scores")
    if len(y) == 0:
        raise ValueError("y_true and scores are empty: there is nothing to evaluate")
    if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
        raise ValueError(f"labels must be 0 or 1 (or booleans), got {np.unique(y)[:5]}")
    if s.dtype.kind not in "biuf" or not np.isfinite(s).all():
        raise ValueError("scores must be finite numbers (no NaN, no inf)")
    cost_fp, cost_fn = float(cost_fp), float(cost_fn)
    for name, cost in (("cost_fp", cost_fp), ("cost_fn", cost_fn)):
        if not np.isfinite(cost) or cost < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {cost}")
    # END SOLUTION
    # BEGIN SOLUTION: sort by score, highest first; FP and FN after each run of equal scores (and for inf); the first lowest cost
    order = np.argsort(s, kind="stable")[::-1]
    ranked = s[order]
    tps = np.cumsum(y[order] == 1)
    fps = np.arange(1, len(ranked) + 1) - tps
    last_of_run = np.append(ranked[1:] != ranked[:-1], True)
    thresholds = np.append(np.inf, ranked[last_of_run])  # highest first, inf flags nothing
    tp = np.append(0, tps[last_of_run])
    fp = np.append(0, fps[last_of_run])
    costs = cost_fp * fp + cost_fn * (tps[-1] - tp)
    best = int(np.argmin(costs))  # the first minimum: the highest threshold among equals
    return float(thresholds[best]), float(costs[best])
    # END SOLUTION
