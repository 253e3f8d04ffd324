"""Exercise 01 · Split by time, with a gap.

Docs: docs/lessons/03-feature-engineering.md#ex01-time-split (the site: `mkdocs serve`, then Lesson 03)

Write `time_split(df, time_col, test_start, gap="0D")`: split `df` into a training frame of the
past and a test frame of the future, the way the model will meet data in production.

A random split puts tomorrow's rows in the training set: the model learns from the future (the
same fraud burst, the same user's next payments, the prices after a drift) and scores better than
it ever will live. A gap between the two sides keeps the last training labels honest too: a label
that takes weeks to arrive (a chargeback: 18.5 days at the median in the course's data, fewer
than one in ten within 7 days) is not yet known for the rows just before the cut.

Contract:
- `test_start` is a timestamp or a string such as "2025-03-01"; `gap` a timedelta or a string
  such as "30D". Both are converted for you (a naive `test_start` is read in the column's time zone).
- `train` holds the rows with `time_col` strictly before `test_start - gap`; `test` holds the rows
  with `time_col` at or after `test_start`. A row exactly at `test_start` is a test row only, a row
  exactly at `test_start - gap` is in neither, and so is every row in between (the gap) and every
  row whose time is missing.
- Both frames keep `df`'s columns, and the rows keep their order and index labels; `df` itself is
  not modified and need not be sorted.
- A negative `gap`, or a split that leaves either side empty, raises `ValueError`.
"""

import pandas as pd


def time_split(
    df: pd.DataFrame, time_col: str, test_start: str | pd.Timestamp, gap: str | pd.Timedelta = "0D"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    times = df[time_col]
    test_start = pd.Timestamp(test_start)
    if times.dt.tz is not None and test_start.tz is None:
        test_start = test_start.tz_localize(times.dt.tz)
    gap = pd.Timedelta(gap)
    # BEGIN SOLUTION: reject a negative gap; select the training rows (before test_start - gap) and the test rows (from test_start on); reject an empty side
    if gap < pd.Timedelta(0):
        raise ValueError(f"gap must not be negative, got {gap}")
    train = df[times < test_start - gap]
    test = df[times >= test_start]
    if train.empty or test.empty:
        raise ValueError(
            f"splitting at {test_start} with a gap of {gap} leaves {len(train)} training and "
            f"{len(test)} test rows; both sides need at least one"
        )
    return train, test
    # END SOLUTION
