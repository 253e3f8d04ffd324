"""Worked example: three ways to hand a model the hour of the day.

Fraud in the data world favours the night (00:00 to 05:00 UTC). The hour is a number on a
circle: 23 is one hour from 0, not 23. Given to a linear model as a plain number, it can only say
"the later, the riskier" (or the reverse). One-hot encoding gives each hour its own weight (24
columns, no order at all). Two columns, sin and cos of 2 pi hour / 24, put the hours on a circle
with 23 next to 0; a linear model on them draws one smooth bump around the clock. A tree needs
none of this: it cuts the raw hour into intervals (a night that wraps past midnight costs it two
cuts).

Trained before the cut on the labels known then, on the hour alone; tested after.

Run: python docs/examples/03_features/cyclic_hour.py (about two seconds)
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import coursedata


def on_the_clock(hours: np.ndarray) -> np.ndarray:
    """sin and cos of the hour's angle on a 24-hour clock: two columns, 23 next to 0."""
    angle = 2 * np.pi * hours / 24
    return np.hstack([np.sin(angle), np.cos(angle)])


ENCODINGS = {
    "a number, scaled": make_pipeline(StandardScaler(), LogisticRegression()),
    "one-hot, 24 columns": make_pipeline(OneHotEncoder(), LogisticRegression()),
    "sin and cos, 2 columns": make_pipeline(
        FunctionTransformer(on_the_clock), LogisticRegression()
    ),
    "a number, gradient boosting": HistGradientBoostingClassifier(random_state=0),
}


def main() -> None:
    world = coursedata.sample("medium", seed=0)
    tx = world.transactions
    hour = tx["timestamp"].dt.hour.to_numpy()[:, None]
    cut = tx["timestamp"].quantile(0.7)
    train = (tx["timestamp"] < cut).to_numpy()
    labels = coursedata.labels_as_of(world, cut).loc[tx.index[train]]
    print("the hour alone, test ROC AUC:")
    with threadpool_limits(limits=1):
        for name, model in ENCODINGS.items():
            model.fit(hour[train], labels)
            p = model.predict_proba(hour[~train])[:, 1]
            print(f"  {name:28s} {roc_auc_score(tx['is_fraud'][~train], p):.3f}")


if __name__ == "__main__":
    main()
