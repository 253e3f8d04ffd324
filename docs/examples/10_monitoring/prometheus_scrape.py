"""Worked example: a real Prometheus scrapes the refunds desk and answers PromQL over HTTP.

The refunds desk of instrument_app.py runs under uvicorn in a thread of this process, on
127.0.0.1 and a free port. Prometheus (the Debian package: `prometheus` on PATH) starts with a
configuration of one scrape job, `refunds-api`, every second, and its storage in a temporary
folder. A thread sends the desk a steady trickle of requests while Prometheus scrapes; then the
example asks Prometheus's query API what it saw, stops both, and removes the folder.

Run: python docs/examples/10_monitoring/prometheus_scrape.py   (about 6 s)
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn
from instrument_app import make_refunds_app

CONFIG = """\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: refunds-api
    static_configs:
      - targets: ["{target}"]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(app, port: int) -> Iterator[str]:
    """uvicorn in a thread on 127.0.0.1:port, stopped on the way out."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextlib.contextmanager
def prometheus(target: str) -> Iterator[str]:
    """A Prometheus process scraping `target`; its data in a temporary folder, both removed."""
    folder = Path(tempfile.mkdtemp(prefix="prom-"))
    (folder / "prometheus.yml").write_text(CONFIG.format(target=target), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def query(client: httpx.Client, expr: str) -> list[dict]:
    """One instant query; the result vector (a list of {"metric": labels, "value": [t, "v"]})."""
    answer = client.get("/api/v1/query", params={"query": expr}).json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def trickle(base_url: str, stop: threading.Event) -> None:
    """About 50 requests a second until told to stop: lookups, a few 404s, a few creations."""
    with httpx.Client(base_url=base_url, timeout=5) as client:
        n = 0
        while not stop.is_set():
            n += 1
            if n % 10 == 0:
                client.post("/refunds", json={"amount": n})
            else:
                client.get(f"/refunds/{7 if n % 3 else n}")
            time.sleep(0.02)


def main() -> None:
    started = time.perf_counter()
    app_port = free_port()
    with (
        serve(make_refunds_app(), app_port) as base_url,
        prometheus(f"127.0.0.1:{app_port}") as prom,
    ):
        stop = threading.Event()
        sender = threading.Thread(target=trickle, args=(base_url, stop), daemon=True)
        sender.start()
        with httpx.Client(base_url=prom, timeout=5) as client:
            deadline = time.monotonic() + 30
            while True:  # two scrapes: rate() needs two samples in its window
                time.sleep(0.5)
                with contextlib.suppress(httpx.TransportError):
                    seen = query(client, 'count_over_time(up{job="refunds-api"}[1m])')
                    if seen and float(seen[0]["value"][1]) >= 2:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("Prometheus never scraped the desk")
            stop.set()
            sender.join(5)

            up = query(client, 'up{job="refunds-api"}')[0]
            labels = up["metric"]
            print(f'up{{job="{labels["job"]}"}} = {up["value"][1]}')
            print(f"labels Prometheus added to every series: {sorted(set(labels) - {'__name__'})}")
            per_route = query(
                client,
                'sum by (route, status) (rate(refunds_requests_total{job="refunds-api"}[5s]))',
            )
            print("sum by (route, status) (rate(refunds_requests_total[5s])):")
            for item in sorted(
                per_route, key=lambda r: (r["metric"]["route"], r["metric"]["status"])
            ):
                m = item["metric"]
                print(f"  {m['route']} {m['status']}: {float(item['value'][1]):.1f}/s (this run)")
            p99 = query(
                client,
                "histogram_quantile(0.99, sum by (le) "
                '(rate(refunds_request_duration_seconds_bucket{job="refunds-api"}[5s])))',
            )
            print(
                "p99 latency from the histogram: "
                f"{float(p99[0]['value'][1]) * 1000:.1f} ms (this run)"
            )
            scraped = query(client, 'scrape_samples_scraped{job="refunds-api"}')[0]
            print(f"samples in one scrape: {scraped['value'][1]}")
    print(f"{time.perf_counter() - started:.1f} s (this run)")


if __name__ == "__main__":
    main()
