"""Worked example: the fraud rate moves; ROC AUC stays, precision and AP move with it.

ROC AUC compares frauds with legitimate payments, each counted as a share of its own class, so
the number of legitimate payments per fraud cancels out. Precision counts false alarms against
frauds caught: twice as many legitimate payments per fraud, about twice as many false alarms per
catch. Average precision is a mean of precisions, so it moves too.

Two measurements with the same model and the same threshold (the one that cost least in April):

- the data world's planted prevalence shift: fraud episodes twice as frequent from 31 May, so
  May and June differ in their fraud rate, and little else (the step drift came on 1 May);
- the data world's fraud-rate knob: `coursedata.generate(..., fraud_rate=r)` makes worlds that
  differ in their fraud rate, 0.15 % being about a real card issuer's. The model trained on the
  medium world scores each world's May and June.

Run: python docs/examples/04_evaluation/prevalence_shift.py (about seven seconds)
"""

from __future__ import annotations

import numpy as np
from scored_payments import TEST_START, cheapest_threshold, features, fitted, score, scored
from sklearn.metrics import average_precision_score, precision_score, recall_score, roc_auc_score

import coursedata

KNOB = (  # fraud_rate, and a world large enough to hold a hundred frauds in May and June
    (0.0015, dict(n_transactions=200_000, n_users=8_000, n_merchants=1_000)),
    (0.005, dict(n_transactions=50_000, n_users=2_000, n_merchants=300)),
    (0.015, None),  # the medium world itself
    (0.03, dict(n_transactions=50_000, n_users=2_000, n_merchants=300)),
)


def row(name: str, y: np.ndarray, p: np.ndarray, threshold: float) -> str:
    """One table row: the fraud rate, ROC AUC, AP, and precision and recall at `threshold`."""
    flagged = p >= threshold
    return (
        f"| {name} | {len(y):,} | {y.sum()} | {y.mean():.2%} | {roc_auc_score(y, p):.3f} | "
        f"{average_precision_score(y, p):.3f} | {precision_score(y, flagged):.3f} | "
        f"{recall_score(y, flagged):.3f} |"
    )


def main() -> None:
    frame = scored()
    world, _, models = fitted()
    threshold = cheapest_threshold(frame[frame["period"] == "validation"], "boosting")
    test = frame[frame["period"] == "test"]
    shift = world.truth.prevalence_shift.start
    print(f"threshold {threshold:.4f}, chosen in April; the prevalence shift starts {shift:%d %B}")
    print("| test payments | payments | frauds | fraud rate | ROC AUC | AP | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, part in (
        ("May", test[test["timestamp"] < shift]),
        ("June", test[test["timestamp"] >= shift]),
    ):
        print(row(name, part["y"].to_numpy(), part["boosting"].to_numpy(), threshold))

    print("the same model on May and June of worlds with another fraud_rate:")
    print("| fraud_rate | payments | frauds | fraud rate | ROC AUC | AP | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for rate, size in KNOB:
        if size is None:
            y, p = test["y"].to_numpy(), test["boosting"].to_numpy()
        else:
            other = coursedata.generate(**size, seed=0, fraud_rate=rate)
            later = other.transactions["timestamp"] >= TEST_START
            y = other.transactions.loc[later, "is_fraud"].to_numpy()
            p = score(models["boosting"], features(other).loc[later])
        print(row(f"{rate:.2%}", y, p, threshold))


if __name__ == "__main__":
    main()
