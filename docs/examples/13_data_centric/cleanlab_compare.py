"""Worked example: exercise 01's confident learning beside cleanlab's, on the same probabilities.

The out-of-fold probabilities are those of `confident_learning.py` (the small model, 5 shuffled
stratified folds, seed 0). cleanlab's `find_label_issues` runs each of its filters on them, and
exercise 01's reference (`solutions/13_data_centric/`, the rule its contract states) runs beside
them; the reference also runs on in-sample probabilities (the same model fitted on all the
training rows), to show what it finds when they are misused. For each set of flagged rows: how
many, how many of them are wrong labels (the data world planted them, so the example knows), and
the test AP of the small model retrained without them.

cleanlab has one step exercise 01 does not: after pruning, it never flags a row whose most
probable class is its given label. The example applies that step to the reference's rows and
compares the result with cleanlab's default, row for row.

cleanlab is in the course's `dev` extra for this example only (it is AGPL-3.0; neither the grader
nor any exercise imports it).

Run: python docs/examples/13_data_centric/cleanlab_compare.py
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from cleanlab.filter import find_label_issues as cleanlab_issues
from noisy_fraud import load, model
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

SMALL = {"max_iter": 100}
FILTERS = ("prune_by_noise_rate", "prune_by_class", "both", "confident_learning")
_REFERENCE = (
    Path(__file__).resolve().parents[3] / "solutions" / "13_data_centric" / "ex01_label_issues.py"
)


def reference_issues(labels: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Exercise 01's reference `find_label_issues`, loaded from its file."""
    spec = importlib.util.spec_from_file_location("ex01_reference", _REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.find_label_issues(labels, proba)


def retrained_ap(data, labels: np.ndarray, flagged: np.ndarray) -> float:
    """The small model fitted on the training rows without `flagged`; test AP on the truth."""
    keep = np.setdiff1d(np.arange(len(labels)), flagged)
    fitted = model(**SMALL).fit(data.X.iloc[data.train].iloc[keep], labels[keep])
    return average_precision_score(
        data.truth[data.test], fitted.predict_proba(data.X.iloc[data.test])[:, 1]
    )


def main() -> None:
    data = load()
    X, y = data.X.iloc[data.train], data.noisy[data.train].astype(int)
    wrong = y != data.truth[data.train]
    with threadpool_limits(limits=1):
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        proba = cross_val_predict(model(**SMALL), X, y, cv=folds, method="predict_proba")
        in_sample = model(**SMALL).fit(X, y).predict_proba(X)
        flagged = {
            "exercise 01 on in-sample probabilities (wrong)": reference_issues(y, in_sample),
            "exercise 01 (reference)": reference_issues(y, proba),
        }
        for name in FILTERS:
            mask = cleanlab_issues(y, proba, filter_by=name, n_jobs=1)
            flagged[f'cleanlab, filter_by="{name}"'] = np.flatnonzero(mask)
        print(f"{int(wrong.sum())} wrong labels among {len(y):,} training rows")
        print("| flagged by | rows | wrong labels among them | test AP retrained without them |")
        print("|---|---:|---:|---:|")
        print(f"| nothing | 0 | 0 | {retrained_ap(data, y, np.array([], dtype=int)):.3f} |")
        for name, rows in flagged.items():
            print(
                f"| {name} | {len(rows)} | {int(wrong[rows].sum())} | "
                f"{retrained_ap(data, y, rows):.3f} |"
            )

    ours = flagged["exercise 01 (reference)"]
    default = flagged['cleanlab, filter_by="prune_by_noise_rate"']
    agrees = ours[proba[ours].argmax(axis=1) == y[ours]]
    without = np.setdiff1d(ours, agrees)
    print(
        f"exercise 01 flags {len(agrees)} rows whose most probable class is their own label "
        f"({int(wrong[agrees].sum())} of them wrong); without them it flags {len(without)} rows, "
        f"the same rows as cleanlab's default: {np.array_equal(without, default)}"
    )


if __name__ == "__main__":
    main()
