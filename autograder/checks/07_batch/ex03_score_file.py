"""Checks for 07_batch/ex03_score_file (see solutions/07_batch/ex03_score_file.py for the reference)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from sklearn.linear_model import LogisticRegression

from autograder.assertions import assert_close, fail, peak_allocation

# ex03 · score_file

FEATURES = ["amount", "age_days", "n_prev", "hour"]  # the model's order
# The file's order differs from the model's, `id` is not first, and `note` must be left out.
FILE_COLUMNS = ["note", "hour", "id", "amount", "n_prev", "age_days"]
FAILED_ON_PURPOSE = "the model failed on purpose, halfway through the file"


def _model(seed: int = 0) -> LogisticRegression:
    """A fitted classifier that knows its features (fitted on a DataFrame)."""
    train = _table(300, seed=900 + seed)
    logit = 0.8 * train["amount"] - 0.05 * train["age_days"] + 0.4 * train["n_prev"]
    y = (logit + np.random.default_rng(seed).normal(size=len(train)) > 0).astype(int)
    return LogisticRegression().fit(train[FEATURES], y)


def _table(n: int, seed: int, ids: str = "int") -> pd.DataFrame:
    """`n` rows in FILE_COLUMNS order, with shuffled, non-contiguous ids (int or str)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    id_col = order * 7 + 1003 if ids == "int" else np.array([f"tx-{k:05d}" for k in order * 7])
    frame = pd.DataFrame(
        {
            "note": rng.choice(["ok", "late", "new"], size=n),
            "hour": rng.integers(0, 24, size=n).astype(np.float64),
            "id": id_col,
            "amount": rng.normal(0.0, 2.0, size=n).round(4),
            "n_prev": rng.poisson(3.0, size=n).astype(np.float64),
            "age_days": rng.uniform(0, 40, size=n).round(3),
        }
    )
    return frame[FILE_COLUMNS]


def _write(frame: pd.DataFrame, path: Path, row_group_size: int = 4) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False, row_group_size=row_group_size)
    return path


def _expected(frame: pd.DataFrame, model: Any) -> np.ndarray:
    """The scores of the whole table, scored at once in memory."""
    return model.predict_proba(frame[FEATURES])[:, 1]


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _score(submission, in_path, out_path, model, chunk_size, where: str) -> Any:
    try:
        return submission.score_file(in_path, out_path, model, chunk_size)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(
            f"score_file raised {type(exc).__name__}: {exc}, on {where}, where it should have "
            "scored the file"
        )


def _read_output(path: Path, ids: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) of an output file, read as data; fails on a wrong layout."""
    if not path.is_file():
        fail(f"no output file {path.name} after score_file returned, on {where}")
    if path.suffix == ".csv":
        first = path.read_text(encoding="utf-8").split("\n", 1)[0].strip()
        if first != "id,score":
            fail(
                f"the output CSV's first line is {first!r:.80}, expected the header 'id,score' "
                f"(two columns, no index column), on {where}"
            )
        out = pd.read_csv(path, dtype={"id": str})
        got_ids = out["id"].astype(str).to_numpy()
    else:
        try:
            table = pq.read_table(path)
        except Exception as exc:  # noqa: BLE001 - not a readable Parquet file
            fail(f"the output {path.name} is not a readable Parquet file ({exc}), on {where}")
        names = [c for c in table.column_names if not c.startswith("__index_level_")]
        if names != ["id", "score"]:
            fail(
                f"the output Parquet file has columns {names}, expected ['id', 'score'], on {where}"
            )
        out = table.select(["id", "score"]).to_pandas()
        got_ids = out["id"].to_numpy()
        dtype = out["id"].dtype
        ok = (
            pd.api.types.is_integer_dtype(dtype)
            if ids == "int"
            else pd.api.types.is_string_dtype(dtype)
        )
        if not ok:
            fail(
                f"the output's id column has dtype {out['id'].dtype}, but the input's ids are "
                f"{'integers' if ids == 'int' else 'strings'}: write the ids as read, on {where}"
            )
    try:
        scores = np.asarray(out["score"], dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"the output's score column holds {out['score'].head(3).tolist()}, not numbers")
    return got_ids, scores


def _expected_ids(frame: pd.DataFrame, path: Path) -> np.ndarray:
    return frame["id"].astype(str).to_numpy() if path.suffix == ".csv" else frame["id"].to_numpy()


def _check_output(frame, model, out_path: Path, ids: str, where: str) -> None:
    got_ids, scores = _read_output(out_path, ids, where)
    want_ids = _expected_ids(frame, out_path)
    if len(got_ids) != len(want_ids):
        fail(
            f"the output has {len(got_ids)} rows, expected {len(want_ids)} (one per input row), "
            f"on {where}"
        )
    bad = np.flatnonzero(np.asarray(got_ids, dtype=object) != np.asarray(want_ids, dtype=object))
    if bad.size:
        k = int(bad[0])
        fail(
            f"output row {k} has id {got_ids[k]!r}, expected {want_ids[k]!r}: the ids must be "
            f"written as read, in the input's order (they are shuffled on purpose), on {where}"
        )
    assert_close(
        scores,
        _expected(frame, model),
        f"the scores of {where}",
        rtol=0,
        atol=1e-12,
        why="each row's score must be model.predict_proba of that row's features (in the order "
        "of model.feature_names_in_), next to that row's id, at full precision (no rounding, "
        "no float_format): the same as scoring the whole table at once, whatever the chunk size",
    )


def _scored_case(submission, exchange, tag, frame, model, chunk_size, fmt_in, fmt_out, ids="int"):
    """Write `frame`, score it into its own folder, check the output, the count and the folder."""
    folder = exchange / tag
    folder.mkdir()
    in_path = _write(frame, folder / f"table.{fmt_in}")
    out_path = folder / f"scores.{fmt_out}"
    where = (
        f"a {fmt_in} file of {len(frame)} rows with {ids} ids, chunk_size={chunk_size!r}, "
        f"written as {fmt_out}"
    )
    rows = _score(submission, str(in_path), str(out_path), model, chunk_size, where)
    _check_output(frame, model, out_path, ids, where)
    if isinstance(rows, bool) or not isinstance(rows, int | np.integer) or rows != len(frame):
        fail(f"score_file returned {rows!r}, expected {len(frame)} (the number of rows scored)")
    left = _listing(folder)
    if left != sorted([in_path.name, out_path.name]):
        fail(
            f"after scoring {where}, the folder holds {left}: only the input and the output "
            "should be there (remove the temporary file, or rather move it onto out_path)"
        )


class _FailsAfter:
    """A fitted model that raises once it has seen more than `limit` rows: the job dies halfway."""

    def __init__(self, model: LogisticRegression, limit: int) -> None:
        self.model = model
        self.limit = limit
        self.seen = 0
        self.feature_names_in_ = model.feature_names_in_
        self.classes_ = model.classes_

    def predict_proba(self, X):
        self.seen += len(X)
        if self.seen > self.limit:
            raise RuntimeError(FAILED_ON_PURPOSE)
        return self.model.predict_proba(X)


class _Watcher:
    """A fitted model that looks at out_path's folder each time it is called (in the learner's
    process, through `submission.observe`)."""

    def __init__(self, model: LogisticRegression, out_path: str) -> None:
        self.model = model
        self.out_path = Path(out_path)
        self.feature_names_in_ = model.feature_names_in_
        self.classes_ = model.classes_
        self.log: list[tuple[list[str], bytes | None]] = []

    def predict_proba(self, X):
        content = self.out_path.read_bytes() if self.out_path.is_file() else None
        self.log.append((sorted(os.listdir(self.out_path.parent)), content))
        return self.model.predict_proba(X)


def _watch_writes(module, in_path: str, out_path: str, model, chunk_size: int) -> list:
    """Run the learner's score_file with a watching model; return what it saw at each call."""
    watcher = _Watcher(model, out_path)
    module.score_file(in_path, out_path, watcher, chunk_size)
    return watcher.log


def _peaks(module, small: str, large: str, out_path: str, model, chunk_size: int) -> list:
    """Peak bytes (traced by tracemalloc, plus Arrow's memory pool) of score_file on the small
    file and on the large one, in the learner's process, after a warm-up run."""
    import pyarrow as pa

    module.score_file(small, out_path, model, chunk_size)  # imports and caches, not measured
    peaks = []
    for path in (small, large):
        default = pa.default_memory_pool()
        pool = pa.proxy_memory_pool(default)  # counts Arrow's allocations from zero
        pa.set_memory_pool(pool)
        try:
            _, traced = peak_allocation(module.score_file, path, out_path, model, chunk_size)
        finally:
            pa.set_memory_pool(default)
        peaks.append(int(traced) + int(pool.max_memory()))
    return peaks


def _memory_table(n: int, seed: int) -> pd.DataFrame:
    """A table of integer features (quick to write as CSV), ids shuffled."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.integers(0, 1000, size=(n, len(FEATURES))), columns=FEATURES)
    frame.insert(0, "id", rng.permutation(n) + 10**6)
    return frame


class TestScoreFile:
    def test_hand_built_csv(self, submission, exchange):
        # 7 rows, chunks of 3 (3 + 3 + 1): the file's columns are not in the model's order.
        model = _model()
        frame = _table(7, seed=1)
        _scored_case(submission, exchange, "hand", frame, model, 3, "csv", "csv")

    def test_every_chunk_boundary(self, submission, exchange):
        model = _model()
        frame = _table(7, seed=2)
        for chunk_size in (1, 2, 3, 6, 7, 8, 100):
            _scored_case(
                submission, exchange, f"c{chunk_size}", frame, model, chunk_size, "csv", "csv"
            )

    def test_csv_and_parquet_in_and_out(self, submission, exchange):
        model = _model(1)
        for k, (fmt_in, fmt_out) in enumerate(
            [("csv", "parquet"), ("parquet", "csv"), ("parquet", "parquet"), ("csv", "csv")]
        ):
            frame = _table(23, seed=10 + k)
            _scored_case(submission, exchange, f"f{k}", frame, model, 5, fmt_in, fmt_out)

    def test_string_ids(self, submission, exchange):
        model = _model(2)
        for k, (fmt_in, fmt_out) in enumerate([("parquet", "parquet"), ("csv", "csv")]):
            frame = _table(11, seed=20 + k, ids="str")
            _scored_case(submission, exchange, f"s{k}", frame, model, 4, fmt_in, fmt_out, "str")

    def test_generated_tables(self, submission, exchange):
        # Seeded tables, smallest first: sizes from 1 row, chunk sizes from 1 to past the end.
        model = _model(3)
        cases = [(1, 1), (2, 1), (3, 2), (5, 6), (10, 3), (10, 9), (31, 4), (64, 16), (97, 10)]
        formats = [("csv", "csv"), ("parquet", "parquet"), ("csv", "parquet"), ("parquet", "csv")]
        for k, (n, chunk_size) in enumerate(cases):
            fmt_in, fmt_out = formats[k % 4]
            frame = _table(n, seed=100 + k)
            _scored_case(submission, exchange, f"g{k}", frame, model, chunk_size, fmt_in, fmt_out)

    def test_paths_and_numpy_chunk_size(self, submission, exchange):
        # A Path for each file, and a NumPy integer for chunk_size, are accepted.
        model = _model()
        frame = _table(9, seed=4)
        in_path = _write(frame, exchange / "table.parquet")
        out_path = exchange / "scores.csv"
        where = "a Parquet file of 9 rows given as a pathlib.Path, chunk_size=np.int64(4)"
        _score(submission, in_path, out_path, model, np.int64(4), where)
        _check_output(frame, model, out_path, "int", where)

    def test_no_rows(self, submission, exchange):
        model = _model()
        for fmt in ("csv", "parquet"):
            folder = exchange / fmt
            folder.mkdir()
            in_path = _write(_table(0, seed=5), folder / f"table.{fmt}")
            out_path = folder / f"scores.{fmt}"
            where = f"a {fmt} file with its columns but no rows"
            try:
                rows = submission.score_file(str(in_path), str(out_path), model, 10)
            except NotImplementedError:
                raise
            except Exception as exc:  # noqa: BLE001
                fail(
                    f"score_file raised {type(exc).__name__}: {exc}, on {where}: a chunk with no "
                    "rows must not reach the model (predict_proba rejects an empty X); the "
                    "output is then the two columns and no rows"
                )
            got_ids, _ = _read_output(out_path, "int", where)
            if len(got_ids) or rows != 0:
                fail(f"on {where}, expected 0 output rows and a return of 0, got {rows!r}")

    def test_wrong_arguments_raise_before_writing(self, submission, exchange):
        model = _model()
        frame = _table(6, seed=6)
        in_csv = _write(frame, exchange / "table.csv")
        out_csv = exchange / "scores.csv"
        (exchange / "table.txt").write_text(in_csv.read_text())
        no_names = LogisticRegression().fit(frame[FEATURES].to_numpy(), np.arange(6) % 2)
        cases = [
            ((in_csv, out_csv, model, 0), "chunk_size=0"),
            ((in_csv, out_csv, model, -4), "chunk_size=-4"),
            ((in_csv, out_csv, model, 2.5), "chunk_size=2.5 (not an integer)"),
            ((in_csv, out_csv, model, True), "chunk_size=True (a bool is not a size)"),
            ((in_csv, out_csv, model, "100"), "chunk_size='100' (a string)"),
            ((in_csv, out_csv, model, None), "chunk_size=None"),
            ((exchange / "table.txt", out_csv, model, 3), "an input named .txt"),
            ((in_csv, exchange / "scores.json", model, 3), "an output named .json"),
            ((in_csv, exchange / "scores", model, 3), "an output with no suffix"),
            ((in_csv, out_csv, no_names, 3), "a model without feature_names_in_"),
        ]
        for k, drop in enumerate(["id", "n_prev"]):
            path = _write(frame.drop(columns=drop), exchange / f"lacks{k}.csv")
            cases.append(((path, out_csv, model, 3), f"an input without its {drop!r} column"))
        before = _listing(exchange)
        for (in_path, out_path, m, chunk_size), why in cases:
            try:
                submission.score_file(str(in_path), str(out_path), m, chunk_size)
            except NotImplementedError:
                raise
            except ValueError:
                pass
            except Exception as exc:  # noqa: BLE001
                fail(
                    f"expected ValueError for {why}, but your code raised {type(exc).__name__}: {exc}"
                )
            else:
                fail(f"expected ValueError for {why}, but nothing was raised")
            after = _listing(exchange)
            if after != before:
                fail(
                    f"after the ValueError for {why}, the folder holds {after}, it held {before}: "
                    "a call that fails must leave nothing behind"
                )

    def test_failure_halfway_leaves_no_file(self, submission, exchange):
        model = _model()
        frame = _table(20, seed=7)
        for fmt_in, fmt_out in (("csv", "csv"), ("parquet", "parquet")):
            folder = exchange / f"{fmt_in}-{fmt_out}"
            folder.mkdir()
            in_path = _write(frame, folder / f"table.{fmt_in}")
            out_path = folder / f"scores.{fmt_out}"
            _expect_failure(submission, in_path, out_path, _FailsAfter(model, 10), fmt_out)
            left = _listing(folder)
            if left != [in_path.name]:
                fail(
                    f"the model raised on the 3rd chunk of 5 ({fmt_out} output), and the folder "
                    f"now holds {left}, expected only {[in_path.name]}: a failed job must leave "
                    "no output (a half-written file looks complete to the next step) and no "
                    "temporary file"
                )

    def test_failure_keeps_previous_output(self, submission, exchange):
        model = _model()
        frame = _table(20, seed=8)
        for fmt in ("csv", "parquet"):
            folder = exchange / fmt
            folder.mkdir()
            in_path = _write(frame, folder / f"table.{fmt}")
            out_path = folder / f"scores.{fmt}"
            _write(pd.DataFrame({"id": [1, 2], "score": [0.25, 0.75]}), out_path)
            old = out_path.read_bytes()
            _expect_failure(submission, in_path, out_path, _FailsAfter(model, 10), fmt)
            left = _listing(folder)
            if not out_path.is_file():
                fail(
                    f"the model raised on the 3rd chunk of 5, and the existing {out_path.name} is "
                    "gone: yesterday's complete output must survive a failed run intact (write "
                    "into a temporary file; only a complete one replaces out_path)"
                )
            if left != sorted([in_path.name, out_path.name]):
                fail(
                    f"the model raised on the 3rd chunk of 5, and the folder now holds {left}, "
                    f"expected {sorted([in_path.name, out_path.name])}: no temporary file left"
                )
            if out_path.read_bytes() != old:
                fail(
                    f"the model raised on the 3rd chunk of 5, and the existing {out_path.name} "
                    "was changed: yesterday's complete output must survive a failed run intact"
                )

    def test_writes_a_temporary_file_beside_the_output(self, submission, exchange):
        model = _model()
        frame = _table(12, seed=9)
        for fmt in ("csv", "parquet"):
            folder = exchange / fmt
            folder.mkdir()
            in_path = _write(frame, folder / "table.csv")
            out_path = folder / f"scores.{fmt}"
            log = submission.observe(_watch_writes, str(in_path), str(out_path), model, 4)
            where = f"a CSV of 12 rows written as {fmt}"
            _check_temporary(log, in_path, out_path, None)
            _check_output(frame, model, out_path, "int", where)
            # Again, over that output: it stays as it was until the new one replaces it whole.
            old = out_path.read_bytes()
            frame = _table(12, seed=19)
            _write(frame, in_path)
            log = submission.observe(_watch_writes, str(in_path), str(out_path), model, 4)
            _check_temporary(log, in_path, out_path, old)
            _check_output(frame, model, out_path, "int", where + ", over an existing output")
            left = _listing(folder)
            if left != sorted([in_path.name, out_path.name]):
                fail(
                    f"after scoring {where}, the folder holds {left}: only the input and the "
                    "output should be there"
                )

    def test_memory_stays_flat_csv(self, submission, exchange):
        _check_flat_memory(submission, exchange, "csv")

    def test_memory_stays_flat_parquet(self, submission, exchange):
        _check_flat_memory(submission, exchange, "parquet")


def _expect_failure(submission, in_path: Path, out_path: Path, model, fmt: str) -> None:
    try:
        submission.score_file(str(in_path), str(out_path), model, 4)
    except NotImplementedError:
        raise
    except RuntimeError as exc:
        if FAILED_ON_PURPOSE not in str(exc):
            fail(
                f"the model raised RuntimeError({FAILED_ON_PURPOSE!r}), but score_file raised "
                f"RuntimeError({str(exc)!r:.200}): let the model's exception propagate unchanged"
            )
        return
    except Exception as exc:  # noqa: BLE001
        fail(
            f"the model raised RuntimeError({FAILED_ON_PURPOSE!r}) on the 3rd chunk, but "
            f"score_file raised {type(exc).__name__}: {exc}; clean up, then let the model's "
            "exception propagate unchanged"
        )
    fail(
        f"the model raised RuntimeError on the 3rd chunk of 5 ({fmt} output), but score_file "
        "returned normally: clean up, then re-raise, so that the caller knows the job failed"
    )


def _check_temporary(log: list, in_path: Path, out_path: Path, old: bytes | None) -> None:
    if len(log) < 3:
        fail(
            f"a CSV of 12 rows with chunk_size=4 called predict_proba {len(log)} time(s), "
            "expected 3 (one call per chunk)"
        )
    for k, (names, content) in enumerate(log[1:], start=2):
        if old is None and content is not None:
            fail(
                f"when the model scored chunk {k} of 3, {out_path.name} already existed: write "
                "into a temporary file, and move it onto out_path (os.replace) only once every "
                "chunk is written, so that nobody ever reads a half-written output"
            )
        if old is not None and content != old:
            fail(
                f"when the model scored chunk {k} of 3, the existing {out_path.name} had already "
                "changed: leave it as it is until the new output is complete, then os.replace it"
            )
        others = set(names) - {in_path.name, out_path.name}
        if not others:
            fail(
                f"when the model scored chunk {k} of 3 (after chunk 1 was written), out_path's "
                f"folder held only {names}: write the temporary file in out_path's own folder "
                "(os.replace is atomic only within one file system; a file in /tmp may not be "
                "on it)"
            )


def _check_flat_memory(submission, exchange: Path, fmt: str) -> None:
    model = LogisticRegression().fit(
        _memory_table(200, seed=30)[FEATURES] / 1000.0, np.arange(200) % 2
    )
    n, chunk_size = 4000, 2000
    small = exchange / f"small.{fmt}"
    large = exchange / f"large.{fmt}"
    for path, rows, seed in ((small, n, 31), (large, 10 * n, 32)):
        table = _memory_table(rows, seed)
        if fmt == "csv":
            table.to_csv(path, index=False)
        else:
            table.to_parquet(path, index=False, row_group_size=chunk_size)
    out_path = exchange / "scores.parquet"
    small_peak, large_peak = submission.observe(
        _peaks, str(small), str(large), str(out_path), model, chunk_size
    )
    if large_peak > 2.5 * small_peak:
        fail(
            f"scoring a {fmt} file of {10 * n} rows took {large_peak / 1e6:.2f} MB at its peak, "
            f"{large_peak / max(small_peak, 1):.1f} times the {small_peak / 1e6:.2f} MB of a file "
            f"of {n} rows (chunk_size={chunk_size}): the memory grows with the file. Read it "
            "chunk by chunk (read_csv(chunksize=), ParquetFile.iter_batches(batch_size=)) and "
            "write each chunk's scores before reading the next, rather than keeping them all"
        )
