"""The model that lesson 08's service serves, and the one function that turns requests into its input.

Hand-written (not generated from an exercise). The service (`coursekit/app.py`, from
08_serving/ex02_app) and its checks use these:

- `FEATURES`: the model's input columns, in order.
- `to_features(transactions) -> DataFrame`: one row of `FEATURES` (all float64) per transaction,
  in the given order, with a fresh RangeIndex. A transaction is a `Transaction`
  (`coursekit/schemas.py`) or a mapping with the same fields (a row of
  `coursedata.sample().transactions.to_dict("records")`). Training and serving both build their
  input with it: one definition of each feature, so the served model sees what it was trained on.
  Build one frame per request or batch: a DataFrame per row costs a fixed ~10 us each, and a
  `predict_proba` per row ~0.8 ms.
- `fast_scorer(model) -> Callable | None`: for the lesson's kind of model (a fitted Pipeline of
  exactly a StandardScaler and a binary LogisticRegression), a function that scores a feature
  matrix as `predict_proba(X)[:, 1]` does, in one matrix product: the scaler is folded into the
  coefficients, and the probability is `scipy.special.expit` of the decision (what scikit-learn
  computes too). It skips what makes `predict_proba` slow on a request's one row (~0.8 ms, most
  of it scikit-learn validating the DataFrame in each step; see docs/reference/benchmarks.md,
  "Serving"), for ~3 us. It keeps `predict_proba`'s refusals that matter here: a frame whose
  columns are not the fitted feature names, a matrix of another width, NaN or infinity. For any
  other model (another estimator, another step, more classes, a subclass, a wrapper) it returns
  None: score with `model.predict_proba`. A service should check it against `predict_proba` on a
  few rows before using it (the reference app does, at warm-up).
- `make_model_file(folder, seed=0) -> Path`: trains a small scikit-learn Pipeline (StandardScaler,
  then LogisticRegression) on the data world's transactions (`coursedata.sample("small", seed)`,
  labels `is_fraud`), saves it with lesson 07's `save_model` as `<folder>/fraud-<seed>.skops`
  (and its sidecar, with "model_version" "fraud-logreg-<seed>") and returns that path. Takes
  well under a second; the same seed gives the same model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
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
    "risky_category",  # 1.0 for RISKY_CATEGORIES, those fraudsters favour (coursedata.vocabulary)
)

_FIELDS = (
    "timestamp",
    "amount",
    "channel",
    "merchant_category",
    "card_country",
    "merchant_country",
)


# The service's own copy of coursedata.vocabulary.RISKY_CATEGORIES: the service's image ships
# without the data generator. make_model_file (which needs coursedata anyway) refuses to train
# when the two differ, so a model never learns from another definition than the one it serves.
RISKY_CATEGORIES = ("electronics", "digital_goods", "gift_cards", "jewelry", "crypto", "gambling")
_RISKY = frozenset(RISKY_CATEGORIES)


def _hour_utc(timestamp: Any) -> int:
    if isinstance(timestamp, str):
        timestamp = datetime.fromisoformat(timestamp)
    if timestamp.tzinfo is None:  # a naive time from a table is taken as UTC
        timestamp = timestamp.replace(tzinfo=UTC)
    return timestamp.astimezone(UTC).hour


_COLUMNS = pd.Index(FEATURES)  # shared by every frame: an Index is immutable


def to_features(transactions: Iterable[Any]) -> pd.DataFrame:
    """One row of FEATURES per transaction (a `Transaction` or a mapping), in order."""
    rows = []
    for t in transactions:
        get = t.get if isinstance(t, Mapping) else t.__getattribute__
        timestamp, amount, channel, category, card, merchant = (get(f) for f in _FIELDS)
        hour = _hour_utc(timestamp)
        rows.append(
            (
                math.log1p(float(amount)),  # log_amount
                float(hour),  # hour_utc
                1.0 if hour < 6 else 0.0,  # is_night
                1.0 if card != merchant else 0.0,  # is_foreign
                1.0 if channel == "web" else 0.0,  # channel_web
                1.0 if channel == "app" else 0.0,  # channel_app
                1.0 if category in _RISKY else 0.0,  # risky_category
            )
        )
    # One float64 block built from the rows, wrapped without a copy: a frame built from a dict
    # of columns costs ~8 times as much (~95 us for one row against ~12 us).
    matrix = np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))
    return pd.DataFrame(matrix, columns=_COLUMNS, copy=False)


def fast_scorer(model: Any) -> Callable[[Any], np.ndarray] | None:
    """`predict_proba(X)[:, 1]` of a fitted Pipeline(StandardScaler, binary LogisticRegression),
    as one matrix product and a sigmoid; None for any other model (score with predict_proba)."""
    from scipy.special import expit
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    # Exact types: a subclass or a wrapper may score differently, and the checks' wrappers
    # (slowed or gated models) must be called through their predict_proba.
    if type(model) is not Pipeline or len(model.steps) != 2:
        return None
    scaler, classifier = (step for _, step in model.steps)
    if type(scaler) is not StandardScaler or type(classifier) is not LogisticRegression:
        return None
    coef = getattr(classifier, "coef_", None)
    classes = getattr(classifier, "classes_", None)
    if coef is None or classes is None or len(classes) != 2 or coef.shape[0] != 1:
        return None
    width = coef.shape[1]
    mean = getattr(scaler, "mean_", None) if scaler.with_mean else np.zeros(width)
    scale = getattr(scaler, "scale_", None) if scaler.with_std else np.ones(width)
    if mean is None or scale is None or len(mean) != width or len(scale) != width:
        return None
    # (X - mean) / scale @ c + i  ==  X @ (c / scale) + (i - (mean / scale) @ c)
    weights = np.asarray(coef[0] / scale, dtype=np.float64)
    bias = float(classifier.intercept_[0] - np.dot(mean / scale, coef[0]))
    fitted = getattr(model, "feature_names_in_", None)
    names = None if fitted is None else pd.Index([str(name) for name in fitted])

    def score(X: Any) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            if names is not None and not X.columns.equals(names):
                raise ValueError(f"the columns {list(X.columns)} are not the model's {list(names)}")
            matrix = X.to_numpy(dtype=np.float64)  # np.asarray(frame) costs ~10 times as much
        else:
            matrix = np.asarray(X, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != width:
            raise ValueError(f"expected a matrix of {width} columns, got the shape {matrix.shape}")
        if not np.isfinite(matrix).all():
            raise ValueError("the input contains NaN or infinity")
        return expit(matrix @ weights + bias)

    return score


def make_model_file(folder: str | Path, seed: int = 0) -> Path:
    """Train the lesson's fraud model on `coursedata.sample("small", seed)` and save it (with its
    sidecar) as `<folder>/fraud-<seed>.skops`; return that path."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    import coursedata
    from coursedata.vocabulary import RISKY_CATEGORIES as DATA_WORLD_RISKY
    from coursekit.model_io import save_model

    if frozenset(DATA_WORLD_RISKY) != _RISKY:
        raise RuntimeError(
            "coursekit.serving_model.RISKY_CATEGORIES differs from coursedata.vocabulary's: "
            f"{sorted(_RISKY)} against {sorted(DATA_WORLD_RISKY)}"
        )
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
