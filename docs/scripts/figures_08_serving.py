"""Figures of lesson 08 (serving predictions).

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`.
The backoff figure draws the retry times of the worked example docs/examples/08_serving/
retries.py (seeded: the same figure every time). The latency figure reads the benchmark's
results (bench/results/serving.json, written by bench/bench_serving.py on an idle machine):
timings measured again here would move from run to run.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from plotting import ROOT, load_example, save  # noqa: E402

BENCH = ROOT / "bench" / "results" / "serving.json"


def backoff_herd(out: Path) -> Path:
    """Retries per 10 ms of 1,000 clients that failed together: no jitter against full jitter."""
    ex = load_example("08_serving", "retries", on_path=True)
    edges = np.arange(0.0, 1.6 + 1e-9, 0.01)
    fig, axes = plt.subplots(2, 1, figsize=(7, 4.6), dpi=110, sharex=True)
    for ax, jitter, color in ((axes[0], False, "tab:red"), (axes[1], True, "tab:blue")):
        times = ex.herd(1000, 4, jitter)
        ax.hist(times, bins=edges, color=color)
        name = (
            "full jitter: uniform in [0, 0.1 s × 2^(k−1)]"
            if jitter
            else "no jitter: 0.1 s × 2^(k−1)"
        )
        ax.set_title(f"{name}; busiest 10 ms: {ex.busiest_10ms(times):,} retries", fontsize=10)
        ax.set_ylabel("retries per 10 ms")
        ax.set_yscale("log")
        ax.set_ylim(0.8, 2000)
        ax.grid(True, alpha=0.3)
    axes[1].set_xlabel("seconds after 1,000 clients failed together (4 retries each)")
    fig.suptitle("Backoff without jitter brings every client back at the same instant", fontsize=11)
    return save(fig, out, "08-backoff-jitter.png")


def serving_latency(out: Path, bench: Path = BENCH) -> Path:
    """Server CPU per request by route and concurrency; latency percentiles at one client."""
    result = json.loads(bench.read_text(encoding="utf-8"))
    routes = ("/bare", "/validated", "/predict", "/predict/proba")
    colors = dict(zip(routes, ("tab:gray", "tab:olive", "tab:blue", "tab:red"), strict=True))
    rows = {(r["concurrency"], r["route"]): r for r in result["routes"]}
    levels = sorted({c for c, _ in rows})
    width = 0.8 / len(routes)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 4), dpi=110)
    for k, route in enumerate(routes):
        xs = np.arange(len(levels)) + (k - (len(routes) - 1) / 2) * width
        cpu = [rows[(c, route)]["server_cpu_ms"] for c in levels]
        left.bar(xs, cpu, width, color=colors[route], label=route)
    left.set_xticks(np.arange(len(levels)), [f"{c} client{'s' * (c > 1)}" for c in levels])
    left.set_ylabel("server CPU per request (ms)")
    left.set_title("Server CPU time per request", fontsize=10)
    left.set_ylim(0, 1.4 * max(r["server_cpu_ms"] for r in rows.values()))
    left.grid(True, axis="y", alpha=0.3)
    left.legend(fontsize=9, loc="upper left", ncol=2)
    shown = ("/bare", "/predict", "/predict/proba")
    for k, route in enumerate(shown):
        r = rows[(1, route)]
        xs = np.arange(3) + (k - (len(shown) - 1) / 2) * (0.8 / len(shown))
        values = [r["p50_ms"], r["p95_ms"], r["p99_ms"]]
        right.bar(xs, values, 0.8 / len(shown), color=colors[route], label=route)
    right.set_xticks(np.arange(3), ["p50", "p95", "p99"])
    right.set_ylabel("latency (ms)")
    right.set_title("Latency at 1 client", fontsize=10)
    right.grid(True, axis="y", alpha=0.3)
    right.legend(fontsize=9)
    start, end = result["load_average_at_start"], result["load_average_at_end"]
    fig.suptitle(
        f"The fraud service on 127.0.0.1, {result['cpus']} cores, load average {start:g} to "
        f"{end:g} (bench/bench_serving.py)",
        fontsize=11,
    )
    return save(fig, out, "08-serving-latency.png")


# The latency figure needs the benchmark's results: drawn once bench/results/serving.json exists.
FIGURES = (backoff_herd, serving_latency) if BENCH.exists() else (backoff_herd,)
