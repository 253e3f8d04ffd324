"""Worked example: a missing value that carries signal, kept by an indicator column.

"Hours since the user's previous payment" is missing on a user's first payment in the data. A
fraudster's new account makes its first payment hours after signing up, so missing here means
"a new account": far riskier than average. `SimpleImputer(strategy="median")` fills the gap with
an ordinary value and the model can no longer tell a first payment from any other;
`add_indicator=True` adds a 0/1 column "this value was missing" next to the filled one.

Trained before the cut on the labels known then (amount and the hours since the previous
payment, logistic regression); tested after.

Run: python docs/examples/03_features/missing_indicator.py (about two seconds)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import coursedata


def features(tx: pd.DataFrame) -> pd.DataFrame:
    """log amount, and log(1 + hours since the same user's previous payment): NaN on a user's
    first payment. Looks only backwards in time, so it is known when the payment is scored."""
    previous = tx.groupby("user_id")["timestamp"].shift()  # tx is in time order
    hours = (tx["timestamp"] - previous).dt.total_seconds() / 3600
    return pd.DataFrame({"log_amount": np.log(tx["amount"]), "log_hours_since": np.log1p(hours)})


def main() -> None:
    world = coursedata.sample("medium", seed=0)
    tx = world.transactions
    X = features(tx)
    first = X["log_hours_since"].isna()
    print(
        f"first payments: {first.mean():.1%} of all, fraud rate {tx['is_fraud'][first].mean():.1%} "
        f"against {tx['is_fraud'][~first].mean():.1%}"
    )
    cut = tx["timestamp"].quantile(0.7)
    train = tx["timestamp"] < cut
    labels = coursedata.labels_as_of(world, cut).loc[train[train].index]
    test_y = tx["is_fraud"][~train]
    for name, indicator in (("median only", False), ("median + indicator", True)):
        model = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=indicator),
            StandardScaler(),
            LogisticRegression(),
        )
        p = model.fit(X[train], labels).predict_proba(X[~train])[:, 1]
        print(
            f"{name:20s} average precision {average_precision_score(test_y, p):.3f}, "
            f"ROC AUC {roc_auc_score(test_y, p):.3f}"
        )


if __name__ == "__main__":
    main()
