"""Worked example: a service on 127.0.0.1 for the other examples, in a thread or in a process.

Two ways to run an ASGI app under uvicorn for a test or a measurement, both on loopback only,
on a free port, and always stopped:

- `serve_in_thread(app)`: uvicorn in a thread of this process. Quick to start; good for checking
  behaviour. Not for timing: the client and the server share one interpreter and its GIL.
- `serve_fraud_service(folder)`: the lesson's fraud service (`coursekit.app.create_app`, the
  course's reference of exercise 02, on a model from `coursekit.serving_model.make_model_file`)
  in a process of its own, with one more route, `POST /bare`, which ignores its body and returns
  a constant: the floor that HTTP, uvicorn and FastAPI cost without any model.

`main()` starts the fraud service, waits until it is ready, asks it for one score, then sends
it a batch above its limit and a body with a `NaN`.

Run: python docs/examples/08_serving/local_server.py
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ONE = {
    "transaction_id": 1,
    "timestamp": "2025-03-01T23:30:00+01:00",
    "amount": 249.0,
    "currency": "EUR",
    "merchant_category": "electronics",
    "channel": "web",
    "card_country": "DE",
    "merchant_country": "NL",
}


def free_socket() -> socket.socket:
    """A socket bound to a free port of 127.0.0.1 (never 0.0.0.0: nothing outside can reach it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it, a keep-alive request waits ~40 ms for
    # a delayed ACK (Nagle's algorithm) when uvicorn is handed a socket instead of a port.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.contextmanager
def serve_in_thread(app, timeout: float = 10.0) -> Iterator[str]:
    """`app` under uvicorn in a thread (its lifespan run); yields the base URL."""
    import uvicorn

    sock = free_socket()
    config = uvicorn.Config(app, log_config=None, log_level="critical", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


def wait_until_ready(base_url: str, timeout: float = 30.0) -> float:
    """Poll GET /ready until it answers 200; return the seconds it took."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if httpx.get(f"{base_url}/ready", timeout=1.0).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.05)
    raise RuntimeError(f"{base_url} was not ready after {timeout} s")


SERVE = """
import sys, uvicorn
from coursekit.app import create_app
from coursekit.serving_model import make_model_file
app = create_app(make_model_file(sys.argv[1], seed=0))
@app.post("/bare")
def bare() -> dict:
    return {"transaction_id": 1, "score": 0.5, "model_version": "constant"}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


@contextlib.contextmanager
def serve_fraud_service(folder: Path) -> Iterator[str]:
    """The fraud service in a process of its own on 127.0.0.1, ready; yields its base URL. The
    process trains the model (`make_model_file`) into `folder`, then serves it."""
    with free_socket() as sock:
        port = sock.getsockname()[1]  # released for uvicorn, which binds it again at once
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(folder), str(port)])
    try:
        wait_until_ready(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, serve_fraud_service(Path(folder)) as url:
        print(f"fraud service on {url.rsplit(':', 1)[0]}: ready")
        meta = httpx.get(f"{url}/metadata").json()
        print(f"model {meta['model_version']}, features: {', '.join(meta['features'])}")
        answer = httpx.post(f"{url}/predict", json=ONE, headers={"X-Request-ID": "demo-1"})
        body = answer.json()
        print(f"POST /predict: {answer.status_code}, score {body['score']:.4f}, keys {list(body)}")
        print(f"X-Request-ID: {answer.headers['x-request-id']}")
        too_many = {"transactions": [{**ONE, "transaction_id": i} for i in range(1001)]}
        answer = httpx.post(f"{url}/predict/batch", json=too_many)
        rid = answer.headers["x-request-id"]
        print(f"a batch of 1,001: {answer.status_code} {answer.text.replace(rid, '<id>')}")
        nan = json.dumps(ONE).replace("249.0", "NaN")
        answer = httpx.post(
            f"{url}/predict", content=nan, headers={"content-type": "application/json"}
        )
        rid = answer.headers["x-request-id"]
        print(f"an amount of NaN: {answer.status_code} {answer.text.replace(rid, '<id>')}")


if __name__ == "__main__":
    main()
