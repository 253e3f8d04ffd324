"""Worked example: the fraud model every example of lesson 04 evaluates, and its three periods.

The model is lesson 03's gradient boosting, trained as lesson 03 trains it: at a cut, on the
labels known then (`coursedata.labels_as_of`), so a fraud whose chargeback had not arrived is a
legitimate payment to it, as it would be in production. It sees the columns known when a payment
is made (the scikit-learn page's `payment_features`) and the user's history before it (the data
world's `past_window_features`: payments in the previous hour and day, time since the previous
one, amount over the user's median so far, earlier uses of the device). A logistic regression
on the same columns is the second model the examples rank.

Three periods of the medium world, in time order:

- training: the payments before 1 April 2025, with the labels known on 1 April;
- validation: April, where a threshold is chosen and a calibration fitted;
- test: May and June, scored once, where the data world doubles its fraud rate on 31 May.

Validation and test are scored with the labels as finally known: an offline evaluation is run
once their chargebacks are in (60 days brings 97.7 % of them). The other examples import
`scored()`, which fits both models once and returns every validation and test payment with its
label, its amount in euros, its fraud episode and both models' scores.

Run: python docs/examples/04_evaluation/scored_payments.py (about three seconds)
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import coursedata

EXAMPLES = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(EXAMPLES / "scikit_learn"), str(EXAMPLES / "coursedata")]

from fraud_baseline import past_window_features  # noqa: E402  (docs/examples/coursedata)
from payment_features import CATEGORICAL, NUMERIC, payment_features  # noqa: E402

HISTORY = ["n_prev_1h", "n_prev_24h", "seconds_since_prev", "amount_to_median", "device_prev_uses"]
COLUMNS = [*NUMERIC, *HISTORY, *CATEGORICAL]
CUT = pd.Timestamp("2025-04-01", tz="UTC")  # the model is trained on this day
TEST_START = pd.Timestamp("2025-05-01", tz="UTC")
ALERT_EUR = 5.0  # what an analyst's review of one alert costs (six minutes at 50 EUR an hour)
EUR_PER = {"EUR": 1.0, "GBP": 1 / 0.85, "CHF": 1 / 0.95, "USD": 1 / 1.08}  # the world's rates


def features(world: coursedata.World) -> pd.DataFrame:
    """Every payment's columns known when it is made: its own, and its user's history."""
    history = past_window_features(world.transactions, world.users)[HISTORY]
    history = history.assign(  # log scales: a linear model reads ratios, not raw seconds
        seconds_since_prev=np.log1p(history["seconds_since_prev"]),
        amount_to_median=np.log(history["amount_to_median"]),
    )
    return pd.concat([payment_features(world), history], axis=1)[COLUMNS]


def models() -> dict[str, object]:
    """The two models, unfitted: gradient boosting (lesson 03's) and a logistic regression."""
    boosting = HistGradientBoostingClassifier(
        max_iter=100, categorical_features="from_dtype", random_state=0
    )
    numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    logistic = make_pipeline(
        make_column_transformer(
            (numeric, [*NUMERIC, *HISTORY]),
            (OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ),
        LogisticRegression(max_iter=2_000),
    )
    return {"boosting": boosting, "logistic": logistic}


def training_rows(world: coursedata.World) -> tuple[pd.Index, pd.Series]:
    """The payments before the cut and their labels as known at the cut."""
    known = coursedata.labels_as_of(world, CUT)
    rows = known.index[world.transactions.loc[known.index, "timestamp"] < CUT]
    return rows, known.loc[rows]


def evaluation_frame(world: coursedata.World) -> pd.DataFrame:
    """Every payment from the cut on: period, final label, amount in euros, fraud episode."""
    tx = world.transactions[world.transactions["timestamp"] >= CUT]
    episode = tx["transaction_id"].map(world.truth.fraud_episode_of)
    return pd.DataFrame(
        {
            "timestamp": tx["timestamp"],
            "period": np.where(tx["timestamp"] < TEST_START, "validation", "test"),
            "y": tx["is_fraud"].to_numpy(),
            "amount_eur": tx["amount"] * tx["currency"].astype(str).map(EUR_PER).astype(float),
            "episode": episode.astype("Int64"),  # <NA> for a payment that was not truly fraud
        },
        index=tx.index,
    )


@cache
def fitted(kind: str = "medium", seed: int = 0) -> tuple[coursedata.World, pd.DataFrame, dict]:
    """`sample(kind, seed)`, its features, and both models fitted on its training rows with the
    labels known at the cut. Cached: the examples and the figures fit once per process."""
    world = coursedata.sample(kind, seed=seed)
    X = features(world)
    rows, known = training_rows(world)
    fitted_models = models()
    with threadpool_limits(limits=1):  # one thread: faster on a busy machine, same scores
        for model in fitted_models.values():
            model.fit(X.loc[rows], known)
    return world, X, fitted_models


def score(model, X: pd.DataFrame) -> np.ndarray:
    """The model's probability of fraud for every row of `X`, on one thread."""
    with threadpool_limits(limits=1):
        return model.predict_proba(X)[:, 1]


@cache
def scored(kind: str = "medium", seed: int = 0) -> pd.DataFrame:
    """`evaluation_frame` of `sample(kind, seed)` with a score column per fitted model."""
    world, X, fitted_models = fitted(kind, seed)
    frame = evaluation_frame(world)
    later = X.loc[frame.index]
    return frame.assign(**{name: score(m, later) for name, m in fitted_models.items()})


def cost_by_threshold(y, p, amount) -> tuple[np.ndarray, np.ndarray]:
    """Every threshold worth trying (np.inf: flag nothing) and what flagging `p >= it` costs:
    ALERT_EUR per false alarm, plus the amount of every fraud let through.

    roc_curve gives, for each distinct score, the share of legitimate payments at or above it
    (the false alarms) and the share of the positives' weight at or above it: with every fraud
    weighted by its amount, the share of the fraud money caught."""
    y, p, amount = np.asarray(y, dtype=bool), np.asarray(p), np.asarray(amount)
    fpr, money_caught, thresholds = roc_curve(
        y, p, sample_weight=np.where(y, amount, 1.0), drop_intermediate=False
    )
    return thresholds, ALERT_EUR * fpr * np.sum(~y) + amount[y].sum() * (1 - money_caught)


def cost_of_alerts(y, flagged, amount) -> float:
    """What a list of alerts costs, in euros: ALERT_EUR per false alarm, plus the amount of
    every fraud that was not flagged."""
    y, flagged = np.asarray(y, dtype=bool), np.asarray(flagged, dtype=bool)
    return float(ALERT_EUR * np.sum(flagged & ~y) + np.asarray(amount)[y & ~flagged].sum())


def cost_at(y, p, amount, threshold: float) -> float:
    """What flagging every payment scored at or above `threshold` costs, in euros."""
    return cost_of_alerts(y, np.asarray(p) >= threshold, amount)


def cheapest_threshold(part: pd.DataFrame, column: str) -> float:
    """The threshold on `part[column]` that cost least on `part` (the first, i.e. the highest,
    of several equally cheap ones)."""
    thresholds, costs = cost_by_threshold(part["y"], part[column], part["amount_eur"])
    return float(thresholds[np.argmin(costs)])


def main() -> None:
    frame = scored()
    world = coursedata.sample("medium", seed=0)
    rows, known = training_rows(world)
    print(
        f"training: {len(rows):,} payments before {CUT:%Y-%m-%d}, {known.sum()} frauds known "
        f"then ({world.transactions.loc[rows, 'is_fraud'].sum()} in the end)"
    )
    for period, part in frame.groupby("period", sort=False):
        print(
            f"{period}: {len(part):,} payments from {part['timestamp'].min():%Y-%m-%d} to "
            f"{part['timestamp'].max():%Y-%m-%d}, {part['y'].sum()} frauds "
            f"({part['y'].mean():.2%}), {part['episode'].nunique()} episodes"
        )
    print(frame[frame["episode"].notna()].drop(columns="timestamp").head(4).round(4).to_string())


if __name__ == "__main__":
    main()
