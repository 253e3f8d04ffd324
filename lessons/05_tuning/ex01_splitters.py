"""Exercise 01 · Splitters for iid, grouped and temporal data.

Docs: docs/lessons/05-tuning.md#ex01-splitters (the site: `mkdocs serve`, then Lesson 05)

A cross-validation score is only as honest as its folds. Shuffled folds are right when the rows
are independent draws. Payments are not: one user's payments, or the ten payments of one fraud
episode, look alike, and a model that has seen some of them in training recognises the rest in
the test fold. And a model deployed today only ever scores the future: folds that train on March
to predict February flatter it. Write `make_splitter(kind, n_splits=5, random_state=0, gap=0)`,
which returns the scikit-learn splitter that matches how the data was produced.

Contract:
- `kind="iid"`: `StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)`.
  Rows are shuffled, and every test fold holds (to within one row) the same share of each class.
- `kind="grouped"`: `StratifiedGroupKFold(n_splits=n_splits, shuffle=True,
  random_state=random_state)`. Its `split(X, y, groups)` takes one group label per row (a user,
  a fraud episode) and never puts a group on both sides of a fold: each group's rows are all
  in the same test fold. Within that rule it balances the classes across the folds as far as the
  groups allow.
- `kind="temporal"`: `TimeSeriesSplit(n_splits=n_splits, gap=gap)`, for rows sorted by time (the
  caller sorts them). Every training row comes before every test row, exactly `gap` rows
  between the last training row and the first test row are left out, the test folds follow each
  other in time, and each training part is everything before its gap.
- `random_state` (an int) decides the shuffled folds of "iid" and "grouped": the same seed gives
  the same folds, on every call and from every splitter made with it; another seed gives other
  folds. "temporal" has nothing to shuffle and ignores it; "iid" and "grouped" ignore `gap`.
- The folds are fold for fold those of the scikit-learn class named above with these settings,
  so the checks compare your splitter's `split(...)` with that class's, index for index.
- `n_splits` must be an int of at least 2 and `gap` an int of at least 0, whatever the `kind`;
  anything else, and any `kind` but the three exact names above, raises `ValueError`.
- You return the splitter, not folds: the caller runs `splitter.split(X, y)` (with `groups` for
  "grouped"), or hands the splitter to `cross_val_score(..., cv=splitter)`.
"""

import numbers

from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, TimeSeriesSplit

KINDS = ("iid", "grouped", "temporal")


def make_splitter(kind: str, n_splits: int = 5, random_state: int = 0, gap: int = 0):
    # TODO: validate kind, n_splits and gap; return the matching scikit-learn splitter
    raise NotImplementedError
