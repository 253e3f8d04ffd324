"""Checks for 06_tracking/ex04_best_run (see solutions/06_tracking/ex04_best_run.py for the reference).

Every check builds its runs itself, in a fresh MLflow store in its `exchange` folder (a copy of the
empty migrated store of `_shared`, so that no check pays for MLflow's table migrations), written
by `_shared.store_writer` (the rows MLflow's own store writes for `create_run`, `log_batch`,
`set_terminated` and `delete_run`): chosen start times, statuses and metric histories (steps,
values and the order they were logged in). The learner's `best_run` then reads that store in its
own process; the checks read it back with `MlflowClient`.
"""

from __future__ import annotations

from ._shared import fresh_store, open_client, store_writer  # first: MLflow's environment

# isort: split

import math
from pathlib import Path

import numpy as np
from mlflow import MlflowClient
from mlflow.entities import ViewType

from autograder.assertions import differential, expect_raises, fail

T0 = 1_700_000_000_000  # a start time, in milliseconds since the epoch
AUC, LOSS = "valid_auc", "valid_log_loss"


# --- the store ------------------------------------------------------------------------------


class Store:
    """A fresh store in a check's exchange folder, and the runs the check puts in it."""

    def __init__(self, exchange: Path):
        self.folder = exchange
        self.uri = fresh_store(exchange)
        self.writer = store_writer(exchange / "mlflow.db")
        self._client: MlflowClient | None = None
        self.experiments: dict[str, str] = {}

    @property
    def client(self) -> MlflowClient:
        """A client to read the store back (opened when first needed)."""
        if self._client is None:
            self._client = open_client(self.uri)
        return self._client

    def experiment(self, name: str) -> str:
        if name not in self.experiments:
            self.experiments[name] = self.writer.experiment(
                name, str(self.folder / "artifacts" / name)
            )
        return self.experiments[name]

    def run(
        self,
        experiment: str,
        start: int,
        status: str = "FINISHED",
        history: dict[str, list] | None = None,
        deleted: bool = False,
    ) -> str:
        """A run that started at T0 + `start` ms, with `history`: metric -> [(step, value), ...]
        in the order they are logged (timestamps increase in that order), then ended with
        `status` at T0 + `start` + 5 s (still RUNNING or SCHEDULED: not ended), maybe deleted."""
        metrics = [
            (key, float(value), T0 + start + 1000 + i, step)
            for key, points in (history or {}).items()
            for i, (step, value) in enumerate(points)
        ]
        run_id, _ = self.writer.run(
            self.experiment(experiment),
            start_time=T0 + start,
            metrics=metrics,
            status=status,
            end_time=T0 + start + 5000,
            deleted=deleted,
        )
        return run_id

    def describe(self, run_id: str) -> str:
        """A run as the learner's messages name it: its status, start, latest values."""
        try:
            run = self.client.get_run(run_id)
        except Exception:  # noqa: BLE001 - not a run of this store
            return f"{run_id!r:.80}, which is not the id of a run in the store"
        deleted = ", deleted" if run.info.lifecycle_stage == "deleted" else ""
        return (
            f"run {run_id} ({run.info.status}{deleted}, started at T0 + "
            f"{run.info.start_time - T0} ms, latest values {run.data.metrics})"
        )

    def snapshot(self) -> list[tuple]:
        runs = self.client.search_runs(list(self.experiments.values()), run_view_type=ViewType.ALL)
        return sorted(
            (
                r.info.run_id,
                r.info.status,
                r.info.lifecycle_stage,
                r.info.end_time,
                tuple(sorted(r.data.metrics.items())),
            )
            for r in runs
        )


def _best(submission, store: Store, experiment: str, metric: str, mode: str) -> str:
    what = f"best_run(tracking_uri, {experiment!r}, {metric!r}, {mode!r})"
    try:
        got = submission.best_run(store.uri, experiment, metric, mode)
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(
            f"{what} raised {type(exc).__name__}: {str(exc).strip()[:300]}; the experiment has "
            "finished runs with that metric, so it should return the best one's run_id"
        )
    if not isinstance(got, str):
        fail(f"{what} returned {got!r:.80} ({type(got).__name__}); return the run_id, a str")
    return got


def _expect(submission, store: Store, experiment, metric, mode, expected: str, why: str) -> None:
    got = _best(submission, store, experiment, metric, mode)
    if got != expected:
        fail(
            f"best_run(tracking_uri, {experiment!r}, {metric!r}, {mode!r}) returned "
            f"{store.describe(got)}; "
            f"expected {store.describe(expected)}: {why}"
        )


# --- the checks -----------------------------------------------------------------------------


class TestBestValue:
    def test_max_picks_the_highest_value(self, submission, exchange):
        store = Store(exchange)
        store.run("auc", 100, history={AUC: [(0, 0.71)]})
        best = store.run("auc", 200, history={AUC: [(0, 0.84)]})
        store.run("auc", 300, history={AUC: [(0, 0.78)]})
        _expect(submission, store, "auc", AUC, "max", best, "mode='max': the highest value wins")

    def test_min_picks_the_lowest_value(self, submission, exchange):
        store = Store(exchange)
        store.run("loss", 100, history={LOSS: [(0, 0.52)]})
        store.run("loss", 200, history={LOSS: [(0, 0.61)]})
        best = store.run("loss", 300, history={LOSS: [(0, 0.37)]})
        store.run("loss", 400, history={LOSS: [(0, 0.45)]})
        _expect(submission, store, "loss", LOSS, "min", best, "mode='min': the lowest value wins")

    def test_the_named_metric_is_compared(self, submission, exchange):
        store = Store(exchange)
        by_auc = store.run("two", 100, history={AUC: [(0, 0.9)], LOSS: [(0, 0.6)]})
        by_loss = store.run("two", 200, history={AUC: [(0, 0.7)], LOSS: [(0, 0.3)]})
        _expect(submission, store, "two", AUC, "max", by_auc, f"compare {AUC}, the metric named")
        _expect(submission, store, "two", LOSS, "min", by_loss, f"compare {LOSS}, the metric named")

    def test_latest_step_not_first_nor_best(self, submission, exchange):
        store = Store(exchange)
        # first high, then falling; first low, then rising: the latest values decide
        falling = store.run("curves", 100, history={AUC: [(0, 0.95), (1, 0.7), (2, 0.62)]})
        rising = store.run("curves", 200, history={AUC: [(0, 0.5), (1, 0.66), (2, 0.8)]})
        why = "a run's value is its latest one (at the highest step), not its first or its best"
        _expect(submission, store, "curves", AUC, "max", rising, why)
        _expect(submission, store, "curves", AUC, "min", falling, why)

    def test_highest_step_not_last_logged(self, submission, exchange):
        store = Store(exchange)
        # steps logged out of order: 0, 2, 1; the value at step 2 is the latest
        jumbled = store.run("steps", 100, history={AUC: [(0, 0.5), (2, 0.9), (1, 0.6)]})
        store.run("steps", 200, history={AUC: [(0, 0.5), (1, 0.6), (2, 0.8)]})
        _expect(
            submission,
            store,
            "steps",
            AUC,
            "max",
            jumbled,
            "the latest value is the one at the highest step (0.9 at step 2), even when a lower "
            "step was logged after it",
        )
        # the same step logged twice: the later one counts
        store.run("relogged", 100, history={AUC: [(0, 0.5), (1, 0.95), (1, 0.7)]})
        fair = store.run("relogged", 200, history={AUC: [(0, 0.5), (1, 0.8)]})
        _expect(
            submission,
            store,
            "relogged",
            AUC,
            "max",
            fair,
            "at the same step, the value logged last counts (0.95 was replaced by 0.7)",
        )


class TestCandidates:
    def test_only_finished_runs(self, submission, exchange):
        store = Store(exchange)
        store.run("mixed", 100, "FAILED", history={AUC: [(0, 0.99)]})
        store.run("mixed", 200, "KILLED", history={AUC: [(0, 0.98)]})
        finished = store.run("mixed", 300, history={AUC: [(0, 0.8)]})
        store.run("mixed", 400, "RUNNING", history={AUC: [(0, 0.97)]})
        store.run("mixed", 500, "SCHEDULED", history={AUC: [(0, 0.96)]})
        store.run("mixed", 600, history={AUC: [(0, 0.7)]})
        _expect(
            submission,
            store,
            "mixed",
            AUC,
            "max",
            finished,
            "only FINISHED runs are candidates: a failed, killed, running or scheduled run's "
            "metric says nothing about a model you can use",
        )

    def test_only_finished_runs_for_min(self, submission, exchange):
        store = Store(exchange)
        store.run("mixed", 100, "FAILED", history={LOSS: [(0, 0.01)]})
        finished = store.run("mixed", 200, history={LOSS: [(0, 0.4)]})
        store.run("mixed", 300, "RUNNING", history={LOSS: [(0, 0.02)]})
        store.run("mixed", 400, history={LOSS: [(0, 0.5)]})
        _expect(
            submission,
            store,
            "mixed",
            LOSS,
            "min",
            finished,
            "only FINISHED runs are candidates, whichever the direction",
        )

    def test_runs_without_a_value_are_skipped(self, submission, exchange):
        store = Store(exchange)
        best = store.run("gaps", 100, history={LOSS: [(0, 0.42)]})
        store.run("gaps", 200, history={"train_log_loss": [(0, 0.05)]})  # not the metric
        store.run("gaps", 300, history={LOSS: [(0, 0.5)]})
        store.run("gaps", 400, history={LOSS: [(0, 0.1), (1, math.nan)]})  # diverged: NaN
        _expect(
            submission,
            store,
            "gaps",
            LOSS,
            "min",
            best,
            "a run without the metric, or whose latest value is NaN, is not a candidate",
        )

    def test_deleted_runs_are_skipped(self, submission, exchange):
        store = Store(exchange)
        store.run("trash", 100, history={AUC: [(0, 0.99)]}, deleted=True)
        best = store.run("trash", 200, history={AUC: [(0, 0.8)]})
        store.run("trash", 300, history={AUC: [(0, 0.6)]})
        _expect(submission, store, "trash", AUC, "max", best, "a deleted run is not a candidate")

    def test_other_experiments_are_ignored(self, submission, exchange):
        store = Store(exchange)
        store.run("fraud-old", 100, history={AUC: [(0, 0.99)]})
        best = store.run("fraud", 200, history={AUC: [(0, 0.8)]})
        store.run("fraud", 300, history={AUC: [(0, 0.75)]})
        store.run("fraud-v2", 400, history={AUC: [(0, 0.95)]})
        _expect(
            submission,
            store,
            "fraud",
            AUC,
            "max",
            best,
            "only the runs of the experiment named are candidates",
        )

    def test_store_is_not_changed(self, submission, exchange):
        store = Store(exchange)
        store.run("keep", 100, "FAILED", history={AUC: [(0, 0.9)]})
        store.run("keep", 200, history={AUC: [(0, 0.8)]})
        store.run("keep", 300, "RUNNING", history={AUC: [(0, 0.7)]})
        before = store.snapshot()
        _best(submission, store, "keep", AUC, "max")
        if store.snapshot() != before:
            fail(
                "after best_run the store's runs differ (their statuses, deletion, end times or "
                "metrics): best_run only reads the store, it changes nothing in it"
            )


class TestTies:
    def test_ties_go_to_the_earliest_run(self, submission, exchange):
        store = Store(exchange)
        # created in another order than they started, so that neither the order of creation
        # nor the store's own order (latest start first) gives the answer
        store.run("ties", 300, history={AUC: [(0, 0.8)]})
        earliest = store.run("ties", 100, history={AUC: [(0, 0.8)]})
        store.run("ties", 200, history={AUC: [(0, 0.8)]})
        store.run("ties", 50, history={AUC: [(0, 0.7)]})
        why = "equal values: the run with the smallest start_time wins"
        _expect(submission, store, "ties", AUC, "max", earliest, why)
        store.run("ties-min", 300, history={LOSS: [(0, 0.3)]})
        earliest = store.run("ties-min", 100, history={LOSS: [(0, 0.3)]})
        store.run("ties-min", 200, history={LOSS: [(0, 0.3)]})
        store.run("ties-min", 50, history={LOSS: [(0, 0.4)]})
        _expect(submission, store, "ties-min", LOSS, "min", earliest, why)

    def test_same_start_time_goes_to_the_smallest_run_id(self, submission, exchange):
        store = Store(exchange)
        ids = [store.run("same-start", 100, history={AUC: [(0, 0.8)]}) for _ in range(4)]
        store.run("same-start", 50, history={AUC: [(0, 0.6)]})
        _expect(
            submission,
            store,
            "same-start",
            AUC,
            "max",
            min(ids),
            "equal values and equal start times: the smallest run_id (string order) wins",
        )


class TestErrors:
    def test_unknown_mode(self, submission, exchange):
        store = Store(exchange)
        store.run("fraud", 100, history={AUC: [(0, 0.8)]})
        for mode in ("maximize", "MAX", "Min", "", "minimum"):
            expect_raises(
                ValueError,
                submission.best_run,
                store.uri,
                "fraud",
                AUC,
                mode,
                why=f"mode={mode!r}: only 'max' and 'min' are valid",
            )

    def test_unknown_experiment(self, submission, exchange):
        store = Store(exchange)
        store.run("fraud", 100, history={AUC: [(0, 0.8)]})
        expect_raises(
            ValueError,
            submission.best_run,
            store.uri,
            "fraud-v9",
            AUC,
            "max",
            why="there is no experiment named 'fraud-v9' in the store",
        )

    def test_no_run_qualifies(self, submission, exchange):
        store = Store(exchange)
        store.experiment("empty")
        store.run("unfinished", 100, "FAILED", history={AUC: [(0, 0.9)]})
        store.run("unfinished", 200, "RUNNING", history={AUC: [(0, 0.8)]})
        store.run("other-metric", 100, history={LOSS: [(0, 0.3)]})
        store.run("nan", 100, history={AUC: [(0, math.nan)]})
        cases = [
            ("empty", "an experiment without runs"),
            ("unfinished", "no FINISHED run"),
            ("other-metric", f"finished runs, none with {AUC}"),
            ("nan", f"a finished run whose {AUC} is NaN"),
        ]
        for name, what in cases:
            expect_raises(
                ValueError,
                submission.best_run,
                store.uri,
                name,
                AUC,
                "max",
                why=f"experiment {name!r} has {what}: no run qualifies",
            )


# --- differential ---------------------------------------------------------------------------

STATUSES = ["FINISHED"] * 5 + ["FAILED", "KILLED", "RUNNING"]


def _generated_experiments(store: Store):
    """Seeded experiments, smallest first: 1 to 9 runs, start times with repeats, statuses of
    every kind, histories of 1 to 4 steps (logged in a random order, a step now and then logged
    twice), values on a coarse grid so that ties happen, a NaN or a missing metric here and there;
    both modes."""
    for k, n_runs in enumerate([1, 2, 2, 3, 4, 5, 6, 8, 9]):
        rng = np.random.default_rng(4400 + k)
        name = f"generated-{k}"
        for _ in range(n_runs):
            n_steps = int(rng.integers(1, 5))
            steps = [int(s) for s in rng.permutation(n_steps)]
            if rng.random() < 0.3:
                steps.append(int(rng.choice(steps)))  # a step logged again
            points = [(s, float(rng.integers(0, 6)) / 10 + 0.3) for s in steps]
            if rng.random() < 0.1:
                points[-1] = (max(steps) + 1, math.nan)
            history = {AUC: points} if rng.random() > 0.1 else {LOSS: points}
            store.run(
                name,
                start=int(rng.integers(0, 4)) * 100,
                status=str(rng.choice(STATUSES)),
                history=history,
                deleted=bool(rng.random() < 0.1),
            )
        if k == 0:  # the one run of the smallest case finishes, with the metric
            store.run(name, start=0, history={AUC: [(0, 0.5)]})
        for mode in ("max", "min"):
            yield (
                f"experiment {name!r} of {n_runs + (k == 0)} runs, mode={mode!r}",
                lambda fn, name=name, mode=mode: fn(store.uri, name, AUC, mode),
            )


class _Raised:
    def __init__(self, exc: BaseException):
        self.kind = type(exc).__name__

    def __repr__(self) -> str:
        return f"{self.kind} raised"


class TestDifferential:
    def test_matches_reference_on_generated_stores(self, submission, reference, exchange):
        store = Store(exchange)
        cases = list(_generated_experiments(store))

        def outcome(run):
            def call(fn):
                try:
                    return run(fn)
                except NotImplementedError:
                    raise
                except ValueError as exc:
                    return _Raised(exc)

            return call

        def compare(got, expected, where: str) -> None:
            same = (isinstance(got, _Raised) and isinstance(expected, _Raised)) or got == expected
            if same:
                return
            shown = store.describe(got) if isinstance(got, str) else repr(got)
            wanted = store.describe(expected) if isinstance(expected, str) else "ValueError"
            fail(f"{where}: got {shown}, expected {wanted}")

        differential(
            [(where, outcome(run)) for where, run in cases],
            submission.best_run,
            reference.best_run,
            compare,
            "best_run(tracking_uri, experiment, 'valid_auc', mode)",
        )
