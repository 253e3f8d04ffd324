"""Worked example: how much a random split flatters the fraud model, against group and time splits.

The same model is cross-validated four ways on the medium world:

- `StratifiedKFold(shuffle=True)`: rows dealt at random, the fraud share equal in every fold. It
  assumes the rows are independent, so users and fraud episodes straddle the folds.
- `GroupKFold` by fraud episode: no episode on both sides (what production guarantees: the
  episode being scored has no labels yet).
- `StratifiedGroupKFold` by user: no user on both sides (the model meets new users).
- `TimeSeriesSplit` with a gap: train on the past, test on the month that follows, on the labels
  known when that month starts (`coursedata.labels_as_of`), the last 30 days before it left out.
  `TimeSeriesSplit` counts rows, not days: the gap and the test blocks are 30 days of rows.

The model is the fraud model with lesson 03's out-of-fold target encoding of `device_id`, which
recognises a device seen in the training folds. Every fold is scored on the final labels. Three
folds keep the example to a few seconds.

Run: python docs/examples/05_tuning/split_flattery.py (about five seconds)
"""

from __future__ import annotations

import numpy as np
from fraud_model import FraudData, booster, device_encoded, load
from sklearn.base import clone
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import (
    GroupKFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    TimeSeriesSplit,
)
from threadpoolctl import threadpool_limits

import coursedata


def fold_scores(model, data: FraudData, splitter, groups=None, labels_at_cut=False) -> dict:
    """Fit a clone of `model` on each training fold, score it on the test fold (final labels).

    With `labels_at_cut`, each fold trains on the labels known when its test rows begin."""
    ap, auc, users, episodes = [], [], [], []
    for train, test in splitter.split(data.X, data.y, groups=groups):
        labels = data.y.iloc[train]
        if labels_at_cut:
            known = coursedata.labels_as_of(data.world, data.time.iloc[test].min())
            labels = known.loc[labels.index]
        fitted = clone(model).fit(data.X.iloc[train], labels)
        p = fitted.predict_proba(data.X.iloc[test])[:, 1]
        ap.append(average_precision_score(data.y.iloc[test], p))
        auc.append(roc_auc_score(data.y.iloc[test], p))
        users.append(len(np.intersect1d(data.user[train], data.user[test])))
        fraud = data.episode > 0
        both = np.intersect1d(data.episode[train][fraud[train]], data.episode[test][fraud[test]])
        episodes.append(len(both))
    return {
        "AP": np.mean(ap),
        "AP folds": f"{min(ap):.3f} to {max(ap):.3f}",
        "ROC AUC": np.mean(auc),
        "users on both sides": np.mean(users),
        "episodes cut in two": np.mean(episodes),
    }


def main() -> None:
    data = load("medium")
    per_day = len(data.y) / data.time.dt.normalize().nunique()
    gap = round(30 * per_day)  # TimeSeriesSplit counts rows, not days
    splitters = {
        "StratifiedKFold, shuffled": (StratifiedKFold(3, shuffle=True, random_state=0), None),
        "GroupKFold by episode": (GroupKFold(3, shuffle=True, random_state=0), data.episode),
        "StratifiedGroupKFold by user": (
            StratifiedGroupKFold(3, shuffle=True, random_state=0),
            data.user,
        ),
        "TimeSeriesSplit, 30-day gap": (TimeSeriesSplit(3, gap=gap, test_size=gap), None),
    }
    print(f"{len(data.y):,} payments, {per_day:.0f} a day: a 30-day gap is {gap:,} rows")
    print("| splitter | users on both sides | episodes cut in two | AP (folds) | ROC AUC |")
    print("|---|---:|---:|---:|---:|")
    results = {}
    with threadpool_limits(limits=1):
        for name, (splitter, groups) in splitters.items():
            at_cut = isinstance(splitter, TimeSeriesSplit)
            row = fold_scores(device_encoded(booster()), data, splitter, groups, at_cut)
            results[name] = row
            print(
                f"| {name} | {row['users on both sides']:,.0f} | "
                f"{row['episodes cut in two']:.1f} | {row['AP']:.3f} ({row['AP folds']}) | "
                f"{row['ROC AUC']:.3f} |"
            )
    time_folds = splitters["TimeSeriesSplit, 30-day gap"][0].split(data.X)
    folds = list(time_folds)
    sizes = [len(train) for train, _ in folds]
    rates = [data.y.iloc[test].mean() for _, test in folds]
    print(
        f"TimeSeriesSplit trains on {', '.join(f'{n:,}' for n in sizes)} rows, tests on blocks "
        f"of {gap:,}; the other splitters train on about {len(data.y) * 2 // 3:,}"
    )
    print(
        f"fraud rate of its test blocks: {', '.join(f'{r:.2%}' for r in rates)}; "
        f"of all payments: {data.y.mean():.2%}"
    )
    flattery = results["StratifiedKFold, shuffled"]["AP"]
    flattery -= results["StratifiedGroupKFold by user"]["AP"]
    print(f"the shuffled split flatters AP by {flattery:+.3f} over the split by user")


if __name__ == "__main__":
    main()
