"""Worked example: offsets, UTC and calendar days, on support tickets.

Ticket times arrive as ISO 8601 text from offices in several zones. Parsing with utc=True applies
each offset; cutting the offset off keeps the local clock time and moves the instant by hours.
Which calendar day a ticket belongs to depends on the zone you take the day in.

Run: python docs/examples/02_pandas/time_zones.py
"""

import pandas as pd

TICKETS = pd.DataFrame(
    {
        "ticket": [1, 2, 3, 4],
        "opened": [
            "2025-03-01T23:30:00-05:00",  # New York, evening: already 2 March in UTC
            "2025-03-02T00:15:00+01:00",  # Berlin, just after midnight: still 1 March in UTC
            "2025-03-02T09:00:00Z",
            "2025-03-02T05:00:00+05:30",  # Mumbai: 23:30 UTC on 1 March
        ],
    }
)


def main() -> None:
    opened = pd.to_datetime(TICKETS["opened"], utc=True, format="ISO8601")
    naive = pd.to_datetime(TICKETS["opened"].str.slice(0, 19))  # the offset cut off
    hours_off = (naive.dt.tz_localize("UTC") - opened) / pd.Timedelta("1h")
    print("hours off without the offset:", hours_off.tolist())

    print("time zone after parsing:", opened.dt.tz)
    print("same instants as ns or us:", (opened.dt.as_unit("ns") == opened).all())

    utc_day = opened.dt.floor("D")  # midnight UTC: the day in UTC
    berlin_day = opened.dt.tz_convert("Europe/Berlin").dt.date  # the day on a Berlin wall clock
    per_day = pd.DataFrame(
        {"ticket": TICKETS["ticket"], "utc_day": utc_day.dt.date, "berlin_day": berlin_day}
    )
    print(per_day)
    print("tickets per UTC day:", per_day.groupby("utc_day").size().rename(index=str).to_dict())
    print(
        "tickets per Berlin day:", per_day.groupby("berlin_day").size().rename(index=str).to_dict()
    )


if __name__ == "__main__":
    main()
