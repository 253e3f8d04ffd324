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
    # TODO: validate the inputs as in ex01, and the two costs (finite, not negative)
    raise NotImplementedError
    # TODO: sort by score, highest first; FP and FN after each run of equal scores (and for inf); the first lowest cost
    raise NotImplementedError
