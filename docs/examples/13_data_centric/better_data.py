"""Worked example: better data beats a better model.

The same training rows, two models and two sets of labels. The small model is the lesson's fraud
model (100 boosting rounds of 31-leaf trees); the bigger one has three times the rounds of trees
with twice the leaves and no early stopping. Each is trained on the noisy labels and on the true
ones, and every model is scored on the truth of the last 30 % of the window.

Run: python docs/examples/13_data_centric/better_data.py
"""

from __future__ import annotations

import time

from noisy_fraud import load, model
from sklearn.metrics import average_precision_score
from threadpoolctl import threadpool_limits

SMALL = {"max_iter": 100}
BIGGER = {"max_iter": 300, "max_leaf_nodes": 63, "early_stopping": False}


def test_ap(data, params: dict, labels) -> tuple[float, float]:
    """Fit on the training rows with `labels`; average precision on the test rows' truth."""
    start = time.perf_counter()
    fitted = model(**params).fit(data.X.iloc[data.train], labels[data.train])
    score = fitted.predict_proba(data.X.iloc[data.test])[:, 1]
    return average_precision_score(data.truth[data.test], score), time.perf_counter() - start


def main() -> None:
    data = load()
    print("| model | labels | test AP on the truth | fit + score (this run) |")
    print("|---|---|---:|---:|")
    with threadpool_limits(limits=1):  # one thread: the same trees on every machine
        for name, params in (("small", SMALL), ("bigger", BIGGER)):
            for labels_name, labels in (("noisy", data.noisy), ("true", data.truth)):
                ap, seconds = test_ap(data, params, labels)
                print(f"| {name} | {labels_name} | {ap:.3f} | {seconds:.1f} s |")


if __name__ == "__main__":
    main()
