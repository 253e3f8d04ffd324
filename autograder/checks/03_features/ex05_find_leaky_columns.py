"""Checks for 03_features/ex05_find_leaky_columns (see solutions/03_features/ex05_find_leaky_columns.py for the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from autograder.assertions import differential, expect_raises, fail

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


def _leaky(
    submission, frame: pd.DataFrame, target="is_fraud", event_time="at", threshold=None
) -> list:
    extra = () if threshold is None else (threshold,)
    out = submission.find_leaky_columns(frame, target, event_time, *extra)
    if not isinstance(out, list) or not all(type(c) is str for c in out):
        fail(f"find_leaky_columns should return a list of column names, got {out!r:.200}")
    return out


def _kinds_frame() -> pd.DataFrame:
    """16 payments, 8 fraud (is_fraud 0/1), one column per rule of the contract, each built so
    that its rule alone decides: see KINDS_EXPECTED."""
    fraud = np.array([1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1])
    at = pd.Timestamp("2025-02-01", tz="UTC") + pd.to_timedelta(np.arange(16) * 7, unit="h")
    is_fraud = fraud == 1
    day = pd.Timedelta("1D")
    reviewed = pd.DatetimeIndex(
        [t + pd.Timedelta("1s") if i == 7 else t for i, t in enumerate(at)]
    )  # one row, one second after its payment
    case_open = pd.array(fraud.astype(bool), dtype="boolean")
    case_open[[2, 9]] = pd.NA
    bonus = np.full(16, np.nan)
    bonus[[0, 3, 4]] = [5.0, 1.0, 3.0]  # present on three fraud rows only
    # exactly 48 of the 64 fraud/honest pairs ordered: ROC AUC 0.75
    risk_band = np.zeros(16)
    risk_band[is_fraud] = [4, 4, 4, 4, 3, 2, 1, 0]
    risk_band[~is_fraud] = [0, 0, 1, 1, 2, 2, 3, 3]
    merchant_type = np.empty(16, dtype=object)  # crypto for 6 of 8 fraud rows, 1 of 8 honest ones
    merchant_type[is_fraud] = ["crypto"] * 6 + ["grocer"] * 2
    merchant_type[~is_fraud] = ["crypto"] + ["grocer"] * 7
    device = np.empty(16, dtype=object)
    device[is_fraud] = ["new"] * 7 + ["old"]
    device[~is_fraud] = ["new"] + ["old"] * 7
    return pd.DataFrame(
        {
            "at": at,
            "chargeback_filed": is_fraud,  # a boolean copy of the label
            "risk_band": risk_band,
            "merchant_type": merchant_type,
            "case_open": case_open,  # nullable boolean: the label where present
            "account_opened_at": np.where(is_fraud, at - 2 * day, at - 400 * day),
            "days_to_settle": np.where(is_fraud, 1.0, 30.0) + np.arange(16) * 0.1,
            "flagged_at": pd.Series(at).where(is_fraud).to_numpy(),  # before, only on fraud
            "is_fraud": fraud,
            "reviewed_at": reviewed,
            "bonus_points": bonus,
            "label_copy": fraud.astype(np.float64),  # ROC AUC exactly 1.0
            "device": pd.Categorical(device),
        }
    )


LEAK_KINDS = (
    "float",
    "int",
    "bool",
    "nullable_bool",
    "text",
    "category",
    "time_before",
    "time_after",
    "constant",
    "all_missing",
)


def _generated_leak_column(kind: str, rng: np.random.Generator, y: np.ndarray, at, complete: bool):
    """One column of `kind` for labels `y`: its strength, and whether its gaps follow the label,
    drawn at random (`complete`: no gaps in number and boolean columns)."""
    n = len(y)
    strength = float(rng.choice([0.0, 0.7, 2.5, 50.0]))
    p_gap_pos, p_gap_neg = rng.choice([0.0, 0.1, 0.5, 0.9, 1.0], size=2)
    gaps = np.where(y, rng.random(n) < p_gap_pos, rng.random(n) < p_gap_neg)
    sign = rng.choice([-1.0, 1.0])
    if kind in ("float", "int"):
        values = sign * strength * y + rng.normal(size=n)
        values = values.round(1) if kind == "float" else np.round(values * 3).astype(np.int64)
        if kind == "float" and not complete:
            values[gaps] = np.nan
        return values
    if kind in ("bool", "nullable_bool"):
        flips = rng.random(n) < float(rng.choice([0.0, 0.05, 0.3, 0.5]))
        values = y ^ flips
        if kind == "bool" or complete:
            return values
        values = pd.array(values, dtype="boolean")
        values[gaps] = pd.NA
        return values
    if kind in ("text", "category"):
        values = rng.choice(np.array(["web", "app", "pos"], dtype=object), size=n)
        values[gaps] = np.nan
        return pd.Categorical(values) if kind == "category" else values
    if kind in ("time_before", "time_after"):
        lag = pd.to_timedelta(rng.integers(0, 3, n) * 3600, unit="s")  # 0: at the event itself
        times = pd.Series(at - lag)
        if kind == "time_after":
            later = rng.random(n) < float(rng.choice([0.05, 0.5]))
            times[later] = times[later] + pd.Timedelta(seconds=int(rng.choice([1, 7200])))
        times[gaps] = pd.NaT
        return times.to_numpy() if times.dt.tz is None else times.array
    if kind == "constant":
        return np.full(n, 3.5)
    return np.full(n, np.nan)


THRESHOLDS = (0.6173, 0.8123, 0.9371, 1.0)  # no AUC of these small frames lands on the first three


def _generated_leak_frame(seed: int, n: int, dyadic: bool):
    rng = np.random.default_rng(seed)
    if dyadic:  # 8 fraud and 8 honest rows: every ROC AUC is a multiple of 1/128, exact in floats
        y = rng.permutation(np.repeat([True, False], n // 2))
    else:
        y = rng.random(n) < 0.4
        if n >= 2 and seed % 5:
            y[:2] = [True, False]
    at = pd.Timestamp("2025-02-01") + pd.to_timedelta(np.sort(rng.integers(0, 10**6, n)), unit="s")
    if seed % 2:
        at = at.tz_localize("UTC")
    kinds = [str(k) for k in rng.choice(LEAK_KINDS, size=int(rng.integers(2, 7)))]
    columns = {
        f"{k}_{j}": _generated_leak_column(k, rng, y, at, dyadic) for j, k in enumerate(kinds)
    }
    target = y if seed % 3 else y.astype(np.int64)
    names = list(columns)
    position = int(rng.integers(0, len(names) + 1))
    frame = pd.DataFrame(
        {
            **dict(list(columns.items())[:position]),
            "label": target,
            "at": at,
            **dict(list(columns.items())[position:]),
        }
    )
    return frame


def _exact_scores(frame: pd.DataFrame) -> list[float]:
    """Every score the contract computes on `frame` (target 'label', event time 'at')."""
    y = frame["label"].astype(int).to_numpy()
    scores = []
    for col in frame.columns:
        if col in ("label", "at"):
            continue
        values = frame[col]
        present = values.notna().to_numpy()
        candidates = [(~present, y)]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            candidates.append((values[present].astype(np.float64).to_numpy(), y[present]))
        for score, labels in candidates:
            if len(np.unique(labels)) == 2 and len(np.unique(score)) >= 2:
                auc = roc_auc_score(labels, score)
                scores.append(max(auc, 1.0 - auc))
    return scores


def _generated_leak_cases():
    """Seeded frames, smallest first: columns of every kind the contract names (numbers,
    booleans, nullable booleans, text, categories, times at, before and after the event,
    constant and empty columns) whose strength and gaps follow the label at random, a bool or
    0/1 target, naive or zoned times; thresholds that no score here can hit, 1.0, and, on
    frames of 8 fraud and 8 honest rows, a threshold exactly equal to one column's score."""
    for k, n in enumerate([2, 3, 4, 6, 8, 12, 16, 24, 40]):
        for variant in range(2):
            seed = 3700 + 2 * k + variant
            frame = _generated_leak_frame(seed, n, dyadic=False)
            threshold = THRESHOLDS[(k + variant) % len(THRESHOLDS)]
            yield _leak_case(frame, threshold)
    for k in range(6):
        frame = _generated_leak_frame(3800 + k, 16, dyadic=True)
        reachable = sorted({s for s in _exact_scores(frame) if s > 0.5})
        if reachable:
            yield _leak_case(frame, reachable[k % len(reachable)])


def _leak_case(frame: pd.DataFrame, threshold: float):
    kinds = {c: str(frame[c].dtype) for c in frame.columns}
    return (
        f"a {len(frame)}-row frame with columns {kinds}, threshold={threshold!r}",
        lambda fn, frame=frame, threshold=threshold: fn(frame.copy(), "label", "at", threshold),
    )


def _compare_leaks(got, expected, where: str) -> None:
    if not isinstance(got, list) or not all(type(c) is str for c in got):
        fail(f"{where}: expected a list of column names, got {got!r:.200}")
    if got != expected:
        extra = [c for c in got if c not in expected]
        missed = [c for c in expected if c not in got]
        fail(
            f"{where}: expected {expected}, got {got}"
            + (f"; wrongly flagged {extra}" if extra else "")
            + (f"; missed {missed}" if missed else "")
            + ("; same columns, but not in the frame's order" if not extra and not missed else "")
            + ". Rules: a datetime value later than 'at'; or a score at or above the threshold, "
            "max(auc, 1 - auc), of the missingness (all rows) or, for numbers and booleans, of the "
            "values (present rows), each only when its rows hold both classes"
        )


class TestFindLeakyColumns:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_leak_cases(),
            submission.find_leaky_columns,
            reference.find_leaky_columns,
            _compare_leaks,
            "find_leaky_columns(df, 'label', 'at', threshold)",
        )

    @pytest.mark.parametrize(
        "threshold",
        [1.0, 0.75 + 1e-9, 0.75, 0.6875 + 1e-9, 0.6875],
        ids=["1.0", "just above 0.75", "0.75", "just above 0.6875", "0.6875"],
    )
    def test_threshold_is_inclusive(self, submission, threshold):
        found = _leaky(submission, _kinds_frame(), "is_fraud", "at", threshold)
        scores = {
            "label_copy": (1.0, "label_copy is the label as 0/1: ROC AUC exactly 1.0"),
            "risk_band": (0.75, "risk_band orders 48 of the 64 fraud/honest pairs: exactly 0.75"),
            "bonus_points": (0.6875, "bonus_points' missingness scores exactly 0.6875"),
        }
        for col, (score, what) in scores.items():
            if (col in found) != (score >= threshold):
                fail(
                    f"with threshold={threshold!r}, {col} was "
                    f"{'flagged' if col in found else 'not flagged'}: {what}. A column is leaky "
                    "when a score is at or above the threshold (>=): flagged at its own score "
                    "(so a perfect predictor is still flagged at threshold=1.0), not flagged just "
                    f"above it. Got {found}"
                )

    def test_boolean_columns_are_scored(self, submission):
        found = _leaky(submission, _kinds_frame(), "is_fraud", "at")
        missed = [c for c in ("chargeback_filed", "case_open") if c not in found]
        if missed:
            fail(
                f"{missed} not flagged: chargeback_filed is a boolean copy of the label and "
                "case_open a nullable boolean one (with gaps). Boolean columns are scored by their "
                "values like numbers (select_dtypes('number') leaves booleans out; "
                "pd.api.types.is_bool_dtype finds them)"
            )

    def test_direction_is_ignored(self, submission):
        found = _leaky(submission, _kinds_frame(), "is_fraud", "at")
        if "days_to_settle" not in found:
            fail(
                "days_to_settle is below 2 on every fraud row and above 30 on every honest one "
                "(ROC AUC 0.0: perfect, upside down) and was not flagged. Score max(auc, 1 - auc): "
                "a column that predicts the label backwards leaks just as much"
            )

    def test_datetime_columns(self, submission):
        found = _leaky(submission, _kinds_frame(), "is_fraud", "at")
        if "reviewed_at" not in found:
            fail(
                "reviewed_at equals the payment time on every row but one, which is one second "
                "later, and was not flagged: a single value later than the event time proves the "
                "column was written after the event (any(), not all() or a majority)"
            )
        if "flagged_at" not in found:
            fail(
                "flagged_at (at the payment time, so never in the future) is filled on fraud rows "
                "only and was not flagged: datetime columns are scored by their missingness too"
            )
        if "account_opened_at" in found:
            fail(
                "account_opened_at was flagged, but every value is before its payment; datetime "
                "columns are judged by rule 1 and their missingness only, never by their values "
                "(fraudsters' accounts being new is a legitimate signal, known at payment time)"
            )

    def test_text_and_categories_by_missingness_only(self, submission):
        found = _leaky(submission, _kinds_frame(), "is_fraud", "at", 0.8)
        wrong = [c for c in ("merchant_type", "device") if c in found]
        if wrong:
            fail(
                f"with threshold=0.8 you flag {wrong}: a text column and a category column with no "
                "gaps (their codes would score 0.81 and 0.88). Text and categorical columns are "
                "scored by their missingness only; their codes are labels, not quantities"
            )

    def test_one_class_rows_score_nothing(self, submission):
        frame = _kinds_frame()
        found = _leaky(submission, frame, "is_fraud", "at", 0.6)
        if "bonus_points" not in found:
            fail(
                "bonus_points is filled on 3 of the 8 fraud rows only: its values cannot be scored "
                "(the rows where it is present hold one class), but its missingness scores 0.6875, "
                f"at or above threshold=0.6: expected it flagged, got {found}"
            )
        honest = frame[frame["is_fraud"] == 0]
        found = _leaky(submission, honest, "is_fraud", "at")
        if found != ["reviewed_at"]:
            fail(
                "on the honest rows alone (the target has one class) no score can be computed, so "
                "only a timestamp after the event can flag a column: expected ['reviewed_at'], got "
                f"{found}. Skip a score (count it as 0.5) when its rows hold a single class"
            )

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
                "after a chargeback. An id can carry some signal (a fraudster's device comes back "
                "in later episodes) without being a leak; the threshold is 0.99"
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
