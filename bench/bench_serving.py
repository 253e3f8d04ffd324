"""Benchmark: lesson 08's fraud service under load, `/predict` against a bare endpoint.

    python bench/bench_serving.py [--rounds 6] [--seconds 1.5] [--quick]
    python bench/bench_serving.py --show   # the tables of the committed results

The service is the course's reference of exercise 02 (`coursekit.app.create_app`) on the
lesson's model (`coursekit.serving_model.make_model_file`: a StandardScaler and a
LogisticRegression, saved with skops), under uvicorn (one worker, its defaults) on 127.0.0.1, in
a process of its own. Two routes are added to the same app, so that every route goes through the
same server, middleware (the request id) and error handlers:

- `POST /bare`: an `async def` that reads the body and returns a constant: the floor that HTTP,
  uvicorn and FastAPI cost without any model;
- `POST /validated`: the body parsed into a `Transaction` (exercise 01's schema) and a constant
  `Score` returned: the floor plus JSON parsing and validation, still no model;
- `POST /predict/proba`: /predict scoring with `model.predict_proba` on the request's DataFrame,
  in the thread pool: the path of a model that has no fast scorer (and /predict's own path before
  the fast scorer);
- `POST /predict/inline`: /predict's work (the same `Served.scores`) run on the event loop
  instead of the thread pool: what the thread pool's hop costs (and the loop blocked meanwhile).

`/predict` itself adds `to_features` (one DataFrame) and, in the thread pool, the model's score:
`fast_scorer` (`coursekit.serving_model`: the StandardScaler folded into the
LogisticRegression's coefficients, one matrix product and a sigmoid), which the reference app
verified against `predict_proba` at warm-up; `/predict/batch` does it for 100 transactions at
once. The load is the course's reference of
exercise 04 (`coursekit.load_test.load_test`): `concurrency` asyncio workers on one httpx
client, each sending its next request when its previous one is answered. The bodies are the data
world's transactions, each request another.

Paired rounds: for each concurrency, `--rounds` rounds, each loading every route in turn for
`--seconds` seconds (after 0.3 s unmeasured); a route's numbers are the median over the rounds,
and a ratio to /bare is the median of the ratios within each round, so that a change in what
else the machine runs between rounds cancels out. Besides throughput and latency: the server's
CPU time per request (its /proc/<pid>/stat, all threads), whose ratio is the throughput ratio of
a server that has a core to itself, and the load generator's own CPU use (near 100 % of a core,
the generator is the bottleneck). Last, where a /predict request's model time goes, in this
process: the median CPU time of each step over 2,000 calls. `BEFORE` keeps the numbers of the
run before the fast scorer (commit 42ed0c8), which the tables compare with.

The target (issue 12): `/predict` throughput >= 0.5x the bare endpoint's and its p50 <= 1.5x, at
concurrency 8. Results go to bench/results/serving.json (docs/reference/benchmarks.md quotes
them).
"""

# No `from __future__ import annotations`: FastAPI reads the annotations of the added routes.
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

OUT = ROOT / "bench" / "results" / "serving.json"
ROUTES = ("/bare", "/validated", "/predict", "/predict/proba", "/predict/inline", "/predict/batch")
COMPARED = ("/validated", "/predict", "/predict/proba", "/predict/inline")  # each against /bare
CONCURRENCY = (1, 8, 32)
TARGET = {"concurrency": 8, "throughput_ratio": 0.5, "p50_ratio": 1.5}
BATCH = 100
# The run before the fast scorer (commit 42ed0c8: /predict = to_features building a frame from
# a dict of columns, ~100 us, then predict_proba on it, ~816 us), load average 8.7-9.2:
# /predict's ratios to /bare per concurrency, and the step costs.
BEFORE = {
    "commit": "42ed0c8",
    "load_average": [8.66, 9.15],
    "predict": {
        1: {"throughput_ratio": 0.36, "p50_ratio": 2.64, "cpu_ratio": 0.19, "server_cpu_ms": 3.527},
        8: {"throughput_ratio": 0.9, "p50_ratio": 1.12, "cpu_ratio": 0.25, "server_cpu_ms": 2.28},
        32: {
            "throughput_ratio": 0.84,
            "p50_ratio": 1.48,
            "cpu_ratio": 0.26,
            "server_cpu_ms": 2.807,
        },
    },
    "costs_us": {"to_features_us": 99.7, "predict_proba_frame_us": 815.5},
}


# --- the server, in a process of its own ----------------------------------------------------


def serve(port: int, folder: str) -> None:
    """Run the fraud service, with the routes it is compared with added, on 127.0.0.1:port."""
    import uvicorn
    from fastapi import Request
    from starlette.concurrency import run_in_threadpool

    from coursekit.app import create_app
    from coursekit.schemas import Score, Transaction
    from coursekit.serving_model import make_model_file, to_features

    app = create_app(make_model_file(folder, seed=0))
    served = app.state.served  # the loaded model, as /predict uses it

    async def bare(request: Request) -> dict:
        await request.body()
        return {"transaction_id": 0, "score": 0.5, "model_version": "constant"}

    async def validated(transaction: Transaction) -> Score:
        return Score(transaction_id=transaction.transaction_id, score=0.5, model_version="constant")

    async def inline(transaction: Transaction) -> Score:
        [score] = served.scores([transaction])  # on the event loop: no thread pool
        return Score(
            transaction_id=transaction.transaction_id, score=score, model_version=served.version
        )

    def on_proba(transactions: list) -> list[float]:
        X = to_features(transactions)  # scikit-learn checks the frame in each step
        return [float(p) for p in served.model.predict_proba(X)[:, 1]]

    async def proba(transaction: Transaction) -> Score:
        [score] = await run_in_threadpool(on_proba, [transaction])
        return Score(
            transaction_id=transaction.transaction_id, score=score, model_version=served.version
        )

    async def fast(request: Request) -> dict:
        return {"fast_scorer": served.fast is not None}  # did the warm-up keep it?

    app.add_api_route("/bare", bare, methods=["POST"])
    app.add_api_route("/validated", validated, methods=["POST"])
    app.add_api_route("/predict/inline", inline, methods=["POST"])
    app.add_api_route("/predict/proba", proba, methods=["POST"])
    app.add_api_route("/fast", fast, methods=["GET"])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(base: str, timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ready", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the service at {base} was not ready after {timeout} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the load ---------------------------------------------------------------------------------


def bodies(n: int) -> list[dict]:
    """n transactions of the data world, as a client sends them (JSON-ready)."""
    import coursedata
    from coursekit.schemas import Transaction

    fields = list(Transaction.model_fields)
    rows = coursedata.sample("small", seed=3).transactions.head(n)[fields].to_dict("records")
    for k, row in enumerate(rows):
        row["transaction_id"] = k
        row["timestamp"] = row["timestamp"].isoformat()
        row["amount"] = float(row["amount"])
    return rows


def measure(base: str, route: str, payloads: list, concurrency: int, seconds: float, pid: int):
    """One load of `route`: 0.3 s unmeasured, then `seconds` measured."""
    from coursekit.load_test import load_test

    common = {"concurrency": concurrency, "max_requests": 10**7, "path": route}
    load_test(base, payloads, duration_s=0.3, **common)
    server_before, client_before = cpu_seconds(pid), time.process_time()
    result = load_test(base, payloads, duration_s=seconds, **common)
    server_cpu = cpu_seconds(pid) - server_before
    client_cpu = time.process_time() - client_before
    if result["errors"]:
        raise RuntimeError(f"{route} at concurrency {concurrency}: errors {result['errors']}")
    return {
        "throughput_rps": result["throughput_rps"],
        "p50_ms": result["p50_ms"],
        "p95_ms": result["p95_ms"],
        "p99_ms": result["p99_ms"],
        "server_cpu_ms": server_cpu / result["ok"] * 1e3,
        "client_cpu_share": client_cpu / result["duration_s"],
    }


def summarise(concurrency: int, rounds: list[dict]) -> tuple[list[dict], list[dict]]:
    """Per route, the medians over the rounds; per route but /bare, the median of its ratios to
    /bare within each round (and their range)."""
    med = statistics.median
    rows = []
    for route in ROUTES:
        runs = [r[route] for r in rounds]
        rows.append(
            {
                "concurrency": concurrency,
                "route": route,
                **{k: round(med(run[k] for run in runs), 3) for k in runs[0]},
            }
        )
    ratios = []
    for route in COMPARED:
        through = [r[route]["throughput_rps"] / r["/bare"]["throughput_rps"] for r in rounds]
        p50 = [r[route]["p50_ms"] / r["/bare"]["p50_ms"] for r in rounds]
        cpu = [r["/bare"]["server_cpu_ms"] / r[route]["server_cpu_ms"] for r in rounds]
        ratios.append(
            {
                "concurrency": concurrency,
                "route": route,
                "throughput_ratio": round(med(through), 2),
                "throughput_ratio_range": [round(min(through), 2), round(max(through), 2)],
                "p50_ratio": round(med(p50), 2),
                "p50_ratio_range": [round(min(p50), 2), round(max(p50), 2)],
                "cpu_ratio": round(med(cpu), 2),
            }
        )
    return rows, ratios


# --- where the model time goes ----------------------------------------------------------------


def costs(folder: str, payloads: list[dict], n: int = 2000) -> dict:
    """Median CPU microseconds of each step of a one-transaction prediction, in this process."""
    from coursekit.model_io import load_model
    from coursekit.schemas import Transaction
    from coursekit.serving_model import fast_scorer, make_model_file, to_features

    model, _ = load_model(make_model_file(folder, seed=0))
    fast = fast_scorer(model)
    texts = [json.dumps(p) for p in payloads[:50]]
    transactions = [Transaction.model_validate_json(t) for t in texts]
    frames = [to_features([t]) for t in transactions]
    arrays = [f.to_numpy() for f in frames]

    def median_us(step) -> float:
        times = []
        for i in range(n):
            start = time.process_time()
            step(i % 50)
            times.append(time.process_time() - start)
        return round(statistics.median(times) * 1e6, 1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # predict_proba on an array: "no valid feature names"
        return {
            "parse_and_validate_us": median_us(lambda i: Transaction.model_validate_json(texts[i])),
            "to_features_us": median_us(lambda i: to_features([transactions[i]])),
            "fast_scorer_us": median_us(lambda i: fast(frames[i]).tolist()),
            "predict_proba_frame_us": median_us(lambda i: model.predict_proba(frames[i])),
            "predict_proba_array_us": median_us(lambda i: model.predict_proba(arrays[i])),
        }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--quick", action="store_true", help="two short rounds, to try it")
    parser.add_argument("--show", action="store_true", help=f"print the tables of {OUT.name}")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.show:
        print_tables(json.loads(OUT.read_text(encoding="utf-8")))
        return {}
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return {}
    if args.quick:
        args.rounds, args.seconds = 2, 0.5

    import fastapi
    import httpx
    import sklearn
    import uvicorn

    load_start = os.getloadavg()[0]
    print(
        f"Python {platform.python_version()}, FastAPI {fastapi.__version__}, uvicorn "
        f"{uvicorn.__version__}, httpx {httpx.__version__}, scikit-learn {sklearn.__version__}, "
        f"{os.cpu_count()} CPUs, load average {load_start:.1f} at the start",
        flush=True,
    )
    singles = bodies(2000)
    batches = [{"transactions": singles[k : k + BATCH]} for k in range(0, len(singles), BATCH)]
    payloads = {route: singles for route in ROUTES} | {"/predict/batch": batches}
    port = free_port()
    rows, ratios = [], []
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), folder])
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base)
            fast = httpx.get(f"{base}/fast", timeout=5.0).json()["fast_scorer"]
            print(f"the service scores with the fast scorer: {fast}", flush=True)
            for concurrency in CONCURRENCY:
                rounds = []
                for k in range(args.rounds):
                    rounds.append(
                        {
                            route: measure(
                                base, route, payloads[route], concurrency, args.seconds, server.pid
                            )
                            for route in ROUTES
                        }
                    )
                    line = ", ".join(
                        f"{r} {v['throughput_rps']:,.0f}/s" for r, v in rounds[-1].items()
                    )
                    print(f"concurrency {concurrency:>2}, round {k + 1}: {line}", flush=True)
                more_rows, more_ratios = summarise(concurrency, rounds)
                rows += more_rows
                ratios += more_ratios
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        print("where the model time goes", flush=True)
        steps = costs(folder, singles)
    result = {
        "python": platform.python_version(),
        "fastapi": fastapi.__version__,
        "uvicorn": uvicorn.__version__,
        "httpx": httpx.__version__,
        "sklearn": sklearn.__version__,
        "cpus": os.cpu_count(),
        "load_average_at_start": round(load_start, 2),
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "rounds": args.rounds,
        "seconds": args.seconds,
        "batch": BATCH,
        "target": TARGET,
        "fast_scorer": fast,
        "routes": rows,
        "ratios": ratios,
        "costs_us": steps,
        "before": BEFORE,
    }
    print_tables(result)
    if not args.quick:
        OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    return result


def print_tables(result: dict) -> None:
    """The Markdown tables docs/reference/benchmarks.md shows."""
    print(
        f"\nload average {result['load_average_at_start']} at the start, "
        f"{result['load_average_at_end']} at the end; medians of {result['rounds']} rounds of "
        f"{result['seconds']:g} s per route"
    )
    print(
        "\n| concurrency | route | requests/s | p50 ms | p95 ms | p99 ms | server CPU per request "
        "| load generator CPU |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in result["routes"]:
        route = r["route"] + (f" ({result['batch']} each)" if r["route"].endswith("batch") else "")
        print(
            f"| {r['concurrency']} | {route} | {r['throughput_rps']:,.0f} | {r['p50_ms']:.2f} "
            f"| {r['p95_ms']:.2f} | {r['p99_ms']:.2f} | {r['server_cpu_ms']:.2f} ms "
            f"| {r['client_cpu_share']:.0%} |"
        )
    target = result["target"]
    print(
        "\n| concurrency | route | throughput / bare | p50 / bare | bare's server CPU / route's "
        "| target |"
    )
    print("|---:|---|---:|---:|---:|---|")
    for r in result["ratios"]:
        goal = (
            f"≥ {target['throughput_ratio']}×, ≤ {target['p50_ratio']}×"
            if r["route"] == "/predict" and r["concurrency"] == target["concurrency"]
            else ""
        )
        low, high = r["throughput_ratio_range"]
        p_low, p_high = r["p50_ratio_range"]
        print(
            f"| {r['concurrency']} | {r['route']} | {r['throughput_ratio']:.2f}× ({low:.2f}–"
            f"{high:.2f}) | {r['p50_ratio']:.2f}× ({p_low:.2f}–{p_high:.2f}) "
            f"| {r['cpu_ratio']:.2f}× | {goal} |"
        )
    for r in (r for r in result["routes"] if r["route"] == "/predict/batch"):
        print(
            f"batches of {result['batch']} at concurrency {r['concurrency']}: "
            f"{r['throughput_rps'] * result['batch']:,.0f} transactions/s"
        )
    c = result["costs_us"]
    print(
        f"\none transaction, median CPU time: parse and validate {c['parse_and_validate_us']} µs, "
        f"to_features {c['to_features_us']} µs, the fast scorer {c['fast_scorer_us']} µs, "
        f"predict_proba on its DataFrame {c['predict_proba_frame_us']} µs (on the same values "
        f"as an array: {c['predict_proba_array_us']} µs)"
    )
    before = result["before"]
    print(
        "\n| concurrency | /predict | throughput / bare | p50 / bare | bare's server CPU / "
        "/predict's | /predict's server CPU |"
    )
    print("|---:|---|---:|---:|---:|---:|")
    now = {r["concurrency"]: r for r in result["ratios"] if r["route"] == "/predict"}
    cpu = {r["concurrency"]: r for r in result["routes"] if r["route"] == "/predict"}
    for concurrency, old in sorted(before["predict"].items(), key=lambda kv: int(kv[0])):
        new = now[int(concurrency)]
        print(
            f"| {concurrency} | before ({before['commit']}) | {old['throughput_ratio']:.2f}× "
            f"| {old['p50_ratio']:.2f}× | {old['cpu_ratio']:.2f}× | {old['server_cpu_ms']:.2f} ms |"
        )
        print(
            f"| {concurrency} | fast scorer | {new['throughput_ratio']:.2f}× "
            f"| {new['p50_ratio']:.2f}× | {new['cpu_ratio']:.2f}× "
            f"| {cpu[int(concurrency)]['server_cpu_ms']:.2f} ms |"
        )


if __name__ == "__main__":
    main()
