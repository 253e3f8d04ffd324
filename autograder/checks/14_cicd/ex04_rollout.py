"""Checks for 14_cicd/ex04_rollout (see solutions/14_cicd/ex04_rollout.py for the reference)."""

from __future__ import annotations

import hashlib
import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

from autograder.assertions import differential, expect_raises, fail
from autograder.interpreters import driver_of, in_fresh_interpreters

# --- canary_bucket ---------------------------------------------------------------------------------

SALT = "fraud-model-v2"
UNICODE_KEYS = ["", "café", "Straße-77", "東京-user", "user 🚀", "Ünïcødé:key", "a:b", "x" * 300]


def _value(key: str, salt: str) -> int:
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _expected(key: str, percent: float, salt: str) -> bool:
    return _value(key, salt) < round(percent / 100 * 2**64)


def _keys(n: int, prefix: str = "user-") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def _buckets(module, keys: list[str], percents: list, salt: str) -> dict:
    """In the learner's process: canary_bucket for every key at every percent, or the first
    result that is not a bool."""
    rows = []
    for percent in percents:
        row = []
        for key in keys:
            got = module.canary_bucket(key, percent, salt)
            if not isinstance(got, bool | np.bool_):
                return {"bad": (key, percent, repr(got)[:80], type(got).__name__)}
            row.append(bool(got))
        rows.append(np.packbits(np.array(row, dtype=bool)).tobytes())
    return {"rows": rows}


def _observe_buckets(submission, keys: list[str], percents: list, salt: str) -> list[np.ndarray]:
    """The learner's buckets (one bool array per percent), observed in the learner's process."""
    try:
        seen = submission.observe(_buckets, keys, percents, salt)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(
            f"canary_bucket raised {type(exc).__name__}: {str(exc)[:200]}, on valid arguments "
            f"(str keys such as {keys[0]!r}, percents {percents}, salt {salt!r})"
        )
    if "bad" in seen:
        key, percent, shown, kind = seen["bad"]
        fail(
            f"canary_bucket({key!r}, {percent!r}, {salt!r}) returned {shown} ({kind}), expected "
            "a bool (True: in the canary)"
        )
    return [
        np.unpackbits(np.frombuffer(b, dtype=np.uint8))[: len(keys)].astype(bool)
        for b in seen["rows"]
    ]


def _compare_buckets(keys, percents, salt, rows, why: str) -> None:
    for percent, row in zip(percents, rows, strict=True):
        for key, got in zip(keys, row, strict=True):
            want = _expected(key, percent, salt)
            if got != want:
                value = _value(key, salt)
                fail(
                    f"canary_bucket({key!r}, {percent!r}, {salt!r}) returned {got}, expected "
                    f"{want}: the first 8 bytes of sha256({f'{salt}:{key}'!r} as UTF-8), read "
                    f"big-endian, are {value} and the threshold round({percent!r} / 100 * 2**64) "
                    f"is {round(percent / 100 * 2**64)}; {why}"
                )


_SCHEME = (
    "every service must compute the same bucket, so the scheme is fixed: sha256 of "
    "f'{salt}:{key}' in UTF-8, its first 8 bytes as a big-endian int, in the canary when it is "
    "below round(percent / 100 * 2**64)"
)


def _buckets_in_child(module, args):
    """A driver (autograder.interpreters): the buckets in a fresh interpreter."""
    return [bool(module.canary_bucket(k, args["percent"], args["salt"])) for k in args["keys"]]


def _in_subprocesses(
    module, source: str, driver: dict, keys: list[str], percent: float, salt: str, seeds: list
) -> dict:
    """In the learner's process: the buckets here, and in fresh interpreters that run the
    learner's file (its `source`) with other PYTHONHASHSEEDs (hash() of a str changes with it)."""
    here = [bool(module.canary_bucket(k, percent, salt)) for k in keys]
    args = {"keys": keys, "percent": percent, "salt": salt}
    there = in_fresh_interpreters(module, source, driver, args, seeds)
    results = {
        seed: {"buckets": out["result"]} if "result" in out else out for seed, out in there.items()
    }
    return {"here": here, "there": results}


class TestCanaryBucket:
    def test_keys_next_to_the_threshold(self, submission):
        # For a few percents, the keys (of user-0 .. user-49999) just below and just above the
        # threshold: any other hash, byte order or rounding puts some of them on the wrong side.
        keys = _keys(50_000)
        values = np.array([_value(k, SALT) for k in keys], dtype=np.uint64)
        chosen: list[str] = []
        for percent in (0.5, 12.5, 37.3, 50, 90):
            threshold = round(percent / 100 * 2**64)
            below = np.flatnonzero(values < np.uint64(threshold))
            above = np.flatnonzero(values >= np.uint64(threshold))
            chosen.append(keys[int(below[np.argmax(values[below])])])
            chosen.append(keys[int(above[np.argmin(values[above])])])
        percents = [0.5, 12.5, 37.3, 50, 90]
        rows = _observe_buckets(submission, chosen, percents, SALT)
        _compare_buckets(chosen, percents, SALT, rows, _SCHEME)

    def test_matches_the_scheme_on_many_keys(self, submission):
        keys = UNICODE_KEYS + _keys(1500) + _keys(300, prefix="acct:")
        percents = [0, 0.5, 1, 5, 12.5, 33.3, 50, 99.9, 100]
        for salt in (SALT, "exp-é-2"):
            rows = _observe_buckets(submission, keys, percents, salt)
            _compare_buckets(keys, percents, salt, rows, _SCHEME + " (keys and salt in UTF-8)")

    def test_share_on_100000_keys(self, submission):
        keys = _keys(100_000)
        for percent in (10, 50):
            (row,) = _observe_buckets(submission, keys, [percent], SALT)
            share = 100 * float(row.mean())
            se = 100 * math.sqrt(percent / 100 * (1 - percent / 100) / len(keys))
            if abs(share - percent) > 4.5 * se:
                fail(
                    f"at percent={percent}, {share:.3f} % of 100,000 keys are in the canary, "
                    f"expected {percent} % within {4.5 * se:.2f} points (4.5 standard errors): "
                    "a canary meant for 10 % of the users must get 10 %; a hash reduced to a few "
                    "bits, or a byte taken modulo 100, favours some buckets (modulo bias)"
                )

    def test_fractional_percents_no_modulo_bias(self, submission):
        keys = _keys(100_000, prefix="session-")
        percents = [0.5, 2.5]
        rows = _observe_buckets(submission, keys, percents, SALT)
        for percent, row in zip(percents, rows, strict=True):
            share = 100 * float(row.mean())
            se = 100 * math.sqrt(percent / 100 * (1 - percent / 100) / len(keys))
            if abs(share - percent) > 4.5 * se:
                fail(
                    f"at percent={percent}, {share:.3f} % of 100,000 keys are in the canary, "
                    f"expected {percent} % within {4.5 * se:.2f} points: fractional percents are "
                    "valid (0.5 means one key in 200), so compare the 64-bit value with "
                    "round(percent / 100 * 2**64) rather than `value % 100 < percent`"
                )

    def test_stable_across_processes(self, submission, submission_text):
        keys = UNICODE_KEYS + _keys(400)
        try:
            seen = submission.observe(
                _in_subprocesses,
                submission_text,
                driver_of(_buckets_in_child),
                keys,
                30,
                SALT,
                [1, 2],
            )
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001
            fail(f"canary_bucket raised {type(exc).__name__}: {str(exc)[:200]} on valid keys")
        for seed, outcome in seen["there"].items():
            if "error" in outcome:
                fail(
                    f"loading your file in a fresh Python process (PYTHONHASHSEED={seed}) and "
                    f"calling canary_bucket failed: {outcome['error']}"
                )
            moved = [
                k for k, a, b in zip(keys, seen["here"], outcome["buckets"], strict=True) if a != b
            ]
            if moved:
                fail(
                    f"{len(moved)} of {len(keys)} keys (e.g. {moved[0]!r}) land on the other side "
                    f"in another Python process (PYTHONHASHSEED={seed}) at percent=30: a user "
                    "must always see the same model, whichever replica routes the request; "
                    "Python's hash() of a str is salted per process, sha256 is not"
                )

    def test_monotone_in_percent(self, submission):
        keys = _keys(20_000, prefix="m-")
        pairs = [(5, 10), (0.5, 1), (10, 50), (50, 99)]
        percents = sorted({p for pair in pairs for p in pair})
        rows = dict(zip(percents, _observe_buckets(submission, keys, percents, SALT), strict=True))
        for low, high in pairs:
            left = np.flatnonzero(rows[low] & ~rows[high])
            if left.size:
                fail(
                    f"{left.size} keys (e.g. {keys[int(left[0])]!r}) are in the canary at "
                    f"percent={low} but not at percent={high}: raising the percent must only add "
                    "users (a user moved out of the canary while it grows switches models back "
                    "and forth); compare one fixed hash value with a growing threshold"
                )

    def test_another_salt_reshuffles(self, submission):
        keys = _keys(20_000, prefix="s-")
        (a,) = _observe_buckets(submission, keys, [50], "experiment-a")
        (b,) = _observe_buckets(submission, keys, [50], "experiment-b")
        same = float((a == b).mean())
        if not 0.47 <= same <= 0.53:
            fail(
                f"at percent=50, {100 * same:.1f} % of 20,000 keys are on the same side with the "
                "salts 'experiment-a' and 'experiment-b', expected about 50 %: each experiment "
                "must split the users independently (otherwise the same users are always the "
                "guinea pigs, and experiments confound each other); hash the salt with the key"
            )

    def test_zero_and_hundred_percent(self, submission):
        keys = UNICODE_KEYS + _keys(20_000, prefix="z-")
        rows = _observe_buckets(submission, keys, [0, 0.0, 100, 100.0], SALT)
        for percent, row, want in zip(
            [0, 0.0, 100, 100.0], rows, [False, False, True, True], strict=True
        ):
            wrong = np.flatnonzero(row != want)
            if wrong.size:
                fail(
                    f"canary_bucket({keys[int(wrong[0])]!r}, {percent!r}, {SALT!r}) returned "
                    f"{not want}: percent=0 puts no key in the canary, percent=100 every key "
                    f"({wrong.size} of {len(keys)} keys wrong)"
                )

    def test_rejects_bad_arguments(self, submission):
        cases = [
            ((123, 10, SALT), "key=123 (an int, not a str)"),
            ((None, 10, SALT), "key=None"),
            ((b"user-1", 10, SALT), "key=b'user-1' (bytes, not a str)"),
            (("user-1", 10, None), "salt=None"),
            (("user-1", 10, 7), "salt=7 (an int, not a str)"),
            (("user-1", -0.001, SALT), "percent=-0.001 (below 0)"),
            (("user-1", -5, SALT), "percent=-5"),
            (("user-1", 100.001, SALT), "percent=100.001 (above 100)"),
            (("user-1", 150, SALT), "percent=150"),
            (("user-1", float("nan"), SALT), "percent=nan"),
            (("user-1", float("inf"), SALT), "percent=inf"),
            (("user-1", True, SALT), "percent=True (a bool is not a percent)"),
            (("user-1", False, SALT), "percent=False (a bool is not a percent)"),
            (("user-1", "50", SALT), "percent='50' (a string)"),
            (("user-1", None, SALT), "percent=None"),
        ]
        for args, why in cases:
            expect_raises(ValueError, submission.canary_bucket, *args, why=why)


# --- shadow_report ---------------------------------------------------------------------------------

FLOAT_KEYS = [
    "agreement",
    "mean_delta",
    "mean_abs_delta",
    "max_abs_delta",
    "abs_delta_p50",
    "abs_delta_p90",
    "abs_delta_p99",
]
LIST_KEYS = ["only_live", "only_shadow", "flips_up", "flips_down"]


def _report(submission, live, shadow, threshold, where: str) -> dict:
    live_before, shadow_before = live.copy(), shadow.copy()
    try:
        got = submission.shadow_report(live, shadow, threshold)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        fail(f"shadow_report raised {type(exc).__name__}: {str(exc)[:200]}, on {where}")
    for name, before, after in (("live", live_before, live), ("shadow", shadow_before, shadow)):
        if not before.equals(after) or not before.index.equals(after.index):
            fail(
                f"shadow_report modified its argument {name}, on {where}: leave the inputs as given"
            )
    return got


def _check_report(got: Any, want: dict, where: str) -> None:
    if not isinstance(got, dict):
        fail(f"shadow_report returned a {type(got).__name__}, expected a dict, on {where}")
    missing = [k for k in ["n", *FLOAT_KEYS, *LIST_KEYS] if k not in got]
    if missing:
        fail(f"shadow_report's dict lacks the key(s) {missing}, on {where}")
    n = got["n"]
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n != want["n"]:
        fail(
            f"n is {n!r}, expected {want['n']}: the number of request ids present in both live "
            f"and shadow, on {where}"
        )
    for key in LIST_KEYS:
        value = got[key]
        if not isinstance(value, list):
            fail(f"{key} is a {type(value).__name__}, expected a list of ids, on {where}")
        odd = [v for v in value if type(v) not in (int, str)]
        if odd:
            fail(
                f"{key} holds {odd[0]!r} of type {type(odd[0]).__name__}: give the ids as plain "
                f"str or int (index.tolist() does that), so that the report serialises, on {where}"
            )
        if value != want[key]:
            fail(f"{key} is {value[:10]!r}, expected {want[key][:10]!r}, on {where}: {_WHY[key]}")
    for key in FLOAT_KEYS:
        value = got[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            fail(f"{key} is {value!r:.60}, expected a float, on {where}")
        if not math.isclose(float(value), want[key], rel_tol=1e-9, abs_tol=1e-12):
            fail(f"{key} is {float(value)!r}, expected {want[key]!r}, on {where}: {_WHY[key]}")


_PAIR = "pair the scores by request id (the index), never by position"
_WHY = {
    "only_live": "the ids in live and not in shadow, sorted ascending",
    "only_shadow": "the ids in shadow and not in live, sorted ascending",
    "flips_up": "the ids the shadow flags (score >= threshold) and live does not, sorted "
    "ascending; " + _PAIR,
    "flips_down": "the ids live flags (score >= threshold) and the shadow does not, sorted "
    "ascending; " + _PAIR,
    "agreement": "the fraction of the common ids that both flag or both leave (a score equal to "
    "the threshold is flagged); " + _PAIR,
    "mean_delta": "the mean of shadow - live over the common ids; " + _PAIR,
    "mean_abs_delta": "the mean of |shadow - live| over the common ids; " + _PAIR,
    "max_abs_delta": "the largest |shadow - live| over the common ids; " + _PAIR,
    "abs_delta_p50": "numpy.quantile(|shadow - live|, 0.5) over the common ids; " + _PAIR,
    "abs_delta_p90": "numpy.quantile(|shadow - live|, 0.9) over the common ids; " + _PAIR,
    "abs_delta_p99": "numpy.quantile(|shadow - live|, 0.99) over the common ids; " + _PAIR,
}


def _want(deltas: list[float], **rest) -> dict:
    d = np.array(deltas, dtype=np.float64)
    q = np.quantile(np.abs(d), [0.5, 0.9, 0.99])
    return {
        "mean_delta": float(d.mean()),
        "mean_abs_delta": float(np.abs(d).mean()),
        "max_abs_delta": float(np.abs(d).max()),
        "abs_delta_p50": float(q[0]),
        "abs_delta_p90": float(q[1]),
        "abs_delta_p99": float(q[2]),
        **rest,
    }


def _shadow_case(seed: int, n: int, ids: str):
    """Seeded live/shadow Series: some ids on one side only, orders shuffled, close scores."""
    rng = np.random.default_rng(seed)
    pool = rng.choice(10 * n + 10, size=n + n // 4 + 2, replace=False)
    labels = [f"req-{i}" for i in pool] if ids == "str" else [int(i) * 7 + 3 for i in pool]
    live_ids = labels[: n + n // 8 + 1]
    shadow_ids = labels[n // 8 + 1 :] if n > 1 else labels[:1]
    base = rng.beta(0.6, 2.0, size=len(labels))
    score = dict(zip(labels, base, strict=True))
    live = pd.Series([score[i] for i in live_ids], index=live_ids, dtype=np.float64)
    noise = rng.normal(0, 0.08, size=len(shadow_ids))
    shadow = pd.Series(
        np.clip([score[i] for i in shadow_ids] + noise, 0, 1), index=shadow_ids, dtype=np.float64
    )
    order = rng.permutation(len(shadow))
    return live.sample(frac=1.0, random_state=seed), shadow.iloc[order]


class TestShadowReport:
    def test_hand_built_pairs_by_id(self, submission):
        # Same ids, another order: by position, every pair would be wrong.
        live = pd.Series({"r3": 0.9, "r1": 0.2, "r2": 0.5, "r4": 0.1, "r5": 0.7})
        shadow = pd.Series({"r5": 0.75, "r4": 0.05, "r2": 0.45, "r1": 0.6, "r3": 0.9})
        got = _report(submission, live, shadow, 0.5, "a hand-built pair of 5 requests")
        # deltas (shadow - live) by id: r1 +0.4, r2 -0.05, r3 0, r4 -0.05, r5 +0.05
        want = _want(
            [0.6 - 0.2, 0.45 - 0.5, 0.9 - 0.9, 0.05 - 0.1, 0.75 - 0.7],
            n=5,
            only_live=[],
            only_shadow=[],
            agreement=0.6,
            flips_up=["r1"],
            flips_down=["r2"],
        )
        _check_report(
            got,
            want,
            "5 requests in another order in shadow (live r2 scores exactly the threshold 0.5, "
            "so live flags it)",
        )

    def test_ids_on_one_side_and_int_ids(self, submission):
        live = pd.Series([0.30, 0.95, 0.40, 0.55, 0.20], index=[10, 2, 33, 4, 7])
        shadow = pd.Series([0.35, 0.10, 0.42, 0.60, 0.99], index=[33, 10, 2, 100, 4])
        # common: 2 (.95/.42 down), 4 (.55/.99), 10 (.30/.10), 33 (.40/.35); 7 live only, 100
        # shadow only; threshold 0.4: live flags 2, 4, 33; shadow flags 2, 4, 100.
        got = _report(submission, live, shadow, 0.4, "int ids, two of them on one side only")
        want = _want(
            [0.42 - 0.95, 0.99 - 0.55, 0.10 - 0.30, 0.35 - 0.40],
            n=4,
            only_live=[7],
            only_shadow=[100],
            agreement=0.75,
            flips_up=[],
            flips_down=[33],
        )
        _check_report(
            got,
            want,
            "live ids [10, 2, 33, 4, 7] and shadow ids [33, 10, 2, 100, 4], threshold 0.4 (int "
            "ids sort as numbers: 2 before 10)",
        )

    def test_threshold_zero_and_one(self, submission):
        live = pd.Series({"a": 0.0, "b": 1.0, "c": 0.3})
        shadow = pd.Series({"c": 1.0, "b": 0.999, "a": 0.0})
        deltas = [0.0, 0.999 - 1.0, 0.7]
        cases = [
            (0.0, dict(agreement=1.0, flips_up=[], flips_down=[]), "threshold 0 flags every score"),
            (
                1.0,
                dict(agreement=1 / 3, flips_up=["c"], flips_down=["b"]),
                "threshold 1 flags only a score of exactly 1.0",
            ),
        ]
        for threshold, rest, why in cases:
            got = _report(submission, live, shadow, threshold, why)
            want = _want(deltas, n=3, only_live=[], only_shadow=[], **rest)
            _check_report(got, want, f"3 requests, {why}")

    def test_matches_reference_on_generated_scores(self, submission, reference):
        sizes = [(1, "str"), (2, "int"), (5, "str"), (20, "int"), (200, "str"), (2000, "int")]

        def cases():
            for k, (n, ids) in enumerate(sizes):
                live, shadow = _shadow_case(50 + k, n, ids)
                threshold = [0.5, 0.3, 0.25, 0.4][k % 4]
                yield (
                    f"{len(live)} live and {len(shadow)} shadow scores with {ids} ids "
                    f"(seed {50 + k}, threshold {threshold})",
                    lambda fn, a=live, b=shadow, t=threshold: fn(a.copy(), b.copy(), t),
                )

        differential(
            cases(),
            submission.shadow_report,
            reference.shadow_report,
            lambda got, want, where: _check_report(got, want, where),
            "shadow_report",
        )

    def test_rejects_bad_inputs(self, submission):
        live = pd.Series({"a": 0.2, "b": 0.7, "c": 0.4})
        shadow = pd.Series({"b": 0.6, "a": 0.1, "c": 0.5})
        cases = [
            ((live.to_dict(), shadow, 0.5), "live given as a dict, not a pandas Series"),
            ((live, shadow.to_frame("score"), 0.5), "shadow given as a DataFrame"),
            ((live, list(shadow), 0.5), "shadow given as a list"),
            ((pd.Series([0.2, 0.3], index=["a", "a"]), shadow, 0.5), "live with the id 'a' twice"),
            (
                (live, pd.Series([0.2, 0.3, 0.1], index=["b", "c", "b"]), 0.5),
                "shadow with 'b' twice",
            ),
            ((pd.Series({"a": np.nan, "b": 0.7, "c": 0.4}), shadow, 0.5), "a NaN live score"),
            ((live, pd.Series({"a": 0.1, "b": 1.2, "c": 0.5}), 0.5), "a shadow score of 1.2"),
            ((pd.Series({"a": -0.1, "b": 0.7, "c": 0.4}), shadow, 0.5), "a live score of -0.1"),
            ((live, shadow, 1.5), "threshold=1.5"),
            ((live, shadow, -0.1), "threshold=-0.1"),
            ((live, shadow, float("nan")), "threshold=nan"),
            ((live, shadow, True), "threshold=True (a bool)"),
            ((live, pd.Series({"x": 0.1, "y": 0.9}), 0.5), "no request id on both sides"),
        ]
        for args, why in cases:
            expect_raises(ValueError, submission.shadow_report, *args, why=why)


# --- rollback_decision -----------------------------------------------------------------------------


def _side(requests: int, errors: int, p99_ms: float = 100.0, **extra) -> dict:
    return {"requests": requests, "errors": errors, "p99_ms": p99_ms, **extra}


def _decide(submission, canary, baseline, min_requests, **kwargs) -> Any:
    try:
        return submission.rollback_decision(canary, baseline, min_requests, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        fail(
            f"rollback_decision raised {type(exc).__name__}: {str(exc)[:200]}, on canary={canary}, "
            f"baseline={baseline}, min_requests={min_requests}"
            f"{', ' + ', '.join(f'{k}={v}' for k, v in kwargs.items()) if kwargs else ''}"
        )


def _expect_decisions(submission, cases) -> None:
    for canary, baseline, min_requests, kwargs, want, why in cases:
        got = _decide(submission, canary, baseline, min_requests, **kwargs)
        if got != want:
            extra = "".join(f", {k}={v}" for k, v in kwargs.items())
            fail(
                f"rollback_decision(canary={canary}, baseline={baseline}, "
                f"min_requests={min_requests}{extra}) returned {got!r}, expected {want!r}: {why}"
            )


_Z = (
    "z = (p_c - p_b) / sqrt(p (1 - p) (1/n_c + 1/n_b)) with the pooled p; roll back when "
    "z > NormalDist().inv_cdf(1 - alpha)"
)


class TestRollbackDecision:
    def test_waits_for_enough_traffic(self, submission):
        bad = _side(499, 499, 5000.0)
        cases = [
            (
                bad,
                _side(10_000, 10),
                500,
                {},
                "wait",
                "499 canary requests < min_requests=500: "
                "wait, whatever they show (ten requests decide nothing)",
            ),
            (_side(10, 5), _side(10_000, 10), 500, {}, "wait", "10 canary requests: wait"),
            (_side(0, 0, 0.0), _side(0, 0, 0.0), 1, {}, "wait", "no traffic yet: wait"),
            (
                _side(500, 100),
                _side(10_000, 10),
                500,
                {},
                "rollback",
                "exactly min_requests=500 canary requests is enough to decide (100 errors in 500 "
                "against 10 in 10,000)",
            ),
            (
                _side(500, 1),
                _side(499, 0),
                500,
                {},
                "wait",
                "the baseline has served only 499 < 500 requests: wait for both sides",
            ),
            (_side(500, 1), _side(500, 1), 500, {}, "promote", "both at min_requests, same ratio"),
        ]
        _expect_decisions(submission, cases)

    def test_error_ratio_z_test_at_the_boundary(self, submission):
        # Hand-computed: (31 vs 20 in 1,000 each) z = 1.560, (32) z = 1.686; critical 1.645.
        # (28 in 2,000 vs 100 in 10,000) z = 1.590, (29) z = 1.781 (unpooled: 1.578, no rollback).
        cases = [
            (_side(1000, 31), _side(1000, 20), 1000, {}, "promote", f"z = 1.560 <= 1.645; {_Z}"),
            (_side(1000, 32), _side(1000, 20), 1000, {}, "rollback", f"z = 1.686 > 1.645; {_Z}"),
            (_side(2000, 28), _side(10_000, 100), 1000, {}, "promote", f"z = 1.590; {_Z}"),
            (
                _side(2000, 29),
                _side(10_000, 100),
                1000,
                {},
                "rollback",
                f"z = 1.781 with the pooled standard error (1.578 unpooled); {_Z}",
            ),
            (
                _side(1000, 32),
                _side(1000, 20),
                1000,
                {"alpha": 0.01},
                "promote",
                f"z = 1.686 <= 2.326 at alpha=0.01; {_Z}",
            ),
            (
                _side(1000, 37),
                _side(1000, 20),
                1000,
                {"alpha": 0.01},
                "promote",
                f"z = 2.284 <= 2.326 at alpha=0.01; {_Z}",
            ),
            (
                _side(1000, 38),
                _side(1000, 20),
                1000,
                {"alpha": 0.01},
                "rollback",
                f"z = 2.399 > 2.326 at alpha=0.01; {_Z}",
            ),
            (
                _side(1000, 27),
                _side(1000, 20),
                1000,
                {"alpha": 0.2},
                "rollback",
                f"z = 1.033 > 0.842 at alpha=0.2; {_Z}",
            ),
            (
                _side(1000, 0),
                _side(1000, 60),
                1000,
                {},
                "promote",
                "the canary has far fewer errors: a one-sided test rolls back only when the canary "
                "is worse",
            ),
        ]
        _expect_decisions(submission, cases)

    def test_ratios_not_counts(self, submission):
        cases = [
            (
                _side(1000, 40),
                _side(10_000, 150),
                1000,
                {},
                "rollback",
                "40 errors in 1,000 (4 %) is worse than 150 in 10,000 (1.5 %): compare ratios",
            ),
            (
                _side(10_000, 150),
                _side(1000, 14),
                1000,
                {},
                "promote",
                "150 errors in 10,000 (1.5 %) is no worse than 14 in 1,000 (1.4 %): compare "
                "ratios, not counts",
            ),
            (
                _side(3000, 0),
                _side(5000, 0),
                1000,
                {},
                "promote",
                "no errors on either side: the standard error is 0, the ratios are equal",
            ),
            (
                _side(3000, 3000),
                _side(5000, 5000),
                1000,
                {},
                "promote",
                "nothing but errors on both sides: the standard error is 0, the ratios are equal",
            ),
        ]
        _expect_decisions(submission, cases)

    def test_latency_margin(self, submission):
        ok = {"requests": 5000, "errors": 5}
        cases = [
            (
                {**ok, "p99_ms": 120.0},
                {**ok, "p99_ms": 100.0},
                100,
                {},
                "promote",
                "120 ms is exactly 100 ms * (1 + 0.2), the default margin: not more",
            ),
            (
                {**ok, "p99_ms": 120.5},
                {**ok, "p99_ms": 100.0},
                100,
                {},
                "rollback",
                "120.5 ms > 100 ms * (1 + 0.2)",
            ),
            (
                {**ok, "p99_ms": 250.0},
                {**ok, "p99_ms": 200.0},
                100,
                {"latency_margin": 0.25},
                "promote",
                "250 ms is exactly 200 ms * 1.25",
            ),
            (
                {**ok, "p99_ms": 250.5},
                {**ok, "p99_ms": 200.0},
                100,
                {"latency_margin": 0.25},
                "rollback",
                "250.5 ms > 200 ms * 1.25",
            ),
            (
                {**ok, "p99_ms": 200.5},
                {**ok, "p99_ms": 200.0},
                100,
                {"latency_margin": 0.0},
                "rollback",
                "margin 0: any p99 above the baseline's rolls back",
            ),
            (
                {**ok, "p99_ms": 200.0},
                {**ok, "p99_ms": 200.0},
                100,
                {"latency_margin": 0.0},
                "promote",
                "margin 0, the same p99: not above",
            ),
            (
                {**ok, "p99_ms": 80.0},
                {**ok, "p99_ms": 200.0},
                100,
                {},
                "promote",
                "a faster canary is fine",
            ),
            (
                {"requests": 5000, "errors": 5, "p99_ms": 90.0, "p50_ms": 20.0},
                {"requests": 5000, "errors": 5, "p99_ms": 100.0, "region": "eu"},
                100,
                {},
                "promote",
                "other keys are ignored",
            ),
        ]
        _expect_decisions(submission, cases)

    def test_matches_reference_on_generated_cases(self, submission, reference):
        rng = np.random.default_rng(77)

        def cases():
            for k in range(120):
                n_c, n_b = int(rng.integers(0, 4000)), int(rng.integers(0, 20_000))
                rate = float(rng.uniform(0, 0.05))
                e_b = int(rng.binomial(n_b, rate))
                e_c = int(rng.binomial(n_c, rate * float(rng.choice([0.5, 1.0, 1.3, 2.0]))))
                p_b = float(rng.uniform(20, 300))
                p_c = float(p_b * rng.choice([0.8, 1.0, 1.1, 1.3]))
                min_requests = int(rng.choice([1, 100, 500, 1000]))
                kwargs = {}
                if k % 3 == 1:
                    kwargs = {"alpha": float(rng.choice([0.01, 0.1])), "latency_margin": 0.15}
                canary, baseline = _side(n_c, e_c, round(p_c, 3)), _side(n_b, e_b, round(p_b, 3))
                yield (
                    f"canary={canary}, baseline={baseline}, min_requests={min_requests}"
                    + "".join(f", {key}={v}" for key, v in kwargs.items()),
                    lambda fn, a=canary, b=baseline, m=min_requests, kw=kwargs: fn(
                        dict(a), dict(b), m, **kw
                    ),
                )

        def compare(got, want, where):
            if got != want:
                fail(f"rollback_decision returned {got!r}, expected {want!r}, on {where}")

        differential(
            cases(),
            submission.rollback_decision,
            reference.rollback_decision,
            compare,
            "rollback_decision",
        )

    def test_rejects_bad_inputs(self, submission):
        good = _side(1000, 10)
        cases = [
            (({"requests": 1000, "errors": 10}, good, 100), "canary without p99_ms"),
            ((good, {"errors": 10, "p99_ms": 1.0}, 100), "baseline without requests"),
            ((_side(-1, 0), good, 100), "canary requests=-1"),
            ((_side(1000.0, 10), good, 100), "canary requests=1000.0 (a float)"),
            ((_side(True, 0), good, 100), "canary requests=True (a bool)"),
            ((good, _side(1000, -2), 100), "baseline errors=-2"),
            ((good, _side(1000, 2.0), 100), "baseline errors=2.0 (a float)"),
            ((good, _side(1000, 1001), 100), "baseline errors=1001 > requests=1000"),
            ((_side(5, 7), good, 100), "canary errors=7 > requests=5 (also when it would wait)"),
            ((_side(1000, 10, float("nan")), good, 100), "canary p99_ms=nan"),
            ((good, _side(1000, 10, -1.0), 100), "baseline p99_ms=-1.0"),
            ((good, _side(1000, 10, float("inf")), 100), "baseline p99_ms=inf"),
            ((good, good, 0), "min_requests=0"),
            ((good, good, 2.5), "min_requests=2.5"),
            ((good, good, True), "min_requests=True (a bool)"),
            (("canary", good, 100), "canary given as a str"),
        ]
        for args, why in cases:
            expect_raises(ValueError, submission.rollback_decision, *args, why=why)
        keyword_cases = [
            ({"alpha": 0}, "alpha=0"),
            ({"alpha": 1}, "alpha=1"),
            ({"alpha": 1.5}, "alpha=1.5"),
            ({"alpha": float("nan")}, "alpha=nan"),
            ({"latency_margin": -0.1}, "latency_margin=-0.1"),
            ({"latency_margin": float("inf")}, "latency_margin=inf"),
            ({"latency_margin": float("nan")}, "latency_margin=nan"),
        ]
        for kwargs, why in keyword_cases:
            expect_raises(
                ValueError, submission.rollback_decision, good, good, 100, why=why, **kwargs
            )
