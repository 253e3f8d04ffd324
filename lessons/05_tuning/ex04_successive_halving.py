"""Exercise 04 · Successive halving, by hand.

Docs: docs/lessons/05-tuning.md#ex04-successive-halving (the site: `mkdocs serve`, then Lesson 05)

Most of a search's candidates are bad, and a small budget (a few trees, a tenth of the rows, two
epochs) is enough to see it. Successive halving spends a little on every candidate, keeps the best
fraction, and gives the survivors more: the budget goes where it can still change the decision.
scikit-learn's `HalvingRandomSearchCV` and Optuna's `SuccessiveHalvingPruner` run the same idea;
here you write the schedule yourself, so that you know exactly what they spend.

Write `successive_halving(candidates, evaluate, min_budget, max_budget, eta=3)`, returning
`(best, history)`.

- `candidates`: a non-empty list (or tuple) of distinct, hashable values (ints, strings, tuples:
  whatever `evaluate` understands). It is not modified.
- `evaluate(candidate, budget)` trains and scores one candidate at one budget and returns its
  score, a number: **higher is better**. It is expensive: call it only as the schedule says.
- The schedule, round `r = 0, 1, 2, ...`:
  - round `r` calls `evaluate(candidate, min_budget * eta**r)` once for each surviving candidate,
    in the order the candidates have in `candidates` (round 0: every candidate);
  - after a round, stop if it evaluated a single candidate, or if the next budget
    `min_budget * eta**(r + 1)` would exceed `max_budget` (a next budget *equal* to
    `max_budget` is still run);
  - otherwise keep the best `max(1, n // eta)` of the round's `n` candidates (by the scores of
    this round only) and go on to round `r + 1`.
- Ties are broken by the order in `candidates`: of two candidates with equal scores, the earlier
  one is kept (and is `best`).
- `best` is the candidate with the highest score in the **last** round (its score at the largest
  budget reached): scores from different budgets are not compared with each other.
- `history` is a list with one tuple `(candidate, budget, score)` per call of `evaluate`, in the
  order of the calls: the score as `evaluate` returned it.
- `evaluate` is never called twice for the same candidate and budget, never for a candidate
  eliminated in an earlier round, and never with a budget outside the schedule.
- Budgets may be ints (trees, epochs: with an int `min_budget` every budget is an int) or floats
  (a fraction of the rows). `eta` is an integer of at least 2.
- `ValueError` (before any call of `evaluate`) for: empty `candidates`; a candidate given twice;
  `eta` that is not an integer of at least 2 (1, 0, 2.5); `min_budget <= 0`; `min_budget >
  max_budget`.

Example: 9 candidates, `min_budget=1`, `max_budget=9`, `eta=3`: 9 calls at budget 1, the best 3
at budget 3, the best 1 at budget 9; 13 calls in all. With `max_budget=8` it stops after the
round at budget 3 and `best` is the best of those 3. (`HalvingRandomSearchCV` keeps
`ceil(n / factor)` instead, and stops once fewer than `factor` candidates remain: the rule here
is Hyperband's `n // eta`.)
"""

from collections.abc import Callable, Hashable, Sequence
from numbers import Integral, Real
from typing import Any


def successive_halving(
    candidates: Sequence[Hashable],
    evaluate: Callable[[Any, Any], float],
    min_budget: float,
    max_budget: float,
    eta: int = 3,
) -> tuple[Hashable, list[tuple[Hashable, float, float]]]:
    # TODO: validate; then rounds: evaluate the survivors in order at min_budget * eta**r, stop or keep the best max(1, n // eta)
    raise NotImplementedError
