"""Worked example: the fraud model this lesson evaluates and tunes, and the rows it learns from.

The rows are the data world's payments with the columns of `coursedata/fraud_baseline.py`: the
payment's own (amount, hour, channel, merchant category, the two countries) and its user's
history, computed from earlier payments only (payments in the last hour and day, time since the
previous one, amount over the median so far, earlier uses of the device, the account's age).
The model is gradient boosting with scikit-learn's defaults, one thread, a fixed seed and no
early stopping, so that a parameter means the same thing in every fit. `device_encoded(...)`
puts lesson 03's out-of-fold target encoding of `device_id` in front of it.

The other examples of the lesson import `load`, `booster` and `device_encoded` from here.

Run: python docs/examples/05_tuning/fraud_model.py
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import TargetEncoder

import coursedata

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "coursedata"))
from fraud_baseline import HISTORY_COLUMNS, RAW_COLUMNS, past_window_features  # noqa: E402

COLUMNS = RAW_COLUMNS + HISTORY_COLUMNS


@dataclass
class FraudData:
    """One world's payments, ready for cross-validation. Rows are in time order."""

    world: coursedata.World
    X: pd.DataFrame  # COLUMNS, plus device_id for the encoded model
    y: pd.Series  # is_fraud, the labels as finally known
    time: pd.Series  # each payment's timestamp
    user: np.ndarray  # user_id: one group per user
    episode: np.ndarray  # one group per fraud episode, every other payment a group of its own


def load(kind: str = "small", seed: int = 0) -> FraudData:
    """The payments of `coursedata.sample(kind, seed)` with the model's columns and groups."""
    world = coursedata.sample(kind, seed)
    tx = world.transactions
    X = pd.concat([tx, past_window_features(tx, world.users)], axis=1)[[*COLUMNS, "device_id"]]
    ids = tx["transaction_id"]
    episode = ids.map(world.truth.fraud_episode_of)
    groups = np.where(episode.notna(), episode.fillna(0).astype(np.int64), -ids.to_numpy())
    return FraudData(world, X, tx["is_fraud"], tx["timestamp"], tx["user_id"].to_numpy(), groups)


def booster(**params) -> HistGradientBoostingClassifier:
    """The fraud model: gradient boosting, one seed, no early stopping; `params` override."""
    settings = {
        "max_iter": 50,
        "max_leaf_nodes": 8,
        "learning_rate": 0.1,
        "categorical_features": "from_dtype",
        "early_stopping": False,
        "random_state": 0,
    }
    return HistGradientBoostingClassifier(**{**settings, **params})


def device_encoded(model: HistGradientBoostingClassifier) -> Pipeline:
    """`model` behind an out-of-fold target encoding of `device_id` (lesson 03), fixed folds."""
    encoder = TargetEncoder(
        target_type="binary", cv=StratifiedKFold(5, shuffle=True, random_state=0)
    )
    columns = make_column_transformer(
        (encoder, ["device_id"]), ("passthrough", COLUMNS), verbose_feature_names_out=False
    ).set_output(transform="pandas")
    return make_pipeline(columns, model)


def main() -> None:
    for kind in ("small", "medium"):
        data = load(kind)
        print(
            f"{kind}: {len(data.y):,} payments, {data.y.sum()} labelled fraud, "
            f"{len(np.unique(data.user)):,} users, "
            f"{data.world.truth.fraud_episodes.shape[0]} fraud episodes"
        )
    print(f"{len(COLUMNS)} columns: {', '.join(COLUMNS)}")


if __name__ == "__main__":
    main()
