"""Worked example: judging detectors that never saw a label.

Part 1 is masking on ten hand-written bills: one absurd value inflates the standard deviation
so much that a second, smaller outlier looks ordinary, while the median and the MAD do not move.
Part 2 ranks the medium world's 50,000 payments, with anomalies planted by
`coursedata.with_anomalies`, four ways, and judges each ranking by its precision at k against
the planted truth, kind by kind: a truth no production system has, which is why the course
plants one.

Run: python docs/examples/12_applications/anomaly_detectors.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from threadpoolctl import threadpool_limits

import coursedata

MAD_TO_SD = 1.4826  # the MAD of a normal distribution is 0.6745 standard deviations


def classic_z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / values.std(ddof=1)


def median_z(values: np.ndarray) -> np.ndarray:
    centre = np.median(values)
    return (values - centre) / (MAD_TO_SD * np.median(np.abs(values - centre)))


def per_merchant_category(frame: pd.DataFrame, robust: bool) -> np.ndarray:
    """A z-score of the amount within its merchant category: (mean, std) or (median, MAD)."""
    stats = frame.groupby("merchant_category", observed=True)["amount"].agg(
        centre="median" if robust else "mean",
        spread=(lambda a: MAD_TO_SD * (a - a.median()).abs().median()) if robust else "std",
    )
    joined = frame[["merchant_category"]].join(stats, on="merchant_category")
    return ((frame["amount"] - joined["centre"]) / joined["spread"]).to_numpy()


def forest(features: np.ndarray, seed: int = 0) -> np.ndarray:
    """IsolationForest fitted on the features alone; negated so that higher = more anomalous."""
    model = IsolationForest(n_estimators=100, random_state=seed).fit(features)
    return -model.score_samples(features)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """A boolean mask of the k highest scores (ties broken by position)."""
    mask = np.zeros(scores.size, dtype=bool)
    mask[np.argsort(-scores, kind="stable")[:k]] = True
    return mask


def judge() -> tuple[dict[str, float], dict[str, dict[str, int]], dict[str, int]]:
    """Precision at k (k = the number of planted anomalies) of each detector on the medium
    world, how many of each kind it puts in its top k, and how many of each were planted."""
    world = coursedata.sample("medium")
    frame = coursedata.with_anomalies(world, rate=0.002, seed=0)
    planted = world.truth.extras["anomalies"].set_index("transaction_id")["kind"]
    kind = frame["transaction_id"].map(planted)
    k = len(world.truth.anomaly_ids)
    usual = frame.groupby("user_id")["amount"].transform("median")
    log_amount = np.log(frame["amount"].to_numpy())
    engineered = np.column_stack(
        [log_amount, frame["timestamp"].dt.hour, np.log(frame["amount"] / usual)]
    )
    with threadpool_limits(limits=1):
        detectors = {
            "mean/std per category": per_merchant_category(frame, robust=False),
            "median/MAD per category": per_merchant_category(frame, robust=True),
            "forest, log amount only": forest(log_amount[:, None]),
            "forest, 3 features": forest(engineered),
        }
    precision, found_by = {}, {}
    for name, scores in detectors.items():
        chosen = top_k(scores, k)
        found = kind[chosen].value_counts()
        precision[name] = float(kind[chosen].notna().mean())
        found_by[name] = {str(c): int(found.get(c, 0)) for c in planted.cat.categories}
    counts = kind.value_counts()
    return precision, found_by, {str(c): int(counts[c]) for c in planted.cat.categories}


def main() -> None:
    started = time.perf_counter()
    bills = np.array([31.0, 28.5, 35.0, 40.2, 26.9, 33.3, 38.0, 29.9, 410.0, 9_000.0])
    print("ten restaurant bills, the last two invented:")
    median = np.median(bills)
    print(
        f"  mean {bills.mean():,.0f}, standard deviation {bills.std(ddof=1):,.0f}; "
        f"median {median:.2f}, MAD {np.median(np.abs(bills - median)):.2f}"
    )
    print(f"  mean/std z of 410.00:   {classic_z(bills)[-2]:5.2f}  (below 3: looks normal)")
    print(f"  median/MAD z of 410.00: {median_z(bills)[-2]:5.1f}  (an outlier)")

    precision, found_by, planted = judge()
    kinds = list(planted)
    k = sum(planted.values())
    print(f"\n50,000 payments, {k} planted anomalies; k = {k}")
    print(f"{'detector':<24} precision@k  " + "  ".join(kinds))
    for name, found in found_by.items():
        cells = "  ".join(f"{found[c]:>{len(c)}}" for c in kinds)
        print(f"{name:<24} {precision[name]:11.3f}  {cells}")
    print(f"{'planted':<24} {'':11}  " + "  ".join(f"{planted[c]:>{len(c)}}" for c in kinds))
    print(f"({time.perf_counter() - started:.1f} s this run)")


if __name__ == "__main__":
    main()
