"""Checks for capstone/batch (see solutions/capstone/fraudsys/batch.py for the reference).

The input files are the hidden world's future payments as the cleaning step types them
(categories, UTC timestamps, the leaky columns and other extra columns still there), written
here with pandas. The model is fitted here on the learner's own `build_features` of past
payments (computed in the learner's process, as for part SERVE's checks) and saved beside the
exercise's exchange folder once per grading. The expected score of a row is the service's:
`predict_proba` of `build_features` of the row's request columns (`_shared.request_rows`: what a
client sends), so a batch job that builds other features than the service fails. Probes in the
learner's process replace the module's `load_model` to count loads, to fail halfway, or to watch
the output's folder, and measure the peak memory of a small and of a 10 times larger file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sklearn.linear_model  # noqa: F401
import skops.io  # noqa: F401

from autograder.assertions import fail, peak_allocation

from . import _shared
from .service import TRAIN_ROWS, _learner_features, _sample

VERSION = "fraudsys-batch-check-1"
TOLERANCE = 1e-9
FAILED_ON_PURPOSE = "the model failed on purpose, halfway through the file"
INPUT_COLUMNS = _shared.REQUEST_COLUMNS


# --- the model, the input rows and their expected scores ----------------------------------------


_prepared: dict[str, dict] = {}


def _features_failed(submission: Any, exchange: Path, got: dict) -> None:
    if got.get("missing"):
        # An untouched score_file is "not attempted" (it raises NotImplementedError).
        with contextlib.suppress(ValueError):
            submission.score_file(
                str(exchange / "none.skops"),
                str(exchange / "none.parquet"),
                str(exchange / "out.parquet"),
                chunk_rows=0,
            )
        fail(
            "fraudsys.features.build_features raised NotImplementedError: the batch job "
            "scores with part QUALITY's features, so write build_features first"
        )
    if got.get("error"):
        fail(
            f"fraudsys.features.build_features raised {got['error']} on the columns a client "
            "sends (coursekit.schemas.Transaction's fields): the job cannot score with it"
        )


def _prepare(submission: Any, exchange: Path) -> dict:
    """The checks' model file (fitted on the learner's features), 3,000 future payments and
    their expected scores; made once per exercise."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from coursekit.model_io import save_model

    key = str(Path(exchange).parent)
    if key in _prepared:
        return _prepared[key]
    train_rows = _sample("past", TRAIN_ROWS, 11)
    train = _learner_features(submission, train_rows)
    _features_failed(submission, exchange, train)
    columns = train["columns"]
    X = pd.DataFrame(train["values"], columns=columns)
    if not np.isfinite(X.to_numpy()).all():
        fail("build_features returned NaN or infinite values: no model can be fitted on them")
    model = Pipeline(
        [("scale", StandardScaler()), ("classify", LogisticRegression(max_iter=500))]
    ).fit(X, train_rows["is_fraud"].to_numpy().astype(np.int64))
    folder = Path(exchange).parent / "capstone-batch-model"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.skops"
    save_model(model, path, {"model_version": VERSION})

    future = _shared.future()
    rng = np.random.default_rng(21)
    picked = np.sort(rng.choice(len(future), size=3000, replace=False))
    rows = future.iloc[picked].reset_index(drop=True)
    got = _learner_features(submission, rows)
    _features_failed(submission, exchange, got)
    expected = model.predict_proba(pd.DataFrame(got["values"], columns=columns))[:, 1]
    _prepared[key] = {"path": path, "rows": rows, "expected": np.asarray(expected)}
    return _prepared[key]


def _input(rows: pd.DataFrame, path: Path, row_group_size: int = 500) -> Path:
    """`rows` as the cleaning step leaves them (every column, categories, UTC timestamps), with
    the leaky columns still there, garbage in them."""
    frame = rows.copy()
    frame["chargeback_at"] = pd.Timestamp("2030-01-01", tz="UTC")
    frame["days_to_chargeback"] = -1.0
    frame["note"] = "extra column, ignore"
    frame.to_parquet(path, index=False, row_group_size=row_group_size)
    return path


def _read_output(path: Path, where: str) -> pd.DataFrame:
    if not path.is_file():
        fail(f"no output file {path.name} after score_file returned, on {where}")
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - not Parquet
        fail(f"the output {path.name} is not a readable Parquet file ({exc}), on {where}")
    names = [c for c in table.column_names if not c.startswith("__index_level_")]
    if names != ["transaction_id", "score"]:
        fail(f"the output has columns {names}, expected ['transaction_id', 'score'], on {where}")
    types = [str(table.schema.field(n).type) for n in names]
    if types != ["int64", "double"]:
        fail(
            f"the output's columns have the types {types}, expected ['int64', 'double'] "
            f"(transaction_id as read, the score as a float64), on {where}"
        )
    return table.select(names).to_pandas()


def _check_scores(out: pd.DataFrame, rows: pd.DataFrame, want: np.ndarray, where: str) -> None:
    ids = rows["transaction_id"].to_numpy()
    if len(out) != len(rows):
        fail(f"the output has {len(out)} rows for {len(rows)} input rows, on {where}")
    if not np.array_equal(out["transaction_id"].to_numpy(), ids):
        k = int(np.argmax(out["transaction_id"].to_numpy() != ids))
        fail(
            f"the output's row {k} has transaction_id {out['transaction_id'].iloc[k]}, expected "
            f"{ids[k]}: one row per input row, in the input's order, on {where}"
        )
    gap = np.abs(out["score"].to_numpy() - want)
    if not (gap <= TOLERANCE).all():
        k = int(np.nanargmax(np.where(np.isnan(gap), np.inf, gap)))
        fail(
            f"transaction {ids[k]} got the score {out['score'].iloc[k]!r} from the batch job, "
            f"but {want[k]:.12f} from the service's path (predict_proba of build_features of "
            f"the request's columns), on {where}: the batch job and the service must build the "
            "same features (the INPUT_COLUMNS as they are, the timestamp in UTC, float64 "
            "amounts) with the same build_features, or the model meets other inputs offline"
        )


def _score(submission: Any, model_path, in_path, out_path, where: str, **kwargs: Any) -> Any:
    try:
        return submission.score_file(str(model_path), str(in_path), str(out_path), **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, a failed check
        fail(f"score_file raised {type(exc).__name__}: {str(exc)[:300]}, on {where}")


# --- probes (in the learner's process) ----------------------------------------------------------


class _Wrapped:
    """A model that delegates to the real one, and fails after `limit` rows or watches the
    output's folder at each call."""

    def __init__(self, model: Any, limit: int | None, watch: str | None) -> None:
        self.model = model
        self.limit = limit
        self.watch = Path(watch) if watch else None
        self.seen = 0
        self.log: list[tuple[list[str], bytes | None]] = []
        self.feature_names_in_ = getattr(model, "feature_names_in_", None)
        self.classes_ = getattr(model, "classes_", None)

    def predict_proba(self, X: Any) -> Any:
        self.seen += len(X)
        if self.limit is not None and self.seen > self.limit:
            raise RuntimeError(FAILED_ON_PURPOSE)
        if self.watch is not None:
            content = self.watch.read_bytes() if self.watch.is_file() else None
            self.log.append((sorted(os.listdir(self.watch.parent)), content))
        return self.model.predict_proba(X)


def _run_wrapped(
    module: Any, model_path: str, in_path: str, out_path: str, chunk_rows: int, limit, watch
) -> dict:
    """score_file with load_model replaced: it counts its calls and hands out a _Wrapped model."""
    from coursekit.model_io import load_model

    loads: list[str] = []
    wrapped: list[_Wrapped] = []

    def wrapping_load(path: Any, *args: Any, **kwargs: Any) -> Any:
        loads.append(str(path))
        model, metadata = load_model(path, *args, **kwargs)
        wrapped.append(_Wrapped(model, limit, watch))
        return wrapped[-1], metadata

    old = module.load_model
    module.load_model = wrapping_load
    try:
        result = module.score_file(model_path, in_path, out_path, chunk_rows=chunk_rows)
        raised = None
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the fact we want
        result, raised = None, f"{type(exc).__name__}: {exc}"
    finally:
        module.load_model = old
    return {
        "result": result,
        "raised": raised,
        "loads": loads,
        "log": wrapped[0].log if wrapped else [],
        "calls_seen": [w.seen for w in wrapped],
    }


def _peaks(module: Any, model_path: str, small: str, large: str, out_path: str, chunk: int):
    """Peak bytes (tracemalloc plus Arrow's memory pool) of score_file on the small file and on
    the large one, after a warm-up run."""
    module.score_file(model_path, small, out_path, chunk_rows=chunk)  # imports, caches
    peaks = []
    for path in (small, large):
        default = pa.default_memory_pool()
        pool = pa.proxy_memory_pool(default)
        pa.set_memory_pool(pool)
        try:
            _, traced = peak_allocation(
                module.score_file, model_path, path, out_path, chunk_rows=chunk
            )
        finally:
            pa.set_memory_pool(default)
        peaks.append(int(traced) + int(pool.max_memory()))
    return peaks


# --- the checks ---------------------------------------------------------------------------------


class TestScores:
    def test_scores_match_the_service(self, submission, exchange):
        prep = _prepare(submission, exchange)
        rows, want = prep["rows"], prep["expected"]
        in_path = _input(rows, exchange / "day.parquet")
        out_path = exchange / "scores.parquet"
        where = "3,000 payments of the hidden weeks, chunk_rows=700"
        n = _score(submission, prep["path"], in_path, out_path, where, chunk_rows=700)
        _check_scores(_read_output(out_path, where), rows, want, where)
        if n != len(rows) or isinstance(n, bool):
            fail(f"score_file returned {n!r}, expected the number of rows scored, {len(rows)}")

    def test_same_output_for_every_chunk_size(self, submission, exchange):
        prep = _prepare(submission, exchange)
        rows, want = prep["rows"].iloc[:23].reset_index(drop=True), prep["expected"][:23]
        in_path = _input(rows, exchange / "day.parquet", row_group_size=10)
        for chunk_rows in (1, 4, 10, 22, 23, 1000):
            out_path = exchange / f"scores-{chunk_rows}.parquet"
            where = f"23 payments, chunk_rows={chunk_rows}"
            n = _score(submission, prep["path"], in_path, out_path, where, chunk_rows=chunk_rows)
            _check_scores(_read_output(out_path, where), rows, want, where)
            if n != 23:
                fail(f"score_file returned {n!r} on {where}, expected 23")

    def test_default_chunk_rows(self, submission, exchange):
        prep = _prepare(submission, exchange)
        rows, want = prep["rows"].iloc[:50].reset_index(drop=True), prep["expected"][:50]
        in_path = _input(rows, exchange / "day.parquet")
        out_path = exchange / "scores.parquet"
        where = "50 payments, chunk_rows not given"
        try:
            n = submission.score_file(str(prep["path"]), in_path, out_path)  # Paths, no keyword
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001
            fail(f"score_file raised {type(exc).__name__}: {exc}, on {where} (Path arguments)")
        _check_scores(_read_output(out_path, where), rows, want, where)
        if n != 50:
            fail(f"score_file returned {n!r} on {where}, expected 50")

    def test_timestamps_in_another_zone(self, submission, exchange):
        prep = _prepare(submission, exchange)
        rows, want = prep["rows"].iloc[:200].reset_index(drop=True), prep["expected"][:200]
        shifted = rows.copy()
        shifted["timestamp"] = shifted["timestamp"].dt.tz_convert("America/New_York")
        in_path = _input(shifted, exchange / "day.parquet")
        out_path = exchange / "scores.parquet"
        where = "200 payments whose timestamps the file holds in America/New_York time"
        _score(submission, prep["path"], in_path, out_path, where, chunk_rows=64)
        _check_scores(_read_output(out_path, where), rows, want, where)

    def test_no_rows(self, submission, exchange):
        prep = _prepare(submission, exchange)
        in_path = _input(prep["rows"].iloc[:0], exchange / "empty.parquet")
        out_path = exchange / "scores.parquet"
        where = "a file with the columns and no rows"
        n = _score(submission, prep["path"], in_path, out_path, where, chunk_rows=100)
        out = _read_output(out_path, where)
        if len(out) or n != 0:
            fail(f"on {where}, score_file returned {n!r} and wrote {len(out)} rows: expected 0")

    def test_model_loaded_once(self, submission, exchange):
        prep = _prepare(submission, exchange)
        in_path = _input(prep["rows"].iloc[:300], exchange / "day.parquet")
        out_path = exchange / "scores.parquet"
        got = submission.observe(
            _run_wrapped, str(prep["path"]), str(in_path), str(out_path), 50, None, None
        )
        if got["raised"]:
            fail(f"score_file raised {got['raised'][:300]} on 300 payments, chunk_rows=50")
        if got["loads"] != [str(prep["path"])]:
            fail(
                f"score_file called load_model {len(got['loads'])} times ({got['loads'][:3]}) "
                "for one file of 6 chunks, expected once, with model_path: load the model "
                "once per call, before the first chunk"
            )
        if got["calls_seen"] != [300]:
            fail(f"the model was given {got['calls_seen']} rows in all, expected 300")


class TestArguments:
    def test_bad_arguments_raise_before_writing(self, submission, exchange):
        prep = _prepare(submission, exchange)
        rows = prep["rows"].iloc[:20]
        good = _input(rows, exchange / "day.parquet")
        csv_in = exchange / "day.csv"
        rows.to_csv(csv_in, index=False)
        lacking = exchange / "lacking.parquet"
        rows.drop(columns=["channel"]).to_parquet(lacking, index=False)
        out = exchange / "scores.parquet"
        cases = [
            ({"chunk_rows": 0}, good, out, "chunk_rows=0"),
            ({"chunk_rows": -5}, good, out, "chunk_rows=-5"),
            ({"chunk_rows": True}, good, out, "chunk_rows=True"),
            ({"chunk_rows": 2.5}, good, out, "chunk_rows=2.5"),
            ({"chunk_rows": "100"}, good, out, "chunk_rows='100'"),
            ({"chunk_rows": 10}, csv_in, out, "an input file ending in .csv"),
            ({"chunk_rows": 10}, good, exchange / "scores.csv", "an output ending in .csv"),
            ({"chunk_rows": 10}, lacking, out, "an input without the channel column"),
        ]
        before = sorted(os.listdir(exchange))
        for kwargs, in_path, out_path, what in cases:
            try:
                submission.score_file(str(prep["path"]), str(in_path), str(out_path), **kwargs)
            except NotImplementedError:
                raise
            except ValueError as exc:
                if "channel" in what and "channel" not in str(exc):
                    fail(f"on {what}, the ValueError says {str(exc)[:200]!r}: name the column")
            except Exception as exc:  # noqa: BLE001
                fail(
                    f"score_file raised {type(exc).__name__}: {exc} on {what}, expected ValueError"
                )
            else:
                fail(f"score_file accepted {what}: expected ValueError, before writing anything")
            after = sorted(os.listdir(exchange))
            if after != before:
                fail(
                    f"score_file left {sorted(set(after) - set(before))} behind on {what}: a bad "
                    "argument is refused before anything is written"
                )


class TestAtomicWrite:
    def test_failure_halfway_leaves_no_file(self, submission, exchange):
        prep = _prepare(submission, exchange)
        in_path = _input(prep["rows"].iloc[:400], exchange / "day.parquet", row_group_size=100)
        out_path = exchange / "scores.parquet"
        before = sorted(os.listdir(exchange))
        got = submission.observe(
            _run_wrapped, str(prep["path"]), str(in_path), str(out_path), 50, 220, None
        )
        if not got["raised"] or FAILED_ON_PURPOSE not in got["raised"]:
            fail(
                f"the model raised RuntimeError({FAILED_ON_PURPOSE!r}) on its 5th chunk, but "
                f"score_file {'raised ' + got['raised'][:200] if got['raised'] else 'returned'}"
                ": let the exception propagate, unchanged"
            )
        after = sorted(os.listdir(exchange))
        if after != before:
            fail(
                f"after the model failed halfway, the folder holds {sorted(set(after) - set(before))}"
                " that were not there before: a half-written output (or a leftover temporary "
                "file). Write into a temporary file, os.replace it onto output_path only once "
                "every chunk is written, and delete it when anything fails"
            )

    def test_failure_keeps_previous_output(self, submission, exchange):
        prep = _prepare(submission, exchange)
        in_path = _input(prep["rows"].iloc[:400], exchange / "day.parquet", row_group_size=100)
        out_path = exchange / "scores.parquet"
        pd.DataFrame({"transaction_id": [1, 2], "score": [0.25, 0.5]}).to_parquet(out_path)
        old = out_path.read_bytes()
        got = submission.observe(
            _run_wrapped, str(prep["path"]), str(in_path), str(out_path), 50, 220, None
        )
        if not got["raised"]:
            fail("score_file returned although the model raised halfway")
        if not out_path.is_file() or out_path.read_bytes() != old:
            fail(
                "after the model failed halfway, yesterday's output_path was gone or changed: "
                "the step after this job would read a half-written file. Leave it alone until "
                "the new file is complete"
            )

    def test_writes_a_temporary_file_beside_the_output(self, submission, exchange):
        prep = _prepare(submission, exchange)
        in_path = _input(prep["rows"].iloc[:300], exchange / "day.parquet", row_group_size=100)
        outdir = exchange / "out"
        outdir.mkdir()
        out_path = outdir / "scores.parquet"
        got = submission.observe(
            _run_wrapped, str(prep["path"]), str(in_path), str(out_path), 100, None, str(out_path)
        )
        if got["raised"]:
            fail(f"score_file raised {got['raised'][:300]} on 300 payments")
        log = got["log"]
        if len(log) < 3:
            fail(f"the model was called {len(log)} times for 3 chunks of 100, expected 3")
        for k, (listing, content) in enumerate(log[1:], start=2):
            if content is not None:
                fail(
                    f"when chunk {k} was scored, output_path already existed: write the chunks "
                    "into a temporary file and move it onto output_path (os.replace) at the end"
                )
            if not [name for name in listing if name != out_path.name]:
                fail(
                    f"when chunk {k} was scored, output_path's folder held nothing: write the "
                    "temporary file in output_path's own folder (the same file system, so that "
                    "os.replace moves it in one step)"
                )
        final = sorted(os.listdir(outdir))
        if final != [out_path.name]:
            fail(f"after score_file, output_path's folder holds {final}, expected only the output")


class TestMemory:
    def test_memory_stays_flat(self, submission, exchange):
        prep = _prepare(submission, exchange)
        future = _shared.future().copy()
        for column in INPUT_COLUMNS[3:]:  # plain text, as clean_raw leaves it (not categories)
            future[column] = future[column].astype(str)
        chunk = 500
        small = _input(future.iloc[:1000].reset_index(drop=True), exchange / "s.parquet", chunk)
        big = pd.concat([future.iloc[:1000]] * 10, ignore_index=True)
        large = _input(big, exchange / "l.parquet", chunk)
        small_peak, large_peak = submission.observe(
            _peaks, str(prep["path"]), str(small), str(large), str(exchange / "o.parquet"), chunk
        )
        if large_peak > 2.5 * small_peak:
            fail(
                f"scoring a file of 10,000 rows took {large_peak / 1e6:.2f} MB at its peak, "
                f"{large_peak / max(small_peak, 1):.1f} times the {small_peak / 1e6:.2f} MB of a "
                f"file of 1,000 rows (chunk_rows={chunk}): the memory grows with the file. Read "
                "it chunk by chunk (ParquetFile.iter_batches(batch_size=chunk_rows)) and write "
                "each chunk's scores before reading the next"
            )
