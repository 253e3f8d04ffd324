"""Checks for 09_containers/ex03_compose (see solutions/09_containers/compose.yaml).

The learner's compose.yaml is data: read with a YAML 1.2 reading (as Compose reads it: `no` and
`on` are strings, `22:22` is not a base-60 number), duplicate keys refused, `${VAR}` interpolated
as Compose does with no environment set, then validated offline against the Compose
specification's JSON schema (the copy check-jsonschema vendors, loaded from its package files)
and against the course's rules.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from typing import Any

import yaml

from autograder.assertions import fail
from autograder.schemafiles import VendoredSchema
from autograder.yamlfiles import DuplicateKey, yaml12_loader

from ._shared import is_secret_name, parse_image, pin_problem

API, PROM = "api", "prometheus"
MODELS_TARGET = "/app/models"
PROM_CONFIG = "/etc/prometheus/prometheus.yml"
MIN_MEMORY = 256 * 1024**2
MAX_TEXT = 200_000
MAX_ALIASES = 100


# --- reading the file as Compose does ---------------------------------------------------------


_Loader = yaml12_loader()

_VAR = re.compile(
    r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^${}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)"
)


def _interpolate(value: str, where: str) -> str:
    """Compose's interpolation with no variable set: `${A:-x}` and `${A-x}` give x, `${A:+x}`
    gives nothing, `${A}` and `$A` give nothing, `${A:?msg}` stops Compose, `$$` is a `$`."""
    text = value.replace("$$", "\0")
    for _ in range(10):  # nested defaults, innermost first

        def one(m: re.Match) -> str:
            if m[4] is not None:
                return ""
            op, word = m[2] or "", m[3] or ""
            if op in (":-", "-"):
                return word
            if op in (":?", "?"):
                fail(
                    f"{where}: ${{{m[1]}{op}{word}}} stops Compose when {m[1]} is not set; the "
                    "file must work with no environment: give it a default, ${VAR:-value}"
                )
            return ""

        new = _VAR.sub(one, text)
        if new == text:
            break
        text = new
    return text.replace("\0", "$")


def _interpolated(node: Any, path: str = "", inside: frozenset = frozenset()) -> Any:
    if isinstance(node, (dict, list)):
        if id(node) in inside or len(inside) > 50:
            fail(
                f"{path or 'compose.yaml'}: a YAML alias that contains itself (or nesting 50 deep)"
            )
        inside = inside | {id(node)}
    if isinstance(node, dict):
        return {
            k: _interpolated(v, f"{path}.{k}" if path else str(k), inside) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_interpolated(v, f"{path}[{k}]", inside) for k, v in enumerate(node)]
    if isinstance(node, str):
        return _interpolate(node, path)
    return node


def _dict(value: Any) -> dict:
    """`value` when it is a mapping, else {} (the schema check reports the wrong shape)."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def load_compose(text: str) -> dict:
    """The compose file as data, interpolated; fails with a message on a file Compose refuses."""
    if len(text) > MAX_TEXT:
        fail(f"compose.yaml is {len(text)} characters long; a Compose file this size is a mistake")
    try:
        aliases = sum(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=_Loader))
        if aliases > MAX_ALIASES:
            fail(
                f"compose.yaml uses {aliases} YAML aliases; the course reads at most {MAX_ALIASES}"
            )
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKey as exc:
        fail(f"compose.yaml: {exc}: Compose refuses a file with a repeated key (YAML would "
             "silently keep the last one)")  # fmt: skip
    except yaml.YAMLError as exc:
        fail(f"compose.yaml is not valid YAML: {str(exc)[:300]}")
    if not isinstance(data, dict):
        fail("compose.yaml should be a mapping with a top-level 'services' key")
    return _interpolated(data)


# --- the Compose specification ---------------------------------------------------------------


COMPOSE_SCHEMA = VendoredSchema(
    "compose-spec.json",
    conditionals=True,
    unknown_validators=("additionalProperties", "unevaluatedProperties"),
    prefer_unknown_keys=False,
    always_skip=True,
)


def schema_problems(data: dict) -> list[str]:
    """Readable problems of `data` against the Compose specification, each with its path."""
    return COMPOSE_SCHEMA.problems(data)


# --- helpers on the services ------------------------------------------------------------------


def _service(data: dict, name: str) -> dict:
    services = data.get("services")
    if not isinstance(services, dict) or not isinstance(services.get(name), dict):
        have = sorted(services) if isinstance(services, dict) else []
        fail(
            f"no service named '{name}' under services (found {have}): the contract names the "
            f"two services '{API}' (the fraud service) and '{PROM}'"
        )
    return services[name]


def _compose(text: str) -> dict:
    return load_compose(text)


_RAM = re.compile(r"^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$")


def _bytes(value: Any) -> int | None:
    """Compose's memory sizes: an integer of bytes or '512m', '1g', '512MiB' (binary units)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    m = _RAM.match(str(value).strip())
    if not m:
        return None
    scale = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}
    return int(float(m[1]) * scale[(m[2] or "").lower()])


def _mounts(service: dict) -> list[dict]:
    """The service's volumes as {source, target, read_only, type}, short or long syntax."""
    mounts = []
    for item in _list(service.get("volumes")):
        if isinstance(item, str):
            parts = item.split(":")
            if len(parts) == 1:
                mounts.append({"source": None, "target": parts[0], "read_only": False})
                continue
            options = parts[2].split(",") if len(parts) > 2 else []
            mounts.append({"source": parts[0], "target": parts[1], "read_only": "ro" in options})
        elif isinstance(item, dict):
            mounts.append(
                {
                    "source": item.get("source"),
                    "target": item.get("target"),
                    "read_only": item.get("read_only") is True,
                    "type": item.get("type"),
                }
            )
    return mounts


def _host_path(source: Any) -> str | None:
    """A bind mount's host path normalised (./models/ -> models), or None for a named volume."""
    if not isinstance(source, str) or not source.startswith((".", "/", "~")):
        return None
    return posixpath.normpath(source)


def _ports(service: dict) -> list[tuple[str | None, str, str]]:
    """(host ip or None, published, target) of each published port."""
    found = []
    for item in _list(service.get("ports")):
        if isinstance(item, dict):
            found.append(
                (item.get("host_ip"), str(item.get("published", "")), str(item.get("target")))
            )
            continue
        text = str(item).split("/")[0]
        ip = None
        if text.startswith("["):
            ip, _, text = text[1:].partition("]")
            text = text.lstrip(":")
        parts = text.split(":")
        if len(parts) == 3:
            ip, published, target = parts
        elif len(parts) == 2:
            published, target = parts
        else:
            published, target = "", parts[0]
        found.append((ip, published, target))
    return found


def _is_loopback(ip: str | None) -> bool:
    if not ip:
        return False
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def _env_pairs(values: Any) -> list[tuple[str, Any]]:
    """`environment` or build `args` as (name, value); a bare NAME (passed through) has None."""
    if isinstance(values, dict):
        return [(str(k), v) for k, v in values.items()]
    pairs = []
    for item in values if isinstance(values, list) else []:
        key, sep, value = str(item).partition("=")
        pairs.append((key, value if sep else None))
    return pairs


def _test_text(test: Any) -> str:
    if isinstance(test, list):
        return " ".join(str(x) for x in test)
    return str(test or "")


# --- the checks -------------------------------------------------------------------------------


class TestSpecification:
    def test_valid_against_the_compose_specification(self, submission_text):
        data = _compose(submission_text)
        problems = schema_problems(data)
        if problems:
            fail(
                f"compose.yaml does not follow the Compose specification: {'; '.join(problems[:5])}"
                f"{' ...' if len(problems) > 5 else ''}. Compose refuses such a file (or, for an "
                "older Compose, silently ignores the misspelt setting, which is worse)"
            )

    def test_defines_the_two_services(self, submission_text):
        data = _compose(submission_text)
        _service(data, API)
        _service(data, PROM)


class TestApi:
    def test_api_built_here_with_a_versioned_image_name(self, submission_text):
        api = _service(_compose(submission_text), API)
        build = api.get("build")
        if build is None:
            fail(
                "api has no `build`: Compose would try to pull an image named like api's `image` "
                "from a registry instead of building the Dockerfile here (build: .)"
            )
        context = build.get("context") if isinstance(build, dict) else build
        if not isinstance(context, str) or posixpath.normpath(context) != ".":
            fail(
                f"api's build context is {context!r}: build it from the project folder "
                "(build: . or build: {context: .}), where the Dockerfile and the code are"
            )
        image = api.get("image")
        if not isinstance(image, str) or not image.strip():
            fail(
                "api has no image name: `image` names what `build` produces (fraud-api:0.1.0), so "
                "that the image can be tagged, pushed and rolled back by version"
            )
        tag = parse_image(image).tag
        if tag in (None, "latest"):
            fail(
                f"api's image '{image}' has {'no tag' if tag is None else 'the latest tag'}: tag "
                "what you build with a version (fraud-api:0.1.0), so that every build is named, "
                "and a rollback knows what to go back to"
            )

    def test_model_mounted_read_only(self, submission_text):
        api = _service(_compose(submission_text), API)
        mounts = _mounts(api)
        models = [
            m
            for m in mounts
            if _host_path(m["source"]) in ("models", "./models")
            or (_host_path(m["source"]) or "").endswith("/models")
        ]
        if not any(posixpath.normpath(str(m["target"])) == MODELS_TARGET for m in models):
            fail(
                f"api does not mount the host folder ./models at {MODELS_TARGET} (found "
                f"{[(m['source'], m['target']) for m in mounts]}): the model is swapped on the "
                "host and read by the service at MODEL_PATH=/app/models/model.skops"
            )
        writable = [m for m in mounts if not m["read_only"] and m.get("type") != "tmpfs"]
        if writable:
            fail(
                f"api mounts {[(m['source'], m['target']) for m in writable]} writable: add :ro "
                "(or read_only: true). A service that can write to its model folder can be made "
                "to replace the model (a path bug, an exploit), and a read-only mount says who "
                "owns it: the deployment, not the service"
            )

    def test_api_healthcheck_probes_health(self, submission_text):
        api = _service(_compose(submission_text), API)
        check = api.get("healthcheck")
        if not isinstance(check, dict) or check.get("disable") is True:
            fail(
                "api has no healthcheck: `depends_on: condition: service_healthy` and "
                "`docker compose ps` need one to know the service answers, not only that its "
                "process runs"
            )
        test = check.get("test")
        text = _test_text(test)
        if not text or (isinstance(test, list) and test[:1] == ["NONE"]):
            fail("api's healthcheck has no test: give it one that requests /health")
        if "/health" not in text:
            fail(f"api's healthcheck test ({text[:120]}) does not request /health")
        words = set(re.split(r"[\s\"';&|()]+", text))
        if words & {"curl", "wget"}:
            fail(
                f"api's healthcheck uses {sorted(words & {'curl', 'wget'})}, which the slim "
                "image does not have: the check fails forever and the service never becomes "
                "healthy. Use python3 -c with urllib.request"
            )
        if not any(re.match(r"^python(3(\.\d+)?)?$", posixpath.basename(w)) for w in words):
            fail("api's healthcheck should make its request with python3 (urllib.request)")

    def test_api_restarts(self, submission_text):
        api = _service(_compose(submission_text), API)
        restart = api.get("restart")
        policy = _dict(_dict(api.get("deploy")).get("restart_policy")).get("condition")
        ok = (
            isinstance(restart, str)
            and re.match(r"^(always|unless-stopped|on-failure(:\d+)?)$", restart)
        ) or (policy in ("any", "on-failure"))
        if not ok:
            fail(
                f"api's restart policy is {restart!r}: without one, a crash (or a host reboot) "
                "leaves the service down until someone notices. Use restart: unless-stopped"
            )

    def test_api_resource_limits(self, submission_text):
        api = _service(_compose(submission_text), API)
        limits = _dict(_dict(_dict(api.get("deploy")).get("resources")).get("limits"))
        cpus = limits.get("cpus", api.get("cpus"))
        memory = limits.get("memory", api.get("mem_limit"))
        try:
            cpu_value = float(cpus) if cpus is not None and not isinstance(cpus, bool) else None
        except ValueError:
            cpu_value = None
        if cpu_value is None or not cpu_value > 0:
            fail(
                f"api has no CPU limit{f' (cpus: {cpus!r})' if cpus is not None else ''}: "
                "deploy.resources.limits.cpus caps it, "
                "so that one busy or runaway service cannot starve everything else on the host"
            )
        size = _bytes(memory) if memory is not None else None
        if size is None:
            fail(
                f"api has no memory limit{f' (memory: {memory!r})' if memory is not None else ''}"
                ": deploy.resources.limits.memory "
                "caps it; without one a leak grows until the kernel kills whatever it picks"
            )
        if size < MIN_MEMORY:
            fail(
                f"api's memory limit {memory!r} is below 256M: the service with scikit-learn "
                "and its model needs about 200 MB, and is killed (OOM) at the limit"
            )

    def test_environment_from_a_file_without_inline_secrets(self, submission_text):
        data = _compose(submission_text)
        api = _service(data, API)
        env_file = api.get("env_file")
        files = env_file if isinstance(env_file, list) else [env_file] if env_file else []
        if not files:
            fail(
                "api reads no env_file: settings and secrets come from a file kept out of git "
                "and out of the image (.env), so that the same compose.yaml runs anywhere"
            )
        for name, service in _dict(data.get("services")).items():
            if not isinstance(service, dict):
                continue
            environment = service.get("environment")
            sources = (
                ("environment", environment),
                ("build args", _dict(service.get("build")).get("args")),
            )
            for where, values in sources:
                for key, value in _env_pairs(values):
                    if is_secret_name(key) and value not in (None, ""):
                        fail(
                            f"services.{name} {where}: {key} is written in compose.yaml: the "
                            "file is committed, so the secret is in git's history for good. "
                            "Put it in the env_file (.env), which git and Docker ignore"
                        )

    def test_ports_published_on_loopback_only(self, submission_text):
        data = _compose(submission_text)
        api = _service(data, API)
        if not any(target == "8000" for _ip, _pub, target in _ports(api)):
            fail(
                "api does not publish its container port 8000 (ports: "
                '"127.0.0.1:8000:8000"): nothing outside Compose could reach the service'
            )
        for name, service in _dict(data.get("services")).items():
            if not isinstance(service, dict):
                continue
            for ip, published, target in _ports(service):
                if not _is_loopback(ip):
                    fail(
                        f"services.{name} publishes {target} on {ip or 'all interfaces (0.0.0.0)'}"
                        f"{' (host port ' + published + ')' if published else ''}: anyone who "
                        "reaches this host reaches it, without authentication, and Docker's "
                        "rules bypass a host firewall such as ufw. Publish on 127.0.0.1 "
                        f'("127.0.0.1:{published or target}:{target}"); a reverse proxy opens '
                        "what should be public"
                    )


class TestPrometheus:
    def test_prometheus_image_pinned(self, submission_text):
        prom = _service(_compose(submission_text), PROM)
        image = prom.get("image")
        if not isinstance(image, str) or parse_image(image).short_name != "prom/prometheus":
            fail(f"prometheus runs {image!r}; the contract's image is prom/prometheus")
        problem = pin_problem(image)
        if problem:
            fail(
                f"prometheus's image {problem}: pin it (prom/prometheus:v3.7.3), or the next "
                "`docker compose pull` brings a new major version with a changed configuration "
                "format"
            )

    def test_prometheus_config_mounted_read_only(self, submission_text):
        prom = _service(_compose(submission_text), PROM)
        command = prom.get("command")
        words = command if isinstance(command, list) else str(command or "").split()
        config = next(
            (str(w).split("=", 1)[1] for w in words if str(w).startswith("--config.file=")),
            PROM_CONFIG,
        )
        mounts = [m for m in _mounts(prom) if _host_path(m["source"])]
        serving = [
            m
            for m in mounts
            if posixpath.normpath(str(m["target"])) in (config, posixpath.dirname(config))
        ]
        if not serving:
            fail(
                f"prometheus does not mount its configuration from the project (a bind mount of "
                f"./prometheus.yml at {config}): the scrape configuration lives in the "
                "repository, next to compose.yaml"
            )
        if not all(m["read_only"] for m in serving):
            fail(
                "prometheus's configuration is mounted writable: add :ro, so that the "
                "container can never change the configuration the repository holds"
            )

    def test_prometheus_waits_for_a_healthy_api(self, submission_text):
        prom = _service(_compose(submission_text), PROM)
        depends = prom.get("depends_on")
        if isinstance(depends, list):
            fail(
                "prometheus's depends_on is a list: that only waits for api's container to be "
                "created, not for the service to answer. Use the long form: "
                "depends_on: {api: {condition: service_healthy}}"
            )
        condition = (depends or {}).get(API) if isinstance(depends, dict) else None
        condition = condition.get("condition") if isinstance(condition, dict) else None
        if condition != "service_healthy":
            fail(
                f"prometheus depends on api with condition {condition!r}: use "
                "condition: service_healthy, so that Prometheus starts once api's healthcheck "
                "passes, not while the model is still loading"
            )
