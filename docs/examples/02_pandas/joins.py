"""Worked example: joins that keep every row, and validate= that catches fan-out.

Attach each payment's user segment from a users table. A left join keeps every payment in its
order; an inner join silently drops the payments of users missing from the table; a users table
that repeats an id silently copies that user's payments, unless validate= refuses it.

Run: python docs/examples/02_pandas/joins.py
"""

import pandas as pd

PAYMENTS = pd.DataFrame(
    {
        "payment": [501, 502, 503, 504, 505],
        "user_id": [3, 1, 9, 3, 2],
        "amount": [20.0, 5.0, 7.5, 12.0, 3.0],
    },
    index=[40, 10, 30, 20, 50],  # a non-default index, as after filtering or shuffling
)
USERS = pd.DataFrame({"user_id": [1, 2, 3], "segment": ["student", "premium", "standard"]})


def main() -> None:
    left = PAYMENTS.merge(USERS, on="user_id", how="left", validate="many_to_one", indicator=True)
    print(left)
    print(
        "rows: payments",
        len(PAYMENTS),
        "| left join",
        len(left),
        "| inner join",
        len(PAYMENTS.merge(USERS, on="user_id", how="inner")),
    )
    print("unmatched users:", left.loc[left["_merge"] == "left_only", "user_id"].tolist())
    print("merge kept the index:", left.index.equals(PAYMENTS.index))
    aligned = left.set_axis(PAYMENTS.index)  # same rows, same order: put the labels back
    print("segment of the payment labelled 10:", aligned.loc[10, "segment"])

    repeated = pd.concat([USERS, pd.DataFrame({"user_id": [3], "segment": ["premium"]})])
    fanned = PAYMENTS.merge(repeated, on="user_id", how="left")
    print(f"a repeated user id: {len(PAYMENTS)} payments became {len(fanned)} rows")
    try:
        PAYMENTS.merge(repeated, on="user_id", how="left", validate="many_to_one")
    except pd.errors.MergeError as exc:
        print("validate='many_to_one' raised MergeError:", str(exc).splitlines()[0])
    counts = repeated["user_id"].value_counts()
    print("repeated ids:", counts[counts > 1].index.tolist())


if __name__ == "__main__":
    main()
