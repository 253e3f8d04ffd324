"""Worked example: the fraud table of lesson 13, with labels that lie at known rows.

The medium world's 50,000 payments, the fraud baseline's raw and history features (lesson 03's
past-window features, from `docs/examples/coursedata/fraud_baseline.py`), and three labels:
`is_fraud` as observed (the world's own 90 wrong labels), `noisy_labels(rate=0.2)` (225 more
flips at known rows) and the truth, which only the evaluation reads. Training is the first 70 %
of the window, testing the last 30 %, always scored against the truth.

The other examples of this lesson import `load()` from here.

Run: python docs/examples/13_data_centric/noisy_fraud.py
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

import coursedata

_BASELINE = Path(__file__).resolve().parents[1] / "coursedata" / "fraud_baseline.py"
_spec = importlib.util.spec_from_file_location("fraud_baseline", _BASELINE)
baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(baseline)
COLUMNS = baseline.RAW_COLUMNS + baseline.HISTORY_COLUMNS


@dataclass
class FraudData:
    world: coursedata.World
    X: pd.DataFrame  # features, one row per payment, in time order
    noisy: np.ndarray  # the labels training sees (bool)
    truth: np.ndarray  # the true fraud flag (bool): for scoring only
    flipped: np.ndarray  # True where noisy_labels flipped the label
    train: np.ndarray  # row positions: the first 70 % of the window
    test: np.ndarray  # the last 30 %


def load(rate: float = 0.2) -> FraudData:
    world = coursedata.sample("medium")
    tx = world.transactions
    features = baseline.past_window_features(tx, world.users)
    raw = [c for c in baseline.RAW_COLUMNS if c != "hour"]
    X = pd.concat([tx[raw], features], axis=1)[COLUMNS]
    noisy = coursedata.noisy_labels(world, rate=rate, seed=0).to_numpy()
    ids = tx["transaction_id"].to_numpy()
    flipped = np.isin(ids, world.truth.extras["noisy_labels"].flipped_ids)
    truth = np.isin(ids, world.truth.true_fraud_ids)
    cut = int(0.7 * len(tx))
    return FraudData(world, X, noisy, truth, flipped, np.arange(cut), np.arange(cut, len(tx)))


def model(**params) -> HistGradientBoostingClassifier:
    """The lesson's fraud model: gradient boosting with native categories, seeded."""
    return HistGradientBoostingClassifier(
        categorical_features="from_dtype", random_state=0, **params
    )


def main() -> None:
    data = load()
    wrong = data.noisy != data.truth
    print(f"{len(data.X):,} payments, {data.X.shape[1]} features: {', '.join(COLUMNS)}")
    print(
        f"labels training sees: {int(data.noisy.sum()):,} fraud; wrong labels {int(wrong.sum())} "
        f"({int(data.flipped.sum())} flipped by noisy_labels, "
        f"{int((wrong & ~data.flipped).sum())} the world's own)"
    )
    flips = data.world.truth.extras["noisy_labels"]
    print(
        f"noisy_labels turned {len(flips.to_false_ids)} frauds honest and "
        f"{len(flips.to_true_ids)} honest payments fraud"
    )
    print(
        f"train {len(data.train):,} rows ({int(wrong[data.train].sum())} wrong labels), "
        f"test {len(data.test):,} rows scored on the truth ({int(data.truth[data.test].sum())} "
        "frauds)"
    )


if __name__ == "__main__":
    main()
