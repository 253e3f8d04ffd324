"""Worked example: the table this lesson scores, and the model that scores it.

The table is one row per payment: its `transaction_id` and the columns known when the payment is
made (the scikit-learn page's `payment_features`: log amount, paid abroad, the merchant's risk
score, the account's age, the hour, the channel and the merchant category), with the two text
columns as plain strings, the way they come back from a CSV file. `payments_table(n)` makes one
of any length from the data world (`coursedata.generate` with its own seed: next month's
payments, not the training rows).

The model is a `Pipeline`: an `OrdinalEncoder` for the two text columns (an unseen category
becomes NaN, which gradient boosting routes like a missing value), then a
`HistGradientBoostingClassifier` of 50 trees, trained on the medium world's 50,000 payments.
Every type in it is one that skops loads without ceremony or that a reviewer can name (see
`model_files.py`). The other examples import `payments_table` and `trained_model`.

Run: python docs/examples/07_batch/scoring_model.py
"""

from __future__ import annotations

import sys
import time
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OrdinalEncoder
from threadpoolctl import threadpool_limits

import coursedata

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scikit_learn"))
from payment_features import payment_features  # noqa: E402  (docs/examples/scikit_learn)

TEXT = ["channel", "merchant_category"]
NUMBERS = ["log_amount", "abroad", "risk_score", "account_age_days", "hour"]
FEATURES = [*NUMBERS, *TEXT]


def payments_table(n_rows: int, seed: int = 1) -> pd.DataFrame:
    """`n_rows` payments of a data world drawn with `seed`: `transaction_id`, then FEATURES, and
    the label `is_fraud` (a scoring job never reads it; the examples use it to check scores)."""
    world = coursedata.generate(n_transactions=n_rows, n_users=max(100, n_rows // 25), seed=seed)
    table = payment_features(world).astype({"hour": "int64", **{column: str for column in TEXT}})
    table.insert(0, "transaction_id", world.transactions["transaction_id"])
    table["is_fraud"] = world.transactions["is_fraud"]
    return table[["transaction_id", *FEATURES, "is_fraud"]]


def new_model(numbers: list[str] = NUMBERS) -> Pipeline:
    """The unfitted pipeline: TEXT ordinal-encoded, `numbers` passed through, then boosting."""
    encode = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
    return make_pipeline(
        make_column_transformer((encode, TEXT), ("passthrough", numbers)),
        HistGradientBoostingClassifier(
            max_iter=50, max_leaf_nodes=15, early_stopping=False, random_state=0
        ),
    )


@cache
def trained_model() -> Pipeline:
    """The fraud model, fitted once per process on the medium world's payments (seed 0)."""
    table = payments_table(50_000, seed=0)
    with threadpool_limits(limits=1):  # one thread: the same speed on a busy machine or an idle one
        return new_model().fit(table[FEATURES], table["is_fraud"])


def main() -> None:
    model = trained_model()
    table = payments_table(100_000)
    print(f"columns the model reads: {', '.join(model.feature_names_in_)}")
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        scores = model.predict_proba(table[FEATURES])[:, 1]
    seconds = time.perf_counter() - start
    auc = roc_auc_score(table["is_fraud"], scores)
    print(f"{len(table):,} new payments scored: ROC AUC {auc:.3f}")
    print(f"one predict_proba on the whole frame: {len(table) / seconds:,.0f} rows/s (this run)")


if __name__ == "__main__":
    main()
