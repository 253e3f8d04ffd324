"""Checks for 04_evaluation/ex05_calibration (see solutions/04_evaluation/ex05_calibration.py for the reference)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd

from autograder.assertions import assert_close, differential, expect_raises, fail

# ex05 · reliability_table, expected_calibration_error

COLUMNS = ["bin_lower", "bin_upper", "count", "mean_predicted", "fraction_positive"]

# A hand-built set, n_bins=4 (edges 0, 0.25, 0.5, 0.75, 1: exact in binary). 0.25 and 0.75 sit on
# inner edges (they belong to the bin above), 1.0 twice (the last bin), bin 2 is empty.
HAND_PROBA = np.array([0.0, 0.1, 0.25, 0.3, 0.75, 0.9, 1.0, 1.0])
HAND_Y = np.array([0, 0, 1, 0, 0, 1, 1, 1])
HAND_TABLE = {
    "bin_lower": [0.0, 0.25, 0.5, 0.75],
    "bin_upper": [0.25, 0.5, 0.75, 1.0],
    "count": [2, 2, 0, 4],
    "mean_predicted": [0.05, 0.275, np.nan, 0.9125],
    "fraction_positive": [0.0, 0.5, np.nan, 0.75],
}
HAND_ECE = (2 * 0.05 + 2 * 0.225 + 4 * 0.1625) / 8  # 0.15


def _show(name: str, value: Any) -> str:
    value = np.asarray(value)
    if value.size <= 10:
        text = np.array2string(value, precision=4, separator=", ").replace("\n", "")
        return f"{name}={text}"
    return f"{name} of length {value.size}"


def _columns(value: Any, n_bins: int, where: str) -> dict[str, np.ndarray]:
    """The learner's table as {column: float array}, after checking its layout."""
    if not isinstance(value, pd.DataFrame):
        fail(f"{where} should return a pandas DataFrame, got {type(value).__name__}")
    if list(value.columns) != COLUMNS:
        fail(
            f"{where}: the columns are {list(value.columns)}, expected exactly {COLUMNS}, in that "
            "order"
        )
    if len(value) != n_bins:
        fail(
            f"{where}: the table has {len(value)} rows, expected one per bin, {n_bins}. An empty "
            "bin keeps its row (count 0, NaN means), and a probability of 1.0 belongs to the last "
            "bin, not to a bin of its own"
        )
    try:
        labels = [int(i) for i in value.index]
    except (TypeError, ValueError):
        labels = None
    if labels != list(range(n_bins)):
        fail(
            f"{where}: the index is {list(value.index)[:12]}, expected the bin numbers 0 to "
            f"{n_bins - 1}, in order"
        )
    if value["count"].dtype.kind not in "iu":
        fail(
            f"{where}: the count column has dtype {value['count'].dtype}; a count is a whole "
            "number of rows: make it an integer column (it has no NaN, an empty bin counts 0)"
        )
    out = {}
    for col in COLUMNS:
        try:
            out[col] = np.asarray(value[col].to_numpy(), dtype=np.float64)
        except (TypeError, ValueError):
            fail(f"{where}: the column {col!r} should hold numbers, got {value[col].dtype}")
    return out


def _compare_tables(got: Any, expected: pd.DataFrame | dict, where: str) -> None:
    expected = {c: np.asarray(expected[c], dtype=np.float64) for c in COLUMNS}
    n_bins = len(expected["count"])
    cols = _columns(got, n_bins, where)
    for col in ("bin_lower", "bin_upper"):
        assert_close(
            cols[col],
            expected[col],
            f"{where}, column {col!r}",
            rtol=1e-12,
            atol=1e-12,
            why="the edges are np.linspace(0, 1, n_bins + 1)",
        )
    if not np.array_equal(cols["count"], expected["count"]):
        i = int(np.flatnonzero(cols["count"] != expected["count"])[0])
        close = "]" if i == n_bins - 1 else ")"
        fail(
            f"{where}: count is {cols['count'].astype(int).tolist()}, expected "
            f"{expected['count'].astype(int).tolist()} (first difference in bin {i}, "
            f"[{expected['bin_lower'][i]:.4g}, {expected['bin_upper'][i]:.4g}{close}). Bin i holds "
            "edges[i] <= p < edges[i + 1]: a probability exactly on an inner edge goes to the "
            "bin above it, and 1.0 to the last bin"
        )
    for col in ("mean_predicted", "fraction_positive"):
        empty_zero = (expected["count"] == 0) & (cols[col] == 0)
        if empty_zero.any():
            fail(
                f"{where}: column {col!r} is 0 in the empty bin {int(np.argmax(empty_zero))}; an "
                "empty bin has no mean: keep its row with NaN (a 0 claims rows that do not exist)"
            )
        assert_close(
            cols[col],
            expected[col],
            f"{where}, column {col!r}",
            rtol=1e-9,
            atol=1e-12,
            why="the mean of proba (mean_predicted) or of the labels (fraction_positive) over "
            "the bin's rows, NaN for an empty bin",
        )


def _ece(value: Any, where: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        fail(f"{where} should return a float, got {type(value).__name__}: {value!r:.100}")
    value = float(value)
    if np.isnan(value):
        fail(
            f"{where} returned NaN: an empty bin has NaN means; skip the empty bins (they weigh "
            "0 rows) instead of adding their NaN"
        )
    return value


def _compare_ece(got: Any, expected: float, where: str) -> None:
    value = _ece(got, where)
    if not np.isclose(value, expected, rtol=1e-9, atol=1e-12):
        fail(
            f"{where}: got {value!r}, expected {expected!r}; the ECE is the sum over the "
            "non-empty bins of count / number of rows * |fraction_positive - mean_predicted|"
        )


def _away_from_edges(p: np.ndarray, n_bins: int) -> np.ndarray:
    """Moves generated probabilities off the inner edges (where i / n_bins and a float's
    rounding could disagree by one bin); exact edges have cases of their own."""
    scaled = p * n_bins
    near = np.abs(scaled - np.round(scaled)) < 1e-6
    inner = near & (p > 0.0) & (p < 1.0)
    return np.where(inner, p + 1e-4 / n_bins, p)


def _generated_cases():
    """Seeded inputs, smallest first: 1 to 600 rows; 1 to 20 bins (the default 10 too);
    probabilities spread over [0, 1], skewed towards 0 as a fraud model's are (many empty upper
    bins), with exact 0.0 and 1.0, and on the edges of 2, 4 and 8 bins (exact in binary)."""
    sizes = [1, 2, 3, 5, 8, 20, 60, 200, 600]
    bins_list = [1, 2, 3, 4, 5, 8, 10, None, 20]
    for i, n in enumerate(sizes):
        for kind in ("spread", "skewed towards 0", "with 0.0 and 1.0", "on bin edges"):
            rng = np.random.default_rng(5500 + 11 * i + len(kind))
            n_bins = bins_list[(i + len(kind)) % len(bins_list)]
            nb = 10 if n_bins is None else n_bins
            if kind == "on bin edges":
                nb = n_bins = (2, 4, 8)[i % 3]
                p = rng.integers(0, nb + 1, n) / nb
            elif kind == "skewed towards 0":
                p = _away_from_edges(rng.beta(0.4, 6.0, n), nb)
            else:
                p = _away_from_edges(rng.random(n), nb)
                if kind == "with 0.0 and 1.0":
                    p[rng.random(n) < 0.3] = 1.0
                    p[rng.random(n) < 0.2] = 0.0
            y = (rng.random(n) < p).astype(np.int64)
            desc = f"{_show('y_true', y)}, {_show('proba', p)} ({kind}), " + (
                "default n_bins" if n_bins is None else f"n_bins={n_bins}"
            )
            if n_bins is None:
                yield desc, lambda fn, y=y, p=p: fn(y.copy(), p.copy())
            else:
                yield desc, lambda fn, y=y, p=p, b=n_bins: fn(y.copy(), p.copy(), b)


def _inflated_model(seed: int, n: int = 800) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, the true fraud probabilities, and a model's inflated ones (as class_weight=
    'balanced' gives): the odds multiplied by 19 on a 5% fraud rate."""
    rng = np.random.default_rng(seed)
    logit = rng.normal(-3.6, 1.4, n)
    true_p = 1.0 / (1.0 + np.exp(-logit))
    y = (rng.random(n) < true_p).astype(np.int64)
    inflated = 1.0 / (1.0 + np.exp(-(logit + np.log(19.0))))
    return y, true_p, inflated


BAD_INPUTS = [
    ("proba", [0.2, -0.01, 0.5, 0.9], "a probability of -0.01 is below 0"),
    ("proba", [0.2, 1.01, 0.5, 0.9], "a probability of 1.01 is above 1"),
    ("proba", [0.2, np.nan, 0.5, 0.9], "a NaN probability has no bin"),
    ("y_true", [0, 2, 1, 0], "the label 2 is neither 0 nor 1"),
    ("y_true", [0, 1, 1], "y_true has 3 labels but proba has 4 values"),
    ("proba", [0.2, 0.5, 0.9, 0.4, 0.1], "proba has 5 values but y_true has 4 labels"),
]
BAD_BINS = [
    (0, "n_bins=0 makes no bins"),
    (-3, "n_bins=-3 is not a number of bins"),
    (True, "n_bins=True is a bool, not a number of bins"),
    (2.5, "n_bins=2.5 is not an integer"),
    ("10", "n_bins='10' is a string"),
]


class TestReliabilityTable:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.reliability_table,
            reference.reliability_table,
            _compare_tables,
            "reliability_table(y_true, proba, n_bins)",
        )

    def test_layout(self, submission):
        y, p = np.array([0, 1, 0, 1, 1]), np.array([0.05, 0.95, 0.35, 0.6, 0.62])
        table = submission.reliability_table(y, p, 5)
        cols = _columns(table, 5, "reliability_table(y, p, n_bins=5)")
        assert_close(
            cols["bin_lower"],
            np.linspace(0, 1, 6)[:-1],
            "reliability_table(n_bins=5), column 'bin_lower'",
            rtol=1e-12,
            atol=1e-12,
            why="the bins' lower edges: 0, 0.2, 0.4, 0.6, 0.8",
        )
        assert_close(
            cols["bin_upper"],
            np.linspace(0, 1, 6)[1:],
            "reliability_table(n_bins=5), column 'bin_upper'",
            rtol=1e-12,
            atol=1e-12,
            why="the bins' upper edges: 0.2, 0.4, 0.6, 0.8, 1",
        )

    def test_hand_built_table(self, submission):
        where = f"reliability_table({_show('y_true', HAND_Y)}, {_show('proba', HAND_PROBA)}, 4)"
        _compare_tables(
            submission.reliability_table(HAND_Y.copy(), HAND_PROBA.copy(), 4), HAND_TABLE, where
        )

    def test_probability_on_an_inner_edge_goes_to_the_bin_above(self, submission):
        p, y = np.array([0.25, 0.5, 0.75]), np.array([1, 0, 1])
        cols = _columns(submission.reliability_table(y, p, 4), 4, "reliability_table")
        got = cols["count"].astype(int).tolist()
        if got != [0, 1, 1, 1]:
            fail(
                f"reliability_table(y, proba=[0.25, 0.5, 0.75], n_bins=4) counts {got} per bin, "
                "expected [0, 1, 1, 1]: bin i holds edges[i] <= p < edges[i + 1], so a "
                "probability exactly on an inner edge belongs to the bin above it"
            )

    def test_probability_one_goes_to_the_last_bin(self, submission):
        p, y = np.array([1.0, 1.0, 0.95, 0.2, 1.0]), np.array([1, 1, 0, 0, 0])
        cols = _columns(submission.reliability_table(y, p, 10), 10, "reliability_table")
        if cols["count"].sum() != 5:
            fail(
                f"reliability_table(proba={p.tolist()}, n_bins=10) counts "
                f"{int(cols['count'].sum())} rows in all, not 5: a probability of 1.0 (a model "
                "that is sure) belongs to the last bin, [0.9, 1]; it must not be dropped"
            )
        expected = (4, 3.95 / 4, 2 / 4)
        got = tuple(float(cols[c][9]) for c in ("count", "mean_predicted", "fraction_positive"))
        if not np.allclose(got, expected, rtol=1e-12):
            fail(
                f"the last bin of reliability_table(proba={p.tolist()}, y_true={y.tolist()}, "
                f"n_bins=10) has (count, mean_predicted, fraction_positive) = {got}, expected "
                f"{expected}: it holds 0.95 and the three 1.0"
            )

    def test_empty_bins_are_kept_with_nan(self, submission):
        p, y = np.array([0.01, 0.02, 0.03, 0.97]), np.array([0, 0, 1, 1])
        cols = _columns(submission.reliability_table(y, p, 10), 10, "reliability_table")
        empty = np.arange(1, 9)
        if not (cols["count"][empty] == 0).all():
            fail(f"bins 1 to 8 hold no probability, but count is {cols['count'].tolist()}")
        for col in ("mean_predicted", "fraction_positive"):
            if not np.isnan(cols[col][empty]).all():
                fail(
                    f"column {col!r} of the empty bins 1 to 8 is {cols[col][empty].tolist()}, "
                    "expected NaN: an empty bin has no mean (0 would claim rows that do not exist)"
                )

    def test_one_bin(self, submission):
        y, p = np.array([0, 1, 0, 0]), np.array([0.0, 0.6, 0.2, 1.0])
        _compare_tables(
            submission.reliability_table(y, p, 1),
            {
                "bin_lower": [0.0],
                "bin_upper": [1.0],
                "count": [4],
                "mean_predicted": [0.45],
                "fraction_positive": [0.25],
            },
            f"reliability_table(y_true={y.tolist()}, proba={p.tolist()}, n_bins=1)",
        )

    def test_default_is_ten_bins(self, submission):
        y, p = np.array([0, 1, 0, 1]), np.array([0.05, 0.95, 0.35, 0.55])
        cols = _columns(submission.reliability_table(y, p), 10, "reliability_table(y, p)")
        if cols["count"].astype(int).tolist() != [1, 0, 0, 1, 0, 1, 0, 0, 0, 1]:
            fail(
                f"reliability_table(y, proba={p.tolist()}) counts {cols['count'].tolist()} with "
                "the default n_bins=10, expected one row in bins 0, 3, 5 and 9"
            )

    def test_rejects_bad_inputs(self, submission):
        _rejects(submission.reliability_table, "reliability_table")

    def test_accepts_lists_booleans_and_series(self, submission):
        y, p = [False, True, True, False], [0.1, 0.8, 0.3, 1.0]
        expected = {
            "bin_lower": [0.0, 0.5],
            "bin_upper": [0.5, 1.0],
            "count": [2, 2],
            "mean_predicted": [0.2, 0.9],
            "fraction_positive": [0.5, 0.5],
        }
        where = f"reliability_table(y_true={y}, proba={p}, n_bins=2)"
        _compare_tables(submission.reliability_table(y, p, 2), expected, where + " (lists)")
        index = [40, 3, 17, 8]  # the rows of a test split: labels that are not positions
        _compare_tables(
            submission.reliability_table(pd.Series(y, index=index), pd.Series(p, index=index), 2),
            expected,
            where + " (pandas Series indexed [40, 3, 17, 8]; the index is ignored)",
        )


class TestExpectedCalibrationError:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.expected_calibration_error,
            reference.expected_calibration_error,
            _compare_ece,
            "expected_calibration_error(y_true, proba, n_bins)",
        )

    def test_hand_built_weighted_by_count(self, submission):
        got = _ece(
            submission.expected_calibration_error(HAND_Y.copy(), HAND_PROBA.copy(), 4),
            "expected_calibration_error",
        )
        where = (
            f"expected_calibration_error({_show('y_true', HAND_Y)}, "
            f"{_show('proba', HAND_PROBA)}, n_bins=4)"
        )
        unweighted = (0.05 + 0.225 + 0.1625) / 3
        if np.isclose(got, unweighted):
            fail(
                f"{where} gave {got:.6g}, the plain mean of the three non-empty bins' gaps "
                "(0.05, 0.225, 0.1625). Weight each bin by its share of the rows (2/8, 2/8, "
                f"4/8): expected {HAND_ECE:.6g}. A bin of 500 payments matters more than a bin "
                "of one"
            )
        if np.isclose(got, (2 * 0.05 + 2 * 0.225 + 2 * 0.325) / 6):
            fail(
                f"{where} gave {got:.6g}: the two rows at 1.0 were left out of the last bin. "
                f"Probability 1.0 belongs to the last bin: expected {HAND_ECE:.6g}"
            )
        _compare_ece(got, HAND_ECE, where)

    def test_perfectly_calibrated_is_zero(self, submission):
        # 10 rows at 0.1 with 1 fraud, 5 rows at 0.8 with 4 frauds: the rates match exactly.
        p = np.array([0.1] * 10 + [0.8] * 5)
        y = np.array([1] + [0] * 9 + [1, 1, 0, 1, 1])
        got = _ece(submission.expected_calibration_error(y, p), "expected_calibration_error")
        if not np.isclose(got, 0.0, atol=1e-12):
            fail(
                f"a perfectly calibrated set (ten rows at 0.1 with one fraud, five at 0.8 with "
                f"four) has an ECE of {got!r}, expected 0: in every non-empty bin the fraud rate "
                "equals the mean probability, and the eight empty bins add nothing"
            )

    def test_empty_bins_add_nothing(self, submission):
        # Bins 0 and 9 only: 3 rows at 0.05 (no fraud), 1 row at 0.95 (a fraud).
        p, y = np.array([0.05, 0.05, 0.05, 0.95]), np.array([0, 0, 0, 1])
        got = _ece(submission.expected_calibration_error(y, p, 10), "expected_calibration_error")
        _compare_ece(
            got,
            (3 * 0.05 + 1 * 0.05) / 4,
            f"expected_calibration_error(y_true={y.tolist()}, proba={p.tolist()}, n_bins=10)",
        )

    def test_probability_one_counts(self, submission):
        # n_bins=2: bin 0 holds 0.2 (no fraud), bin 1 holds 1.0 three times (one fraud).
        p, y = np.array([0.2, 1.0, 1.0, 1.0]), np.array([0, 1, 0, 0])
        got = _ece(submission.expected_calibration_error(y, p, 2), "expected_calibration_error")
        where = f"expected_calibration_error(y_true={y.tolist()}, proba={p.tolist()}, n_bins=2)"
        if np.isclose(got, 0.2):
            fail(
                f"{where} gave 0.2, the ECE of the row at 0.2 alone: the three rows at 1.0 were "
                "dropped. They belong to the last bin (1.0 is a valid, very sure, probability)"
            )
        _compare_ece(got, (1 * 0.2 + 3 * (1.0 - 1 / 3)) / 4, where)

    def test_an_inflated_model_and_its_calibrated_version(self, submission, reference):
        # A model whose odds are 19 times too high (class_weight='balanced' on a 5% fraud
        # rate), and the true probabilities: what calibration should bring the ECE back to.
        y, true_p, inflated = _inflated_model(55)
        for name, p in (("the inflated model", inflated), ("the calibrated probabilities", true_p)):
            got = submission.expected_calibration_error(y, p.copy())
            _compare_ece(
                got,
                reference.expected_calibration_error(y, p),
                f"expected_calibration_error on {name} (800 rows, 5% frauds, default n_bins)",
            )

    def test_rejects_bad_inputs(self, submission):
        _rejects(submission.expected_calibration_error, "expected_calibration_error")

    def test_inputs_not_modified(self, submission):
        y, p = HAND_Y.copy(), HAND_PROBA.copy()
        submission.reliability_table(y, p, 4)
        submission.expected_calibration_error(y, p, 4)
        if not (np.array_equal(y, HAND_Y) and np.array_equal(p, HAND_PROBA)):
            fail(
                "reliability_table or expected_calibration_error changed the caller's y_true or "
                "proba (a clip or sort in place?); work on copies"
            )


def _rejects(fn, name: str) -> None:
    y, p = np.array([0, 1, 1, 0]), np.array([0.2, 0.5, 0.9, 0.4])
    for which, bad, why in BAD_INPUTS:
        args = (np.array(bad), p) if which == "y_true" else (y, np.array(bad))
        expect_raises(ValueError, fn, *args, 4, why=f"{name}: {why}")
    expect_raises(
        ValueError,
        fn,
        y.reshape(2, 2),
        p.reshape(2, 2),
        4,
        why=f"{name}: y_true and proba must be 1-D; these are 2 x 2",
    )
    expect_raises(
        ValueError,
        fn,
        np.array([], dtype=np.int64),
        np.array([]),
        4,
        why=f"{name}: empty inputs have no calibration to measure",
    )
    for n_bins, why in BAD_BINS:
        expect_raises(ValueError, fn, y, p, n_bins, why=f"{name}: {why}")
    for n_bins in (np.int64(3), np.int32(3)):
        try:
            fn(y, p, n_bins)
        except NotImplementedError:
            raise
        except Exception as exc:
            fail(
                f"{name}(y, p, n_bins={type(n_bins).__name__}(3)) raised {type(exc).__name__}: "
                f"{exc}; a NumPy integer is an integer"
            )
