"""Worked example: time windows over the past, on logins per device.

Feature: how many logins the same device made in the 10 minutes before each login. rolling() on a
time column measures windows in time, not rows; closed= decides which edges of the window count.
The default, closed="right", is the window (t - w, t]: it counts the current row, and of several
rows at the same time it counts those above it in the frame, so the row order decides a tie.
closed="left" is [t - w, t): strictly before t, the same for every row of a tie.

Run: python docs/examples/02_pandas/rolling_windows.py
"""

import pandas as pd

WINDOW = "10min"
LOGINS = pd.DataFrame(
    {
        "device": ["a", "a", "b", "a", "a", "b", "a", "a"],
        "at": pd.to_datetime(
            [
                "2025-03-01 12:00",
                "2025-03-01 12:04",
                "2025-03-01 12:05",
                "2025-03-01 12:10",
                "2025-03-01 12:10",
                "2025-03-01 12:12",
                "2025-03-01 12:13",
                "2025-03-01 12:30",
            ],
            utc=True,
        ),
    }
)


def logins_before(logins: pd.DataFrame, window: str, closed: str) -> pd.Series:
    """Per login: the same device's logins in the window, indexed like `logins`."""
    ordered = logins.sort_values(["device", "at"]).assign(one=1.0)
    rolled = ordered.groupby("device")[["at", "one"]].rolling(window, on="at", closed=closed)
    counts = rolled.count()["one"]  # aggregate, then pick the column: keeps the row labels
    return counts.droplevel("device").reindex(logins.index).fillna(0).astype("int64")


def main() -> None:
    table = LOGINS.assign(
        default_right=logins_before(LOGINS, WINDOW, "right"),
        past_only_left=logins_before(LOGINS, WINDOW, "left"),
    )
    print(table)
    print(
        "first login of each device, closed='right':",
        table.groupby("device")["default_right"].first().tolist(),
        "(counts itself)",
    )
    print(
        "first login of each device, closed='left':",
        table.groupby("device")["past_only_left"].first().tolist(),
    )
    print("12:10 logins see 12:00 (exactly 10 min before):", table.loc[3, "past_only_left"] == 2)
    tie = [3, 4]  # device a's two logins at 12:10
    print(
        "12:10 tie, closed='right':",
        table.loc[tie, "default_right"].tolist(),
        "(the row order decides) | closed='left':",
        table.loc[tie, "past_only_left"].tolist(),
    )

    ordered = LOGINS.sort_values(["device", "at"]).assign(one=1.0)
    picked_first = ordered.groupby("device")[["at", "one"]].rolling(WINDOW, on="at")["one"].count()
    print("select-then-count index levels:", list(picked_first.index.names))

    # A window of rows ignores the clock: the 12:30 login has one row before it in a 2-row window,
    # although the previous login of device a was 17 minutes earlier.
    rows_before = LOGINS.groupby("device")["at"].rolling(2, min_periods=1).count() - 1
    print(
        "12:30 login, 2-row window:",
        int(rows_before.loc[("a", 7)]),
        "| 10-minute window:",
        table.loc[7, "past_only_left"],
    )


if __name__ == "__main__":
    main()
