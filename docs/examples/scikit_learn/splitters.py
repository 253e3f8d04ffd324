"""Worked example: four ways to cut the same payments into cross-validation folds.

`cross_val_score(model, X, y, cv=splitter)` fits a fresh clone of the model on each fold's
training rows and scores it on the fold's test rows. The *splitter* decides which rows are
which, and on the data world each choice answers a different question:

- `KFold(shuffle=True)`: any row can land anywhere; the fraud count per fold varies by chance.
- `StratifiedKFold`: the same, but every fold gets the same share of frauds.
- `TimeSeriesSplit`: the rows must be in time order; every fold trains on the past and tests
  on the block that follows, as a model in production does.
- `GroupKFold`: all rows of a group (here a user) land on the same side, so a user's fraud
  episode is never half in training and half in test.

The example prints what each splitter does to the payments, and the score it reports.

Run: python docs/examples/scikit_learn/splitters.py (about three seconds)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from payment_features import CATEGORICAL, NUMERIC, payment_features
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedKFold,
    TimeSeriesSplit,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import coursedata


def describe_folds(splitter, world: coursedata.World, groups: pd.Series | None) -> dict[str, str]:
    """What `splitter` does to the payments of `world`, over its five folds."""
    tx = world.transactions  # sorted by time, as TimeSeriesSplit requires
    episode = tx["transaction_id"].map(world.truth.fraud_episode_of)  # NaN: not a fraud
    frauds, later, users, episodes = [], 0, [], []
    for train, test in splitter.split(tx, tx["is_fraud"], groups=groups):
        train_rows, test_rows = tx.iloc[train], tx.iloc[test]
        frauds.append(int(test_rows["is_fraud"].sum()))
        later += train_rows["timestamp"].max() > test_rows["timestamp"].min()
        users.append(len(set(train_rows["user_id"]) & set(test_rows["user_id"])))
        both = set(episode.iloc[train].dropna()) & set(episode.iloc[test].dropna())
        episodes.append(len(both))
    return {  # the last two: means over the folds
        "frauds per test fold": " ".join(map(str, frauds)),
        "folds that train on the future": f"{later} of {len(frauds)}",
        "users on both sides": f"{np.mean(users):.0f}",
        "episodes cut in two": f"{np.mean(episodes):.1f}",
    }


def main() -> None:
    world = coursedata.sample("small", seed=0)
    X, y = payment_features(world), world.transactions["is_fraud"]
    users = world.transactions["user_id"]
    model = make_pipeline(
        make_column_transformer(
            (StandardScaler(), NUMERIC),
            (OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ),
        LogisticRegression(max_iter=1_000),
    )
    splitters = {
        "KFold": KFold(n_splits=5, shuffle=True, random_state=0),
        "StratifiedKFold": StratifiedKFold(n_splits=5, shuffle=True, random_state=0),
        "TimeSeriesSplit": TimeSeriesSplit(n_splits=5),
        "GroupKFold (user)": GroupKFold(n_splits=5),
    }
    print(f"{len(X):,} payments, {y.sum()} frauds, {users.nunique()} users")
    rows = {}
    with threadpool_limits(limits=1):
        for name, splitter in splitters.items():
            groups = users if isinstance(splitter, GroupKFold) else None  # the others ignore it
            rows[name] = describe_folds(splitter, world, groups)
            scores = cross_val_score(model, X, y, groups=groups, cv=splitter, scoring="roc_auc")
            rows[name]["ROC AUC"] = f"{scores.mean():.3f}"
    columns = list(next(iter(rows.values())))
    print("| splitter | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(row.values()) + " |")
    sizes = [(len(a), len(b)) for a, b in splitters["TimeSeriesSplit"].split(X)]
    print(f"TimeSeriesSplit (train, test) rows: {sizes}")


if __name__ == "__main__":
    main()
