"""Worked example: three tables, three problem shapes, and what each one's label is.

A classifier learns from rows whose label is in the table. Here, the anomalies have no label
column at all (only the truth the course planted knows them), the forecast's label is the
series itself a few days later, and a recommendation's label is a purchase that has not
happened yet. The example prints what each table holds and where its label comes from.

Run: python docs/examples/12_applications/problem_shapes.py
"""

from __future__ import annotations

import coursedata


def main() -> None:
    world = coursedata.sample("medium")
    payments = coursedata.with_anomalies(world, rate=0.002, seed=0)
    changed = (payments["amount"] != world.transactions["amount"]).sum()
    print(
        f"anomalies: {len(payments):,} payments, {len(world.truth.anomaly_ids)} planted anomalies "
        f"({len(world.truth.anomaly_ids) / len(payments):.2%}); label column in the table: "
        f"{'is_anomaly' in payments.columns}; amounts changed: {changed}"
    )
    daily = coursedata.daily_volumes(seed=0)
    first, last = daily["date"].min().date(), daily["date"].max().date()
    print(
        f"forecasts: {len(daily):,} rows = {daily['merchant_category'].nunique()} categories x "
        f"{daily['date'].nunique()} days ({first} to {last}); the label of day d is the volume of d"
    )
    purchases = coursedata.interactions(seed=0)
    pairs = purchases[["user_id", "merchant_id"]].drop_duplicates()
    print(
        f"recommendations: {len(purchases):,} purchases, {len(pairs):,} distinct (user, merchant) "
        f"pairs, {purchases['user_id'].nunique():,} users x "
        f"{purchases['merchant_id'].nunique():,} merchants; "
        f"{len(pairs) / (purchases['user_id'].nunique() * purchases['merchant_id'].nunique()):.2%}"
        " of the pairs bought"
    )


if __name__ == "__main__":
    main()
