"""Worked example: the planted chargeback leak in `coursedata`, found and measured.

`chargeback_at` is filled when a chargeback arrives, weeks after the payment, and
`days_to_chargeback` is derived from it: whether they are present *is* the label `is_fraud`
(a charged-back fraud, or a friendly-fraud dispute of an honest payment). The example shows the
symptoms column by column, then fits the same model with and without the leak.

The split is by time and the model is trained as of the cut: on the labels known then
(`coursedata.labels_as_of`), and with the chargeback columns as the warehouse held them then
(filled only for the chargebacks that had arrived). The test rows are scored later, once their
chargebacks are in, and the leak reads the answer off them.

Run: python docs/examples/03_features/chargeback_leak.py (about three seconds)
"""

from __future__ import annotations

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from threadpoolctl import threadpool_limits

import coursedata

RAW = ["amount", "hour", "channel", "merchant_category", "card_country", "merchant_country"]


def single_auc(label: pd.Series, score: pd.Series) -> float:
    """ROC AUC of one column used alone as the score, direction ignored."""
    auc = roc_auc_score(label, score)
    return max(auc, 1.0 - auc)


def as_known_at(tx: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    """`tx` with the chargeback columns blanked where the chargeback had not arrived by `t`."""
    later = ~(tx["chargeback_at"] <= t)
    return tx.assign(
        chargeback_at=tx["chargeback_at"].mask(later),
        days_to_chargeback=tx["days_to_chargeback"].mask(later),
    )


def fit_and_score(
    train: pd.DataFrame, labels: pd.Series, test: pd.DataFrame, columns: list[str]
) -> tuple[float, float]:
    """(average precision, ROC AUC) on `test`; gradient boosting handles NaN and categories."""
    model = HistGradientBoostingClassifier(
        max_iter=100, categorical_features="from_dtype", random_state=0
    )
    model.fit(train[columns], labels)
    p = model.predict_proba(test[columns])[:, 1]
    return average_precision_score(test["is_fraud"], p), roc_auc_score(test["is_fraud"], p)


def main() -> None:
    world = coursedata.sample("medium", seed=0)
    tx = world.transactions.assign(hour=world.transactions["timestamp"].dt.hour)
    truth = world.truth

    # The symptoms: a column present for one class only, and filled after the event.
    present = tx["days_to_chargeback"].notna()
    by_class = present.groupby(tx["is_fraud"]).mean()
    print(
        f"days_to_chargeback present: fraud {by_class[True]:.1%}, legitimate {by_class[False]:.1%}"
    )
    print("notna() equals is_fraud:", present.equals(tx["is_fraud"]))
    friendly = tx["transaction_id"].isin(truth.friendly_fraud_ids)
    missed = tx["transaction_id"].isin(truth.missed_fraud_ids)
    print(
        f"filled on {present.sum()} rows, {(present & friendly).sum()} of them friendly fraud "
        f"(honest, disputed); empty on the {missed.sum()} missed frauds"
    )
    print(
        "chargeback_at later than the payment:", bool((tx["chargeback_at"] > tx["timestamp"]).any())
    )
    small = coursedata.sample("small", seed=0).transactions
    print("one column alone as the score, ROC AUC (direction ignored):")
    print(
        f"  amount {single_auc(tx['is_fraud'], tx['amount']):.3f}, "
        f"on sample('small', 0) {single_auc(small['is_fraud'], small['amount']):.3f} | "
        f"device_id {single_auc(tx['is_fraud'], tx['device_id']):.3f} | "
        f"days_to_chargeback missing {single_auc(tx['is_fraud'], ~present):.3f}"
    )
    # A partial leak: a column filled only when the chargeback came within 14 days.
    early = tx["days_to_chargeback"] <= 14
    print(
        f"  a partial leak, filled for the {early[tx['is_fraud']].mean():.0%} of chargebacks "
        "within "
        f"14 days: missing ROC AUC {single_auc(tx['is_fraud'], ~early):.3f}"
    )

    cut = tx["timestamp"].quantile(0.7)
    train, test = as_known_at(tx[tx["timestamp"] < cut], cut), tx[tx["timestamp"] >= cut]
    labels = coursedata.labels_as_of(world, cut).loc[train.index]
    print("| features | average precision | ROC AUC |")
    print("|---|---|---|")
    with threadpool_limits(limits=1):
        for name, columns in (
            ("raw", RAW),
            ("raw + days_to_chargeback", [*RAW, "days_to_chargeback"]),
        ):
            ap, auc = fit_and_score(train, labels, test, columns)
            print(f"| {name} | {ap:.3f} | {auc:.3f} |")
    print("drop before training:", list(truth.leak_columns))


if __name__ == "__main__":
    main()
