"""Worked example: a scaler fitted on every row, then cross-validated, against one in a pipeline.

`StandardScaler().fit_transform(X)` before `cross_val_score` lets each test fold's rows shape the
means and standard deviations that the training folds are scaled with. Put the scaler in a
`Pipeline` and cross-validation refits it on each training fold only. Here the two scores are
close, and the example prints by how much: a mean and a standard deviation carry almost nothing
about the labels. The habit is what matters, because the same code shape with a step that learns
*from the labels* (feature selection, target encoding) leaks a lot (the next two examples).

Run: python docs/examples/03_features/scaler_leak.py
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import coursedata


def features(world: coursedata.World) -> tuple[np.ndarray, np.ndarray]:
    """Four numeric columns per payment: amount, hour, the user's spend level, merchant risk."""
    tx = world.transactions.merge(world.users, on="user_id").merge(
        world.merchants, on="merchant_id"
    )
    X = np.column_stack(
        [tx["amount"], tx["timestamp"].dt.hour, tx["spend_level"], tx["risk_score"]]
    )
    return X, tx["is_fraud"].to_numpy()


def main() -> None:
    X, y = features(coursedata.sample("small", seed=0))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)

    # Leaky: the scaler sees all rows, test folds included, before the split.
    X_scaled = StandardScaler().fit_transform(X)
    leaky = cross_val_score(LogisticRegression(), X_scaled, y, cv=folds, scoring="roc_auc")

    # Honest: the pipeline is refitted per fold, so the scaler sees training rows only.
    pipeline = make_pipeline(StandardScaler(), LogisticRegression())
    honest = cross_val_score(pipeline, X, y, cv=folds, scoring="roc_auc")

    print(f"scaler fitted on all rows: CV ROC AUC {leaky.mean():.4f}")
    print(f"scaler inside the pipeline: CV ROC AUC {honest.mean():.4f}")
    print(f"difference: {leaky.mean() - honest.mean():+.5f}")


if __name__ == "__main__":
    main()
