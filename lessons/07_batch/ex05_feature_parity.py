"""Exercise 05 · Feature parity: one feature function for the batch job and the online path.

Docs: docs/lessons/07-batch.md#ex05-feature-parity (the site: `mkdocs serve`, then Lesson 07)

Write `features_for(history, rows)`: the features of the payments in `rows`, computed from the
users' past payments in `history`. The nightly batch job calls it once on a whole day of payments;
the online scorer calls it with one payment at a time, as each arrives. Both must get exactly the
same features for the same payment, or the model meets other inputs live than in the batch
(training-serving skew). The way to guarantee it: one function, whose answer for a row depends
only on `history` and on that row.

Inputs:
- `history`: payments, a DataFrame with at least `user_id` (integers), `timestamp` (tz-aware
  datetimes, any time zone) and `amount` (positive floats); other columns are ignored. Its rows
  may be in any order, its index may be anything (repeated labels too), and it may be empty (no
  rows, the same columns). It may hold payments later than a row (a batch job re-scoring last
  month reads today's table), and it may hold the very payments being scored.
- `rows`: the payments to score, with the same three columns at least: one row (online) or many
  (batch), in any order, of any users, under unique index labels of any kind; possibly none.

Output: a DataFrame with exactly `rows`' index, in `rows`' order, and exactly the columns of
`FEATURES`, in that order. For a row of user u at time t, "the past" is u's payments in `history`
at a time s strictly before t (s < t); a window w is the span [t - w, t), so a payment is in it
when t - w <= s < t. Timestamps compare as instants, whatever their time zones; two payments at
the same instant are two payments.
- `n_payments_1h`, `n_payments_24h` (int64): how many past payments lie in the window of 1 hour,
  of 24 hours. A payment exactly 1 hour (24 hours) before t counts.
- `amount_sum_24h` (float64): the sum of their amounts in the 24-hour window; 0.0 when it is empty.
- `amount_mean_30d` (float64): the mean amount in the 30-day window [t - 30 days, t); NaN when it
  is empty.
- `amount_over_mean_30d` (float64): the row's own `amount` divided by `amount_mean_30d`; NaN when
  that mean is NaN.
- `seconds_since_last` (float64): t minus the time of u's latest past payment, in seconds
  (fractions kept); NaN when u has no payment before t in `history`.

Rules:
- Only `history` feeds the features; `rows` never do. Rows scored together do not see each
  other: a row's features are the same whether the other rows are in the call or not, so calling
  `features_for(history, rows.iloc[[i]])` row by row gives the values of one call on all of
  `rows` (floats may differ only by rounding, in the last digits).
- A payment at exactly t is not in the past: neither the row itself (when `history` holds it) nor
  another payment of u at the same instant. Payments after t never count, and neither do other
  users' payments. A user with no payment before t gets 0, 0, 0.0 and NaN for the rest.
- Vectorised: no Python loop over the rows (the batch job scores millions at once); a check
  compares the Python work for 50 and for 2,000 rows.
- `history` and `rows` are never modified.
- A missing `user_id`, `timestamp` or `amount` column in either frame, or timestamps without a
  time zone in either frame, raise ValueError, naming the frame and the problem.
"""

import numpy as np
import pandas as pd

FEATURES = (
    "n_payments_1h",
    "n_payments_24h",
    "amount_sum_24h",
    "amount_mean_30d",
    "amount_over_mean_30d",
    "seconds_since_last",
)
REQUIRED = ("user_id", "timestamp", "amount")


def _payments(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`frame`'s (user_id, timestamp as int64 nanoseconds since the epoch, amount) as arrays.
    ValueError when a column is missing or the timestamps have no time zone."""
    # TODO: check the three columns and the time zone; return the columns as NumPy arrays, the instants as int64 nanoseconds (UTC)
    raise NotImplementedError


def features_for(history: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    past_users, past_times, past_amounts = _payments(history, "history")
    users, times, amounts = _payments(rows, "rows")
    # TODO: sort history by (user, time); for each row, np.searchsorted counts the history payments that sort before (user, t) and before (user, t - w); counts and sums in [t - w, t) are differences of those positions and of a running sum
    raise NotImplementedError
