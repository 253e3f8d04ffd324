"""Exercise 01 · Anomaly scores.

Docs: docs/lessons/12-applications.md#ex01-anomaly-scores (the site: `mkdocs serve`, then Lesson 12)

Nobody labels anomalies in advance: a detector ranks the payments from most to least unusual, and
an analyst reads the top of the list. Two detectors and the measure that judges them:

Write `robust_zscores(df, by, value) -> pandas.Series`: how far each row's `value` lies from the
centre of its group, in units of the group's spread, measured with statistics that a few absurd
values cannot move (a z-score on the mean and the standard deviation lets one huge outlier
inflate the spread and hide the others: masking).

- `by` is a column name or a list of column names (the groups, as in `df.groupby(by)`); `value`
  the name of a numeric column. Within each group, over its non-missing values: `m` is the
  median and `MAD` the median of `|x - m|`. The score is `(x - m) / (1.4826 * MAD)` (1.4826 makes
  the MAD estimate the standard deviation of a normal distribution, so the score reads like an
  ordinary z-score). It is signed: above the median is positive, below it negative.
- A group whose MAD is 0 (at least half of its values equal its median: a price point, a
  subscription fee) uses the mean absolute deviation around the median instead:
  `(x - m) / (1.253314 * mean(|x - m|))`. A group whose values are all equal (that mean is 0
  too, as in a group of one row) scores 0 on every row. No score is ever infinite.
- A row whose `value` is missing, or whose group key is missing, scores NaN; missing values are
  left out of their group's median and MAD.
- Returns a float64 Series with `df`'s index, in `df`'s row order. `df` is not modified.
- `ValueError` when `by` or `value` names a column that `df` lacks, or when `value`'s column is
  not numeric.

Write `isolation_scores(X, seed) -> numpy.ndarray`: the anomaly score of an isolation forest, which
sees many features together (an ordinary amount at 3 a.m. for a user who never spends that much).

- `X` is a DataFrame or a 2-D array of numeric features, one row per payment. Fit
  `sklearn.ensemble.IsolationForest(random_state=seed)` (every other parameter at its default:
  100 trees) on all of `X`, once, without labels (`fit(X)`: the detector is unsupervised, and
  nothing tells it which rows are anomalies), then score the same rows.
- The score is `-forest.score_samples(X)`: higher means MORE anomalous (scikit-learn's own
  `score_samples` is the opposite), a float64 array of one score per row, in `X`'s order.
- `ValueError` when `X` is a DataFrame with a column named `is_fraud`, `is_anomaly` or `label`: a
  detector that is shown the answer is not a detector. These exact names only: any other column
  (`merchant_fraud_rate`, say) is a feature. `X` is not modified.

Write `precision_at_k(scores, is_anomaly, k) -> float`: the share of true anomalies among the k
rows with the highest scores (the analyst's first k cases).

- `scores` (higher = more anomalous) and `is_anomaly` (booleans, or the numbers 0 and 1) are
  1-D and of the same length, given as arrays, lists or Series; they are matched by position
  (a Series' index is ignored). `k` is an integer (Python or NumPy, not a bool) with
  `1 <= k <= len(scores)`. The result is a Python float: (anomalies in the top k) / k.
- Ties at the k-th score are shared, not broken by row order: when the top k ends inside a
  group of tied scores, the rows of that group that fit in the top k count as that group's share
  of anomalies. With `above` rows scoring strictly more than the k-th highest score, `tied` rows
  scoring exactly it, and `a_above`, `a_tied` the anomalies among them, the result is
  `(a_above + (k - above) * a_tied / tied) / k`: the expected precision when the ties are
  ordered at random.
- `ValueError` when the lengths differ, when `scores` holds a NaN, when `is_anomaly` holds
  anything but booleans or 0 and 1, or when `k` is not an integer between 1 and `len(scores)`
  (a `k` larger than the number of rows is refused, not shortened).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

MAD_SCALE = 1.4826  # 1 / Phi^-1(3/4): the MAD of a normal distribution, as a standard deviation
MEAN_AD_SCALE = 1.253314  # sqrt(pi / 2): the same for the mean absolute deviation
LABEL_COLUMNS = ("is_fraud", "is_anomaly", "label")


def robust_zscores(df: pd.DataFrame, by, value: str) -> pd.Series:
    """(value - group median) / (1.4826 * group MAD), with the mean absolute deviation where the
    MAD is 0 and 0 where the group has no spread at all."""
    # TODO: check the columns; per group, the median and the MAD; handle a MAD of 0
    raise NotImplementedError


def isolation_scores(X, seed: int) -> np.ndarray:
    """-IsolationForest(random_state=seed).fit(X).score_samples(X): higher = more anomalous;
    no labels."""
    # TODO: refuse a label column; fit the forest on X alone; negate score_samples
    raise NotImplementedError


def precision_at_k(scores, is_anomaly, k) -> float:
    """The share of anomalies among the k highest scores, ties at the k-th score shared."""
    # TODO: validate; count the anomalies above the k-th score and share the tied ones
    raise NotImplementedError
