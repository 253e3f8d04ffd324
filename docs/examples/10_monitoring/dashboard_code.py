"""Worked example: a Grafana dashboard as code, its queries checked against a real scrape.

A dashboard built by hand in Grafana's editor lives in Grafana's database: nobody reviews it,
and a renamed metric turns a panel into "No data" without a word. Written as code, it is a JSON
document in the repository, reviewed like code, provisioned from files, and its queries can be
tested. The example builds one for the refunds desk of instrument_app.py (the neighbour: the
exercise builds the fraud service's), then:

1. parses every query with promql-parser and lists the metric names each one reads;
2. scrapes the refunds desk once and checks that every name is one it exports, and that every
   selector names the scrape job;
3. shows what the check says about a misspelt metric and a query that does not parse;
4. writes Grafana's provisioning files into a temporary folder, and checks the Compose file
   beside this example (compose.monitoring.yaml) against the Compose specification's schema.

Run: python docs/examples/10_monitoring/dashboard_code.py   (about 2 s)
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import promql_parser
import yaml
from instrument_app import make_refunds_app
from prometheus_client.parser import text_string_to_metric_families

HERE = Path(__file__).resolve().parent
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}


def panel(n: int, title: str, unit: str, *queries: tuple[str, str]) -> dict:
    """A time-series panel, two to a row, each 12 columns wide and 8 rows high."""
    return {
        "id": n,
        "type": "timeseries",
        "title": title,
        "datasource": DATASOURCE,
        "gridPos": {"x": 12 * (n % 2), "y": 8 * (n // 2), "w": 12, "h": 8},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(65 + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(queries)
        ],
    }


def refunds_dashboard(job: str = "refunds-api") -> dict:
    sel = f'job="{job}"'

    def quantile(q: float) -> str:
        buckets = f"refunds_request_duration_seconds_bucket{{{sel}}}"
        return f"histogram_quantile({q}, sum by (le) (rate({buckets}[5m])))"

    return {
        "title": "Refunds desk",
        "uid": "refunds-desk",
        "schemaVersion": 39,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "tags": ["refunds", "red"],
        "panels": [
            panel(
                0,
                "Requests per second, by route",
                "reqps",
                (f"sum by (route) (rate(refunds_requests_total{{{sel}}}[5m]))", "{{route}}"),
            ),
            panel(
                1,
                "Share of requests answered 4xx",
                "percentunit",
                (
                    f'sum(rate(refunds_requests_total{{{sel},status="4xx"}}[5m])) / '
                    f"sum(rate(refunds_requests_total{{{sel}}}[5m]))",
                    "4xx",
                ),
            ),
            panel(
                2,
                "Latency quantiles",
                "s",
                *((quantile(q), f"p{round(q * 100)}") for q in (0.5, 0.95, 0.99)),
            ),
            panel(
                3,
                "Version running",
                "none",
                (f"sum by (version) (refunds_build_info{{{sel}}})", "{{version}}"),
            ),
        ],
    }


def selectors(node) -> list:
    """Every VectorSelector in a parsed PromQL expression (also inside a range selector)."""
    if isinstance(node, promql_parser.VectorSelector):
        return [node]
    found = []
    for attr in ("lhs", "rhs", "expr", "vector_selector", "param"):
        child = getattr(node, attr, None)
        if child is not None and not isinstance(child, (str, float, int)):
            found += selectors(child)
    for child in getattr(node, "args", None) or []:
        found += selectors(child)
    return found


def exported_names() -> set[str]:
    """Every sample name the refunds desk exports, after a little traffic."""

    async def scrape() -> str:
        transport = httpx.ASGITransport(app=make_refunds_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://refunds") as client:
            await client.get("/refunds/7")
            return (await client.get("/metrics")).text

    families = text_string_to_metric_families(asyncio.run(scrape()))
    return {sample.name for family in families for sample in family.samples}


def problems(expr: str, exported: set[str], job: str) -> list[str]:
    try:
        tree = promql_parser.parse(expr)
    except ValueError as exc:
        return [f"does not parse: {str(exc).splitlines()[0]}"]
    out = []
    for vs in selectors(tree):
        if vs.name not in exported:
            out.append(f"{vs.name} is not exported")
        labels = {(m.name, m.value) for m in vs.matchers.matchers}
        if ("job", job) not in labels:
            out.append(f"{vs.name} without job={job!r}")
    return out


def main() -> None:
    dashboard = refunds_dashboard()
    exported = exported_names()
    print(f"the refunds desk exports {len(exported)} sample names")
    print("| panel | metrics read | problems |")
    print("|---|---|---|")
    for p in dashboard["panels"]:
        for t in p["targets"]:
            names = sorted({vs.name for vs in selectors(promql_parser.parse(t["expr"]))})
            found = problems(t["expr"], exported, "refunds-api")
            print(f"| {p['title']} ({t['refId']}) | {', '.join(names)} | {found or 'none'} |")

    broken = {
        "a misspelt metric": 'sum(rate(refunds_request_total{job="refunds-api"}[5m]))',
        "no job selector": "sum(rate(refunds_requests_total[5m]))",
        "a missing bracket": 'sum(rate(refunds_requests_total{job="refunds-api"}[5m])',
    }
    for what, expr in broken.items():
        print(f"{what}: {problems(expr, exported, 'refunds-api')}")

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "monitoring" / "grafana"
        files = {
            root / "provisioning" / "datasources" / "prometheus.yml": yaml.safe_dump(
                {
                    "apiVersion": 1,
                    "datasources": [
                        {
                            "name": "Prometheus",
                            "type": "prometheus",
                            "uid": DATASOURCE["uid"],
                            "access": "proxy",
                            "url": "http://prometheus:9090",
                            "isDefault": True,
                        }
                    ],
                },
                sort_keys=False,
            ),
            root / "provisioning" / "dashboards" / "refunds.yml": yaml.safe_dump(
                {
                    "apiVersion": 1,
                    "providers": [
                        {
                            "name": "refunds",
                            "folder": "Services",
                            "type": "file",
                            "allowUiUpdates": False,
                            "options": {"path": "/etc/grafana/dashboards"},
                        }
                    ],
                },
                sort_keys=False,
            ),
            root / "dashboards" / "refunds.json": json.dumps(dashboard, indent=2),
        }
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        print("provisioning files:")
        for path in sorted(files):
            print(f"  {path.relative_to(folder)}")
        loaded = json.loads((root / "dashboards" / "refunds.json").read_text(encoding="utf-8"))
        print(f"the JSON reads back the same: {loaded == dashboard}")

    compose = HERE / "compose.monitoring.yaml"
    argv = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec"]
    result = subprocess.run([*argv, str(compose)], capture_output=True, text=True, timeout=60)
    print(f"{compose.name} against the Compose schema: {result.stdout.strip()}")
    services = yaml.safe_load(compose.read_text(encoding="utf-8"))["services"]
    print(f"services: {', '.join(services)}")


if __name__ == "__main__":
    main()
