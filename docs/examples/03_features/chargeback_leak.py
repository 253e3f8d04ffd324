"""Worked example: the planted chargeback leak in `coursedata`, found and measured.

`days_to_chargeback` is filled only when a chargeback arrives, days after a fraudulent payment:
whether it is present *is* the label. A model that is given it scores perfectly on a time-split
test set, and would score nothing in production, where no payment being scored has a chargeback
yet. The example shows the symptom (missingness by class), then fits the same model with and
without the column.

Run: python docs/examples/03_features/chargeback_leak.py (about three seconds)
"""

from __future__ import annotations

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from threadpoolctl import threadpool_limits

import coursedata

RAW = ["amount", "hour", "channel", "merchant_category", "card_country", "merchant_country"]


def fit_and_score(
    train: pd.DataFrame, test: pd.DataFrame, columns: list[str]
) -> tuple[float, float]:
    """(average precision, ROC AUC) on `test`; gradient boosting handles NaN and categories."""
    model = HistGradientBoostingClassifier(
        max_iter=100, categorical_features="from_dtype", random_state=0
    )
    model.fit(train[columns], train["is_fraud"])
    p = model.predict_proba(test[columns])[:, 1]
    return average_precision_score(test["is_fraud"], p), roc_auc_score(test["is_fraud"], p)


def main() -> None:
    world = coursedata.sample("medium", seed=0)
    tx = world.transactions.assign(hour=world.transactions["timestamp"].dt.hour)

    # The symptom: a column that is present for one class only.
    present = tx["days_to_chargeback"].notna().groupby(tx["is_fraud"]).mean()
    print(f"days_to_chargeback present: fraud {present[True]:.1%}, legitimate {present[False]:.1%}")
    print("notna() equals is_fraud:", tx["days_to_chargeback"].notna().equals(tx["is_fraud"]))

    cut = tx["timestamp"].quantile(0.7)
    train, test = tx[tx["timestamp"] < cut], tx[tx["timestamp"] >= cut]
    print("| features | average precision | ROC AUC |")
    print("|---|---|---|")
    with threadpool_limits(limits=1):
        for name, columns in (
            ("raw", RAW),
            ("raw + days_to_chargeback", [*RAW, "days_to_chargeback"]),
        ):
            ap, auc = fit_and_score(train, test, columns)
            print(f"| {name} | {ap:.3f} | {auc:.3f} |")
    print("drop before training:", list(world.truth.leak_columns))


if __name__ == "__main__":
    main()
