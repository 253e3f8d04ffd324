"""Worked example: the payment features the scikit-learn examples share.

Every column is known when a payment is made: the payment's own amount, hour, channel and
merchant category, whether the card is abroad, its user's account age and its merchant's risk
score. `NUMERIC` and `CATEGORICAL` name how a model should read each one. The other examples on
the page import these three names from here.

Run: python docs/examples/scikit_learn/payment_features.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import coursedata

NUMERIC = ["log_amount", "abroad", "risk_score", "account_age_days"]
CATEGORICAL = ["hour", "channel", "merchant_category"]  # an hour is a category, not a quantity


def payment_features(world: coursedata.World) -> pd.DataFrame:
    """Columns known when a payment is made: its own, its user's and its merchant's."""
    tx = world.transactions
    signup = tx["user_id"].map(world.users.set_index("user_id")["signup_at"])
    risk = tx["merchant_id"].map(world.merchants.set_index("merchant_id")["risk_score"])
    return pd.DataFrame(
        {
            "log_amount": np.log(tx["amount"]),
            "abroad": (tx["card_country"] != tx["merchant_country"]).astype(int),
            "risk_score": risk,
            "account_age_days": (tx["timestamp"] - signup).dt.total_seconds() / 86_400,
            "hour": tx["timestamp"].dt.hour,
            "channel": tx["channel"],
            "merchant_category": tx["merchant_category"],
        }
    )


def main() -> None:
    X = payment_features(coursedata.sample("small", seed=0))
    print(f"{len(X):,} payments, {X.shape[1]} columns: {', '.join(X.columns)}")
    print(X.head(3).round(2).to_string())


if __name__ == "__main__":
    main()
