"""Exercise 05 · Find the columns that leak the label.

Docs: docs/lessons/03-feature-engineering.md#ex05-find-leaky-columns (the site: `mkdocs serve`, then Lesson 03)

Write `find_leaky_columns(df, target, event_time, threshold=0.99)`: the names of the columns of
`df` that cannot be honest features, in the order they appear in `df`.

A leaky column holds information that only exists after the moment of prediction: a chargeback
date, a refund amount, a "case closed" flag. Two symptoms give most of them away, and this
function tests both on every column other than `target` and `event_time`:

1. **A timestamp from the future.** A datetime column with at least one value *later* than the
   row's `event_time` was filled in after the event. (Equal to the event time is fine.)
2. **A near-perfect single-column predictor.** Score the column alone against the binary
   `target` with ROC AUC, direction ignored: `max(auc, 1 - auc)`. Two scores, each computed only
   when the target has both classes among the rows it uses:
   - its *missingness*: `df[col].isna()` as the score, when some but not all values are missing
     (a value recorded only for one class is a leak even if the value itself is noise);
   - its *values*, for numeric and boolean columns: the values as the score, over the rows where
     the column is present.
   The column is leaky when either score is at least `threshold`. (0.99: in the course's data,
   `amount` alone scores 0.739 on `sample("small", 0)` and an honest feature can reach 0.9 or
   more; a blatant leak reaches 1.0. A partial leak scores lower: rule 1 and your knowledge of
   when each value is written catch what this rule misses.)

Contract:
- `target` is a boolean or 0/1 column; `event_time` a datetime column (time zones as in `df`'s
  other datetime columns). Neither is ever returned.
- Text and categorical columns are scored by their missingness only; datetime columns by rule 1
  and their missingness.
- A constant column, or one missing everywhere, scores nothing and is not leaky.
- `df` is not modified. A missing `target` or `event_time` column raises `KeyError`.
"""

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score


def find_leaky_columns(
    df: pd.DataFrame, target: str, event_time: str, threshold: float = 0.99
) -> list[str]:
    # BEGIN SOLUTION: for every other column: datetime values after the event time, or a missingness / value AUC >= threshold
    y = df[target].astype(int).to_numpy()
    event = df[event_time]

    def separation(score: np.ndarray, labels: np.ndarray) -> float:
        if len(np.unique(labels)) < 2 or len(np.unique(score)) < 2:
            return 0.5  # nothing to separate: no evidence of a leak
        auc = roc_auc_score(labels, score)
        return max(auc, 1.0 - auc)

    leaky = []
    for col in df.columns:
        if col in (target, event_time):
            continue
        values = df[col]
        present = values.notna().to_numpy()
        if pd.api.types.is_datetime64_any_dtype(values) and (values > event).any():
            leaky.append(col)
            continue
        if separation(~present, y) >= threshold:
            leaky.append(col)
            continue
        is_number = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
        if is_number and present.any():
            numbers = values[present].astype(np.float64).to_numpy()
            if separation(numbers, y[present]) >= threshold:
                leaky.append(col)
    return leaky
    # END SOLUTION
