"""Checks for capstone/alerts (see solutions/capstone/monitoring/alerts.yml for the reference).

The capstone's alerts are lesson 10 ex03's four, for the capstone's metric names (fraudsys_*,
fraudsys/config.py) and its Prometheus job, `fraudsys`. The learner's file is read as data
exactly as lesson 10's checks read it: this module REUSES those checks
(autograder/checks/10_monitoring/ex03_alert_rules.py), each of their functions rebound to the
capstone's names (`_shared.rebound`: the same code, with this module's constants as its globals), so a
fix to lesson 10's reading of a rules file is a fix here too. Only the drift alert, whose
threshold differs (config.PSI_ALERT_THRESHOLD, 0.1), has a check of its own. The integration
tier (tests/integration/test_capstone_ship.py) runs `promtool check rules` and `promtool test
rules` with the given monitoring/alerts_test.yml on the reference and on the mutants.
"""

from __future__ import annotations

import importlib

import promql_parser as pq

from autograder.assertions import fail

from . import _shared

_lesson = importlib.import_module("autograder.checks.10_monitoring.ex03_alert_rules")

JOB = "fraudsys"
ERROR, LATENCY, DOWN, DRIFT = (
    "FraudsysHighErrorRatio",
    "FraudsysHighLatencyP99",
    "FraudsysTargetDown",
    "FraudsysFeatureDrift",
)
PSI_THRESHOLD = 0.1  # fraudsys/config.py's PSI_ALERT_THRESHOLD
REQUESTS = "fraudsys_requests_total"
BUCKET = "fraudsys_request_duration_seconds_bucket"
PSI = "fraudsys_feature_psi"
# The capstone's names for everything lesson 10's checks read from their module's globals.
CAPSTONE = {
    "JOB": JOB,
    "ERROR": ERROR,
    "LATENCY": LATENCY,
    "DOWN": DOWN,
    "DRIFT": DRIFT,
    "ALERTS": (ERROR, LATENCY, DOWN, DRIFT),
    "FOR": {ERROR: 300, LATENCY: 600, DOWN: 120, DRIFT: 1800},
    "SEVERITY": {ERROR: "page", LATENCY: "page", DOWN: "page", DRIFT: "ticket"},
    "REQUESTS": REQUESTS,
    "BUCKET": BUCKET,
    "PSI": PSI,
    "LABELS": {
        REQUESTS: {"route", "method", "status"},
        BUCKET: {"route", "le"},
        "fraudsys_request_duration_seconds_count": {"route"},
        "fraudsys_request_duration_seconds_sum": {"route"},
        "fraudsys_score_bucket": {"le"},
        "fraudsys_score_count": set(),
        "fraudsys_score_sum": set(),
        "fraudsys_model_info": {"version", "sha256"},
        PSI: {"feature"},
        "up": set(),
    },
    # The capstone service's route templates (fraudsys/service.py), and "unmatched".
    "ROUTES": (
        "/predict",
        "/predict/batch",
        "/health",
        "/ready",
        "/metadata",
        "/metrics",
        "unmatched",
    ),  # fmt: skip
}


_namespace = _shared.rebound(_lesson, CAPSTONE, __name__)
load_rules = _namespace["load_rules"]
compared = _namespace["compared"]
strip = _namespace["strip"]
selector_name = _namespace["selector_name"]
_alert = _namespace["_alert"]
_aggregation = _namespace["_aggregation"]


class TestRulesFile(_namespace["TestRulesFile"]):
    """The file as Prometheus reads it; selectors, rate() over counters, `for`, labels and
    annotations (lesson 10 ex03's checks, for the capstone's names)."""


class TestAlerts(_namespace["TestAlerts"]):
    """The error ratio, the p99 latency and the target down (lesson 10 ex03's checks); the drift
    alert below, for the capstone's threshold."""

    def test_feature_drift(self, submission_text):
        found = _alert(submission_text, DRIFT)
        value = compared(
            DRIFT, found["ast"], PSI_THRESHOLD, " (config.PSI_ALERT_THRESHOLD: the planted drifts "
            "of the data world measure 0.13 to 0.21, the stable features under 0.01)"
        )  # fmt: skip
        agg = _aggregation(value)
        if agg is not None:
            op, _kind, _labels = agg
            if op != "max":
                fail(
                    f"{DRIFT} takes the {op} of the PSI over features: a sum fires on many "
                    "small drifts that are no drift, an average hides one feature's drift "
                    "among the others. Compare each feature's PSI (or their max)"
                )
            value = strip(value.expr)
        if isinstance(value, pq.Call):
            fail(
                f"{DRIFT} applies {value.func.name}() to the PSI: {PSI} is a gauge (the drift job "
                "sets its value), compare it as it is"
            )
        if not isinstance(value, pq.VectorSelector) or selector_name(value) != PSI:
            fail(
                f'{DRIFT} should compare the gauge {PSI}{{job="{JOB}"}} (or its max by feature) '
                f"with {PSI_THRESHOLD}, found {value}"
            )
