"""Worked example: ROC AUC, average precision, and the area a trapezoid would give instead.

Both curves walk the threshold down from the top score. The ROC curve plots the share of frauds
caught (recall, the true-positive rate) against the share of legitimate payments flagged (the
false-positive rate); the precision-recall curve plots the share of alerts that are fraud
(precision) against recall. Average precision is the precision at each fraud's rank, averaged
over the frauds: the area under the precision-recall curve drawn as a staircase. A trapezoid
joins the curve's points with straight lines instead, and a straight line from one point to the
next is a precision no threshold achieves: too optimistic when scores are tied. The model's
scores, rounded to a 0-100 risk score as vendors often deliver them, and a small hand-made case
show it.

Run: python docs/examples/04_evaluation/pr_roc.py (about three seconds)
"""

from __future__ import annotations

import numpy as np
from scored_payments import scored
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_auc_score


def main() -> None:
    frame = scored()
    test = frame[frame["period"] == "test"]
    y = test["y"].to_numpy()
    print(f"test fraud rate {y.mean():.4f}: the AP of random scores, whose ROC AUC is 0.5")
    print("| model | ROC AUC | average precision | trapezoid under the PR curve |")
    print("|---|---:|---:|---:|")
    rows = {
        "logistic": test["logistic"],
        "boosting": test["boosting"],
        "boosting, as a 0-100 score": test["boosting"].round(2),  # 101 values: many ties
    }
    for name, p in rows.items():
        precision, recall, _ = precision_recall_curve(y, p)
        print(
            f"| {name} | {roc_auc_score(y, p):.3f} | {average_precision_score(y, p):.3f} | "
            f"{auc(recall, precision):.3f} |"
        )

    # Six payments: a fraud on top, then a legitimate one, then four tied at 0.4, one of them
    # fraud. At 0.4 the list grows by four and catches one fraud: precision 2/6 at recall 1.
    y_small = np.array([1, 0, 1, 0, 0, 0])
    p_small = np.array([0.9, 0.8, 0.4, 0.4, 0.4, 0.4])
    precision, recall, thresholds = precision_recall_curve(y_small, p_small)
    print("thresholds", thresholds.round(2), "precision", precision.round(3))
    print("recall", recall.round(2))
    print(
        f"six payments: AP {average_precision_score(y_small, p_small):.3f}, "
        f"trapezoid {auc(recall, precision):.3f}"
    )


if __name__ == "__main__":
    main()
