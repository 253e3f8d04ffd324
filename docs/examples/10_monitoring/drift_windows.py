"""Worked example: drift in the data world's windows, with PSI and KS, and what it cannot see.

The medium world (coursedata.sample("medium"), 180 days from 2025-01-01) has drifts planted in
it: the share of payments abroad rises from 6 % to 18 % between 2025-01-31 and 2025-04-01 (a
gradual drift); on 2025-05-01 amounts grow by 60 % and payments move from the card terminal to
the app (a step); on 2025-05-16 one source sends amounts in cents (the payments at Italian
merchants, 100 times too large: a data incident); from 2025-05-31 fraud is twice as frequent (a
prevalence shift). The drift job compares windows with the course's reference drift report
(`coursekit.drift`, exercise 02's answer) on five features, then:

1. four pairs of windows: two halves of April (the noise level), January against April,
   April against May, May against June;
2. the amount day by day against April, and the day of the incident source by source;
3. the prevalence shift, which no feature shows, seen in the labels and in the model's flags.

Run: python docs/examples/10_monitoring/drift_windows.py   (about 3 s)
"""

from __future__ import annotations

import tempfile

import numpy as np
import pandas as pd

import coursedata
from coursekit.drift import drift_report, psi
from coursekit.model_io import load_model
from coursekit.serving_model import make_model_file, to_features

TX = coursedata.sample("medium").transactions
PAIRS = {
    "two halves of April (noise)": (("2025-04-01", "2025-04-16"), ("2025-04-16", "2025-05-01")),
    "January against April (gradual)": (("2025-01-01", "2025-02-01"), ("2025-04-01", "2025-05-01")),
    "April against May (step)": (("2025-04-01", "2025-05-01"), ("2025-05-01", "2025-05-31")),
    "May against June (prevalence)": (("2025-05-01", "2025-05-31"), ("2025-05-31", "2025-07-01")),
}


def window(start: str, end: str) -> pd.DataFrame:
    """The payments of [start, end), midnight UTC."""
    ts = TX["timestamp"]
    return TX[(ts >= pd.Timestamp(start, tz="UTC")) & (ts < pd.Timestamp(end, tz="UTC"))]


def features(tx: pd.DataFrame) -> pd.DataFrame:
    """What the drift job watches: the model's inputs, as plain columns."""
    return pd.DataFrame(
        {
            "amount": tx["amount"].to_numpy(),
            "hour": tx["timestamp"].dt.hour.to_numpy(),
            "channel": tx["channel"].to_numpy(),
            "merchant_category": tx["merchant_category"].to_numpy(),
            "abroad": (tx["merchant_country"] != tx["card_country"]).to_numpy(),
        }
    )


def reports() -> None:
    for name, (ref, cur) in PAIRS.items():
        report = drift_report(features(window(*ref)), features(window(*cur)))
        print(f"{name}: {len(window(*ref)):,} against {len(window(*cur)):,} payments")
        print("| feature | kind | psi | ks | severity |")
        print("|---|---|---:|---:|---|")
        for row in report.itertuples():
            ks = "" if np.isnan(row.ks) else f"{row.ks:.3f}"
            print(f"| {row.feature} | {row.kind} | {row.psi:.4f} | {ks} | {row.severity} |")


def one_day(day: pd.Timestamp) -> pd.DataFrame:
    return window(str(day.date()), str((day + pd.Timedelta("1D")).date()))


def incident() -> None:
    april = window("2025-04-01", "2025-05-01")
    days = pd.date_range("2025-04-01", "2025-05-31", freq="D", tz="UTC")
    daily = {day: psi(april["amount"], one_day(day)["amount"]) for day in days}
    april_days = [v for d, v in daily.items() if d.month == 4]
    may_days = {d.day: v for d, v in daily.items() if d.month == 5}
    print(
        f"amount PSI, one day against April: April's days {min(april_days):.3f} to "
        f"{max(april_days):.3f}, May's {min(may_days.values()):.3f} to "
        f"{max(may_days.values()):.3f}; 2025-05-16: {may_days[16]:.3f}, "
        f"rank {sorted(may_days.values(), reverse=True).index(may_days[16]) + 1} of 31"
    )

    def by_source(day: pd.Timestamp, country: str) -> tuple[int, float, float, float]:
        ref = april.loc[april["merchant_country"] == country, "amount"]
        cur = one_day(day).loc[lambda d: d["merchant_country"] == country, "amount"]
        above = (cur > ref.quantile(0.99)).mean()
        return len(cur), cur.median() / ref.median(), above, psi(ref, cur)

    print("2025-05-16 by source (merchant_country), amounts against the source's own April:")
    print("| source | payments | median / April's median | above April's p99 | psi |")
    print("|---|---:|---:|---:|---:|")
    incident_day = pd.Timestamp("2025-05-16", tz="UTC")
    for country in ("DE", "FR", "ES", "IT", "NL", "GB"):
        n, ratio, above, value = by_source(incident_day, country)
        print(f"| {country} | {n} | {ratio:.2f} | {above:.0%} | {value:.2f} |")
    print("IT day by day: median / April's median")
    for day in pd.date_range("2025-05-13", "2025-05-19", freq="D", tz="UTC"):
        n, ratio, above, _ = by_source(day, "IT")
        print(f"  {day.date()}: {ratio:.2f} ({n} payments, {above:.0%} above April's p99)")


def prevalence() -> None:
    with tempfile.TemporaryDirectory() as folder:
        model, _ = load_model(make_model_file(folder))
    fields = [
        "timestamp",
        "amount",
        "channel",
        "merchant_category",
        "card_country",
        "merchant_country",
    ]
    print("| window | payments | fraud (final labels) | flagged by the model (score >= 0.2) |")
    print("|---|---:|---:|---:|")
    for name, (start, end) in {
        "May": ("2025-05-01", "2025-05-31"),
        "June": ("2025-05-31", "2025-07-01"),
    }.items():
        w = window(start, end)
        scores = model.predict_proba(to_features(w[fields].to_dict("records")))[:, 1]
        print(
            f"| {name} | {len(w):,} | {w['is_fraud'].mean():.2%} | {(scores >= 0.2).mean():.2%} |"
        )


def main() -> None:
    reports()
    incident()
    prevalence()


if __name__ == "__main__":
    main()
