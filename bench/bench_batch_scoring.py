"""Benchmark: batch scoring with lesson 07's fraud model, from one file to a local cluster.

    python bench/bench_batch_scoring.py [--repeats 5] [--quick]
    python bench/bench_batch_scoring.py --show   # the tables of the committed results

Three measurements, printed as Markdown tables and written to bench/results/batch_scoring.json
(docs/lessons/07-batch.md quotes them). The model is the lesson's (docs/examples/07_batch/
scoring_model.py: an OrdinalEncoder and 50 boosted trees), saved with skops; the tables are the
data world's payments (`payments_table`). Every model runs on one thread unless a row says two.

1. Streamed scoring against one in-memory predict, at 100k and 1M rows. "streamed" is a
   score_file-style job (this benchmark's own): read the file `--chunk` rows at a time
   (`read_csv(chunksize=)` / `ParquetFile.iter_batches`), score each chunk, append its ids and
   scores to a Parquet file, replace the output at the end. "in memory" is one `predict_proba` on
   the whole frame, already read (the reading is not timed). The Parquet files have row groups
   of 100k rows. rows/s is rows / wall seconds, the best of `--repeats` runs, each in a fresh
   interpreter; "x in-memory" divides by the in-memory rows/s of the same file. "baseline" is
   that process's resident memory (RSS) with the interpreter, the libraries and the model loaded
   and one chunk already scored (lazy imports done); "peak" its highest RSS during the job
   (VmHWM, reset just before it through /proc/self/clear_refs), so peak - baseline is what the
   job itself needed. Target: streamed >= 0.8x the in-memory rows/s at 1M rows, with flat
   memory.
2. The Dask crossover: the same job (read a folder of Parquet files, score, write Parquet) in
   plain pandas, in pandas with the model on 2 threads, and on a `LocalCluster` of 2 worker
   processes of 1 thread each (`dd.read_parquet` + `map_partitions` + `to_parquet`), at sizes
   from 10k to 1M rows. The cluster is started once and warmed up before the timings; its start
   (the processes, the client, and a first job on 10k rows, in which the workers import pandas,
   Arrow and scikit-learn) is timed apart. Times are the best of `--repeats` runs, the three
   variants interleaved.
3. Model load time: `pickle.loads` against `skops.io.loads(trusted=...)` on the same model,
   median of 50 loads.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples" / "07_batch"
sys.path[:0] = [str(ROOT), str(EXAMPLES)]

TRUSTED = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]
OUT = ROOT / "bench" / "results" / "batch_scoring.json"
TARGET_RATIO = 0.8
ROW_GROUP = 100_000  # rows per Parquet row group, as a writer of large files might choose


# --- 1. one job in a fresh interpreter ------------------------------------------------------


def rss_mb(field: str) -> float:
    """This process's resident memory (VmRSS) or its peak since the last reset (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak_rss() -> None:
    """Set the peak resident memory (VmHWM) to the current one (Linux 4.0 and later)."""
    Path("/proc/self/clear_refs").write_text("5")


def child(mode: str, path: Path, model_path: Path, out: Path, chunk: int) -> dict:
    """Run one job in this (fresh) process; return its seconds and memory."""
    os.environ["OMP_NUM_THREADS"] = "1"
    import itertools

    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    import skops.io as sio
    from threadpoolctl import threadpool_limits

    model = sio.loads(model_path.read_bytes(), trusted=TRUSTED)
    features = list(model.feature_names_in_)
    schema = pa.schema([("transaction_id", pa.int64()), ("fraud_score", pa.float64())])
    wanted = ["transaction_id", *features]

    def streamed(target: Path, n_chunks: int | None = None) -> int:
        """Score `path` chunk by chunk into `target` (atomically); the first `n_chunks` only."""
        temporary = target.with_name(target.name + ".tmp")
        if path.suffix == ".csv":
            chunks = pd.read_csv(path, usecols=wanted, chunksize=chunk)
        else:  # pre_buffer=False: no coalesced read-ahead (meant for S3 and the like)
            parquet = pq.ParquetFile(path, pre_buffer=False)
            chunks = (b.to_pandas() for b in parquet.iter_batches(chunk, columns=wanted))
        rows = 0
        with pq.ParquetWriter(temporary, schema) as writer:
            for part in itertools.islice(chunks, n_chunks):
                p = model.predict_proba(part[features])[:, 1]
                ids = part["transaction_id"].to_numpy(dtype=np.int64)
                writer.write_table(pa.table({"transaction_id": ids, "fraud_score": p}, schema))
                rows += len(part)
        os.replace(temporary, target)
        return rows

    with threadpool_limits(limits=1):
        streamed(out.with_name("warmup.parquet"), n_chunks=1)  # lazy imports, first allocations
        gc.collect()
        reset_peak_rss()
        baseline = rss_mb("VmRSS")
        if mode == "in_memory":
            frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
            start = time.perf_counter()
            scores = model.predict_proba(frame[features])[:, 1]
            seconds = time.perf_counter() - start
            rows = len(scores)
        else:
            start = time.perf_counter()
            rows = streamed(out)
            seconds = time.perf_counter() - start
    peak = rss_mb("VmHWM")
    return {"seconds": seconds, "rows": rows, "baseline_mb": baseline, "peak_mb": peak}


def run_child(mode: str, path: Path, model_path: Path, out: Path, chunk: int) -> dict:
    command = [sys.executable, __file__, "--child", mode, str(path), str(model_path), str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [*command, "--chunk", str(chunk)], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def throughput(folder: Path, model_path: Path, sizes, chunk: int, repeats: int) -> list[dict]:
    import pyarrow as pa
    import pyarrow.csv
    import pyarrow.parquet as pq
    from scoring_model import payments_table

    results = []
    for rows in sizes:
        table = payments_table(rows, seed=11).drop(columns="is_fraud")
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        paths = {"parquet": folder / f"t{rows}.parquet", "csv": folder / f"t{rows}.csv"}
        pq.write_table(arrow, paths["parquet"], row_group_size=ROW_GROUP)
        pa.csv.write_csv(arrow, paths["csv"])
        del table, arrow
        for fmt, path in paths.items():
            modes = ("in_memory", "streamed")
            runs = {mode: [] for mode in modes}
            for _ in range(repeats):  # interleaved, so that a busy spell hits both
                for mode in modes:
                    out = folder / "scores.parquet"
                    runs[mode].append(run_child(mode, path, model_path, out, chunk))
            for mode in modes:
                seconds = min(r["seconds"] for r in runs[mode])  # the run least slowed by others
                row = {
                    "rows": rows,
                    "format": fmt,
                    "mode": mode,
                    "chunk": chunk if mode == "streamed" else None,
                    "seconds": round(seconds, 3),
                    "rows_per_s": round(rows / seconds),
                    "baseline_mb": round(
                        statistics.median(r["baseline_mb"] for r in runs[mode]), 1
                    ),
                    "peak_mb": round(max(r["peak_mb"] for r in runs[mode]), 1),
                }
                results.append(row)
                print(f"  {row}", flush=True)
    for row in results:  # streamed rows/s over the in-memory predict's, same size and format
        if row["mode"] == "streamed":
            base = next(
                r
                for r in results
                if r["rows"] == row["rows"]
                and r["mode"] == "in_memory"
                and r["format"] == row["format"]
            )
            row["ratio_to_in_memory"] = round(row["rows_per_s"] / base["rows_per_s"], 3)
    return results


# --- 2. pandas against a local cluster -------------------------------------------------------


def score_partition(part, model, features):
    """One partition's ids and scores (the benchmark's own, for map_partitions)."""
    import pandas as pd
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        scores = model.predict_proba(part[features])[:, 1] if len(part) else []
    return pd.DataFrame(
        {"transaction_id": part["transaction_id"].to_numpy(), "fraud_score": scores},
        index=part.index,
    ).astype({"fraud_score": "float64"})


def crossover(folder: Path, model, sizes, repeats: int) -> dict:
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster
    from scoring_model import payments_table
    from threadpoolctl import threadpool_limits

    features = list(model.feature_names_in_)
    meta = pd.DataFrame(
        {"transaction_id": pd.Series(dtype="int64"), "fraud_score": pd.Series(dtype="float64")}
    )
    datasets = {}
    biggest = payments_table(max(sizes), seed=12).drop(columns="is_fraud")
    for rows in sizes:
        files = max(2, -(-rows // 250_000))  # partitions of at most 250k rows, at least 2
        where = folder / f"in{rows}"
        where.mkdir()
        bounds = [round(k * rows / files) for k in range(files + 1)]
        for k in range(files):
            biggest.iloc[bounds[k] : bounds[k + 1]].to_parquet(where / f"part{k:02d}.parquet")
        datasets[rows] = (where, files)
    del biggest

    def in_pandas(where: Path, threads: int) -> float:
        start = time.perf_counter()
        frame = pd.read_parquet(where)
        with threadpool_limits(limits=threads):
            scores = model.predict_proba(frame[features])[:, 1]
        pd.DataFrame({"transaction_id": frame["transaction_id"], "fraud_score": scores}).to_parquet(
            folder / "pandas_out.parquet", index=False
        )
        return time.perf_counter() - start

    def on_cluster(where: Path, out: Path) -> float:
        start = time.perf_counter()
        ddf = dd.read_parquet(where)
        scored = ddf.map_partitions(score_partition, model, features, meta=meta)
        scored.to_parquet(out, write_index=False)
        return time.perf_counter() - start

    os.environ["OMP_NUM_THREADS"] = "1"  # the workers inherit it: one thread each
    start = time.perf_counter()
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = Client(cluster)
    started = time.perf_counter() - start
    try:
        # The first job makes the workers import pandas, Arrow and scikit-learn: part of the start.
        first = on_cluster(datasets[min(sizes)][0], folder / "warmup")
        started += first
        results = []
        for rows in sizes:
            where, files = datasets[rows]
            timings = {"pandas_1_thread": [], "pandas_2_threads": [], "cluster": []}
            for k in range(repeats):
                timings["pandas_1_thread"].append(in_pandas(where, 1))
                timings["pandas_2_threads"].append(in_pandas(where, 2))
                timings["cluster"].append(on_cluster(where, folder / f"out{rows}_{k}"))
            row = {"rows": rows, "partitions": files}
            row.update({k: round(min(v), 3) for k, v in timings.items()})
            results.append(row)
            print(f"  {row}", flush=True)
    finally:
        client.close()
        cluster.close()
    beats = [r["rows"] for r in results if r["cluster"] < r["pandas_1_thread"]]
    beats_2 = [r["rows"] for r in results if r["cluster"] < r["pandas_2_threads"]]
    with_start = [r["rows"] for r in results if r["cluster"] + started < r["pandas_1_thread"]]
    return {
        "cluster_start_s": round(started, 2),  # LocalCluster + Client + the first, smallest job
        "first_job_s": round(first, 2),
        "sizes": results,
        "cluster_beats_pandas_1_thread_from_rows": min(beats) if beats else None,
        "cluster_beats_pandas_2_threads_from_rows": min(beats_2) if beats_2 else None,
        "cluster_with_start_beats_pandas_1_thread_from_rows": min(with_start)
        if with_start
        else None,
    }


# --- 3. load time -----------------------------------------------------------------------------


def load_times(model, repeat: int = 50) -> dict:
    import skops.io as sio

    pickled, skopsed = pickle.dumps(model), sio.dumps(model)

    def median(load) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            load()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    seconds_pickle = median(lambda: pickle.loads(pickled))
    seconds_skops = median(lambda: sio.loads(skopsed, trusted=TRUSTED))
    return {
        "pickle_ms": round(seconds_pickle * 1e3, 3),
        "skops_ms": round(seconds_skops * 1e3, 2),
        "ratio": round(seconds_skops / seconds_pickle),
        "pickle_kb": round(len(pickled) / 1e3),
        "skops_kb": round(len(skopsed) / 1e3),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the script")
    parser.add_argument("--show", action="store_true", help=f"print the tables of {OUT.name}")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "IN", "MODEL", "OUT"))
    args = parser.parse_args(argv)
    if args.show:
        print_tables(json.loads(OUT.read_text(encoding="utf-8")))
        return {}
    if args.child:
        mode, path, model_path, out = args.child
        print(json.dumps(child(mode, Path(path), Path(model_path), Path(out), args.chunk)))
        return {}

    import numpy as np
    import pandas as pd
    import sklearn
    import skops.io as sio
    from scoring_model import trained_model

    sizes = (10_000, 100_000) if args.quick else (100_000, 1_000_000)
    dask_sizes = (10_000, 100_000) if args.quick else (10_000, 30_000, 100_000, 300_000, 1_000_000)
    load_start = os.getloadavg()[0]
    print(
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, pandas "
        f"{pd.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs, load average "
        f"{load_start:.1f} at the start",
        flush=True,
    )
    model = trained_model()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model_path = folder / "model.skops"
        model_path.write_bytes(sio.dumps(model))
        print("1. streamed scoring vs one in-memory predict", flush=True)
        scoring = throughput(folder, model_path, sizes, args.chunk, args.repeats)
        print("2. pandas vs a local cluster", flush=True)
        dask_part = crossover(folder, model, dask_sizes, args.repeats)
    print("3. load time", flush=True)
    loads = load_times(model)

    result = {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "pandas": pd.__version__,
        "cpus": os.cpu_count(),
        "load_average_at_start": round(load_start, 2),
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "repeats": args.repeats,
        "chunk_rows": args.chunk,
        "target_ratio_at_1m": TARGET_RATIO,
        "throughput": scoring,
        "dask": dask_part,
        "load": loads,
    }
    print_tables(result)
    if not args.quick:
        OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    return result


def print_tables(result: dict) -> None:
    """The Markdown tables docs/lessons/07-batch.md and docs/reference/benchmarks.md show."""
    print(
        f"\nload average {result['load_average_at_start']} at the start, "
        f"{result['load_average_at_end']} at the end; best of {result['repeats']} runs"
    )
    print(
        "\n| rows | file | in memory (rows/s) | in chunks (rows/s) | chunks / in memory "
        "| memory, in memory | memory, in chunks |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    rows = result["throughput"]
    for whole in (r for r in rows if r["mode"] == "in_memory"):
        chunks = next(
            r
            for r in rows
            if r["mode"] == "streamed"
            and (r["rows"], r["format"]) == (whole["rows"], whole["format"])
        )
        print(
            f"| {whole['rows']:,} | {whole['format']} | {whole['rows_per_s']:,} "
            f"| {chunks['rows_per_s']:,} | {chunks['ratio_to_in_memory']:.2f}× "
            f"| {whole['peak_mb'] - whole['baseline_mb']:.0f} MB "
            f"| {chunks['peak_mb'] - chunks['baseline_mb']:.0f} MB |"
        )
    baselines = [r["baseline_mb"] for r in rows]
    print(
        f"memory: the job's peak RSS above the process's baseline ({min(baselines):.0f} to "
        f"{max(baselines):.0f} MB: interpreter, libraries, model); chunks of "
        f"{result['chunk_rows']:,} rows"
    )
    d = result["dask"]
    print(
        f"\ncluster start (2 processes, client, first job of 10,000 rows): "
        f"{d['cluster_start_s']:.2f} s, of which the first job {d['first_job_s']:.2f} s"
    )
    print(
        "| rows | partitions | pandas, 1 thread | pandas, 2 threads | cluster, started "
        "| cluster, counting its start |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for r in d["sizes"]:
        print(
            f"| {r['rows']:,} | {r['partitions']} | {r['pandas_1_thread']:.2f} s "
            f"| {r['pandas_2_threads']:.2f} s | {r['cluster']:.2f} s "
            f"| {r['cluster'] + d['cluster_start_s']:.2f} s |"
        )

    def rows_or_none(value) -> str:
        return f"{value:,} rows" if value else "no size measured"

    print(
        f"the started cluster beats pandas on 1 thread from "
        f"{rows_or_none(d['cluster_beats_pandas_1_thread_from_rows'])}, on 2 threads from "
        f"{rows_or_none(d['cluster_beats_pandas_2_threads_from_rows'])}; counting its start, "
        f"from {rows_or_none(d['cluster_with_start_beats_pandas_1_thread_from_rows'])}"
    )
    lo = result["load"]
    print(
        f"\nmodel load, median of 50: pickle {lo['pickle_ms']:.2f} ms, "
        f"skops {lo['skops_ms']:.1f} ms ({lo['ratio']}×); files of {lo['pickle_kb']} kB and {lo['skops_kb']} kB"
    )


if __name__ == "__main__":
    main()
