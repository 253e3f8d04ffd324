"""Exercise 06 · A bootstrap confidence interval for a metric.

Docs: docs/lessons/04-evaluation.md#ex06-bootstrap-ci (the site: `mkdocs serve`, then Lesson 04)

A test set with 40 frauds gives a ROC AUC of 0.91. Is the new model, at 0.93, better? With so few
positives, a metric moves a lot from one test set to the next. The bootstrap measures how much:
draw the test rows again, with replacement, many times; compute the metric on each resample; the
spread of those values is the uncertainty. Write `bootstrap_ci(metric, y_true, scores, n_boot,
alpha, rng)`, returning the percentile interval `(low, high)` at confidence `1 - alpha`.

Contract, in the order of the work (the order of the draws is part of it: with the same seed, your
interval must equal the reference's to the last digit):
- Convert `y_true` and `scores` with `np.asarray` (a pandas Series' index is ignored); let `n` be
  their length. Their values are the metric's business: `bootstrap_ci` does not check them.
- Each resample draws the row positions with exactly one call, `idx = rng.integers(0, n, n)`, and
  computes `metric(y_true[idx], scores[idx])`: the SAME `idx` for both, so each label stays with
  its own score (resampling them apart destroys what the metric measures). The metric is called
  once per draw, on that draw's resample, and on nothing else.
- Randomness comes only from `rng`, the `numpy.random.Generator` you are given: never the global
  NumPy state (`np.random.seed`, `np.random.randint`), Python's `random`, or a new generator. The
  caller's `rng` advances by exactly the draws you made.
- A resample on which the metric is undefined is drawn again: when `metric` raises `ValueError`
  or returns NaN, discard the value and make a new draw. (On a resample without a fraud,
  scikit-learn's `roc_auc_score` returns NaN with a warning; versions before 1.6 raised
  `ValueError`.) Any other exception from `metric` propagates unchanged.
- Stop when `n_boot` values have been collected. At most `100 * n_boot` resamples are drawn in
  all, failed ones included: if the `n_boot` values are not collected by then, raise
  `RuntimeError` (the metric cannot be computed on this data, e.g. a test set with no fraud).
- The interval is `np.quantile(values, [alpha / 2, 1 - alpha / 2])` (NumPy's default method) of
  the `n_boot` values, in the order drawn; return it as a tuple of two floats `(low, high)`.
- `ValueError` for: `n_boot` that is not an integer (a Python `int` or a NumPy integer; a `bool`
  is not) of at least 1; `alpha` not strictly between 0 and 1 (or NaN); `y_true` and `scores` of
  different lengths, not 1-D, or empty. `TypeError` when `rng` is not a
  `numpy.random.Generator` (a seed or a `RandomState` is not).
- `y_true` and `scores` are not modified.
"""

from collections.abc import Callable

import numpy as np


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true,
    scores,
    n_boot: int,
    alpha: float,
    rng: np.random.Generator,
) -> tuple[float, float]:
    # TODO: validate; draw paired resamples from rng, redrawing when the metric raises ValueError or gives NaN, up to 100 * n_boot draws; take the alpha/2 and 1 - alpha/2 quantiles
    raise NotImplementedError
