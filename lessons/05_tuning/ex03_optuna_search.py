"""Exercise 03 · A seeded Optuna search.

Docs: docs/lessons/05-tuning.md#ex03-optuna-search (the site: `mkdocs serve`, then Lesson 05)

Write `search_space(trial)`, the hyperparameters Optuna may try for a
`HistGradientBoostingClassifier`, and `tune(X, y, n_trials, seed, cv)`, a reproducible search
that scores every trial on validation folds, stops hopeless trials early, and never runs more
trials than its budget.

A search reports the best of many noisy scores, so it must at least be honest and repeatable:
scored on rows the model did not train on (a training-set score rewards the trial that memorises
best), on a budget that is really kept, and seeded, so that a colleague who runs it again gets
the same trials.

`search_space(trial)` contract:
- Asks `trial` for four values, in this order, and returns them as a dict of exactly these four
  keys (keyword arguments of `HistGradientBoostingClassifier`):
  1. `"learning_rate"`: `trial.suggest_float` between 0.01 and 0.3, on a log scale (`log=True`);
  2. `"l2_regularization"`: `trial.suggest_float` between 1e-6 and 10.0, on a log scale;
  3. `"max_leaf_nodes"`: `trial.suggest_int` between 8 and 64 (a whole number, linear scale);
  4. `"min_samples_leaf"`: `trial.suggest_int` between 5 and 50 (a whole number, linear scale).
  Both ends of each range are included. Each value is returned as the trial gives it.
- Log scale, because 0.01 to 0.03 matters as much as 0.1 to 0.3: on a linear scale nine draws in
  ten land above 0.04 and the small learning rates are hardly ever tried.
- The order matters: the sampler draws the values in the order they are asked for, so another
  order gives other trials for the same seed.

`tune(X, y, n_trials, seed, cv)` contract:
- `X` is a 2-D array of numbers, `y` its labels: exactly two distinct values, the larger one the
  positive class (0/1, for example).
- The folds: an int `cv` means `StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)`;
  anything else is a scikit-learn splitter (it has `split(X, y)`) used as given. The folds are
  drawn once, before the first trial, and every trial uses the same folds.
- Each trial takes `params = search_space(trial)` (once, first), then for each fold k = 0, 1, ...
  in the splitter's order: fits `HistGradientBoostingClassifier(**params, max_iter=10,
  random_state=seed)` on the fold's training rows only, and scores it by ROC AUC on the fold's
  validation rows only (`roc_auc_score(y_val, model.predict_proba(X_val)[:, 1])`), never on rows
  it trained on. Then it reports the mean of the validation scores of folds 0..k so far,
  `trial.report(that_mean, step=k)`, and asks `trial.should_prune()`: if so, it raises
  `optuna.TrialPruned()` (this is done after every fold, the last one included).
  A finished trial's value is the mean of its fold scores (its last reported value).
- The study: `optuna.create_study(direction="maximize", sampler=TPESampler(seed=seed),
  pruner=MedianPruner(n_startup_trials=2, n_warmup_steps=1))`, in memory (no storage), then
  `study.optimize(objective, n_trials=n_trials)`.
- The budget: exactly `n_trials` trials run, pruned ones included; never more. Each trial fits one
  model per fold it reaches, and nothing else is fitted (no refit of the best parameters on all
  rows: the caller does that).
- Returns `(best_params, best_score, study)`: `study.best_params` (a dict of the four
  hyperparameters), `study.best_value` as a Python float (the best finished trial's mean
  validation ROC AUC) and the study itself.
- The same arguments give the same study: the same trials, in the same order, with the same
  parameters, values and states. All randomness comes from `seed`.
- `n_trials` below 1, an int `cv` below 2, an `X` that is not 2-D, `X` and `y` with different
  numbers of rows, or a `y` without exactly two distinct labels raise `ValueError`, before any
  trial runs.
"""

import numbers

import numpy as np
import optuna
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial

MAX_ITER = 10  # boosting rounds per model, fixed to keep the search fast


def search_space(trial: optuna.Trial) -> dict:
    # TODO: suggest the four hyperparameters in order (log scale for the two floats) and return them as a dict
    raise NotImplementedError


def tune(X: np.ndarray, y: np.ndarray, n_trials: int, seed: int, cv) -> tuple:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    # TODO: validate; draw the folds once; an objective that reports the running mean validation AUC per fold and prunes; a seeded TPE study of n_trials trials
    raise NotImplementedError
