"""The model that lesson 08's service serves, and the one function that turns requests into its input.

Hand-written (not generated from an exercise). The service (`coursekit/app.py`, from
08_serving/ex02_app) and its checks use three things from here:

- `FEATURES`: the model's input columns, in order.
- `to_features(transactions) -> DataFrame`: one row of `FEATURES` (all float64) per transaction,
  in the given order, with a fresh RangeIndex. A transaction is a `Transaction`
  (`coursekit/schemas.py`) or a mapping with the same fields (a row of
  `coursedata.sample().transactions.to_dict("records")`). Training and serving both build their
  input with it: one definition of each feature, so the served model sees what it was trained on.
  Build one frame per request or batch: a DataFrame per row costs a fixed ~0.1-0.2 ms each.
- `make_model_file(folder, seed=0) -> Path`: trains a small scikit-learn Pipeline (StandardScaler,
  then LogisticRegression) on the data world's transactions (`coursedata.sample("small", seed)`,
  labels `is_fraud`), saves it with lesson 07's `save_model` as `<folder>/fraud-<seed>.skops`
  (and its sidecar, with "model_version" "fraud-logreg-<seed>") and returns that path. Takes
  well under a second; the same seed gives the same model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FEATURES = (
    "log_amount",  # log(1 + amount): amounts span five orders of magnitude
    "hour_utc",  # the hour of the payment, in UTC (0-23)
    "is_night",  # 1.0 between 00:00 and 05:59 UTC
    "is_foreign",  # 1.0 when card_country differs from merchant_country
    "channel_web",  # one-hot channel; "pos" is the baseline
    "channel_app",
    "risky_category",  # 1.0 for the categories fraudsters favour (coursedata.vocabulary)
)

_FIELDS = (
    "timestamp",
    "amount",
    "channel",
    "merchant_category",
    "card_country",
    "merchant_country",
)


def _risky() -> frozenset[str]:
    from coursedata.vocabulary import RISKY_CATEGORIES

    return frozenset(RISKY_CATEGORIES)


_RISKY = _risky()


def _hour_utc(timestamp: Any) -> int:
    if isinstance(timestamp, str):
        timestamp = datetime.fromisoformat(timestamp)
    if timestamp.tzinfo is None:  # a naive time from a table is taken as UTC
        timestamp = timestamp.replace(tzinfo=UTC)
    return timestamp.astimezone(UTC).hour


def to_features(transactions: Iterable[Any]) -> pd.DataFrame:
    """One row of FEATURES per transaction (a `Transaction` or a mapping), in order."""
    columns: dict[str, list[float]] = {name: [] for name in FEATURES}
    for t in transactions:
        get = t.get if isinstance(t, Mapping) else t.__getattribute__
        timestamp, amount, channel, category, card, merchant = (get(f) for f in _FIELDS)
        hour = _hour_utc(timestamp)
        columns["log_amount"].append(math.log1p(float(amount)))
        columns["hour_utc"].append(float(hour))
        columns["is_night"].append(1.0 if hour < 6 else 0.0)
        columns["is_foreign"].append(1.0 if card != merchant else 0.0)
        columns["channel_web"].append(1.0 if channel == "web" else 0.0)
        columns["channel_app"].append(1.0 if channel == "app" else 0.0)
        columns["risky_category"].append(1.0 if category in _RISKY else 0.0)
    return pd.DataFrame({name: np.asarray(v, dtype=np.float64) for name, v in columns.items()})


def make_model_file(folder: str | Path, seed: int = 0) -> Path:
    """Train the lesson's fraud model on `coursedata.sample("small", seed)` and save it (with its
    sidecar) as `<folder>/fraud-<seed>.skops`; return that path."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    import coursedata
    from coursekit.model_io import save_model

    transactions = coursedata.sample("small", seed=seed).transactions
    X = to_features(transactions[list(_FIELDS)].to_dict("records"))
    y = transactions["is_fraud"].to_numpy().astype(np.int64)
    model = Pipeline(
        [("scale", StandardScaler()), ("classify", LogisticRegression(max_iter=1000))]
    ).fit(X, y)
    auc = float(roc_auc_score(y, model.predict_proba(X)[:, 1]))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"fraud-{seed}.skops"
    save_model(
        model,
        path,
        {
            "model_version": f"fraud-logreg-{seed}",
            "description": "lesson 08's fraud model: StandardScaler + LogisticRegression",
            "training_data": f'coursedata.sample("small", seed={seed})',
            "metrics": {"train_roc_auc": round(auc, 4)},
        },
    )
    return path
