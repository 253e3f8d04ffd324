"""Worked example: how wide a gap between training and test rows the chargeback delay asks for.

A model trained at the cut can only learn from the chargebacks that have arrived by then
(`coursedata.labels_as_of(world, cut)`); a fraud paid last week is still labelled False, and the
model learns it as an honest payment. Chargebacks take weeks (median 18.5 days; see
docs/examples/coursedata/label_delay.py), so the newest training rows are the worst labelled.
A gap drops them: the training rows end `gap` before the cut, the test rows start at the cut.

For each gap the example prints how many training rows are left, how many of their frauds the
model is told about, and the test scores (final labels) of the same model as in
random_vs_time_split.py.

Run: python docs/examples/03_features/label_gap.py (about three seconds)
"""

from __future__ import annotations

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from threadpoolctl import threadpool_limits

import coursedata

COLUMNS = ["amount", "hour", "channel", "merchant_category", "card_country", "merchant_country"]
GAPS_DAYS = (0, 7, 14, 30, 60)


def main() -> None:
    world = coursedata.sample("medium", seed=0)
    tx = world.transactions.assign(hour=world.transactions["timestamp"].dt.hour)
    cut = tx["timestamp"].quantile(0.7)
    test = tx[tx["timestamp"] >= cut]
    known = coursedata.labels_as_of(world, cut)  # what the warehouse knows at the cut
    print(f"trained at {cut:%Y-%m-%d %H:%M} on the labels known then; tested on the rows after")
    print("| gap (days) | training rows | fraud labelled / fraud | average precision | ROC AUC |")
    print("|---:|---:|---:|---:|---:|")
    with threadpool_limits(limits=1):
        for days in GAPS_DAYS:
            train = tx[tx["timestamp"] < cut - pd.Timedelta(days=days)]
            labels = known.loc[train.index]
            model = HistGradientBoostingClassifier(
                max_iter=100, categorical_features="from_dtype", random_state=0
            )
            p = model.fit(train[COLUMNS], labels).predict_proba(test[COLUMNS])[:, 1]
            told, fraud = int(labels.sum()), int(train["is_fraud"].sum())
            print(
                f"| {days} | {len(train):,} | {told} / {fraud} ({told / fraud:.0%}) | "
                f"{average_precision_score(test['is_fraud'], p):.3f} | "
                f"{roc_auc_score(test['is_fraud'], p):.3f} |"
            )


if __name__ == "__main__":
    main()
