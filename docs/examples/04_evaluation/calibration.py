"""Worked example: are the model's probabilities risks? A reliability table, ECE, and a fix.

A model is calibrated when, of the payments it gives a probability near p, a share near p are
fraud. The reliability table bins the test payments by their predicted probability (ten bins of
equal width) and sets each bin's mean prediction against its fraud rate; the expected
calibration error (ECE) is the gap between the two, averaged over the bins weighted by their
number of payments.

Two models go through it. Lesson 03's gradient boosting was trained on the labels known on
1 April, which called a fifth of its training frauds legitimate, and fraud doubles in June: it
under-predicts. A logistic regression fitted with `class_weight="balanced"`, a common reflex on
rare classes, counts every training fraud as about a hundred legitimate payments: it
over-predicts, by design.
`CalibratedClassifierCV(FrozenEstimator(model), method="sigmoid")` fits a logistic curve from the
model's scores to April's final labels, leaving the model as it is; `"isotonic"` fits a
stair-step instead. Last, what calibrated probabilities are for: flag a payment when its
expected loss, probability times amount, exceeds the 5 EUR an alert costs.

Run: python docs/examples/04_evaluation/calibration.py (about four seconds)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scored_payments import (
    ALERT_EUR,
    cheapest_threshold,
    cost_at,
    cost_of_alerts,
    fitted,
    score,
    scored,
    training_rows,
)
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from coursedata import World


def reliability(y, p, n_bins: int = 10) -> pd.DataFrame:
    """Payments, mean prediction and fraud rate per bin of equal width; empty bins left out."""
    bin_of = pd.cut(p, np.arange(n_bins + 1) / n_bins, include_lowest=True)
    binned = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": p}).groupby(bin_of, observed=True)
    return binned.agg(payments=("p", "size"), predicted=("p", "mean"), observed=("y", "mean"))


def ece(y, p, n_bins: int = 10) -> float:
    """Expected calibration error: |predicted - observed| per bin, weighted by its payments."""
    table = reliability(y, p, n_bins)
    gaps = (table["predicted"] - table["observed"]).abs()
    return float(np.average(gaps, weights=table["payments"]))


def calibrated_models(world: World, X: pd.DataFrame, models: dict) -> dict[str, object]:
    """Lesson 03's model and a class-weighted logistic regression, each as trained and
    calibrated on April's payments (final labels) with a sigmoid and with isotonic regression."""
    rows, known = training_rows(world)
    weighted = clone(models["logistic"]).set_params(logisticregression__class_weight="balanced")
    with threadpool_limits(limits=1):
        weighted.fit(X.loc[rows], known)
    tx = world.transactions
    april = tx.index[(tx["timestamp"] >= "2025-04-01") & (tx["timestamp"] < "2025-05-01")]
    out = {}
    for name, model in (("boosting", models["boosting"]), ("logistic, balanced", weighted)):
        out[name] = model
        for method in ("sigmoid", "isotonic"):
            calibrator = CalibratedClassifierCV(FrozenEstimator(model), method=method)
            with threadpool_limits(limits=1):
                out[f"{name} + {method}"] = calibrator.fit(X.loc[april], tx.loc[april, "is_fraud"])
    return out


def main() -> None:
    world, X, models = fitted()
    frame = scored()
    val, test = frame[frame["period"] == "validation"], frame[frame["period"] == "test"]
    y, amount = test["y"].to_numpy(), test["amount_eur"].to_numpy()
    print(f"test: fraud rate {y.mean():.4f}")
    print("| model | mean prediction | ECE | Brier score | ROC AUC | AP |")
    print("|---|---:|---:|---:|---:|---:|")
    probabilities = {}
    for name, model in calibrated_models(world, X, models).items():
        p = probabilities[name] = score(model, X.loc[test.index])
        print(
            f"| {name} | {p.mean():.4f} | {ece(y, p):.4f} | {brier_score_loss(y, p):.5f} | "
            f"{roc_auc_score(y, p):.4f} | {average_precision_score(y, p):.4f} |"
        )
    rows, known = training_rows(world)
    print(f"class_weight='balanced': a training fraud weighs {(~known).sum() / known.sum():.0f}")
    for name in ("boosting", "boosting + sigmoid", "logistic, balanced"):
        print(f"reliability of {name}:")
        print(reliability(y, probabilities[name]).round(3).to_string())

    # What calibrated probabilities buy: flag when P(fraud) x amount exceeds an alert's cost.
    threshold = cheapest_threshold(val, "boosting")
    print(
        f"one threshold ({threshold:.4f}, cheapest in April): "
        f"{cost_at(y, probabilities['boosting'], amount, threshold):,.0f} EUR"
    )
    for name in ("boosting", "boosting + sigmoid"):
        flagged = probabilities[name] * amount > ALERT_EUR
        cost = cost_of_alerts(y, flagged, amount)
        print(
            f"expected loss > {ALERT_EUR:.0f} EUR, {name}: {flagged.sum()} alerts, {cost:,.0f} EUR"
        )


if __name__ == "__main__":
    main()
