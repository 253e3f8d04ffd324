"""Worked example: choose by time-ordered CV, refit once on all the development rows, test once.

The medium world is cut at 70 % of its payments. Everything before the cut is the development
period, labelled as it was known at the cut (`coursedata.labels_as_of`); everything after is
the test period, scored on the final labels and used exactly once.

`GridSearchCV` chooses the fraud model's learning rate and L2 regularisation by
`TimeSeriesSplit` on the development rows older than 30 days: the newest rows still wait for
their chargebacks, and a validation block of half-labelled rows would score every candidate
against frauds it cannot know about. The chosen setting is then fitted on *all* the development
rows, the newest included: more rows than any fold trained on, and the closest to the test
period. That refitted model is the one to ship, and its test score is the one to report.

Run: python docs/examples/05_tuning/final_refit.py (about five seconds)
"""

from __future__ import annotations

import pandas as pd
from fraud_model import COLUMNS, booster, load
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from threadpoolctl import threadpool_limits

import coursedata

GRID = {"learning_rate": [0.03, 0.1, 0.3], "l2_regularization": [0.0, 1.0]}


def main() -> None:
    data = load("medium")
    cut = data.time.quantile(0.7)
    dev = (data.time < cut).to_numpy()
    X_dev, X_test, y_test = data.X[COLUMNS][dev], data.X[COLUMNS][~dev], data.y[~dev]
    y_dev = coursedata.labels_as_of(data.world, cut).loc[X_dev.index]
    mature = (data.time[dev] < cut - pd.Timedelta(days=30)).to_numpy()  # validated on these
    print(
        f"development: {len(X_dev):,} payments before {cut:%Y-%m-%d}, "
        f"{y_dev.sum()} of {data.y[dev].sum()} frauds known at the cut"
    )
    print(
        f"validated on the {mature.sum():,} older than 30 days: "
        f"{y_dev[mature].sum()} of {data.y[dev][mature].sum()} frauds known"
    )
    folds = TimeSeriesSplit(3)
    search = GridSearchCV(booster(), GRID, cv=folds, scoring="average_precision", refit=False)
    with threadpool_limits(limits=1):
        search.fit(X_dev[mature], y_dev[mature])
        chosen = search.best_params_
        last_train = list(folds.split(X_dev[mature]))[-1][0]
        models = {
            "chosen, refitted on all development rows": booster(**chosen).fit(X_dev, y_dev),
            "chosen, the last fold's training rows only": booster(**chosen).fit(
                X_dev[mature].iloc[last_train], y_dev[mature].iloc[last_train]
            ),
            "defaults, refitted on all development rows": booster().fit(X_dev, y_dev),
        }
    print(
        f"chosen: learning rate {chosen['learning_rate']}, l2 {chosen['l2_regularization']}; "
        f"best_score_ {search.best_score_:.3f} (validation fraud rate "
        f"{y_dev[mature].iloc[len(X_dev[mature]) // 4 :].mean():.2%})"
    )
    print(f"test: {len(X_test):,} payments, fraud rate {y_test.mean():.2%}")
    print("| model | training rows | test AP | test ROC AUC |")
    print("|---|---:|---:|---:|")
    for name, model in models.items():
        p = model.predict_proba(X_test)[:, 1]
        rows = len(X_dev) if "all" in name else len(last_train)
        print(
            f"| {name} | {rows:,} | {average_precision_score(y_test, p):.3f} | "
            f"{roc_auc_score(y_test, p):.3f} |"
        )


if __name__ == "__main__":
    main()
