"""Worked example: grid, random and TPE search with Optuna, on the same budget.

The fraud model's learning rate and L2 regularisation are tuned on the small world by 3-fold
cross-validation grouped by user (average precision). Three Optuna samplers get nine trials each:

- `GridSampler`: a 3 x 3 grid, evenly spaced on a log scale;
- `RandomSampler`: nine independent draws, log-uniform in both parameters;
- `TPESampler`: four random draws (`n_startup_trials=4`), then each trial drawn where the good
  trials so far cluster.

Every sampler is seeded and the model is deterministic, so the script prints the same trials on
every run. Two small demonstrations follow: how many draws land below 0.05 on a linear and on a
log scale, and what a seed does to the first draws.

Run: python docs/examples/05_tuning/search_strategies.py (about five seconds)
"""

from __future__ import annotations

from functools import cache

import numpy as np
import optuna
from fraud_model import COLUMNS, booster, load
from sklearn.model_selection import StratifiedGroupKFold, cross_val_score
from threadpoolctl import threadpool_limits

optuna.logging.set_verbosity(optuna.logging.WARNING)  # one line per trial is too chatty

GRID = {"learning_rate": [0.01, 0.05, 0.25], "l2_regularization": [0.001, 0.1, 10.0]}
N_TRIALS = 9


def space(trial: optuna.Trial) -> dict[str, float]:
    """Both parameters on a log scale: 0.01 to 0.1 is as wide a step as 0.1 to 1."""
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.005, 0.5, log=True),
        "l2_regularization": trial.suggest_float("l2_regularization", 1e-4, 10.0, log=True),
    }


@cache
def fraud_rows(seed: int = 0):
    """The small world's payments: (X, y, user of each row)."""
    data = load("small", seed)
    return data.X[COLUMNS], data.y, data.user


def run_search(sampler: optuna.samplers.BaseSampler, n_trials: int = N_TRIALS) -> optuna.Study:
    """An in-memory study maximising the grouped 3-fold CV average precision."""
    X, y, users = fraud_rows()
    folds = StratifiedGroupKFold(3, shuffle=True, random_state=0)

    def cv_ap(trial: optuna.Trial) -> float:
        model = booster(**space(trial))
        return cross_val_score(
            model, X, y, groups=users, cv=folds, scoring="average_precision"
        ).mean()

    study = optuna.create_study(sampler=sampler, direction="maximize")  # in memory
    with threadpool_limits(limits=1):
        study.optimize(cv_ap, n_trials=n_trials)
    return study


def saturated(learning_rate: float, l2_regularization: float) -> float:
    """Share of predicted probabilities that are exactly 0 or 1, fitted and predicted on the
    first and the last half of the payments: ties that no ranking metric can split."""
    X, y, _ = fraud_rows()
    half = len(X) // 2
    with threadpool_limits(limits=1):
        model = booster(learning_rate=learning_rate, l2_regularization=l2_regularization)
        p = model.fit(X.iloc[:half], y.iloc[:half]).predict_proba(X.iloc[half:])[:, 1]
    return float(np.isin(p, (0.0, 1.0)).mean())


def samplers() -> dict[str, optuna.samplers.BaseSampler]:
    return {
        "grid": optuna.samplers.GridSampler(GRID, seed=0),
        "random": optuna.samplers.RandomSampler(seed=0),
        "TPE": optuna.samplers.TPESampler(seed=0, n_startup_trials=4),
    }


def main() -> None:
    X, y, _ = fraud_rows()
    print(f"{len(X):,} payments, {y.sum()} frauds; 3-fold CV by user; {N_TRIALS} trials each")
    print("| search | best CV AP | at trial | learning rate | l2 | rates tried | AP below 0.2 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, sampler in samplers().items():
        study = run_search(sampler)
        best = study.best_trial
        rates = len({t.params["learning_rate"] for t in study.trials})
        collapsed = [t for t in study.trials if t.value < 0.2]
        print(
            f"| {name} | {best.value:.3f} | {best.number + 1} | "
            f"{best.params['learning_rate']:.3f} | {best.params['l2_regularization']:.3g} | "
            f"{rates} | {len(collapsed)} |"
        )
        for t in collapsed:
            lr, l2 = t.params["learning_rate"], t.params["l2_regularization"]
            print(
                f"  {name}, trial {t.number + 1}: learning rate {lr:.3f}, l2 {l2:.2g}: AP "
                f"{t.value:.3f}; probabilities exactly 0 or 1: {saturated(lr, l2):.0%} "
                f"(with l2 1.0: {saturated(lr, 1.0):.0%})"
            )
    rng = np.random.default_rng(0)
    linear = rng.uniform(0.005, 0.5, 10_000)
    log = np.exp(rng.uniform(np.log(0.005), np.log(0.5), 10_000))
    print(
        f"learning rates below 0.05 among 10,000 draws from [0.005, 0.5]: "
        f"linear scale {(linear < 0.05).mean():.0%}, log scale {(log < 0.05).mean():.0%}"
    )
    for seed in (0, 0, None):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        first = [space(study.ask())["learning_rate"] for _ in range(3)]
        print(
            f"TPESampler(seed={seed}), first three learning rates: "
            + ", ".join(f"{r:.4f}" for r in first)
        )


if __name__ == "__main__":
    main()
