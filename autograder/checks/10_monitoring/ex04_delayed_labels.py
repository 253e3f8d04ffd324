"""Checks for 10_monitoring/ex04_delayed_labels (see solutions/10_monitoring/ex04_delayed_labels.py for the reference)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import differential, expect_raises, fail

# ex04 · mature_performance

COLUMNS = [
    "window_start",
    "window_end",
    "n_mature",
    "n_labelled",
    "n_unlabelled",
    "tp",
    "fp",
    "fn",
    "precision",
    "recall",
]
COUNTS = COLUMNS[2:8]
DAY0 = pd.Timestamp("2025-03-03", tz="UTC")  # midnight of the first prediction's day
NAN = float("nan")


def _at(days: float, hours: float = 0, seconds: float = 0) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=days, hours=hours, seconds=seconds)


def _predictions(rows, index=None) -> pd.DataFrame:
    """rows: (transaction_id, timestamp, score)."""
    return pd.DataFrame(
        {
            "transaction_id": np.array([r[0] for r in rows], dtype=np.int64),
            "timestamp": pd.Series([r[1] for r in rows], dtype="datetime64[ns, UTC]").to_numpy(),
            "score": np.array([r[2] for r in rows], dtype=np.float64),
        },
        index=index,
    )


def _labels(rows, index=None) -> pd.DataFrame:
    """rows: (transaction_id, is_fraud, labelled_at or None)."""
    return pd.DataFrame(
        {
            "transaction_id": np.array([r[0] for r in rows], dtype=np.int64),
            "is_fraud": np.array([r[1] for r in rows], dtype=bool),
            "labelled_at": pd.Series(
                [pd.NaT if r[2] is None else r[2] for r in rows], dtype="datetime64[ns, UTC]"
            ).to_numpy(),
        },
        index=index,
    )


def _expected(rows) -> pd.DataFrame:
    """rows: (window_start, window_end, n_mature, n_labelled, n_unlabelled, tp, fp, fn,
    precision, recall)."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("window_start", "window_end"):
        frame[c] = pd.Series(frame[c].tolist(), dtype="datetime64[ns, UTC]")
    return frame


def _call(submission, predictions, labels, as_of, where: str, **kwargs) -> pd.DataFrame:
    try:
        got = submission.mature_performance(predictions, labels, as_of, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(
            f"mature_performance raised {type(exc).__name__}: {str(exc)[:200]}, on {where}, "
            "where it should have returned the table of windows"
        )
    return got


def _table(got: Any, where: str) -> pd.DataFrame:
    """`got` as a DataFrame of the contract's layout; fails with a message otherwise."""
    if not isinstance(got, pd.DataFrame):
        fail(f"mature_performance returned {type(got).__name__}, expected a DataFrame, on {where}")
    if list(got.columns) != COLUMNS:
        fail(
            f"the result has the columns {list(got.columns)}, expected exactly {COLUMNS} in this "
            f"order, on {where}"
        )
    if not got.index.equals(pd.RangeIndex(len(got))):
        fail(
            f"the result's index is {list(got.index)[:10]}, expected a fresh index 0, 1, 2, ... "
            f"(one row per window, sorted by window_start), on {where}"
        )
    for c in COUNTS:
        if len(got) and not pd.api.types.is_integer_dtype(got[c].dtype):
            fail(f"the column {c!r} has dtype {got[c].dtype}, expected integers, on {where}")
    return got


def _times(values: pd.Series) -> list:
    try:
        return [pd.Timestamp(v) for v in values]
    except (TypeError, ValueError):
        return list(values)


def _show(frame: pd.DataFrame) -> str:
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        return "\n" + frame.to_string(max_rows=12)


def _compare(got: Any, want: pd.DataFrame, where: str, why: str) -> None:
    got = _table(got, where)
    if len(got) != len(want):
        fail(
            f"the result has {len(got)} window(s), expected {len(want)}, on {where}; {why}. "
            f"Expected:{_show(want)}\nGot:{_show(got)}"
        )
    for c in ("window_start", "window_end"):
        g, w = _times(got[c]), _times(want[c])
        try:
            same = all(a == b for a, b in zip(g, w, strict=True))
        except TypeError:
            same = False
        if not same:
            fail(
                f"the column {c!r} is {[str(v) for v in g][:8]}, expected "
                f"{[str(v) for v in w][:8]}, on {where}; {why}"
            )
    for c in COUNTS:
        g, w = got[c].to_numpy(), want[c].to_numpy()
        if not np.array_equal(g.astype(np.float64), w.astype(np.float64)):
            k = int(np.flatnonzero(g.astype(np.float64) != w.astype(np.float64))[0])
            fail(
                f"the window starting {want['window_start'].iloc[k]} has {c}={g[k].item()!r}, "
                f"expected {w[k].item()!r}, on {where}; {why}. Expected:{_show(want)}\n"
                f"Got:{_show(got)}"
            )
    for c in ("precision", "recall"):
        try:
            g = got[c].to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            fail(f"the column {c!r} holds {got[c].tolist()[:5]}, not numbers, on {where}")
        w = want[c].to_numpy(dtype=np.float64)
        ok = np.isclose(g, w, rtol=1e-12, atol=1e-12, equal_nan=True)
        if not ok.all():
            k = int(np.flatnonzero(~ok)[0])
            zero_for_nan = np.isnan(w[k]) and g[k] == 0.0
            fail(
                f"the window starting {want['window_start'].iloc[k]} has {c}={g[k]!r}, expected "
                f"{w[k]!r}, on {where}; "
                + (
                    f"{'tp + fp' if c == 'precision' else 'tp + fn'} is 0 there: the {c} is "
                    "undefined and must be NaN, not 0.0 (a 0 on a monitoring chart reads as a "
                    "collapse of the model)"
                    if zero_for_nan
                    else why
                )
                + f". Expected:{_show(want)}\nGot:{_show(got)}"
            )


# The hand-built case: as_of is day 40, maturity 30 days (cutoff: day 10), windows of 7 days from
# midnight of day 0 (the first prediction is at 09:00 on day 0).
BASIC_PREDICTIONS = [
    (101, _at(0, 9), 0.90),  # fraud, label known on day 20: tp
    (102, _at(1), 0.80),  # legitimate, known: fp
    (103, _at(2), 0.20),  # fraud, known: fn
    (104, _at(3), 0.10),  # legitimate, known: tn
    (105, _at(4), 0.95),  # no label row at all: unlabelled
    (106, _at(5), 0.30),  # fraud, but its chargeback arrives on day 45: unlabelled on day 40
    (107, _at(6), 0.70),  # legitimate, labelled_at missing (NaT): unlabelled
    (108, _at(8), 0.60),  # window 2: fraud, known: tp
    (109, _at(9), 0.40),  # window 2: legitimate, known: tn
    (110, _at(12), 0.90),  # not mature (day 12 > day 10): left out
]
BASIC_LABELS = [
    (101, True, _at(20)),
    (102, False, _at(25)),
    (103, True, _at(15)),
    (104, False, _at(30)),
    (106, True, _at(45)),
    (107, False, None),
    (108, True, _at(22)),
    (109, False, _at(39)),
    (110, True, _at(20)),
]
BASIC_AS_OF = _at(40)
BASIC_EXPECTED = [
    (_at(0), _at(7), 7, 4, 3, 1, 1, 1, 0.5, 0.5),
    (_at(7), _at(14), 2, 2, 0, 1, 0, 0, 1.0, 1.0),
]
BASIC_WHERE = (
    "the hand-built case (10 predictions, as_of day 40, maturity 30D, window 7D, threshold 0.5)"
)


class TestMaturePerformance:
    def test_hand_built_case(self, submission):
        got = _call(
            submission,
            _predictions(BASIC_PREDICTIONS),
            _labels(BASIC_LABELS),
            BASIC_AS_OF,
            BASIC_WHERE,
        )
        _compare(
            got,
            _expected(BASIC_EXPECTED),
            BASIC_WHERE,
            "only predictions with timestamp <= as_of - maturity count; a label counts once "
            "labelled_at <= as_of; predictions without a known label are counted in "
            "n_unlabelled and nowhere else; tp/fp/fn count the labelled predictions, flagged "
            "when score >= threshold",
        )

    def test_unlabelled_are_never_negatives(self, submission):
        # One week: two known labels and four predictions whose label is not known yet, all
        # flagged or all frauds to be: counting them as legitimate moves fp (and hides fn).
        preds = [
            (1, _at(0), 0.9),  # fraud, known: tp
            (2, _at(1), 0.2),  # legitimate, known: tn
            (3, _at(2), 0.9),  # no label row
            (4, _at(3), 0.8),  # label arrives after as_of
            (5, _at(4), 0.7),  # label with labelled_at NaT
            (6, _at(5), 0.6),  # no label row
        ]
        labels = [(1, True, _at(20)), (2, False, _at(21)), (4, False, _at(41)), (5, False, None)]
        where = "a week of 2 labelled and 4 unlabelled predictions, all 4 flagged"
        got = _call(submission, _predictions(preds), _labels(labels), _at(40), where)
        got = _table(got, where)
        if len(got) == 1 and got["n_unlabelled"].iloc[0] == 0:
            fail(
                f"on {where}, n_unlabelled is 0 and fp={got['fp'].iloc[0]!r}: the predictions "
                "whose label is not known at as_of were counted as legitimate. A fraud's "
                "chargeback can come weeks later: until a label is known, the payment is "
                "unlabelled, counted in n_unlabelled and never as a negative"
            )
        _compare(
            got,
            _expected([(_at(0), _at(7), 6, 2, 4, 1, 0, 0, 1.0, 1.0)]),
            where,
            "the 4 predictions without a label known at as_of are unlabelled: not fp, not tn",
        )

    def test_window_edges_are_left_closed(self, submission):
        # Windows [day 0, day 7), [day 7, day 14), [day 14, day 21): rows exactly on an edge
        # belong to the window that starts there; the row one second before to the one before.
        preds = [
            (1, _at(0), 0.9),  # exactly the origin (midnight of the first day)
            (2, _at(7, seconds=-1), 0.1),  # last second of window 1
            (3, _at(7), 0.9),  # exactly on the edge: window 2
            (4, _at(14, seconds=-1), 0.9),  # last second of window 2
            (5, _at(14), 0.2),  # exactly on the edge: window 3
        ]
        labels = [(1, True, _at(30)), (2, True, _at(30)), (3, False, _at(30))]
        labels += [(4, True, _at(30)), (5, True, _at(30))]
        where = "predictions exactly on the window edges day 7 and day 14, and one second before"
        got = _call(submission, _predictions(preds), _labels(labels), _at(60), where)
        _compare(
            got,
            _expected(
                [
                    (_at(0), _at(7), 2, 2, 0, 1, 0, 1, 1.0, 0.5),
                    (_at(7), _at(14), 2, 2, 0, 1, 1, 0, 0.5, 1.0),
                    (_at(14), _at(21), 1, 1, 0, 0, 0, 1, NAN, 0.0),
                ]
            ),
            where,
            "windows are left-closed, [window_start, window_start + window): a prediction "
            "exactly on an edge belongs to the window that starts there",
        )

    def test_windows_start_at_midnight_of_the_first_prediction(self, submission):
        # The earliest prediction is at 15:30 on day 0 and has no label; windows still start at
        # midnight of day 0, so 03:00 on day 7 is in the second window, 23:00 on day 6 in the first.
        # Window "1D" then starts each day at midnight. The days with no prediction are left out.
        preds = [
            (7, _at(0, 15.5), 0.9),  # no label
            (8, _at(6, 23), 0.8),  # fraud
            (9, _at(7, 3), 0.7),  # legitimate
            (10, _at(9, 12), 0.1),  # fraud
        ]
        labels = [(8, True, _at(20)), (9, False, _at(20)), (10, True, _at(20))]
        where = "predictions from 15:30 on day 0 (unlabelled) to day 9, window 7D"
        got = _call(submission, _predictions(preds), _labels(labels), _at(45), where)
        _compare(
            got,
            _expected(
                [
                    (_at(0), _at(7), 2, 1, 1, 1, 0, 0, 1.0, 1.0),
                    (_at(7), _at(14), 2, 2, 0, 0, 1, 1, 0.0, 0.0),
                ]
            ),
            where,
            "windows follow each other from midnight (00:00) of the day of the earliest "
            "prediction in `predictions`, labelled or not, not from the first prediction's own time",
        )
        where = "the same predictions, window 1D (days with no prediction are left out)"
        got = _call(submission, _predictions(preds), _labels(labels), _at(45), where, window="1D")
        _compare(
            got,
            _expected(
                [
                    (_at(0), _at(1), 1, 0, 1, 0, 0, 0, NAN, NAN),
                    (_at(6), _at(7), 1, 1, 0, 1, 0, 0, 1.0, 1.0),
                    (_at(7), _at(8), 1, 1, 0, 0, 1, 0, 0.0, NAN),
                    (_at(9), _at(10), 1, 1, 0, 0, 0, 1, NAN, 0.0),
                ]
            ),
            where,
            "one row per window holding at least one mature prediction, each window starting at "
            "midnight of the first prediction's day plus a whole number of windows",
        )

    def test_maturity_boundary(self, submission):
        # as_of = day 30 12:00, maturity 30D: the cutoff is day 0 12:00 exactly.
        preds = [
            (1, _at(0, 6), 0.9),
            (2, _at(0, 12), 0.9),  # exactly as_of - maturity: mature
            (3, _at(0, 12, seconds=1), 0.9),  # one second younger: not mature
            (4, _at(3), 0.9),
        ]
        labels = [(k, k % 2 == 0, _at(10)) for k in (1, 2, 3, 4)]
        where = "as_of day 30 12:00 with maturity 30D, a prediction exactly at the cutoff"
        got = _call(submission, _predictions(preds), _labels(labels), _at(30, 12), where)
        _compare(
            got,
            _expected([(_at(0), _at(7), 2, 2, 0, 1, 1, 0, 0.5, 1.0)]),
            where,
            "a prediction is mature when timestamp <= as_of - maturity: the one exactly at "
            "day 0 12:00 counts, the one a second later does not (nor does day 3)",
        )
        where = "as_of given as the naive string '2025-04-02 12:00' (read as UTC: day 30 12:00)"
        got = _call(submission, _predictions(preds), _labels(labels), "2025-04-02 12:00", where)
        _compare(
            got,
            _expected([(_at(0), _at(7), 2, 2, 0, 1, 1, 0, 0.5, 1.0)]),
            where,
            "a naive as_of is read in the time zone of the timestamp column",
        )
        where = "as_of day 10 with maturity 0D"
        got = _call(submission, _predictions(preds), _labels(labels), _at(10), where, maturity="0D")
        _compare(
            got,
            _expected([(_at(0), _at(7), 4, 4, 0, 2, 2, 0, 0.5, 1.0)]),
            where,
            "maturity 0 makes every prediction at or before as_of mature",
        )

    def test_labels_known_only_once_labelled(self, submission):
        # as_of = day 40 12:00. A label known exactly at as_of counts; one a second later, or
        # with no labelled_at (NaT), leaves its prediction unlabelled.
        preds = [
            (1, _at(0), 0.9),
            (2, _at(2), 0.1),
            (3, _at(3), 0.9),
            (4, _at(4), 0.1),
        ]
        labels = [
            (1, True, _at(40, 12)),  # exactly at as_of: known
            (2, True, _at(40, 12, seconds=1)),  # a second after as_of: not known yet
            (3, False, None),  # NaT: not known
            (4, True, _at(12)),  # known long before
        ]
        where = "labels known exactly at as_of (day 40 12:00), one second after it, and NaT"
        got = _call(submission, _predictions(preds), _labels(labels), _at(40, 12), where)
        _compare(
            got,
            _expected([(_at(0), _at(7), 4, 2, 2, 1, 0, 1, 1.0, 0.5)]),
            where,
            "a label is known at as_of when labelled_at <= as_of; a later one, or a missing "
            "labelled_at (NaT), leaves the prediction unlabelled: a label from the future is "
            "a label the monitoring job did not have",
        )

    def test_labels_joined_by_transaction_id(self, submission):
        # The hand-built case again, rows shuffled differently in each frame, odd index labels,
        # and labels of payments that are not among the predictions.
        rng = np.random.default_rng(44)
        preds = [BASIC_PREDICTIONS[k] for k in rng.permutation(len(BASIC_PREDICTIONS))]
        extra = [(900 + k, bool(k % 2), _at(5 + k)) for k in range(6)]
        labels = BASIC_LABELS + extra
        labels = [labels[k] for k in rng.permutation(len(labels))]
        p = _predictions(preds, index=pd.Index([f"p{k}" for k in rng.permutation(len(preds))]))
        lab = _labels(labels, index=pd.Index(rng.permutation(len(labels)) * 3 + 17))
        where = (
            "the hand-built case with both frames shuffled (in different orders), string index "
            "labels, and 6 labels of other payments"
        )
        got = _call(submission, p, lab, BASIC_AS_OF, where)
        _compare(
            got,
            _expected(BASIC_EXPECTED),
            where,
            "labels are matched to predictions by transaction_id, never by position or index "
            "label: the rows come in any order, and labels of other payments are ignored",
        )
        lab["is_fraud"] = lab["is_fraud"].astype(np.int64)
        where += ", is_fraud as the integers 1 and 0"
        got = _call(submission, p, lab, BASIC_AS_OF, where)
        _compare(
            got,
            _expected(BASIC_EXPECTED),
            where,
            "is_fraud may hold 1/0 as well as True/False",
        )

    def test_naive_timestamps(self, submission):
        # The hand-built case with naive times (no time zone) in both frames and in as_of.
        p, lab = _predictions(BASIC_PREDICTIONS), _labels(BASIC_LABELS)
        p["timestamp"] = p["timestamp"].dt.tz_localize(None)
        lab["labelled_at"] = lab["labelled_at"].dt.tz_localize(None)
        where = "the hand-built case with naive timestamps and a naive as_of"
        got = _call(submission, p, lab, BASIC_AS_OF.tz_localize(None), where)
        want = _expected(BASIC_EXPECTED)
        for c in ("window_start", "window_end"):
            want[c] = want[c].dt.tz_localize(None)
        _compare(
            got,
            want,
            where,
            "naive timestamps are compared as they are (no time zone is added), and the "
            "windows are naive too",
        )

    def test_threshold_is_inclusive(self, submission):
        preds = [(1, _at(0), 0.5), (2, _at(1), 0.4999), (3, _at(2), 0.8), (4, _at(3), 0.79)]
        labels = [(1, True, _at(10)), (2, True, _at(10)), (3, False, _at(10))]
        labels += [(4, True, _at(10))]
        where = "scores exactly at the threshold 0.5, and at 0.8 with threshold=0.8"
        got = _call(submission, _predictions(preds), _labels(labels), _at(40), where)
        _compare(
            got,
            _expected([(_at(0), _at(7), 4, 4, 0, 2, 1, 1, 2 / 3, 2 / 3)]),
            "threshold 0.5, a fraud scored exactly 0.5",
            "a prediction is flagged when score >= threshold: exactly 0.5 is flagged",
        )
        got = _call(submission, _predictions(preds), _labels(labels), _at(40), where, threshold=0.8)
        _compare(
            got,
            _expected([(_at(0), _at(7), 4, 4, 0, 0, 1, 3, 0.0, 0.0)]),
            "threshold=0.8, a legitimate payment scored exactly 0.8",
            "a prediction is flagged when score >= threshold: exactly 0.8 is flagged",
        )

    def test_undefined_precision_and_recall_are_nan(self, submission):
        preds = [
            (1, _at(0), 0.1),  # window 1: no flag, no fraud
            (2, _at(1), 0.2),
            (3, _at(7), 0.9),  # window 2: the only flagged prediction is unlabelled
            (4, _at(8), 0.1),  # fraud missed
            (5, _at(14), 0.9),  # window 3: flagged legitimate, no fraud
        ]
        labels = [(1, False, _at(20)), (2, False, _at(20)), (4, True, _at(20))]
        labels += [(5, False, _at(20))]
        where = "windows with no flagged labelled prediction and windows with no labelled fraud"
        got = _call(submission, _predictions(preds), _labels(labels), _at(50), where)
        _compare(
            got,
            _expected(
                [
                    (_at(0), _at(7), 2, 2, 0, 0, 0, 0, NAN, NAN),
                    (_at(7), _at(14), 2, 1, 1, 0, 0, 1, NAN, 0.0),
                    (_at(14), _at(21), 1, 1, 0, 0, 1, 0, 0.0, NAN),
                ]
            ),
            where,
            "precision is NaN when tp + fp == 0 and recall NaN when tp + fn == 0 (no "
            "information), but 0.0 when they are defined and tp is 0",
        )

    def test_no_mature_prediction(self, submission):
        preds = [(1, _at(20), 0.9), (2, _at(25), 0.1)]
        labels = [(1, True, _at(28)), (2, False, _at(29))]
        where = "predictions from day 20 on, as_of day 30, maturity 30D (none is mature)"
        got = _table(_call(submission, _predictions(preds), _labels(labels), _at(30), where), where)
        if len(got):
            fail(
                f"on {where}, the result has {len(got)} row(s), expected none: a prediction "
                "younger than maturity is left out entirely, and so is a window with no mature "
                f"prediction.{_show(got)}"
            )

    def test_matches_reference_on_the_data_world(self, submission, reference):
        differential(
            _world_cases(),
            submission.mature_performance,
            reference.mature_performance,
            lambda got, want, where: _compare(
                got, want, where, "the same rules as the hand-built cases"
            ),
            "mature_performance(predictions, labels, as_of, maturity, window, threshold)",
        )

    def test_inputs_not_modified(self, submission):
        p, lab = _predictions(BASIC_PREDICTIONS), _labels(BASIC_LABELS)
        p_copy, lab_copy = p.copy(deep=True), lab.copy(deep=True)
        _call(submission, p, lab, BASIC_AS_OF, BASIC_WHERE)
        for name, frame, copy in (("predictions", p, p_copy), ("labels", lab, lab_copy)):
            if not frame.equals(copy) or list(frame.columns) != list(copy.columns):
                fail(
                    f"mature_performance modified its `{name}` frame: leave the inputs as they are"
                )

    def test_rejects_bad_input(self, submission):
        p, lab = _predictions(BASIC_PREDICTIONS), _labels(BASIC_LABELS)
        fn = submission.mature_performance
        cases = []
        for col in ("transaction_id", "timestamp", "score"):
            cases.append(
                ((p.drop(columns=col), lab, BASIC_AS_OF), {}, f"predictions without {col!r}")
            )
        for col in ("transaction_id", "is_fraud", "labelled_at"):
            cases.append(((p, lab.drop(columns=col), BASIC_AS_OF), {}, f"labels without {col!r}"))
        dup_p = p.copy()
        dup_p.loc[3, "transaction_id"] = 101
        cases.append(((dup_p, lab, BASIC_AS_OF), {}, "transaction_id 101 twice in predictions"))
        dup_l = lab.copy()
        dup_l.loc[4, "transaction_id"] = 103  # two different labels for 103
        cases.append(((p, dup_l, BASIC_AS_OF), {}, "transaction_id 103 twice in labels"))
        nat = p.copy()
        nat.loc[2, "timestamp"] = pd.NaT
        cases.append(((nat, lab, BASIC_AS_OF), {}, "a prediction whose timestamp is NaT"))
        nan = p.copy()
        nan.loc[2, "score"] = np.nan
        cases.append(((nan, lab, BASIC_AS_OF), {}, "a prediction whose score is NaN"))
        young = p.copy()
        young.loc[9, "score"] = np.nan  # id 110, day 12: not mature on day 40
        cases.append(
            (
                (young, lab, BASIC_AS_OF),
                {},
                "the score NaN on transaction 110, a prediction not yet mature (day 12): every "
                "prediction is checked, mature or not",
            )
        )
        for bad in ([1, 0, 2, 0, 1, 0, 1, 0, 1], [1, 0, np.nan, 0, 1, 0, 1, 0, 1]):
            wrong = lab.copy()
            wrong["is_fraud"] = bad
            cases.append(((p, wrong, BASIC_AS_OF), {}, f"is_fraud holding {bad[2]}"))
        later = lab.copy()
        later["is_fraud"] = later["is_fraud"].astype(np.int64)
        later.loc[4, "is_fraud"] = 2  # id 106, labelled on day 45: after as_of
        cases.append(
            (
                (p, later, BASIC_AS_OF),
                {},
                "is_fraud 2 on transaction 106, whose label comes on day 45 (after as_of): "
                "every row of labels is checked, known at as_of or not",
            )
        )
        stranger = pd.concat([lab, _labels([(999, False, _at(20))])], ignore_index=True)
        stranger["is_fraud"] = stranger["is_fraud"].astype(np.int64)
        stranger.loc[len(lab), "is_fraud"] = 2
        cases.append(
            (
                (p, stranger, BASIC_AS_OF),
                {},
                "is_fraud 2 on transaction 999, which is not in predictions: every row of "
                "labels is checked, in predictions or not",
            )
        )
        strings = lab.copy()
        strings["is_fraud"] = strings["is_fraud"].map({True: "yes", False: "no"})
        cases.append(((p, strings, BASIC_AS_OF), {}, "is_fraud holding 'yes' and 'no'"))
        cases.append(((p, lab, BASIC_AS_OF), {"maturity": "-1D"}, "maturity='-1D'"))
        cases.append(((p, lab, BASIC_AS_OF), {"window": "0D"}, "window='0D'"))
        cases.append(((p, lab, BASIC_AS_OF), {"window": "-7D"}, "window='-7D'"))
        cases.append(((p, lab, BASIC_AS_OF), {"threshold": float("nan")}, "threshold=NaN"))
        for args, kwargs, why in cases:
            expect_raises(ValueError, fn, *args, why=why, **kwargs)


def _world_cases():
    """Seeded cases on the small data world, smallest first: scores that know the label a
    little, labels from the chargebacks (frauds) and a later confirmation (legitimate payments),
    a share of payments never labelled, both frames shuffled."""
    cases = [
        ("tiny", 200, "2025-02-05", "30D", "7D", 0.5),
        ("tiny", 1000, "2025-02-20 13:30", "14D", "3D", 0.4),
        ("small", 800, "2025-03-01", "0D", "7D", 0.5),
        ("small", 5000, "2025-03-20", "30D", "7D", 0.5),
        ("small", 5000, "2025-04-01", "45D", "1D", 0.7),
        ("small", 5000, "2025-06-30", "30D", "14D", 0.3),
        ("small", 5000, "2025-03-09 06:00:00", "21D", "12h", 0.6),
        ("small", 5000, "2025-03-25", "30D", "7D", 0.5, "Asia/Kolkata"),
    ]
    for k, (kind, n, as_of, maturity, window, threshold, *zone) in enumerate(cases):
        tz = zone[0] if zone else "UTC"
        where = (
            f"the {kind!r} world's first {n} payments (seed {k}, times in {tz}), "
            f"as_of={as_of!r}, maturity={maturity!r}, window={window!r}, threshold={threshold}"
        )
        yield (
            where,
            lambda fn, kind=kind, n=n, k=k, a=as_of, m=maturity, w=window, t=threshold, z=tz: fn(
                *_world_frames(kind, n, k, z), a, maturity=m, window=w, threshold=t
            ),
        )


@functools.cache
def _world(kind: str) -> pd.DataFrame:
    return coursedata.sample(kind).transactions


def _world_frames(kind: str, n: int, seed: int, tz: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    tx = _world(kind).iloc[:n]
    rng = np.random.default_rng(1040 + seed)
    fraud = tx["is_fraud"].to_numpy()
    score = np.clip(rng.beta(1.2, 6.0, len(tx)) + fraud * (0.2 + 0.5 * rng.random(len(tx))), 0, 1)
    score = np.round(score, 2)  # ties at the threshold
    predictions = pd.DataFrame(
        {"transaction_id": tx["transaction_id"], "timestamp": tx["timestamp"], "score": score}
    )
    confirmed = tx["timestamp"] + pd.to_timedelta(rng.uniform(3, 40, len(tx)).round(), unit="D")
    labels = pd.DataFrame(
        {
            "transaction_id": tx["transaction_id"],
            "is_fraud": fraud,
            "labelled_at": tx["chargeback_at"].where(tx["is_fraud"], confirmed),
        }
    )
    labels.loc[rng.random(len(labels)) < 0.05, "labelled_at"] = pd.NaT
    labels = labels[rng.random(len(labels)) > 0.05]
    predictions["timestamp"] = predictions["timestamp"].dt.tz_convert(tz)
    labels["labelled_at"] = labels["labelled_at"].dt.tz_convert(tz)
    predictions = predictions.iloc[rng.permutation(len(predictions))]
    labels = labels.iloc[rng.permutation(len(labels))]
    return predictions, labels
