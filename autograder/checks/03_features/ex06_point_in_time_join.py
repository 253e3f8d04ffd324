"""Checks for 03_features/ex06_point_in_time_join (see solutions/03_features/ex06_point_in_time_join.py for the reference)."""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np
import pandas as pd

from autograder.assertions import differential, fail

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


def _generated_pit_frames(seed: int, n_events: int, n_snapshots: int):
    """(events, snapshots, by, description): times on a half-hour grid (so snapshots fall exactly
    on events), one or two keys, repeated events, gaps in the snapshots' values, both unsorted."""
    rng = np.random.default_rng(seed)
    two_keys = seed % 3 == 2
    users = np.array([1, 2, 3]) if seed % 2 else np.array(["u1", "u2", "u3"], dtype=object)
    users = users[: 1 + int(rng.integers(0, 3))]
    base = pd.Timestamp("2025-01-01", tz="UTC" if seed % 4 < 2 else None)

    def times(n: int):
        return (base + pd.to_timedelta(rng.integers(0, 12, n) * 1800, unit="s")).array

    events = pd.DataFrame(
        {
            "amount": rng.gamma(2.0, 20.0, n_events).round(2),
            "user": rng.choice(users, n_events),
            "at": times(n_events),
        },
        index=pd.Index(rng.permutation(5 * n_events)[:n_events] + 10, name="payment"),
    )
    if n_events > 2:  # a repeated event: same key, same time, another amount
        events.iloc[-1, 1:] = events.iloc[0, 1:]
    snapshots = pd.DataFrame({"user": rng.choice(users, n_snapshots), "at": times(n_snapshots)})
    by: str | list[str] = "user"
    if two_keys:
        events.insert(1, "channel", rng.choice(["web", "app"], n_events))
        snapshots.insert(0, "channel", rng.choice(["web", "app"], n_snapshots))
        by = ["user", "channel"]
    keys = [by] if isinstance(by, str) else by
    snapshots = snapshots.drop_duplicates([*keys, "at"]).reset_index(drop=True)
    n = len(snapshots)
    risk = rng.random(n).round(3)
    risk[rng.random(n) < 0.25] = np.nan  # a snapshot whose value is missing
    snapshots["risk"] = risk
    snapshots["level"] = rng.choice(["low", "mid", "high"], n)
    snapshots["reviews"] = rng.integers(0, 9, n)
    snapshots = snapshots.sample(frac=1.0, random_state=seed)
    for col in [*keys, "at"]:  # the same dtypes on both sides, even for no snapshots at all
        snapshots[col] = snapshots[col].astype(events[col].dtype)
    description = (
        f"{n_events} events and {n} snapshots, by={by!r}, "
        f"{'zoned' if base.tz is not None else 'naive'} times"
    )
    if n_events + n <= 12:
        description += (
            f"; events {_rows(events, keys)}; snapshots {_rows(snapshots, [*keys, 'risk'])}"
        )
    return events, snapshots, by, description


def _rows(frame: pd.DataFrame, cols: list[str]) -> list[str]:
    return [
        " ".join(str(row[c]) for c in cols) + " @" + row["at"].strftime("%H:%M")
        for _, row in frame.iterrows()
    ]


def _generated_pit_cases():
    sizes = [(1, 0), (1, 1), (2, 2), (3, 2), (3, 4), (5, 5), (8, 6), (12, 10), (25, 20), (60, 40)]
    for k, (n_events, n_snapshots) in enumerate(sizes):
        for variant in range(2):
            events, snapshots, by, description = _generated_pit_frames(
                3900 + 2 * k + variant, n_events, n_snapshots
            )
            yield (
                description,
                lambda fn, e=events, s=snapshots, by=by: (
                    e,
                    fn(e.copy(), s.copy(), by if isinstance(by, str) else list(by), "at"),
                ),
            )


def _compare_joined(got, expected, where: str) -> None:
    events, out = got
    theirs = expected[1]
    out = _frame(out, where)
    if list(out.columns) != list(theirs.columns):
        fail(
            f"{where}: the columns should be {list(theirs.columns)} (the events' columns, then "
            f"the snapshots' columns other than the key and the time), got {list(out.columns)}"
        )
    if len(out) != len(theirs) or list(out.index) != list(theirs.index):
        fail(
            f"{where}: expected {len(theirs)} rows with the events' index "
            f"{list(theirs.index)[:10]} in the events' order, got {len(out)} rows with index "
            f"{list(out.index)[:10]}"
        )
    for col in theirs.columns:
        mine, ref = out[col].tolist(), theirs[col].tolist()
        for i, (a, b) in enumerate(zip(mine, ref, strict=True)):
            pa, pb = _plain(a), _plain(b)
            if pa is None and pb is None or pa == pb and type(pa) is type(pb):
                continue
            event = events.iloc[i]
            shown = ", ".join(f"{c}={event[c]}" for c in events.columns)
            fail(
                f"{where}: the event at row {i} ({shown}) got {col} = {_show(a)}, expected "
                f"{_show(b)}: the value of the latest snapshot of its key taken at or before "
                "its time (missing when there is none, and missing when that snapshot's own value "
                "is missing)"
            )


def _edge_snapshots() -> pd.DataFrame:
    """User 1's snapshots around an event at 2025-01-03 09:00: the latest before it has no risk."""
    rows = [  # (user, at, risk, level)
        (1, "2025-01-03 09:00:01", 0.90, "high"),  # one second after the event
        (1, "2025-01-02 00:00", 0.20, "low"),
        (1, "2025-01-03 08:00", np.nan, "mid"),  # the latest known: its risk is missing
        (2, "2025-01-03 09:00", 0.50, "mid"),  # another user, at the very moment
    ]
    return pd.DataFrame(
        {
            "user": [r[0] for r in rows],
            "at": pd.Series([_ts(r[1]) for r in rows]).astype("datetime64[ns, UTC]").to_numpy(),
            "risk": [r[2] for r in rows],
            "level": [r[3] for r in rows],
        }
    )


def _edge_events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user": [1, 4, 1, 1],
            "at": pd.Series(
                [
                    _ts("2025-01-03 09:00"),
                    _ts("2025-01-03 09:00"),
                    _ts("2025-01-03 09:00"),
                    _ts("2025-01-02 00:00"),
                ]
            )
            .astype("datetime64[ns, UTC]")
            .to_numpy(),
            "amount": [10.0, 20.0, 30.0, 40.0],  # rows 0 and 2: the same user at the same time
        },
        index=pd.Index([8, 3, 6, 1], name="payment"),
    )


class TestPointInTimeJoin:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_pit_cases(),
            submission.point_in_time_join,
            reference.point_in_time_join,
            _compare_joined,
            "point_in_time_join(events, snapshots, by, 'at')",
        )

    def test_missing_value_in_the_latest_snapshot_stays_missing(self, submission):
        events, snapshots = _edge_events(), _edge_snapshots()
        out = _joined(submission, events.copy(), snapshots.copy(), "user")
        if "risk" not in out.columns or "level" not in out.columns:
            fail("the result should have the snapshots' columns 'risk' and 'level'")
        risk, level = _plain(out["risk"].iloc[0]), _plain(out["level"].iloc[0])
        if level != "mid" or risk is not None:
            fail(
                f"user 1's payment at 2025-01-03 09:00 got risk={_show(risk)}, level="
                f"{_show(level)}; its latest snapshot at or before then (08:00) has level 'mid' "
                "and a missing risk, so risk must stay missing. groupby().last() skips missing "
                "values and hands over an older snapshot's risk: take the whole latest row"
            )

    def test_repeated_events_each_get_their_snapshot(self, submission):
        events, snapshots = _edge_events(), _edge_snapshots()
        out = _joined(submission, events.copy(), snapshots.copy(), "user")
        _check_values(
            out,
            events,
            snapshots,
            ["user"],
            "at",
            ["level"],
            "two payments of user 1 at the same moment (rows 0 and 2)",
        )
        amounts = [_plain(v) for v in out["amount"].tolist()]
        if amounts != [10.0, 20.0, 30.0, 40.0]:
            fail(
                f"the amounts came back as {amounts}, expected [10.0, 20.0, 30.0, 40.0]: two "
                "events with the same key and time are still two rows, each keeping its own values "
                "(do not match rows back to events by key and time)"
            )

    def test_one_second_later_is_the_future(self, submission):
        events, snapshots = _edge_events(), _edge_snapshots()
        out = _joined(submission, events.copy(), snapshots.copy(), "user")
        level = _plain(out["level"].iloc[0]) if "level" in out.columns else None
        if level == "high":
            fail(
                "user 1's payment at 2025-01-03 09:00:00 got level 'high' from the snapshot taken "
                "at 09:00:01, one second after it: that is the future. Only snapshots at or "
                "before the event's time count"
            )
        _check_values(
            out, events, snapshots, ["user"], "at", ["level"], "snapshots one second apart"
        )

    def test_key_without_snapshots_gets_nan(self, submission):
        events, snapshots = _edge_events(), _edge_snapshots()
        out = _joined(submission, events.copy(), snapshots.copy(), "user")
        row = [_plain(out[c].iloc[1]) for c in ("risk", "level") if c in out.columns]
        if row != [None, None]:
            fail(
                f"user 4 has no snapshot at all, so risk and level must be missing; got {row}. "
                "Never borrow another key's snapshot (user 2's was taken at the very same moment)"
            )

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

    def test_shared_value_column_raises(self, submission):
        events, snapshots = _pit_events(), _pit_snapshots()
        events["risk"] = np.linspace(0.1, 0.7, len(events))  # a risk from another source
        try:
            submission.point_in_time_join(events.copy(), snapshots.copy(), "user", "at")
        except ValueError as exc:
            if "risk" not in str(exc):
                fail(
                    f"the ValueError should name the column both frames have ('risk'), got: "
                    f"{str(exc)[:200]!r}; the caller needs to know which column to rename"
                )
            return
        except NotImplementedError:
            raise
        except Exception as exc:
            fail(
                f"events and snapshots both have a column 'risk' (neither the key nor the time): "
                f"expected a ValueError naming it, got {type(exc).__name__}: {str(exc)[:200]}. "
                "The result cannot hold two columns of one name; check for shared columns "
                "before joining"
            )
        fail(
            "events and snapshots both have a column 'risk' (neither the key nor the time), but "
            "point_in_time_join returned a result: the contract asks for a ValueError naming "
            "'risk' (merge_asof would quietly rename both to risk_x and risk_y)"
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
