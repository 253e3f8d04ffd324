"""Checks for 03_features/ex05_find_leaky_columns (see solutions/03_features/ex05_find_leaky_columns.py for the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from autograder.assertions import expect_raises, fail

from ._shared import (
    _world,
)

# ex05 · find_leaky_columns


def _leak_frame() -> pd.DataFrame:
    """400 payments with honest columns, honest-but-strong ones, and four kinds of leak."""
    rng = np.random.default_rng(50)
    n = 400
    label = rng.random(n) < 0.3
    at = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.integers(0, 90 * 86400, n)), unit="s"
    )
    refund = np.where(label, rng.gamma(2.0, 20.0, n).round(2), np.nan)
    refund[np.flatnonzero(~label)[0]] = 12.5  # one honest refund among the negatives
    dispute = np.where(label, rng.choice(["opened", "won", "lost"], n), None)
    country = rng.choice(["DE", "FR", "ES"], n).astype(object)
    country[rng.random(n) < 0.1] = None
    return pd.DataFrame(
        {
            "at": at,
            "amount": np.round(rng.lognormal(3.0, 0.6, n) * np.where(label, 1.8, 1.0), 2),
            "created_at": at,  # recorded at the event itself: known, not a leak
            "strong_score": label * 2.6 + rng.normal(size=n),  # AUC about 0.97: strong, honest
            "reviewed_at": at + pd.to_timedelta(rng.integers(3600, 5 * 86400, n), unit="s"),
            "country": country,
            "signup_at": at - pd.to_timedelta(rng.integers(86400, 900 * 86400, n), unit="s"),
            "refund_amount": refund,
            "is_fraud": label,
            "dispute_status": dispute,
            "label_copy": label.astype(np.int64),
            "constant": np.ones(n),
            "nothing": np.full(n, np.nan),
        }
    )


LEAKS = ["reviewed_at", "refund_amount", "dispute_status", "label_copy"]


def _single_auc(frame: pd.DataFrame, col: str) -> float:
    auc = roc_auc_score(frame["is_fraud"], frame[col])
    return max(auc, 1 - auc)


def _leaky(submission, frame: pd.DataFrame, target="is_fraud", event_time="at") -> list:
    out = submission.find_leaky_columns(frame, target, event_time)
    if not isinstance(out, list) or not all(type(c) is str for c in out):
        fail(f"find_leaky_columns should return a list of column names, got {out!r:.200}")
    return out


class TestFindLeakyColumns:
    def test_flags_a_perfect_predictor(self, submission):
        frame = _leak_frame()
        found = _leaky(submission, frame)
        if "label_copy" not in found:
            fail(
                "label_copy is the label as 0/1 (ROC AUC 1.00 on its own) and was not flagged: "
                "score each numeric column's values against the target"
            )

    def test_flags_a_timestamp_after_the_event(self, submission):
        frame = _leak_frame()
        found = _leaky(submission, frame)
        if "reviewed_at" not in found:
            fail(
                "reviewed_at is filled in hours to days after each payment ('at') and was not "
                "flagged. It predicts nothing on its own, but its mere existence proves it was "
                "written after the event: flag a datetime column with any value later than the "
                "row's event time"
            )
        wrong = [c for c in ("created_at", "signup_at") if c in found]
        if wrong:
            fail(
                f"{wrong} flagged: created_at equals the event time and signup_at is before it; "
                "both were known when the payment happened. Only values *later* than event_time "
                "(>, not >=) prove a leak"
            )

    def test_flags_a_missingness_leak(self, submission):
        frame = _leak_frame()
        found = _leaky(submission, frame)
        missed = [c for c in ("refund_amount", "dispute_status") if c not in found]
        if missed:
            fail(
                f"{missed} not flagged: they are filled (almost) only on fraud rows, so "
                "isna() alone separates the classes (ROC AUC "
                f"{max(_single_auc(frame.assign(m=frame['refund_amount'].isna()), 'm'), 0):.3f}), "
                "whatever the values are. Score each column's missingness too; filling NaN with a "
                "median, or dropping the missing rows, hides exactly this leak"
            )

    def test_leaves_honest_columns_alone(self, submission):
        frame = _leak_frame()
        found = _leaky(submission, frame)
        wrong = [c for c in found if c not in LEAKS]
        if "strong_score" in wrong:
            fail(
                f"strong_score was flagged, but it is an honest, strong feature: ROC AUC "
                f"{_single_auc(frame, 'strong_score'):.2f} on its own. A leak predicts (almost) "
                "perfectly; flag a score only at or above 0.99, or you throw away your best features"
            )
        if wrong:
            fail(
                f"flagged honest columns {wrong}: a constant column, one missing everywhere, text "
                "missing at random, and times at or before the event are all legitimate"
            )

    def test_all_leaks_in_column_order(self, submission):
        frame = _leak_frame()
        found = _leaky(submission, frame)
        if found != LEAKS:
            fail(
                f"expected {LEAKS} (in the frame's column order, never the target or event time), "
                f"got {found}"
            )

    @pytest.mark.parametrize("seed", [0, 1])
    def test_finds_the_planted_chargeback_leak(self, submission, seed):
        world = _world("small", seed)
        merchants = world.merchants.rename(
            columns={"category": "merchant_type", "country": "registered_in"}
        )
        frame = world.transactions.merge(world.users, on="user_id").merge(
            merchants, on="merchant_id"
        )
        before = frame.copy()
        found = _leaky(submission, frame, "is_fraud", "timestamp")
        expected = [c for c in frame.columns if c in world.truth.leak_columns]
        wrong = [c for c in found if c not in expected]
        if wrong:
            aucs = {
                c: _single_auc(frame, c) for c in wrong if pd.api.types.is_numeric_dtype(frame[c])
            }
            shown = ", ".join(f"{c} (AUC {a:.2f})" for c, a in aucs.items())
            fail(
                f"on coursedata.sample('small', {seed}) you flag {wrong}, which are legitimate "
                f"columns{': ' + shown if shown else ''}. Only {expected} leak: they exist only "
                "after a chargeback. An id can predict well (device ids follow creation time, and "
                "fraudsters' devices are new) without being a leak; the threshold is 0.99"
            )
        if found != expected:
            fail(
                f"on coursedata.sample('small', {seed}) expected {expected} (the planted leak, "
                f"world.truth.leak_columns), got {found}"
            )
        try:
            pd.testing.assert_frame_equal(frame, before)
        except AssertionError:
            fail("find_leaky_columns changed the caller's frame: inspect it, never modify it")

    def test_missing_columns_raise_key_error(self, submission):
        frame = _leak_frame()
        expect_raises(
            KeyError,
            submission.find_leaky_columns,
            frame,
            "no_such_label",
            "at",
            why="there is no column 'no_such_label'",
        )
        expect_raises(
            KeyError,
            submission.find_leaky_columns,
            frame,
            "is_fraud",
            "no_such_time",
            why="there is no column 'no_such_time'",
        )
