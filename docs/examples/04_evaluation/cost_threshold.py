"""Worked example: what each threshold costs, and choosing it where the test set cannot see.

The costs are the business's: an alert costs 5 EUR of an analyst's time (six minutes at 50 EUR
an hour), and a fraud let through costs its amount, refunded to the cardholder. Flagging every
payment scored at or above a threshold then costs 5 EUR per false alarm plus the amount of every
fraud below it. (The review of a true alert costs 5 EUR too; counting it adds 5 EUR per fraud,
a constant, and takes 5 EUR off each missed fraud's cost: next to the frauds' amounts, it does
not move the choice, so the examples leave it out.)

The threshold is chosen on April (the validation month) and then applied, unchanged, to May
and June. The cheapest threshold *on the test months themselves* is printed too: that is what
an evaluation that tunes on its test set would report, a cost nobody can have in production.
Last, the same choice with a flat cost per missed fraud, the form the exercise takes.

Run: python docs/examples/04_evaluation/cost_threshold.py (about three seconds)
"""

from __future__ import annotations

import numpy as np
from scored_payments import ALERT_EUR, cheapest_threshold, cost_at, cost_by_threshold, scored

FLAT_MISS_EUR = 100.0  # a flat cost per missed fraud, for the last comparison


def main() -> None:
    frame = scored()
    val, test = frame[frame["period"] == "validation"], frame[frame["period"] == "test"]
    y, p, amount = test["y"].to_numpy(), test["boosting"].to_numpy(), test["amount_eur"]
    chosen = cheapest_threshold(val, "boosting")
    thresholds, costs = cost_by_threshold(y, p, amount)
    oracle = thresholds[np.argmin(costs)]
    april = cost_at(val["y"], val["boosting"], val["amount_eur"], chosen)
    print(f"cheapest in April: threshold {chosen:.4f}, {april:,.0f} EUR in April")
    print(
        f"the test months: {y.sum()} frauds worth {amount[y].sum():,.0f} EUR "
        f"({amount[y].mean():,.0f} EUR on average, median {amount[y].median():,.0f})"
    )
    print("| rule on May and June | threshold | alerts | frauds caught | cost, EUR |")
    print("|---|---:|---:|---:|---:|")
    rules = {
        "flag nothing": np.inf,
        "`predict` (0.5)": 0.5,
        "cheapest in April": chosen,
        "cheapest on the test months (tuned on test)": oracle,
        "flag everything": 0.0,
    }
    for name, threshold in rules.items():
        flagged = p >= threshold
        print(
            f"| {name} | {threshold:.4f} | {flagged.sum():,} | {np.sum(flagged & y)} | "
            f"{cost_at(y, p, amount, threshold):,.0f} |"
        )

    # A flat cost per missed fraud: the same search, every fraud weighted alike.
    flat = np.full(len(val), FLAT_MISS_EUR)
    thresholds, costs = cost_by_threshold(val["y"], val["boosting"], flat)
    flat_chosen = thresholds[np.argmin(costs)]
    flat_test = cost_at(y, p, np.full(len(test), FLAT_MISS_EUR), flat_chosen)
    print(
        f"a flat {FLAT_MISS_EUR:.0f} EUR per missed fraud: cheapest in April {flat_chosen:.4f}, "
        f"test cost {flat_test:,.0f} EUR"
    )
    print(
        f"break-even for calibrated probabilities: {ALERT_EUR:.0f} / ({ALERT_EUR:.0f} + "
        f"{FLAT_MISS_EUR:.0f}) = {ALERT_EUR / (ALERT_EUR + FLAT_MISS_EUR):.4f}"
    )


if __name__ == "__main__":
    main()
