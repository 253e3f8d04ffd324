# MUTANT: Uses rolling's default closed='right', so each window (t - w, t] counts the payment itself.
"""Exercise 04 · Past-window features per user, without looking into the future.

Docs: docs/lessons/02-pandas.md#ex04-past-window-features (the site: `mkdocs serve`, then Lesson 02)

Write `past_window_features(tx, windows=("1h", "24h", "7D"))`: for every transaction, how many
payments the same user made in the window before it, and how much they paid.

Contract:
- `tx` has at least `user_id`, `timestamp` (tz-aware) and `amount`. Its rows may be in any order
  and its index may be anything (unsorted, not starting at 0); its labels are unique.
- `windows` are durations that `pd.Timedelta` understands: "30min", "1h", "24h", "7D" (write days
  with a capital D: pandas 3.1 deprecates "7d").
- For a transaction of user u at time t and a window w, the window is [t - w, t): the user's
  transactions at a time s with t - w <= s < t. So:
  - the transaction itself never counts, and neither do the user's other transactions at the very
    same time t (a tie is not "before");
  - a transaction exactly w before t counts;
  - later transactions never count, and other users' transactions never count.
- The result is a DataFrame with exactly `tx`'s index, in `tx`'s order, and for each window, in
  the order given, the columns `n_tx_<w>` (an integer count) and `total_amount_<w>` (a float sum,
  0.0 for an empty window), with `<w>` the window text as given: `n_tx_1h`, `total_amount_1h`, ...
- Windows are spans of time, not numbers of rows: payments are irregular.
- `tx` is never modified.
"""

from collections.abc import Sequence

import pandas as pd


def past_window_features(
    tx: pd.DataFrame, windows: Sequence[str] = ("1h", "24h", "7D")
) -> pd.DataFrame:
    data = tx[["user_id", "timestamp", "amount"]].reset_index(drop=True)  # index = row position
    data = data.sort_values(["user_id", "timestamp"], kind="stable")
    per_user = data.groupby("user_id", sort=False)[["timestamp", "amount"]]
    features = pd.DataFrame(index=tx.index)
    for window in windows:
        # closed="left": the window [t - w, t) leaves out t itself, so neither the row nor its ties
        rolled = per_user.rolling(pd.Timedelta(window), on="timestamp")
        # index (user_id, row position); select the column after aggregating, which keeps it
        count = rolled.count()["amount"].droplevel(0).sort_index()
        total = rolled.sum()["amount"].droplevel(0).sort_index()
        features[f"n_tx_{window}"] = count.fillna(0).astype("int64").to_numpy()
        features[f"total_amount_{window}"] = total.fillna(0.0).to_numpy()
    return features
