"""Worked example: one window feature computed offline (pandas, for training) and online (a
counter at scoring time), and the three ways the two drift apart: ties, late arrivals, and
definitions that differ.

Feature: how many payments the same device made in the 10 minutes up to a payment. Counting the
payment itself is not a leak: its time and amount are known when it is scored, and many serving
counters add a payment before they read. What breaks a model is training on one definition and
serving another (training/serving skew).

Run: python docs/examples/02_pandas/serving_skew.py
"""

import pandas as pd

import coursedata

WINDOW = "10min"
# One device's payments as the offline table holds them: sorted by time, ties by payment id (ids
# are random). recorded_at is when the serving side received the payment and scored it: the
# 12:05 payment came in six minutes late, and the two 12:13 payments arrived 7801 first.
DAY = "2025-03-01 "
PAYMENTS = pd.DataFrame(
    {
        "device": 1,
        "payment": [4410, 1187, 9023, 5532, 3068, 2260, 7801],
        "at": pd.to_datetime(
            [DAY + t for t in ("12:00", "12:03", "12:05", "12:08", "12:10", "12:13", "12:13")],
            utc=True,
        ),
        "recorded_at": pd.to_datetime(
            [
                DAY + t
                for t in ("12:00", "12:03", "12:11", "12:08", "12:10", "12:13:02", "12:13:01")
            ],
            utc=True,
            format="ISO8601",
        ),
    }
)


def offline_counts(payments: pd.DataFrame, key: str, window: str, closed: str) -> pd.Series:
    """Per payment: the same key's payments in the window, by rolling() over the table's rows."""
    ordered = payments.sort_values([key, "at"], kind="stable").assign(one=1.0)
    rolled = ordered.groupby(key)[["at", "one"]].rolling(window, on="at", closed=closed)
    counts = rolled.count()["one"].droplevel(0)
    return counts.reindex(payments.index).fillna(0).astype("int64")


def online_counts(payments: pd.DataFrame, window: str) -> pd.Series:
    """What the serving counter returned: payments are scored in the order they arrive; each one
    is added to its device's log, then the counter counts the logged times in (t - w, t]."""
    width, log, served = pd.Timedelta(window), {}, {}
    for row in payments.sort_values("recorded_at", kind="stable").itertuples():
        seen = log.setdefault(row.device, [])
        seen.append(row.at)
        served[row.Index] = sum(row.at - width < s <= row.at for s in seen)
    return pd.Series(served).reindex(payments.index)


def as_known_at_scoring(payments: pd.DataFrame, window: str) -> pd.Series:
    """The served value rebuilt offline: per payment, the same device's payments in (t - w, t]
    that had been recorded by the time this one was (the log keeps the arrival order)."""
    rows = payments.reset_index(names="row")
    pairs = rows.merge(rows, on="device", suffixes=("", "_past"))
    known = pairs["recorded_at_past"] <= pairs["recorded_at"]
    inside = (pairs["at_past"] > pairs["at"] - pd.Timedelta(window)) & (
        pairs["at_past"] <= pairs["at"]
    )
    counts = (known & inside).groupby(pairs["row"]).sum()
    return counts.set_axis(payments.index[counts.index]).reindex(payments.index)


def main() -> None:
    table = PAYMENTS.assign(
        at=PAYMENTS["at"].dt.strftime("%H:%M"),
        recorded_at=PAYMENTS["recorded_at"].dt.strftime("%H:%M:%S"),
        left=offline_counts(PAYMENTS, "device", WINDOW, "left"),
        right=offline_counts(PAYMENTS, "device", WINDOW, "right"),
        online=online_counts(PAYMENTS, WINDOW),
        as_known=as_known_at_scoring(PAYMENTS, WINDOW),
    ).drop(columns="device")
    print(table.to_string(index=False))

    tie = table.index[table["at"] == "12:13"]
    print(
        "tie at 12:13, payments",
        table.loc[tie, "payment"].tolist(),
        "| closed='right' (row order):",
        table.loc[tie, "right"].tolist(),
        "| online (arrival order):",
        table.loc[tie, "online"].tolist(),
        "| closed='left':",
        table.loc[tie, "left"].tolist(),
    )
    early = table.index[table["at"].isin(["12:08", "12:10"])]
    print(
        "late 12:05 payment, at 12:08 and 12:10: closed='right'",
        table.loc[early, "right"].tolist(),
        "| online",
        table.loc[early, "online"].tolist(),
    )
    for column, name in (("right", "closed='right'"), ("as_known", "as known at scoring")):
        same = int((table[column] == table["online"]).sum())
        print(f"{name} equals the served value on {same} of {len(table)} payments")

    # The data world, one hour per device: trained with closed="left" (strictly before), served by
    # a counter that counts the payment itself. A rule tuned offline fires on other payments online.
    tx = coursedata.sample("medium", seed=0).transactions.rename(columns={"timestamp": "at"})
    offline = offline_counts(tx, "device_id", "1h", "left")
    served = offline_counts(tx, "device_id", "1h", "right")  # counts itself, like the counter
    gap = (served - offline).value_counts().sort_index()
    print(
        f"{len(tx):,} payments: served - offline =",
        ", ".join(f"{d} on {n:,}" for d, n in gap.items()),
    )
    for name, value in (("offline", offline), ("served", served)):
        flagged = value >= 2
        print(
            f"rule 'n_1h >= 2' {name}: flags {flagged.sum():,} payments ({flagged.mean():.1%}),",
            f"precision {tx.loc[flagged, 'is_fraud'].mean():.2f},",
            f"recall {flagged[tx['is_fraud']].mean():.2f}",
        )


if __name__ == "__main__":
    main()
