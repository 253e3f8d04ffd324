"""Worked example: distillation on the data world, measured against the plain alternative.

The student is a small gradient-boosting regressor (50 trees of at most 8 leaves). Trained on
the labels, its target is 0 or 1; distilled, its target is a teacher's score. Everything else is
the same: the rows, the seed, the test (`fraud_data.split()`: trained on the payments before
1 April with the labels known then, tested from 1 May with the final labels).

The teacher's score of a training row must come from trees that never saw that row: a forest
of 300 trees nearly memorises its training rows. Here the forest's out-of-bag scores give that
for free (each tree is trained on a bootstrap sample, and a row is scored only by the trees
whose sample missed it: `oob_score=True`, then `oob_decision_function_`). The exercise uses
out-of-fold scores instead, which work for any teacher.

Four students, each compared with the student trained on the labels:

1. distilled from the forest, on the teacher's scores alone;
2. the same, half label and half score;
3. the same plus April's payments, as a model retrained on 1 May would have them: their
   chargebacks have not arrived, so they have no label, and the forest scores them (the older
   rows keep the labels known on 1 April, so that only one thing changes);
4. distilled from a teacher that sees more: gradient boosting on the seven features AND seven
   features of each user's past payments (`past_window_features` of the data-world page), which
   the lesson-08 service cannot compute. Its scores on the training rows are out-of-fold.

A difference in ROC AUC comes with a 90 % interval from 200 paired bootstrap resamples of the
test payments (both students scored on the same resample). Resampling payments ignores that
frauds come in episodes, so the real uncertainty is somewhat wider.

Run: python docs/examples/11_optimization/distillation.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from fraud_data import TEST_START, TRAIN_END, big_forest, split
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import cross_val_predict
from threadpoolctl import threadpool_limits

import coursedata

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "coursedata"))
from fraud_baseline import past_window_features  # noqa: E402  (docs/examples/coursedata)

from coursekit.serving_model import to_features  # noqa: E402


def student() -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(
        max_iter=50, max_leaf_nodes=8, early_stopping=False, random_state=0
    )


def auc_with_weights(codes: np.ndarray, n_levels: int, y: np.ndarray, w: np.ndarray) -> float:
    """ROC AUC of scores given as ranks `codes` (ties share a code), each row counted w times."""
    pos = np.bincount(codes, weights=w * y, minlength=n_levels)
    neg = np.bincount(codes, weights=w * (1 - y), minlength=n_levels)
    below = np.cumsum(neg) - neg  # negatives scored strictly lower
    return float((pos * (below + 0.5 * neg)).sum() / (pos.sum() * neg.sum()))


def paired_interval(a: np.ndarray, b: np.ndarray, y: np.ndarray, n: int = 200) -> np.ndarray:
    """5th and 95th percentiles of AUC(a) - AUC(b) over n bootstrap resamples of the rows."""
    rng = np.random.default_rng(0)
    ranks = [np.unique(s, return_inverse=True) for s in (a, b)]
    diffs = []
    for _ in range(n):
        w = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y)).astype(np.float64)
        aucs = [auc_with_weights(codes, len(levels), y, w) for levels, codes in ranks]
        diffs.append(aucs[0] - aucs[1])
    return np.percentile(diffs, [5, 95])


def main() -> None:
    data = split()
    y_test = data.y_test
    with threadpool_limits(limits=1):
        forest = big_forest(oob_score=True).fit(data.X_train, data.y_train)
        oob = forest.oob_decision_function_[:, 1]  # each row scored by trees that missed it

        # A model retrained on 1 May has April's payments too, but not their chargebacks: the
        # forest scores them, and the student learns from them without a label.
        world = coursedata.sample("medium")
        tx = world.transactions
        april = tx[(tx["timestamp"] >= TRAIN_END) & (tx["timestamp"] < TEST_START)]
        X_april = to_features(april.to_dict("records")).to_numpy(dtype=np.float32)

        history = past_window_features(tx, world.users).drop(columns=["hour"]).astype(float)
        H_train = history.loc[data.train.index].to_numpy(dtype=np.float32)
        H_test = history.loc[data.test.index].to_numpy(dtype=np.float32)
        rich_train = np.hstack([data.X_train, H_train])
        rich = HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0)
        rich_oof = cross_val_predict(rich, rich_train, data.y_train, cv=3, method="predict_proba")
        rich.fit(rich_train, data.y_train)

        teachers = {
            "forest (teacher)": forest.predict_proba(data.X_test)[:, 1],
            "rich teacher": rich.predict_proba(np.hstack([data.X_test, H_test]))[:, 1],
        }
        y = data.y_train.astype(np.float64)
        X_more = np.vstack([data.X_train, X_april])
        targets = {
            "labels": (data.X_train, y),
            "forest's scores": (data.X_train, oob),
            "half label, half score": (data.X_train, 0.5 * y + 0.5 * oob),
            "+ April, scored": (X_more, np.concatenate([oob, forest.predict_proba(X_april)[:, 1]])),
            "rich teacher's scores": (data.X_train, rich_oof[:, 1]),
        }
        scores = {
            name: student().fit(X, target).predict(data.X_test)
            for name, (X, target) in targets.items()
        }

    print(f"test: {len(y_test):,} payments, {y_test.sum()} fraud")
    print("| model | trained on | ROC AUC | AP | AUC - labels' AUC [90% interval] |")
    print("|---|---|---:|---:|---|")
    base = scores["labels"]
    for name, s in {**teachers, **scores}.items():
        kind = "teacher" if name in teachers else "student"
        target = "labels" if kind == "teacher" else name
        auc, ap = roc_auc_score(y_test, s), average_precision_score(y_test, s)
        if kind == "student" and name != "labels":
            lo, hi = paired_interval(s, base, y_test)
            diff = f"{auc - roc_auc_score(y_test, base):+.3f} [{lo:+.3f}, {hi:+.3f}]"
        else:
            diff = ""
        label = name if kind == "teacher" else "student"
        print(f"| {label} | {target} | {auc:.3f} | {ap:.3f} | {diff} |")
    print(f"April's payments added unlabelled: {len(X_april):,}")


if __name__ == "__main__":
    main()
