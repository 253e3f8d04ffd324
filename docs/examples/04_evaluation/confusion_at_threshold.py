"""Worked example: the confusion matrix of one model at two thresholds, and the rates read off it.

A threshold turns scores into decisions: a payment scored at or above it is flagged (an alert
for the analysts), the others pass. Against the labels, every payment is then one of four:
a caught fraud (TP), a false alarm (FP), a missed fraud (FN) or a quiet legitimate payment (TN).
The example counts them for lesson 03's model on the test months at `predict`'s 0.5 and at the
threshold that cost least in April (see cost_threshold.py), and reads precision, recall, F1 and
the false-positive rate off each matrix with scikit-learn. The dummy that never flags shows the
0/0 of an empty alert list: scikit-learn's `zero_division` decides what it becomes.

Run: python docs/examples/04_evaluation/confusion_at_threshold.py (about three seconds)
"""

from __future__ import annotations

import numpy as np
from scored_payments import cheapest_threshold, cost_at, scored
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score


def main() -> None:
    frame = scored()
    val, test = frame[frame["period"] == "validation"], frame[frame["period"] == "test"]
    y, p = test["y"].to_numpy(), test["boosting"].to_numpy()
    days = test["timestamp"].dt.floor("D").nunique()
    chosen = cheapest_threshold(val, "boosting")
    print(f"test: {len(y):,} payments over {days} days, {y.sum()} frauds")
    print("| threshold | TP | FP | FN | TN | precision | recall | F1 | FPR | alerts a day | cost |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, threshold in (
        ("0.5 (`predict`)", 0.5),
        (f"{chosen:.4f} (cheapest in April)", chosen),
    ):
        flagged = p >= threshold
        tn, fp, fn, tp = confusion_matrix(y, flagged, labels=[False, True]).ravel()
        print(
            f"| {label} | {tp} | {fp} | {fn} | {tn:,} | {precision_score(y, flagged):.3f} | "
            f"{recall_score(y, flagged):.3f} | {f1_score(y, flagged):.3f} | "
            f"{fp / (fp + tn):.4f} | {flagged.sum() / days:.1f} | "
            f"{cost_at(y, p, test['amount_eur'], threshold):,.0f} |"
        )
    never = np.zeros_like(y)
    print(
        "never fraud: precision 0/0 ->",
        precision_score(y, never, zero_division=np.nan),
        "with zero_division=np.nan,",
        precision_score(y, never, zero_division=0.0),
        "with 0.0; recall",
        recall_score(y, never, zero_division=np.nan),
    )


if __name__ == "__main__":
    main()
