"""Checks for 07_batch/ex05_feature_parity (see solutions/07_batch/ex05_feature_parity.py for the reference)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import (
    CheckFailure,
    assert_vectorised,
    differential,
    expect_raises,
    fail,
)
from autograder.learner_process import Remote

# ex05 · features_for(history, rows): one function for the batch job and the online path

FEATURES = (
    "n_payments_1h",
    "n_payments_24h",
    "amount_sum_24h",
    "amount_mean_30d",
    "amount_over_mean_30d",
    "seconds_since_last",
)
COUNTS = ("n_payments_1h", "n_payments_24h")
HOUR, DAY = 3600 * 10**9, 86_400 * 10**9
T0 = "2025-03-10T12:00:00Z"  # the instant most hand-built rows are scored at
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata")


# --- data -----------------------------------------------------------------------------------------


def _payments(
    rows: list[tuple[int, str, float]], index: list | None = None, tz: str | None = None
) -> pd.DataFrame:
    """(user_id, UTC time, amount) rows as a payments frame, with a merchant column to ignore."""
    users, times, amounts = zip(*rows, strict=True)
    stamps = pd.to_datetime(list(times), utc=True)
    return pd.DataFrame(
        {
            "user_id": np.array(users, dtype=np.int64),
            "timestamp": stamps if tz is None else stamps.tz_convert(tz),
            "amount": np.array(amounts, dtype=np.float64),
            "merchant_id": np.arange(len(rows), dtype=np.int64) % 7 + 1,
        },
        index=index,
    )


def _at(seconds_before: float) -> str:
    """The ISO time `seconds_before` seconds before T0."""
    return (pd.Timestamp(T0) - pd.Timedelta(seconds=seconds_before)).isoformat()


@functools.cache
def _world() -> coursedata.World:
    return coursedata.sample("small", 0)  # cached: only read, never changed


# --- the contract, computed by brute force ------------------------------------------------------


def _instants(series: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(series).as_unit("ns").asi8.copy()


def _wall_clock(series: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(series).tz_localize(None).as_unit("ns").asi8.copy()


def _expected(
    history: pd.DataFrame, rows: pd.DataFrame, mistake: str | None = None
) -> dict[str, np.ndarray]:
    """Every feature of every row, straight from the definitions: for each user, a matrix of
    t - s over (rows, history payments); the past is t - s > 0, a window w is 0 < t - s <= w.
    With `mistake` (a key of MISTAKES), what a usual wrong reading of the contract gives."""
    if mistake == "rows_in_history":
        columns = ["user_id", "timestamp", "amount"]
        both = [
            frame[columns].assign(timestamp=frame["timestamp"].dt.tz_convert("UTC"))
            for frame in (history, rows)
        ]
        history = pd.concat(both, ignore_index=True)
    h_user, h_time = history["user_id"].to_numpy(np.int64), _instants(history["timestamp"])
    h_amount = history["amount"].to_numpy(np.float64)
    r_user, r_time = rows["user_id"].to_numpy(np.int64), _instants(rows["timestamp"])
    if mistake == "wall_clock":
        h_time, r_time = _wall_clock(history["timestamp"]), _wall_clock(rows["timestamp"])
    r_amount = rows["amount"].to_numpy(np.float64)
    if mistake == "all_users":
        h_user, r_user = np.zeros_like(h_user), np.zeros_like(r_user)
    n = len(rows)
    out = {name: np.full(n, np.nan) for name in FEATURES}
    for name in COUNTS:
        out[name] = np.zeros(n, dtype=np.int64)
    out["amount_sum_24h"] = np.zeros(n)
    for user in np.unique(r_user):
        r, h = np.flatnonzero(r_user == user), np.flatnonzero(h_user == user)
        gap = r_time[r][:, None] - h_time[h][None, :]
        past = {"at_t": gap >= 0, "future": gap == gap}.get(mistake, gap > 0)

        def inside(width: int, past=past, gap=gap) -> np.ndarray:
            return past & ((gap < width) if mistake == "edge_out" else (gap <= width))

        out["n_payments_1h"][r] = inside(HOUR).sum(axis=1)
        out["n_payments_24h"][r] = inside(DAY).sum(axis=1)
        out["amount_sum_24h"][r] = inside(DAY) @ h_amount[h]
        n_30d = inside(30 * DAY).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n_30d > 0, (inside(30 * DAY) @ h_amount[h]) / n_30d, np.nan)
            out["amount_mean_30d"][r] = mean
            out["amount_over_mean_30d"][r] = r_amount[r] / mean
            nearest = np.where(past, gap, 2**62).min(axis=1, initial=2**62)
            out["seconds_since_last"][r] = np.where(past.any(axis=1), nearest / 1e9, np.nan)
    return out


MISTAKES = {
    "all_users": "counting other users' payments too (each user's past is their own: select "
    "or group by user_id)",
    "at_t": "counting the payments at the row's very instant, the row itself included when "
    "history holds it (s <= t instead of s < t)",
    "edge_out": "leaving out a payment exactly w before the row: the window is [t - w, t), "
    "its start included",
    "future": "counting payments after the row (history may hold them: keep s < t)",
    "wall_clock": "comparing the wall-clock times of each frame's own time zone instead of "
    "instants",
    "rows_in_history": "letting the rows scored together feed each other's features (only "
    "history feeds them; online, the other rows do not exist yet)",
}


def _diagnosis(got: dict[str, np.ndarray], history: pd.DataFrame, rows: pd.DataFrame) -> str:
    """The usual mistake whose counts and 24-hour sums equal `got`'s, as a sentence, or ''."""
    right = _expected(history, rows)
    columns = (*COUNTS, "amount_sum_24h")

    def same(a: dict, b: dict) -> bool:
        return all(not len(_differing(a[name], b[name], 1e-9, 1e-6)) for name in columns)

    for mistake, sentence in MISTAKES.items():
        wrong = _expected(history, rows, mistake)
        if same(got, wrong) and not same(right, wrong):
            return f" Your counts are what you get by {sentence}."
    return ""


# --- reading and comparing results --------------------------------------------------------------


def _learner_call(fn: Callable[..., Any], *args: Any, doing: str) -> Any:
    try:
        return fn(*args)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        fail(
            f"{doing} raised {type(exc).__name__}: {str(exc).strip()[:200]}; this input is valid "
            "(the contract's inputs), so it should return the features"
        )


def _result(value: Any, rows: pd.DataFrame, where: str) -> dict[str, np.ndarray]:
    """The learner's frame as {feature: plain array}, after checking its shape, index and dtypes."""
    if not isinstance(value, pd.DataFrame):
        fail(f"{where}: features_for should return a pandas DataFrame, got {type(value).__name__}")
    columns = [str(c) for c in value.columns]
    if columns != list(FEATURES):
        fail(
            f"{where}: the result's columns should be exactly {list(FEATURES)}, in that order "
            f"(the model reads them by name and position); got {columns}"
        )
    got_index, want_index = value.index.tolist(), rows.index.tolist()
    if got_index != want_index:
        same = sorted(map(str, got_index)) == sorted(map(str, want_index))
        fail(
            f"{where}: the result's index should be rows' index, in rows' order: "
            f"{want_index[:8]}; got {got_index[:8]}"
            + (
                " (the same labels in another order: put the results back in rows' order, or "
                "the scores land on the wrong payments)"
                if same
                else " (build the result with index=rows.index, so each score finds its payment)"
            )
        )
    found = {}
    for name in FEATURES:
        column = value[name]
        if name in COUNTS:
            if column.dtype.kind not in "iu":
                fail(
                    f"{where}: {name} should hold integers (int64), got dtype {column.dtype}; a "
                    "count is a whole number, 0 for an empty window"
                )
            found[name] = np.asarray(column.to_numpy(), dtype=np.int64).copy()
        else:
            if column.dtype.kind not in "fiu":
                fail(f"{where}: {name} should hold floats (float64), got dtype {column.dtype}")
            found[name] = np.asarray(column.to_numpy(), dtype=np.float64).copy()
    return found


def _show(value: float) -> str:
    return "NaN" if np.isnan(value) else f"{value:.10g}"


def _differing(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    if got.dtype.kind == "i":
        return np.flatnonzero(got != want)
    with np.errstate(invalid="ignore"):
        same = (np.isnan(got) & np.isnan(want)) | np.isclose(got, want, rtol=rtol, atol=atol)
    return np.flatnonzero(~same)


def _describe_row(rows: pd.DataFrame, i: int) -> str:
    label = rows.index[i]
    label = label.item() if isinstance(label, np.generic) else label
    if "timestamp" not in rows.columns:
        return f"the row labelled {label!r}"
    stamp = pd.Timestamp(rows["timestamp"].iloc[i]).tz_convert("UTC")
    return (
        f"the row labelled {label!r} (user {int(rows['user_id'].iloc[i])}, "
        f"{stamp:%Y-%m-%d %H:%M:%S} UTC, amount {float(rows['amount'].iloc[i]):g})"
    )


def _assert_features(
    got: dict[str, np.ndarray],
    want: dict[str, np.ndarray],
    rows: pd.DataFrame,
    where: str,
    why: str = "",
    rtol: float = 1e-9,
    atol: float = 1e-6,
    history: pd.DataFrame | None = None,
) -> None:
    """Fail at the first feature and row that differ; with `history`, name the usual mistake
    that gives the learner's counts, when one does."""
    for name in FEATURES:
        bad = _differing(got[name], np.asarray(want[name]), rtol, atol)
        if len(bad):
            i = int(bad[0])
            fail(
                f"{where}: {name} of {_describe_row(rows, i)} is {_show(got[name][i])}, expected "
                f"{_show(want[name][i])} ({len(bad)} of {len(rows)} rows differ)."
                + (_diagnosis(got, history, rows) if history is not None else "")
                + (f" {why}" if why else "")
            )


def _features(submission, history: pd.DataFrame, rows: pd.DataFrame, doing: str) -> dict:
    out = _learner_call(submission.features_for, history.copy(), rows.copy(), doing=doing)
    return _result(out, rows, doing)


def _one_at_a_time(fn: Any, history: pd.DataFrame, rows: pd.DataFrame) -> list[Any]:
    """fn(history, rows.iloc[[i]]) for every i (the online path), in one round trip."""
    calls = [((history, rows.iloc[[i]]), {}) for i in range(len(rows))]
    if isinstance(fn, Remote):
        results, _ = fn.map(calls)  # stops at the first call that raises
    else:
        results = []
    for i in range(len(results), len(rows)):  # from the first that raised: one at a time
        results.append(
            _learner_call(
                fn,
                history.copy(),
                rows.iloc[[i]].copy(),
                doing=f"features_for(history, rows.iloc[[{i}]]) (one row, the online path)",
            )
        )
    return results


def _online(submission, history: pd.DataFrame, rows: pd.DataFrame, where: str) -> dict:
    """The features of each row, asked for one row at a time, stacked in rows' order."""
    parts = _one_at_a_time(submission.features_for, history, rows)
    for i, value in enumerate(parts):
        if not isinstance(value, pd.DataFrame) or [str(c) for c in value.columns] != list(FEATURES):
            _result(value, rows.iloc[[i]], f"{where}, called on row {i} alone")  # says what
    if not parts:
        return _result(pd.DataFrame({name: [] for name in FEATURES}), rows, where)
    return _result(pd.concat(parts), rows, f"{where}, called on each row alone")


PARITY_WHY = (
    "The same payment got other features online than in the batch: the model would meet other "
    "inputs live than the ones it was scored and validated on (training-serving skew). A row's "
    "features depend only on history and the row itself: the other rows of the batch must not "
    "feed them, and the one-row call must take the same path, with the same window edges"
)


def _assert_parity(batch: dict, online: dict, rows: pd.DataFrame, where: str) -> None:
    for name in FEATURES:
        bad = _differing(online[name], batch[name], rtol=1e-12, atol=1e-12)
        if len(bad):
            i = int(bad[0])
            fail(
                f"{where}: {name} of {_describe_row(rows, i)} is {_show(batch[name][i])} when the "
                f"rows are scored together but {_show(online[name][i])} when that row is scored "
                f"alone ({len(bad)} of {len(rows)} rows differ). {PARITY_WHY}"
            )


def _show_frame(df: pd.DataFrame, max_rows: int = 8) -> str:
    """A small generated frame as text: one line per row, its label, user, time and amount."""
    lines = [
        f"\n    {label!r}: user {user}, {stamp.isoformat()}, amount {amount:g}"
        for label, user, stamp, amount in zip(
            df.index[:max_rows].tolist(),
            df["user_id"].iloc[:max_rows].tolist(),
            df["timestamp"].iloc[:max_rows],
            df["amount"].iloc[:max_rows].tolist(),
            strict=True,
        )
    ]
    more = f"\n    ... and {len(df) - max_rows} more rows" if len(df) > max_rows else ""
    return "".join(lines) + more if lines else " (none)"


# --- generated inputs ---------------------------------------------------------------------------


def _random_case(seed: int, n_history: int, n_rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded (history, rows). Times sit on a grid of 30-minute and whole-day steps, so that ties
    and gaps of exactly 1 hour, 24 hours and 30 days are common. One to three users in history
    and one more in rows only (no history). Some rows are copies of history payments (a batch job re-scoring payments
    already in the table), the others new; history holds payments after some rows; both frames
    shuffled, under random index labels (history's may repeat), in random time zones."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2025-02-01T00:00:00Z").value
    n_users = 1 + (n_history >= 4) + (n_history >= 12)  # and one more in rows: no history

    def times(n: int) -> np.ndarray:  # 0 to 90 minutes into days 0, 1, 2, 30, 31 and 32
        return (
            base + rng.integers(0, 4, n) * 1800 * 10**9 + rng.choice([0, 1, 2, 30, 31, 32], n) * DAY
        )

    history = pd.DataFrame(
        {
            "user_id": rng.integers(1, n_users + 1, n_history).astype(np.int64),
            "timestamp": times(n_history),
            "amount": rng.choice([0.5, 2.0, 10.0, 99.99, 250.0], n_history),
            "merchant_id": rng.integers(1, 9, n_history).astype(np.int64),
        }
    )
    new = pd.DataFrame(
        {
            "user_id": rng.integers(1, n_users + 2, n_rows).astype(np.int64),
            "timestamp": times(n_rows),
            "amount": rng.choice([1.0, 5.0, 20.0, 400.0], n_rows),
            "merchant_id": rng.integers(1, 9, n_rows).astype(np.int64),
        }
    )
    copied = rng.random(n_rows) < (0.5 if n_history else 0.0)
    picks = rng.integers(0, max(n_history, 1), n_rows)
    for column in new.columns if n_history else ():  # copies of history payments, exact values
        new[column] = np.where(copied, history[column].to_numpy()[picks], new[column].to_numpy())
    rows = new.iloc[rng.permutation(n_rows)].reset_index(drop=True)
    history = history.iloc[rng.permutation(n_history)].reset_index(drop=True)
    for frame in (history, rows):
        frame["timestamp"] = pd.to_datetime(frame["timestamp"].astype(np.int64), utc=True)
        frame["timestamp"] = frame["timestamp"].dt.tz_convert(str(rng.choice(ZONES)))
        frame["user_id"] = frame["user_id"].astype(np.int64)
        frame["amount"] = frame["amount"].astype(np.float64)
    labels = rng.choice(np.arange(10 * n_rows + 10), n_rows, replace=False)
    rows.index = [f"p{k}" for k in labels] if rng.random() < 0.4 else labels
    if rng.random() < 0.3:
        history.index = np.zeros(n_history, dtype=np.int64)  # repeated labels (a concat)
    else:
        history.index = rng.permutation(n_history) * 3 + 5
    return history, rows


SIZES = [(0, 1), (1, 1), (2, 1), (3, 2), (4, 3), (6, 3), (8, 4), (12, 5), (20, 8)]


@functools.cache
def _generated_cases() -> tuple[tuple[str, pd.DataFrame, pd.DataFrame], ...]:
    """(description, history, rows), smallest first; built once, only read."""
    cases = []
    for k, (n_history, n_rows) in enumerate((*SIZES, (40, 12), (80, 20), (160, 30))):
        history, rows = _random_case(700 + k, n_history, n_rows)
        where = (
            f"this {n_history}-row history (seed {700 + k}):{_show_frame(history)}\n  and these "
            f"{n_rows} rows:{_show_frame(rows)}\n "
        )
        cases.append((where, history, rows))
    return tuple(cases)


def _differential_cases():
    for where, history, rows in _generated_cases():
        yield where, lambda fn, h=history, r=rows: fn(h.copy(deep=True), r.copy(deep=True))


def _compare_with_reference(got: Any, expected: Any, where: str) -> None:
    rows = expected.iloc[:, :0]  # rows' index; the rows themselves are shown in `where`
    _assert_features(_result(got, rows, where), _result(expected, rows, "reference"), rows, where)


# --- the vectorisation probe (runs in the learner's process) -------------------------------------


def _probe_data(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """3,000 history payments of users 1 to 10 over 60 days, and n rows of users 1 to 11 (11
    has no history): the first 11 before any history, the others spread over the 60 days. Every
    n has rows with and without a past, so pandas takes the same paths for 50 rows as for 2,000."""
    rng = np.random.default_rng(77)
    start = pd.Timestamp("2025-01-01T00:00:00Z").value
    history = pd.DataFrame(
        {
            "user_id": rng.integers(1, 11, 3000).astype(np.int64),
            "timestamp": pd.to_datetime(
                start + rng.integers(0, 60 * 86_400, 3000) * 10**9, utc=True
            ),
            "amount": rng.gamma(2.0, 20.0, 3000).round(2) + 0.01,
        }
    )
    seconds = np.sort(rng.integers(0, 61 * 86_400, n))
    seconds[:11] = -3600  # an hour before any history
    rows = pd.DataFrame(
        {
            "user_id": np.arange(n, dtype=np.int64) % 11 + 1,
            "timestamp": pd.to_datetime(start + seconds * 10**9, utc=True),
            "amount": rng.gamma(2.0, 20.0, n).round(2) + 0.01,
        }
    )
    return history, rows


def _probe(module, n: int):
    return module.features_for(*_probe_data(n))


# --- the checks -----------------------------------------------------------------------------------


class TestFeatureParity:
    def test_window_edges_batch_and_online(self, submission):
        # one user; the row at T0 (amount 21). Exactly 30 days, 24 hours and 1 hour before are
        # in; one second earlier is out. In 1h: 11:00:00, 11:59:30 (2). In 24h: those and
        # 10:59:59 and 03-09 12:00 (4, sum 2 + 16 + 8 + 32 = 58). In 30 days: those and 03-09
        # 11:59:59 and 02-08 12:00 (6, sum 63, mean 10.5, 21 / 10.5 = 2). Last: 30 s before.
        history = _payments(
            [
                (7, _at(30 * 86_400 + 1), 1000.0),
                (7, _at(86_400 + 1), 4.0),
                (7, _at(3601), 16.0),
                (7, _at(30), 32.0),
                (7, _at(3600), 8.0),
                (7, _at(86_400), 2.0),
                (7, _at(30 * 86_400), 1.0),
                (8, _at(600), 5.0),
            ],
            index=[10, 11, 12, 13, 14, 15, 16, 17],
        )
        row = _payments([(7, T0, 21.0)], index=[501])
        want = {
            "n_payments_1h": [2],
            "n_payments_24h": [4],
            "amount_sum_24h": [58.0],
            "amount_mean_30d": [10.5],
            "amount_over_mean_30d": [2.0],
            "seconds_since_last": [30.0],
        }
        why = (
            "User 7 paid exactly 30 days, 24 hours and 1 hour before the row, and one second "
            "before each of those edges. A window w is [t - w, t): a payment exactly w before "
            "counts, one a second earlier does not. The same edge holds for one row and for many"
        )
        online = _features(submission, history, row, "features_for(history, one row)")
        _assert_features(online, want, row, "scored alone (the online path)", why, history=history)
        batch_rows = pd.concat([_payments([(8, T0, 3.0), (9, T0, 4.0)], index=[502, 503]), row])
        batch = _features(submission, history, batch_rows, "features_for(history, three rows)")
        _assert_features(
            {name: batch[name][2:] for name in FEATURES},
            want,
            row,
            "scored in a batch of three rows (the batch path)",
            why,
            history=history,
        )

    def test_payment_at_t_is_not_in_the_past(self, submission):
        # user 5's row at T0 is also in history (the batch job re-scores the day's payments
        # from the full table), and so is another payment of user 5 at T0 exactly. Neither is
        # before t; 13:00 is after. The past is 09:00 only.
        history = _payments(
            [
                (5, _at(3 * 3600), 10.0),  # 09:00: the past
                (5, T0, 40.0),  # the row itself
                (5, T0, 20.0),  # another payment at the same instant
                (5, _at(-3600), 80.0),  # 13:00: the future
                (6, _at(1800), 7.0),
            ],
            index=[0, 1, 2, 3, 4],
        )
        rows = history.iloc[[1, 4]]  # the row itself, and user 6's payment, as a batch
        want = {
            "n_payments_1h": [0, 0],
            "n_payments_24h": [1, 0],
            "amount_sum_24h": [10.0, 0.0],
            "amount_mean_30d": [10.0, np.nan],
            "amount_over_mean_30d": [4.0, np.nan],
            "seconds_since_last": [3 * 3600.0, np.nan],
        }
        why = (
            "Only user 5's payment at 09:00 is strictly before the row at 12:00: the row itself "
            "(history holds it), the other payment at 12:00 exactly (a tie is not 'before') and "
            "the one at 13:00 (the future) must not count. Counting the row itself in a batch "
            "job leaks its own amount into its features, which online never sees"
        )
        batch = _features(submission, history, rows, "features_for(history, rows)")
        _assert_features(
            batch, want, rows, "in a batch whose rows are also in history", why, history=history
        )
        for i in range(2):
            one = rows.iloc[[i]]
            online = _features(submission, history, one, "features_for(history, one row)")
            part = {name: np.asarray(want[name])[[i]] for name in FEATURES}
            _assert_features(online, part, one, "scored alone", why, history=history)

    def test_rows_do_not_see_each_other(self, submission):
        # user 3 paid 10.0 two hours before T0; three new payments of user 3 (not in history)
        # at T0 - 30 min, T0 - 10 min and T0 are scored together. Each sees only history.
        history = _payments([(3, _at(7200), 10.0), (4, _at(60), 1.0)], index=["h1", "h2"])
        rows = _payments(
            [(3, _at(600), 200.0), (3, T0, 300.0), (3, _at(1800), 100.0)],
            index=["b", "c", "a"],
        )
        want = {
            "n_payments_1h": [0, 0, 0],
            "n_payments_24h": [1, 1, 1],
            "amount_sum_24h": [10.0, 10.0, 10.0],
            "amount_mean_30d": [10.0, 10.0, 10.0],
            "amount_over_mean_30d": [20.0, 30.0, 10.0],
            "seconds_since_last": [6600.0, 7200.0, 5400.0],
        }
        batch = _features(submission, history, rows, "features_for(history, rows)")
        online = _online(submission, history, rows, "features_for(history, one row)")
        if (batch["n_payments_1h"] > 0).any() and not (online["n_payments_1h"] > 0).any():
            fail(
                "three new payments of user 3 (10, 30 and 40 minutes after their last payment "
                f"in history), scored together, got n_payments_1h = "
                f"{batch['n_payments_1h'].tolist()}, but {online['n_payments_1h'].tolist()} when "
                "scored one at a time: in the batch the rows saw each other. Only history feeds "
                "the features; the rows being scored are not in it (online, the other payments "
                "of the batch do not exist yet). Do not append rows to history"
            )
        why = (
            "The three rows are new payments of user 3, not in history: each row's past is "
            "user 3's history payment of 10.0 at 10:00, whatever else is in the batch"
        )
        _assert_features(batch, want, rows, "the three rows scored together", why, history=history)
        _assert_features(online, want, rows, "each row scored alone", why)

    def test_user_without_history(self, submission):
        history = _payments(
            [(1, _at(5000), 12.0), (2, _at(-60), 9.0), (2, _at(-7200), 3.0)], index=[7, 8, 9]
        )
        rows = _payments(
            [(9, T0, 50.0), (2, T0, 6.0), (1, T0, 24.0)], index=["new", "later", "known"]
        )
        nan = np.nan
        want = {
            "n_payments_1h": [0, 0, 0],
            "n_payments_24h": [0, 0, 1],
            "amount_sum_24h": [0.0, 0.0, 12.0],
            "amount_mean_30d": [nan, nan, 12.0],
            "amount_over_mean_30d": [nan, nan, 2.0],
            "seconds_since_last": [nan, nan, 5000.0],
        }
        why = (
            "User 9 never paid and user 2 paid only after the row: neither has a past, so their "
            "counts are 0, the 24-hour sum 0.0, and the mean, the ratio and the time since the "
            "last payment are NaN (not 0: there is no last payment and no mean to compare with)"
        )
        batch = _features(submission, history, rows, "features_for(history, rows)")
        _assert_features(batch, want, rows, "users with and without a past", why, history=history)
        online = _online(submission, history, rows, "features_for(history, one row)")
        _assert_features(online, want, rows, "users with and without a past, one at a time", why)
        empty = history.iloc[:0]
        alone = _features(submission, empty, rows, "features_for(empty history, rows)")
        none = {
            name: [0, 0, 0] if name in COUNTS or name == "amount_sum_24h" else [nan] * 3
            for name in FEATURES
        }
        _assert_features(
            alone,
            none,
            rows,
            "with an empty history (no rows, the same columns)",
            "Nobody has a past yet (a system's first day): every row gets 0, 0, 0.0 and NaN",
        )

    def test_users_interleaved_unsorted_history_and_ties(self, submission):
        history = _payments(
            [
                (2, _at(900), 4.0),
                (1, _at(86_000), 1.0),
                (3, _at(10), 64.0),
                (1, _at(1200), 2.0),
                (2, _at(900), 8.0),  # user 2 paid twice at the same instant: both count
                (1, _at(50 * 86_400), 512.0),  # outside every window, but the past
                (3, _at(3 * 86_400), 16.0),
                (2, _at(4000), 32.0),
            ],
            index=[4, 4, 1, 9, 2, 2, 0, 5],  # repeated labels: history's index is anything
        )
        rows = _payments(
            [
                (3, _at(-300), 1.0),
                (1, T0, 3.0),
                (2, _at(600), 12.0),
                (1, _at(1200), 5.0),  # at the same instant as a history payment of user 1
                (2, T0, 6.0),
                (3, _at(20), 80.0),
            ],
            index=[31, 17, 23, 5, 42, 8],
        )
        want = _expected(history, rows)
        why = (
            "Three users' payments, interleaved, history unsorted under repeated labels; each "
            "row's past is its own user's history payments strictly before it (ties at the "
            "same instant count as two payments, and a payment at the row's instant is not "
            "before it)"
        )
        batch = _features(submission, history, rows, "features_for(history, rows)")
        _assert_features(batch, want, rows, "interleaved users", why, history=history)
        online = _online(submission, history, rows, "features_for(history, one row)")
        _assert_parity(batch, online, rows, "interleaved users")

    def test_timestamps_compare_as_instants(self, submission):
        # history in New York (EDT, UTC-4 from 9 March 2025), the row in Berlin (CET, UTC+1):
        # the row is at 13:00 Berlin = 12:00 UTC; 07:00:01 New York = 11:00:01 UTC is 59 min 59 s
        # before it, 06:59:59 New York two seconds earlier is outside the hour, and 08:00:01 New
        # York is a second after the row (its wall clock, 08:00, looks earlier than 13:00).
        history = _payments(
            [(1, _at(3599), 10.0), (1, _at(3601), 20.0), (1, _at(-1), 40.0)],
            tz="America/New_York",
        )
        rows = _payments([(1, T0, 5.0)], index=[3], tz="Europe/Berlin")
        want = {
            "n_payments_1h": [1],
            "n_payments_24h": [2],
            "amount_sum_24h": [30.0],
            "amount_mean_30d": [15.0],
            "amount_over_mean_30d": [1 / 3],
            "seconds_since_last": [3599.0],
        }
        batch = _features(submission, history, rows, "features_for(history, rows)")
        _assert_features(
            batch,
            want,
            rows,
            "history in America/New_York, the row in Europe/Berlin",
            "Timestamps are instants: 07:00:01 in New York is 12:00:01 in Berlin, so it lies 59 "
            "min 59 s before the row's 13:00, and 08:00:01 in New York is a second after it. "
            "Compare the instants (UTC), never the wall-clock times",
            history=history,
        )

    def test_result_aligned_with_rows(self, submission):
        history = _payments(
            [(2, _at(100), 1.0), (1, _at(200), 2.0), (2, _at(300), 4.0), (1, _at(7200), 8.0)]
        )
        rows = _payments(
            [(2, _at(-500), 10.0), (1, T0, 20.0), (2, _at(250), 30.0), (1, _at(-100), 40.0)],
            index=["z9", "a1", "m5", "b2"],
        )
        out = _learner_call(
            submission.features_for,
            history.copy(),
            rows.copy(),
            doing="features_for(history, rows)",
        )
        got = _result(out, rows, "features_for(history, rows with index ['z9', 'a1', 'm5', 'b2'])")
        want = _expected(history, rows)
        for name in FEATURES:
            g, w = got[name], np.asarray(want[name])
            if len(_differing(g, w, 1e-9, 1e-6)) and not len(
                _differing(np.sort(g), np.sort(w), 1e-9, 1e-6)
            ):
                fail(
                    f"{name} holds the right values on the wrong rows ({g.tolist()}, expected "
                    f"{w.tolist()} in rows' order): results computed in (user, time) order must "
                    "go back to the row they belong to, or each score lands on another payment"
                )
        _assert_features(
            got, want, rows, "rows in no particular order, under text labels", history=history
        )

    def test_no_rows(self, submission):
        history = _payments([(1, _at(100), 1.0)])
        rows = _payments([(1, T0, 2.0)], index=["x"]).iloc[:0]
        out = _learner_call(
            submission.features_for,
            history.copy(),
            rows.copy(),
            doing="features_for(history, no rows)",
        )
        got = _result(out, rows, "features_for(history, rows with no rows: a day without payments)")
        if any(len(v) for v in got.values()):
            fail("features_for(history, no rows) should return no rows")

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _differential_cases(),
            submission.features_for,
            reference.features_for,
            _compare_with_reference,
            "features_for(history, rows)",
        )

    def test_online_equals_batch_on_generated_inputs(self, submission):
        for where, history, rows in _generated_cases()[: len(SIZES)]:
            if len(rows) < 2:
                continue
            batch = _features(submission, history, rows, "features_for(history, rows)")
            online = _online(submission, history, rows, "features_for(history, one row)")
            _assert_parity(batch, online, rows, f"on {where}")

    def test_online_equals_batch_on_the_data_world(self, submission):
        history, rows = _world_case()
        batch = _features(submission, history, rows, "features_for(history, rows)")
        online = _online(submission, history, rows, "features_for(history, one row)")
        _assert_parity(batch, online, rows, "the small sample world")

    def test_matches_the_definitions_on_the_data_world(self, submission):
        history, rows = _world_case()
        batch = _features(submission, history, rows, "features_for(history, rows)")
        _assert_features(
            batch,
            _expected(history, rows),
            rows,
            "the small sample world (a day of payments re-scored from the whole table, plus "
            "new ones)",
            history=history,
        )

    def test_vectorised(self, submission):
        # slack: a loop over the rows runs at least one more line per row (1,950 more)
        assert_vectorised(submission, _probe, 50, 2000, "features_for", slack=200)
        history, rows = _probe_data(2000)
        batch = _features(submission, history, rows, "features_for(history, 2,000 rows)")
        _assert_features(
            batch,
            _expected(history, rows),
            rows,
            "2,000 rows of 10 users",
            "Speed earns nothing without the right answer",
            history=history,
        )

    def test_inputs_not_modified(self, submission):
        history = _payments(
            [(2, _at(100), 1.0), (1, _at(200), 2.0), (2, _at(300), 4.0)], index=[9, 3, 5]
        )
        rows = _payments([(2, T0, 10.0), (1, _at(150), 20.0)], index=[8, 2])
        before = (history.copy(deep=True), rows.copy(deep=True))
        _learner_call(submission.features_for, history, rows, doing="features_for(history, rows)")
        for name, now, then in (("history", history, before[0]), ("rows", rows, before[1])):
            try:
                pd.testing.assert_frame_equal(now, then)
            except AssertionError as exc:
                fail(
                    f"features_for changed the caller's {name} ({str(exc).splitlines()[0]}): "
                    "the batch job goes on to score the same frames, and the online path keeps "
                    "its history between requests; work on a copy (sort_values, assign and "
                    "friends return new frames)"
                )

    def test_rejects_bad_input(self, submission):
        history = _payments([(1, _at(100), 1.0)])
        rows = _payments([(1, T0, 2.0)])
        for frame, column in (("history", "amount"), ("rows", "user_id"), ("rows", "timestamp")):
            h, r = history.copy(), rows.copy()
            target = h if frame == "history" else r
            target.drop(columns=column, inplace=True)
            expect_raises(
                ValueError,
                submission.features_for,
                h,
                r,
                why=f"{frame} has no {column!r} column: say which frame lacks what",
            )
        for frame in ("history", "rows"):
            h, r = history.copy(), rows.copy()
            target = h if frame == "history" else r
            target["timestamp"] = target["timestamp"].dt.tz_localize(None)
            expect_raises(
                ValueError,
                submission.features_for,
                h,
                r,
                why=f"the timestamps of {frame} have no time zone: they are ambiguous instants",
            )


def _world_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """About 25 rows of the small sample world: 20 of its payments over two days (the batch job
    re-scoring them from the table, so they are in history too), and new payments: one of a user
    who never paid, one at the very instant of a history payment of its user, and ones exactly
    1 hour, 24 hours and 30 days after one. History: the whole past and future of the rows'
    users and a tenth of the other payments, shuffled, under shuffled labels."""
    tx = _world().transactions
    columns = ["transaction_id", "timestamp", "user_id", "merchant_id", "amount", "channel"]
    rng = np.random.default_rng(7)
    day = tx[(tx["timestamp"] >= "2025-02-20") & (tx["timestamp"] < "2025-02-22")]
    busy = day[day["user_id"].isin(day["user_id"].value_counts().index[:6])]
    own = pd.concat([busy.head(14), day.sample(6, random_state=3)]).drop_duplicates(
        "transaction_id"
    )
    sample = tx.iloc[rng.choice(len(tx), 4, replace=False)]
    new = sample.copy()
    new["amount"] = [11.0, 22.0, 33.0, 44.0]
    new["timestamp"] = [
        sample["timestamp"].iloc[0],  # the very instant of a history payment of that user
        sample["timestamp"].iloc[1] + pd.Timedelta("24h"),
        sample["timestamp"].iloc[2] + pd.Timedelta("30D"),
        sample["timestamp"].iloc[3] + pd.Timedelta("1h"),
    ]
    stranger = sample.iloc[[0]].copy()
    stranger["user_id"] = int(tx["user_id"].max()) + 1
    rows = pd.concat([own, new, stranger])[columns]
    rows = rows.iloc[rng.permutation(len(rows))]
    rows.index = [f"req-{k}" for k in rng.choice(1000, len(rows), replace=False)]
    # their users' whole history, and a few hundred other payments: shuffled, relabelled
    keep = tx["user_id"].isin(rows["user_id"]).to_numpy() | (rng.random(len(tx)) < 0.1)
    history = tx.loc[keep, columns].iloc[rng.permutation(int(keep.sum()))]
    history = history.set_axis(rng.permutation(len(history)) * 2 + 1)
    return history, rows
