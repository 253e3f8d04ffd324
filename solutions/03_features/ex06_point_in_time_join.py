"""Exercise 06 · A point-in-time join: only what was known at the time.

Docs: docs/lessons/03-feature-engineering.md#ex06-point-in-time-join (the site: `mkdocs serve`, then Lesson 03)

Write `point_in_time_join(events, snapshots, by, on)`: attach to each event the values of the
latest snapshot of the same key (`by`) taken at or before the event's time (`on`).

Feature tables are often kept as snapshots: a user's risk score recomputed every night, a
merchant's chargeback rate updated weekly. Joining them to training events on the key alone, or
on the nearest date, hands the model values computed *after* the event: numbers it will never
have in production. An as-of join takes, for every event, only what was already known.

Contract:
- `events` and `snapshots` are DataFrames that both have the key column(s) `by` (a column name,
  or a list of names) and a datetime column `on`, of the same dtype.
- For each event: among the snapshots with the same key and `snapshot[on] <= event[on]` (a
  snapshot taken at the very moment of the event counts as known), take the one with the largest
  `on`. Never a later snapshot, never one of another key.
- The result has every column of `events` (values unchanged), then every column of `snapshots`
  other than `by` and `on`. An event with no such snapshot gets NaN in those columns.
- A column other than `by` and `on` that both frames have (say both hold a `risk`) raises
  `ValueError` naming it: the result cannot hold two columns of one name, so rename it in one of
  the frames first.
- Same rows, same order and same index as `events`, whatever the order of either input (neither
  needs to be sorted). Neither input is modified.
"""

import pandas as pd


def point_in_time_join(
    events: pd.DataFrame, snapshots: pd.DataFrame, by: str | list[str], on: str
) -> pd.DataFrame:
    # BEGIN SOLUTION: reject value columns in both frames; sort both by time, merge_asof backward per key, then restore the events' order and index
    keys = [by] if isinstance(by, str) else list(by)
    shared = [c for c in snapshots.columns if c in events.columns and c not in (*keys, on)]
    if shared:
        raise ValueError(
            f"events and snapshots both have the column(s) {shared}: rename them in one of the "
            "frames before joining"
        )
    order = "__event_position__"
    left = events.reset_index(drop=True)
    left[order] = range(len(left))
    left = left.sort_values(on, kind="stable")
    right = snapshots.sort_values(on, kind="stable")
    joined = pd.merge_asof(
        left, right, on=on, by=keys, direction="backward", allow_exact_matches=True
    )
    joined = joined.sort_values(order).drop(columns=order)
    joined.index = events.index
    return joined[[*events.columns, *[c for c in snapshots.columns if c not in (*keys, on)]]]
    # END SOLUTION
