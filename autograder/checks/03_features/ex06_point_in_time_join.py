"""Checks for 03_features/ex06_point_in_time_join (see solutions/03_features/ex06_point_in_time_join.py for the reference)."""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np
import pandas as pd

from autograder.assertions import fail

from ._shared import (
    _frame,
    _world,
)

# ex06 · point_in_time_join


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _pit_events() -> pd.DataFrame:
    times = [
        "2025-01-05 10:00",
        "2025-01-03 09:00",
        "2025-01-01 00:00",
        "2025-01-02 12:00",
        "2025-01-04 08:00",
        "2025-01-03 18:00",
        "2025-01-06 09:00",
    ]
    return pd.DataFrame(
        {
            "user": [2, 1, 1, 2, 3, 1, 1],
            "at": pd.Series([_ts(t) for t in times]).astype("datetime64[ns, UTC]").to_numpy(),
            "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
        },
        index=pd.Index([31, 7, 12, 4, 25, 9, 18], name="payment"),
    )


def _pit_snapshots() -> pd.DataFrame:
    rows = [  # (user, at, risk, level)
        (1, "2025-01-03 10:00", 0.40, "high"),  # one hour after the 09:00 event: future for it
        (1, "2025-01-02 00:00", 0.20, "low"),
        (2, "2025-01-02 12:00", 0.50, "mid"),  # exactly at user 2's event: already known
        (2, "2025-01-05 11:00", 0.90, "high"),  # after every user-2 event
        (1, "2025-01-03 09:00", 0.30, "mid"),  # exactly at user 1's 09:00 event
        (3, "2025-01-04 20:00", 0.70, "high"),  # same day as user 3's event, but later
        (1, "2025-01-06 09:30", 0.60, "high"),
    ]
    return pd.DataFrame(
        {
            "user": [r[0] for r in rows],
            "at": pd.Series([_ts(r[1]) for r in rows]).astype("datetime64[ns, UTC]").to_numpy(),
            "risk": [r[2] for r in rows],
            "level": [r[3] for r in rows],
        }
    )


def _reference_as_of(events, snapshots, by: list[str], on: str) -> tuple[np.ndarray, np.ndarray]:
    """For each event, the position of its snapshot in `snapshots` (-1: none), and whether a later
    snapshot of the same key exists. A plain loop over each key's time-sorted snapshots."""
    per_key: dict[tuple, list[tuple[int, int]]] = {}
    snap_times = snapshots[on].to_numpy().astype("datetime64[ns]").astype(np.int64)
    for j, key in enumerate(tuple(row) for row in snapshots[by].to_numpy()):
        per_key.setdefault(key, []).append((int(snap_times[j]), j))
    for entries in per_key.values():
        entries.sort()
    chosen = np.full(len(events), -1)
    later = np.zeros(len(events), dtype=bool)
    event_times = events[on].to_numpy().astype("datetime64[ns]").astype(np.int64)
    for i, key in enumerate(tuple(row) for row in events[by].to_numpy()):
        entries = per_key.get(key, [])
        known = bisect.bisect_right(entries, (int(event_times[i]), len(snapshots)))  # at or before
        chosen[i] = entries[known - 1][1] if known else -1
        later[i] = known < len(entries)
    return chosen, later


def _joined(submission, events, snapshots, by, on="at") -> pd.DataFrame:
    out = _frame(
        submission.point_in_time_join(events, snapshots, by, on), "point_in_time_join(...)"
    )
    if len(out) != len(events):
        fail(
            f"the result has {len(out)} rows for {len(events)} events: one row per event, no more "
            "(a merge on the key alone pairs each event with every snapshot), no fewer"
        )
    if list(out.index) != list(events.index):
        fail(
            f"the result's index is {list(out.index)[:8]}..., expected the events' own index "
            f"{list(events.index)[:8]}... in the same order: merge_asof sorts by time and "
            "renumbers the rows; put the events' original order and index labels back"
        )
    return out


def _plain(value: Any) -> float | str | None:
    """A learner's cell as a plain float or str (None when missing), so no object's own __eq__
    decides a comparison."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return str.__str__(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _check_values(out, events, snapshots, by, on, value_cols, where: str) -> None:
    chosen, _ = _reference_as_of(events, snapshots, by, on)
    for col in value_cols:
        if col not in out.columns:
            fail(
                f"the result has no column {col!r}: attach every snapshot column except the key "
                "and the time"
            )
        got = [_plain(v) for v in out[col].tolist()]
        for i in range(len(events)):
            expected = None if chosen[i] < 0 else _plain(snapshots[col].iloc[chosen[i]])
            value = got[i]
            same = (
                value is None
                if expected is None
                else (type(value) is type(expected) and value == expected)
            )
            if same:
                continue
            event = events.iloc[i]
            key = ", ".join(f"{k}={event[k]}" for k in by)
            t = event[on]
            same_key = np.ones(len(snapshots), dtype=bool)
            for k in by:
                same_key &= (snapshots[k] == event[k]).to_numpy()
            snap_times = snapshots.loc[same_key, on]
            future = snapshots.loc[
                same_key & (snapshots[on] > t).to_numpy() & (snapshots[col] == value).to_numpy()
            ]
            if len(future):
                fail(
                    f"{where}: the event at {t} ({key}) got {col} = {_show(value)} from the snapshot "
                    f"taken at {future[on].iloc[0]}, after the event: a value from the future, "
                    "which the model will never have in production. Take the latest snapshot at "
                    "or before the event (merge_asof, direction='backward')"
                )
            if expected is None:
                fail(
                    f"{where}: the event at {t} ({key}) has no snapshot at or before it (its "
                    f"snapshots: {[str(s) for s in snap_times]}), so {col} must be missing, got "
                    f"{_show(value)}"
                )
            fail(
                f"{where}: the event at {t} ({key}) should get {col} = {_show(expected)} from the "
                f"snapshot at {snapshots[on].iloc[chosen[i]]} (the latest at or before it), got "
                f"{_show(value)}"
            )


class TestPointInTimeJoin:
    def test_latest_snapshot_at_or_before(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        out = _joined(submission, events.copy(), snapshots.copy(), "user")
        _check_values(
            out, events, snapshots, ["user"], "at", ["risk", "level"], "hand-built frames"
        )

    def test_same_moment_counts_as_known(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        out = _joined(submission, events.copy(), snapshots.copy(), "user")
        if "risk" not in out.columns:
            fail("the result has no column 'risk': attach the snapshots' value columns")
        row = out[(out["user"] == 1) & (out["at"] == _ts("2025-01-03 09:00"))]
        got = _plain(row["risk"].iloc[0]) if len(row) == 1 else None
        if got is None or got != 0.30:
            fail(
                f"the snapshot taken at the very moment of the event (user 1, 2025-01-03 09:00, "
                f"risk 0.30) was not used (got {_show(got)}): 'at or before' includes the same time "
                "(merge_asof's allow_exact_matches=True)"
            )

    def test_keeps_order_index_and_columns(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        out = _joined(submission, events.copy(), snapshots.copy(), "user")
        if list(out.index) != list(events.index):
            fail(
                f"the result's index is {list(out.index)}, expected the events' own index "
                f"{list(events.index)} in the same order: merge_asof sorts by time and renumbers; "
                "put the original order and labels back"
            )
        expected_cols = [*events.columns, "risk", "level"]
        if list(out.columns) != expected_cols:
            fail(
                f"the columns should be {expected_cols} (the events', then the snapshots' values), "
                f"got {list(out.columns)}"
            )
        try:
            pd.testing.assert_frame_equal(out[list(events.columns)], events, check_freq=False)
        except AssertionError:
            fail("the events' own columns changed in the result: keep their values and dtypes")

    def test_keys_stay_apart(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        events["channel"] = ["web", "app", "web", "web", "app", "web", "app"]
        snapshots["channel"] = ["web", "app", "web", "web", "app", "app", "web"]
        out = _joined(submission, events.copy(), snapshots.copy(), ["user", "channel"])
        _check_values(
            out, events, snapshots, ["user", "channel"], "at", ["risk"], "by=['user', 'channel']"
        )

    def test_no_future_values_on_coursedata(self, submission):
        world = _world("small", 0)
        events = world.transactions[["user_id", "timestamp", "amount"]].sample(
            frac=1.0, random_state=0
        )
        rng = np.random.default_rng(60)
        users = rng.choice(world.users["user_id"].to_numpy(), size=2000)
        start = world.truth.start.value
        span = world.truth.end.value - start
        snapshots = pd.DataFrame(
            {
                "user_id": users,
                "timestamp": pd.to_datetime(
                    start + rng.integers(0, span, size=2000), utc=True
                ).as_unit("ns"),
                "risk_score": np.round(rng.random(2000), 4),
            }
        ).drop_duplicates(["user_id", "timestamp"])
        out = _joined(submission, events, snapshots, "user_id", "timestamp")
        if "risk_score" not in out.columns:
            fail("the result has no risk_score column: attach the snapshots' value columns")
        chosen, later = _reference_as_of(events, snapshots, ["user_id"], "timestamp")
        expected = np.where(
            chosen >= 0, snapshots["risk_score"].to_numpy()[np.maximum(chosen, 0)], np.nan
        )
        got = pd.to_numeric(out["risk_score"], errors="coerce").to_numpy(dtype=np.float64)
        wrong = ~np.isclose(got, expected, equal_nan=True, rtol=0, atol=0)
        if wrong.any():
            snap = snapshots.assign(pos=np.arange(len(snapshots)))
            n_future = 0
            for i in np.flatnonzero(wrong):
                mine = snap[
                    (snap["user_id"] == events["user_id"].iloc[i]) & (snap["risk_score"] == got[i])
                ]
                n_future += int((mine["timestamp"] > events["timestamp"].iloc[i]).any())
            fail(
                f"{int(wrong.sum()):,} of {len(events):,} payments got the wrong risk_score, "
                f"{n_future:,} of them from a snapshot taken after the payment (future values: the "
                f"offline score looks better than production can ever be). {int(later.sum()):,} "
                "of the payments have a later snapshot of their user, which a wrong join can pick"
            )

    def test_inputs_not_modified(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        e0, s0 = events.copy(), snapshots.copy()
        _joined(submission, events, snapshots, "user")
        for name, frame, before in (("events", events, e0), ("snapshots", snapshots, s0)):
            try:
                pd.testing.assert_frame_equal(frame, before)
            except AssertionError:
                fail(
                    f"point_in_time_join changed the caller's {name} (sorted in place, or added a "
                    "column?): work on copies"
                )
