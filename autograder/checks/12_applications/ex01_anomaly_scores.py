"""Checks for 12_applications/ex01_anomaly_scores (see solutions/12_applications/ex01_anomaly_scores.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

import coursedata
from autograder.assertions import as_array, assert_close, differential, expect_raises, fail

MAD_SCALE = 1.4826
MEAN_AD_SCALE = 1.253314
# 1.4826 or 1 / Phi^-1(3/4) = 1.482602..., sqrt(pi / 2) or 1.253314: both pass
RTOL = 1e-5


# --- robust_zscores ------------------------------------------------------------------------------


def _hand_frame() -> tuple[pd.DataFrame, np.ndarray]:
    """Groups interleaved, a string index out of order, and each group's answer read off by hand:
    a: 10 11 12 10 11 1000 50 -> median 11, |x - 11| = 1 0 1 1 0 989 39 -> MAD 1
    b: 5 5 5 6 9 -> median 5, MAD 0; mean |x - 5| = (0+0+0+1+4)/5 = 1
    c: 3 (one row) -> 0;  d: 7 7 7 -> 0 (no spread at all)
    e: 1 2 4 8 -> median 3, |x - 3| = 2 1 1 5 -> MAD 1.5 (an even count: the mean of the middle two)
    """
    rows = [
        ("a", 10.0), ("b", 5.0), ("e", 1.0), ("a", 11.0), ("d", 7.0), ("a", 12.0), ("b", 5.0),
        ("c", 3.0), ("a", 10.0), ("e", 2.0), ("b", 5.0), ("a", 11.0), ("d", 7.0), ("a", 1000.0),
        ("b", 6.0), ("e", 4.0), ("a", 50.0), ("d", 7.0), ("b", 9.0), ("e", 8.0),
    ]  # fmt: skip
    centre = {"a": 11.0, "b": 5.0, "c": 3.0, "d": 7.0, "e": 3.0}
    spread = {"a": MAD_SCALE * 1.0, "b": MEAN_AD_SCALE * 1.0, "e": MAD_SCALE * 1.5}
    expected = np.array(
        [(v - centre[g]) / spread[g] if g in spread else 0.0 for g, v in rows], dtype=np.float64
    )
    index = [f"tx{(7 * k) % 20:02d}" for k in range(len(rows))]
    frame = pd.DataFrame(
        {
            "amount": [v for _, v in rows],
            "merchant_category": [g for g, _ in rows],
            "note": ["x"] * len(rows),
        },
        index=index,
    )
    return frame, expected


def _zscores(submission, df: pd.DataFrame, by, value: str, where: str) -> np.ndarray:
    """The learner's scores as float64 values, after checking type, index, order and dtype."""
    before = df.copy()
    try:
        out = submission.robust_zscores(df, by, value)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"robust_zscores raised {type(exc).__name__}: {exc}, on {where}")
    if not isinstance(out, pd.Series):
        fail(f"robust_zscores returned a {type(out).__name__} on {where}, expected a pandas Series")
    if not out.index.equals(df.index):
        fail(
            f"the Series returned on {where} has the index {list(out.index[:6])}..., expected "
            f"df's own index {list(df.index[:6])}... in df's row order: a score must stay next "
            "to its row (do not sort by group, do not reset the index)"
        )
    if out.dtype != np.float64:
        fail(f"the Series returned on {where} has dtype {out.dtype}, expected float64")
    if not df.equals(before) or not df.dtypes.equals(before.dtypes):
        fail(f"robust_zscores modified its input df on {where}: work on a copy or on new Series")
    return out.to_numpy(dtype=np.float64)


def _mean_std_z(df: pd.DataFrame, by, value: str) -> np.ndarray:
    grouped = df.groupby(by, observed=True)[value]
    return ((df[value] - grouped.transform("mean")) / grouped.transform("std")).to_numpy()


def _random_frame(n: int, seed: int, n_groups: int, kind: str) -> pd.DataFrame:
    """A seeded frame: integer-valued amounts with many ties (so some groups have a MAD of 0),
    heavy-tailed floats, missing values and missing group keys, and a shuffled index."""
    rng = np.random.default_rng(seed)
    groups = rng.choice([f"g{j}" for j in range(n_groups)], size=n).astype(object)
    if kind == "ties":
        amount = rng.integers(0, 4, size=n).astype(np.float64) * 5.0
    else:
        amount = np.round(rng.lognormal(3.0, 1.0, size=n), 2)
        amount[rng.random(n) < 0.05] *= 50.0
    if kind == "gaps" and n >= 4:
        amount[rng.choice(n, size=max(1, n // 8), replace=False)] = np.nan
        groups[rng.choice(n, size=max(1, n // 10), replace=False)] = None
    return pd.DataFrame(
        {"amount": amount, "merchant_category": groups, "channel": rng.choice(["web", "pos"], n)},
        index=rng.permutation(n) + 100,
    )


def _zscore_cases():
    sizes = [(1, 1), (2, 1), (3, 2), (5, 2), (8, 3), (13, 3), (40, 4), (120, 6), (500, 8)]
    for k, (n, g) in enumerate(sizes):
        for kind in ("ties", "float", "gaps"):
            frame = _random_frame(n, seed=300 + 3 * k + len(kind), n_groups=g, kind=kind)
            yield (
                f"a frame of {n} rows in {g} group(s) ({kind}: "
                f"{frame['amount'].head(6).tolist()} ... by {frame['merchant_category'].head(6).tolist()} ...)",
                lambda fn, frame=frame: fn(frame.copy(), "merchant_category", "amount"),
            )


def _compare_series(got: Any, expected: pd.Series, where: str) -> None:
    if not isinstance(got, pd.Series):
        fail(f"{where}: robust_zscores returned a {type(got).__name__}, expected a pandas Series")
    if not got.index.equals(expected.index):
        fail(f"{where}: the result's index differs from df's index (order or labels)")
    assert_close(
        got.to_numpy(dtype=np.float64),
        expected.to_numpy(dtype=np.float64),
        where,
        rtol=RTOL,
        atol=1e-9,
        why="median and MAD per group (x 1.4826), the mean absolute deviation (x 1.253314) where "
        "the MAD is 0, 0 where the group has no spread, NaN for a missing value or group",
    )


# --- isolation_scores ----------------------------------------------------------------------------


def _blob(n: int, seed: int, d: int = 3) -> np.ndarray:
    """`n` ordinary rows and, last, one row far from all of them."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, size=(n, d))
    X[-1] = 9.0
    return X


def _isolation(submission, X, seed, where: str) -> np.ndarray:
    try:
        out = submission.isolation_scores(X, seed)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        fail(f"isolation_scores raised {type(exc).__name__}: {exc}, on {where}")
    if isinstance(out, np.ndarray) and out.dtype != np.float64:
        fail(f"isolation_scores returned dtype {out.dtype} on {where}, expected float64")
    out = as_array(out, f"isolation_scores on {where}", ndim=1)
    if out.shape != (len(X),):
        fail(f"isolation_scores returned {out.shape[0]} scores on {where}, expected {len(X)}")
    return out


def _forest_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The three features of the data-world reference: log amount, hour, log(amount / the user's
    median amount)."""
    usual = frame.groupby("user_id")["amount"].transform("median")
    return pd.DataFrame(
        {
            "log_amount": np.log(frame["amount"]),
            "hour": frame["timestamp"].dt.hour.astype(np.float64),
            "log_vs_user": np.log(frame["amount"] / usual),
        }
    )


_FITS: list[dict] = []  # what the spy saw, in the learner's process


class _SpyForest(IsolationForest):
    """An IsolationForest that records how it is built and fitted (in the learner's process)."""

    def fit(self, X, y=None, sample_weight=None):
        _FITS.append(
            {
                "params": {k: repr(v) for k, v in self.get_params().items()},
                "shape": tuple(np.shape(X)),
                "sum": float(np.nansum(np.asarray(X, dtype=np.float64))),
                "y": None if y is None else repr(np.asarray(y)[:5].tolist()),
                "sample_weight": sample_weight is not None,
            }
        )
        return super().fit(X, y=y, sample_weight=sample_weight)


def _spy_on_forest(module, X, seed) -> dict:
    """Run isolation_scores with IsolationForest replaced by the spy wherever the learner's code
    can reach it; return what the spy saw."""
    import sklearn.ensemble
    import sklearn.ensemble._iforest

    places = [(sklearn.ensemble, "IsolationForest"), (sklearn.ensemble._iforest, "IsolationForest")]
    # the learner's own names for the class, under any alias (from ... import IsolationForest as F)
    places += [(module, name) for name, v in vars(module).items() if v is IsolationForest]
    saved = [(obj, name, getattr(obj, name)) for obj, name in places]
    before = X.copy()
    _FITS.clear()
    try:
        for obj, name, _ in saved:
            setattr(obj, name, _SpyForest)
        error = None
        try:
            module.isolation_scores(X, seed)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported as facts
            error = f"{type(exc).__name__}: {exc}"
    finally:
        for obj, name, original in saved:
            setattr(obj, name, original)
    return {"log": list(_FITS), "error": error, "unchanged": bool(X.equals(before))}


# --- precision_at_k ------------------------------------------------------------------------------


def _precision(submission, scores, is_anomaly, k, where: str) -> float:
    try:
        out = submission.precision_at_k(scores, is_anomaly, k)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        fail(f"precision_at_k raised {type(exc).__name__}: {exc}, on {where}")
    if isinstance(out, bool) or not isinstance(out, float | np.floating):
        fail(f"precision_at_k returned {out!r} ({type(out).__name__}) on {where}, expected a float")
    return float(out)


def _expect_precision(submission, scores, is_anomaly, k, expected, where, why) -> None:
    got = _precision(submission, scores, is_anomaly, k, where)
    if not np.isclose(got, expected, rtol=1e-9, atol=1e-12):
        fail(f"precision_at_k on {where} returned {got!r}, expected {expected!r}: {why}")


def _precision_cases():
    sizes = [1, 2, 3, 5, 8, 13, 30, 80, 300]
    for j, n in enumerate(sizes):
        for kind in ("distinct", "ties"):
            rng = np.random.default_rng(500 + 2 * j + len(kind))
            scores = rng.normal(size=n)
            if kind == "ties":
                scores = np.round(scores * 2) / 2  # a handful of distinct values
            y = rng.random(n) < 0.3
            for k in sorted({1, max(1, n // 3), max(1, n // 2), n}):
                yield (
                    f"{n} scores ({kind}), k={k}: scores={np.round(scores[:8], 3).tolist()}..., "
                    f"is_anomaly={y[:8].tolist()}...",
                    lambda fn, s=scores, y=y, k=k: fn(s.copy(), y.copy(), k),
                )


def _compare_float(got: Any, expected: float, where: str) -> None:
    if isinstance(got, bool) or not isinstance(got, float | np.floating):
        fail(f"{where}: precision_at_k returned {got!r}, expected a float")
    if not np.isclose(float(got), expected, rtol=1e-9, atol=1e-12):
        fail(f"{where}: got {float(got)!r}, expected {expected!r}")


def _world():
    world = coursedata.sample("small", seed=0)
    frame = coursedata.with_anomalies(world, seed=0)
    truth = frame["transaction_id"].isin(world.truth.anomaly_ids).to_numpy()
    return frame, truth


class TestRobustZscores:
    def test_hand_built_groups(self, submission):
        frame, expected = _hand_frame()
        got = _zscores(submission, frame, "merchant_category", "amount", "the hand-built frame")
        at = 16  # the 50 in group a, masked by the 1000 under mean and standard deviation
        naive = _mean_std_z(frame, "merchant_category", "amount")
        if np.isclose(got[at], naive[at], rtol=1e-3):
            fail(
                f"the payment of 50 in a group of ordinary 10-12 payments and one of 1000 scores "
                f"{got[at]:.3g}, the z-score of the mean and the standard deviation: the 1000 "
                "inflates both, and the 50 looks ordinary (masking). Use the group's median and "
                f"its MAD: (50 - 11) / (1.4826 x 1) = {expected[at]:.4g}"
            )
        assert_close(
            got,
            expected,
            "robust_zscores on the hand-built frame (groups a to e in its docstring)",
            rtol=RTOL,
            atol=1e-9,
            why="group a: median 11, MAD 1 -> (x - 11) / 1.4826; group b (5 5 5 6 9): MAD 0, so "
            "(x - 5) / (1.253314 x mean|x - 5| = 1); groups c (one row) and d (7 7 7): 0; group "
            "e (1 2 4 8): median 3, MAD 1.5. The score is signed: below the median is negative",
        )

    def test_one_outlier_does_not_mask_another(self, submission):
        # 30 ordinary bills, one absurd bill, one moderate outlier: both must stand out.
        rng = np.random.default_rng(7)
        bills = np.round(rng.normal(40.0, 5.0, size=30), 2)
        frame = pd.DataFrame(
            {"merchant_category": "restaurants", "amount": [*bills, 40_000.0, 400.0]}
        )
        z = _zscores(submission, frame, "merchant_category", "amount", "32 restaurant bills")
        if not z[-1] > 20:
            fail(
                f"a bill of 400 among bills of about 40 (and one of 40,000) scores {z[-1]:.3g}: "
                "the absurd bill must not hide the moderate one. The median and the MAD barely "
                "move when one value is absurd; the mean and the standard deviation do"
            )

    def test_mad_of_zero(self, submission):
        # A subscription at 9.99 (most rows), a few other amounts; a group of one; equal values.
        frame = pd.DataFrame(
            {
                "merchant_category": ["subs"] * 6 + ["solo"] + ["flat"] * 3,
                "amount": [9.99, 9.99, 9.99, 9.99, 12.99, 29.99, 55.0, 4.0, 4.0, 4.0],
            }
        )
        z = _zscores(submission, frame, "merchant_category", "amount", "a frame with a MAD of 0")
        spread = MEAN_AD_SCALE * (3.0 + 20.0) / 6  # 1.253314 x mean |x - 9.99|
        expected = np.array([0, 0, 0, 0, 3.0, 20.0, 0, 0, 0, 0]) / np.array(
            [1] * 4 + [spread] * 2 + [1] * 4
        )
        if not np.isfinite(z).all():
            fail(
                f"robust_zscores returned {z.round(3).tolist()} for subs = 9.99 x 4, 12.99, 29.99; "
                "solo = 55; flat = 4 x 3: a MAD of 0 must not give an infinite or NaN score. Use "
                "1.253314 x the mean absolute deviation from the median instead, and 0 where even "
                "that is 0"
            )
        assert_close(
            z,
            expected,
            "robust_zscores where the MAD is 0 (subs: 9.99 x 4, 12.99, 29.99; solo: 55; flat: 4 x 3)",
            rtol=RTOL,
            atol=1e-9,
            why="subs: median 9.99, MAD 0, mean |x - 9.99| = 23/6, so (x - 9.99) / (1.253314 x 23/6); "
            "a group of one, or of equal values, scores 0",
        )

    def test_missing_values_and_groups(self, submission):
        frame = pd.DataFrame(
            {
                "merchant_category": ["a", "a", "a", "a", None, "a", "b", "b", "b"],
                "amount": [1.0, 2.0, np.nan, 4.0, 5.0, 100.0, 3.0, np.nan, 7.0],
            },
            index=[9, 8, 7, 6, 5, 4, 3, 2, 1],
        )
        z = _zscores(submission, frame, "merchant_category", "amount", "a frame with gaps")
        # a: 1 2 4 100 (the NaN left out) -> median 3, |x - 3| = 2 1 1 97 -> MAD 1.5
        # b: 3 7 -> median 5, |x - 5| = 2 2 -> MAD 2
        s_a, s_b = MAD_SCALE * 1.5, MAD_SCALE * 2.0
        expected = np.array(
            [-2 / s_a, -1 / s_a, np.nan, 1 / s_a, np.nan, 97 / s_a, -2 / s_b, np.nan, 2 / s_b]
        )
        assert_close(
            z,
            expected,
            "robust_zscores with missing amounts and a missing category",
            rtol=RTOL,
            atol=1e-9,
            why="a missing amount, or a row without a group, scores NaN, and a missing amount is "
            "left out of its group's median and MAD (group a is 1 2 4 100: median 3, MAD 1.5), "
            "never counted as 0",
        )

    def test_several_group_columns_and_integers(self, submission):
        frame = pd.DataFrame(
            {
                "merchant_category": ["a", "a", "a", "a", "a", "a", "b", "b"],
                "channel": ["web", "pos", "web", "pos", "web", "pos", "web", "web"],
                "amount": np.array([1, 10, 2, 20, 9, 60, 5, 5], dtype=np.int64),
            },
            index=list("hgfedcba"),
        )
        z = _zscores(
            submission, frame, ["merchant_category", "channel"], "amount", "by=[category, channel]"
        )
        # (a, web): 1 2 9 -> median 2, |x - 2| = 1 0 7 -> MAD 1
        # (a, pos): 10 20 60 -> median 20, |x - 20| = 10 0 40 -> MAD 10; (b, web): 5 5 -> 0
        expected = np.array([-1.0, -1.0, 0.0, 0.0, 7.0, 4.0, 0.0, 0.0]) / MAD_SCALE
        assert_close(
            z,
            expected,
            "robust_zscores with by=['merchant_category', 'channel'] on integer amounts",
            rtol=RTOL,
            atol=1e-9,
            why="a list of columns makes one group per combination, as df.groupby(by) does; the "
            "scores are float64 even when the amounts are integers",
        )
        gap = frame.assign(channel=frame["channel"].where(frame.index != "a", None))
        z = _zscores(
            submission, gap, ["merchant_category", "channel"], "amount",
            "by=[category, channel] with one channel missing",
        )  # fmt: skip
        # the last row (b, None) has no group: NaN; (b, web) is then the one row 5: 0
        expected = np.array([-1.0, -1.0, 0.0, 0.0, 7.0, 4.0, 0.0, np.nan]) / MAD_SCALE
        assert_close(
            z,
            expected,
            "robust_zscores with by=['merchant_category', 'channel'], the last row's channel None",
            rtol=RTOL,
            atol=1e-9,
            why="a row whose group key is missing in ANY of the by columns scores NaN (as "
            "df.groupby(by) drops it); it is not a group of its own",
        )

    def test_bad_columns_raise(self, submission):
        frame, _ = _hand_frame()
        expect_raises(
            ValueError,
            submission.robust_zscores,
            frame,
            "category",
            "amount",
            why="by='category' names no column of df",
        )
        expect_raises(
            ValueError,
            submission.robust_zscores,
            frame,
            ["merchant_category", "city"],
            "amount",
            why="by lists 'city', which df lacks",
        )
        expect_raises(
            ValueError,
            submission.robust_zscores,
            frame,
            "merchant_category",
            "price",
            why="value='price' names no column of df",
        )
        expect_raises(
            ValueError,
            submission.robust_zscores,
            frame,
            "merchant_category",
            "note",
            why="value='note' is a column of strings, not numbers",
        )

    def test_matches_reference_on_generated_frames(self, submission, reference):
        differential(
            _zscore_cases(),
            submission.robust_zscores,
            reference.robust_zscores,
            _compare_series,
            "robust_zscores(df, 'merchant_category', 'amount')",
        )

    def test_matches_reference_on_the_data_world(self, submission, reference):
        frame, _ = _world()
        for by in ("merchant_category", ["merchant_category", "channel"]):
            got = submission.robust_zscores(frame, by, "amount")
            _compare_series(
                got,
                reference.robust_zscores(frame, by, "amount"),
                f"robust_zscores(with_anomalies(sample('small')), {by!r}, 'amount')",
            )

    def test_median_mad_beats_mean_std_on_planted_anomalies(self, submission, reference):
        frame, truth = _world()
        k = int(truth.sum())
        z = _zscores(submission, frame, "merchant_category", "amount", "the small world")
        robust = reference.precision_at_k(z, truth, k)
        naive = reference.precision_at_k(
            _mean_std_z(frame, "merchant_category", "amount"), truth, k
        )
        if not robust >= naive + 0.15:
            fail(
                f"on with_anomalies(sample('small')), precision@{k} of your robust z-scores is "
                f"{robust:.3f}, and of the mean/std z-scores {naive:.3f}: expected the median and "
                "the MAD to find clearly more of the planted anomalies (the reference: 0.731 "
                "against 0.462), since a few absurd amounts inflate the standard deviation"
            )


class TestIsolationScores:
    def test_higher_means_more_anomalous(self, submission):
        X = _blob(60, seed=1)
        before = X.copy()
        scores = _isolation(submission, X, 0, "59 ordinary rows and one far away (the last)")
        if not np.array_equal(X, before):
            fail("isolation_scores modified X: score it as given, leave the caller's data alone")
        if int(np.argmin(scores)) == len(X) - 1:
            fail(
                "the row far from all the others has the LOWEST score: scikit-learn's "
                "score_samples is higher for normal rows; negate it, so that higher means more "
                "anomalous (as every score of this exercise, and precision_at_k, expect)"
            )
        if int(np.argmax(scores)) != len(X) - 1:
            fail(
                f"the row far from all the others ranks {int((scores > scores[-1]).sum()) + 1} of "
                f"{len(X)}: it should have the highest anomaly score"
            )
        if not (scores > 0).all() or not (scores <= 1).all():
            fail(
                f"the scores run from {scores.min():.3g} to {scores.max():.3g}: "
                "-score_samples(X) lies between 0 and 1 (decision_function is shifted by the "
                "forest's offset and is not the score asked for)"
            )

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        # Each case fits a forest (about 0.2 s): few cases, but an array, a DataFrame, two seeds.
        X = _blob(80, seed=41, d=3)
        frame = pd.DataFrame(_blob(50, seed=49), columns=["log_amount", "hour", "ratio"])
        rates = pd.DataFrame(
            _blob(40, seed=53, d=2), columns=["log_amount", "merchant_fraud_rate"]
        )  # a feature whose name mentions fraud: not a label column
        cases = [
            ("an 80 x 3 array, seed=11", lambda fn: fn(X.copy(), 11)),
            ("a DataFrame of 50 rows x 3 features, seed=5", lambda fn: fn(frame.copy(), 5)),
            (
                "a DataFrame of 40 rows with the feature 'merchant_fraud_rate' (not a label "
                "column: only is_fraud, is_anomaly and label are refused), seed=2",
                lambda fn: fn(rates.copy(), 2),
            ),
        ]

        def compare(got, expected, where):
            if isinstance(got, np.ndarray) and got.dtype != np.float64:
                fail(f"{where}: the result has dtype {got.dtype}, expected float64")
            assert_close(
                as_array(got, where, ndim=1),
                expected,
                where,
                rtol=0,
                atol=1e-12,
                why="fit IsolationForest(random_state=seed) on all of X, every other parameter "
                "at its default, and return -score_samples(X): the seed must reach the forest",
            )

        differential(
            cases, submission.isolation_scores, reference.isolation_scores, compare,
            "isolation_scores(X, seed)",
        )  # fmt: skip

    def test_fitted_once_on_all_rows_without_labels(self, submission):
        frame = pd.DataFrame(_blob(64, seed=5), columns=["log_amount", "hour", "ratio"])
        facts = submission.observe(_spy_on_forest, frame, 3)
        if facts["error"]:
            fail(f"isolation_scores raised {facts['error']} on a DataFrame of 64 x 3, seed=3")
        if not facts["unchanged"]:
            fail("isolation_scores modified X: score it as given, leave the caller's data alone")
        log = facts["log"]
        if len(log) != 1:
            fail(
                f"isolation_scores fitted {len(log)} IsolationForest(s) (seen through "
                "sklearn.ensemble.IsolationForest), expected exactly one, fitted on X"
            )
        call = log[0]
        if call["y"] is not None or call["sample_weight"]:
            fail(
                f"the forest was fitted with y={call['y']} / a sample_weight: an unsupervised "
                "detector is fitted on the features alone, fit(X); the labels are only for "
                "judging it afterwards"
            )
        if call["shape"] != frame.shape or not np.isclose(
            call["sum"], float(frame.to_numpy().sum()), rtol=1e-6
        ):
            fail(
                f"the forest was fitted on an array of shape {call['shape']}, not on X "
                f"{frame.shape} as given: fit it on every row and column of X"
            )
        params = call["params"]
        if params.get("random_state") != "3":
            fail(f"the forest was built with random_state={params.get('random_state')}, expected 3")
        defaults = {k: repr(v) for k, v in IsolationForest(random_state=3).get_params().items()}
        for name, want in defaults.items():
            if params.get(name) != want:
                fail(
                    f"the forest was built with {name}={params.get(name)}: leave every "
                    f"parameter but random_state at its default ({name}={want}); "
                    "IsolationForest(random_state=seed), nothing else"
                )

    def test_refuses_a_label_column(self, submission):
        X = pd.DataFrame(_blob(30, seed=6), columns=["log_amount", "hour", "ratio"])
        y = np.zeros(30, dtype=bool)
        y[-1] = True
        for name, column in (("is_fraud", y), ("is_anomaly", y), ("label", y.astype(int))):
            with_label = X.assign(**{name: column})
            expect_raises(
                ValueError,
                submission.isolation_scores,
                with_label,
                0,
                why=f"X holds the column {name!r}: a detector must never be fitted on the answer",
            )

    def test_forest_finds_planted_anomalies(self, submission, reference):
        frame, truth = _world()
        k = int(truth.sum())
        scores = _isolation(submission, _forest_features(frame), 0, "the small world's features")
        found = reference.precision_at_k(scores, truth, k)
        naive = reference.precision_at_k(
            _mean_std_z(frame, "merchant_category", "amount"), truth, k
        )
        if not found >= 0.8:
            fail(
                f"on with_anomalies(sample('small')), with the features log amount, hour and "
                f"log(amount / the user's median), precision@{k} of your isolation scores is "
                f"{found:.3f} (mean/std z-scores: {naive:.3f}); the reference's is 0.923. Fit "
                "the forest on X alone and negate score_samples: higher = more anomalous"
            )


class TestPrecisionAtK:
    def test_hand_built(self, submission):
        scores = np.array([0.9, 0.1, 0.8, 0.3, 0.7, 0.2])
        y = np.array([True, True, False, False, True, False])
        # ranked: 0.9 (yes), 0.8 (no), 0.7 (yes), 0.3 (no), 0.2 (no), 0.1 (yes)
        for k, expected in [(1, 1.0), (2, 0.5), (3, 2 / 3), (4, 0.5), (5, 0.4), (6, 0.5)]:
            got = _precision(submission, scores, y, k, f"the hand-built case, k={k}")
            if np.isclose(got, [1, 1, 2, 2, 2, 3][k - 1] / 3) and not np.isclose(got, expected):
                fail(
                    f"precision_at_k(k={k}) returned {got:.4g}: anomalies found / the number of "
                    f"anomalies (a recall). Precision divides by k: expected {expected:.4g}"
                )
            if not np.isclose(got, expected, rtol=1e-9, atol=1e-12):
                low = [1, 1, 1, 2, 2, 3][k - 1] / k  # the k lowest scores
                hint = (
                    " (that is the share among the k LOWEST scores: higher = more anomalous)"
                    if np.isclose(got, low)
                    else ""
                )
                fail(
                    f"precision_at_k(scores=[0.9, 0.1, 0.8, 0.3, 0.7, 0.2], is_anomaly=[T, T, F, "
                    f"F, T, F], k={k}) returned {got:.4g}, expected {expected:.4g}{hint}"
                )

    def test_ties_at_the_kth_score_are_shared(self, submission):
        # Scores 5, 4, 4, 4, 1 and k = 2: one row above, three tied for the one remaining place,
        # one anomaly among the three: (0 + 1 x 1/3) / 2 = 1/6, whatever the row order.
        for y, order in (
            ([False, True, False, False, True], "the tied anomaly first"),
            ([False, False, False, True, True], "the tied anomaly last"),
        ):
            _expect_precision(
                submission, np.array([5.0, 4.0, 4.0, 4.0, 1.0]), np.array(y), 2, 1 / 6,
                f"scores [5, 4, 4, 4, 1], k=2, {order}",
                "three rows tie at the 2nd score for one place: each counts as 1/3 of it, so "
                "(0 + 1 x 1/3) / 2 = 1/6. Breaking the tie by row order rewards the order of the "
                "file, not the detector",
            )  # fmt: skip
        _expect_precision(
            submission, np.array([2.0, 2.0, 2.0, 2.0]), np.array([1, 0, 0, 1]), 3, 0.5,
            "four equal scores, two anomalies, k=3",
            "every row ties: 3 places x 2/4 anomalies = 1.5 found, / 3 = 0.5",
        )  # fmt: skip
        _expect_precision(
            submission, np.array([3.0, 2.0, 2.0, 1.0]), np.array([False, True, False, True]), 3,
            1 / 3, "scores [3, 2, 2, 1], k=3 (the tie ends exactly at k)",
            "the two tied rows both fit in the top 3: one anomaly in [3, 2, 2] is 1/3",
        )  # fmt: skip
        _expect_precision(
            submission, np.array([1.0 + 1e-9, 1.0, 0.5]), np.array([False, True, False]), 1, 0.0,
            "scores [1 + 1e-9, 1, 0.5], k=1 (two scores a hair apart)",
            "a tie is a score EXACTLY equal to the k-th; 1 + 1e-9 is strictly higher than 1, so "
            "the top 1 is that row alone, which is not an anomaly (np.isclose would merge them)",
        )  # fmt: skip

    def test_k_boundaries(self, submission):
        scores = np.array([0.5, 0.9, 0.1, 0.7])
        y = np.array([True, False, False, True])
        _expect_precision(
            submission, scores, y, 4, 0.5, "k=4 = len(scores)", "every row: 2 anomalies / 4"
        )
        _expect_precision(
            submission, scores, y, np.int64(2), 0.5, "k=np.int64(2)",
            "a NumPy integer is a valid k: top 2 = 0.9 (no), 0.7 (yes)",
        )  # fmt: skip
        for k, why in (
            (5, "k=5 with only 4 scores: refuse it, do not shorten it silently"),
            (0, "k=0: an empty top k has no precision"),
            (-1, "k=-1"),
            (2.0, "k=2.0 is not an integer"),
            (True, "k=True is a bool, not a count"),
        ):
            expect_raises(ValueError, submission.precision_at_k, scores, y, k, why=why)

    def test_lists_series_and_integer_labels(self, submission):
        _expect_precision(
            submission, [0.2, 0.9, 0.4], [0, 1, 1], 2, 1.0, "Python lists, labels 0 and 1",
            "top 2 = 0.9 and 0.4, both anomalies",
        )  # fmt: skip
        _expect_precision(
            submission, np.array([0.2, 0.9, 0.4]), np.array([1.0, 0.0, 1.0]), 2, 0.5,
            "labels as the floats 0.0 and 1.0", "top 2 = 0.9 (0.0) and 0.4 (1.0)",
        )  # fmt: skip
        scores = pd.Series([0.2, 0.9, 0.4, 0.8], index=[3, 2, 1, 0])
        y = pd.Series([False, True, False, True], index=[0, 1, 2, 3])
        _expect_precision(
            submission, scores, y, 2, 1.0, "two Series with different indexes",
            "scores and is_anomaly are matched by position, not by index label: the top 2 are "
            "positions 1 and 3 (0.9, 0.8), where is_anomaly is True and True",
        )  # fmt: skip

    def test_bad_inputs_raise(self, submission):
        cases = [
            (([0.1, 0.2, 0.3], [True, False], 1), "scores of length 3 and is_anomaly of length 2"),
            (([0.1, np.nan, 0.3], [True, False, True], 1), "a NaN score"),
            (([0.1, 0.2, 0.3], [0, 2, 1], 1), "is_anomaly holding a 2"),
            (([0.1, 0.2, 0.3], ["yes", "no", "yes"], 1), "is_anomaly holding strings"),
            (([0.1, 0.2, 0.3], [0.0, 0.5, 1.0], 1), "is_anomaly holding 0.5"),
        ]
        for args, why in cases:
            expect_raises(ValueError, submission.precision_at_k, *args, why=why)

    def test_matches_reference_on_generated_scores(self, submission, reference):
        differential(
            _precision_cases(),
            submission.precision_at_k,
            reference.precision_at_k,
            _compare_float,
            "precision_at_k(scores, is_anomaly, k)",
        )
