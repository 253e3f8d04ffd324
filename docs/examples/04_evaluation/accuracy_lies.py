"""Worked example: four metrics, four rankings of the same fraud models.

On the test months (May and June) fraud is 1.89 % of payments, so a "model" that never says
fraud is right 98.1 % of the time. The example scores it next to three real models: lesson 03's
gradient boosting, a logistic regression on the same columns, and a gradient boosting with
8 leaves per tree instead of 31. Each is judged four ways:

- accuracy of `predict`, which cuts the probability at 0.5;
- ROC AUC and average precision (AP), which judge the ranking and need no threshold;
- what the model costs the business over the two test months, at the threshold that cost least
  in April (the validation month): 5 EUR of an analyst's time per alert that is not fraud, and
  the amount of every fraud let through (see cost_threshold.py).

Run: python docs/examples/04_evaluation/accuracy_lies.py (about four seconds)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scored_payments import cheapest_threshold, cost_at, fitted, score, scored, training_rows
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score
from threadpoolctl import threadpool_limits


def main() -> None:
    frame = scored()
    world, X, models = fitted()
    rows, known = training_rows(world)
    few_leaves = clone(models["boosting"]).set_params(max_leaf_nodes=8)
    with threadpool_limits(limits=1):
        few_leaves.fit(X.loc[rows], known)
    never = DummyClassifier(strategy="most_frequent").fit(X.loc[rows], np.zeros(len(rows)))
    # fitted on labels that are all False, it knows one class: its predict_proba has one column
    scores = {
        "never fraud (dummy)": never.predict(X.loc[frame.index]).astype(float),
        "logistic regression": frame["logistic"].to_numpy(),
        "boosting, 8 leaves": score(few_leaves, X.loc[frame.index]),
        "boosting (lesson 03)": frame["boosting"].to_numpy(),
    }
    frame = frame.assign(**scores)
    val, test = frame[frame["period"] == "validation"], frame[frame["period"] == "test"]
    print(f"test: {len(test):,} payments, fraud rate {test['y'].mean():.2%}")
    results = {}
    for name in scores:
        # The threshold is chosen on April's payments, never on the test months'. The dummy
        # keeps its word: no alerts, whatever they would have cost.
        chosen = np.inf if name.startswith("never") else cheapest_threshold(val, name)
        yt, pt = test["y"], test[name]
        results[name] = {
            "accuracy": accuracy_score(yt, pt >= 0.5),
            "ROC AUC": roc_auc_score(yt, pt),
            "AP": average_precision_score(yt, pt),
            "cost (EUR)": cost_at(yt, pt, test["amount_eur"], chosen),
            "accuracy at its threshold": accuracy_score(yt, pt >= chosen),
        }
    table = pd.DataFrame(results).T
    ranks = table.rank(ascending=False, method="min")
    ranks["cost (EUR)"] = table["cost (EUR)"].rank(method="min")
    print("| model | accuracy (rank) | ROC AUC (rank) | AP (rank) | cost, EUR (rank) |")
    print("|---|---:|---:|---:|---:|")
    for name, row in table.iterrows():
        r = ranks.loc[name].astype(int)
        print(
            f"| {name} | {row['accuracy']:.4f} ({r['accuracy']}) | {row['ROC AUC']:.3f} "
            f"({r['ROC AUC']}) | {row['AP']:.3f} ({r['AP']}) | {row['cost (EUR)']:,.0f} "
            f"({r['cost (EUR)']}) |"
        )
    at_threshold = table.loc["boosting (lesson 03)", "accuracy at its threshold"]
    dummy = table.loc["never fraud (dummy)", "accuracy"]
    print(
        f"lesson 03's model at its cheapest threshold: accuracy {at_threshold:.4f}, "
        f"{'below' if at_threshold < dummy else 'above'} the dummy's {dummy:.4f}"
    )


if __name__ == "__main__":
    main()
