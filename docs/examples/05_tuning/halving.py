"""Worked example: successive halving with scikit-learn's HalvingRandomSearchCV, and a full search.

Nine candidate settings of the fraud model (learning rate and L2 regularisation, drawn
log-uniformly) are cross-validated two ways on the small world, 3 folds grouped by user:

- `RandomizedSearchCV`: every candidate gets the full budget, 54 boosting rounds, on every fold;
- `HalvingRandomSearchCV` with the boosting rounds as the resource and a factor of 3: all nine
  candidates get 6 rounds, the best third 18, the best of those 54.

The same `random_state` draws the same nine candidates in both, so the example can look up how
the full search scored the candidate that halving kept. The schedule is read from the fitted
search's `n_resources_` and `n_candidates_`.

Run: python docs/examples/05_tuning/halving.py (about five seconds)
"""

from __future__ import annotations

import time

import numpy as np
from fraud_model import COLUMNS, booster, load
from scipy.stats import loguniform
from sklearn.experimental import enable_halving_search_cv  # noqa: F401  (still experimental)
from sklearn.model_selection import (
    HalvingRandomSearchCV,
    RandomizedSearchCV,
    StratifiedGroupKFold,
)
from threadpoolctl import threadpool_limits

DISTRIBUTIONS = {
    "learning_rate": loguniform(0.005, 0.5),
    "l2_regularization": loguniform(1e-4, 10.0),
}
ROUNDS, FACTOR, N_CANDIDATES = 54, 3, 9


def searches() -> dict:
    """The two searches, unfitted; the same seed draws the same candidates."""
    folds = StratifiedGroupKFold(3, shuffle=True, random_state=0)
    common = {"cv": folds, "scoring": "average_precision", "random_state": 0, "refit": False}
    full = RandomizedSearchCV(
        booster(max_iter=ROUNDS), DISTRIBUTIONS, n_iter=N_CANDIDATES, **common
    )
    halving = HalvingRandomSearchCV(
        booster(),
        DISTRIBUTIONS,
        n_candidates=N_CANDIDATES,
        resource="max_iter",
        min_resources=ROUNDS // FACTOR**2,
        max_resources=ROUNDS,
        factor=FACTOR,
        return_train_score=False,  # the default, True, scores the training folds too
        **common,
    )
    return {"full": full, "halving": halving}


def key(params: dict) -> tuple[float, float]:
    """A candidate's identity, whatever budget it was fitted with."""
    return params["learning_rate"], params["l2_regularization"]


def rounds_fitted(search) -> int:
    """Boosting rounds fitted over all candidates and folds: the budget spent."""
    n_folds = search.n_splits_
    if isinstance(search, HalvingRandomSearchCV):
        return int(np.dot(search.n_resources_, search.n_candidates_) * n_folds)
    return len(search.cv_results_["params"]) * n_folds * ROUNDS


def main() -> None:
    data = load("small")
    X, y = data.X[COLUMNS], data.y
    fitted, seconds = {}, {}
    with threadpool_limits(limits=1):
        for name, search in searches().items():
            start = time.perf_counter()
            fitted[name] = search.fit(X, y, groups=data.user)
            seconds[name] = time.perf_counter() - start
    halving, full = fitted["halving"], fitted["full"]
    for rung, (rounds, n) in enumerate(
        zip(halving.n_resources_, halving.n_candidates_, strict=True)
    ):
        print(f"rung {rung}: {n} x {rounds} rounds x 3 folds = {3 * n} fits")
    full_ap = dict(
        zip(map(key, full.cv_results_["params"]), full.cv_results_["mean_test_score"], strict=True)
    )
    print("| search | fits | rounds fitted | kept | its full-budget CV AP |")
    print("|---|---:|---:|---|---:|")
    for name, search in fitted.items():
        best = search.best_params_
        fits = len(search.cv_results_["params"]) * search.n_splits_
        label = f"lr {best['learning_rate']:.3f}, l2 {best['l2_regularization']:.2g}"
        print(
            f"| {name} | {fits} | {rounds_fitted(search):,} | {label} | {full_ap[key(best)]:.3f} |"
        )
    print("seconds: " + ", ".join(f"{name} {s:.1f}" for name, s in seconds.items()))
    print("| learning rate | l2 | CV AP after 6 rounds (rung 0) | CV AP after 54 rounds (full) |")
    print("|---:|---:|---:|---:|")
    results = halving.cv_results_
    rows = zip(results["params"], results["mean_test_score"], results["iter"], strict=True)
    rung0 = [(p, s) for p, s, rung in rows if rung == 0]
    rung0.sort(key=lambda pair: pair[0]["learning_rate"])
    for params, score in rung0:
        print(
            f"| {params['learning_rate']:.3f} | {params['l2_regularization']:.2g} | {score:.3f} | "
            f"{full_ap[key(params)]:.3f} |"
        )


if __name__ == "__main__":
    main()
