"""Worked example: the selected model's score is optimistic; nested cross-validation is not.

On random labels no model can beat chance: every ROC AUC honestly measured is about 0.5. A grid
search still reports a `best_score_` above it, because it is the *largest* of many noisy
cross-validated means, and the largest of many noisy numbers is biased upwards. Nested
cross-validation puts the whole search inside an outer loop: each outer training fold runs its
own grid search, and the model it picks is scored on the outer test fold, which played no part
in the choice. Its mean sits at chance.

The same searches show how the optimism grows with the number of candidates: the best of the
first candidate, of the first three, of all twelve (the grid's `cv_results_` holds every
candidate's mean, on the same folds).

Run: python docs/examples/05_tuning/nested_cv.py (about four seconds)
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier

GRID = {"max_depth": [1, 2, 3, 5], "min_samples_leaf": [1, 5, 20]}  # 12 candidates
SUBSETS = (1, 3, 12)  # the first candidate; the three stumps (max_depth 1); all twelve


def random_labels(seed: int, n_rows: int = 120, n_columns: int = 10):
    """Noise columns and coin-flip labels, half and half: nothing to learn."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_rows, n_columns)), rng.permutation(np.arange(n_rows) % 2)


def search(seed: int) -> GridSearchCV:
    """A grid search over GRID with 3-fold CV, scored by ROC AUC; not fitted."""
    inner = StratifiedKFold(3, shuffle=True, random_state=seed)
    tree = DecisionTreeClassifier(random_state=0)
    return GridSearchCV(tree, GRID, cv=inner, scoring="roc_auc")


def selected_and_nested(seed: int) -> dict[str, float]:
    """The search's best_score_ on all rows (and with fewer candidates), and its nested score."""
    X, y = random_labels(seed)
    fitted = search(seed).fit(X, y)
    means = fitted.cv_results_["mean_test_score"]  # max_depth varies slowest: 3 stumps first
    result = {f"best of {k}": float(means[:k].max()) for k in SUBSETS}
    outer = StratifiedKFold(3, shuffle=True, random_state=seed + 1_000)
    nested = cross_val_score(search(seed), X, y, cv=outer, scoring="roc_auc")  # a search per fold
    result["nested"] = float(nested.mean())
    return result


def main() -> None:
    seeds = range(5)
    n_candidates = len(GRID["max_depth"]) * len(GRID["min_samples_leaf"])
    print(f"random labels: 120 rows, 10 noise columns; a decision tree, {n_candidates} candidates")
    print("| seed | best_score_ (chosen and scored on the same folds) | nested CV |")
    print("|---:|---:|---:|")
    runs = [selected_and_nested(seed) for seed in seeds]
    for seed, run in zip(seeds, runs, strict=True):
        print(f"| {seed} | {run['best of 12']:.3f} | {run['nested']:.3f} |")
    mean = {key: np.mean([run[key] for run in runs]) for key in runs[0]}
    print(f"| mean | {mean['best of 12']:.3f} | {mean['nested']:.3f} |")
    above = sum(run["best of 12"] > run["nested"] for run in runs)
    print(f"best_score_ above the nested score in {above} of {len(runs)} seeds")
    print(
        "best_score_ by the number of candidates, mean of 5 seeds: "
        + ", ".join(f"{k}: {mean[f'best of {k}']:.3f}" for k in SUBSETS)
    )


if __name__ == "__main__":
    main()
