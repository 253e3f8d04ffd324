"""Checks for 10_monitoring/ex03_alert_rules (see solutions/10_monitoring/alerts.yml).

The learner's alerts.yml is data: read as Prometheus reads a rules file (no unknown key, no key
twice, every expression parsed, `for` a Prometheus duration), then every expression's syntax
tree, parsed with promql_parser, is checked against the contract: the series it reads, their
labels, what rate() goes over, how the latency quantile keeps `le`, the thresholds and the `for`
of each alert. None of this needs promtool; the integration tier (tests/integration/
test_prometheus.py) runs `promtool check rules` and `promtool test rules` with the course's unit
tests (alerts_test.yml beside this file) on the reference and on the mutants.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import promql_parser as pq
import yaml

from autograder.assertions import fail
from autograder.yamlfiles import DuplicateKey, refuse_duplicate_keys

JOB = "fraud-api"
ERROR, LATENCY, DOWN, DRIFT = (
    "FraudHighErrorRatio",
    "FraudHighLatencyP99",
    "FraudTargetDown",
    "FraudFeatureDrift",
)
ALERTS = (ERROR, LATENCY, DOWN, DRIFT)
FOR = {ERROR: 300, LATENCY: 600, DOWN: 120, DRIFT: 1800}  # seconds
SEVERITY = {ERROR: "page", LATENCY: "page", DOWN: "page", DRIFT: "ticket"}
WINDOW = 300  # the rates of the error ratio and of the latency quantile: [5m]
MAX_TEXT = 100_000

# The series Prometheus holds for the job: what exercise 01's service exports, and `up`.
REQUESTS = "fraud_requests_total"
BUCKET = "fraud_request_duration_seconds_bucket"
PSI = "fraud_feature_psi"
TARGET = {"job", "instance"}  # added by the scrape to every series
LABELS = {
    REQUESTS: {"route", "method", "status"},
    BUCKET: {"route", "le"},
    "fraud_request_duration_seconds_count": {"route"},
    "fraud_request_duration_seconds_sum": {"route"},
    "fraud_score_bucket": {"le"},
    "fraud_score_count": set(),
    "fraud_score_sum": set(),
    "fraud_model_info": {"version", "sha256"},
    PSI: {"feature"},
    "up": set(),
}
COUNTER_SUFFIXES = ("_total", "_bucket", "_count", "_sum")
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
ROUTES = ("/predict", "/predict/batch", "/health", "/ready", "/metadata", "/metrics", "unmatched")
GROUP_KEYS = {"name", "interval", "limit", "rules"}
RULE_KEYS = {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_DURATION = re.compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$"
)
_UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)
# The functions a Prometheus template may call: Prometheus's own (its documentation's template
# reference, docs/configuration/template_reference.md, plus strvalue, which its source defines)
# and Go text/template's builtins. `promtool check rules` refuses a template calling any other.
# fmt: off
PROMETHEUS_TEMPLATE_FUNCTIONS = frozenset((
    "query", "first", "label", "value", "strvalue", "sortByLabel",
    "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp",
    "toTime", "toDuration", "now",
    "title", "toUpper", "toLower", "stripPort", "stripDomain", "match", "reReplaceAll",
    "graphLink", "tableLink", "parseDuration", "urlQueryEscape",
    "args", "safeHtml", "externalURL", "pathPrefix",
))
GO_TEMPLATE_FUNCTIONS = frozenset((
    "and", "or", "not", "len", "index", "slice", "print", "printf", "println",
    "eq", "ne", "lt", "le", "gt", "ge", "html", "js", "urlquery", "call",
))
GO_TEMPLATE_KEYWORDS = frozenset((
    "if", "else", "end", "range", "with", "define", "template", "block", "nil", "true", "false",
    "break", "continue",
))
# fmt: on
_TEMPLATE_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TEMPLATE_LITERAL = re.compile(
    r'"(?:[^"\\]|\\.)*"|`[^`]*`|\'(?:[^\'\\]|\\.)*\'|/\*.*?\*/', re.DOTALL
)
_TEMPLATE_NAME = re.compile(r"(?<![\w.$])[A-Za-z_]\w*")


# --- reading the file as Prometheus does ------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader refusing a key written twice (Prometheus's YAML reader refuses it too)."""


refuse_duplicate_keys(_Loader)


def duration_seconds(value: Any) -> float | None:
    """A Prometheus duration string (5m, 1h30m, 300s, 0) in seconds; None when it is not one."""
    if not isinstance(value, str):
        return None
    if value == "0":
        return 0.0
    m = _DURATION.match(value)
    if not value or not m or not any(m.groups()):
        return None
    return sum(int(g) * unit for g, unit in zip(m.groups(), _UNITS, strict=True) if g)


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def load_rules(text: str, strict: bool = False) -> dict[str, dict]:
    """The alerting rules of the file, by alert name, each with its parsed `ast`; fails with a
    message on a file that cannot be read, and (`strict`) on anything else `promtool check
    rules` would refuse: an unknown key is reported by the first check only, so that one typo
    does not fail every other check."""
    if len(text) > MAX_TEXT:
        fail(f"alerts.yml is {len(text)} characters long; a rules file this size is a mistake")
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKey as exc:
        fail(f"alerts.yml: {exc}: Prometheus refuses a rules file with a repeated key")
    except yaml.YAMLError as exc:
        fail(f"alerts.yml is not valid YAML: {str(exc)[:300]}")
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        fail(
            "alerts.yml should be a mapping with one key, `groups`, a list of groups "
            f"(found {type(data).__name__}{' with keys ' + str(sorted(map(str, data))) if isinstance(data, dict) else ''})"
        )
    if strict and set(data) != {"groups"}:
        fail(
            f"alerts.yml has the top-level keys {sorted(map(str, set(data) - {'groups'}))} besides "
            "`groups`: Prometheus refuses an unknown key (a misspelt key would otherwise be "
            "silently ignored)"
        )
    rules: dict[str, dict] = {}
    names: set[str] = set()
    for g, group in enumerate(data["groups"]):
        where = f"groups[{g}]"
        if not isinstance(group, dict):
            fail(f"{where} should be a mapping with `name` and `rules`")
        unknown = sorted(map(str, set(group) - GROUP_KEYS))
        if strict and unknown:
            fail(
                f"{where} has the unknown key(s) {unknown} (a group has {sorted(GROUP_KEYS)}): "
                "Prometheus refuses the whole file"
            )
        name = group.get("name")
        if not isinstance(name, str) or not name.strip():
            fail(f"{where} has no `name`: every group needs one")
        if name in names:
            fail(f"two groups are named {name!r}: group names must be unique")
        names.add(name)
        interval = group.get("interval")
        if interval is not None and duration_seconds(interval) is None:
            fail(f"{where}.interval {interval!r} is not a Prometheus duration (1m)")
        if not isinstance(group.get("rules"), list):
            fail(f"{where} ({name!r}) has no `rules` list")
        for r, rule in enumerate(group["rules"]):
            _read_rule(rule, f"{where}.rules[{r}]", rules, strict, interval)
    return rules


def _read_rule(
    rule: Any, where: str, rules: dict[str, dict], strict: bool, interval: Any = None
) -> None:
    if not isinstance(rule, dict):
        fail(f"{where} should be a mapping (alert, expr, for, labels, annotations)")
    unknown = sorted(map(str, set(rule) - RULE_KEYS))
    if strict and unknown:
        close = {"annotation": "annotations", "label": "labels", "expression": "expr"}
        hints = [f"'{k}' (did you mean '{close[k]}'?)" for k in unknown if k in close]
        fail(
            f"{where} has the unknown key(s) {unknown}{' ' + ', '.join(hints) if hints else ''}: "
            f"a rule has {sorted(RULE_KEYS)}, and Prometheus refuses the whole file otherwise"
        )
    if ("alert" in rule) == ("record" in rule):
        fail(f"{where} needs exactly one of `alert` (an alerting rule) and `record`")
    name = rule.get("alert", rule.get("record"))
    if not isinstance(name, str) or not METRIC_NAME.match(name):
        fail(f"{where}: {name!r} is not a valid rule name (letters, digits, _ and :)")
    where = f"{where} ({name})"
    expr = rule.get("expr")
    if not isinstance(expr, str) or not expr.strip():
        fail(f"{where} has no `expr`: the PromQL expression Prometheus evaluates")
    try:
        ast = pq.parse(expr)
    except (ValueError, TypeError) as exc:
        fail(f"{where}: the expression does not parse as PromQL ({str(exc)[:200]}):\n{expr}")
    for key in ("for", "keep_firing_for"):
        if key in rule and duration_seconds(rule[key]) is None:
            fail(
                f"{where}: `{key}: {rule[key]!r}` is not a Prometheus duration: write a number "
                "with its unit, such as 5m or 300s"
            )
    for key in ("labels", "annotations"):
        value = rule.get(key, {})
        if value is None:
            value = {}
        if not isinstance(value, dict) or not all(_scalar(v) for v in value.values()):
            fail(f"{where}: `{key}` should be a mapping of names to strings")
        bad = [k for k in value if not isinstance(k, str) or not LABEL_NAME.match(k)]
        if bad:
            fail(f"{where}: {bad} in `{key}` are not valid names (letters, digits and _)")
    if "alert" not in rule:
        rules.setdefault(f"record:{name}", {"rule": rule, "ast": ast, "where": where})
        return
    if "for" in rule and "record" in rule:
        fail(f"{where}: a recording rule has no `for`")
    if name in rules:
        fail(f"the alert {name} is defined twice: Prometheus evaluates both, and pages twice")
    rules[name] = {"rule": rule, "ast": ast, "where": where, "interval": interval}


def _alert(text: str, name: str) -> dict:
    rules = load_rules(text)
    if name not in rules:
        fail(
            f"there is no alerting rule `alert: {name}` (found {sorted(rules)}): the contract "
            f"names the four alerts {', '.join(ALERTS)}"
        )
    return rules[name]


def template_functions(text: str) -> list[str]:
    """The names of the functions the templates ({{ ... }}) of `text` call, in order: every bare
    identifier of an action outside its string literals and comments, but Go's keywords (a field
    .x, a variable $x and a number are not names)."""
    names = []
    for action in _TEMPLATE_ACTION.findall(text):
        for name in _TEMPLATE_NAME.findall(_TEMPLATE_LITERAL.sub(" ", action)):
            if name not in GO_TEMPLATE_KEYWORDS:
                names.append(name)
    return names


def unknown_template_function(text: str) -> str | None:
    """The first function a template of `text` calls that Prometheus does not have, or None."""
    known = PROMETHEUS_TEMPLATE_FUNCTIONS | GO_TEMPLATE_FUNCTIONS
    return next((name for name in template_functions(text) if name not in known), None)


# --- the syntax tree --------------------------------------------------------------------------


def nodes(ast: Any) -> list:
    out: list = []
    pq.walk(ast, pre_visit=lambda node: out.append(node))
    return out


def strip(node: Any) -> Any:
    """The node without the parentheses around it."""
    while isinstance(node, pq.ParenExpr):
        node = node.expr
    return node


def selector_name(vs: pq.VectorSelector) -> str | None:
    if vs.name:
        return vs.name
    for m in vs.matchers.matchers:
        if m.name == "__name__" and m.op == pq.MatchOp.Equal:
            return m.value
    return None


def matchers(vs: pq.VectorSelector) -> list:
    return [m for m in vs.matchers.matchers if m.name != "__name__"]


def _matches(m: Any, value: str) -> bool:
    if m.op == pq.MatchOp.Equal:
        return m.value == value
    if m.op == pq.MatchOp.NotEqual:
        return m.value != value
    try:
        found = re.fullmatch(m.value, value) is not None
    except re.error:
        return False
    return found if m.op == pq.MatchOp.Re else not found


def _show(m: Any) -> str:
    if m.op == pq.MatchOp.Equal:
        op = "="
    elif m.op == pq.MatchOp.NotEqual:
        op = "!="
    else:
        op = "=~" if m.op == pq.MatchOp.Re else "!~"
    return f'{m.name}{op}"{m.value}"'


def _op(node: Any) -> str:
    return str(node.op).strip().lower()


def _number(node: Any) -> float | None:
    node = strip(node)
    if isinstance(node, pq.NumberLiteral):
        return float(node.val)
    return None


def compared(name: str, ast: Any, threshold: float, unit_hint: str) -> Any:
    """The left side of `<expr> > threshold` (the alert's comparison); fails with a message on
    another operator, a `bool`, or another threshold."""
    top = strip(ast)
    if not isinstance(top, pq.BinaryExpr) or _op(top) not in (">", ">=", "<", "<=", "==", "!="):
        fail(
            f"{name}'s expression ({ast}) is not a comparison `<expr> > {threshold}`: an alert "
            "fires for every series its expression returns, so the expression must keep only "
            "the series above the threshold"
        )
    if top.modifier is not None and top.modifier.return_bool:
        fail(
            f"{name} compares with `bool` ({ast}): a bool comparison returns 0 or 1 for every "
            "series instead of filtering them, so the alert fires all the time. Drop `bool`"
        )
    value, expr, op = _number(top.rhs), top.lhs, _op(top)
    if value is None and _number(top.lhs) is not None:  # threshold < expr
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        value, expr, op = _number(top.lhs), top.rhs, flipped
    if value is None:
        fail(f"{name} should compare its expression with the number {threshold} ({ast})")
    if op != ">":
        fail(
            f"{name} compares with `{op} {value:g}`, expected `> {threshold}`: the alert is "
            "about the value rising strictly above its threshold"
        )
    if abs(value - threshold) > 1e-9 * max(1.0, abs(threshold)):
        fail(f"{name}'s threshold is {value:g}, expected {threshold}{unit_hint}")
    return strip(expr)


def _aggregation(node: Any) -> tuple[str, str | None, set[str]] | None:
    """(op, 'by'/'without'/None, labels) of an aggregation node, or None."""
    node = strip(node)
    if not isinstance(node, pq.AggregateExpr):
        return None
    modifier = node.modifier
    if modifier is None:
        return _op(node), None, set()
    kind = "without" if modifier.type == pq.AggModifierType.Without else "by"
    return _op(node), kind, set(modifier.labels)


def _rated(node: Any, name: str, what: str, functions=("rate", "increase")) -> pq.VectorSelector:
    """The selector of `rate(<selector>[5m])` (or increase), failing with a message otherwise."""
    node = strip(node)
    if not isinstance(node, pq.Call) or node.func.name not in functions:
        fail(
            f"{name}: {what} should be {' or '.join(f + '(...[5m])' for f in functions)}, found "
            f"{node}" + (
                ": irate uses only the last two samples of the window, so it jumps on "
                "every burst instead of measuring the 5 minutes"
                if isinstance(node, pq.Call) and node.func.name == "irate" else ""
            )
        )  # fmt: skip
    arg = strip(node.args[0]) if node.args else None
    if not isinstance(arg, pq.MatrixSelector):
        fail(f"{name}: {node.func.name}() should read a range of a series, name{{...}}[5m]")
    seconds = arg.range.total_seconds()
    if seconds != WINDOW:
        fail(
            f"{name}: {what} is taken over [{pq.display_duration(arg.range)}], expected [5m] "
            "(the window the contract fixes)"
        )
    return arg.vector_selector


def _summed(node: Any, name: str, what: str, allowed_by: set[str], dropped: set[str]) -> Any:
    """The inside of `sum(...)` (or by labels within `allowed_by`, or without labels that
    include `dropped`)."""
    agg = _aggregation(node)
    if agg is None or agg[0] != "sum":
        fail(
            f"{name}: {what} should be summed, sum(rate(...)), found {strip(node)}: without the "
            "sum, the expression keeps one series per route, method, status and instance, and "
            "the ratio or quantile is computed per series instead of for the service"
        )
    _op_, kind, labels = agg
    if kind == "by" and not labels <= allowed_by:
        fail(
            f"{name}: {what} is summed by {sorted(labels)}: sum over every "
            f"{', '.join(sorted(dropped))} (sum, or by {sorted(allowed_by)} only)"
        )
    if kind == "without" and not dropped <= labels:
        fail(
            f"{name}: {what} is summed without {sorted(labels)}, which keeps "
            f"{sorted(dropped - labels)}: sum over every {', '.join(sorted(dropped))}"
        )
    return strip(node).expr


def _kept(node: Any) -> set[str]:
    """The labels of fraud_requests_total's series that the aggregation `node` keeps."""
    agg = _aggregation(node)
    series = LABELS[REQUESTS] | TARGET
    if agg is None:
        return series
    _op_, kind, labels = agg
    if kind == "by":
        return labels & series
    return series - labels if kind == "without" else set()


def _shown_labels(labels: set[str]) -> str:
    return f"({', '.join(sorted(labels))})" if labels else "no label"


def ratio_mismatch(ratio: pq.BinaryExpr) -> str | None:
    """Why the two sides of the error ratio `errors / total`, each a sum of rate() (or increase())
    of fraud_requests_total, do not divide series by series: they keep different labels (a
    division matches the series of its sides by their labels, or by those of its on() /
    ignoring()), or one side is a rate and the other an increase. None when they agree."""
    kept = [_kept(ratio.lhs), _kept(ratio.rhs)]
    keys = kept
    matching = ratio.modifier.matching if ratio.modifier is not None else None
    if matching is not None:
        named = set(matching.labels)
        on = matching.type == pq.LabelModifierType.Include
        keys = [k & named if on else k - named for k in kept]
    if keys[0] != keys[1]:
        return (
            f"the numerator keeps {_shown_labels(kept[0])} and the denominator "
            f"{_shown_labels(kept[1])}"
            + (f", matched {matching}" if matching is not None else "")
            + ": a division pairs each series of one side with the series of the other that "
            "has the same labels, and here none has, so the ratio is empty. Sum both sides "
            "the same way: sum(...) / sum(...), or sum by (job) on both"
        )
    functions = [strip(strip(side).expr).func.name for side in (ratio.lhs, ratio.rhs)]
    if functions[0] != functions[1]:
        return (
            f"the numerator is {functions[0]}(...[5m]) and the denominator "
            f"{functions[1]}(...[5m]): an increase over 5m is 300 times the rate (per "
            "second), so the ratio is off by that factor. Use the same function on both sides"
        )
    return None


# --- the checks -------------------------------------------------------------------------------


class TestRulesFile:
    def test_one_group_of_the_four_alerts(self, submission_text):
        rules = load_rules(submission_text, strict=True)
        data = yaml.load(submission_text, Loader=_Loader)  # noqa: S506 - read above already
        if len(data["groups"]) != 1:
            fail(
                f"alerts.yml has {len(data['groups'])} groups, expected one: the four alerts "
                "of one service belong together"
            )
        recorded = [k.removeprefix("record:") for k in rules if k.startswith("record:")]
        if recorded:
            fail(
                f"alerts.yml has recording rules {recorded}: the contract's alerts read the "
                "service's series directly (no recording rule)"
            )
        missing = [a for a in ALERTS if a not in rules]
        extra = sorted(set(rules) - set(ALERTS))
        if missing or extra:
            fail(
                f"the group's alerts are {sorted(rules)}; expected exactly {list(ALERTS)}"
                f"{f' (missing {missing})' if missing else ''}"
                f"{f' (unexpected {extra}: check the spelling)' if extra else ''}"
            )

    def test_every_selector_reads_the_service(self, submission_text):
        for name, found in load_rules(submission_text).items():
            for node in nodes(found["ast"]):
                if isinstance(node, pq.VectorSelector):
                    _check_selector(name, node)

    def test_rate_only_over_counters(self, submission_text):
        for name, found in load_rules(submission_text).items():
            for node in nodes(found["ast"]):
                if not isinstance(node, pq.Call) or node.func.name not in (
                    "rate",
                    "irate",
                    "increase",
                ):
                    continue
                for inner in nodes(node.args[0]) if node.args else []:
                    if isinstance(inner, pq.VectorSelector):
                        series = selector_name(inner) or "?"
                        if not series.endswith(COUNTER_SUFFIXES):
                            fail(
                                f"{name}: {node.func.name}() over {series}, which is a gauge: "
                                "rate() measures how fast a counter (a _total series, or a "
                                "histogram's _bucket, _count, _sum) grows, and reads any drop "
                                "as a restart. A gauge is compared as it is"
                            )

    def test_for_durations(self, submission_text):
        rules = load_rules(submission_text)
        for alert in ALERTS:
            if alert not in rules:
                fail(f"there is no alerting rule `alert: {alert}`")
            rule = rules[alert]["rule"]
            expected = FOR[alert]
            shown = f"{expected // 60}m"
            if "for" not in rule:
                fail(
                    f"{alert} has no `for`: it fires on the first evaluation where its "
                    f"expression holds, so one bad scrape pages someone. Add `for: {shown}`"
                )
            interval = rules[alert]["interval"]
            if interval is not None and duration_seconds(interval) != 60:
                fail(
                    f"the group of {alert} has `interval: {interval}`: the rules are evaluated "
                    "every minute (leave `interval` out, or write 1m). A `for:` is counted in "
                    "evaluations, so at 5m a `for: 2m` waits 5 minutes, and a problem shorter "
                    "than the interval is never seen"
                )
            seconds = duration_seconds(rule["for"])
            if seconds != expected:
                fail(
                    f"{alert} has `for: {rule['for']}`, expected `for: {shown}`: the alert must "
                    f"hold for {shown} before it fires"
                    + (", and a `for` of 0 fires on a blip" if not seconds else "")
                )

    def test_severity_and_annotations(self, submission_text):
        rules = load_rules(submission_text)
        for alert in ALERTS:
            if alert not in rules:
                fail(f"there is no alerting rule `alert: {alert}`")
            rule = rules[alert]["rule"]
            labels = rule.get("labels") or {}
            if labels.get("severity") != SEVERITY[alert]:
                fail(
                    f"{alert} has labels.severity {labels.get('severity')!r}, expected "
                    f"{SEVERITY[alert]!r}: the routing of alerts (who is woken up) reads it"
                )
            annotations = rule.get("annotations") or {}
            for key in ("summary", "description"):
                value = annotations.get(key)
                if not isinstance(value, str) or not value.strip():
                    fail(
                        f"{alert} has no annotations.{key}: the person paged reads the summary "
                        "(what is wrong) and the description (what to do first)"
                    )
                if value.count("{{") != value.count("}}"):
                    fail(
                        f"{alert}'s annotations.{key} opens {value.count('{{')} template(s) "
                        f"{{{{ and closes {value.count('}}')}: Prometheus refuses the "
                        f"template:\n{value}"
                    )
            templated = [("labels", k, v) for k, v in labels.items()]
            templated += [("annotations", k, v) for k, v in annotations.items()]
            for where, key, value in templated:
                name = unknown_template_function(value) if isinstance(value, str) else None
                if name is not None:
                    close = difflib.get_close_matches(
                        name, sorted(PROMETHEUS_TEMPLATE_FUNCTIONS | GO_TEMPLATE_FUNCTIONS), 1
                    )
                    fail(
                        f"{alert}'s {where}.{key} calls the template function {name!r}"
                        + (f" (did you mean {close[0]!r}?)" if close else "")
                        + ", which Prometheus does not have: `promtool check rules` refuses the "
                        "file, and Prometheus will not load it. A template calls Prometheus's "
                        "functions (humanize, humanizePercentage, humanizeDuration, ...: the "
                        "template reference of its documentation) or Go's (printf, len, ...)"
                        f":\n{value}"
                    )


def _check_selector(name: str, vs: pq.VectorSelector) -> None:
    series = selector_name(vs)
    if vs.matchers.or_matchers:
        fail(f"{name}: the selector {vs} uses `or` inside its braces; write one selector")
    if series is None:
        fail(
            f"{name}: the selector {vs} names no metric: name the series it reads "
            f"(one of {sorted(LABELS)})"
        )
    if series not in LABELS:
        fail(
            f"{name} reads {series}, a series the service does not export (it exports "
            f"{sorted(LABELS)}): a misspelt metric returns nothing, and the alert never fires"
        )
    own = matchers(vs)
    jobs = [m for m in own if m.name == "job"]
    if not any(m.op == pq.MatchOp.Equal and m.value == JOB for m in jobs):
        fail(
            f'{name}: the selector {vs} has no matcher job="{JOB}" '
            f"(found {[_show(m) for m in jobs] or 'none'}): without it the alert also reads "
            "every other job's series with the same name, and fires for them"
        )
    allowed = LABELS[series] | TARGET
    for m in own:
        if m.name not in allowed:
            fail(
                f"{name}: {series} has no label {m.name!r} (its labels: {sorted(allowed)}); "
                f"the matcher {_show(m)} never matches, and the alert never fires"
            )
        if m.name == "status" and not any(_matches(m, c) for c in STATUS_CLASSES):
            fail(
                f"{name}: the matcher {_show(m)} matches none of the status classes "
                f"{list(STATUS_CLASSES)}: the service labels a response by its class (5xx), "
                "not by its code (500)"
            )
        if m.name == "route" and not any(_matches(m, r) for r in ROUTES):
            fail(f"{name}: the matcher {_show(m)} matches no route template {list(ROUTES)}")
        if m.name == "le" and series == BUCKET:
            fail(
                f"{name}: the matcher {_show(m)} keeps one bucket: histogram_quantile needs "
                "every bucket (every `le`) to find where the quantile lies"
            )


class TestAlerts:
    def test_error_ratio(self, submission_text):
        found = _alert(submission_text, ERROR)
        ratio = compared(
            ERROR, found["ast"], 0.02, " (2 %: the ratio is between 0 and 1, not a percentage)"
        )
        if not isinstance(ratio, pq.BinaryExpr) or _op(ratio) != "/":
            fail(
                f"{ERROR} should divide the rate of 5xx responses by the rate of all responses, "
                f"found {ratio}"
            )
        parts = []
        for side, what in ((ratio.lhs, "the numerator"), (ratio.rhs, "the denominator")):
            inner = _summed(side, ERROR, what, {"job", "instance"}, {"route", "method", "status"})
            vs = _rated(inner, ERROR, f"{what}'s rate")
            if selector_name(vs) != REQUESTS:
                fail(f"{ERROR}: {what} should count {REQUESTS}, found {selector_name(vs)}")
            parts.append({m.name: m for m in matchers(vs)})
        errors, total = parts
        others = sorted(set(errors) - {"job", "status"}) + sorted(set(total) - {"job"})
        if "status" not in errors and "status" in total:
            fail(
                f"{ERROR} divides by the 5xx responses: the numerator is the rate of 5xx "
                "responses, the denominator the rate of all responses (errors / total)"
            )
        if "status" not in errors:
            fail(
                f"{ERROR}: the numerator has no status matcher, so it counts every response "
                'and the ratio is 1: count the errors, status="5xx"'
            )
        status = errors["status"]
        wrong = [c for c in STATUS_CLASSES if _matches(status, c) != (c == "5xx")]
        if wrong:
            fail(
                f"{ERROR}: the numerator's {_show(status)} should select the class 5xx and only "
                f"it (it gets {wrong} wrong): the ratio counts the service's errors, 5xx, and not the "
                "client's, 4xx"
            )
        if "status" in total:
            fail(
                f"{ERROR}: the denominator filters {_show(total['status'])}: divide by ALL "
                "responses (no status matcher), or the ratio is not a share of the traffic"
            )
        if others:
            fail(
                f"{ERROR} filters on {others}: the ratio is over every route and method of the "
                "service"
            )
        mismatch = ratio_mismatch(ratio)
        if mismatch:
            fail(f"{ERROR}: {mismatch}")

    def test_latency_p99(self, submission_text):
        found = _alert(submission_text, LATENCY)
        quantile = compared(LATENCY, found["ast"], 0.05, " (seconds: the objective is 50 ms)")
        if not isinstance(quantile, pq.Call) or quantile.func.name != "histogram_quantile":
            fail(
                f"{LATENCY} should compare histogram_quantile(0.99, ...) of the latency "
                f"histogram's buckets, found {quantile}"
            )
        phi = _number(quantile.args[0])
        if phi is None or abs(phi - 0.99) > 1e-12:
            fail(
                f"{LATENCY}: histogram_quantile's first argument is {quantile.args[0]}, expected "
                "0.99 (the quantile as a fraction: 99 would return +Inf)"
            )
        inner = strip(quantile.args[1])
        agg = _aggregation(inner)
        if agg is None:
            fail(
                f"{LATENCY}: histogram_quantile reads {inner} without summing it: this gives "
                "one p99 per route and instance, not the service's. Sum by (le): "
                "sum by (le) (rate(...[5m]))"
            )
        op, kind, labels = agg
        keeps_le = (kind == "by" and "le" in labels) or (kind == "without" and "le" not in labels)
        if not keeps_le:
            modifier = f" {kind} ({', '.join(sorted(labels))})" if kind else ""
            fail(
                f"{LATENCY}: the buckets are summed with {op}{modifier}, which drops `le`: histogram_quantile finds the quantile from the bucket "
                "bounds, so the sum must keep `le` (sum by (le)); without it, it returns nothing "
                "and the alert never fires"
            )
        rated = _summed(inner, LATENCY, "the buckets", {"le", "job", "instance"}, {"route"})
        vs = _rated(rated, LATENCY, "the buckets' rate")
        series = selector_name(vs)
        if series != BUCKET:
            fail(
                f"{LATENCY}: the quantile is computed from {series}, expected {BUCKET}: only the "
                "_bucket series carry `le`, the bucket bounds"
            )
        others = sorted({m.name for m in matchers(vs)} - {"job"})
        if others:
            fail(f"{LATENCY} filters on {others}: the p99 is over every request of the service")

    def test_target_down(self, submission_text):
        found = _alert(submission_text, DOWN)
        top = strip(found["ast"])
        sides = [strip(top.lhs), strip(top.rhs)] if _is(top, "or") else [top]
        down = [s for s in sides if _is_up_zero(s)]
        gone = [s for s in sides if _is_absent_up(s)]
        for side in sides:
            if isinstance(side, pq.BinaryExpr) and side.modifier and side.modifier.return_bool:
                fail(
                    f"{DOWN} compares with `bool` ({side}): it returns a value (0 or 1) even "
                    "when the target is up, so the alert fires all the time"
                )
        if not down:
            fail(
                f'{DOWN} ({found["ast"]}) should keep up{{job="{JOB}"}} == 0: `up` is 0 when '
                "Prometheus knows the target but its scrape fails"
            )
        if not gone:
            fail(
                f'{DOWN} ({found["ast"]}) should also fire when up{{job="{JOB}"}} does not exist '
                f'at all: `or absent(up{{job="{JOB}"}})`. A target removed from the '
                "configuration (or never discovered) has no `up` series, and `up == 0` is then "
                "silent"
            )
        if not _is(top, "or") or len(sides) != 2:
            fail(f"{DOWN} should be `up{{...}} == 0 or absent(up{{...}})`, found {found['ast']}")

    def test_feature_drift(self, submission_text):
        found = _alert(submission_text, DRIFT)
        value = compared(DRIFT, found["ast"], 0.2, " (the PSI of a major drift)")
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
                f"{DRIFT} applies {value.func.name}() to the PSI: fraud_feature_psi is a gauge "
                "(the drift job sets its value), compare it as it is"
            )
        if not isinstance(value, pq.VectorSelector) or selector_name(value) != PSI:
            fail(
                f'{DRIFT} should compare the gauge {PSI}{{job="{JOB}"}} (or its max by '
                f"feature) with 0.2, found {value}"
            )
        others = [_show(m) for m in matchers(value) if m.name != "job"]
        if others:
            fail(
                f"{DRIFT} reads {value}, filtered on {others}: the alert is for a drift of ANY "
                f'feature, so the selector has no matcher but job="{JOB}" (a feature the '
                "filter leaves out could drift for weeks without a ticket)"
            )


def _is(node: Any, op: str) -> bool:
    return isinstance(node, pq.BinaryExpr) and _op(node) == op


def _is_up(node: Any) -> bool:
    node = strip(node)
    return isinstance(node, pq.VectorSelector) and selector_name(node) == "up"


def _is_up_zero(node: Any) -> bool:
    if not isinstance(node, pq.BinaryExpr) or not _is_up(node.lhs):
        return False
    value = _number(node.rhs)
    return (_op(node), value) in (("==", 0.0), ("<", 1.0), ("!=", 1.0))


def _is_absent_up(node: Any) -> bool:
    """absent(up{...}), or the same filtered on its only value, 1 (`absent(up{...}) == 1`)."""
    if isinstance(node, pq.BinaryExpr) and (_op(node), _number(node.rhs)) in (
        ("==", 1.0),
        (">", 0.0),
        (">=", 1.0),
    ):
        node = strip(node.lhs)
    return (
        isinstance(node, pq.Call)
        and node.func.name == "absent"
        and bool(node.args)
        and _is_up(node.args[0])
    )
