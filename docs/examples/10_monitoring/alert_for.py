"""Worked example: an alert on a ratio of counter rates, `for:` against a blip, checked by promtool.

The refunds desk (instrument_app.py) serves 10 requests a second. Its 5xx errors over 40 minutes
of made-up series: a blip of one minute at minute 10, then an incident from minute 20 to minute
30. Two rules with the same expression, "more than 5 % of requests failed over the last 5
minutes": one fires at once, the other only after the condition has held `for: 5m`.

The example works out, minute by minute, what Prometheus computes (each rate over the samples of
the last 5 minutes, the ratio, the pending and firing states), writes the rules and a unit-test
file that expects exactly those states at every minute, and runs `promtool test rules` on it
(Prometheus's own engine: it fails the example if the two disagree). Then it shows why `rate()`
belongs on counters only, and what a fast burn of an error budget means.

Run: python docs/examples/10_monitoring/alert_for.py   (about 1 s; needs promtool on PATH)
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

MINUTES = 40
OK_PER_MINUTE = 600  # 10 requests a second answered 2xx
THRESHOLD = 0.05
FOR_MINUTES = 5
RATIO = (
    'sum(rate(refunds_requests_total{status="5xx"}[5m]))'
    " / sum(rate(refunds_requests_total[5m])) > 0.05"
)
SUMMARIES = {
    "RefundsErrorsAtOnce": "More than 5% of refund requests fail",
    "RefundsErrors": "More than 5% of refund requests fail, for 5 minutes",
}
RULES = f"""\
groups:
  - name: refunds-desk
    rules:
      - alert: RefundsErrorsAtOnce
        expr: {RATIO}
        labels: {{severity: page}}
        annotations: {{summary: "{SUMMARIES["RefundsErrorsAtOnce"]}"}}
      - alert: RefundsErrors
        expr: {RATIO}
        for: {FOR_MINUTES}m
        labels: {{severity: page}}
        annotations: {{summary: "{SUMMARIES["RefundsErrors"]}"}}
"""


def error_counter() -> np.ndarray:
    """The 5xx counter at each minute 0..MINUTES: +300 in minute 10, +120 a minute in 20-30."""
    per_minute = np.zeros(MINUTES + 1)
    per_minute[11] = 300  # the blip: the increase between the samples at minutes 10 and 11
    per_minute[21:31] = 120  # the incident: 120 of 720 requests a minute fail (17 %)
    return np.cumsum(per_minute)


def states(errors: np.ndarray, ok: np.ndarray) -> list[tuple[float, str, str]]:
    """For each evaluation minute: the 5m ratio, and each rule's state (ok, pending, firing)."""
    out, active_since = [], None
    for t in range(MINUTES + 1):
        first = max(t - 5, 0)  # the samples in the window [t - 5m, t]
        d_err, d_all = errors[t] - errors[first], (errors[t] + ok[t]) - (errors[first] + ok[first])
        ratio = d_err / d_all if d_all > 0 else float("nan")
        breach = bool(ratio > THRESHOLD)
        if not breach:
            active_since = None
        elif active_since is None:
            active_since = t
        at_once = "firing" if breach else "ok"
        held = "ok" if not breach else ("firing" if t - active_since >= FOR_MINUTES else "pending")
        out.append((ratio, at_once, held))
    return out


def unit_tests(errors: np.ndarray, ok: np.ndarray, timeline: list) -> str:
    """A promtool test file that expects the timeline's firing alerts at every minute."""
    cases = []
    for t, (_, at_once, held) in enumerate(timeline):
        for name, state in (("RefundsErrorsAtOnce", at_once), ("RefundsErrors", held)):
            summary = SUMMARIES[name]
            expected = (
                f"[{{exp_labels: {{severity: page}}, exp_annotations: {{summary: '{summary}'}}}}]"
                if state == "firing"
                else "[]"
            )
            cases.append(f"      - {{eval_time: {t}m, alertname: {name}, exp_alerts: {expected}}}")
    ok_values = " ".join(f"{v:g}" for v in ok)
    err_values = " ".join(f"{v:g}" for v in errors)
    # A gauge that goes up and down, for the rate-over-a-gauge mistake.
    return (
        f"""\
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {{series: 'refunds_requests_total{{status="2xx"}}', values: '{ok_values}'}}
      - {{series: 'refunds_requests_total{{status="5xx"}}', values: '{err_values}'}}
      - {{series: 'refunds_queue_depth', values: '5 3 6 2 7 1'}}
    promql_expr_test:
      - expr: rate(refunds_queue_depth[5m])
        eval_time: 5m
        exp_samples: [{{labels: '{{}}', value: 0.04666666666666667}}]
    alert_rule_test:
"""
        + "\n".join(cases)
        + "\n"
    )


def main() -> None:
    errors = error_counter()
    ok = np.arange(MINUTES + 1) * OK_PER_MINUTE
    timeline = states(errors, ok)

    print("| minute | 5xx ratio over 5m | no `for` | `for: 5m` |")
    print("|---:|---:|---|---|")
    changes = [0] + [t for t in range(1, len(timeline)) if timeline[t][1:] != timeline[t - 1][1:]]
    for t in changes:
        ratio, at_once, held = timeline[t]
        shown = "no data (one sample)" if np.isnan(ratio) else f"{ratio:.1%}"
        print(f"| {t} | {shown} | {at_once} | {held} |")
    fired = [t for t, s in enumerate(timeline) if s[2] == "firing"]
    print(
        f"blip: RefundsErrorsAtOnce fires for {sum(s[1] == 'firing' for s in timeline[:20])} "
        f"minutes, RefundsErrors never"
    )
    pending = next(t for t in range(20, len(timeline)) if timeline[t][2] == "pending")
    print(
        f"incident from minute 20: RefundsErrors pending from {pending}, "
        f"firing {fired[0]} to {fired[-1]}"
    )

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "rules.yml").write_text(RULES, encoding="utf-8")
        Path(folder, "tests.yml").write_text(unit_tests(errors, ok, timeline), encoding="utf-8")
        check = subprocess.run(
            ["promtool", "check", "rules", "rules.yml"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        print(f"promtool check rules: {check.stdout.strip().splitlines()[-1].strip()}")
        test = subprocess.run(
            ["promtool", "test", "rules", "tests.yml"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if test.returncode != 0:
            raise SystemExit(f"promtool disagrees:\n{test.stdout}\n{test.stderr}")
        n_cases = 2 * len(timeline)
        print(f"promtool test rules: {n_cases} expected states, minute by minute: SUCCESS")

    # rate() over a gauge: every drop reads as a counter reset.
    print(
        "rate(refunds_queue_depth[5m]) over a gauge going 5 3 6 2 7 1: "
        "0.0467/s (promtool agrees), though the queue shrank from 5 to 1"
    )

    # An error budget: 99.5 % of requests succeed over 30 days.
    slo, days = 0.995, 30
    budget = 1 - slo
    incident_ratio = 120 / 720
    burn = incident_ratio / budget
    print(
        f"SLO {slo:.1%} over {days} days: error budget {budget:.1%} of requests "
        f"({budget * days * 24 * 60:.0f} minutes of total outage)"
    )
    print(
        f"the incident's {incident_ratio:.1%} errors burn it {burn:.1f}x too fast: "
        f"all of it gone in {days * 24 / burn:.1f} hours"
    )
    print("| burn rate | long window | short window | share of the budget spent before it fires |")
    print("|---:|---|---|---:|")
    for rate, long, short in ((14.4, "1h", "5m"), (6, "6h", "30m"), (1, "3d", "6h")):
        hours = {"1h": 1, "6h": 6, "3d": 72}[long]
        print(f"| {rate:g} | {long} | {short} | {rate * hours / (days * 24):.0%} |")


if __name__ == "__main__":
    main()
