"""Worked example: fraud needs history. Raw columns vs the same model with past-window features.

It generates a world, builds a few per-user features from each user's *earlier* payments only
(and the account's age), splits by time, and fits the same gradient-boosting model twice. The
history features win by a wide margin, because the fraud in `coursedata` is a burst, on a new
device, far above the account's usual amount, or from an account opened hours ago: none of that
is visible in a single row.

Run: python docs/examples/coursedata/fraud_baseline.py (about five seconds)
"""

from __future__ import annotations

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from threadpoolctl import threadpool_limits

import coursedata

RAW_COLUMNS = ["amount", "hour", "channel", "merchant_category", "card_country", "merchant_country"]
HISTORY_COLUMNS = [
    "n_prev_1h",
    "n_prev_24h",
    "seconds_since_prev",
    "amount_to_median",
    "device_prev_uses",
    "country_mismatch",
    "account_age_days",
]


def past_window_features(transactions: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """Per-user features computed from strictly earlier payments (plus the row's own hour and
    country mismatch, and the account's age from `users`). Returns a frame indexed like
    `transactions`, in the same row order."""
    # Sorted by user, then time: grouped rolling results come back in exactly this row order.
    tx = transactions.sort_values(["user_id", "timestamp", "transaction_id"])
    by_user = tx.groupby("user_id", sort=False)
    out = pd.DataFrame(index=tx.index)
    for window in ("1h", "24h"):
        # closed="left": the window [t - 1h, t) leaves the payment itself out.
        counts = by_user.rolling(window, on="timestamp", closed="left")["amount"].count()
        out[f"n_prev_{window}"] = counts.fillna(0).to_numpy()
    out["seconds_since_prev"] = by_user["timestamp"].diff().dt.total_seconds()
    previous_amount = by_user["amount"].shift()  # the median must not see the payment itself
    median_so_far = previous_amount.groupby(tx["user_id"], sort=False).expanding().median()
    out["amount_to_median"] = tx["amount"] / median_so_far.to_numpy()
    out["device_prev_uses"] = tx.groupby(["user_id", "device_id"]).cumcount()
    out["country_mismatch"] = tx["card_country"] != tx["merchant_country"]
    out["hour"] = tx["timestamp"].dt.hour
    signup = tx["user_id"].map(users.set_index("user_id")["signup_at"])
    out["account_age_days"] = (tx["timestamp"] - signup).dt.total_seconds() / 86_400
    return out.reindex(transactions.index)


def fit_and_score(train: pd.DataFrame, test: pd.DataFrame, columns: list[str]) -> dict[str, float]:
    """Fit a HistGradientBoostingClassifier on `columns` of `train`; score it on `test`."""
    model = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.1, categorical_features="from_dtype", random_state=0
    )
    model.fit(train[columns], train["is_fraud"])
    scores = model.predict_proba(test[columns])[:, 1]
    return {
        "average_precision": round(float(average_precision_score(test["is_fraud"], scores)), 3),
        "roc_auc": round(float(roc_auc_score(test["is_fraud"], scores)), 3),
    }


def compare(world: coursedata.World, train_share: float = 0.7) -> dict[str, dict[str, float]]:
    """Raw columns vs raw + history features, trained on the first `train_share` of the time
    window and tested on the rest. Returns {"raw": scores, "history": scores}."""
    tx = world.transactions
    data = pd.concat([tx, past_window_features(tx, world.users)], axis=1)
    cut = tx["timestamp"].quantile(train_share)
    train, test = data[data["timestamp"] < cut], data[data["timestamp"] >= cut]
    return {
        "raw": fit_and_score(train, test, RAW_COLUMNS),
        "history": fit_and_score(train, test, RAW_COLUMNS + HISTORY_COLUMNS),
    }


def main() -> None:
    world = coursedata.generate(n_transactions=200_000, n_users=8_000, n_merchants=1_000, seed=0)
    print(f"fraud rate {world.truth.fraud_rate:.2%} in {len(world.transactions):,} transactions")
    # Gradient boosting's OpenMP threads spin while they wait for each other: on a busy machine
    # one thread is several times faster than two. The scores are the same either way.
    with threadpool_limits(limits=1):
        results = compare(world)
    print("| model | average precision | ROC AUC |")
    print("|---|---|---|")
    for name, scores in results.items():
        print(f"| {name} | {scores['average_precision']:.3f} | {scores['roc_auc']:.3f} |")


if __name__ == "__main__":
    main()
