"""Checks for 12_applications/ex04_recommend (see solutions/12_applications/ex04_recommend.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import expect_raises, fail, peak_allocation

# ex04 · temporal_user_split, popular_items, item_item_recommend

MEMORY_BOUND_MB = 120  # a dense 20,000 x 2,000 float64 matrix is 320 MB; the reference ~11 MB
# Many users with few purchases each: 200,000 x 2,000 is 400 MB even at one byte a cell (uint8,
# bool); the reference needs ~27 MB, a dense 2,000 x 2,000 merchant similarity ~84 MB.
WIDE = (200_000, 2_000, 2)  # users, merchants, purchases per user
WIDE_BOUND_MB = 200
SMALL = [  # (seed, n_users, n_merchants, days): small data worlds for the differential cases
    (0, 120, 100, 40),
    (1, 300, 100, 60),
    (2, 600, 150, 60),
]


def _frame(pairs: list[tuple[int, int]], start: str = "2025-03-01") -> pd.DataFrame:
    """Purchases (user, merchant), one hour apart, with an extra column and a shifted index."""
    stamps = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(np.arange(len(pairs)), unit="h")
    frame = pd.DataFrame(pairs, columns=["user_id", "merchant_id"])
    frame["timestamp"] = stamps
    frame["amount"] = np.arange(len(pairs), dtype=float) + 0.5
    frame.index = np.arange(len(pairs)) * 3 + 1000
    return frame


# T = user 100 bought A=10 three times and B=20 once. Distinct buyers: 10: 4, 20: 3, 30: 2,
# 40: 2, 50: 3, 60: 4, 70: 2, 80: 2, 5: 1. For user 4 (10, 20, 50), 70 and 80 tie at
# cos(50, 70) = 2/sqrt(3*2) = 0.816, above 30 (0.707) and 40 (0.408). For user 100: cos(10,30) = 2/sqrt(4*2) = 0.707;
# cos(20,40) = 1/sqrt(3*2) = 0.408; 50: 1/sqrt(4*3) + 1/sqrt(3*3) = 0.622; 60, 70, 80 and 5
# score 0 and follow in popularity order (60 has 4 buyers; 70 and 80 two, by id; 5 one).
# Counting purchases instead of buyers (user 2 bought 30 four times) changes the cosines; raw
# co-purchase counts (no cosine) tie 30 and 50 at 2; ids instead of popularity put 5 first.
HAND_PAIRS = [
    (100, 10), (100, 10), (100, 10), (100, 20),
    (1, 10), (1, 30),
    (2, 10), (2, 30), (2, 30), (2, 30), (2, 30),
    (3, 20), (3, 40),
    (4, 10), (4, 20), (4, 50),
    (5, 60), (6, 60), (7, 60), (8, 60), (8, 40),
    (9, 70), (10, 70), (9, 80), (10, 80), (9, 50), (10, 50),
    (11, 5),
]  # fmt: skip
HAND_POPULAR = [10, 60, 20, 50, 30, 40, 70, 80, 5]
HAND_EXPECTED = {
    100: [30, 50, 40, 60, 70, 80, 5],
    3: [10, 60, 50, 30, 70, 80, 5],
    4: [70, 80, 30, 40, 60, 5],
}


def _tie_pairs() -> list[tuple[int, int]]:
    """User 500 bought only X=100 (4 buyers: 500, 1, 2, 3). Y=200 has 4 buyers, one of them
    also bought X: cos = 1/sqrt(4*4) = 1/4. Z=300 has 16 buyers, two of them bought X:
    cos = 2/sqrt(4*16) = 1/4, exactly the same. Z is more popular, so Z comes first; by id Y
    would. W=50 (1 buyer) scores 0 and comes last."""
    pairs = [(500, 100), (1, 100), (2, 100), (3, 100), (1, 200), (2, 300), (3, 300)]
    pairs += [(10 + i, 200) for i in range(3)] + [(20 + i, 300) for i in range(14)]
    return pairs + [(40, 50)]


# --- run in the learner's process -----------------------------------------------------------


def _memory_probe(module, n_users: int, n_merchants: int, n_asked: int) -> dict:
    """Split the data world's interactions at 14 days, then the peak memory (tracemalloc) of
    item_item_recommend for `n_asked` users with a training history."""
    data = coursedata.interactions(seed=0, n_users=n_users, n_merchants=n_merchants)
    cut = data["timestamp"].max().normalize() + pd.Timedelta(days=1 - 14)
    train = data[data["timestamp"] < cut]
    known = np.unique(train["user_id"].to_numpy())
    users = known[:: known.size // n_asked][:n_asked]
    result, peak = peak_allocation(module.item_item_recommend, train, users, 10)
    return {
        "peak": int(peak),
        "n_train": len(train),
        "answered": len(result) if isinstance(result, dict) else -1,
    }


def _wide_probe(module, n_users: int, n_merchants: int, per_user: int, n_asked: int) -> dict:
    """The peak memory of item_item_recommend for `n_asked` users on a synthetic table of many
    users with `per_user` purchases each (merchants drawn with a long-tailed popularity)."""
    rng = np.random.default_rng(0)
    weight = 1.0 / (np.arange(n_merchants) + 20.0)
    n = n_users * per_user
    train = pd.DataFrame(
        {
            "user_id": np.repeat(np.arange(1, n_users + 1, dtype=np.int64), per_user),
            "merchant_id": rng.choice(n_merchants, size=n, p=weight / weight.sum()) + 1,
            "timestamp": pd.Timestamp("2025-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 180 * 86_400, n), unit="s"),
        }
    )
    users = np.arange(1, n_users + 1, n_users // n_asked)[:n_asked]
    result, peak = peak_allocation(module.item_item_recommend, train, users, 10)
    return {"peak": int(peak), "answered": len(result) if isinstance(result, dict) else -1}


def _peak_mb(submission, probe, *args) -> tuple[float, int | None]:
    """A memory probe run in the learner's process for 50 users: the peak in MB and the number of
    training rows (None when the probe does not count them); fails unless all 50 were answered."""
    facts = submission.observe(probe, *args, 50)
    if facts["answered"] != 50:
        fail(f"item_item_recommend answered {facts['answered']} of 50 users")
    return facts["peak"] / 1e6, facts.get("n_train")


# --- helpers ----------------------------------------------------------------------------------


def _call(fn, *args, what: str) -> Any:
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"{what} raised {type(exc).__name__}: {exc}, where it should have returned a result")


def _split(submission, frame, test_days, where: str):
    out = _call(
        submission.temporal_user_split, frame, test_days, what=f"temporal_user_split on {where}"
    )
    if not isinstance(out, tuple) or len(out) != 2:
        fail(f"temporal_user_split returned {type(out).__name__}, expected a tuple (train, test)")
    train, test = out
    for name, part in (("train", train), ("test", test)):
        if not isinstance(part, pd.DataFrame):
            fail(f"temporal_user_split's {name} is a {type(part).__name__}, expected a DataFrame")
    return train, test


def _check_split(train, test, frame, want_train, want_test, where: str) -> None:
    for name, part, want in (("train", train, want_train), ("test", test, want_test)):
        got = [int(i) for i in part.index]
        if got != [int(i) for i in want]:
            extra = sorted(set(got) - set(want))[:5]
            missing = sorted(set(want) - set(got))[:5]
            fail(
                f"on {where}, {name} holds the rows with index {got[:12]}, expected "
                f"{[int(i) for i in want][:12]} (extra: {extra}, missing: {missing}): train is "
                "every row strictly before the cutoff (midnight of the latest day, plus one day, "
                "minus test_days days), test every row at or after it, each keeping the original "
                "index and order"
            )
        if list(part.columns) != list(frame.columns):
            fail(
                f"on {where}, {name} has the columns {list(part.columns)}, expected "
                f"{list(frame.columns)}: keep every column"
            )
        if not part.equals(frame.loc[want]):
            fail(f"on {where}, {name}'s rows differ from the input's rows with the same index")


def _as_int_list(value, what: str) -> list[int]:
    if not isinstance(value, list):
        fail(f"{what} is a {type(value).__name__}, expected a list of merchant ids")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            fail(f"{what} holds {v!r} ({type(v).__name__}), expected merchant ids as ints")
    return [int(v) for v in value]


def _require_python_ints(values, what: str) -> None:
    """Every value a Python int (the contract's word), not a NumPy integer."""
    for v in values:
        if type(v) is not int:
            fail(
                f"{what} holds {v!r} ({type(v).__module__}.{type(v).__name__}), expected Python "
                "ints: convert with int() (a NumPy integer is not a Python int, and json.dumps "
                "refuses it)"
            )


def _recommend(submission, train, users, k, where: str) -> dict[int, list[int]]:
    got = _call(
        submission.item_item_recommend, train, users, k, what=f"item_item_recommend on {where}"
    )
    if not isinstance(got, dict):
        fail(f"item_item_recommend returned a {type(got).__name__}, expected a dict user -> list")
    keys = list(got.keys())
    want_keys = list(dict.fromkeys(int(u) for u in users))
    if [int(u) for u in keys] != want_keys:
        fail(
            f"item_item_recommend's keys are {keys[:10]}, expected {want_keys[:10]} (every user "
            f"asked for, in the order given), on {where}"
        )
    return {int(u): _as_int_list(v, f"the list of user {u}, on {where}") for u, v in got.items()}


def _scores(train: pd.DataFrame, user: int) -> tuple[dict[int, float], set[int], dict[int, int]]:
    """(score of every merchant for `user`, the user's merchants, distinct buyers per merchant),
    computed with sets, independently of the reference."""
    pairs = train[["user_id", "merchant_id"]].drop_duplicates()
    buyers_of = pairs.groupby("merchant_id")["user_id"].agg(set).to_dict()
    mine = set(pairs.loc[pairs["user_id"] == user, "merchant_id"].tolist())
    scores = {}
    for j, bj in buyers_of.items():
        scores[int(j)] = sum(
            len(buyers_of[i] & bj) / np.sqrt(len(buyers_of[i]) * len(bj)) for i in mine
        )
    return scores, {int(m) for m in mine}, {int(m): len(b) for m, b in buyers_of.items()}


def _compare_lists(got: list[int], want: list[int], train, user: int, where: str) -> None:
    """Equal lists, or lists whose scores agree within 1e-9 position by position (near-equal
    positive scores may come in either order; exact zeros follow popularity)."""
    if got == want:
        return
    scores, mine, buyers = _scores(train, user)
    bought = [m for m in got if m in mine]
    if bought:
        fail(
            f"user {user} is recommended {bought}, merchants they already bought from in train, "
            f"on {where}: a recommendation of a merchant the customer already uses is wasted"
        )
    if len(got) != len(want) or len(set(got)) != len(got):
        fail(
            f"user {user} gets {got}, expected {want} ({len(want)} distinct merchants: min(k, "
            f"merchants of train they did not buy from)), on {where}"
        )
    for pos, (g, w) in enumerate(zip(got, want, strict=True)):
        sg, sw = scores.get(g, np.nan), scores[w]
        near = abs(sg - sw) <= 1e-9 * max(1.0, abs(sw))
        if not near or (sw == 0 and g != w):
            fail(
                f"user {user} gets {got}, expected {want}, on {where}: at position {pos}, "
                f"merchant {g} (score {sg:.6g}, {buyers.get(g, 0)} buyers) where merchant {w} "
                f"(score {sw:.6g}, {buyers.get(w, 0)} buyers) belongs. The score is the sum of the "
                "cosine similarities (over the binary user x merchant matrix) with the user's "
                "merchants; higher first, equal scores by more distinct buyers, then smaller id"
            )


def _world(seed: int, n_users: int, n_merchants: int, days: int) -> pd.DataFrame:
    return coursedata.interactions(seed=seed, n_users=n_users, n_merchants=n_merchants, days=days)


class TestTemporalUserSplit:
    def test_cutoff_boundaries(self, submission):
        # Latest timestamp 2025-03-10 15:00 UTC, test_days=2: the cutoff is 2025-03-09 00:00.
        stamps = [
            "2025-03-09 00:00:00",  # exactly at the cutoff: test
            "2025-03-01 10:00:00",
            "2025-03-08 23:59:59",  # one second before: train
            "2025-03-10 15:00:00",  # the latest
            "2025-03-09 00:00:01",
            "2025-03-08 00:00:00",
        ]
        frame = pd.DataFrame(
            {
                "timestamp": pd.to_datetime(stamps).tz_localize("UTC"),
                "user_id": [1, 1, 2, 2, 3, 3],
                "merchant_id": [7, 8, 7, 9, 8, 9],
                "note": list("abcdef"),
            },
            index=[50, 40, 30, 20, 10, 0],
        )
        train, test = _split(submission, frame, 2, "six rows, test_days=2")
        _check_split(train, test, frame, [40, 30, 0], [50, 20, 10], "six rows, test_days=2")

    def test_one_day_and_latest_at_midnight(self, submission):
        # Naive timestamps; the latest is exactly at midnight of 2025-03-10, so with test_days=1
        # the cutoff is that midnight: only that day is test.
        frame = pd.DataFrame(
            {
                "user_id": [1, 2, 3, 4],
                "merchant_id": [5, 5, 6, 6],
                "timestamp": pd.to_datetime(
                    [
                        "2025-03-09 23:59:59",
                        "2025-03-10 00:00:00",
                        "2025-03-02 00:00:00",
                        "2025-03-09 00:00:00",
                    ]
                ),
            }
        )
        where = "naive timestamps whose latest is exactly midnight, test_days=1"
        train, test = _split(submission, frame, 1, where)
        _check_split(train, test, frame, [0, 2, 3], [1], where)
        train, test = _split(submission, frame, np.int64(2), "the same, test_days=np.int64(2)")
        _check_split(train, test, frame, [2], [0, 1, 3], "the same, test_days=np.int64(2)")

    def test_day_in_the_columns_time_zone(self, submission):
        # Paris time: the latest purchase is at 00:30 on 10 March there (23:30 on 9 March in UTC),
        # so with test_days=1 the cutoff is midnight of 10 March in Paris, not in UTC.
        stamps = ["2025-03-09 23:59:00", "2025-03-10 00:30:00", "2025-03-09 00:59:00"]
        frame = pd.DataFrame(
            {
                "user_id": [1, 2, 3],
                "merchant_id": [4, 4, 5],
                "timestamp": pd.to_datetime(stamps).tz_localize("Europe/Paris"),
            }
        )
        where = "Europe/Paris timestamps, test_days=1"
        train, test = _split(submission, frame, 1, where)
        _check_split(train, test, frame, [0, 2], [1], where)

    def test_daylight_saving_change(self, submission):
        # Europe/Paris, test_days=3. Spring: the latest purchase is on 31 March 2025, after the
        # clocks went forward on 30 March, so the cutoff is midnight of 29 March (+01:00); three
        # blocks of 24 hours back from a midnight at +02:00 would land on 28 March at 23:00.
        # Autumn: the clocks went back on 26 October; the cutoff is midnight of 25 October, not
        # 01:00.
        cases = [
            (
                ["2025-03-28 23:30:00", "2025-03-29 00:00:00", "2025-03-31 15:00:00",
                 "2025-03-28 22:59:00", "2025-03-30 03:00:00"],
                [0, 3], [1, 2, 4], "latest on 31 March 2025 (clocks forward on 30 March)",
            ),
            (
                ["2025-10-25 00:30:00", "2025-10-24 23:59:00", "2025-10-27 09:00:00",
                 "2025-10-25 01:00:00"],
                [1], [0, 2, 3], "latest on 27 October 2025 (clocks back on 26 October)",
            ),
        ]  # fmt: skip
        for stamps, want_train, want_test, what in cases:
            frame = pd.DataFrame(
                {
                    "user_id": np.arange(len(stamps)) + 1,
                    "merchant_id": np.arange(len(stamps)) + 10,
                    "timestamp": pd.to_datetime(stamps).tz_localize("Europe/Paris"),
                }
            )
            where = f"Europe/Paris timestamps, {what}, test_days=3"
            train, test = _split(submission, frame, 3, where)
            if [int(i) for i in train.index] != want_train:
                got_stamps = [str(s) for s in frame.loc[train.index, "timestamp"]]
                want_stamps = [str(s) for s in frame.loc[want_train, "timestamp"]]
                fail(
                    f"on {where}, train holds the rows {got_stamps}, expected {want_stamps}: "
                    "the cutoff is midnight, 3 calendar days before the end of the latest day; a "
                    "day of 23 or 25 hours at a daylight-saving change is still one day. Step "
                    "back in calendar days (pd.DateOffset(days=...)), not in 24-hour blocks "
                    "(pd.Timedelta(days=...))"
                )
            _check_split(train, test, frame, want_train, want_test, where)

    def test_cold_users_stay_in_test(self, submission):
        frame = _frame([(1, 10), (2, 10), (1, 20), (9, 20), (9, 10), (2, 30)])
        # One hour apart from 2025-03-01 00:00: all on one day; put the last three a day later.
        frame.loc[frame.index[3:], "timestamp"] += pd.Timedelta(days=1)
        where = "user 9 buying only in the test period"
        train, test = _split(submission, frame, 1, where)
        _check_split(train, test, frame, list(frame.index[:3]), list(frame.index[3:]), where)

    def test_differential_on_the_data_world(self, submission, reference):
        for seed, n_users, n_merchants, days in SMALL:
            frame = _world(seed, n_users, n_merchants, days)
            frame = frame.sample(frac=1.0, random_state=seed)  # shuffled: order must be kept
            for test_days in (1, 7, 30):
                where = (
                    f"coursedata.interactions(seed={seed}, n_users={n_users}, days={days}), "
                    f"shuffled, test_days={test_days}"
                )
                train, test = _split(submission, frame, test_days, where)
                want_train, want_test = reference.temporal_user_split(frame, test_days)
                if len(train) and len(test) and train["timestamp"].max() >= test["timestamp"].min():
                    fail(
                        f"on {where}, train holds a purchase at {train['timestamp'].max()}, not "
                        f"before test's earliest {test['timestamp'].min()}: split by time (never "
                        "at random), so that the future does not train the model judged on it"
                    )
                _check_split(train, test, frame, want_train.index, want_test.index, where)

    def test_wrong_arguments(self, submission):
        frame = _frame([(1, 10), (2, 20), (3, 10)])
        cases = [
            ((frame, 0), "test_days=0"),
            ((frame, -3), "test_days=-3"),
            ((frame, 2.5), "test_days=2.5 (not an integer)"),
            ((frame, True), "test_days=True (a bool is not a number of days)"),
            ((frame.drop(columns="timestamp"), 1), "no timestamp column"),
            ((frame.drop(columns="user_id"), 1), "no user_id column"),
            ((frame, 5), "every row in the test period, so train would be empty"),
        ]
        for args, why in cases:
            expect_raises(ValueError, submission.temporal_user_split, *args, why=why)


class TestPopularItems:
    def test_distinct_buyers_and_ties(self, submission):
        frame = _frame(HAND_PAIRS)
        got = _call(submission.popular_items, frame, 9, what="popular_items(hand-built, 9)")
        got = _as_int_list(got, "popular_items' result")
        if got != HAND_POPULAR:
            fail(
                f"popular_items gives {got}, expected {HAND_POPULAR}: merchants by distinct "
                "buyers (user 2's four purchases at 30 count once), most first, equal counts by "
                "the smaller id"
            )

    def test_python_ints(self, submission):
        frame = _frame(HAND_PAIRS)
        got = _call(submission.popular_items, frame, 3, what="popular_items(hand-built, 3)")
        _as_int_list(got, "popular_items' result")
        _require_python_ints(got, "popular_items(hand-built, 3)")

    def test_k_boundaries(self, submission):
        frame = _frame(HAND_PAIRS)
        for k, want in ((1, HAND_POPULAR[:1]), (4, HAND_POPULAR[:4]), (50, HAND_POPULAR)):
            got = _as_int_list(
                _call(submission.popular_items, frame, k, what=f"popular_items(k={k})"),
                f"popular_items(k={k})",
            )
            if got != want:
                fail(f"popular_items(k={k}) gives {got}, expected {want} (at most k merchants)")
        for k, why in ((0, "k=0"), (True, "k=True (a bool)"), (2.0, "k=2.0 (not an integer)")):
            expect_raises(ValueError, submission.popular_items, frame, k, why=why)

    def test_differential(self, submission, reference):
        for seed, n_users, n_merchants, days in SMALL:
            frame = _world(seed, n_users, n_merchants, days)
            want = reference.popular_items(frame, 20)
            got = _as_int_list(_call(submission.popular_items, frame, 20, what="popular_items"), "")
            if got != want:
                fail(
                    f"popular_items(k=20) on coursedata.interactions(seed={seed}, n_users="
                    f"{n_users}) gives {got}, expected {want}"
                )


class TestItemItemRecommend:
    def test_hand_built_ranking(self, submission):
        frame = _frame(HAND_PAIRS)
        got = _recommend(submission, frame, [100, 3, 4], 10, "the hand-built table")
        for user, want in HAND_EXPECTED.items():
            if got[user] != want:
                fail(
                    f"user {user} gets {got[user]}, expected {want}, on the hand-built table "
                    "(see the check's comment): score = the sum of cosine similarities over the "
                    "BINARY user x merchant matrix (a repeat purchase counts once) with the "
                    "user's merchants, bought merchants left out, equal scores (zeros included) "
                    "by more distinct buyers then the smaller id"
                )

    def test_python_ints(self, submission):
        frame = _frame(HAND_PAIRS)
        users = np.array([100, 777, 3])  # NumPy integers in, Python ints out; 777 is cold
        where = "the hand-built table, users given as a NumPy array"
        got = _call(submission.item_item_recommend, frame, users, 3, what=where)
        if not isinstance(got, dict):
            fail(f"item_item_recommend returned a {type(got).__name__}, expected a dict")
        _require_python_ints(list(got), f"the keys of item_item_recommend's result on {where}")
        for user, items in got.items():
            _as_int_list(items, f"the list of user {user}, on {where}")
            _require_python_ints(items, f"the list of user {user}, on {where}")

    def test_equal_scores_by_popularity(self, submission):
        frame = _frame(_tie_pairs())
        got = _recommend(submission, frame, np.array([500]), 3, "the tie table")
        if got[500] != [300, 200, 50]:
            fail(
                f"user 500 gets {got[500]}, expected [300, 200, 50]: merchants 200 and 300 both "
                "score exactly 1/4 (1/sqrt(4*4) and 2/sqrt(4*16)), so the one with more distinct "
                "buyers (300: 16, 200: 4) comes first; 50 scores 0"
            )

    def test_k_and_fewer_candidates(self, submission):
        frame = _frame(HAND_PAIRS)
        for k in (1, 3):
            got = _recommend(submission, frame, [100], k, f"the hand-built table, k={k}")
            if got[100] != HAND_EXPECTED[100][:k]:
                fail(f"with k={k}, user 100 gets {got[100]}, expected {HAND_EXPECTED[100][:k]}")
        # User 1 bought 10 and 30 of the 9 merchants: 7 are left, whatever k.
        got = _recommend(submission, frame, [1], 20, "the hand-built table, k=20")
        if len(got[1]) != 7 or {10, 30} & set(got[1]):
            fail(
                f"user 1 (bought 10 and 30 of 9 merchants) gets {got[1]} with k=20, expected the "
                "7 merchants they did not buy from: bought merchants never come back"
            )
        for k, why in ((0, "k=0"), (True, "k=True (a bool)"), (1.5, "k=1.5")):
            expect_raises(ValueError, submission.item_item_recommend, frame, [1], k, why=why)
        expect_raises(
            ValueError,
            submission.item_item_recommend,
            frame.drop(columns="merchant_id"),
            [1],
            3,
            why="train has no merchant_id column",
        )

    def test_cold_users_get_popularity(self, submission):
        frame = _frame(HAND_PAIRS)
        got = _recommend(submission, frame, [777, 100, 12345], 4, "cold users 777 and 12345")
        for user in (777, 12345):
            if got[user] != HAND_POPULAR[:4]:
                fail(
                    f"user {user}, with no purchase in train, gets {got[user]}, expected "
                    f"popular_items(train, 4) = {HAND_POPULAR[:4]}: with no history there is "
                    "nothing to be similar to, so popularity is the answer"
                )
        if got[100] != HAND_EXPECTED[100][:4]:
            fail(f"user 100 gets {got[100]}, expected {HAND_EXPECTED[100][:4]} beside cold users")

    def test_never_recommends_bought_merchants(self, submission):
        frame = _world(3, 400, 100, 60)
        users = np.unique(frame["user_id"].to_numpy())[:80]
        got = _recommend(submission, frame, users, 15, "coursedata.interactions(seed=3, 400 users)")
        mine = frame.groupby("user_id")["merchant_id"].agg(set)
        for user in users:
            seen = sorted(set(got[int(user)]) & mine[user])
            if seen:
                fail(
                    f"user {int(user)} is recommended {seen}, merchants they already bought from "
                    "in train: exclude every merchant the user has"
                )

    def test_differential_on_the_data_world(self, submission, reference):
        for seed, n_users, n_merchants, days in SMALL:
            frame = _world(seed, n_users, n_merchants, days)
            train, test = reference.temporal_user_split(frame, 7)
            users = list(dict.fromkeys(test["user_id"].tolist()))[:150] + [10**9]
            where = (
                f"coursedata.interactions(seed={seed}, n_users={n_users}, n_merchants="
                f"{n_merchants}, days={days}) before its last 7 days, k=10"
            )
            got = _recommend(submission, train, users, 10, where)
            want = reference.item_item_recommend(train, users, 10)
            for user in dict.fromkeys(users):
                _compare_lists(got[user], want[user], train, user, where)

    def test_sparse_at_the_data_worlds_size(self, submission):
        peak_mb, n_train = _peak_mb(submission, _memory_probe, 20_000, 2_000)
        if peak_mb > MEMORY_BOUND_MB:
            fail(
                f"item_item_recommend on the data world's default size (20,000 users x 2,000 "
                f"merchants, {n_train:,} training rows, 50 users asked) allocated "
                f"{peak_mb:.0f} MB at its peak, above {MEMORY_BOUND_MB} MB (the reference: about "
                "11 MB): a dense users x merchants matrix is 320 MB in float64. Keep the matrix "
                "in scipy.sparse, and score only the users asked for"
            )
        n_users, n_merchants, per_user = WIDE
        peak_mb, _ = _peak_mb(submission, _wide_probe, n_users, n_merchants, per_user)
        if peak_mb > WIDE_BOUND_MB:
            fail(
                f"item_item_recommend on a table of {n_users:,} users x {n_merchants:,} merchants "
                f"({per_user} purchases each, 50 users asked) allocated {peak_mb:.0f} MB at its "
                f"peak, above {WIDE_BOUND_MB} MB (the reference: about 27 MB): a dense users x "
                f"merchants matrix is {n_users * n_merchants / 1e6:.0f} MB even at one byte a "
                "cell (uint8 or bool). Never build one: keep the matrix in scipy.sparse"
            )
