"""Worked example: Optuna's MedianPruner, fed the running cross-validation score after each fold.

A trial cross-validates one setting of the fraud model fold by fold (4 folds grouped by user, the
small world). After each fold it reports the mean average precision so far with
`trial.report(value, step)` and asks `trial.should_prune()`; the `MedianPruner` answers yes when
that running mean is below the median of what the earlier trials reported at the same fold. A
pruned trial stops there, its remaining folds never fitted.

The study runs three times on the same ten candidates (a seeded `RandomSampler` draws the same
parameters whatever the scores): without pruning, with the pruner, and with
the pruner told to wait for two folds (`n_warmup_steps=1`). The unpruned run says what every
pruned trial would have scored. The model is deterministic, so a fold that two studies both ask
for scores the same in both: the example computes it once (`fold_ap` is cached) and counts, for
each study, the folds it asked for.

Run: python docs/examples/05_tuning/pruning.py (about four seconds)
"""

from __future__ import annotations

from functools import cache

import numpy as np
import optuna
from fraud_model import COLUMNS, booster, load
from search_strategies import space
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedGroupKFold
from threadpoolctl import threadpool_limits

optuna.logging.set_verbosity(optuna.logging.WARNING)
N_TRIALS, N_FOLDS = 10, 4


@cache
def fraud_folds():
    """The small world's rows and 4 folds grouped by user."""
    data = load("small")
    X, y = data.X[COLUMNS], data.y
    folds = StratifiedGroupKFold(N_FOLDS, shuffle=True, random_state=0).split(X, y, data.user)
    return X, y, list(folds)


@cache
def fold_ap(learning_rate: float, l2_regularization: float, fold: int) -> float:
    """Average precision on one fold of the model fitted on the other three."""
    X, y, folds = fraud_folds()
    train, test = folds[fold]
    params = {"learning_rate": learning_rate, "l2_regularization": l2_regularization}
    model = booster(**params).fit(X.iloc[train], y.iloc[train])
    return average_precision_score(y.iloc[test], model.predict_proba(X.iloc[test])[:, 1])


def run_study(pruner: optuna.pruners.BasePruner) -> tuple[optuna.Study, int]:
    """(the study, the number of folds it fitted) for 10 random candidates, one report per fold."""
    fitted = 0

    def fold_by_fold(trial: optuna.Trial) -> float:
        nonlocal fitted
        params, fold_aps = space(trial), []
        for fold in range(N_FOLDS):
            fold_aps.append(fold_ap(params["learning_rate"], params["l2_regularization"], fold))
            fitted += 1
            running = float(np.mean(fold_aps))
            trial.report(running, fold)  # one value per fold: the mean so far
            if trial.should_prune():
                raise optuna.TrialPruned()
        return running

    random = optuna.samplers.RandomSampler(seed=0)
    study = optuna.create_study(pruner=pruner, sampler=random, direction="maximize")
    study.optimize(fold_by_fold, n_trials=N_TRIALS)
    return study, fitted


def main() -> None:
    runs = {}
    for name, pruner in (
        ("no pruning", optuna.pruners.NopPruner()),
        ("MedianPruner", optuna.pruners.MedianPruner(n_startup_trials=3)),
        ("MedianPruner, 1 warm-up fold", optuna.pruners.MedianPruner(3, n_warmup_steps=1)),
    ):
        with threadpool_limits(limits=1):
            runs[name] = run_study(pruner)
    print("trials are numbered from 1, in the order the sampler drew them")
    print("| study | folds fitted | trials pruned | best trial | best CV AP |")
    print("|---|---:|---:|---:|---:|")
    for name, (study, fitted) in runs.items():
        pruned = study.get_trials(states=(optuna.trial.TrialState.PRUNED,))
        print(
            f"| {name} | {fitted} of {N_TRIALS * N_FOLDS} | {len(pruned)} | "
            f"{study.best_trial.number + 1} | {study.best_value:.3f} |"
        )
    full = {t.number: t.value for t in runs["no pruning"][0].trials}
    ranks = {
        number: rank for rank, number in enumerate(sorted(full, key=full.get, reverse=True), 1)
    }
    print("| study | pruned trial | after fold | running AP then | its full CV AP | its rank |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ("MedianPruner", "MedianPruner, 1 warm-up fold"):
        for trial in runs[name][0].get_trials(states=(optuna.trial.TrialState.PRUNED,)):
            fold = max(trial.intermediate_values)
            print(
                f"| {name} | {trial.number + 1} | {fold + 1} | "
                f"{trial.intermediate_values[fold]:.3f} | "
                f"{full[trial.number]:.3f} | {ranks[trial.number]} of {N_TRIALS} |"
            )


if __name__ == "__main__":
    main()
