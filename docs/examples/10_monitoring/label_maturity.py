"""Worked example: how late the labels arrive, and what that does to this week's precision.

The data world's label is a chargeback, which arrives 2 days plus a Gamma(2, 10) number of days
after the payment. The example scores the medium world's payments with the service's model
(lesson 08's, from coursekit.serving_model), flags those scoring at least 0.2, and looks back
from the window's last day, 2025-06-30, the way a monitoring job would on that day:

1. for payments of each age, the share of their frauds whose chargeback has not arrived yet;
2. precision and recall of the flags week by week, computed three ways: with the labels as
   finally known (the truth a monitoring job never has), with every payment not charged back
   yet counted as legitimate (too bad), and on labelled rows only, where a payment counts as
   legitimate once it is 60 days old without a chargeback (too good);
3. the rule that gets it right: report only weeks old enough for their labels, and count the
   unlabelled rows instead of guessing them.

Run: python docs/examples/10_monitoring/label_maturity.py   (about 3 s)
"""

from __future__ import annotations

import tempfile

import numpy as np
import pandas as pd

import coursedata
from coursekit.model_io import load_model
from coursekit.serving_model import make_model_file, to_features

AS_OF = pd.Timestamp("2025-06-30", tz="UTC")
THRESHOLD = 0.2
CONFIRMED_LEGIT_AFTER = pd.Timedelta(days=60)  # no chargeback after 60 days: call it legit
FIELDS = ["timestamp", "amount", "channel", "merchant_category", "card_country", "merchant_country"]


def scored_payments() -> pd.DataFrame:
    """Every payment of the medium world with the service model's score and flag."""
    tx = coursedata.sample("medium").transactions
    with tempfile.TemporaryDirectory() as folder:
        model, _ = load_model(make_model_file(folder))
    features = to_features(tx[FIELDS].to_dict("records"))
    out = tx[["transaction_id", "timestamp", "is_fraud", "chargeback_at"]].copy()
    out["flagged"] = model.predict_proba(features)[:, 1] >= THRESHOLD
    return out


def precision_recall(flagged: pd.Series, fraud: pd.Series) -> tuple[float, float]:
    """NaN where there is nothing to divide by (no flags, no frauds), never a made-up 0."""
    hits = (flagged & fraud).sum()
    return (
        hits / flagged.sum() if flagged.any() else np.nan,
        hits / fraud.sum() if fraud.any() else np.nan,
    )


def two(x: float) -> str:
    return "n/a" if np.isnan(x) else f"{x:.2f}"


def weekly(df: pd.DataFrame, n_weeks: int) -> list[tuple]:
    """The last n_weeks before AS_OF: (start, age in days, precision final / unlabelled as
    negatives / labelled rows only, recall final / unlabelled as negatives)."""
    known_fraud = df["chargeback_at"] <= AS_OF
    out = []
    for start in pd.date_range(AS_OF - pd.Timedelta(weeks=n_weeks), AS_OF, freq="7D")[:-1]:
        week = (df["timestamp"] >= start) & (df["timestamp"] < start + pd.Timedelta(days=7))
        w, known = df[week], known_fraud[week]
        final_p, final_r = precision_recall(w["flagged"], w["is_fraud"])
        naive_p, naive_r = precision_recall(w["flagged"], known)
        # labelled rows only: the known frauds, and the payments old enough to count as legit
        labelled = known | (w["timestamp"] <= AS_OF - CONFIRMED_LEGIT_AFTER)
        only_p, _ = precision_recall(w["flagged"][labelled], known[labelled])
        out.append((start, (AS_OF - start).days, final_p, naive_p, only_p, final_r, naive_r))
    return out


def main() -> None:
    df = scored_payments()
    known_fraud = df["chargeback_at"] <= AS_OF  # NaT compares False: no chargeback (yet)
    age_days = (AS_OF - df["timestamp"]).dt.total_seconds() / 86400

    print(
        f"as of {AS_OF.date()}: {len(df):,} payments, {df['flagged'].mean():.2%} flagged "
        f"(score >= {THRESHOLD})"
    )
    print("| payments aged | frauds | charged back by now | still unlabelled |")
    print("|---|---:|---:|---:|")
    for low, high in ((0, 7), (7, 14), (14, 30), (30, 60), (60, 90)):
        rows = (age_days >= low) & (age_days < high) & df["is_fraud"]
        known = (rows & known_fraud).sum()
        print(f"| {low}-{high} days | {rows.sum()} | {known} | {1 - known / rows.sum():.0%} |")

    print(
        "| week starting | age (days) | precision, final | as negatives | labelled only "
        "| recall, final | as negatives |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows_by_week = weekly(df, n_weeks=12)
    for start, age, *values in rows_by_week:
        print(f"| {start.date()} | {age} | {' | '.join(two(x) for x in values)} |")

    # The rule: weeks whose payments are all at least `maturity` old; unlabelled rows counted.
    print("weeks old enough for their labels (maturity 30 days / 60 days):")
    for maturity in (30, 60):
        mature = [r for r in rows_by_week if r[1] - 7 >= maturity]
        gap = max(abs(r[3] - r[2]) for r in mature)
        last = mature[0][0] + pd.Timedelta(weeks=len(mature))
        start = mature[0][0]
        in_range = (df["timestamp"] >= start) & (df["timestamp"] < last) & df["is_fraud"]
        unlabelled = (in_range & ~known_fraud).sum()
        print(
            f"  {maturity} days: {len(mature)} weeks, precision off by at most {gap:.2f}, "
            f"{unlabelled} of {in_range.sum()} frauds still unlabelled"
        )


if __name__ == "__main__":
    main()
