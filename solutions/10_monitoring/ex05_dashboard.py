"""Exercise 05 · A dashboard as code.

Docs: docs/lessons/10-monitoring.md#ex05-dashboard (the site: `mkdocs serve`, then Lesson 10)

A dashboard clicked together in Grafana's editor lives in Grafana's database: nobody reviews it,
nobody can rebuild it, and a renamed metric turns a panel into "No data" without a word. Written
as code, it is a JSON document in the repository, reviewed like code, provisioned from files when
Grafana starts, and its queries are tested against what the service really exports. Exercise
01's service exports the metrics; Prometheus scrapes it as the job `job` (lesson 09's compose
file: "fraud-api"), which adds the label `job` to every series.

Write `build_dashboard(job="fraud-api") -> dict`, Grafana's JSON model of the service's
dashboard:
- `job` is a non-empty `str` of letters, digits and `_ - . :` only (it is written inside the
  queries' quotes): anything else, a non-`str` included, raises `ValueError`.
- The result holds only dicts, lists, strings, numbers, booleans and None: `json.dumps(result,
  allow_nan=False)` works and `json.loads` of it gives back an equal dict (no tuple, no NaN).
- Top level: `title`, a non-empty str naming the job; `uid`, 1 to 40 characters among letters,
  digits, `-` and `_`, different for different jobs (Grafana keeps one dashboard per uid: the
  staging dashboard must not overwrite production's); `schemaVersion`, an int of at least 36
  (Grafana 10 and 11; the reference uses 39); `panels`, the list of panels. Other keys (time,
  refresh, tags) are yours.
- Exactly five panels, with these titles: "Request rate", "Error ratio", "Latency",
  "Score distribution", "Drift (PSI)". Each panel has an `id` (an int >= 1, unique), a `type`
  ("heatmap" for "Score distribution", "timeseries" for the others), a `gridPos` {x, y, w, h}
  of ints on Grafana's 24-column grid (x >= 0, y >= 0, w >= 1, h >= 1, x + w <= 24) where no two
  panels overlap, `datasource` equal to DATASOURCE (the data source that `write_provisioning`
  provisions), and `targets`: a non-empty list of {"refId": ..., "expr": ...} (plus, if you
  like, legendFormat, format, datasource), refIds unique within the panel.
- Every `expr` is plain PromQL, no Grafana variable ($__rate_interval, $job): it parses as it is.
  Every selector names a series the service exports (fraud_requests_total,
  fraud_request_duration_seconds_bucket/_count/_sum, fraud_score_bucket/_count/_sum,
  fraud_model_info, fraud_feature_psi), with the matcher job="<job>" and matchers only on labels
  that series has. rate() and increase() go over counters only (a _total series, or a
  histogram's _bucket, _count, _sum), always over [5m].
- "Request rate": requests per second of every request (no matcher but the job),
  sum(rate(fraud_requests_total{job=...}[5m])), summed by route (or by route and status, or
  over everything); unit "reqps".
- "Error ratio": the rate of 5xx responses divided by the rate of all responses, each side a
  sum over every route, method and status (sum, or by job), no matcher but the job (and the
  errors' status="5xx"); both sides summed the same way and with the same function (a division
  pairs the series of its sides that have the same labels: sum by (job) over sum() is empty);
  unit "percentunit".
- "Latency": three targets, the 0.5, 0.95 and 0.99 quantiles, histogram_quantile(q, sum by
  (le) (rate(fraud_request_duration_seconds_bucket{job=...}[5m]))): summed with `le` kept
  (by (le), or by (le, route)); unit "s".
- "Score distribution": the scores served, sum by (le) (increase(fraud_score_bucket{job=...}
  [5m])) (or rate), `le` kept, each target with "format": "heatmap".
- "Drift (PSI)": the gauge fraud_feature_psi{job=...} as it is (or its max by feature), never
  rated; fieldConfig.defaults.thresholds.steps holds a step of value 0.2 (a major drift).
  Every panel sets fieldConfig.defaults (the unit where one is named above).

Write `write_provisioning(folder, dashboard) -> list[Path]`, the files that Grafana reads when it
starts, in `folder` (a str or Path; created if missing, parents too), for the compose file's
grafana service, which mounts `folder/provisioning` at /etc/grafana/provisioning and
`folder/dashboards` at DASHBOARDS_PATH:
- `provisioning/datasources/prometheus.yml`: `apiVersion: 1` and `datasources`, one Prometheus
  data source with DATASOURCE's type and uid, `url: http://prometheus:9090` (the Prometheus
  service of the compose file), `access: proxy`, `isDefault: true`.
- `provisioning/dashboards/fraud.yml`: `apiVersion: 1` and `providers`, one provider of
  `type: file` whose `options.path` is DASHBOARDS_PATH.
- `dashboards/fraud.json`: the dashboard as JSON (json.loads of it equals `dashboard`).
- Each file is written atomically: into a temporary file in its own folder, then moved onto its
  name with `os.replace`, so that Grafana (which re-reads the folder while it runs) never reads
  half a file; if anything fails, the temporary file is deleted and the exception propagates.
  Each file is readable by everyone (mode 0o644): Grafana reads it as its own user in its
  container, and `tempfile.mkstemp` creates its files 0o600.
- The folder holds nothing else afterwards (no temporary file left behind).
- Returns the three paths, in that order.
- `ValueError`, before anything is written, when `dashboard` is not a dict with a non-empty str
  `uid` and a list `panels`, or cannot be written as JSON (a NaN, a set, an object).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import yaml

DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
DASHBOARDS_PATH = "/etc/grafana/dashboards"
PROMETHEUS_URL = "http://prometheus:9090"


def build_dashboard(job: str = "fraud-api") -> dict:
    """The fraud service's Grafana dashboard, its queries selecting `job`."""
    # BEGIN SOLUTION: validate job; build the five panels and the dashboard around them
    if not isinstance(job, str) or not re.fullmatch(r"[A-Za-z0-9_.:-]+", job):
        raise ValueError(
            f"job must be a non-empty str of letters, digits and _ - . : only, got {job!r}"
        )
    sel = f'job="{job}"'

    def rate(series: str, extra: str = "") -> str:
        return f"rate({series}{{{sel}{extra}}}[5m])"

    def quantile(q: float) -> str:
        buckets = rate("fraud_request_duration_seconds_bucket")
        return f"histogram_quantile({q}, sum by (le) ({buckets}))"

    def panel(n: int, title: str, kind: str, grid: tuple, queries: list, defaults: dict) -> dict:
        x, y, w, h = grid
        return {
            "id": n,
            "type": kind,
            "title": title,
            "gridPos": {"x": x, "y": y, "w": w, "h": h},
            "datasource": dict(DATASOURCE),
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "targets": [
                {"refId": chr(ord("A") + k), "expr": expr, "legendFormat": legend}
                for k, (expr, legend) in enumerate(queries)
            ],
        }

    requests = rate("fraud_requests_total")
    errors = rate("fraud_requests_total", ', status="5xx"')
    panels = [
        panel(
            1,
            "Request rate",
            "timeseries",
            (0, 0, 12, 8),
            [(f"sum by (route) ({requests})", "{{route}}")],
            {"unit": "reqps"},
        ),
        panel(
            2,
            "Error ratio",
            "timeseries",
            (12, 0, 12, 8),
            [(f"sum({errors}) / sum({requests})", "5xx")],
            {"unit": "percentunit", "min": 0},
        ),
        panel(
            3,
            "Latency",
            "timeseries",
            (0, 8, 12, 8),
            [(quantile(q), f"p{round(q * 100)}") for q in (0.5, 0.95, 0.99)],
            {"unit": "s"},
        ),
        panel(
            4,
            "Score distribution",
            "heatmap",
            (12, 8, 12, 8),
            [(f"sum by (le) (increase(fraud_score_bucket{{{sel}}}[5m]))", "{{le}}")],
            {},
        ),
        panel(
            5,
            "Drift (PSI)",
            "timeseries",
            (0, 16, 24, 8),
            [(f"max by (feature) (fraud_feature_psi{{{sel}}})", "{{feature}}")],
            {
                "unit": "none",
                "min": 0,
                "thresholds": {
                    "mode": "absolute",
                    "steps": [
                        {"color": "green", "value": None},
                        {"color": "orange", "value": 0.1},
                        {"color": "red", "value": 0.2},
                    ],
                },
            },
        ),
    ]
    for target in panels[3]["targets"]:
        target["format"] = "heatmap"
    uid = job  # readable when it can be; else a readable prefix and a hash of the whole job
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", job):
        digest = hashlib.sha256(job.encode()).hexdigest()[:12]
        uid = f"{re.sub(r'[^A-Za-z0-9_-]', '-', job)[:27]}-{digest}"
    return {
        "title": f"Fraud service ({job})",
        "uid": uid,
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "tags": ["fraud", "monitoring"],
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "panels": panels,
    }
    # END SOLUTION


def write_provisioning(folder, dashboard: dict) -> list[Path]:
    """Write Grafana's data source, dashboard provider and dashboard files into `folder`,
    atomically; return their paths."""
    # BEGIN SOLUTION: validate and serialise everything first; then write each file atomically
    if (
        not isinstance(dashboard, dict)
        or not isinstance(dashboard.get("uid"), str)
        or not dashboard["uid"]
        or not isinstance(dashboard.get("panels"), list)
    ):
        raise ValueError("dashboard must be a dict with a non-empty str 'uid' and a list 'panels'")
    try:
        board = json.dumps(dashboard, indent=2, sort_keys=True, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the dashboard cannot be written as JSON: {exc}") from None
    datasources = {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Prometheus",
                "type": DATASOURCE["type"],
                "uid": DATASOURCE["uid"],
                "access": "proxy",
                "url": PROMETHEUS_URL,
                "isDefault": True,
                "editable": False,
            }
        ],
    }
    providers = {
        "apiVersion": 1,
        "providers": [
            {
                "name": "fraud",
                "type": "file",
                "folder": "Services",
                "disableDeletion": True,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 30,
                "options": {"path": DASHBOARDS_PATH},
            }
        ],
    }
    root = Path(folder)
    files = [
        (root / "provisioning" / "datasources" / "prometheus.yml", yaml.safe_dump(datasources)),
        (root / "provisioning" / "dashboards" / "fraud.yml", yaml.safe_dump(providers)),
        (root / "dashboards" / "fraud.json", board),
    ]
    for path, text in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o644)  # mkstemp's 0o600 would hide the file from Grafana's user
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)  # one step: a reader sees the old file or the new one
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return [path for path, _text in files]
    # END SOLUTION
