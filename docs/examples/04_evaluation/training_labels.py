"""Worked example: which labels a model learns from, and which labels it is judged by.

A fraud label is a chargeback, and chargebacks arrive weeks late. Two moments matter:

- **training**: a model trained on 1 April can only learn from the chargebacks that had arrived
  by then (`coursedata.labels_as_of(world, "2025-04-01")`); `is_fraud`, the label as finally
  known, holds chargebacks from the future, and an offline evaluation that trains on it
  measures a model nobody could have trained;
- **evaluation**: the test months must be scored on their final labels. Scored the day they
  end, their last weeks' frauds still look legitimate; the example scores them again as the
  chargebacks come in, 14, 30 and 60 days later.

Run: python docs/examples/04_evaluation/training_labels.py (about four seconds)
"""

from __future__ import annotations

import pandas as pd
from scored_payments import fitted, models, score, scored, training_rows
from sklearn.metrics import average_precision_score, roc_auc_score
from threadpoolctl import threadpool_limits

import coursedata


def main() -> None:
    world, X, fitted_models = fitted()
    frame = scored()
    test = frame[frame["period"] == "test"]
    rows, known = training_rows(world)
    final = world.transactions.loc[rows, "is_fraud"]
    print(f"training rows: {known.sum()} frauds known on 1 April, {final.sum()} in the end")

    from_the_future = models()["boosting"]
    with threadpool_limits(limits=1):
        from_the_future.fit(X.loc[rows], final)
    trained = {
        "labels known on 1 April": test["boosting"].to_numpy(),
        "final labels (from the future)": score(from_the_future, X.loc[test.index]),
    }
    end = world.transactions["timestamp"].max().ceil("D")
    judged = {"final": test["y"]}
    for days in (0, 14, 30, 60):
        when = end + pd.Timedelta(days=days)
        judged[f"known {days} days after the test ends"] = coursedata.labels_as_of(world, when).loc[
            test.index
        ]
    rows_to_print = [(name, "final") for name in trained] + [
        ("labels known on 1 April", name) for name in judged if name != "final"
    ]
    print("| trained on | scored against | frauds | AP | ROC AUC | mean prediction |")
    print("|---|---|---:|---:|---:|---:|")
    for train_name, judge_name in rows_to_print:
        p, y = trained[train_name], judged[judge_name]
        print(
            f"| {train_name} | {judge_name} | {y.sum()} | {average_precision_score(y, p):.3f} | "
            f"{roc_auc_score(y, p):.3f} | {p.mean():.4f} |"
        )


if __name__ == "__main__":
    main()
