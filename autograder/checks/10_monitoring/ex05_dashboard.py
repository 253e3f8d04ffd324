"""Checks for 10_monitoring/ex05_dashboard (see solutions/10_monitoring/ex05_dashboard.py for the reference).

The dashboard comes back from the learner's process as data. Its queries are parsed with
promql_parser and judged on their syntax tree (exercise 03's helpers); the series they may name
are those of a real scrape of the course's service (coursekit.metrics.create_monitored_app,
serving a small model, after real requests and a drift report), taken once per grading in this
process. write_provisioning writes into the exchange folder; a probe in the learner's process
watches how it writes (opens and moves) and makes one move fail on purpose. The integration
tier (tests/integration/test_prometheus.py) evaluates every query of the reference dashboard in
a real Prometheus.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import promql_parser as pq
import yaml

from autograder.assertions import fail

_rules = importlib.import_module("autograder.checks.10_monitoring.ex03_alert_rules")
strip, nodes, selector_name, matchers = (
    _rules.strip,
    _rules.nodes,
    _rules.selector_name,
    _rules.matchers,
)

JOB = "fraud-api"
OTHER_JOB = "fraud-api-staging"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
DASHBOARDS_PATH = "/etc/grafana/dashboards"
PROMETHEUS_URL = "http://prometheus:9090"
TITLES = ("Request rate", "Error ratio", "Latency", "Score distribution", "Drift (PSI)")
TYPES = {title: "timeseries" for title in TITLES} | {"Score distribution": "heatmap"}
UNITS = {"Request rate": "reqps", "Error ratio": "percentunit", "Latency": "s"}
QUANTILES = (0.5, 0.95, 0.99)
WINDOW = 300
UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
FILES = (
    Path("provisioning") / "datasources" / "prometheus.yml",
    Path("provisioning") / "dashboards" / "fraud.yml",
    Path("dashboards") / "fraud.json",
)


# --- what the service exports: one real scrape per grading -----------------------------------

_scraped: dict[str, dict] = {}


def exported(exchange: Path) -> dict[str, dict]:
    """{sample name: {"counter": bool, "labels": set}} of a real scrape of the course's service
    (coursekit.metrics) after real requests, plus the labels the scrape adds (job, instance)."""
    if _scraped:
        return _scraped
    import time

    from prometheus_client.parser import text_string_to_metric_families
    from starlette.testclient import TestClient

    from coursekit.app import WARM_UP
    from coursekit.metrics import create_monitored_app, record_drift

    model_path = _small_model(Path(exchange).parent / "lesson10-dashboard-model")
    app = create_monitored_app(model_path)
    body = WARM_UP.model_dump(mode="json")
    with TestClient(app) as client:
        deadline = time.monotonic() + 30
        while client.get("/ready").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        client.post("/predict", json=body)
        client.post("/predict/batch", json={"transactions": [body, body]})
        client.get("/predict/123")
        record_drift(app, {"amount": 0.05, "hour": 0.3})
        text = client.get("/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            entry = _scraped.setdefault(sample.name, {"counter": False, "labels": set()})
            entry["labels"] |= set(sample.labels) | {"job", "instance"}
            entry["counter"] = family.type in ("counter", "histogram") and not sample.name.endswith(
                "_created"
            )
    return _scraped


def _small_model(folder: Path) -> Path:
    """A logistic regression on a few variations of WARM_UP, saved as the service loads it."""
    from sklearn.linear_model import LogisticRegression

    from coursekit.app import WARM_UP
    from coursekit.model_io import save_model, sidecar_path
    from coursekit.serving_model import to_features

    path = folder / "dashboard-check.skops"
    if path.is_file() and sidecar_path(path).is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rows = [WARM_UP.model_copy(update={"amount": 2.0**k}) for k in range(8)]
    model = LogisticRegression().fit(to_features(rows), [0, 0, 0, 0, 1, 1, 1, 1])
    save_model(model, path, {"model_version": "dashboard-check-0"})
    return path


# --- calling the learner's code ---------------------------------------------------------------


def _build(submission, *args) -> dict:
    where = f"build_dashboard({', '.join(map(repr, args))})"
    try:
        dashboard = submission.build_dashboard(*args)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"{where} raised {type(exc).__name__}: {exc}")
    if not isinstance(dashboard, dict):
        fail(f"{where} returned {type(dashboard).__name__}, expected a dict (the JSON model)")
    return dashboard


def _panels(dashboard: dict) -> dict[str, dict]:
    panels = dashboard.get("panels")
    if not isinstance(panels, list) or not all(isinstance(p, dict) for p in panels):
        fail("the dashboard's `panels` should be a list of panels (dicts)")
    titles = [p.get("title") for p in panels]
    if sorted(map(str, titles)) != sorted(TITLES) or len(panels) != len(TITLES):
        fail(f"the dashboard's panel titles are {titles}, expected exactly {list(TITLES)}")
    return {p["title"]: p for p in panels}


def _targets(panel: dict) -> list[dict]:
    targets = panel.get("targets")
    if not isinstance(targets, list) or not targets:
        fail(f"panel {panel.get('title')!r} has no `targets`: a list of {{refId, expr}}")
    for target in targets:
        if not isinstance(target, dict) or not isinstance(target.get("expr"), str):
            fail(f"panel {panel.get('title')!r}: every target needs an `expr`, found {target!r}")
    return targets


def _parsed(panel: dict) -> list[tuple[dict, Any]]:
    out = []
    for target in _targets(panel):
        expr = target["expr"]
        if "$" in expr:
            fail(
                f"panel {panel['title']!r}: {expr!r} uses a Grafana variable: the queries are "
                "plain PromQL, so that they can be checked, and run, as they are"
            )
        try:
            out.append((target, pq.parse(expr)))
        except (ValueError, TypeError) as exc:
            fail(f"panel {panel['title']!r}: {expr!r} does not parse as PromQL ({exc})")
    return out


def _defaults(panel: dict) -> dict:
    """The panel's fieldConfig.defaults, or {} when it has none."""
    config = panel.get("fieldConfig")
    defaults = config.get("defaults") if isinstance(config, dict) else None
    return defaults if isinstance(defaults, dict) else {}


def _unit(panel: dict) -> Any:
    return _defaults(panel).get("unit")


def _check_unit(panel: dict) -> None:
    title = panel["title"]
    if _unit(panel) != UNITS[title]:
        fail(
            f"panel {title!r} has the unit {_unit(panel)!r} (fieldConfig.defaults.unit), "
            f"expected {UNITS[title]!r}: Grafana then writes the axis as it should be read"
        )


def _aggregation(node: Any) -> tuple[str, str | None, set[str]] | None:
    return _rules._aggregation(node)


def _is_sum(node: Any) -> bool:
    agg = _aggregation(node)
    return agg is not None and agg[0] == "sum"


def _rated_selector(node: Any, functions: tuple[str, ...]) -> pq.VectorSelector | None:
    node = strip(node)
    if not isinstance(node, pq.Call) or node.func.name not in functions or not node.args:
        return None
    arg = strip(node.args[0])
    if not isinstance(arg, pq.MatrixSelector):
        return None
    return arg.vector_selector


# --- the checks: build_dashboard --------------------------------------------------------------


class TestDashboard:
    def test_json_model(self, submission):
        dashboard = _build(submission, JOB)
        try:
            text = json.dumps(dashboard, allow_nan=False)
        except (TypeError, ValueError) as exc:
            fail(
                f"the dashboard cannot be written as JSON ({exc}): Grafana reads a JSON file, so "
                "the model holds only dicts, lists, strings, numbers, booleans and None"
            )
        if json.loads(text) != dashboard:
            fail(
                "json.loads(json.dumps(dashboard)) differs from the dashboard (a tuple becomes "
                "a list, a non-str key a str): build it from JSON's own types"
            )
        title = dashboard.get("title")
        if not isinstance(title, str) or JOB not in title:
            fail(f"the dashboard's title is {title!r}: a non-empty str that names the job {JOB!r}")
        uid = dashboard.get("uid")
        if not isinstance(uid, str) or not UID.match(uid):
            fail(
                f"the dashboard's uid is {uid!r}: Grafana wants 1 to 40 letters, digits, - or _ "
                "(it addresses the dashboard by it: /d/<uid>)"
            )
        version = dashboard.get("schemaVersion")
        if isinstance(version, bool) or not isinstance(version, int) or version < 36:
            fail(
                f"the dashboard's schemaVersion is {version!r}: an int of at least 36 (Grafana "
                "10 and 11 models; the reference uses 39)"
            )
        if not isinstance(dashboard.get("panels"), list):
            fail("the dashboard has no `panels` list")

    def test_uid_and_title_per_job(self, submission):
        jobs = (
            JOB,
            OTHER_JOB,
            "fraud.api",
            "fraud_api",
            "fraud:api",
            "fraud-api-" + "x" * 50,
            "fraud-api-" + "x" * 51,
        )
        uids = {}
        for job in jobs:
            dashboard = _build(submission, job)
            uid = dashboard.get("uid")
            if not isinstance(uid, str) or not UID.match(uid):
                fail(
                    f"build_dashboard({job!r}) has the uid {uid!r}: 1 to 40 letters, digits, - "
                    "or _, whatever the job"
                )
            if not isinstance(dashboard.get("title"), str) or job not in dashboard["title"]:
                fail(f"build_dashboard({job!r})'s title {dashboard.get('title')!r} should name it")
            if uid in uids:
                fail(
                    f"the jobs {uids[uid]!r} and {job!r} get the same uid {uid!r}: Grafana keeps "
                    "one dashboard per uid, so provisioning one would replace the other"
                )
            uids[uid] = job

    def test_rejects_a_bad_job(self, submission):
        for job in (
            "",
            'fraud"api',
            "fraud api",
            "fraud}api",
            "fraud\napi",
            "fraud-api\n",
            None,
            3,
        ):
            try:
                submission.build_dashboard(job)
            except NotImplementedError:
                raise
            except ValueError:
                continue
            except Exception as exc:  # noqa: BLE001
                fail(f"build_dashboard({job!r}) raised {type(exc).__name__}, expected ValueError")
            fail(
                f"build_dashboard({job!r}) returned a dashboard, expected ValueError: the job is "
                "written inside the queries' quotes, and a quote or a brace breaks every query"
                + (
                    " (a trailing newline: `$` in re.match(r'^...$') matches before a final "
                    "newline, re.fullmatch does not)"
                    if isinstance(job, str) and job.endswith("\n") and job.strip()
                    else ""
                )
            )

    def test_panels(self, submission):
        panels = _panels(_build(submission, JOB))
        ids, boxes = {}, []
        for title, panel in panels.items():
            pid = panel.get("id")
            if isinstance(pid, bool) or not isinstance(pid, int) or pid < 1 or pid in ids:
                fail(
                    f"panel {title!r} has the id {pid!r}: each panel has its own int id >= 1 "
                    f"(ids so far: {ids})"
                )
            ids[pid] = title
            if panel.get("type") != TYPES[title]:
                fail(
                    f"panel {title!r} has the type {panel.get('type')!r}, expected {TYPES[title]!r}"
                )
            if panel.get("datasource") != DATASOURCE:
                fail(
                    f"panel {title!r} reads the datasource {panel.get('datasource')!r}, expected "
                    f"{DATASOURCE}: the data source that write_provisioning provisions"
                )
            config = panel.get("fieldConfig")
            if not isinstance(config, dict) or not isinstance(config.get("defaults"), dict):
                fail(f"panel {title!r} has no fieldConfig.defaults (a dict)")
            refs = [t.get("refId") for t in _targets(panel)]
            if not all(isinstance(r, str) and r for r in refs) or len(set(refs)) != len(refs):
                fail(f"panel {title!r}'s targets have the refIds {refs}: a distinct str each")
            grid = panel.get("gridPos")
            keys = ("x", "y", "w", "h")
            if not isinstance(grid, dict) or not all(
                isinstance(grid.get(k), int) and not isinstance(grid.get(k), bool) for k in keys
            ):
                fail(f"panel {title!r} has the gridPos {grid!r}: ints x, y, w, h")
            x, y, w, h = (grid[k] for k in keys)
            if x < 0 or y < 0 or w < 1 or h < 1 or x + w > 24:
                fail(
                    f"panel {title!r} has the gridPos {grid}: Grafana's grid is 24 columns wide "
                    "(x >= 0, y >= 0, w >= 1, h >= 1, x + w <= 24)"
                )
            for other, (ox, oy, ow, oh) in boxes:
                if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                    fail(f"panels {other!r} and {title!r} overlap ({grid})")
            boxes.append((title, (x, y, w, h)))

    def test_queries_read_exported_series_of_the_job(self, submission, exchange):
        series = exported(exchange)
        for job, dashboard in (
            (JOB, _build(submission)),
            (OTHER_JOB, _build(submission, OTHER_JOB)),
        ):
            for title, panel in _panels(dashboard).items():
                for target, ast in _parsed(panel):
                    found = [n for n in nodes(ast) if isinstance(n, pq.VectorSelector)]
                    if not found:
                        fail(f"panel {title!r}: {target['expr']!r} reads no series")
                    for vs in found:
                        _check_selector(title, target["expr"], vs, job, series)

    def test_rate_only_over_counters_over_5m(self, submission, exchange):
        series = exported(exchange)
        for title, panel in _panels(_build(submission, JOB)).items():
            for _target, ast in _parsed(panel):
                for node in nodes(ast):
                    if not isinstance(node, pq.Call) or node.func.name not in (
                        "rate",
                        "irate",
                        "increase",
                    ):
                        continue
                    arg = strip(node.args[0]) if node.args else None
                    if not isinstance(arg, pq.MatrixSelector):
                        fail(f"panel {title!r}: {node} should read a range, name{{...}}[5m]")
                    name = selector_name(arg.vector_selector) or "?"
                    # A name the service does not export is reported by the check of the series.
                    if name in series and not series[name]["counter"]:
                        fail(
                            f"panel {title!r}: {node.func.name}() over {name}, which is not a "
                            "counter: rate() measures how fast a counter grows (and reads a drop "
                            "as a restart); a gauge such as the PSI is shown as it is"
                        )
                    if arg.range.total_seconds() != WINDOW:
                        fail(
                            f"panel {title!r}: {node} is over "
                            f"[{pq.display_duration(arg.range)}], expected [5m]"
                        )

    def test_request_rate_panel(self, submission):
        panel = _panels(_build(submission, JOB))["Request rate"]
        ok = False
        for _target, ast in _parsed(panel):
            agg = _aggregation(ast)
            if agg is None or agg[0] != "sum":
                continue
            vs = _rated_selector(strip(ast).expr, ("rate",))
            if vs is not None and selector_name(vs) == "fraud_requests_total":
                kind, labels = agg[1], agg[2]
                if kind == "without" or labels not in ({"route"}, {"route", "status"}, set()):
                    fail(
                        f"the request rate is summed {kind} ({', '.join(sorted(labels))}): sum "
                        "it by (route), by (route, status), or over everything, so the panel "
                        "shows where the traffic goes and stays one line per route however "
                        "many instances serve it"
                    )
                others = sorted({m.name for m in matchers(vs)} - {"job"})
                if others:
                    fail(
                        f"the request rate filters on {others}: count every request "
                        "(sum by route, or by route and status, of the rate of all of them)"
                    )
                ok = True
        if not ok:
            fail(
                "panel 'Request rate' has no query sum(rate(fraud_requests_total{job=...}[5m])) "
                "(summed by route, or by route and status, or over everything): requests per "
                f"second, found {[t['expr'] for t in _targets(panel)]}"
            )
        _check_unit(panel)

    def test_error_ratio_panel(self, submission):
        panel = _panels(_build(submission, JOB))["Error ratio"]
        problems = [_error_ratio_problem(ast) for _t, ast in _parsed(panel)]
        if all(problems):
            fail(f"panel 'Error ratio': {problems[0]}")
        _check_unit(panel)

    def test_latency_panel(self, submission):
        panel = _panels(_build(submission, JOB))["Latency"]
        found = []
        for target, ast in _parsed(panel):
            top = strip(ast)
            if not isinstance(top, pq.Call) or top.func.name != "histogram_quantile":
                fail(
                    f"panel 'Latency': {target['expr']!r} should be histogram_quantile(q, ...) "
                    "of the latency histogram's buckets"
                )
            q = _rules._number(top.args[0])
            inner = strip(top.args[1])
            agg = _aggregation(inner)
            keeps_le = agg is not None and (
                (agg[1] == "by" and "le" in agg[2]) or (agg[1] == "without" and "le" not in agg[2])
            )
            if agg is None or agg[0] != "sum" or not keeps_le:
                fail(
                    f"panel 'Latency': {target['expr']!r} should sum the bucket rates keeping "
                    "`le`, sum by (le) (rate(...)): histogram_quantile reads the bucket bounds "
                    "from `le`, and without a sum it draws one line per route and instance"
                )
            vs = _rated_selector(inner.expr, ("rate", "increase"))
            if vs is None or selector_name(vs) != "fraud_request_duration_seconds_bucket":
                fail(
                    f"panel 'Latency': {target['expr']!r} should read "
                    "rate(fraud_request_duration_seconds_bucket{job=...}[5m]): only the _bucket "
                    "series carry `le`"
                )
            found.append(q)
        if sorted(q for q in found if q is not None) != list(QUANTILES) or len(found) != 3:
            fail(
                f"panel 'Latency' draws the quantiles {found}, expected {list(QUANTILES)} (one "
                "target each: the median, p95 and the p99 of the alert)"
            )
        _check_unit(panel)

    def test_score_distribution_panel(self, submission):
        panel = _panels(_build(submission, JOB))["Score distribution"]
        for target, ast in _parsed(panel):
            if target.get("format") != "heatmap":
                fail(
                    f"panel 'Score distribution': the target {target.get('refId')!r} has the "
                    f"format {target.get('format')!r}, expected 'heatmap' (Grafana then reads "
                    "each `le` series as a bucket)"
                )
            agg = _aggregation(ast)
            keeps_le = agg is not None and (
                (agg[1] == "by" and "le" in agg[2]) or (agg[1] == "without" and "le" not in agg[2])
            )
            vs = _rated_selector(strip(ast).expr, ("rate", "increase")) if agg else None
            if (
                not keeps_le
                or agg[0] != "sum"
                or vs is None
                or selector_name(vs) != "fraud_score_bucket"
            ):
                fail(
                    f"panel 'Score distribution': {target['expr']!r} should be sum by (le) "
                    "(increase(fraud_score_bucket{job=...}[5m])): the scores served per bucket, "
                    "the buckets kept apart by `le`"
                )

    def test_drift_panel(self, submission):
        panel = _panels(_build(submission, JOB))["Drift (PSI)"]
        for target, ast in _parsed(panel):
            value = strip(ast)
            agg = _aggregation(value)
            if agg is not None:
                if agg[0] != "max":
                    fail(
                        f"panel 'Drift (PSI)': {target['expr']!r} takes the {agg[0]} over "
                        "features: show each feature's PSI (or its max by feature)"
                    )
                value = strip(value.expr)
            if (
                not isinstance(value, pq.VectorSelector)
                or selector_name(value) != "fraud_feature_psi"
            ):
                fail(
                    f"panel 'Drift (PSI)': {target['expr']!r} should show the gauge "
                    "fraud_feature_psi{job=...} as it is (or its max by feature): it is set by "
                    "the drift job, never rated"
                )
        defaults = _defaults(panel)
        thresholds = defaults.get("thresholds")
        steps = thresholds.get("steps") if isinstance(thresholds, dict) else None
        steps = steps if isinstance(steps, list) else []
        values = [s.get("value") for s in steps if isinstance(s, dict)]
        if not any(isinstance(v, (int, float)) and math.isclose(v, 0.2) for v in values):
            fail(
                f"panel 'Drift (PSI)' has the threshold steps {values}: add a step of value 0.2 "
                "(fieldConfig.defaults.thresholds.steps), where drift becomes major"
            )


def _check_selector(title: str, expr: str, vs: Any, job: str, series: dict) -> None:
    name = selector_name(vs)
    if name not in series:
        fail(
            f"panel {title!r}: {expr!r} reads {name!r}, which the service does not export (a "
            f"real scrape has {sorted(series)}): the panel would show No data, without a word"
        )
    own = matchers(vs)
    if not any(m.name == "job" and m.op == pq.MatchOp.Equal and m.value == job for m in own):
        fail(
            f'panel {title!r} of build_dashboard({job!r}): {expr!r} should select job="{job}" '
            "(the job given to build_dashboard): without it the panel mixes every job's series"
        )
    for m in own:
        if m.name not in series[name]["labels"]:
            fail(
                f"panel {title!r}: {expr!r} filters on {m.name!r}, a label {name} does not have "
                f"(it has {sorted(series[name]['labels'])})"
            )


def _error_ratio_problem(ast: Any) -> str | None:
    ratio = strip(ast)
    if not isinstance(ratio, pq.BinaryExpr) or str(ratio.op).strip() != "/":
        return f"{ast} should divide the rate of 5xx responses by the rate of all responses"
    sides = []
    for side in (ratio.lhs, ratio.rhs):
        agg = _aggregation(side)
        if agg is None or agg[0] != "sum" or (agg[1] == "by" and not agg[2] <= {"job", "instance"}):
            return (
                f"{ast}: each side should be a sum over every route, method and status "
                "(sum(rate(...)), or sum by (job))"
            )
        if agg[1] == "without" and not {"route", "method", "status"} <= agg[2]:
            return f"{ast}: each side should be summed over every route, method and status"
        vs = _rated_selector(strip(side).expr, ("rate", "increase"))
        if vs is None or selector_name(vs) != "fraud_requests_total":
            return f"{ast}: each side should be the rate of fraud_requests_total over [5m]"
        sides.append({m.name: m for m in matchers(vs)})
    errors, total = sides
    if "status" not in errors:
        return f'{ast}: the numerator should count the 5xx responses only (status="5xx")'
    status = errors["status"]
    if any(_rules._matches(status, c) != (c == "5xx") for c in STATUS_CLASSES):
        return f"{ast}: the numerator should select the class 5xx and no other"
    if "status" in total:
        return f"{ast}: the denominator should count ALL responses (no status matcher)"
    if set(errors) - {"job", "status"} or set(total) - {"job"}:
        return f"{ast}: the ratio is over every route and method (no other matcher)"
    mismatch = _rules.ratio_mismatch(ratio)
    return f"{ast}: {mismatch}" if mismatch else None


# --- the checks: write_provisioning -----------------------------------------------------------


def _reference_dashboard(reference) -> dict:
    return reference.build_dashboard(JOB)


def _write(submission, folder: Any, dashboard: dict, where: str) -> Any:
    try:
        return submission.write_provisioning(folder, dashboard)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        fail(f"write_provisioning raised {type(exc).__name__}: {exc}, on {where}")


def _as_path(value: Any) -> Path | None:
    """A path the learner's code returned: a str, or a Path, which comes back from the learner's
    process as a handle (asked for its as_posix() there)."""
    if isinstance(value, (str, Path)):
        return Path(value)
    try:
        text = value.as_posix()
        return Path(text) if isinstance(text, str) else None
    except Exception:  # noqa: BLE001 - not a path
        return None


def _listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        fail(f"{path.name} is not valid YAML: {str(exc)[:200]}")


class TestProvisioning:
    def test_files_and_contents(self, submission, reference, exchange):
        dashboard = _reference_dashboard(reference)
        root = exchange / "monitoring" / "grafana"  # missing: created, parents too
        paths = _write(submission, str(root), dashboard, "a folder given as a str")
        expected = [root / f for f in FILES]
        if not isinstance(paths, list) or [_as_path(p) for p in paths] != expected:
            fail(
                f"write_provisioning returned {paths!r}, expected the list of the three paths "
                f"{[str(p) for p in expected]}, in that order"
            )
        if any(isinstance(p, str) for p in paths):
            fail(
                f"write_provisioning returned the strings {paths!r}: its signature says "
                "list[Path], the pathlib.Path of each file (a caller reads path.name, "
                "path.read_text() on them)"
            )
        listing = _listing(root)
        if listing != sorted(f.as_posix() for f in FILES):
            fail(
                f"the folder holds {listing}, expected exactly {[f.as_posix() for f in FILES]}: "
                "no temporary file left behind"
            )
        for path in expected:
            mode = path.stat().st_mode & 0o777
            if mode & 0o044 != 0o044:
                fail(
                    f"{path.name} has the mode {oct(mode)}: Grafana runs as its own user in its "
                    "container and must read it: make it readable by all (0o644; mkstemp "
                    "creates 0o600)"
                )
        sources = _yaml(expected[0])
        if not isinstance(sources, dict) or sources.get("apiVersion") != 1:
            fail(f"{FILES[0]} should hold apiVersion: 1 and datasources, found {sources!r}")
        listed = sources.get("datasources")
        if not isinstance(listed, list) or len(listed) != 1 or not isinstance(listed[0], dict):
            fail(f"{FILES[0]}: `datasources` should list one data source, found {listed!r}")
        source = listed[0]
        wanted = {
            "type": DATASOURCE["type"],
            "uid": DATASOURCE["uid"],
            "url": PROMETHEUS_URL,
            "access": "proxy",
            "isDefault": True,
        }
        wrong = {k: source.get(k) for k, v in wanted.items() if source.get(k) != v}
        if wrong:
            fail(
                f"{FILES[0]}: the data source has {wrong}, expected {wanted}: the panels name "
                "its uid, and Grafana reaches Prometheus by its compose service name"
            )
        providers = _yaml(expected[1])
        if not isinstance(providers, dict) or providers.get("apiVersion") != 1:
            fail(f"{FILES[1]} should hold apiVersion: 1 and providers, found {providers!r}")
        listed = providers.get("providers")
        if not isinstance(listed, list) or len(listed) != 1 or not isinstance(listed[0], dict):
            fail(f"{FILES[1]}: `providers` should list one provider, found {listed!r}")
        provider = listed[0]
        path = (
            (provider.get("options") or {}).get("path")
            if isinstance(provider.get("options"), dict)
            else None
        )
        if provider.get("type") != "file" or path != DASHBOARDS_PATH:
            fail(
                f"{FILES[1]}: the provider has type {provider.get('type')!r} and options.path "
                f"{path!r}, expected 'file' and {DASHBOARDS_PATH!r}, where the compose file "
                "mounts the dashboards folder"
            )
        try:
            board = json.loads(expected[2].read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            fail(f"{FILES[2]} is not valid JSON: {exc}")
        if board != dashboard:
            fail(f"{FILES[2]} does not read back as the dashboard given (json.loads differs)")

    def test_writes_atomically(self, submission, reference, exchange):
        dashboard = _reference_dashboard(reference)
        root = exchange / "grafana"
        old = {}
        for f in FILES:
            (root / f).parent.mkdir(parents=True, exist_ok=True)
            (root / f).write_text(f"old {f.name}\n", encoding="utf-8")
            old[f.as_posix()] = f"old {f.name}\n"
        facts = submission.observe(_watched_write, str(root), dashboard, 0)
        if facts["error"]:
            fail(f"write_provisioning raised {facts['error']}, on a folder holding older files")
        finals = {str(root / f) for f in FILES}
        in_place = sorted({p for p, _how in facts["writes"] if p in finals})
        if in_place:
            fail(
                f"write_provisioning opened {[Path(p).name for p in in_place]} for writing: a "
                "file written in place is half-written for a moment, and Grafana, which "
                "re-reads its folders while it runs, can read it so. Write a temporary file in "
                "the same folder, then os.replace it onto the name"
            )
        moved = {dst: src for src, dst in facts["moves"]}
        for final in sorted(finals):
            src = moved.get(final)
            if src is None:
                fail(
                    f"{Path(final).name} was not moved into place (os.replace): write it as a "
                    "temporary file in its folder, then os.replace it onto its name"
                )
            if Path(src).parent != Path(final).parent:
                fail(
                    f"{Path(final).name} was moved from {src}, another folder: os.replace is "
                    "atomic only within one file system, so write the temporary file beside it"
                )
        # The second move fails (a full disk, on purpose): the error propagates, and nothing is
        # left half-written or behind.
        for f in FILES:
            (root / f).write_text(old[f.as_posix()], encoding="utf-8")
        facts = submission.observe(_watched_write, str(root), dashboard, 2)
        if facts["error"] is None or "on purpose" not in facts["error"]:
            fail(
                "the second move onto a file failed with OSError (on purpose), but "
                f"write_provisioning {'raised ' + facts['error'] if facts['error'] else 'returned'}"
                ": let the error propagate, so that the caller knows the files are not all new"
            )
        listing = _listing(root)
        if listing != sorted(old):
            fail(
                f"after a failed move the folder holds {listing}: delete the temporary file "
                f"when anything fails (expected only {sorted(old)})"
            )
        for f in FILES:
            text = (root / f).read_text(encoding="utf-8")
            if text != old[f.as_posix()] and _complete(f, text, dashboard) is False:
                fail(f"after a failed move, {f} holds neither its old nor its new content")

    def test_rejects_bad_dashboards(self, submission, reference, exchange):
        good = _reference_dashboard(reference)
        root = exchange / "grafana"
        for f in FILES:
            (root / f).parent.mkdir(parents=True, exist_ok=True)
            (root / f).write_text("old\n", encoding="utf-8")
        bad = {
            "a list": [good],
            "no uid": {k: v for k, v in good.items() if k != "uid"},
            "an empty uid": good | {"uid": ""},
            "the uid 5 (an int, not a str)": good | {"uid": 5},
            "panels not a list": good | {"panels": {"1": good["panels"][0]}},
            "a NaN inside": good | {"refresh": float("nan")},
            "a set inside": good | {"tags": {"fraud"}},
        }
        for what, dashboard in bad.items():
            try:
                submission.write_provisioning(str(root), dashboard)
            except NotImplementedError:
                raise
            except ValueError:
                pass
            except Exception as exc:  # noqa: BLE001
                fail(
                    f"write_provisioning with {what} raised {type(exc).__name__}: {exc}, "
                    "expected ValueError"
                )
            else:
                fail(f"write_provisioning accepted a dashboard with {what}: expected ValueError")
            listing = _listing(root)
            changed = [f.as_posix() for f in FILES if (root / f).read_text() != "old\n"]
            if changed or listing != sorted(f.as_posix() for f in FILES):
                fail(
                    f"write_provisioning with {what} raised ValueError but changed the folder "
                    f"({changed or listing}): check everything before writing anything"
                )


def _complete(f: Path, text: str, dashboard: dict) -> bool:
    if f.suffix == ".json":
        try:
            return json.loads(text) == dashboard
        except ValueError:
            return False
    try:
        return isinstance(yaml.safe_load(text), dict)
    except yaml.YAMLError:
        return False


def _watched_write(module: Any, folder: str, dashboard: dict, fail_move: int) -> dict:
    """In the learner's process: write_provisioning with every open for writing and every move
    recorded; the `fail_move`-th move (1-based; 0: none) raises OSError instead."""
    import builtins
    import io
    import shutil

    writes: list = []
    moves: list = []
    originals = {
        "io.open": io.open,
        "os.open": os.open,
        "os.replace": os.replace,
        "os.rename": os.rename,
        "shutil.move": shutil.move,
    }

    def path_of(file: Any) -> str | None:
        if isinstance(file, int):
            return None
        try:
            return os.path.abspath(os.fspath(file))
        except TypeError:
            return None

    def watched_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        path = path_of(file)
        if path and any(c in str(mode) for c in "wax+"):
            writes.append((path, str(mode)))
        return originals["io.open"](file, mode, *args, **kwargs)

    def watched_os_open(file: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
        path = path_of(file)
        if path and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND):
            writes.append((path, f"os.open flags {flags}"))
        return originals["os.open"](file, flags, *args, **kwargs)

    def mover(name: str):
        def move(src: Any, dst: Any, *args: Any, **kwargs: Any) -> Any:
            moves.append((path_of(src), path_of(dst)))
            if len(moves) == fail_move:
                raise OSError(28, "No space left on device (on purpose)")
            return originals[name](src, dst, *args, **kwargs)

        return move

    replacements = {
        "io.open": watched_open,
        "os.open": watched_os_open,
        "os.replace": mover("os.replace"),
        "os.rename": mover("os.rename"),
        "shutil.move": mover("shutil.move"),
    }
    bound = [  # names the learner imported directly (from os import replace)
        (name, value)
        for name, value in vars(module).items()
        if any(value is original for original in originals.values())
    ]
    error = None
    try:
        io.open = builtins.open = replacements["io.open"]
        os.open = replacements["os.open"]
        os.replace, os.rename = replacements["os.replace"], replacements["os.rename"]
        shutil.move = replacements["shutil.move"]
        for name, value in bound:
            key = next(k for k, v in originals.items() if v is value)
            setattr(module, name, replacements[key])
        try:
            module.write_provisioning(folder, dashboard)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported as a fact
            error = f"{type(exc).__name__}: {exc}"
    finally:
        io.open = builtins.open = originals["io.open"]
        os.open = originals["os.open"]
        os.replace, os.rename = originals["os.replace"], originals["os.rename"]
        shutil.move = originals["shutil.move"]
        for name, value in bound:
            setattr(module, name, value)
    return {"writes": writes, "moves": moves, "error": error}
