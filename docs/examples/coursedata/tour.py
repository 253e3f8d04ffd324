"""Worked example: a tour of the data world, its planted truths and its messy export.

One seeded call builds the whole company in memory; `world.truth` says what was planted;
`raw_export` turns the same transactions into the all-text export the pandas lesson cleans.

Run: python docs/examples/coursedata/tour.py
"""

import coursedata


def main() -> None:
    world = coursedata.sample("small")  # 5,000 transactions, seed 0: the graders' default world
    tx = world.transactions
    print(tx[["transaction_id", "timestamp", "user_id", "amount", "currency", "channel"]].head(3))
    print(f"{len(tx):,} transactions, {len(world.users)} users, {len(world.merchants)} merchants")

    truth = world.truth
    patterns = truth.fraud_episodes["pattern"].value_counts().to_dict()
    print(
        f"fraud rate {truth.fraud_rate:.2%} in {len(truth.fraud_episodes)} episodes: "
        f"{patterns['account_takeover']} takeovers, {patterns['new_account']} new accounts"
    )
    print(
        f"label noise: {len(truth.friendly_fraud_ids)} friendly fraud (label 1, honest), "
        f"{len(truth.missed_fraud_ids)} missed fraud (label 0, fraud)"
    )
    print(f"drift from {truth.drift_start:%Y-%m-%d}: amounts x{truth.drift_amount_factor}")
    shift, incident = truth.prevalence_shift, truth.incident
    print(f"fraud x{shift.factor:g} from {shift.start:%Y-%m-%d}")
    print(
        f"incident on {incident.start:%Y-%m-%d}: {incident.feature} x{incident.factor:g} "
        f"where {incident.column} == {incident.value!r} ({len(incident.transaction_ids)} rows)"
    )
    print(f"leak columns (known only after the label): {truth.leak_columns}")

    # Dimension tables join on their ids; the card's country is the user's home country.
    joined = tx.merge(world.users, on="user_id", validate="many_to_one")
    print("card country == home country:", (joined["card_country"] == joined["home_country"]).all())

    # Categories with observed=True: a groupby over a categorical otherwise lists every category.
    print(tx.groupby("channel", observed=True)["amount"].median().round(2).to_dict())

    raw = coursedata.raw_export(world, seed=0)
    print(raw[["transaction_id", "timestamp", "amount", "merchant_category"]].head(3))
    mess = world.truth.raw_export
    print(
        f"{mess.n_rows:,} rows, {len(mess.duplicated_ids)} ids repeated, "
        f"{len(mess.offset_timestamp_rows):,} timestamps with an offset"
    )


if __name__ == "__main__":
    main()
