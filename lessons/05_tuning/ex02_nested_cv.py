"""Exercise 02 · Nested cross-validation.

Docs: docs/lessons/05-tuning.md#ex02-nested-cv (the site: `mkdocs serve`, then Lesson 05)

`GridSearchCV(...).best_score_` is the cross-validated score of the candidate that did best on
those very folds: the best of several noisy estimates, so it is biased upward, and the more
candidates, the more. It chose the hyperparameters; it cannot also tell you how well the chosen
model does. On labels drawn at random (nothing to learn) a grid of decision trees reports a
`best_score_` well above 0.5, while the honest estimate is a coin's 0.5.

Nested cross-validation keeps the two jobs apart. The *outer* folds only measure; inside each
outer training part, an *inner* grid search does all the choosing. The outer test rows play no
part in choosing, so their score is one you can defend. Write
`nested_cv_score(estimator, param_grid, X, y, inner_cv, outer_cv, scoring)`.

Contract:
- The outer folds are `outer_cv`'s: `outer_cv.split(X, y)` when it is a splitter; an int `k`
  means what scikit-learn makes of it (`check_cv(k, y, classifier=is_classifier(estimator))`):
  `StratifiedKFold(k)` for a classifier with binary or multiclass `y`, `KFold(k)` otherwise,
  neither shuffled.
- For each outer fold, in order: a fresh `GridSearchCV(clone(estimator), param_grid,
  scoring=scoring, cv=inner_cv)` (every other setting at its default, so `refit=True`) is fitted
  on that fold's training rows, and only on them; its refitted best model is scored with
  `scoring` on the fold's test rows (`search.score(X_test, y_test)`). The test rows of an outer
  fold never reach its search: not to fit a candidate, not to choose one.
- `inner_cv` is whatever `GridSearchCV` accepts as `cv` (an int or a splitter); it splits each
  outer training part.
- `scoring` is a scorer name (`"accuracy"`, `"roc_auc"`, `"neg_mean_squared_error"`, ...) or a
  callable `scorer(estimator, X, y) -> float`; greater is better. The same scoring chooses the
  candidate (inner) and measures it (outer).
- Returns a dict with exactly three keys:
  `"outer_scores"`: a list of Python floats, one per outer fold, in the order of the folds;
  `"mean"`: their mean, a float, the number to report;
  `"best_params"`: a list of dicts, one per outer fold, each the `best_params_` of that fold's
  search (the folds may disagree: that spread is worth reading too).
  Not `best_score_`: that is the inner, optimistic number.
- `estimator` is a template: it is cloned, never fitted or changed itself.
- `X` is a 2-D NumPy array and `y` a 1-D one; a different number of rows in `X` and `y` raises
  `ValueError`.
"""

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV, check_cv


def nested_cv_score(estimator, param_grid, X, y, inner_cv, outer_cv, scoring) -> dict:
    X, y = np.asarray(X), np.asarray(y)
    # TODO: for each outer fold, grid-search on its training rows only, then score the refitted best model on its test rows
    raise NotImplementedError
