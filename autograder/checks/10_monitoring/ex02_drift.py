"""Checks for 10_monitoring/ex02_drift (see solutions/10_monitoring/ex02_drift.py for the reference)."""

from __future__ import annotations

import functools
import math
import time
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats

from autograder.assertions import (
    assert_close,
    assert_vectorised,
    differential,
    expect_raises,
    fail,
)

EPS = 1e-4
REPORT_COLUMNS = ["feature", "kind", "psi", "ks", "severity"]
SPEED_ROWS = 200_000
SPEED_MARGIN = 20.0
# Rows for the line counts: both above 10,000, where scipy.stats.ks_2samp (which a learner may
# call) computes an asymptotic p-value; below, its exact p-value loops in Python.
LOOP_ROWS = (12_000, 40_000)


# --- helpers ------------------------------------------------------------------------------


def _psi_from(p: list[float], q: list[float]) -> float:
    """The PSI of two lists of proportions, each raised to EPS: the contract's formula."""
    p_, q_ = np.maximum(np.array(p, dtype=float), EPS), np.maximum(np.array(q, dtype=float), EPS)
    return float(np.sum((q_ - p_) * np.log(q_ / p_)))


def _number(got: Any, what: str) -> float:
    """`got` as a float; fails unless it is a real number (a Python or NumPy float or int)."""
    if isinstance(got, bool) or not isinstance(got, (float, int, np.floating, np.integer)):
        fail(f"{what} returned {type(got).__name__} {got!r:.80}, expected a float")
    return float(got)


def _value(submission, name: str, *args: Any, what: str, **kwargs: Any) -> float:
    try:
        got = getattr(submission, name)(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"{what} raised {type(exc).__name__}: {exc}, where it should return a number")
    return _number(got, what)


def _expect_value(got: float, expected: float, what: str, why: str) -> None:
    if not math.isfinite(got):
        fail(f"{what} returned {got!r}, expected {expected:.6g}: {why}")
    assert_close(np.array([got]), np.array([expected]), what, rtol=1e-9, atol=1e-12, why=why)


def _show(values: Any) -> str:
    values = list(values)
    text = repr(values if len(values) <= 8 else [*values[:6], "...", *values[-2:]])
    return f"{text} ({len(values)} values)"


def _compare_numbers(got: Any, expected: Any, where: str) -> None:
    value = _number(got, where)
    if not math.isfinite(value):
        fail(f"{where}: got {value!r}, expected {float(expected):.6g} (a finite number)")
    assert_close(np.array([value]), np.array([float(expected)]), where, rtol=1e-9, atol=1e-12)


def _report(submission, reference_df, current_df, what: str, **kwargs: Any) -> pd.DataFrame:
    try:
        got = submission.drift_report(reference_df, current_df, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        fail(f"drift_report raised {type(exc).__name__}: {exc}, on {what}")
    return _checked_report(got, what)


def _checked_report(got: Any, what: str) -> pd.DataFrame:
    if not isinstance(got, pd.DataFrame):
        fail(f"drift_report returned {type(got).__name__}, expected a pandas DataFrame, on {what}")
    if list(got.columns) != REPORT_COLUMNS:
        fail(
            f"drift_report's columns are {list(got.columns)}, expected {REPORT_COLUMNS} (in that "
            f"order), on {what}"
        )
    if not got.index.equals(pd.RangeIndex(len(got))):
        fail(
            f"drift_report's index is {list(got.index)[:10]}, expected a fresh 0, 1, 2, ... "
            f"(reset the index after sorting), on {what}"
        )
    return got


def _rows(report: pd.DataFrame) -> list[tuple]:
    return list(report.itertuples(index=False, name=None))


def _compare_reports(got: Any, expected: pd.DataFrame, where: str) -> None:
    got = _checked_report(got, where)
    if list(got["feature"]) != list(expected["feature"]):
        fail(
            f"{where}: the features come in the order {list(got['feature'])}, expected "
            f"{list(expected['feature'])} (psi largest first, equal psi by feature name)"
        )
    for column in ("kind", "severity"):
        if list(got[column]) != list(expected[column]):
            fail(f"{where}: {column} is {list(got[column])}, expected {list(expected[column])}")
    for column in ("psi", "ks"):
        try:
            values = np.asarray(got[column], dtype=np.float64)
        except (TypeError, ValueError):
            fail(f"{where}: the {column} column holds {list(got[column])[:5]}, not numbers")
        assert_close(
            values,
            expected[column].to_numpy(dtype=np.float64),
            f"{where}: the {column} column (features {list(expected['feature'])})",
            rtol=1e-9,
            atol=1e-12,
        )


# --- psi ----------------------------------------------------------------------------------


def _psi_cases():
    """Seeded numeric inputs, smallest first: skewed amounts, shifted and scaled currents, integer
    values with many ties, currents outside the reference's range, bins from 1 to 20."""
    plans = [
        (3, 2, "normal", 2),
        (5, 4, "ints", 3),
        (8, 8, "normal", 10),
        (12, 9, "ints", 4),
        (20, 30, "lognormal", 5),
        (40, 25, "ints", 10),
        (60, 80, "lognormal", 10),
        (100, 100, "outside", 10),
        (150, 90, "ints", 20),
        (300, 200, "lognormal", 7),
        (500, 800, "normal", 1),
        (2000, 1500, "lognormal", 10),
        (3000, 3000, "ints", 10),
    ]
    for k, (n, m, kind, bins) in enumerate(plans):
        rng = np.random.default_rng(300 + k)
        if kind == "normal":
            ref, cur = rng.normal(0, 1, n), rng.normal(0.4, 1.3, m)
        elif kind == "ints":
            ref, cur = rng.integers(0, 6, n).astype(float), rng.integers(1, 8, m).astype(float)
        elif kind == "lognormal":
            ref, cur = rng.lognormal(3, 1.2, n).round(2), 1.3 * rng.lognormal(3, 1.2, m).round(2)
        else:
            ref, cur = rng.normal(0, 1, n), rng.normal(0, 1, m) * 4
        yield (
            f"reference {_show(ref.round(3))}, current {_show(cur.round(3))} ({kind}), bins={bins}",
            lambda fn, r=ref, c=cur, b=bins: fn(r.copy(), c.copy(), bins=b),
        )


def _psi_rows(module, n: int) -> Any:
    """psi, ks_statistic and categorical_psi of n seeded rows (in the learner's process)."""
    rng = np.random.default_rng(17)
    ref, cur = rng.lognormal(3, 1, LOOP_ROWS[1])[:n], rng.lognormal(3.2, 1, LOOP_ROWS[1])[:n]
    cats = np.array(["web", "app", "pos", "atm"])
    return (
        module.psi(ref, cur),
        module.ks_statistic(ref, cur),
        module.categorical_psi(
            cats[rng.integers(0, 4, LOOP_ROWS[1])[:n]], cats[rng.integers(0, 3, LOOP_ROWS[1])[:n]]
        ),
    )


class TestPsi:
    def test_hand_computed_quantile_bins(self, submission):
        # 0..9 in 5 bins: edges 1.8, 3.6, 5.4, 7.2 (np.quantile), two reference values per bin.
        reference = list(range(10))
        current = [0, 0, 0, 0, 2, 4, 6, 8, 8, 8]
        expected = _psi_from([0.2] * 5, [0.4, 0.1, 0.1, 0.1, 0.3])
        got = _value(submission, "psi", reference, current, bins=5, what="psi(0..9, current, 5)")
        _expect_value(
            got,
            expected,
            f"psi(reference=0..9, current={current}, bins=5)",
            "the edges are np.quantile(reference, [0.2, 0.4, 0.6, 0.8]) = 1.8, 3.6, 5.4, 7.2, so "
            "the reference has 0.2 in each bin and the current 0.4, 0.1, 0.1, 0.1, 0.3; PSI = "
            "sum((q - p) * ln(q / p))",
        )

    def test_bins_from_the_reference_not_the_current(self, submission):
        # Swapping the inputs (or taking the edges from the current) gives another answer here.
        reference = list(range(10))
        current = [0, 0, 0, 0, 0, 0, 1, 2, 8, 9]
        expected = _psi_from([0.2] * 5, [0.7, 0.1, 0.0, 0.0, 0.2])
        got = _value(submission, "psi", reference, current, bins=5, what="psi")
        if not math.isclose(got, expected, rel_tol=1e-9):
            swapped = _value(submission, "psi", current, reference, bins=5, what="psi swapped")
            hint = (
                " It equals psi(current, reference): the edges must be the REFERENCE's quantiles "
                "(the training data), never the current window's."
                if math.isclose(got, swapped, rel_tol=1e-9)
                else ""
            )
            fail(
                f"psi(reference=0..9, current={current}, bins=5) returned {got:.6g}, expected "
                f"{expected:.6g}: the reference's quantiles 1.8, 3.6, 5.4, 7.2 put the current at "
                f"0.7, 0.1, 0, 0, 0.2 (empty bins count as EPS = 1e-4).{hint}"
            )

    def test_skewed_amounts_need_quantile_bins(self, submission):
        # Payment amounts: most are small, a few are huge. Equal-width bins put nearly everything
        # into the first bin and see no change at all among the small amounts.
        reference = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 1000]
        current = [1.0, 1, 1, 1, 1, 2, 3, 4, 5, 1000]
        expected = _psi_from([0.2] * 5, [0.6, 0.2, 0.1, 0.0, 0.1])
        got = _value(submission, "psi", reference, current, bins=5, what="psi")
        _expect_value(
            got,
            expected,
            f"psi(reference={reference}, current={current}, bins=5)",
            "the edges are the reference's quantiles 2.8, 4.6, 6.4, 8.2 (two reference values "
            "per bin), not equal-width bins over [1, 1000], which put nine of ten values in "
            "the first bin and see no change",
        )

    def test_values_on_an_edge_go_to_the_bin_on_the_right(self, submission):
        # Median edge 2.0, exactly a value of both inputs: bins (-inf, 2) and [2, +inf).
        reference = [0.0, 1, 2, 3, 4]
        current = [2.0, 2, 2, 2, 0]
        expected = _psi_from([0.4, 0.6], [0.2, 0.8])
        got = _value(submission, "psi", reference, current, bins=2, what="psi")
        _expect_value(
            got,
            expected,
            f"psi(reference={reference}, current={current}, bins=2)",
            "the edge is the median 2.0, and bins are closed on the left: 2 belongs to [2, +inf), "
            "so p = 0.4, 0.6 and q = 0.2, 0.8 (pd.cut's default, closed on the right, puts 2 on "
            "the left)",
        )

    def test_tied_quantiles_and_empty_bins(self, submission):
        # Six zeros: the quantiles 0.2 and 0.4 are both 0, so the edges are 0, 0.4, 2.2 and the
        # first bin (-inf, 0) is empty in the reference. The current falls below the range too.
        reference = [0.0] * 6 + [1.0, 2.0, 3.0, 4.0]
        current = [-1.0, 0.0, 1.0, 3.0]
        expected = _psi_from([0.0, 0.6, 0.2, 0.2], [0.25, 0.25, 0.25, 0.25])
        got = _value(submission, "psi", reference, current, bins=5, what="psi")
        _expect_value(
            got,
            expected,
            f"psi(reference={reference}, current={current}, bins=5)",
            "the quantiles 0, 0, 0.4, 2.2 hold a tie (np.unique: edges 0, 0.4, 2.2), the bin "
            "(-inf, 0) is empty in the reference (EPS = 1e-4, not 0) and holds the current's -1",
        )

    def test_empty_bins_count_as_eps(self, submission):
        reference = list(range(10))
        current = [100.0, 100.0, 100.0, 100.0]
        expected = _psi_from([0.2] * 5, [0.0, 0.0, 0.0, 0.0, 1.0])
        got = _value(submission, "psi", reference, current, bins=5, what="psi")
        _expect_value(
            got,
            expected,
            f"psi(reference=0..9, current={current}, bins=5)",
            "every current value is in the last bin, so four bins are empty: each counts as "
            "EPS = 1e-4 (np.maximum(p, EPS)), which keeps the PSI finite (a 0 gives inf or nan)",
        )
        # One current value in 20,000 in the first bin: a share of 5e-5, not 0, below EPS.
        reference = np.arange(20_000.0)
        current = np.r_[0.0, np.full(19_999, 15_000.0)]
        expected = _psi_from([0.1] * 10, [1 / 20_000, 0, 0, 0, 0, 0, 0, 19_999 / 20_000, 0, 0])
        got = _value(submission, "psi", reference, current, what="psi")
        _expect_value(
            got,
            expected,
            "psi(reference=0..19999, current=[0.0] + [15000.0] * 19999, bins=10)",
            "the first bin holds one current value in 20,000, a share of 5e-5: every share "
            "below EPS = 1e-4 is raised to EPS (np.maximum(p, EPS)), not only the empty ones",
        )

    def test_same_proportions_give_zero_and_one_bin_gives_zero(self, submission):
        reference = [3.0, 1.0, 2.0, 5.0]
        for current, bins, why in (
            ([5.0, 3.0, 2.0, 1.0, 1.0, 2.0, 3.0, 5.0], 4, "the same values, twice over"),
            ([100.0, 200.0, -7.0], 1, "bins=1: a single bin (-inf, +inf) holds everything"),
        ):
            got = _value(submission, "psi", reference, current, bins=bins, what="psi")
            _expect_value(
                got, 0.0, f"psi(reference={reference}, current={current}, bins={bins})", why
            )

    def test_nan_values_are_left_out(self, submission):
        rng = np.random.default_rng(5)
        reference, current = rng.normal(0, 1, 50), rng.normal(0.5, 1, 40)
        expected = _value(submission, "psi", reference, current, bins=4, what="psi")
        with_nan_ref = np.r_[reference[:20], np.nan, reference[20:], np.nan]
        with_nan_cur = np.r_[np.nan, current, np.nan, np.nan]
        got = _value(submission, "psi", with_nan_ref, with_nan_cur, bins=4, what="psi with NaN")
        _expect_value(
            got,
            expected,
            "psi of 50 reference and 40 current values with NaNs added to both, bins=4",
            "NaN values are missing: leave them out of each input before the quantiles and the "
            "proportions, so that adding NaNs changes nothing",
        )

    def test_lists_series_and_integers(self, submission, reference):
        rng = np.random.default_rng(6)
        ref = rng.integers(0, 50, 60)
        cur = rng.integers(10, 60, 45)
        expected = reference.psi(ref, cur, bins=6)
        cases = [
            ("Python lists of ints", ref.tolist(), cur.tolist()),
            (
                "pandas Series with a shuffled index",
                pd.Series(ref, index=rng.permutation(60) + 100),
                pd.Series(cur, index=rng.permutation(45)),
            ),
        ]
        for what, r, c in cases:
            got = _value(submission, "psi", r, c, bins=6, what=f"psi on {what}")
            _expect_value(got, expected, f"psi on {what}", "the same values as arrays")
        got = _value(
            submission, "psi", ref, cur, bins=np.int64(6), what="psi with bins=np.int64(6)"
        )
        _expect_value(
            got,
            expected,
            "psi(..., bins=np.int64(6))",
            "a NumPy integer is an integer (what len() of an array or a config read with "
            "NumPy gives): accept np.integer as bins, the same as bins=6",
        )

    def test_bad_bins_raise(self, submission):
        reference, current = [1.0, 2.0, 3.0], [2.0, 3.0]
        for bins in (0, -3, 2.5, True, "10", None):
            expect_raises(
                ValueError,
                submission.psi,
                reference,
                current,
                bins=bins,
                why=f"bins={bins!r}: bins must be an integer >= 1 (a bool is not)",
            )

    def test_bad_inputs_raise(self, submission):
        good = [1.0, 2.0, 3.0]
        cases = [
            ([], good, "an empty reference"),
            (good, [], "an empty current"),
            ([np.nan, np.nan], good, "a reference of NaNs only"),
            (good, [np.nan], "a current of NaNs only"),
            ([1.0, np.inf, 2.0], good, "an infinite reference value"),
            (good, [2.0, -np.inf], "an infinite current value"),
            (np.ones((3, 2)), good, "a 2-D reference"),
        ]
        for ref, cur, why in cases:
            expect_raises(ValueError, submission.psi, ref, cur, why=why)

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _psi_cases(), submission.psi, reference.psi, _compare_numbers, "psi(reference, current)"
        )

    def test_planted_prevalence_shift_flags_no_feature(self, submission):
        # From 2025-05-31 fraud is twice as frequent; the payments themselves do not move.
        ref, cur = _window("2025-05-01", "2025-05-31"), _window("2025-05-31", "2025-07-01")
        report = _report(submission, ref, cur, "May against June (medium world)")
        if _flags_something(report):
            fail(
                "on the medium world, May against June (the prevalence shift of 2025-05-31: "
                "twice as much fraud, the payments unchanged) should flag nothing: every PSI "
                "stays under 0.005 there, and a prevalence shift shows in the labels, not in the "
                f"features; the report reads: {_summary(report)}"
            )

    def test_no_python_loop_over_rows(self, submission):
        assert_vectorised(
            submission, _psi_rows, *LOOP_ROWS, "psi, ks_statistic and categorical_psi"
        )


# --- ks_statistic -------------------------------------------------------------------------


def _ks_cases():
    """Seeded inputs, smallest first: one value, ties (small integers), continuous values,
    different sizes."""
    plans = [(1, 1, "ints"), (1, 3, "normal"), (3, 2, "ints"), (5, 7, "ints"), (10, 10, "normal")]
    plans += [(20, 13, "ints"), (40, 60, "normal"), (100, 100, "ints"), (500, 300, "lognormal")]
    plans += [(2000, 2500, "ints"), (3000, 2000, "lognormal")]
    for k, (n, m, kind) in enumerate(plans):
        rng = np.random.default_rng(400 + k)
        if kind == "ints":
            ref, cur = rng.integers(0, 5, n).astype(float), rng.integers(0, 6, m).astype(float)
        elif kind == "normal":
            ref, cur = rng.normal(0, 1, n), rng.normal(0.3, 1, m)
        else:
            ref, cur = rng.lognormal(3, 1, n).round(2), rng.lognormal(3.1, 1, m).round(2)
        yield (
            f"reference {_show(ref.round(3))}, current {_show(cur.round(3))} ({kind})",
            lambda fn, r=ref, c=cur: fn(r.copy(), c.copy()),
        )


class TestKsStatistic:
    def test_hand_computed(self, submission):
        for ref, cur, expected, why in (
            ([1.0, 2, 3, 4], [3.0, 4, 5, 6], 0.5, "at x = 2, F_ref = 0.5 and F_cur = 0"),
            ([1.0, 2, 3], [1.0, 2, 3], 0.0, "the same values"),
            ([0.0, 0, 0, 1], [0.0, 1, 1, 1], 0.5, "ties: at x = 0, F_ref = 0.75, F_cur = 0.25"),
            ([5.0], [1.0, 2, 3, 4], 1.0, "every current value is below the reference's"),
        ):
            got = _value(submission, "ks_statistic", ref, cur, what="ks_statistic")
            _expect_value(got, expected, f"ks_statistic({ref}, {cur})", why)

    def test_raw_values_not_bins(self, submission):
        # Ten values against the same ten moved by a little: quantile bins of the reference see
        # whole bins move, the raw values give the exact largest gap between the CDFs.
        rng = np.random.default_rng(8)
        ref = rng.normal(0, 1, 200)
        cur = rng.normal(0.15, 1, 170)
        expected = scipy.stats.ks_2samp(ref, cur).statistic
        got = _value(submission, "ks_statistic", ref, cur, what="ks_statistic")
        _expect_value(
            got,
            expected,
            "ks_statistic of 200 and 170 normal values",
            "scipy.stats.ks_2samp(reference, current).statistic: the largest gap between the "
            "two empirical CDFs at every value of either input, from the raw values (binning "
            "first loses the gap inside a bin)",
        )

    def test_equals_scipy_with_ties(self, submission):
        rng = np.random.default_rng(9)
        for k in range(6):
            ref = rng.integers(0, 4, 15 + 7 * k).astype(float)
            cur = rng.integers(1, 5, 11 + 5 * k).astype(float)
            expected = scipy.stats.ks_2samp(ref, cur).statistic
            got = _value(submission, "ks_statistic", ref, cur, what="ks_statistic")
            _expect_value(
                got,
                expected,
                f"ks_statistic({ref.astype(int).tolist()}, {cur.astype(int).tolist()})",
                "scipy.stats.ks_2samp(...).statistic; with ties, F(x) is the share of values "
                "<= x (searchsorted side='right'), evaluated at every value of both inputs",
            )

    def test_nan_left_out_and_bad_inputs(self, submission):
        ref, cur = [1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0]
        got = _value(
            submission, "ks_statistic", [np.nan, *ref], [*cur, np.nan], what="ks_statistic"
        )
        _expect_value(
            got, 0.5, "ks_statistic with a NaN in each input", "NaNs are left out, as in psi"
        )
        for r, c, why in (
            ([], cur, "an empty reference"),
            (ref, [np.nan], "a current of NaNs only"),
            ([1.0, np.inf], cur, "an infinite value"),
            (np.ones((3, 2)), cur, "a 2-D reference"),
        ):
            expect_raises(ValueError, submission.ks_statistic, r, c, why=why)

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _ks_cases(),
            submission.ks_statistic,
            reference.ks_statistic,
            _compare_numbers,
            "ks_statistic(reference, current)",
        )


# --- categorical_psi ----------------------------------------------------------------------


def _categorical_cases():
    """Seeded category draws, smallest first: lists, arrays, Series and pandas categoricals
    with categories in different orders, new and vanished categories."""
    letters = np.array(list("abcdefgh"))
    plans = [(1, 1), (3, 2), (6, 9), (20, 15), (50, 70), (200, 150), (1000, 1200)]
    for k, (n, m) in enumerate(plans):
        rng = np.random.default_rng(500 + k)
        ref = letters[rng.integers(0, 5, n)]
        cur = letters[rng.integers(2, 8, m)]
        form = ("list", "array", "Series", "Categorical")[k % 4]
        if form == "list":
            r, c = ref.tolist(), cur.tolist()
        elif form == "array":
            r, c = ref, cur
        elif form == "Series":
            r, c = pd.Series(ref), pd.Series(cur)
        else:
            r = pd.Series(pd.Categorical(ref, categories=sorted(set(ref))))
            c = pd.Series(pd.Categorical(cur, categories=sorted(set(cur), reverse=True)))
        yield (
            f"reference {_show(ref)}, current {_show(cur)} as {form}",
            lambda fn, r=r, c=c: fn(r, c),
        )


class TestCategoricalPsi:
    def test_hand_computed_new_and_gone_categories(self, submission):
        reference = ["a", "a", "b", "c"]
        current = ["b", "c", "c", "d"]
        # categories a, b, c, d: 'a' is gone from the current, 'd' is new in it.
        expected = _psi_from([0.5, 0.25, 0.25, 0.0], [0.0, 0.25, 0.5, 0.25])
        got = _value(submission, "categorical_psi", reference, current, what="categorical_psi")
        _expect_value(
            got,
            expected,
            f"categorical_psi({reference}, {current})",
            "every category of either input is a bin: 'a' (gone from the current) and 'd' (new "
            "in it) count with EPS = 1e-4 on the side where they are missing",
        )

    def test_new_category_is_counted(self, submission):
        reference = ["web"] * 5 + ["app"] * 5
        current = ["web"] * 4 + ["app"] * 4 + ["atm"] * 2
        expected = _psi_from([0.5, 0.5, 0.0], [0.4, 0.4, 0.2])
        got = _value(submission, "categorical_psi", reference, current, what="categorical_psi")
        _expect_value(
            got,
            expected,
            f"categorical_psi({reference}, {current})",
            "'atm' never appears in the reference: a fifth of the current in a new category is "
            "drift, and must count (reference EPS, current 0.2), not be dropped",
        )

    def test_gone_category_is_counted(self, submission):
        reference = ["web"] * 4 + ["app"] * 4 + ["pos"] * 2
        current = ["web"] * 5 + ["app"] * 5
        expected = _psi_from([0.4, 0.4, 0.2], [0.5, 0.5, 0.0])
        got = _value(submission, "categorical_psi", reference, current, what="categorical_psi")
        _expect_value(
            got,
            expected,
            f"categorical_psi({reference}, {current})",
            "'pos' has vanished from the current: it counts with EPS there",
        )
        reference = ["a"] * 10_000 + ["b"] * 10_000
        current = ["a"] + ["b"] * 19_999
        expected = _psi_from([0.5, 0.5], [1 / 20_000, 19_999 / 20_000])
        got = _value(submission, "categorical_psi", reference, current, what="categorical_psi")
        _expect_value(
            got,
            expected,
            "categorical_psi(['a'] * 10000 + ['b'] * 10000, ['a'] + ['b'] * 19999)",
            "'a' is one current value in 20,000, a share of 5e-5: every share below EPS = 1e-4 "
            "is raised to EPS (np.maximum(p, EPS)), not only those of missing categories",
        )

    def test_categories_matched_by_name_not_position(self, submission):
        values = ["web", "app", "app", "pos", "pos", "pos"]
        reference = pd.Series(pd.Categorical(values, categories=["web", "app", "pos"]))
        current = pd.Series(pd.Categorical(values[::-1], categories=["pos", "app", "web"]))
        got = _value(submission, "categorical_psi", reference, current, what="categorical_psi")
        _expect_value(
            got,
            0.0,
            "categorical_psi of the same values as two pandas categoricals whose categories "
            "are declared in opposite orders",
            "match categories by name (value_counts by value), never by code or position",
        )
        shuffled = ["c", "a", "b", "a", "c", "c"]
        got = _value(
            submission, "categorical_psi", ["a", "c", "c", "b", "a", "c"], shuffled, what="psi"
        )
        _expect_value(
            got, 0.0, "categorical_psi of the same six strings in another order", "order is no name"
        )

    def test_declared_but_unused_category_changes_nothing(self, submission):
        reference = pd.Series(pd.Categorical(["a", "b", "b"], categories=["a", "b", "z"]))
        current = pd.Series(pd.Categorical(["a", "a", "b"], categories=["a", "b", "z"]))
        expected = _psi_from([1 / 3, 2 / 3], [2 / 3, 1 / 3])
        got = _value(submission, "categorical_psi", reference, current, what="categorical_psi")
        _expect_value(
            got,
            expected,
            "categorical_psi of two categoricals declaring 'z', which neither holds",
            "an unused category has EPS on both sides and adds nothing",
        )

    def test_missing_values_left_out_and_bools(self, submission):
        got = _value(
            submission,
            "categorical_psi",
            ["a", None, "b", "b", np.nan],
            ["a", "a", "b", None],
            what="categorical_psi",
        )
        _expect_value(
            got,
            _psi_from([1 / 3, 2 / 3], [2 / 3, 1 / 3]),
            "categorical_psi(['a', None, 'b', 'b', nan], ['a', 'a', 'b', None])",
            "missing values (None, NaN) are left out, as in psi",
        )
        got = _value(
            submission,
            "categorical_psi",
            np.array([True, False, False, False]),
            np.array([True, True, False, False]),
            what="categorical_psi",
        )
        _expect_value(
            got,
            _psi_from([0.25, 0.75], [0.5, 0.5]),
            "categorical_psi of two bool arrays",
            "True and False are two categories",
        )

    def test_bad_inputs_raise(self, submission):
        for ref, cur, why in (
            ([], ["a"], "an empty reference"),
            (["a"], [None, None], "a current of missing values only"),
            (np.array([["a", "b"], ["c", "d"]]), ["a"], "a 2-D reference"),
        ):
            expect_raises(ValueError, submission.categorical_psi, ref, cur, why=why)

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _categorical_cases(),
            submission.categorical_psi,
            reference.categorical_psi,
            _compare_numbers,
            "categorical_psi(reference, current)",
        )


# --- drift_report -------------------------------------------------------------------------


def _frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """n seeded rows of every kind of column the contract names."""
    rng = np.random.default_rng(seed)
    channels = np.array(["web", "app", "pos"])
    return pd.DataFrame(
        {
            "amount": (rng.lognormal(3, 1, n) * (1 + shift)).round(2),
            "hour": rng.integers(0, 24, n),
            "channel": channels[rng.choice(3, n, p=[0.2, 0.35 + shift / 2, 0.45 - shift / 2])],
            "merchant_category": pd.Categorical(
                rng.choice(["grocery", "travel", "gift_cards", "fuel"], n)
            ),
            "abroad": rng.random(n) < 0.06 + shift / 5,
            "score": rng.beta(1, 20 - 10 * shift, n),
        }
    )


def _report_cases():
    sizes = [(5, 4, 0.0), (12, 15, 0.3), (40, 30, 0.5), (200, 150, 0.2), (1000, 1200, 0.3)]
    for k, (n, m, shift) in enumerate(sizes):
        ref, cur = _frame(n, 600 + k), _frame(m, 650 + k, shift)
        bins = (10, 4, 10, 6, 10)[k]
        yield (
            f"frames of {n} and {m} rows (columns {list(ref.columns)}), current shifted by "
            f"{shift}, bins={bins}",
            lambda fn, r=ref, c=cur, b=bins: fn(r.copy(), c.copy(), bins=b),
        )


def _probe_rules(module, reference_df, current_df, bins):
    """drift_report with this module's psi, ks_statistic and categorical_psi replaced by fakes
    that return the value a column's first reference value names (in the learner's process)."""
    seen: dict[str, list] = {"bins": []}
    saved = {
        name: getattr(module, name, None) for name in ("psi", "ks_statistic", "categorical_psi")
    }

    def fake_psi(reference, current, bins=10):
        seen["bins"].append(bins)
        return float(np.asarray(reference, dtype=np.float64)[0])

    def fake_ks(reference, current):
        return 0.5

    def fake_categorical_psi(reference, current):
        return float(str(np.asarray(reference, dtype=object)[0]).split("=")[1])

    module.psi, module.ks_statistic, module.categorical_psi = (
        fake_psi,
        fake_ks,
        fake_categorical_psi,
    )
    try:
        report = module.drift_report(reference_df, current_df, bins=bins)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported as facts
        return {"error": f"{type(exc).__name__}: {exc}", **seen}
    finally:
        for name, value in saved.items():
            setattr(module, name, value)
    if not isinstance(report, pd.DataFrame):
        return {"error": f"drift_report returned {type(report).__name__}", **seen}
    return {"report": pd.DataFrame(report).copy(), **seen}


def _timed(module, n: int) -> dict:
    """Seconds of coursekit.drift.drift_report (the reference, best of 3) and of the learner's
    drift_report on n rows, measured in the learner's process one after the other."""
    from coursekit import drift as given

    ref, cur = _frame(n, 71), _frame(n, 72, 0.3)
    small_ref, small_cur = ref.iloc[:500], cur.iloc[:500]
    given.drift_report(small_ref, small_cur)
    module.drift_report(small_ref, small_cur)  # warm up: lazy imports, caches
    reference_s = []
    for _ in range(3):
        started = time.perf_counter()
        given.drift_report(ref, cur)
        reference_s.append(time.perf_counter() - started)
    started = time.perf_counter()
    module.drift_report(ref, cur)
    return {"reference_s": min(reference_s), "learner_s": time.perf_counter() - started}


@functools.lru_cache(maxsize=1)
def _medium_frame() -> pd.DataFrame:
    """The medium world's payments as the docstring's frame, with their timestamps."""
    import coursedata

    tx = coursedata.sample("medium").transactions
    return pd.DataFrame(
        {
            "timestamp": tx["timestamp"],
            "amount": tx["amount"],
            "hour": tx["timestamp"].dt.hour.astype(np.int64),
            "channel": tx["channel"],
            "merchant_category": tx["merchant_category"],
            "abroad": (
                tx["merchant_country"].astype(str) != tx["card_country"].astype(str)
            ).to_numpy(),
        }
    )


def _window(start: str, end: str) -> pd.DataFrame:
    frame = _medium_frame()
    when = (frame["timestamp"] >= pd.Timestamp(start, tz="UTC")) & (
        frame["timestamp"] < pd.Timestamp(end, tz="UTC")
    )
    return frame.loc[when].drop(columns="timestamp").reset_index(drop=True)


def _summary(report: pd.DataFrame) -> str:
    return ", ".join(
        f"{f} {float(p):.4f} ({s})"
        for f, p, s in zip(report["feature"], report["psi"], report["severity"], strict=False)
    )


def _flags_something(report: pd.DataFrame) -> bool:
    """Whether a report between two windows with no planted drift flags a feature, or shows a PSI
    of 0.05 or more (noise there stays under 0.01)."""
    flagged = (report["severity"] != "none").any()
    return bool(flagged) or not float(np.asarray(report["psi"], dtype=np.float64).max()) < 0.05


class TestDriftReport:
    def test_columns_kinds_and_values(self, submission, reference):
        ref = _frame(300, 1)
        cur = _frame(250, 2, 0.4)
        report = _report(submission, ref, cur, "frames of 300 and 250 rows")
        kinds = dict(zip(report["feature"], report["kind"], strict=False))
        want = {
            "amount": "numeric",
            "hour": "numeric",
            "score": "numeric",
            "channel": "categorical",
            "merchant_category": "categorical",
            "abroad": "categorical",
        }
        if kinds != want:
            fail(
                f"drift_report's kinds are {kinds}, expected {want}: floats and ints are numeric; "
                "strings, pandas categoricals and bools are categorical"
            )
        ks = dict(zip(report["feature"], report["ks"], strict=False))
        for name, kind in want.items():
            value = float(ks[name])
            if kind == "categorical" and not math.isnan(value):
                fail(f"the ks of categorical column {name!r} is {value!r}, expected NaN")
            if kind == "numeric":
                expected = reference.ks_statistic(ref[name], cur[name])
                _expect_value(value, expected, f"the ks of {name!r}", "ks_statistic(ref, cur)")
        _compare_reports(report, reference.drift_report(ref, cur), "frames of 300 and 250 rows")

    def test_only_shared_columns(self, submission, reference):
        ref = _frame(100, 3).drop(columns=["score"])
        cur = _frame(90, 4, 0.3).drop(columns=["hour"])[["abroad", "score", "amount", "channel"]]
        report = _report(submission, ref, cur, "frames sharing some columns")
        got = sorted(report["feature"])
        if got != ["abroad", "amount", "channel"]:
            fail(
                f"drift_report reported {got}; the frames share only abroad, amount and channel "
                "('hour' is only in the reference, 'score' only in the current): one row per "
                "shared column"
            )
        _compare_reports(
            report, reference.drift_report(ref, cur), "frames sharing some of their columns"
        )

    def test_missing_values_left_out_per_column(self, submission, reference):
        ref, cur = _frame(300, 5), _frame(250, 6, 0.3)
        ref.loc[ref.index % 7 == 0, "amount"] = np.nan
        cur.loc[cur.index % 4 == 1, "amount"] = np.nan
        cur["channel"] = cur["channel"].astype(object)
        cur.loc[cur.index % 5 == 2, "channel"] = None
        where = (
            "frames of 300 and 250 rows with NaN amounts in some rows and missing channels in "
            "others"
        )
        report = _report(submission, ref, cur, where)
        hour = report.loc[report["feature"] == "hour", "psi"]
        expected = reference.psi(ref["hour"], cur["hour"])
        if len(hour) == 1 and not math.isclose(float(hour.iloc[0]), expected, rel_tol=1e-9):
            fail(
                f"on {where}, the psi of 'hour' (which has no missing value) is "
                f"{float(hour.iloc[0]):.6g}, expected {expected:.6g} over all its rows: a missing "
                "value is left out of its own column only (psi(ref[col], cur[col])), never by "
                "dropping the whole row from every column"
            )
        _compare_reports(report, reference.drift_report(ref, cur), where)

    def test_severity_thresholds_and_ties(self, submission):
        # Fakes replace psi and categorical_psi: each column's psi is the value its first reference
        # value names, so that PSI values exactly at 0.1 and 0.2 can be tried.
        values = {
            "g": 0.0999999,
            "c": 0.1,
            "a": 0.1,
            "f": 0.15,
            "e": 0.1999999,
            "d": 0.2,
            "b": 0.2,
            "h": 0.35,
            "i": 0.0,
        }
        ref = pd.DataFrame({name: [v, v, v] for name, v in values.items()})
        ref["k"] = ["psi=0.2"] * 3
        ref["j"] = ["psi=0.1"] * 3
        cur = ref.copy()
        facts = submission.observe(_probe_rules, ref, cur, 7)
        if "error" in facts:
            fail(
                f"drift_report raised {facts['error']} when this module's psi, ks_statistic and "
                "categorical_psi were replaced by fakes: the contract says drift_report calls "
                "them (looked up when it runs)"
            )
        report = _checked_report(facts["report"], "frames whose psi values are faked")
        expected_order = ["b", "d", "k", "e", "f", "a", "c", "j", "g", "i"]
        severity = {
            "b": "major",
            "d": "major",
            "k": "major",
            "h": "major",
            "e": "moderate",
            "f": "moderate",
            "a": "moderate",
            "c": "moderate",
            "j": "moderate",
            "g": "none",
            "i": "none",
        }
        got_psi = dict(zip(report["feature"], report["psi"], strict=False))
        if got_psi.get("h") != 0.35 or got_psi.get("k") != 0.2:
            fail(
                "with psi and categorical_psi replaced by fakes (psi 0.35 for column 'h', 0.2 for "
                f"the categorical 'k'), drift_report's psi column holds {got_psi}: compute each "
                "column's psi by calling this module's psi / categorical_psi, as the contract says"
            )
        got_order = list(report["feature"])
        if got_order != ["h", *expected_order]:
            fail(
                f"with psi values {dict(sorted(values.items()))} and 0.2 / 0.1 for the categorical "
                f"'k' / 'j', the rows come in the order {got_order}, expected "
                f"{['h', *expected_order]}: psi largest first, equal psi by feature name (a, b, ...)"
            )
        got_severity = dict(zip(report["feature"], report["severity"], strict=False))
        for name, want in severity.items():
            if got_severity[name] != want:
                psi_value = got_psi[name]
                fail(
                    f"a psi of {psi_value!r} has severity {got_severity[name]!r}, expected "
                    f"{want!r}: 'none' below 0.1, 'moderate' from 0.1 (0.1 included) below 0.2, "
                    "'major' from 0.2 (0.2 included)"
                )
        if any(b != 7 for b in facts["bins"]):
            fail(f"drift_report(..., bins=7) called psi with bins {facts['bins']}: pass bins on")
        got_ks = dict(zip(report["feature"], report["ks"], strict=False))
        if any(float(got_ks[name]) != 0.5 for name in values):
            fail(
                "with ks_statistic replaced by a fake that returns 0.5, drift_report's ks column "
                f"holds {got_ks}: compute each numeric column's ks by calling this module's "
                "ks_statistic, as the contract says"
            )

    def test_kind_mismatch_and_no_shared_column_raise(self, submission):
        ref = _frame(20, 5)
        cur = _frame(20, 6)
        cur["hour"] = cur["hour"].astype(str)
        expect_raises(
            ValueError,
            submission.drift_report,
            ref,
            cur,
            why="'hour' holds ints in the reference and strings in the current: a column must be "
            "numeric in both frames or in neither",
        )
        expect_raises(
            ValueError,
            submission.drift_report,
            ref[["amount", "hour"]],
            _frame(20, 6)[["channel", "score"]],
            why="the frames share no column: there is nothing to compare",
        )
        empty = {
            "amount": pd.Series([np.nan] * 20, dtype=np.float64),
            "channel": pd.Series([None] * 20, dtype=object),
        }
        for column, values in empty.items():
            cur = _frame(20, 6)
            cur[column] = values
            expect_raises(
                ValueError,
                submission.drift_report,
                ref,
                cur,
                why=f"the current's {column!r} holds only missing values ({values.iloc[0]}): "
                "psi and categorical_psi raise ValueError on an input with no value, and "
                "drift_report lets it propagate (never skip the column: a feature that stopped "
                "arriving must not vanish from the report without a word)",
            )

    def test_matches_reference_on_generated_frames(self, submission, reference):
        differential(
            _report_cases(),
            submission.drift_report,
            reference.drift_report,
            _compare_reports,
            "drift_report(reference_df, current_df)",
        )

    def test_stable_month_flags_nothing(self, submission):
        ref, cur = _window("2025-04-01", "2025-04-16"), _window("2025-04-16", "2025-05-01")
        report = _report(submission, ref, cur, "two halves of April (medium world)")
        if _flags_something(report):
            fail(
                "the medium world's April, first half against second half, has no planted drift, "
                f"but the report reads: {_summary(report)}. Noise between two windows of 4,000 "
                "payments gives PSIs under 0.01 here"
            )

    def test_planted_step_drift(self, submission):
        # The step drift of 2025-05-01: every amount x1.6, the channel mix from pos to app.
        ref, cur = _window("2025-04-01", "2025-05-01"), _window("2025-05-01", "2025-05-31")
        report = _report(submission, ref, cur, "April against May (medium world)")
        flagged = set(report.loc[report["severity"] != "none", "feature"])
        ks = dict(zip(report["feature"], np.asarray(report["ks"], dtype=np.float64), strict=False))
        if flagged != {"channel", "amount"} or not ks["amount"] > 3 * ks["hour"]:
            fail(
                "on the medium world, April against May (the step drift of 2025-05-01: amounts "
                "x1.6, the channel mix from pos to app) should flag channel (psi about 0.2) and "
                "amount (psi about 0.18, with a KS far above the hour's) and nothing else (the "
                f"unplanted features stay under 0.01); the report reads: {_summary(report)}"
            )

    def test_planted_gradual_drift(self, submission):
        # The gradual drift from 2025-01-31 to 2025-04-01: payments abroad from 6 % to 18 %.
        ref, cur = _window("2025-01-01", "2025-02-01"), _window("2025-04-01", "2025-05-01")
        report = _report(submission, ref, cur, "January against April (medium world)")
        flagged = report.loc[report["severity"] != "none", "feature"].tolist()
        if flagged != ["abroad"]:
            fail(
                "on the medium world, January against April (the share of payments abroad "
                "tripled, 6 % to 18 %, between 2025-01-31 and 2025-04-01) should flag abroad "
                "(psi about 0.15) and nothing else (the other features stay under 0.01); the "
                f"report reads: {_summary(report)}"
            )

    def test_no_python_loop_over_rows(self, submission):
        assert_vectorised(submission, _report_rows, *LOOP_ROWS, "drift_report", slack=60)

    def test_speed_against_the_reference(self, submission):
        facts = submission.observe(_timed, SPEED_ROWS)
        reference_s, learner_s = facts["reference_s"], facts["learner_s"]
        if learner_s > SPEED_MARGIN * reference_s + 0.2:
            fail(
                f"drift_report of two frames of {SPEED_ROWS:,} rows and 6 columns took "
                f"{learner_s:.2f} s, {learner_s / reference_s:.0f} times the reference's "
                f"{reference_s:.3f} s in the same process (allowed: {SPEED_MARGIN:.0f} times): "
                "a drift job runs over millions of rows. Bin with np.quantile and "
                "np.searchsorted / np.bincount, count categories with value_counts, and take "
                "the KS from sorted arrays with np.searchsorted, never a Python loop over rows"
            )


def _report_rows(module, n: int) -> Any:
    """drift_report of n seeded rows (in the learner's process)."""
    return module.drift_report(
        _frame(LOOP_ROWS[1], 81).iloc[:n], _frame(LOOP_ROWS[1], 82, 0.3).iloc[:n]
    )
