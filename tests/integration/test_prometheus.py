"""Lesson 10's alerts and dashboard in Prometheus's own tools, and in a real Prometheus.

- `promtool check rules` accepts exercise 03's reference alerts.yml, and `promtool test rules`
  passes the course's unit tests (autograder/checks/10_monitoring/alerts_test.yml): each alert
  fires after exactly its `for:`, never on a blip, never for another job.
- Every mutant of exercise 03 is caught by the graded structural checks (which never need
  promtool), and promtool refuses the file or fails the unit tests for each of them, except the
  mistakes listed in PROMTOOL_BLIND, which Prometheus evaluates without complaint and which the
  unit tests' series cannot tell apart (the list is asserted both ways: it stays honest).
- A real Prometheus (2.42, Debian's package) scrapes exercise 01's service every second: the
  reference answer's create_monitored_app (solutions/10_monitoring/ex01_metrics.py), or a
  learner's own file named by MLGRADE_METRICS_APP, under uvicorn on a free 127.0.0.1 port, in a
  thread, serving coursekit.serving_model.make_model_file's model. It loads the reference rules
  (all four evaluate with health "ok"), and after real requests the request rate read through
  its HTTP query API is positive; every query of exercise 05's reference dashboard evaluates
  there without error, and those of the panels that traffic and a drift report (the answer's
  own record_drift) feed return series.

A learner runs the same test on their own answer:

    MLGRADE_METRICS_APP=lessons/10_monitoring/ex01_metrics.py pytest -m integration \
        tests/integration/test_prometheus.py \
        -k "real_requests or in_prometheus or dashboard_query"

Skipped, with the reason, when promtool or prometheus is not installed (`.ci/run` installs the
Debian package prometheus).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from promtool_mutants import assert_promtool_agrees, mutant_params, promtool, tool

from autograder.manifest import COURSE_ROOT

pytestmark = pytest.mark.integration

SOLUTIONS = COURSE_ROOT / "solutions" / "10_monitoring"
UNIT_TESTS = COURSE_ROOT / "autograder" / "checks" / "10_monitoring" / "alerts_test.yml"
CHECKS = "autograder.checks.10_monitoring.ex03_alert_rules"
EXERCISE = "10_monitoring/ex03_alert_rules"
JOB = "fraud-api"
# Mistakes Prometheus evaluates and the unit tests' series cannot tell apart: only the graded
# structural checks catch them.
PROMTOOL_BLIND = {
    "errors_with_irate": "irate over [5m] of a steady error rate crosses 2 % at the same "
    "evaluations as rate does; it differs on bursts shorter than the window",
    "group_interval_5m": "promtool's unit tests step every group at the test file's "
    "evaluation_interval (1m) whatever the group's own interval (measured here: the course's "
    "unit tests pass with interval: 5m); a real Prometheus evaluates the group every 5 minutes",
}
# Panels that the traffic of the test (and one drift report) feeds: their queries return series.
FED_PANELS = ("Request rate", "Latency", "Score distribution", "Drift (PSI)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rules_folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / "alerts.yml").write_text(text, encoding="utf-8")
    shutil.copy(UNIT_TESTS, tmp_path / "alerts_test.yml")
    return tmp_path


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- promtool on the reference and on the mutants ---------------------------------------------


def test_promtool_checks_the_reference_rules(tmp_path: Path) -> None:
    folder = _rules_folder(tmp_path, (SOLUTIONS / "alerts.yml").read_text(encoding="utf-8"))
    checked = promtool(folder, "check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 4 rules found" in checked.stdout, checked.stdout


def test_promtool_unit_tests_pass_on_the_reference(tmp_path: Path) -> None:
    folder = _rules_folder(tmp_path, (SOLUTIONS / "alerts.yml").read_text(encoding="utf-8"))
    tested = promtool(folder, "test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout, tested.stdout


@pytest.mark.parametrize("mutant, text", mutant_params(EXERCISE))
def test_promtool_agrees_with_the_structural_checks(mutant, text: str, tmp_path: Path) -> None:
    folder = _rules_folder(tmp_path, text)
    assert_promtool_agrees(mutant, text, folder, CHECKS, PROMTOOL_BLIND)


# --- a real Prometheus scraping the real service ----------------------------------------------


def _get(url: str, timeout: float = 5.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def _query(prometheus: str, expr: str) -> dict:
    return _get(f"{prometheus}/api/v1/query?{urllib.parse.urlencode({'query': expr})}")


def _wait(what: str, probe, timeout: float, log: Path | None = None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = probe()
            if last:
                return last
        except OSError as exc:
            last = exc
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    pytest.fail(f"{what} within {timeout} s (last: {last!r})\n{tail}")


def _metrics_answer() -> ModuleType:
    """Exercise 01's answer that the real Prometheus scrapes: the reference, or the file that
    MLGRADE_METRICS_APP names (relative to the course's root, or absolute)."""
    named = os.environ.get("MLGRADE_METRICS_APP", "").strip()
    path = SOLUTIONS / "ex01_metrics.py"
    if named:
        path = Path(named) if Path(named).is_absolute() else COURSE_ROOT / named
        if not path.is_file():
            pytest.fail(
                f"MLGRADE_METRICS_APP={named!r}: no such file ({path}); name exercise 01's file, "
                "e.g. lessons/10_monitoring/ex01_metrics.py"
            )
    return _load(path, "scraped_ex01_metrics")


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict]:
    prometheus_bin = tool("prometheus")
    from coursekit.local_server import bound_port, uvicorn_thread
    from coursekit.serving_model import make_model_file

    answer = _metrics_answer()
    root = tmp_path_factory.mktemp("prometheus")
    app = answer.create_monitored_app(make_model_file(root / "model"))
    prom_port = _free_port()
    servers = contextlib.ExitStack()
    process = None
    try:
        server, _ = servers.enter_context(uvicorn_thread(app, name="fraud-api", stop_timeout=20))
        _wait("the service listening", lambda: server.started, 60)
        api_port = bound_port(server)
        api = f"http://127.0.0.1:{api_port}"
        _wait(
            "the service ready",
            lambda: urllib.request.urlopen(f"{api}/ready", timeout=2).status == 200,
            60,
        )
        shutil.copy(SOLUTIONS / "alerts.yml", root / "alerts.yml")
        (root / "prometheus.yml").write_text(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  evaluation_interval: 1s\n"
            "rule_files:\n"
            "  - alerts.yml\n"
            "scrape_configs:\n"
            f"  - job_name: {JOB}\n"
            "    static_configs:\n"
            f"      - targets: ['127.0.0.1:{api_port}']\n",
            encoding="utf-8",
        )
        checked = promtool(root, "check", "config", "prometheus.yml")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        log = root / "prometheus.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [
                    prometheus_bin,
                    f"--config.file={root / 'prometheus.yml'}",
                    f"--storage.tsdb.path={root / 'data'}",
                    f"--web.listen-address=127.0.0.1:{prom_port}",
                    "--log.level=warn",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        prometheus = f"http://127.0.0.1:{prom_port}"
        _wait(
            "Prometheus ready",
            lambda: urllib.request.urlopen(f"{prometheus}/-/ready", timeout=2).status == 200,
            60,
            log,
        )
        yield {"prometheus": prometheus, "api": api, "app": app, "log": log, "answer": answer}
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        servers.close()


def _traffic(api: str, seconds: float) -> int:
    """Real requests for `seconds`: predictions, health checks and a 404; their count."""
    from coursekit.app import WARM_UP

    body = json.dumps(WARM_UP.model_dump(mode="json")).encode()
    sent = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{api}/predict", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"{api}/health", timeout=5) as response:
            assert response.status == 200
        try:
            urllib.request.urlopen(f"{api}/predict/123", timeout=5)
        except urllib.error.HTTPError as exc:
            assert exc.code in (404, 405)
        sent += 3
        time.sleep(0.05)
    return sent


def test_the_request_rate_after_real_requests(stack: dict, record_property) -> None:
    prometheus = stack["prometheus"]
    _wait(
        f'up{{job="{JOB}"}} == 1',
        lambda: [
            r
            for r in _query(prometheus, f'up{{job="{JOB}"}}')["data"]["result"]
            if r["value"][1] == "1"
        ],
        30,
        stack["log"],
    )
    rate = f'sum(rate(fraud_requests_total{{job="{JOB}"}}[30s]))'
    start = time.monotonic()
    value = 0.0
    while time.monotonic() - start < 40:
        _traffic(stack["api"], 1.0)
        result = _query(prometheus, rate)
        assert result["status"] == "success", result
        if result["data"]["result"]:
            value = float(result["data"]["result"][0]["value"][1])
            if value > 0:
                break
    assert value > 0, f"{rate} stayed at {value} after real requests"
    record_property("request_rate_per_s", round(value, 2))
    record_property("first_positive_rate_s", round(time.monotonic() - start, 1))


def test_the_reference_rules_evaluate_in_prometheus(stack: dict) -> None:
    def healthy() -> list:
        groups = _get(f"{stack['prometheus']}/api/v1/rules")["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        names = sorted(r["name"] for r in rules if r["type"] == "alerting")
        assert names == sorted(
            ["FraudHighErrorRatio", "FraudHighLatencyP99", "FraudTargetDown", "FraudFeatureDrift"]
        ), names
        return rules if all(r["health"] == "ok" for r in rules) else []

    rules = _wait("the four rules evaluated with health ok", healthy, 30, stack["log"])
    assert all(r.get("lastError", "") == "" for r in rules), rules


def test_every_dashboard_query_evaluates(stack: dict) -> None:
    stack["answer"].record_drift(stack["app"], {"amount": 0.31, "hour": 0.04})
    dashboard = _load(SOLUTIONS / "ex05_dashboard.py", "reference_ex05_dashboard").build_dashboard(
        JOB
    )
    queries = [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p["targets"]]
    assert len(queries) >= 7, queries
    empty = set()
    deadline = time.monotonic() + 40
    while True:
        _traffic(stack["api"], 1.0)
        empty = set()
        for title, expr in queries:
            result = _query(stack["prometheus"], expr)
            assert result["status"] == "success", (title, expr, result)
            if not result["data"]["result"]:
                empty.add(title)
        if not empty & set(FED_PANELS) or time.monotonic() > deadline:
            break
    assert not empty & set(FED_PANELS), f"no series yet for {sorted(empty & set(FED_PANELS))}"
