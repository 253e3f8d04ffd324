"""Worked example: what the lesson's fraud service exports once it is instrumented.

The service is the course's reference of exercise 01 (`coursekit.metrics.create_monitored_app`,
lesson 08's service with metrics), on lesson 08's model (`make_model_file`), served by uvicorn
in a thread on 127.0.0.1. The example sends it the traffic of a quiet minute: 40 single
payments of the medium world, 2 batches of 100, a body with a missing field, a lookup of a path
that no route has, then records the drift report of April against May (as the scheduled drift
job does) and scrapes `/metrics` once. It prints the series each part of the lesson reads:
requests (the alerts' error ratio), latency buckets (p99), scores, model info and drift.

Run: python docs/examples/10_monitoring/service_metrics.py   (about 3 s)
"""

from __future__ import annotations

import tempfile
import time

import httpx
from drift_windows import features, window
from prometheus_client.parser import text_string_to_metric_families
from prometheus_scrape import free_port, serve

import coursedata
from coursekit.drift import drift_report
from coursekit.metrics import LATENCY_BUCKETS, SCORE_BUCKETS, create_monitored_app, record_drift
from coursekit.serving_model import make_model_file

APRIL, MAY = ("2025-04-01", "2025-05-01"), ("2025-05-01", "2025-05-31")
FIELDS = [
    "transaction_id",
    "timestamp",
    "amount",
    "currency",
    "merchant_category",
    "channel",
    "card_country",
    "merchant_country",
]


def payments(n: int, offset: int = 0) -> list[dict]:
    """n payments of the medium world as the service's clients send them (JSON-ready)."""
    tx = coursedata.sample("medium").transactions.iloc[offset : offset + n][FIELDS]
    rows = tx.astype({"timestamp": str}).to_dict("records")
    for row in rows:
        row["timestamp"] = row["timestamp"].replace(" ", "T")
        for key in ("currency", "merchant_category", "channel", "card_country", "merchant_country"):
            row[key] = str(row[key])
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_monitored_app(make_model_file(folder))
        with serve(app, free_port()) as base_url, httpx.Client(base_url=base_url) as client:
            deadline = time.monotonic() + 30
            while client.get("/ready").status_code != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError("the service never became ready")
                time.sleep(0.05)
            for row in payments(40):
                client.post("/predict", json=row)
            for k in range(2):
                client.post("/predict/batch", json={"transactions": payments(100, 40 + 100 * k)})
            broken = payments(1)[0]
            del broken["amount"]
            print(f"a body without amount: {client.post('/predict', json=broken).status_code}")
            print(f"GET /predict/123: {client.get('/predict/123').status_code}")
            # The drift job's report, April against May (drift_windows.py), handed to the app.
            report = drift_report(features(window(*APRIL)), features(window(*MAY)))
            record_drift(app, dict(zip(report["feature"], report["psi"], strict=True)))
            text = client.get("/metrics").text

    families = {f.name: f for f in text_string_to_metric_families(text)}
    print("fraud_requests_total:")
    for s in sorted(families["fraud_requests"].samples, key=lambda s: sorted(s.labels.items())):
        if s.name.endswith("_total"):
            labels = ", ".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            print(f"  {{{labels}}} {s.value:g}")
    score = families["fraud_score"]
    count = next(s.value for s in score.samples if s.name == "fraud_score_count")
    high = next(s.value for s in score.samples if s.labels.get("le") == "0.5")
    print(
        f"fraud_score: {count:g} scores observed, {count - high:g} above 0.5 "
        f"({len(SCORE_BUCKETS)} buckets of 0.05)"
    )
    latency = families["fraud_request_duration_seconds"]
    routes = sorted({s.labels["route"] for s in latency.samples})
    print(
        f"fraud_request_duration_seconds: routes {routes}, {len(LATENCY_BUCKETS)} buckets "
        f"from {LATENCY_BUCKETS[0]} to {LATENCY_BUCKETS[-1]} s"
    )
    info = families["fraud_model_info"].samples[0]
    print(
        f"fraud_model_info: version={info.labels['version']}, "
        f"sha256={info.labels['sha256'][:12]}..., value {info.value:g}"
    )
    for s in sorted(families["fraud_feature_psi"].samples, key=lambda s: s.labels["feature"]):
        print(f'fraud_feature_psi{{feature="{s.labels["feature"]}"}} {s.value:.4f}')


if __name__ == "__main__":
    main()
