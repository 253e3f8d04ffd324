"""Exercise 05 · Is model A really better than model B? The corrected resampled t-test.

Docs: docs/lessons/05-tuning.md#ex05-compare-models (the site: `mkdocs serve`, then Lesson 05)

Two models scored on the same `k` cross-validation folds give `k` paired scores. The folds'
training sets overlap (with 5 folds, any two share 3/4 of their rows), so the `k` differences are
correlated, and the ordinary paired t-test, which assumes independent differences, is far too
sure of itself: it calls a difference significant much more often than it should. Nadeau and
Bengio (2003) widen the variance by a term for that overlap.

Write `corrected_ttest(scores_a, scores_b, n_train, n_test)`, returning `(t, p)`:

- `scores_a[i]` and `scores_b[i]` are the scores of models A and B on the **same** fold `i`
  (1-D lists or arrays, equal lengths `k >= 2`, finite numbers). The test is **paired**: it looks
  at the differences `d = scores_a - scores_b`, fold by fold.
- `n_train` and `n_test` are the numbers of rows each fold trains and tests on (positive numbers;
  with `k`-fold CV on `n` rows, about `n * (k - 1) / k` and `n / k`).
- The statistic, with `mean(d)` and the sample variance `var(d)` (with `ddof=1`):

      t = mean(d) / sqrt((1 / k + n_test / n_train) * var(d))

  The ordinary paired t-test has `1 / k` alone; `n_test / n_train` is the correction.
  `t > 0` when A scores higher.
- `p` is **two-sided**, from Student's t distribution with `k - 1` degrees of freedom: the
  probability of a statistic at least as far from 0 as `t`, on either side
  (`scipy.stats.t` gives the tail). Swapping A and B negates `t` and leaves `p` unchanged.
- When every difference is the same (all `d[i] == d[0]`, so `var(d)` is 0 and the formula
  divides by 0): `t = 0.0` and `p = 1.0` if that difference is 0 (no evidence of any
  difference); otherwise `t = inf` with the sign of the difference and `p = 0.0` (every fold
  agrees exactly).
- Both are returned as Python floats. The inputs are not modified.
- `ValueError` for: inputs that are not 1-D, different lengths, fewer than 2 folds, a missing or
  infinite score (NaN, inf), `n_train <= 0` or `n_test <= 0`.
"""

from collections.abc import Sequence

import numpy as np
from scipy import stats


def corrected_ttest(
    scores_a: Sequence[float], scores_b: Sequence[float], n_train: float, n_test: float
) -> tuple[float, float]:
    # TODO: validate; d = a - b; t from mean(d) and the corrected variance; two-sided p with k - 1 degrees of freedom
    raise NotImplementedError
