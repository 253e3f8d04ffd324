"""Worked example: the same fraud episode, or the same user, on both sides of a split.

A fraud episode is a few payments minutes apart, from one device. Shuffle the payments into
folds and an episode's payments land in different folds: the model is tested on a payment whose
sibling it was trained on. Whether that flatters the score depends on the features. The raw
columns of a payment cannot tell one episode from another; a target encoding of `device_id` can,
because the device's fraud rate, learned on the training folds, already counts the sibling's
label.

`GroupKFold` keeps every group in one fold. Grouped by episode (`world.truth.fraud_episode_of`;
every honest payment is a group of its own), no episode is on both sides, as in production,
where the labels of the episode being scored do not exist yet. Grouped by user, every payment of
a user is on one side: that answers another question, how the model does on users it has never
seen.

Run: python docs/examples/03_features/group_leakage.py (about five seconds)
"""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import TargetEncoder
from threadpoolctl import threadpool_limits

import coursedata

RAW = ["amount", "hour", "channel", "merchant_category", "card_country", "merchant_country"]


def device_encoder() -> TargetEncoder:
    """scikit-learn's cross-fitting target encoder, folds fixed (passed as `cv` from 1.9 on)."""
    if tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 9):
        return TargetEncoder(
            target_type="binary", cv=StratifiedKFold(5, shuffle=True, random_state=0)
        )
    return TargetEncoder(target_type="binary", random_state=0)


def model(encode_device: bool) -> Pipeline:
    """Gradient boosting on the raw columns, and on the device's encoded fraud rate if asked."""
    steps = [(device_encoder(), ["device_id"])] if encode_device else []
    columns = make_column_transformer(
        *steps, ("passthrough", RAW), verbose_feature_names_out=False
    ).set_output(transform="pandas")
    booster = HistGradientBoostingClassifier(
        max_iter=100, categorical_features="from_dtype", random_state=0
    )
    return make_pipeline(columns, booster)


def episode_groups(world: coursedata.World) -> np.ndarray:
    """One group per fraud episode; every other payment a group of its own."""
    ids = world.transactions["transaction_id"]
    episode = ids.map(world.truth.fraud_episode_of)
    return np.where(episode.notna(), episode.fillna(0).astype(np.int64), -ids.to_numpy())


def main() -> None:
    world = coursedata.sample("medium", seed=0)
    tx = world.transactions.assign(hour=world.transactions["timestamp"].dt.hour)
    sizes = world.truth.fraud_episodes["n_transactions"]
    print(
        f"{sizes.sum()} fraud payments in {len(sizes)} episodes of {sizes.min()} to {sizes.max()}, "
        f"{sizes.mean():.2f} on average; {(sizes > 1).sum()} episodes have two or more"
    )
    splits = {
        "shuffled KFold": (KFold(3, shuffle=True, random_state=0), None),
        "grouped by episode": (GroupKFold(3, shuffle=True, random_state=0), episode_groups(world)),
        "grouped by user": (GroupKFold(3, shuffle=True, random_state=0), tx["user_id"]),
    }
    print("3-fold CV average precision (ROC AUC)")
    print("| features | " + " | ".join(splits) + " |")
    print("|---|" + "---:|" * len(splits))
    with threadpool_limits(limits=1):
        for name, encode_device in (("raw", False), ("raw + device_id encoded", True)):
            columns = [*RAW, "device_id"] if encode_device else RAW
            cells = []
            for cv, groups in splits.values():
                scores = cross_validate(
                    model(encode_device),
                    tx[columns],
                    tx["is_fraud"],
                    cv=cv,
                    groups=groups,
                    scoring=("average_precision", "roc_auc"),
                )
                ap = scores["test_average_precision"].mean()
                cells.append(f"{ap:.3f} ({scores['test_roc_auc'].mean():.3f})")
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
