"""Worked example: a holdout metric does not see every broken model; behaviour probes do.

The course ships a good fraud model and seven broken ones (coursekit/model_testing.py: a model
trained on shuffled labels, one that ignores the amount, one that learned from the chargeback
column, one with inverted scores, one that treats "de" and "DE" as different countries, one that
uses the transaction id, one that scrambles the card-present slice). A CI job that only checks
"average precision on a holdout above a floor" catches some of them. This example scores every
model on the same held-out rows, then runs three behaviour probes on each (written here for the
example; the exercise asks you to write your own as pytest tests):

- invariance: lower-casing the card's country must not move any score;
- invariance: renumbering the transaction ids must not move any score;
- direction: ten times the amount, from a new device, must never lower a score;
- minimum functionality: an obvious fraud (2,500 EUR of gift cards online at 03:00, from a new
  device, a card from abroad) must score above 0.5;
- slices: the average precision of each channel (web, app, pos) must reach a floor.

Run: python docs/examples/14_cicd/behaviour_vs_metric.py   (about 3 s)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from coursekit import model_testing as mt

AP_FLOOR = 0.3  # what a metric-only gate might demand
SLICE_FLOOR = 0.15
OBVIOUS = mt.transaction(
    amount=2500.0,
    merchant_category="gift_cards",
    channel="web",
    new_device=True,
    card_country="FR",
    merchant_country="DE",
    timestamp=pd.Timestamp("2025-03-02 03:10", tz="UTC"),
)


def probes(model: mt.FraudModel, rows, labels) -> dict[str, bool]:
    base = model.score(rows)
    lower = rows.copy()
    lower["card_country"] = lower["card_country"].str.casefold()
    renumbered = rows.assign(transaction_id=rows["transaction_id"].to_numpy()[::-1])
    riskier = rows.assign(amount=rows["amount"] * 10, new_device=True)
    return {
        "case": bool(np.allclose(model.score(lower), base, atol=1e-9)),
        "ids": bool(np.allclose(model.score(renumbered), base, atol=1e-9)),
        "direction": bool((model.score(riskier) >= base - 1e-9).all()),
        "obvious": bool(model.score(pd.DataFrame([OBVIOUS]))[0] > 0.5),
        "slices": all(
            average_precision_score(labels[mask], base[mask]) >= SLICE_FLOOR
            for mask in (rows["channel"] == c for c in ("web", "app", "pos"))
        ),
    }


def main() -> None:
    held_out = mt.data()
    rows, labels = held_out.rows, held_out.labels
    print(f"held-out rows: {len(rows):,}, frauds: {int(labels.sum())}")
    print("| model | AP | AP gate | country case | transaction id | direction | obvious | slices |")
    print("|---|---:|---|---|---|---|---|---|")
    names = ["good", "good_boosted", *mt.BROKEN]
    for name in names:
        model = mt.model(name)
        ap = average_precision_score(labels, model.score(rows))
        result = probes(model, rows, labels)
        marks = ["pass" if ok else "FAIL" for ok in result.values()]
        gate = "pass" if ap >= AP_FLOOR else "FAIL"
        print(f"| {name} | {ap:.3f} | {gate} | " + " | ".join(marks) + " |")


if __name__ == "__main__":
    main()
