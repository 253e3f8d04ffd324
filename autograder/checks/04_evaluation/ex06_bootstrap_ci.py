"""Checks for 04_evaluation/ex06_bootstrap_ci (see solutions/04_evaluation/ex06_bootstrap_ci.py for the reference)."""

from __future__ import annotations

import numbers
import random
import uuid
from typing import Any

import numpy as np
import pandas as pd

from autograder.assertions import differential, expect_raises, fail

# ex06 · bootstrap_ci
#
# The metrics below are module-level functions, so they cross to the learner's process by
# reference (pickle) and run there, inside the learner's loop.


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC (ties count one half); ValueError on a resample with a single class."""
    y, s = np.asarray(y), np.asarray(s, dtype=np.float64)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError("ROC AUC is undefined on a resample with a single class")
    diff = pos[:, None] - neg[None, :]
    return float((diff > 0).mean() + 0.5 * (diff == 0).mean())


def _auc_or_nan(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC; NaN on a resample with a single class, as recent scikit-learn's roc_auc_score
    returns (with a warning). Not roc_auc_score itself: importing scikit-learn in the
    learner's process would cost more than all the other checks together."""
    try:
        return _auc(y, s)
    except ValueError:
        return float("nan")


def _mean_score(y: np.ndarray, s: np.ndarray) -> float:
    """The mean score of the resample: defined on every resample (NaN on an empty one)."""
    return float(np.mean(np.asarray(s, dtype=np.float64)))


# Scripted metrics. The check fills `scores` with a token (new for every call) and `y_true` with
# a number F; every resample then holds them too. The metric counts its calls per token: the
# first F calls fail (ValueError, NaN, or an error that is not a ValueError), the later ones
# return the call's number, so the interval can be read off. After SAFETY calls every metric
# returns a value, so that code without the cap on draws ends instead of looping for ever.
_CALLS: dict[float, int] = {}
SAFETY = 20_000


def _count(y: np.ndarray, s: np.ndarray) -> tuple[int, int]:
    token = float(np.asarray(s)[0])
    _CALLS[token] = _CALLS.get(token, 0) + 1
    return _CALLS[token], int(np.asarray(y)[0])


def _scripted_value_error(y: np.ndarray, s: np.ndarray) -> float:
    call, failures = _count(y, s)
    if call <= failures and call <= SAFETY:
        raise ValueError(f"scripted: call {call} of the metric fails")
    return float(call)


def _scripted_nan(y: np.ndarray, s: np.ndarray) -> float:
    call, failures = _count(y, s)
    return float("nan") if call <= failures and call <= SAFETY else float(call)


def _scripted_zero_division(y: np.ndarray, s: np.ndarray) -> float:
    call, failures = _count(y, s)
    if call <= failures and call <= SAFETY:
        raise ZeroDivisionError("scripted: the metric divides by zero (a bug in the metric)")
    return float(call)


def _scripted_data(failures: int, n: int = 6) -> tuple[np.ndarray, np.ndarray]:
    token = float(uuid.uuid4().int % 2**52) + 0.5  # new in every process that counts calls
    return np.full(n, failures), np.full(n, token)


# --- helpers ---------------------------------------------------------------------------------


def _interval(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, tuple) or len(value) != 2:
        fail(
            f"{where} should return a tuple (low, high), got {type(value).__name__}: {value!r:.120}"
        )
    out = []
    for name, v in zip(("low", "high"), value, strict=True):
        if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
            fail(f"{where}: {name} should be a float, got {type(v).__name__}: {v!r:.80}")
        out.append(float(v))
    if np.isnan(out).any():
        fail(
            f"{where} returned {tuple(out)}: a NaN bound means a NaN value was kept. A resample "
            "whose metric is NaN must be drawn again, never added to the values"
        )
    if out[0] > out[1]:
        fail(f"{where} returned low={out[0]} > high={out[1]}: low is the alpha/2 quantile")
    return out[0], out[1]


def _draws_made(seed: int, n: int, state: dict, limit: int = 5_000) -> int | None:
    """How many calls rng.integers(0, n, n) take default_rng(seed) to `state` (None: none)."""
    rng = np.random.default_rng(seed)
    for k in range(limit + 1):
        if rng.bit_generator.state == state:
            return k
        rng.integers(0, n, n)
    return None


def _state_message(seed: int, n: int, got: dict, expected: dict, where: str) -> str | None:
    if got == expected:
        return None
    want = _draws_made(seed, n, expected)
    made = _draws_made(seed, n, got)
    if made == 0:
        return (
            f"{where}: the rng you were given did not move. Draw every resample from it "
            "(rng.integers(0, n, n)); the global NumPy state or a new generator make the "
            "interval impossible to reproduce from the caller's seed"
        )
    if made is None:
        return (
            f"{where}: the rng did not advance as a sequence of rng.integers(0, n, n) calls "
            f"(the reference made {want}). Draw each resample's positions with exactly one call "
            "rng.integers(0, n, n), nothing else from rng"
        )
    hint = ""
    if want and made == 2 * want:
        hint = (
            ": two draws per resample, as if the labels and the scores were resampled apart. "
            "One idx per resample, used for both"
        )
    elif want is not None and made < want:
        hint = (
            ": fewer draws than needed, as if a resample on which the metric failed was skipped "
            "instead of drawn again"
        )
    elif want is not None and made > want:
        hint = ": more draws than needed (a draw per resample, redraws only when the metric fails)"
    return f"{where}: your code made {made} draws rng.integers(0, n, n), the reference {want}{hint}"


def _run(fn, metric, y, s, n_boot, alpha, seed):
    rng = np.random.default_rng(seed)
    out = fn(metric, y.copy(), s.copy(), n_boot, alpha, rng)
    return out, rng.bit_generator.state  # the learner's rng state is written back after the call


def _generated_cases():
    """Seeded inputs, smallest first: 1 to 150 rows; balanced labels and rare frauds (many
    resamples with no fraud at all: redraws); a metric that raises ValueError on a single class,
    one that returns NaN there, and one defined everywhere; n_boot from 1 to 60; alpha from
    0.05 to 0.9."""
    sizes = [1, 2, 3, 5, 8, 12, 20, 40, 80, 150]
    boots = [1, 2, 5, 9, 20, 33, 60]
    alphas = [0.05, 0.1, 0.2, 0.5, 0.9]
    for i, n in enumerate(sizes):
        for j, kind in enumerate(("balanced labels", "rare frauds")):
            rng = np.random.default_rng(6600 + 13 * i + j)
            rate = 0.5 if kind == "balanced labels" else 0.15
            y = (rng.random(n) < rate).astype(np.int64)
            if n >= 2:  # both classes present, so every metric is defined on some resamples
                y[0], y[1] = 1, 0
            s = np.round(rng.normal(size=n) + 1.2 * y, 2)
            metrics = [_mean_score] if n < 3 else [_auc, _auc_or_nan, _mean_score]
            for m, metric in enumerate(metrics):
                n_boot = boots[(i + j + m) % len(boots)]
                alpha = alphas[(i + 2 * j + m) % len(alphas)]
                seed = 700 + 31 * i + 7 * j + m
                desc = (
                    f"{n} rows ({kind}: {int(y.sum())} frauds), metric={metric.__name__}, "
                    f"n_boot={n_boot}, alpha={alpha}, rng=np.random.default_rng({seed})"
                )
                yield (
                    desc,
                    lambda fn, metric=metric, y=y, s=s, b=n_boot, a=alpha, seed=seed: (
                        _run(fn, metric, y, s, b, a, seed),
                        (seed, len(y)),
                    ),
                )


def _compare(got, expected, where: str) -> None:
    (out, state), (seed, n) = got
    (ref_out, ref_state), _ = expected
    message = _state_message(seed, n, state, ref_state, where)
    if message:
        fail(message)
    low, high = _interval(out, where)
    if not np.allclose([low, high], ref_out, rtol=1e-12, atol=1e-12):
        fail(
            f"{where}: got ({low!r}, {high!r}), expected {ref_out!r}, with the same draws. The "
            "interval is np.quantile(values, [alpha / 2, 1 - alpha / 2]) of the n_boot metric "
            "values, each computed as metric(y_true[idx], scores[idx]) with one idx for both"
        )


def _expected_values(metric, y, s, n_boot, seed) -> tuple[list[float], dict]:
    """The contract's loop, written independently of the reference (no failures here)."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        values.append(metric(y[idx], s[idx]))
    return values, rng.bit_generator.state


def _call(submission, metric, y, s, n_boot, alpha, rng, doing: str, why: str):
    try:
        return submission.bootstrap_ci(metric, y, s, n_boot, alpha, rng)
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(f"{doing} raised {type(exc).__name__}: {str(exc).strip()[:160]}; {why}")


def _global_rng_effect(module) -> tuple[bool, bool, bool]:
    """In the learner's process, where the global random states live: (whether bootstrap_ci
    moved NumPy's global state, whether it moved Python's `random`, whether its interval stays the
    same after both are re-seeded)."""
    y = np.array([0, 1] * 10)
    s = np.linspace(0.0, 1.0, 20)
    np.random.seed(123)
    random.seed(123)
    np_before, py_before = np.random.get_state(), random.getstate()
    first = module.bootstrap_ci(_mean_score, y, s, 30, 0.1, np.random.default_rng(7))
    np_after = np.random.get_state()
    touched_np = not (np.array_equal(np_before[1], np_after[1]) and np_before[2] == np_after[2])
    touched_py = random.getstate() != py_before
    np.random.seed(999)
    random.seed(999)
    second = module.bootstrap_ci(_mean_score, y, s, 30, 0.1, np.random.default_rng(7))
    return touched_np, touched_py, first == second


# --- checks ----------------------------------------------------------------------------------


class TestBootstrapCI:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.bootstrap_ci,
            reference.bootstrap_ci,
            _compare,
            "bootstrap_ci(metric, y_true, scores, n_boot, alpha, rng) and the rng's state after",
        )

    def test_interval_from_the_right_quantiles(self, submission):
        rng_data = np.random.default_rng(61)
        y = (rng_data.random(30) < 0.3).astype(int)
        s = rng_data.normal(size=30)
        values, state = _expected_values(_mean_score, y, s, 40, 9)
        rng = np.random.default_rng(9)
        where = "bootstrap_ci(mean score, 30 rows, n_boot=40, alpha=0.2, default_rng(9))"
        got = _interval(
            _call(
                submission,
                _mean_score,
                y,
                s,
                40,
                0.2,
                rng,
                doing=where,
                why="the mean score is defined on every resample",
            ),
            where,
        )
        message = _state_message(9, 30, rng.bit_generator.state, state, where)
        if message:
            fail(message)
        want = np.quantile(values, [0.1, 0.9])
        wrong = {
            "np.quantile(values, [alpha, 1 - alpha]): an 80% interval cut at the 20% and 80% "
            "quantiles is a 60% interval": np.quantile(values, [0.2, 0.8]),
            "np.percentile(values, [alpha / 2, 1 - alpha / 2]): percentiles are on a 0-100 "
            "scale, so this is the 0.1% and 0.9% quantiles": np.percentile(values, [0.1, 0.9]),
            "(min, max) of the values": np.array([min(values), max(values)]),
        }
        for mistake, value in wrong.items():
            if np.allclose(got, value, rtol=1e-12) and not np.allclose(got, want, rtol=1e-12):
                fail(
                    f"{where} returned {got}, which is {mistake}. The (1 - alpha) interval is "
                    f"np.quantile(values, [alpha / 2, 1 - alpha / 2]): expected {tuple(want)}"
                )
        if not np.allclose(got, want, rtol=1e-12, atol=1e-12):
            fail(
                f"{where} returned {got}, expected {tuple(want)}: np.quantile of the 40 values "
                "at [alpha / 2, 1 - alpha / 2], with NumPy's default (linear) method"
            )

    def test_labels_stay_with_their_scores(self, submission):
        # Every fraud scores above every legitimate payment: on any resample with both classes
        # the ROC AUC is exactly 1, so the interval is (1.0, 1.0).
        y = np.array([0] * 12 + [1] * 8)
        s = np.concatenate([np.linspace(0.0, 0.4, 12), np.linspace(0.6, 1.0, 8)])
        where = "bootstrap_ci(AUC, 20 perfectly separated rows, n_boot=30, alpha=0.1)"
        got = _interval(
            _call(
                submission,
                _auc,
                y,
                s,
                30,
                0.1,
                np.random.default_rng(3),
                doing=where,
                why="a resample with a single class must be drawn again",
            ),
            where,
        )
        if got != (1.0, 1.0):
            fail(
                f"{where} returned {got}, expected (1.0, 1.0): every fraud outscores every "
                "legitimate payment, so every resample has an AUC of 1. A lower value means "
                "labels and scores were resampled apart (pairs broken). Draw one idx per "
                "resample and use it for both: metric(y_true[idx], scores[idx])"
            )

    def test_redraws_when_the_metric_raises_value_error(self, submission):
        # The metric fails on its first 5 calls, then returns the call's number: with n_boot=4
        # the values are 6, 7, 8, 9 and the 50% interval is their 25% and 75% quantiles.
        y, s = _scripted_data(5)
        rng = np.random.default_rng(4)
        where = "bootstrap_ci with a metric that raises ValueError on its first 5 calls (n_boot=4)"
        out = _call(
            submission,
            _scripted_value_error,
            y,
            s,
            4,
            0.5,
            rng,
            doing=where,
            why="a resample on which the metric raises ValueError (undefined there, e.g. a "
            "single class) is discarded and drawn again",
        )
        _expect_scripted(out, rng, 4, len(y), [6.0, 7.0, 8.0, 9.0], where)

    def test_redraws_when_the_metric_returns_nan(self, submission):
        y, s = _scripted_data(5)
        rng = np.random.default_rng(4)
        where = "bootstrap_ci with a metric that returns NaN on its first 5 calls (n_boot=4)"
        out = _call(
            submission,
            _scripted_nan,
            y,
            s,
            4,
            0.5,
            rng,
            doing=where,
            why="a NaN value is discarded and the resample drawn again",
        )
        _expect_scripted(out, rng, 4, len(y), [6.0, 7.0, 8.0, 9.0], where)

    def test_other_errors_of_the_metric_propagate(self, submission):
        y, s = _scripted_data(SAFETY)
        where = "bootstrap_ci with a metric that raises ZeroDivisionError"
        try:
            out = submission.bootstrap_ci(
                _scripted_zero_division, y, s, 3, 0.1, np.random.default_rng(5)
            )
        except NotImplementedError:
            raise
        except ZeroDivisionError:
            return
        except Exception as exc:
            fail(
                f"{where} raised {type(exc).__name__} ({str(exc).strip()[:120]}), expected the "
                "metric's own ZeroDivisionError: only ValueError (and NaN) mean 'undefined on "
                "this resample'. Any other exception is a bug in the metric: let it propagate "
                "(catch ValueError, not Exception)"
            )
        fail(
            f"{where} returned {out!r} after {SAFETY} calls: the ZeroDivisionError was "
            "swallowed and the resample drawn again. Only ValueError (and NaN) are redrawn; let "
            "any other exception propagate (catch ValueError, not Exception)"
        )

    def test_gives_up_after_100_n_boot_draws(self, submission):
        y, s = _scripted_data(SAFETY)
        where = "bootstrap_ci with a metric that always raises ValueError (n_boot=3)"
        try:
            out = submission.bootstrap_ci(
                _scripted_value_error, y, s, 3, 0.1, np.random.default_rng(6)
            )
        except NotImplementedError:
            raise
        except RuntimeError:
            return
        except Exception as exc:
            fail(
                f"{where} raised {type(exc).__name__} ({str(exc).strip()[:120]}), expected "
                "RuntimeError once 100 * n_boot = 300 draws have not given 3 values (a test set "
                "on which the metric is never defined)"
            )
        fail(
            f"{where} returned {out!r} (the test metric gives in after {SAFETY} calls): without "
            "a cap the loop never ends on data where the metric is never defined. Stop after "
            "100 * n_boot draws and raise RuntimeError"
        )

    def test_the_cap_counts_every_draw(self, submission):
        # n_boot=2, so at most 200 draws. 198 failures: draws 199 and 200 give the two values.
        y, s = _scripted_data(198)
        rng = np.random.default_rng(8)
        where = "bootstrap_ci with a metric that fails on its first 198 calls (n_boot=2)"
        out = _call(
            submission,
            _scripted_value_error,
            y,
            s,
            2,
            0.5,
            rng,
            doing=where,
            why="the 199th and 200th draws give the two values, within the 100 * n_boot = 200 "
            "draws allowed",
        )
        _expect_scripted(out, rng, 8, len(y), [199.0, 200.0], where)
        # 199 failures: only the 200th draw gives a value, and no 201st draw is allowed.
        y, s = _scripted_data(199)
        expect_raises(
            RuntimeError,
            submission.bootstrap_ci,
            _scripted_value_error,
            y,
            s,
            2,
            0.5,
            np.random.default_rng(8),
            why="with n_boot=2 at most 200 resamples are drawn, failed ones included; the "
            "metric failed on 199 of them, so only one value was collected",
        )

    def test_uses_only_the_given_rng(self, submission):
        touched_np, touched_py, same = submission.observe(_global_rng_effect)
        if touched_np:
            fail(
                "bootstrap_ci moved NumPy's global random state (np.random.*): draw every "
                "resample from the rng argument, rng.integers(0, n, n)"
            )
        if touched_py:
            fail(
                "bootstrap_ci moved Python's global random state (the random module): draw "
                "every resample from the rng argument, rng.integers(0, n, n)"
            )
        if not same:
            fail(
                "re-seeding the global random states changed your interval (with the same rng "
                "seed): the draws must come from the rng argument only"
            )

    def test_same_seed_same_interval_and_the_rng_advances(self, submission):
        y = np.array([0, 1, 0, 0, 1, 0, 1, 0, 0, 0])
        s = np.linspace(0.0, 1.0, 10)
        where = "bootstrap_ci(mean score, 10 rows, n_boot=25, alpha=0.1, default_rng(11))"
        runs = []
        for _ in range(2):
            rng = np.random.default_rng(11)
            out = _interval(submission.bootstrap_ci(_mean_score, y, s, 25, 0.1, rng), where)
            runs.append((out, rng.bit_generator.state))
        if runs[0][0] != runs[1][0]:
            fail(
                f"{where} gave {runs[0][0]}, then {runs[1][0]}: the same seed must give the same "
                "interval. Draw from the rng you are given, never from a new or unseeded one"
            )
        _, state = _expected_values(_mean_score, y, s, 25, 11)
        message = _state_message(11, 10, runs[0][1], state, where)
        if message:
            fail(message)
        other = _interval(
            submission.bootstrap_ci(_mean_score, y, s, 25, 0.1, np.random.default_rng(12)), where
        )
        if other == runs[0][0]:
            fail(
                f"seeds 11 and 12 gave the same interval {other}: the resamples must come from "
                "the rng argument"
            )

    def test_series_are_taken_by_position(self, submission, reference):
        rng_data = np.random.default_rng(63)
        y = (rng_data.random(16) < 0.4).astype(int)
        y[:2] = [1, 0]
        s = np.round(rng_data.normal(size=16) + y, 2)
        index = rng_data.permutation(np.arange(100, 116))  # a test split's own row labels
        where = "bootstrap_ci on pandas Series indexed by a test split's row labels"
        rng = np.random.default_rng(14)
        out = _call(
            submission,
            _auc,
            pd.Series(y, index=index),
            pd.Series(s, index=index),
            20,
            0.2,
            rng,
            doing=where,
            why="convert y_true and scores with np.asarray first: idx holds positions, not labels",
        )
        ref_rng = np.random.default_rng(14)
        ref_out = reference.bootstrap_ci(_auc, y, s, 20, 0.2, ref_rng)
        _compare(
            ((out, rng.bit_generator.state), (14, 16)),
            ((ref_out, ref_rng.bit_generator.state), None),
            where,
        )

    def test_numpy_integer_n_boot_accepted(self, submission):
        y, s = np.array([0, 1, 0, 1]), np.array([0.1, 0.7, 0.4, 0.9])
        for n_boot in (np.int64(5), np.int32(5)):
            _call(
                submission,
                _mean_score,
                y,
                s,
                n_boot,
                0.1,
                np.random.default_rng(0),
                doing=f"bootstrap_ci with n_boot={type(n_boot).__name__}(5)",
                why="a NumPy integer is an integer",
            )

    def test_rejects_bad_parameters(self, submission):
        y, s = np.array([0, 1, 0, 1, 1]), np.array([0.1, 0.7, 0.4, 0.9, 0.3])
        rng = np.random.default_rng(0)
        for n_boot, why in (
            (0, "n_boot=0 resamples give no interval"),
            (-5, "n_boot=-5 is not a number of resamples"),
            (True, "n_boot=True is a bool, not a number of resamples"),
            (2.5, "n_boot=2.5 is not an integer"),
        ):
            expect_raises(
                ValueError, submission.bootstrap_ci, _mean_score, y, s, n_boot, 0.1, rng, why=why
            )
        for alpha, why in (
            (0.0, "alpha=0 asks for a 100% interval"),
            (1.0, "alpha=1 asks for a 0% interval"),
            (-0.1, "alpha=-0.1 is below 0"),
            (1.5, "alpha=1.5 is above 1"),
            (float("nan"), "alpha=NaN is not a level"),
        ):
            expect_raises(
                ValueError, submission.bootstrap_ci, _mean_score, y, s, 10, alpha, rng, why=why
            )
        for bad_rng, why in (
            (0, "rng=0 is a seed, not a numpy.random.Generator"),
            (np.random.RandomState(0), "a RandomState is the legacy generator, not a Generator"),
        ):
            expect_raises(
                TypeError, submission.bootstrap_ci, _mean_score, y, s, 10, 0.1, bad_rng, why=why
            )

    def test_rejects_bad_data(self, submission):
        y, s = np.array([0, 1, 0, 1, 1]), np.array([0.1, 0.7, 0.4, 0.9, 0.3])
        rng = np.random.default_rng(0)
        for args, why in (
            ((y, np.append(s, 0.5)), "y_true has 5 values but scores has 6"),
            ((np.append(y, 1), s), "y_true has 6 values but scores has 5"),
            ((y.reshape(-1, 1), s.reshape(-1, 1)), "y_true and scores must be 1-D, not (5, 1)"),
            ((y[:0], s[:0]), "empty inputs have nothing to resample"),
        ):
            expect_raises(
                ValueError, submission.bootstrap_ci, _mean_score, *args, 10, 0.1, rng, why=why
            )

    def test_inputs_not_modified(self, submission):
        y = np.array([0, 1, 0, 1, 1, 0])
        s = np.array([0.1, 0.7, 0.4, 0.9, 0.3, 0.2])
        y0, s0 = y.copy(), s.copy()
        submission.bootstrap_ci(_auc, y, s, 10, 0.1, np.random.default_rng(0))
        if not (np.array_equal(y, y0) and np.array_equal(s, s0)):
            fail("bootstrap_ci changed the caller's y_true or scores; index copies (y[idx]) only")


def _expect_scripted(
    out: Any, rng: np.random.Generator, seed: int, n: int, values: list[float], where: str
) -> None:
    """The scripted metric's values are the numbers of its successful calls: the interval (at
    alpha=0.5) is the 25% and 75% quantiles of `values`, after one draw per call."""
    low, high = _interval(out, where)
    want = tuple(float(v) for v in np.quantile(values, [0.25, 0.75]))
    if not np.allclose((low, high), want, rtol=1e-12):
        fail(
            f"{where} returned {(low, high)}, expected {want}: the metric's values were "
            f"{values} (the calls that succeeded). A failed call gives no value and is followed "
            "by a new draw, until n_boot values are collected; call the metric once per draw, "
            "on that draw only"
        )
    draws = int(values[-1])
    made = _draws_made(seed, n, rng.bit_generator.state)
    if made != draws:
        fail(
            f"{where}: the metric was called {draws} times but your code made "
            f"{made if made is not None else 'an unknown number of'} draws rng.integers(0, n, n): "
            "one draw per call of the metric, redraws included"
        )
