"""Checks for 11_optimization/ex03_distill (see solutions/11_optimization/ex03_distill.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import Ridge
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from autograder.assertions import assert_close, expect_raises, fail

# Spies: estimators of this module that record, in the learner's process, which rows they were
# fitted on and which rows they scored. Column 0 of every spy table is a row key (unique).
# The spy teacher memorises: on a row it was trained on it answers that row's label (as a big
# forest nearly does), on any other row a fixed score of the row's key, `_unseen(key)`. So a
# target built from an in-sample score shows as the label itself.

_LOG: list[tuple[str, int, list[float]]] = []  # (event, estimator serial, row keys)


def _keys(X: Any) -> list[float]:
    return [float(k) for k in np.asarray(X, dtype=np.float64)[:, 0]]


def _unseen(keys: Any) -> np.ndarray:
    """The spy teacher's score of rows it was not trained on: a fixed function of the key."""
    keys = np.asarray(keys, dtype=np.float64)
    return 0.1 + 0.8 * ((keys * 0.6180339887) % 1.0)


def _student_score(keys: Any) -> np.ndarray:
    """The spy student's prediction: a fixed function of the key (its AUC depends on the rows)."""
    keys = np.asarray(keys, dtype=np.float64)
    return (keys * 0.7548776662) % 1.0


class SpyTeacher(ClassifierMixin, BaseEstimator):
    """A binary classifier that records its fits and scorings and memorises its training rows."""

    def __init__(self, tag: str = "teacher") -> None:
        self.tag = tag

    def fit(self, X, y):
        keys = _keys(X)
        self.serial_ = len(_LOG)
        self.seen_ = dict(zip(keys, np.asarray(y, dtype=np.float64).tolist(), strict=True))
        self.classes_ = np.array([0, 1])
        _LOG.append(("teacher_fit", self.serial_, keys))
        return self

    def predict_proba(self, X):
        keys = _keys(X)
        if not keys:
            raise ValueError("Found array with 0 sample(s) (shape=(0, ...)) while a minimum of 1")
        _LOG.append(("teacher_score", self.serial_, keys))
        p = np.array([self.seen_.get(k, float(_unseen([k])[0])) for k in keys])
        return np.column_stack([1.0 - p, p])

    def predict(self, X):  # cross_val_predict asks for it, even with method="predict_proba"
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)


class SpyStudent(RegressorMixin, BaseEstimator):
    """A regressor that records the rows and targets it was fitted on, and the rows it scored."""

    def __init__(self, tag: str = "student") -> None:
        self.tag = tag

    def fit(self, X, y):
        self.keys_ = _keys(X)
        self.targets_ = [float(t) for t in np.asarray(y, dtype=np.float64)]
        self.serial_ = len(_LOG)
        _LOG.append(("student_fit", self.serial_, self.keys_))
        return self

    def predict(self, X):
        keys = _keys(X)
        _LOG.append(("student_score", getattr(self, "serial_", -1), keys))
        return _student_score(keys)


# --- run in the learner's process -----------------------------------------------------------


def _run_distill(module, X_unlabelled, X, y, alpha, cv) -> dict:
    _LOG.clear()
    args = (SpyTeacher(), SpyStudent(), X_unlabelled, X, y, alpha)
    student = module.distill(*args) if cv is None else module.distill(*args, cv=cv)
    facts: dict[str, Any] = {"log": list(_LOG), "type": type(student).__name__}
    if isinstance(student, SpyStudent) and hasattr(student, "keys_"):
        facts["keys"] = list(student.keys_)
        facts["targets"] = list(student.targets_)
    return facts


def _run_on_originals(module, X_unlabelled, X, y) -> dict:
    """distill with a real teacher and student: are the objects given still unfitted after?"""
    teacher = DecisionTreeClassifier(max_depth=2, random_state=0)
    student = Ridge()
    returned = module.distill(teacher, student, X_unlabelled, X, y, 0.5, cv=3)
    return {
        "teacher_fitted": hasattr(teacher, "tree_"),
        "student_fitted": hasattr(student, "coef_"),
        "returned_given": returned is student,
        "returned_fitted": hasattr(returned, "coef_"),
    }


def _run_compare(module, X, y, times, cutoff, test_start, alpha) -> dict:
    _LOG.clear()
    report = module.compare_students(
        SpyTeacher(), SpyStudent(), X, y, times, cutoff, test_start, alpha=alpha, cv=3
    )
    return {"log": list(_LOG), "report": report if isinstance(report, pd.DataFrame) else None}


# --- data -----------------------------------------------------------------------------------


def _spy_table(n: int, positives: int, seed: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`n` rows whose column 0 is a unique key (start + 1000 + k * 7), two noise columns, and
    labels with `positives` ones at seeded positions."""
    rng = np.random.default_rng(seed)
    keys = 1000.0 + 7.0 * (start + np.arange(n))
    X = np.column_stack([keys, rng.normal(size=n), rng.normal(size=n)])
    y = np.zeros(n, dtype=np.int64)
    y[rng.choice(n, size=positives, replace=False)] = 1
    return X, y


def _real_table(n: int, seed: int, columns: bool) -> tuple[Any, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    logit = 1.5 * X[:, 0] - X[:, 1] + 0.5 * X[:, 2] * X[:, 3]
    y = (logit + rng.normal(scale=0.8, size=n) > 0.9).astype(np.int64)
    y[: min(n, 6)] = [1, 0, 1, 0, 1, 0][: min(n, 6)]  # both classes, a few of each
    if columns:
        return pd.DataFrame(X, columns=["amount", "hour", "age", "n_prev"]), y
    return X, y


# --- the checks' side -------------------------------------------------------------------------


def _facts(submission, X_unlabelled, X, y, alpha, cv, where: str) -> dict:
    try:
        facts = submission.observe(_run_distill, X_unlabelled, X, y, alpha, cv)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"distill raised {type(exc).__name__}: {exc}, on {where}")
    if "keys" not in facts:
        fail(
            f"distill returned a {facts['type']}, on {where}; expected the fitted student (a "
            "clone of the student given, fitted)"
        )
    return facts


def _events(facts: dict, event: str) -> list[tuple[int, list[float]]]:
    return [(serial, keys) for name, serial, keys in facts["log"] if name == event]


def _target_of(facts: dict, where: str) -> dict[float, float]:
    keys, targets = facts["keys"], facts["targets"]
    if len(set(keys)) != len(keys):
        fail(
            f"the student was fitted on {len(keys)} rows of which only {len(set(keys))} are "
            f"distinct, on {where}: each row once (the labelled rows, then the unlabelled)"
        )
    return dict(zip(keys, targets, strict=True))


def _where(n_lab: int, n_unl: int, alpha: float, cv: int | None) -> str:
    folds = "cv left at its default" if cv is None else f"cv={cv}"
    return f"{n_lab} labelled and {n_unl} unlabelled rows, alpha={alpha}, {folds}"


class TestDistill:
    def test_teacher_never_scores_its_training_rows(self, submission):
        X, y = _spy_table(40, 14, seed=1)
        Xu, _ = _spy_table(10, 3, seed=2, start=40)
        where = _where(40, 10, 0.5, 4)
        facts = _facts(submission, Xu, X, y, 0.5, 4, where)
        fits = {serial: set(keys) for serial, keys in _events(facts, "teacher_fit")}
        scored_by: dict[float, int] = {}
        for serial, keys in _events(facts, "teacher_score"):
            own = fits.get(serial, set()) & set(keys)
            if own:
                fail(
                    f"a teacher fitted on {len(fits[serial])} rows then scored {len(own)} of "
                    f"those same rows, on {where}: a big model nearly memorises its training "
                    "rows, so their scores are near 0 or 1 and teach the student nothing. Score "
                    "each labelled row with a teacher fitted on the OTHER folds (out-of-fold, "
                    "cross_val_predict), and the unlabelled rows with a teacher fitted on X"
                )
            for k in keys:
                scored_by[k] = scored_by.get(k, 0) + 1
        missing = [k for k in _keys(X) if k not in scored_by]
        if missing:
            fail(
                f"{len(missing)} of the 40 labelled rows were never scored by a teacher, on "
                f"{where}: every labelled row gets an out-of-fold teacher score"
            )

    def test_folds_are_stratified_kfold(self, submission):
        cases = (
            (3, (30, 9, 3)),
            (5, (45, 15, 4)),
            (None, (50, 12, 5)),
            (np.int64(4), (36, 10, 6)),
        )
        for cv, (n, positives, seed) in cases:
            X, y = _spy_table(n, positives, seed=seed)
            Xu, _ = _spy_table(6, 2, seed=seed + 50, start=n)
            where = _where(n, 6, 0.5, cv)
            if isinstance(cv, np.integer):
                where = where.replace(
                    f"cv={cv}",
                    f"cv=numpy.int64({cv}) (a NumPy integer is an integer: accept any "
                    "numbers.Integral but a bool)",
                )
            facts = _facts(submission, Xu, X, y, 0.5, cv, where)
            keys = np.array(_keys(X))
            want = sorted(
                sorted(keys[train].tolist())
                for train, _ in StratifiedKFold(n_splits=cv or 5).split(keys.reshape(-1, 1), y)
            )
            got = sorted(sorted(k) for _, k in _events(facts, "teacher_fit") if len(k) < n)
            if got != want:
                sizes = [len(k) for k in got]
                fail(
                    f"the out-of-fold teachers were fitted on {len(got)} subsets of the labelled "
                    f"rows of sizes {sizes}, expected the {len(want)} training sets of "
                    f"StratifiedKFold(n_splits={cv or 5}) without shuffling (sizes "
                    f"{[len(k) for k in want]}), on {where}: cv folds, stratified by the label, "
                    "in the rows' order (cross_val_predict's folds for a classifier)"
                )

    def test_targets_mix_labels_and_teacher_scores(self, submission):
        X, y = _spy_table(36, 12, seed=6)
        Xu, _ = _spy_table(8, 2, seed=7, start=36)
        keys = np.array(_keys(X))
        for alpha in (0.0, 0.25, 0.5, 1.0):
            where = _where(36, 8, alpha, 3)
            facts = _facts(submission, Xu, X, y, alpha, 3, where)
            target = _target_of(facts, where)
            absent = [k for k in keys if k not in target]
            if absent:
                fail(
                    f"{len(absent)} labelled rows are missing from the student's training "
                    f"rows, on {where}"
                )
            got = np.array([target[k] for k in keys])
            assert_close(
                got,
                alpha * y + (1 - alpha) * _unseen(keys),
                f"the student's targets on the labelled rows, on {where}",
                rtol=0,
                atol=1e-9,
                why="a labelled row's target is alpha * y + (1 - alpha) * teacher score, where "
                "the score comes from a teacher that did not see the row: alpha = 1 gives the "
                "labels, alpha = 0 the teacher's scores alone",
            )

    def test_unlabelled_rows_get_the_full_teachers_scores(self, submission):
        X, y = _spy_table(30, 10, seed=8)
        Xu, _ = _spy_table(12, 4, seed=9, start=30)
        ukeys = np.array(_keys(Xu))
        for alpha in (0.0, 1.0):
            where = _where(30, 12, alpha, 3)
            facts = _facts(submission, Xu, X, y, alpha, 3, where)
            target = _target_of(facts, where)
            absent = [k for k in ukeys if k not in target]
            if absent:
                fail(
                    f"{len(absent)} of the 12 unlabelled rows are missing from the student's "
                    f"training rows, on {where}: the teacher scores them and the student learns "
                    "from them; that is what distillation adds (rows whose labels have not "
                    "arrived)"
                )
            if len(target) != 42:
                fail(
                    f"the student was fitted on {len(target)} distinct rows, expected 42 (30 "
                    f"labelled, 12 unlabelled), on {where}"
                )
            assert_close(
                np.array([target[k] for k in ukeys]),
                _unseen(ukeys),
                f"the student's targets on the unlabelled rows, on {where}",
                rtol=0,
                atol=1e-9,
                why="an unlabelled row's target is the teacher's score alone, whatever alpha "
                "(it has no label to mix in)",
            )
            fits = {serial: sorted(keys) for serial, keys in _events(facts, "teacher_fit")}
            all_labelled = sorted(_keys(X))
            for serial, keys in _events(facts, "teacher_score"):
                if set(keys) & set(ukeys) and fits.get(serial) != all_labelled:
                    fail(
                        f"the unlabelled rows were scored by a teacher fitted on "
                        f"{len(fits.get(serial, []))} rows, expected one fitted on all 30 "
                        f"labelled rows (X, y), on {where}"
                    )

    def test_no_unlabelled_rows(self, submission):
        X, y = _spy_table(25, 8, seed=10)
        Xu = np.empty((0, 3))
        where = _where(25, 0, 0.5, 3) + " (X_unlabelled of shape (0, 3))"
        facts = _facts(submission, Xu, X, y, 0.5, 3, where)
        target = _target_of(facts, where)
        if sorted(target) != sorted(_keys(X)):
            fail(
                f"the student was fitted on {len(target)} rows, expected the 25 labelled rows, "
                f"on {where}"
            )

    def test_fits_clones(self, submission):
        X, y = _real_table(30, seed=17, columns=False)
        Xu, _ = _real_table(8, seed=18, columns=False)
        try:
            facts = submission.observe(_run_on_originals, Xu, X, y)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - the learner's error, as a failed check
            fail(
                f"distill raised {type(exc).__name__}: {exc}, on 30 labelled and 8 unlabelled rows"
            )
        if facts["teacher_fitted"] or facts["student_fitted"] or facts["returned_given"]:
            fail(
                "after distill, the teacher and the student passed in should be left unfitted "
                f"(teacher fitted: {facts['teacher_fitted']}, student fitted: "
                f"{facts['student_fitted']}, the student passed in returned: "
                f"{facts['returned_given']}): fit clones (sklearn.base.clone), so that the "
                "caller's estimators are not changed behind their back"
            )
        if not facts["returned_fitted"]:
            fail("distill should return the fitted student (a fitted clone of the student given)")

    def test_rejects_bad_input(self, submission):
        X, y = _real_table(40, seed=11, columns=False)
        Xu, _ = _real_table(10, seed=12, columns=False)
        # Spies: they accept any labels, widths and NaN targets, so only distill's own
        # validation raises.
        teacher, student = SpyTeacher(), SpyStudent()
        frame, _ = _real_table(40, seed=11, columns=True)
        frame_u, _ = _real_table(10, seed=12, columns=True)
        y_three = y.copy()
        y_three[7] = 2
        cases = [
            ((Xu, X, y, -0.01), {}, "alpha=-0.01 (alpha is in [0, 1])"),
            ((Xu, X, y, 1.01), {}, "alpha=1.01 (alpha is in [0, 1])"),
            ((Xu, X, y, float("nan")), {}, "alpha=nan (not a number in [0, 1])"),
            ((Xu, X, y, "0.5"), {}, "alpha='0.5' (a string, not a number: never float() it)"),
            ((Xu, X, y, 0.5), {"cv": 1}, "cv=1 (cv is an integer >= 2)"),
            ((Xu, X, y, 0.5), {"cv": 3.0}, "cv=3.0 (a float: cv is an integer >= 2)"),
            ((Xu, X, y, 0.5), {"cv": True}, "cv=True (a bool, not an integer >= 2)"),
            ((Xu, X, y[:-1], 0.5), {}, "39 labels for 40 rows"),
            ((Xu, X, y_three, 0.5), {}, "a label 2 (y holds 0 and 1)"),
            ((Xu, X, np.zeros(40, dtype=int), 0.5), {}, "labels all 0 (both classes needed)"),
            ((Xu[:, :3], X, y, 0.5), {}, "X_unlabelled with 3 columns where X has 4"),
            (
                (frame_u.rename(columns={"age": "days"}), frame, y, 0.5),
                {},
                "X_unlabelled with a column 'days' where X has 'age'",
            ),
        ]
        for args, kwargs, why in cases:
            expect_raises(
                ValueError, submission.distill, teacher, student, *args, why=why, **kwargs
            )

    def test_same_student_as_the_reference(self, submission, reference):
        # Seeded tables, smallest first: a real tree teacher, a ridge student (whose fit does
        # not depend on the rows' order), arrays and DataFrames.
        probe, _ = _real_table(50, seed=99, columns=False)
        cases = [(30, 0, 0.5, 3, False), (40, 15, 0.3, 3, True), (90, 40, 0.7, 5, False)]
        for k, (n, n_unl, alpha, cv, columns) in enumerate(cases):
            X, y = _real_table(n, seed=20 + k, columns=columns)
            Xu, _ = _real_table(n_unl, seed=40 + k, columns=columns)
            teacher = DecisionTreeClassifier(max_depth=3, random_state=0)
            where = (
                f"{n} labelled and {n_unl} unlabelled seeded rows "
                f"({'DataFrames' if columns else 'arrays'}), alpha={alpha}, cv={cv}, "
                f"{'y as bools, ' if k == len(cases) - 1 else ''}a "
                "DecisionTreeClassifier(max_depth=3) teacher and a Ridge student"
            )
            try:
                # The last case gives the labels as bools (y holds 0 or 1, "ints or bools").
                labels = y.astype(bool) if k == len(cases) - 1 else y
                got = submission.distill(teacher, Ridge(), Xu, X, labels, alpha, cv=cv)
            except NotImplementedError:
                raise
            except Exception as exc:  # noqa: BLE001 - the learner's error, as a failed check
                fail(f"distill raised {type(exc).__name__}: {exc}, on {where}")
            want = reference.distill(teacher, Ridge(), Xu, X, y, alpha, cv=cv)
            test = pd.DataFrame(probe, columns=X.columns) if columns else probe
            try:
                got_scores = np.asarray(got.predict(test), dtype=np.float64)
            except Exception as exc:  # noqa: BLE001
                fail(f"the student distill returned cannot predict ({exc}), on {where}")
            assert_close(
                got_scores,
                want.predict(test),
                f"the returned student's predictions on 50 new rows, on {where}",
                rtol=0,
                atol=1e-8,
                why="the reference fits the same student on the same rows and targets "
                "(out-of-fold teacher scores from StratifiedKFold(cv), a teacher fitted on X "
                "for the unlabelled rows, alpha * y + (1 - alpha) * score)",
            )


# --- compare_students ---------------------------------------------------------------------


def _time_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """60 rows: times 0..59 shuffled; labelled before 30, unlabelled 30..44 (NaN labels), test
    from 45 on. Rows sit exactly at both boundaries."""
    rng = np.random.default_rng(13)
    X, y = _spy_table(60, 0, seed=13)
    times = rng.permutation(60).astype(np.float64)
    y = np.where(rng.random(60) < 0.35, 1.0, 0.0)
    labelled, test = times < 30, times >= 45
    y[np.flatnonzero(labelled)[:10]] = 1.0
    y[np.flatnonzero(labelled)[10:20]] = 0.0
    y[np.flatnonzero(test)[:4]] = [1.0, 0.0, 1.0, 0.0]
    y[(times >= 30) & (times < 45)] = np.nan  # their chargebacks have not arrived
    return X, y, times


class TestCompareStudents:
    def test_splits_by_time_and_scores_test_rows(self, submission):
        X, y, times = _time_table()
        where = (
            "60 rows at times 0..59 (shuffled), cutoff=30, test_start=45, labels NaN from 30 to "
            "44 (not arrived yet)"
        )
        try:
            facts = submission.observe(_run_compare, X, y, times, 30.0, 45.0, 0.5)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001
            fail(f"compare_students raised {type(exc).__name__}: {exc}, on {where}")
        keys = np.array(_keys(X))
        labelled = sorted(keys[times < 30].tolist())
        gap = sorted(keys[(times >= 30) & (times < 45)].tolist())
        test = set(keys[times >= 45].tolist())
        fits = {serial: sorted(k) for serial, k in _events(facts, "student_fit")}
        if sorted(fits.values()) != sorted([labelled, sorted(labelled + gap)]):
            sizes = sorted(len(k) for k in fits.values())
            fail(
                f"the students were fitted on sets of {sizes} rows, expected two: the 30 "
                "labelled rows (times < cutoff) for labels_only, and those 30 plus the 15 "
                f"unlabelled rows (cutoff <= time < test_start) for the distilled one, on "
                f"{where}. A row at exactly cutoff is unlabelled; one at exactly test_start is "
                "a test row, which no model is trained on"
            )
        for name in ("teacher_fit", "teacher_score"):
            for _, k in _events(facts, name):
                if set(k) & test:
                    fail(
                        f"the teacher {'was fitted on' if name == 'teacher_fit' else 'scored'} "
                        f"{len(set(k) & test)} test rows, on {where}: the test rows "
                        "(time >= test_start) are kept for the evaluation, unseen by every model"
                    )
        for serial, k in _events(facts, "student_score"):
            if serial in fits and not test <= set(k):
                fail(f"a student was scored on {len(k)} rows, not on all 15 test rows, on {where}")
        report = facts["report"]
        if report is None:
            fail(f"compare_students returned no DataFrame, on {where}")
        _check_layout(report, where)
        mask = times >= 45
        scores = _student_score(keys[mask])
        want = [roc_auc_score(y[mask], scores), average_precision_score(y[mask], scores)]
        for column in ("distilled", "labels_only"):
            assert_close(
                report[column].to_numpy(dtype=np.float64),
                np.array(want),
                f"the {column} column (roc_auc, average_precision), on {where}, with students "
                "whose predictions are a fixed function of the row",
                rtol=0,
                atol=1e-9,
                why="the metrics are those of the student's predict on the test rows (time >= "
                "test_start) against their y, never on the rows it learnt from",
            )

    def test_same_report_as_the_reference(self, submission, reference):
        rng = np.random.default_rng(14)
        # The third case has cutoff == test_start: no unlabelled row, which is allowed (only a
        # cutoff AFTER test_start is an error). In the last one the unlabelled rows keep their
        # real labels (not NaN): they are still unlabelled, their y ignored.
        for n, columns, alpha, gap, nan_gap in (
            (80, False, 0.5, 5, True),
            (150, True, 0.2, 5, True),
            (60, False, 0.5, 0, True),
            (80, False, 0.5, 4, False),
        ):
            X, y = _real_table(n, seed=15 + n, columns=columns)
            times = pd.Timestamp("2025-03-01", tz="UTC") + pd.to_timedelta(
                rng.permutation(n), unit="h"
            )
            cutoff = times.min() + pd.Timedelta(hours=n // 2)
            test_start = cutoff + pd.Timedelta(hours=n // gap if gap else 0)
            y = y.astype(np.float64)
            if nan_gap:
                y[(times >= cutoff) & (times < test_start)] = np.nan
            teacher = DecisionTreeClassifier(max_depth=4, random_state=0)
            kept = (
                ""
                if nan_gap
                else "the unlabelled rows (cutoff <= time < test_start) keeping real 0/1 labels, "
                "which are ignored all the same (their labels have not arrived when the model "
                "is trained: never use them as labelled rows), "
            )
            where = (
                f"{n} seeded rows ({'a DataFrame' if columns else 'an array'}) at hourly "
                f"timestamps, {'cutoff == test_start, ' if not gap else ''}{kept}"
                f"alpha={alpha}, a DecisionTreeClassifier(max_depth=4) teacher and a Ridge student"
            )
            args = (teacher, Ridge(), X, y, times, cutoff, test_start)
            try:
                got = submission.compare_students(*args, alpha=alpha, cv=3)
            except NotImplementedError:
                raise
            except Exception as exc:  # noqa: BLE001
                fail(f"compare_students raised {type(exc).__name__}: {exc}, on {where}")
            want = reference.compare_students(*args, alpha=alpha, cv=3)
            if not isinstance(got, pd.DataFrame):
                fail(f"compare_students returned a {type(got).__name__}, on {where}")
            _check_layout(got, where)
            assert_close(
                got.to_numpy(dtype=np.float64),
                want.to_numpy(dtype=np.float64),
                f"the report (rows roc_auc, average_precision; columns distilled, labels_only, "
                f"difference), on {where}",
                rtol=0,
                atol=1e-9,
                why="the reference distils on the labelled and unlabelled rows, fits the same "
                "student on the labelled rows alone, and scores both on the test rows; "
                "difference = distilled - labels_only",
            )

    def test_rejects_bad_input(self, submission):
        X, y = _real_table(40, seed=16, columns=False)
        times = np.arange(40.0)
        one_class = y.copy()
        one_class[30:] = 0
        teacher, student = DecisionTreeClassifier(max_depth=2, random_state=0), Ridge()
        cases = [
            ((X, y, times, 25.0, 20.0), "cutoff=25 after test_start=20"),
            ((X, y, times[:-1], 20.0, 30.0), "39 times for 40 rows"),
            ((X, y[:-1], times, 20.0, 30.0), "39 labels for 40 rows"),
            ((X, y, times, 0.0, 30.0), "cutoff=0: no row before it, nothing to train on"),
            ((X, one_class, times, 20.0, 30.0), "test rows (time >= 30) all of class 0"),
        ]
        for args, why in cases:
            expect_raises(ValueError, submission.compare_students, teacher, student, *args, why=why)


def _check_layout(report: pd.DataFrame, where: str) -> None:
    if [str(i) for i in report.index] != ["roc_auc", "average_precision"]:
        fail(
            f"the report's index is {list(report.index)}, expected ['roc_auc', "
            f"'average_precision'], on {where}"
        )
    if [str(c) for c in report.columns] != ["distilled", "labels_only", "difference"]:
        fail(
            f"the report's columns are {list(report.columns)}, expected ['distilled', "
            f"'labels_only', 'difference'], on {where}"
        )
    values = report.to_numpy(dtype=np.float64)
    assert_close(
        values[:, 2],
        values[:, 0] - values[:, 1],
        f"the report's difference column, on {where}",
        rtol=0,
        atol=1e-12,
        why="difference = distilled - labels_only (positive when distillation won)",
    )
