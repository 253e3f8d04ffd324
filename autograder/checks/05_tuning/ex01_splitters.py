"""Checks for 05_tuning/ex01_splitters (see solutions/05_tuning/ex01_splitters.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, TimeSeriesSplit

import coursedata
from autograder.assertions import CheckFailure, differential, fail
from autograder.learner_process import learner_isinstance

# ex01 · make_splitter

CLASSES = {"iid": StratifiedKFold, "grouped": StratifiedGroupKFold, "temporal": TimeSeriesSplit}
SETTINGS = {
    "iid": "StratifiedKFold(n_splits, shuffle=True, random_state=random_state)",
    "grouped": "StratifiedGroupKFold(n_splits, shuffle=True, random_state=random_state)",
    "temporal": "TimeSeriesSplit(n_splits, gap=gap)",
}


# --- data: rows with labels, groups (users) and times ---------------------------------------------


def _iid_data(seed: int, n: int = 50, positive_share: float = 0.3):
    """`n` rows, about `positive_share` of them positive, in no particular order."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = np.zeros(n, dtype=np.int64)
    y[: max(2, round(n * positive_share))] = 1
    return X, rng.permutation(y)


def _grouped_data(seed: int, n_users: int = 40):
    """Users with 1 to 8 payments each; a quarter of them end in a fraud episode (their last 1
    to all payments are frauds). Rows shuffled, so a user's rows are scattered."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 9, size=n_users)
    groups = np.repeat(np.arange(100, 100 + n_users), sizes)
    y = np.zeros(len(groups), dtype=np.int64)
    for user in rng.choice(n_users, size=n_users // 4, replace=False):
        rows = np.flatnonzero(groups == 100 + user)
        y[rows[-int(rng.integers(1, len(rows) + 1)) :]] = 1
    order = rng.permutation(len(y))
    groups, y = groups[order], y[order]
    X = np.column_stack([rng.normal(size=len(y)), groups.astype(np.float64)])
    return X, y, groups


def _temporal_data(seed: int, n: int = 30):
    """`n` rows sorted by time (seconds since some start; strictly increasing), 20% frauds."""
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.integers(1, 600, size=n)).astype(np.float64)
    y = (rng.random(n) < 0.2).astype(np.int64)
    X = np.column_stack([times, rng.normal(size=n)])
    return X, y, times


def _payments():
    """The tiny sample world's payments, sorted by time: features, labels, users, times."""
    tx = coursedata.sample("tiny", 0).transactions.sort_values("timestamp", kind="stable")
    y = tx["is_fraud"].to_numpy(dtype=np.int64)
    X = tx[["amount"]].to_numpy(dtype=np.float64)
    return X, y, tx["user_id"].to_numpy(), tx["timestamp"].to_numpy()


# --- running the learner's splitter ---------------------------------------------------------------


def _make(submission, kind: str, **kwargs):
    call = f"make_splitter({', '.join([repr(kind)] + [f'{k}={v!r}' for k, v in kwargs.items()])})"
    try:
        splitter = submission.make_splitter(kind, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(f"{call} raised {type(exc).__name__}: {str(exc)[:200]}; these arguments are valid")
    return splitter, call


def _folds(splitter: Any, X, y, groups=None, what: str = "the splitter") -> list:
    """The (train, test) index arrays `splitter.split` yields, as plain int64 arrays."""
    if not hasattr(splitter, "split"):
        fail(
            f"{what} returned {type(splitter).__name__}, which has no split method: return a "
            "scikit-learn splitter object (its split(X, y, groups) yields the folds)"
        )
    args = (X, y) if groups is None else (X, y, groups)
    try:
        raw = list(splitter.split(*args))
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        fail(
            f"{what}.split(X, y{', groups' if groups is not None else ''}) on {len(y)} rows "
            f"raised {type(exc).__name__}: {str(exc)[:200]}"
        )
    folds = []
    for k, fold in enumerate(raw):
        if not (isinstance(fold, tuple) and len(fold) == 2):
            fail(f"{what}.split yielded {type(fold).__name__}, expected (train, test) pairs")
        pair = []
        for part, name in zip(fold, ("train", "test"), strict=True):
            if not isinstance(part, np.ndarray) or part.dtype.kind not in "iu":
                fail(f"fold {k}: the {name} part should be an array of row positions")
            pair.append(np.array(part, dtype=np.int64).view(np.ndarray))
        folds.append(tuple(pair))
    return folds


def _split(kind: str, make, X, y, groups, **kwargs) -> list:
    """The folds of `make(kind, **kwargs)` on the data (groups only for "grouped")."""
    return _folds(make(kind, **kwargs), X, y, groups if kind == "grouped" else None)


def _same_folds(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        np.array_equal(ta, tb) and np.array_equal(sa, sb)
        for (ta, sa), (tb, sb) in zip(a, b, strict=True)
    )


def _show(rows: np.ndarray, limit: int = 12) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    return f"[{shown}{', ...' if len(rows) > limit else ''}] ({len(rows)} rows)"


def _first_difference(got: list, expected: list) -> str:
    if len(got) != len(expected):
        return f"{len(got)} folds came back, expected {len(expected)}"
    for k, ((gt, gs), (et, es)) in enumerate(zip(got, expected, strict=True)):
        if not np.array_equal(gs, es):
            return f"fold {k}: the test rows are {_show(gs)}, expected {_show(es)}"
        if not np.array_equal(gt, et):
            return f"fold {k}: the training rows are {_show(gt)}, expected {_show(et)}"
    return "no difference"


def _expect_value_error(submission, *args, why: str, **kwargs) -> None:
    """Fail unless make_splitter(*args, **kwargs) raises ValueError (a splitter is a value that
    the assertions' expect_raises would try to iterate)."""
    try:
        submission.make_splitter(*args, **kwargs)
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(f"expected ValueError ({why}), but your code raised {type(exc).__name__}: {exc}")
    fail(f"expected ValueError ({why}), but a splitter came back")


def _check_partition(folds: list, n: int, what: str) -> None:
    """Each row is a test row in exactly one fold, and train is the rest (or, for time, before)."""
    tested = np.concatenate([test for _, test in folds]) if folds else np.array([], np.int64)
    for train, test in folds:
        outside = np.concatenate([train, test])
        outside = outside[(outside < 0) | (outside >= n)]
        if outside.size:
            fail(f"{what}: row position {int(outside[0])} does not exist in {n} rows")
    counts = np.bincount(tested, minlength=n)
    if (counts != 1).any():
        twice = np.flatnonzero(counts > 1)
        never = np.flatnonzero(counts == 0)
        fail(
            f"{what}: every row should be a test row in exactly one fold; rows "
            f"{_show(twice) if len(twice) else _show(never)} are tested "
            f"{'more than once' if len(twice) else 'never'}"
        )
    for k, (train, test) in enumerate(folds):
        rest = np.setdiff1d(np.arange(n), test)
        if not np.array_equal(np.sort(train), rest):
            fail(
                f"{what}, fold {k}: the training rows should be all the rows that are not test "
                f"rows ({len(rest)}), got {len(train)} rows"
                + (" that overlap the test rows" if np.intersect1d(train, test).size else "")
            )


def _class_counts(folds: list, y: np.ndarray) -> np.ndarray:
    """Test-fold counts of each class: shape (n_folds, n_classes)."""
    classes = np.unique(y)
    return np.array([[int((y[test] == c).sum()) for c in classes] for _, test in folds])


# --- the differential cases -----------------------------------------------------------------------


def _generated_cases():
    """Smallest first: each kind on 12 to 60 rows, 2 to 5 folds, several seeds, gaps 0 to 3
    (which "iid" and "grouped" ignore)."""
    for i, (n, n_splits) in enumerate([(12, 2), (12, 3), (20, 4), (35, 5), (60, 3)]):
        X, y = _iid_data(500 + i, n=n)
        for seed, gap in ((0, 0), (1, 0), (7, 2)):
            yield (
                f"'iid' on {n} rows ({int(y.sum())} positive), n_splits={n_splits}, "
                f"random_state={seed}, gap={gap}",
                lambda fn, X=X, y=y, k=n_splits, s=seed, g=gap: _split(
                    "iid", fn, X, y, None, n_splits=k, random_state=s, gap=g
                ),
            )
        X, y, times = _temporal_data(520 + i, n=n)
        for gap in sorted({0, 1, min(3, n // (n_splits + 1) - 1)}):
            yield (
                f"'temporal' on {n} rows, n_splits={n_splits}, random_state=3, gap={gap}",
                lambda fn, X=X, y=y, k=n_splits, g=gap: _split(
                    "temporal", fn, X, y, None, n_splits=k, random_state=3, gap=g
                ),
            )
    for i, (n_users, n_splits) in enumerate([(6, 2), (10, 3), (20, 4), (40, 5), (60, 3)]):
        X, y, groups = _grouped_data(540 + i, n_users=n_users)
        for seed, gap in ((0, 0), (1, 0), (11, 1)):
            yield (
                f"'grouped' on {len(y)} rows of {n_users} users ({int(y.sum())} frauds), "
                f"n_splits={n_splits}, random_state={seed}, gap={gap}",
                lambda fn, X=X, y=y, grp=groups, k=n_splits, s=seed, g=gap: _split(
                    "grouped", fn, X, y, grp, n_splits=k, random_state=s, gap=g
                ),
            )


def _compare_folds(got: list, expected: list, where: str) -> None:
    if not _same_folds(got, expected):
        kind = where.split("'")[1] if "'" in where else "iid"
        fail(
            f"{where}: {_first_difference(got, expected)}. The folds must be, index for index, "
            f"those of {SETTINGS[kind]}"
        )


class TestMakeSplitter:
    @pytest.mark.parametrize("kind", ["iid", "grouped", "temporal"])
    def test_returns_the_named_splitter(self, submission, kind):
        splitter, call = _make(submission, kind, n_splits=3, random_state=0)
        cls = CLASSES[kind]
        if not learner_isinstance(splitter, cls):
            fail(
                f"{call} returned a {type(splitter).__name__}, expected a {cls.__name__}: "
                f"{SETTINGS[kind]}"
            )

    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_cases(),
            submission.make_splitter,
            reference.make_splitter,
            _compare_folds,
            "make_splitter(kind, n_splits, random_state, gap).split(...)",
        )

    @pytest.mark.parametrize("kind", ["iid", "grouped", "temporal"])
    def test_honours_n_splits(self, submission, kind):
        X, y, groups = _grouped_data(3, n_users=40)
        for n_splits in (2, 3, 7):
            splitter, call = _make(submission, kind, n_splits=n_splits, random_state=0)
            folds = _folds(splitter, X, y, groups if kind == "grouped" else None, call)
            if len(folds) != n_splits:
                fail(f"{call}.split(...) yielded {len(folds)} folds, expected n_splits={n_splits}")
            try:
                reported = splitter.get_n_splits()
            except (NotImplementedError, CheckFailure):
                raise
            except Exception as exc:
                fail(f"{call}.get_n_splits() raised {type(exc).__name__}: {str(exc)[:200]}")
            if reported != n_splits:
                fail(f"{call}.get_n_splits() = {reported!r}, expected {n_splits}")

    def test_iid_folds_are_stratified(self, submission):
        for seed, (n, share, n_splits) in enumerate([(50, 0.3, 5), (41, 0.1, 4), (30, 0.5, 3)]):
            X, y = _iid_data(600 + seed, n=n, positive_share=share)
            splitter, call = _make(submission, "iid", n_splits=n_splits, random_state=seed)
            folds = _folds(splitter, X, y, what=call)
            _check_partition(folds, n, f"{call} on {n} rows")
            counts = _class_counts(folds, y)
            spread = counts.max(axis=0) - counts.min(axis=0)
            if (spread > 1).any():
                fail(
                    f"{call} on {n} rows with {int(y.sum())} positives: the test folds hold "
                    f"{counts[:, 1].tolist()} positives and {counts[:, 0].tolist()} negatives. "
                    "Stratified folds keep each class's count within one row across the folds, "
                    "so that every fold measures the model on the same share of frauds"
                )

    @pytest.mark.parametrize("kind", ["iid", "grouped"])
    def test_seed_decides_the_shuffle(self, submission, reference, kind):
        X, y, groups = _grouped_data(7, n_users=30)
        g = groups if kind == "grouped" else None
        first, call = _make(submission, kind, n_splits=3, random_state=5)
        a = _folds(first, X, y, g, call)
        again = _folds(first, X, y, g, call)
        if not _same_folds(a, again):
            fail(
                f"{call}: two calls of split on the same data gave different folds "
                f"({_first_difference(again, a)}). Pass the int seed as random_state, so the "
                "folds are drawn from it afresh on every call"
            )
        second, _ = _make(submission, kind, n_splits=3, random_state=5)
        b = _folds(second, X, y, g, call)
        if not _same_folds(a, b):
            fail(
                f"two splitters made by {call} gave different folds "
                f"({_first_difference(b, a)}): the same seed must give the same folds"
            )
        others = [
            _folds(_make(submission, kind, n_splits=3, random_state=s)[0], X, y, g, call)
            for s in (0, 1, 2)
        ]
        unshuffled = CLASSES[kind](n_splits=3)
        if any(_same_folds(f, _folds(unshuffled, X, y, g)) for f in (a, *others)):
            fail(
                f"kind={kind!r} gave the folds of {CLASSES[kind].__name__}(n_splits=3) without "
                "shuffling: rows that arrive in some order (by time, by user) then land in the "
                "same fold. Use shuffle=True with random_state"
            )
        if all(_same_folds(a, f) for f in others):
            fail(
                f"random_state=5, 0, 1 and 2 all gave the same folds with kind={kind!r}: the seed "
                f"is ignored. {SETTINGS[kind]} shuffles with the seed it is given"
            )
        expected = _split(kind, reference.make_splitter, X, y, groups, n_splits=3, random_state=1)
        if not _same_folds(others[1], expected):
            fail(
                f"make_splitter({kind!r}, n_splits=3, random_state=1): "
                f"{_first_difference(others[1], expected)}; expected the folds of "
                f"{SETTINGS[kind]} with random_state=1"
            )

    @pytest.mark.parametrize("data", ["simulated", "payments"])
    def test_grouped_never_splits_a_group(self, submission, data):
        if data == "simulated":
            X, y, groups = _grouped_data(21, n_users=45)
            what = "45 simulated users, rows shuffled"
        else:
            X, y, groups, _ = _payments()
            what = f"the tiny world's {len(y)} payments grouped by user_id"
        for n_splits in (2, 4, 5):
            splitter, call = _make(submission, "grouped", n_splits=n_splits, random_state=1)
            folds = _folds(splitter, X, y, groups, call)
            _check_partition(folds, len(y), f"{call} on {what}")
            for k, (train, test) in enumerate(folds):
                both = np.intersect1d(groups[train], groups[test])
                if both.size:
                    fail(
                        f"{call} on {what}, fold {k}: {both.size} groups have rows on both sides "
                        f"(e.g. group {both[0].item()!r}: {int((groups[train] == both[0]).sum())} "
                        f"training rows, {int((groups[test] == both[0]).sum())} test rows). "
                        "The model then recognises a user (or a fraud episode) it trained on, "
                        "and the score is flattered: a group's rows all go to one test fold"
                    )

    def test_grouped_balances_the_classes(self, submission, reference):
        got_spread, ref_spread, shown = [], [], []
        for seed in range(5):
            X, y, groups = _grouped_data(40 + seed, n_users=40)
            splitter, call = _make(submission, "grouped", n_splits=4, random_state=seed)
            folds = _folds(splitter, X, y, groups, call)
            expected = _split(
                "grouped", reference.make_splitter, X, y, groups, n_splits=4, random_state=seed
            )
            shares = [y[test].mean() for _, test in folds if len(test)]
            got_spread.append(float(np.std(shares)))
            ref_spread.append(float(np.std([y[test].mean() for _, test in expected])))
            shown.append(_class_counts(folds, y)[:, -1].tolist())
        got, ref = float(np.mean(got_spread)), float(np.mean(ref_spread))
        if got > 2 * ref + 0.005:
            fail(
                f"on 5 data sets of 40 users (a quarter with a fraud episode), 4 grouped folds: "
                f"the share of frauds differs across your test folds by {got:.3f} (standard "
                f"deviation, averaged; frauds per fold {shown[0]}, {shown[1]}, ...), expected "
                f"about {ref:.3f}. Keeping groups whole is not enough: StratifiedGroupKFold also "
                "balances the classes, so that each fold scores the model on its share of frauds"
            )

    @pytest.mark.parametrize(("n", "n_splits", "gap"), [(30, 3, 0), (30, 5, 1), (40, 4, 3)])
    def test_temporal_trains_on_the_past_with_the_gap(self, submission, n, n_splits, gap):
        X, y, times = _temporal_data(70 + gap, n=n)
        splitter, call = _make(submission, "temporal", n_splits=n_splits, gap=gap)
        folds = _folds(splitter, X, y, what=call)
        if len(folds) != n_splits:
            fail(f"{call}.split(...) on {n} rows yielded {len(folds)} folds, expected {n_splits}")
        previous_end = -1
        for k, (train, test) in enumerate(folds):
            where = f"{call} on {n} rows sorted by time, fold {k}"
            if len(train) == 0 or len(test) == 0:
                fail(f"{where}: an empty training or test part")
            if times[train].max() >= times[test].min():
                fail(
                    f"{where}: training rows {_show(np.sort(train))} include rows at or after the "
                    f"first test row ({int(test.min())}). The model would learn from the future "
                    "it is tested on; in production it only ever scores what comes after its data"
                )
            if not np.array_equal(np.sort(test), np.arange(test.min(), test.max() + 1)):
                fail(f"{where}: the test rows {_show(np.sort(test))} are not one block in time")
            if test.min() <= previous_end:
                fail(f"{where}: the test block does not follow the previous one in time")
            previous_end = int(test.max())
            between = int(test.min()) - int(train.max()) - 1
            if between != gap:
                fail(
                    f"{where}: {between} rows lie between the last training row "
                    f"({int(train.max())}) and the first test row ({int(test.min())}), expected "
                    f"gap={gap}. The gap stands for the time a label takes to arrive (a "
                    "chargeback comes weeks later), so the last training rows are left out"
                )
            if not np.array_equal(np.sort(train), np.arange(train.max() + 1)):
                fail(f"{where}: the training part should be every row before the gap")
        if previous_end != n - 1:
            fail(f"{call} on {n} rows: the last test block ends at row {previous_end}, not {n - 1}")

    def test_temporal_on_payments_ignores_the_seed(self, submission, reference):
        X, y, _, times = _payments()
        folds = {}
        for seed in (0, 1):
            splitter, call = _make(submission, "temporal", n_splits=5, random_state=seed, gap=10)
            folds[seed] = _folds(splitter, X, y, what=call)
        if not _same_folds(folds[0], folds[1]):
            fail(
                "make_splitter('temporal', ...) gave other folds for random_state=1 than for 0: "
                "folds in time order have nothing to shuffle, so the seed must change nothing"
            )
        for k, (train, test) in enumerate(folds[0]):
            if len(train) and len(test) and times[train].max() >= times[test].min():
                fail(
                    f"{call} on the tiny world's payments sorted by time, fold {k}: a training "
                    "payment is not older than every test payment"
                )
        expected = _split("temporal", reference.make_splitter, X, y, None, n_splits=5, gap=10)
        _compare_folds(
            folds[0], expected, f"'temporal' on the tiny world's {len(y)} payments, gap=10"
        )

    @pytest.mark.parametrize("kind", ["iid", "grouped"])
    def test_ignores_the_gap_when_shuffling(self, submission, reference, kind):
        X, y, groups = _grouped_data(9, n_users=24)
        splitter, call = _make(submission, kind, n_splits=3, random_state=4, gap=5)
        got = _folds(splitter, X, y, groups if kind == "grouped" else None, call)
        expected = _split(kind, reference.make_splitter, X, y, groups, n_splits=3, random_state=4)
        if not _same_folds(got, expected):
            fail(
                f"{call}: {_first_difference(got, expected)}. kind={kind!r} ignores gap: "
                f"expected the folds of {SETTINGS[kind]}"
            )

    def test_rejects_an_unknown_kind(self, submission):
        for kind in ("random", "group", "time", "Temporal", "", None):
            _expect_value_error(
                submission,
                kind,
                why=f"kind={kind!r} is none of 'iid', 'grouped', 'temporal' (exact names)",
            )

    def test_rejects_bad_n_splits(self, submission):
        for kind in ("iid", "grouped", "temporal"):
            for n_splits in (1, 0, -3, 2.5, "4"):
                _expect_value_error(
                    submission,
                    kind,
                    n_splits=n_splits,
                    why=f"make_splitter({kind!r}, n_splits={n_splits!r}): n_splits must be an "
                    "int of at least 2",
                )

    def test_rejects_a_negative_gap(self, submission):
        _expect_value_error(
            submission,
            "temporal",
            n_splits=3,
            gap=-1,
            why="make_splitter('temporal', n_splits=3, gap=-1): a negative gap makes the training "
            "part overlap the test rows; gap must be an int of at least 0",
        )

    def test_rejects_a_bad_gap_whatever_the_kind(self, submission):
        for kind in ("temporal", "iid", "grouped"):
            for gap in (-1, 1.5, "2"):
                _expect_value_error(
                    submission,
                    kind,
                    n_splits=3,
                    gap=gap,
                    why=f"make_splitter({kind!r}, n_splits=3, gap={gap!r}): gap must be an int "
                    "of at least 0, whatever the kind",
                )
