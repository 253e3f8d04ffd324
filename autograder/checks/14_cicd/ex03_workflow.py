"""Checks for 14_cicd/ex03_workflow (see solutions/14_cicd/.github/workflows/ml.yml).

The learner's workflow is data: read as GitHub reads it (YAML 1.2 scalars, so `on:` is the
string "on"; a key written twice refused), validated offline against GitHub's workflow JSON
schema (the copy check-jsonschema vendors), then against the course's rules. The rules do not
look for a layout: they find each stage by the command it runs, then *simulate* the workflow
with a small evaluator of GitHub's expressions (`if:`, `needs:`, status functions,
`continue-on-error`) on a push to main, a push to another branch and a pull request, with and
without a failing stage, and ask what runs.

Every rule is a function `<rule>_problems(workflow: dict) -> list[str]` taking the parsed
workflow (see `load_workflow`), so that another check module (the capstone's) can reuse them:
`importlib.import_module(__package__.rsplit(".", 1)[0] + ".14_cicd.ex03_workflow")`. The rules
that find stages take `commands=Commands(...)` for a workflow whose commands differ (its train
or gate command); `all_problems(workflow, commands)` runs them all.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from autograder.assertions import fail
from autograder.schemafiles import VendoredSchema
from autograder.yamlfiles import DuplicateKey, yaml12_loader

FILE = ".github/workflows/ml.yml"
MAX_TEXT = 200_000
MAX_ALIASES = 100
MAX_NODES = 50_000
MAIN = "main"
BRANCH = "fix/amount-scaling"  # a branch name with a slash: `*` does not match it, `**` does
OTHER_BRANCH = "feature-x"
MORE_BRANCHES = ("ada/spike/2", "1.2-hotfix")  # every branch means every name
REPOSITORY = {
    "name": "fraud",
    "full_name": "acme/fraud",
    "default_branch": MAIN,
    "owner": {"login": "acme"},
    "private": True,
}

# --- reading the file as GitHub does ---------------------------------------------------------


_Loader = yaml12_loader()


def load_workflow(text: str, name: str = FILE) -> dict:
    """The workflow as data; fails with a message on a file GitHub refuses to read."""
    if len(text) > MAX_TEXT:
        fail(f"{name} is {len(text)} characters long; a workflow this size is a mistake")
    try:
        aliases = sum(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=_Loader))
        if aliases > MAX_ALIASES:
            fail(f"{name} uses {aliases} YAML aliases; the course reads at most {MAX_ALIASES}")
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKey as exc:
        fail(
            f"{name}: {exc}: GitHub refuses a workflow with a repeated key (YAML would "
            "silently keep the last one)"
        )
    except yaml.YAMLError as exc:
        fail(f"{name} is not valid YAML: {str(exc)[:300]}")
    if not isinstance(data, dict):
        fail(f"{name} should be a mapping with the top-level keys `on` and `jobs`")
    todo, seen = [data], 0
    while todo:  # aliases can make a small file a huge tree: count what the rules would walk
        node = todo.pop()
        seen += 1
        if seen > MAX_NODES:
            fail(f"{name} holds more than {MAX_NODES} values once its aliases are expanded")
        if isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return data


# --- GitHub's workflow schema ----------------------------------------------------------------


WORKFLOW_SCHEMA = VendoredSchema(
    "github-workflows.json",
    conditionals=False,
    unknown_validators=("additionalProperties",),
    prefer_unknown_keys=True,
    always_skip=False,
)


def schema_problems(workflow: dict) -> list[str]:
    """Readable problems of `workflow` against GitHub's workflow schema, each with its path."""
    return WORKFLOW_SCHEMA.problems(workflow)


def structure_problems(workflow: dict) -> list[str]:
    """What the schema cannot see and GitHub refuses: `needs` naming no job, a cycle."""
    jobs = jobs_of(workflow)
    problems = []
    for name, job in jobs.items():
        for dep in _list(job.get("needs")):
            if str(dep) not in jobs:
                problems.append(f"jobs.{name}.needs names '{dep}', which is not a job here")
    looped = [n for n in jobs if n in ancestors(n, jobs)]
    if looped:
        problems.append(f"the jobs {looped} need each other in a cycle")
    return problems


# --- GitHub's expressions --------------------------------------------------------------------


class _Unknown:
    """A value only known at run time (a secret, a variable, a step's output)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


class ExprError(ValueError):
    """An expression GitHub would refuse."""


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>0x[0-9a-fA-F]+|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\].,*])|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            quote = (
                " (strings in GitHub expressions take single quotes)"
                if text[pos:].lstrip().startswith('"')
                else ""
            )
            raise ExprError(f"cannot read the expression at {text[pos : pos + 20]!r}{quote}")
        pos = m.end()
        if m["str"] is not None:
            out.append(("lit", m["str"][1:-1].replace("''", "'")))
        elif m["num"] is not None:
            n = m["num"]
            out.append(("lit", int(n, 16) if n.startswith("0x") else float(n)))
        elif m["op"] is not None:
            out.append(("op", m["op"]))
        else:
            out.append(("name", m["name"]))
    return out


def _truthy(v: Any) -> Any:
    if v is UNKNOWN:
        return UNKNOWN
    if v is None or v is False or v == "":
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return not (v == 0 or math.isnan(v))
    return True


def _number(v: Any) -> float:
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if s == "":
            return 0.0
        try:
            return float(int(s, 16)) if s.lower().startswith("0x") else float(s)
        except ValueError:
            return math.nan
    return math.nan


def _equal(a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return a is b
    if type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return float(a) == float(b)
        return a == b
    return _number(a) == _number(b)


def _string(v: Any) -> Any:
    if v is UNKNOWN:
        return UNKNOWN
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else str(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


STATUS_FUNCTIONS = ("success", "always", "failure", "cancelled")


@dataclass
class Context:
    """What an expression can read: the contexts and the status functions' answers."""

    values: dict[str, Any]
    status: dict[str, Any] = field(default_factory=dict)


class _Parser:
    def __init__(self, text: str, ctx: Context) -> None:
        self.toks = _tokens(text)
        self.pos = 0
        self.ctx = ctx
        self.calls: set[str] = set()

    def peek(self) -> tuple[str, Any] | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self, op: str | None = None) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None or (op is not None and tok != ("op", op)):
            raise ExprError(f"expected {op or 'more'} in the expression")
        self.pos += 1
        return tok

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExprError(f"unexpected {self.peek()[1]!r} in the expression")
        return value

    def or_(self) -> Any:
        left = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            t = _truthy(left)
            if t is not True:
                left = right if t is False or _truthy(right) is True else UNKNOWN
        return left

    def and_(self) -> Any:
        left = self.eq()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.eq()
            t = _truthy(left)
            if t is not False:
                left = right if t is True or _truthy(right) is False else UNKNOWN
        return left

    def eq(self) -> Any:
        left = self.cmp()
        while self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            right = self.cmp()
            same = _equal(left, right)
            left = same if same is UNKNOWN or op == "==" else not same
        return left

    def cmp(self) -> Any:
        left = self.unary()
        while self.peek() in (("op", "<"), ("op", ">"), ("op", "<="), ("op", ">=")):
            op = self.take()[1]
            right = self.unary()
            if left is UNKNOWN or right is UNKNOWN:
                left = UNKNOWN
                continue
            if isinstance(left, str) and isinstance(right, str):
                a, b = left.lower(), right.lower()
            else:
                a, b = _number(left), _number(right)
            left = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        return left

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            t = _truthy(self.unary())
            return UNKNOWN if t is UNKNOWN else not t
        return self.postfix()

    def postfix(self) -> Any:
        value = self.primary()
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                tok = self.take()
                if tok == ("op", "*"):
                    value = UNKNOWN
                    continue
                if tok[0] != "name":
                    raise ExprError("expected a property name after '.'")
                value = _property(value, tok[1])
            else:
                key = self.or_()
                self.take("]")
                value = _property(value, key)
        return value

    def primary(self) -> Any:
        tok = self.take()
        if tok[0] == "lit":
            return tok[1]
        if tok == ("op", "("):
            value = self.or_()
            self.take(")")
            return value
        if tok[0] != "name":
            raise ExprError(f"unexpected {tok[1]!r} in the expression")
        name = tok[1]
        if self.peek() == ("op", "("):
            self.take()
            args = []
            if self.peek() != ("op", ")"):
                args.append(self.or_())
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.or_())
            self.take(")")
            return self.call(name, args)
        low = name.lower()
        if low in ("true", "false"):
            return low == "true"
        if low == "null":
            return None
        if low in ("nan", "infinity"):
            return math.nan if low == "nan" else math.inf
        if low not in self.ctx.values:
            raise ExprError(f"unknown name '{name}' (a context such as github, env, needs)")
        return self.ctx.values[low]

    def call(self, name: str, args: list) -> Any:
        low = name.lower()
        self.calls.add(low)
        if low in STATUS_FUNCTIONS:
            return self.ctx.status.get(low, UNKNOWN)
        if any(a is UNKNOWN for a in args) and low not in ("format", "hashfiles"):
            return UNKNOWN
        if low in ("contains", "startswith", "endswith") and len(args) == 2:
            hay, needle = args
            if low == "contains" and isinstance(hay, list):
                return any(_equal(x, needle) is True for x in hay)
            hay, needle = str(_string(hay)).lower(), str(_string(needle)).lower()
            return {
                "contains": needle in hay,
                "startswith": hay.startswith(needle),
                "endswith": hay.endswith(needle),
            }[low]
        if low == "format" and args:
            parts = [_string(a) for a in args]
            if UNKNOWN in parts:
                return UNKNOWN
            try:
                return (
                    str(parts[0])
                    .replace("{{", "\0")
                    .replace("}}", "\1")
                    .format(*parts[1:])
                    .replace("\0", "{")
                    .replace("\1", "}")
                )
            except (IndexError, ValueError) as exc:
                raise ExprError(f"format(): {exc}") from None
        if low == "join" and args:
            sep = _string(args[1]) if len(args) > 1 else ","
            items = args[0] if isinstance(args[0], list) else [args[0]]
            return str(sep).join(str(_string(x)) for x in items)
        if low == "tojson" and len(args) == 1:
            return json.dumps(args[0])
        if low == "fromjson" and len(args) == 1:
            try:
                return json.loads(str(args[0]))
            except ValueError:
                raise ExprError("fromJSON() of a string that is not JSON") from None
        if low == "hashfiles":
            return "hash-of-the-files"
        return UNKNOWN


def _property(value: Any, key: Any) -> Any:
    if value is UNKNOWN or key is UNKNOWN:
        return UNKNOWN
    if isinstance(value, dict):
        if isinstance(key, str):
            for k, v in value.items():
                if k.lower() == key.lower():
                    return v
            return value.get("*", None)
        return None
    if isinstance(value, list):
        try:
            return value[int(_number(key))]
        except (IndexError, ValueError, OverflowError):
            return None
    return None


def expression(text: str, ctx: Context) -> tuple[Any, set[str]]:
    """The value of a GitHub expression (without ${{ }}) and the functions it calls."""
    if len(text) > 2000:
        raise ExprError("an expression longer than 2000 characters")
    parser = _Parser(text, ctx)
    try:
        return parser.parse(), parser.calls
    except RecursionError:
        raise ExprError("an expression nested too deep") from None


_INTERP = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def template(value: Any, ctx: Context) -> Any:
    """A YAML value that may hold ${{ }}: a string that is one expression gives its value,
    otherwise each expression is replaced by its text (UNKNOWN when one is unknown)."""
    if not isinstance(value, str):
        return value
    found = list(_INTERP.finditer(value))
    if len(found) == 1 and found[0].span() == (0, len(value.strip())) and value == value.strip():
        return expression(found[0][1], ctx)[0]
    out = value
    for m in reversed(found):
        part = _string(expression(m[1], ctx)[0])
        if part is UNKNOWN:
            return UNKNOWN
        out = out[: m.start()] + str(part) + out[m.end() :]
    return out


def condition(value: Any, ctx: Context) -> tuple[Any, set[str]]:
    """An `if:` as GitHub reads it: ${{ }} optional; text around ${{ }} makes a string, which
    is always true. Returns (True/False/UNKNOWN, the functions it calls)."""
    if value is None:
        return True, set()
    if isinstance(value, bool):
        return value, set()
    if not isinstance(value, str):
        return _truthy(value), set()
    text = value.strip()
    found = list(_INTERP.finditer(text))
    if found and not (len(found) == 1 and found[0].span() == (0, len(text))):
        return True, set()  # a string with ${{ }} inside: GitHub evaluates it as always true
    if found:
        text = found[0][1]
    result, calls = expression(text, ctx)
    return _truthy(result), calls


# --- the runs the rules simulate -------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One trigger: what GitHub's `github` context holds for it."""

    label: str
    event_name: str
    ref: str
    run_id: int = 1
    pr_number: int | None = None
    head: str = BRANCH

    def github(self, workflow_name: str) -> dict:
        branch = self.ref.removeprefix("refs/heads/")
        is_pr = self.event_name == "pull_request"
        event: dict[str, Any] = {}
        if is_pr:
            pull = {
                "number": self.pr_number,
                "head": {"ref": self.head},
                "base": {"ref": MAIN},
                "draft": False,
                "title": "Fix the amount scaling",
            }
            event = {
                "action": "synchronize",
                "number": self.pr_number,
                "pull_request": pull,
                "repository": REPOSITORY,
            }
        else:
            event = {
                "ref": self.ref,
                "created": False,
                "deleted": False,
                "forced": False,
                "head_commit": {"message": "Fix the amount scaling", "id": "c0ffee"},
                "repository": REPOSITORY,
            }
        return {
            "event_name": self.event_name,
            "ref": self.ref,
            "ref_name": f"{self.pr_number}/merge" if is_pr else branch,
            "ref_type": "branch",
            "ref_protected": self.ref == f"refs/heads/{MAIN}",
            "head_ref": self.head if is_pr else "",
            "base_ref": MAIN if is_pr else "",
            "event": event,
            "workflow": workflow_name,
            "workflow_ref": f"acme/fraud/{FILE}@{self.ref}",
            "repository": "acme/fraud",
            "repository_owner": "acme",
            "repositoryUrl": "git://github.com/acme/fraud.git",
            "server_url": "https://github.com",
            "api_url": "https://api.github.com",
            "sha": "c0ffee" * 6 + "c0ff",
            "run_id": self.run_id,
            "run_number": self.run_id,
            "run_attempt": 1,
            "actor": "ada",
            "triggering_actor": "ada",
            "job": UNKNOWN,
            "action": UNKNOWN,
            "token": UNKNOWN,
            "workspace": "/home/runner/work/fraud/fraud",
        }


ON_MAIN = Event("a push to main", "push", f"refs/heads/{MAIN}")
ON_BRANCH = Event(f"a push to the branch {BRANCH}", "push", f"refs/heads/{BRANCH}")
ON_PR = Event("a pull request", "pull_request", "refs/pull/42/merge", pr_number=42)
EVENTS = (ON_MAIN, ON_BRANCH, ON_PR)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def jobs_of(workflow: dict) -> dict[str, dict]:
    return {str(k): v for k, v in _dict(workflow.get("jobs")).items() if isinstance(v, dict)}


def steps_of(job: dict) -> list[dict]:
    return [s if isinstance(s, dict) else {} for s in _list(job.get("steps"))]


def needs_of(job: dict, jobs: dict) -> list[str]:
    return [str(n) for n in _list(job.get("needs")) if str(n) in jobs]


def ancestors(name: str, jobs: dict) -> set[str]:
    """Every job `name` needs, directly or through others."""
    seen: set[str] = set()
    todo = list(needs_of(jobs[name], jobs))
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(needs_of(jobs[dep], jobs))
    return seen


def _order(jobs: dict) -> list[str]:
    done: list[str] = []
    todo = dict(jobs)
    while todo:
        ready = [n for n, j in todo.items() if all(d in done for d in needs_of(j, jobs))]
        if not ready:
            return done + list(todo)  # a cycle: GitHub refuses it; the schema check says so
        for n in ready:
            done.append(n)
            del todo[n]
    return done


def _base_values(workflow: dict, event: Event) -> dict:
    name = workflow.get("name") if isinstance(workflow.get("name"), str) else FILE
    return {
        "github": event.github(name),
        "env": UNKNOWN,
        "vars": UNKNOWN,
        "secrets": UNKNOWN,
        "inputs": None,
        "steps": UNKNOWN,
        "job": UNKNOWN,
        "jobs": UNKNOWN,
        "runner": UNKNOWN,
        "matrix": UNKNOWN,
        "strategy": UNKNOWN,
        "needs": {},
    }


@dataclass
class Run:
    """What ran in one simulated run: each step's status ('ran', 'skipped' or 'maybe') and each
    job's result ('success', 'failure', 'skipped' or 'maybe'); problems met on the way."""

    steps: dict[tuple[str, int], str]
    jobs: dict[str, str]
    problems: list[str]


def _flag(value: Any, ctx: Context) -> Any:
    """A `continue-on-error` (a boolean or an expression)."""
    if value is None:
        return False
    try:
        return _truthy(template(value, ctx))
    except ExprError:
        return UNKNOWN


def simulate(workflow: dict, event: Event, failing: frozenset = frozenset()) -> Run:
    """Which jobs and steps run for `event` when the steps in `failing` ((job, index)) fail."""
    jobs = jobs_of(workflow)
    base = _base_values(workflow, event)
    results: dict[str, str] = {}
    steps: dict[tuple[str, int], str] = {}
    problems: list[str] = []
    for name in _order(jobs):
        job = jobs[name]
        deps = needs_of(job, jobs)
        dep_results = [results.get(d, "maybe") for d in deps]
        above = [results.get(a, "maybe") for a in ancestors(name, jobs)]
        needs = {
            d: {
                "result": UNKNOWN if r == "maybe" else r,
                "outputs": UNKNOWN if r in ("success", "maybe") else {},
            }
            for d, r in zip(deps, dep_results, strict=True)
        }
        if any(r == "maybe" for r in dep_results):
            success: Any = UNKNOWN if all(r in ("success", "maybe") for r in dep_results) else False
        else:
            success = all(r == "success" for r in dep_results)
        failed: Any = True if "failure" in above else (UNKNOWN if "maybe" in above else False)
        ctx = Context(
            {**base, "needs": needs},
            {"success": success, "always": True, "failure": failed, "cancelled": False},
        )
        try:
            runs, calls = condition(job.get("if"), ctx)
        except ExprError as exc:
            problems.append(f"jobs.{name}.if: {exc}")
            runs, calls = UNKNOWN, set()
        if not calls & set(STATUS_FUNCTIONS):
            runs = _and(success, runs)
        if runs is False:
            results[name] = "skipped"
            for i, _ in enumerate(steps_of(job)):
                steps[(name, i)] = "skipped"
            continue
        job_state = "ran" if runs is True else "maybe"
        broken: Any = False
        for i, step in enumerate(steps_of(job)):
            sctx = Context(
                {**base, "needs": needs},
                {"success": _not(broken), "always": True, "failure": broken, "cancelled": False},
            )
            try:
                goes, calls = condition(step.get("if"), sctx)
            except ExprError as exc:
                problems.append(f"jobs.{name}.steps[{i}].if: {exc}")
                goes, calls = UNKNOWN, set()
            if not calls & set(STATUS_FUNCTIONS):
                goes = _and(_not(broken), goes)
            if goes is False:
                steps[(name, i)] = "skipped"
                continue
            steps[(name, i)] = job_state if goes is True else "maybe"
            if (name, i) in failing:
                tolerated = _flag(step.get("continue-on-error"), sctx)
                if tolerated is not True:
                    now = True if (goes is True and tolerated is False) else UNKNOWN
                    broken = True if broken is True else (now if broken is False else UNKNOWN)
        if broken is True:
            job_ok = _flag(job.get("continue-on-error"), ctx)
            result = "success" if job_ok is True else ("failure" if job_ok is False else "maybe")
        elif broken is UNKNOWN:
            result = "maybe"
        else:
            result = "success"
        results[name] = result if job_state == "ran" else "maybe"
    return Run(steps, results, problems)


def _not(v: Any) -> Any:
    return UNKNOWN if v is UNKNOWN else not v


def _and(a: Any, b: Any) -> Any:
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return UNKNOWN


# --- the stages, found by the commands they run ----------------------------------------------

STAGES = {
    "lint": "lint (`ruff check`)",
    "tests": "the unit tests (`pytest tests`)",
    "train": "training (`python scripts/train.py`)",
    "model_tests": "the model tests (`pytest model_tests`)",
    "gate": "the release gate (`python scripts/gate.py`)",
    "build": "the image build (`docker build` or docker/build-push-action)",
    "publish": "the publish (`docker push` or docker/build-push-action with push: true)",
}
MAIN_ONLY = ("train", "model_tests", "gate", "build", "publish")
EVERY_PUSH = ("lint", "tests")
NEEDS_MODEL = ("model_tests", "gate", "build")
BEFORE_PUBLISH = ("lint", "tests", "model_tests", "gate", "build")

_PY = r"(?:\S*/)?python(?:3(?:\.\d+)?)?"
_PYTEST = rf"(?:(?<![\w/.-])pytest|{_PY}\s+-m\s+pytest)\b"
_PATTERNS = {
    "lint": re.compile(r"(?<![\w-])ruff\s+(?:\S+\s+)*?check\b"),
    "tests": re.compile(rf"{_PYTEST}(?P<args>[^\n;&|]*)"),
    "train": re.compile(rf"{_PY}\s+(?:\./)?scripts/train\.py\b"),
    "gate": re.compile(rf"{_PY}\s+(?:\./)?scripts/gate\.py\b"),
    "build": re.compile(
        r"\b(?:docker|podman)\s+(?:image\s+|buildx\s+)?build\b|\bbuildah\s+(?:bud|build)\b"
    ),
    "publish": re.compile(
        r"\b(?:docker|podman|buildah)\s+(?:image\s+)?push\b|\bdocker\s+buildx\s+build\b[^\n]*--push"
    ),
}


@dataclass(frozen=True)
class Commands:
    """How the rules recognise each stage: a regex over a step's script per stage (`tests`
    matches pytest; its folder argument says unit or model tests) and its name in messages.
    Another workflow with other commands (the capstone's) passes its own to the rules."""

    patterns: dict[str, re.Pattern]
    labels: dict[str, str]
    tests_dir: str = "tests"
    model_tests_dir: str = "model_tests"


COMMANDS = Commands(_PATTERNS, STAGES)


def _script(step: dict) -> str:
    """The step's shell script, continuation lines joined and comment lines left out."""
    run = step.get("run")
    if not isinstance(run, str):
        return ""
    run = re.sub(r"\\\n\s*", " ", run)
    return "\n".join(ln for ln in run.splitlines() if not ln.lstrip().startswith("#"))


def _uses(step: dict) -> str:
    uses = step.get("uses")
    return uses.strip() if isinstance(uses, str) else ""


def _action(step: dict) -> str:
    """The action a step uses, without its ref: `actions/checkout`."""
    return _uses(step).split("@", 1)[0].lower()


def stages_of(step: dict, commands: Commands = COMMANDS) -> set[str]:
    """The stages a step runs, found by its commands (or a build-push action)."""
    found = set()
    script = _script(step)
    for stage, pattern in commands.patterns.items():
        if stage == "tests":
            for m in pattern.finditer(script):
                words = m["args"].split()
                model = re.escape(commands.model_tests_dir)
                unit = re.escape(commands.tests_dir)
                if any(re.match(rf"^(?:\./)?{model}(?:/|$|::)", w) for w in words):
                    found.add("model_tests")
                elif any(re.match(rf"^(?:\./)?{unit}(?:/|$|::)", w) for w in words):
                    found.add("tests")
        elif pattern.search(script):
            found.add(stage)
    if _action(step) in ("astral-sh/ruff-action", "chartboost/ruff-action"):
        found.add("lint")  # runs `ruff check` unless told otherwise
    if _action(step) == "docker/build-push-action":
        found.add("build")
        push = _dict(step.get("with")).get("push")
        if push not in (None, False) and str(push).lower() != "false":
            found.add("publish")
    return found


def _pushes(
    workflow: dict, at: tuple[str, int], event: Event, commands: Commands = COMMANDS
) -> Any:
    """Whether a publishing step pushes on `event`: build-push-action's `push` may be an
    expression (push: ${{ github.ref == 'refs/heads/main' }}); a push command always does."""
    step = steps_of(jobs_of(workflow)[at[0]])[at[1]]
    if _action(step) != "docker/build-push-action" or commands.patterns["publish"].search(
        _script(step)
    ):
        return True
    try:
        return _truthy(
            template(_dict(step.get("with")).get("push"), Context(_base_values(workflow, event)))
        )
    except ExprError:
        return UNKNOWN


def stage_steps(workflow: dict, commands: Commands = COMMANDS) -> dict[str, list[tuple[str, int]]]:
    """For each stage, the (job, step index) that run it."""
    out: dict[str, list[tuple[str, int]]] = {s: [] for s in STAGES}
    for name, job in jobs_of(workflow).items():
        for i, step in enumerate(steps_of(job)):
            for stage in stages_of(step, commands):
                out[stage].append((name, i))
    return out


def _where(workflow: dict, at: tuple[str, int]) -> str:
    name, i = at
    step = steps_of(jobs_of(workflow)[name])[i]
    label = step.get("name") or step.get("run") or step.get("uses") or ""
    label = str(label).strip().splitlines()[0][:60] if str(label).strip() else ""
    return f"jobs.{name}.steps[{i}]" + (f" ({label})" if label else "")


def _position(step: dict, stage: str, commands: Commands = COMMANDS) -> int:
    """Where in the step's script the stage's command starts (0 for an action)."""
    script = _script(step)
    if stage in ("tests", "model_tests"):
        for m in commands.patterns["tests"].finditer(script):
            if stage in stages_of({"run": m[0]}, commands):
                return m.start()
    m = commands.patterns[stage].search(script) if stage in _PATTERNS else None
    return m.start() if m else 0


def before(
    workflow: dict,
    first: tuple[str, int],
    then: tuple[str, int],
    stages: tuple[str, str] | None = None,
    commands: Commands = COMMANDS,
) -> bool:
    """True when `first` runs before `then`: an earlier step of the same job, or a step of a job
    that `then`'s job needs, directly or through others; within one step, when the first of
    `stages` comes earlier in the script than the second."""
    jobs = jobs_of(workflow)
    if first == then and stages is not None:
        step = steps_of(jobs[first[0]])[first[1]]
        return _position(step, stages[0], commands) < _position(step, stages[1], commands)
    if first[0] == then[0]:
        return first[1] < then[1]
    return first[0] in ancestors(then[0], jobs)


def missing_stage_problems(
    workflow: dict, stages=tuple(STAGES), commands: Commands = COMMANDS
) -> list[str]:
    found = stage_steps(workflow, commands)
    return [f"no step runs {commands.labels[s]}" for s in stages if not found[s]]


# --- the rules -------------------------------------------------------------------------------

_FILTER_CACHE: dict[str, re.Pattern] = {}


def _glob(pattern: str) -> re.Pattern:
    """GitHub's filter pattern: `*` (no slash), `**` (anything), `?`, `+`, `[...]`."""
    if pattern not in _FILTER_CACHE:
        out, i = "", 0
        while i < len(pattern):
            c = pattern[i]
            if pattern.startswith("**", i):
                out, i = out + ".*", i + 2
                continue
            if c == "*":
                out += "[^/]*"
            elif c == "?":
                out += "?" if out else re.escape(c)
            elif c == "+":
                out += "+"
            elif c == "[":
                end = pattern.find("]", i)
                if end < 0:
                    out += re.escape(c)
                else:
                    out, i = out + pattern[i : end + 1], end + 1
                    continue
            else:
                out += re.escape(c)
            i += 1
        try:
            _FILTER_CACHE[pattern] = re.compile(f"^(?:{out})$")
        except re.error:
            _FILTER_CACHE[pattern] = re.compile(re.escape(pattern))
    return _FILTER_CACHE[pattern]


def _filtered(branch: str, spec: dict) -> bool:
    """True when `branch` passes a trigger's branches / branches-ignore filter."""
    if "branches" in spec:
        keep = False
        for p in _list(spec.get("branches")):
            p = str(p)
            if p.startswith("!"):
                if _glob(p[1:]).match(branch):
                    keep = False
            elif _glob(p).match(branch):
                keep = True
        return keep
    if "branches-ignore" in spec:
        return not any(_glob(str(p)).match(branch) for p in _list(spec.get("branches-ignore")))
    # a push filter on tags only: no branch push triggers it
    return not ("tags" in spec or "tags-ignore" in spec)


def _triggers(workflow: dict) -> dict:
    on = workflow.get("on")
    if isinstance(on, str):
        return {on: {}}
    if isinstance(on, list):
        return {str(e): {} for e in on}
    return {str(k): (v if isinstance(v, dict) else {}) for k, v in _dict(on).items()}


def trigger_problems(workflow: dict) -> list[str]:
    """The workflow starts on every push to every branch and on every pull request."""
    triggers = _triggers(workflow)
    problems = []
    push = triggers.get("push")
    if push is None:
        problems.append("`on` has no `push`: lint and tests must run on every push")
    else:
        for branch in (MAIN, BRANCH, OTHER_BRANCH, *MORE_BRANCHES):
            if not _filtered(branch, push):
                patterns = [str(p) for key in ("branches", "branches-ignore")
                            for p in _list(push.get(key))]  # fmt: skip
                star = any("*" in p and "**" not in p for p in patterns) and "/" in branch
                problems.append(
                    f"a push to the branch '{branch}' does not start the workflow (on.push "
                    f"filters {_dict(push)}): every push to every branch must be linted and "
                    "tested" + ("; `*` does not match a slash, `**` does" if star else "")
                )
                break
        for key in ("paths", "paths-ignore"):
            if key in push:
                problems.append(
                    f"on.push has a `{key}` filter: a push that touches other files is "
                    "not tested, yet a change to a config or a data file can break the model"
                )
    pr = triggers.get("pull_request")
    if pr is None:
        problems.append(
            "`on` has no `pull_request`: a pull request must be linted and tested before it "
            "is merged"
            + (
                " (pull_request_target runs with write permissions and secrets on "
                "untrusted code: never for this)"
                if "pull_request_target" in triggers
                else ""
            )
        )
    else:
        if not _filtered(MAIN, pr):
            problems.append(
                f"on.pull_request's branch filter {_dict(pr)} leaves out pull requests into "
                f"{MAIN}: those are the ones that must be tested"
            )
        types = pr.get("types")
        if types is not None and not {"opened", "synchronize"} <= {str(t) for t in _list(types)}:
            problems.append(
                f"on.pull_request.types is {types}: without opened and synchronize, a new pull "
                "request (or a new commit on it) is not tested"
            )
        for key in ("paths", "paths-ignore"):
            if key in pr:
                problems.append(
                    f"on.pull_request has a `{key}` filter: every pull request must be tested"
                )
    return problems


def _fires(workflow: dict, event: Event) -> bool:
    triggers = _triggers(workflow)
    spec = triggers.get(event.event_name)
    if spec is None:
        return False
    branch = MAIN if event.event_name == "pull_request" else event.ref.removeprefix("refs/heads/")
    return _filtered(branch, spec)


def when_problems(workflow: dict, stages=tuple(STAGES), commands: Commands = COMMANDS) -> list[str]:
    """Lint and unit tests run on every push and pull request; train, the model tests, the
    gate, the build and the publish on a push to main only (of `stages`)."""
    found = stage_steps(workflow, commands)
    problems = missing_stage_problems(workflow, stages, commands)
    runs = {e: simulate(workflow, e) for e in EVENTS}
    for run in runs.values():
        problems.extend(p for p in run.problems if p not in problems)
    for stage in (s for s in EVERY_PUSH if s in stages):
        for event in EVENTS:
            if not found[stage] or not _fires(workflow, event):
                continue
            if all(runs[event].steps[at] == "skipped" for at in found[stage]):
                problems.append(
                    f"{commands.labels[stage]} does not run on {event.label} "
                    f"({_where(workflow, found[stage][0])} is skipped): every change must be "
                    "linted and tested, on every branch and pull request"
                )
    for stage in (s for s in MAIN_ONLY if s in stages):
        if not found[stage]:
            continue
        if _fires(workflow, ON_MAIN) and all(
            runs[ON_MAIN].steps[at] == "skipped" for at in found[stage]
        ):
            problems.append(
                f"{commands.labels[stage]} never runs on a push to main (every step that runs it is "
                f"skipped, e.g. {_where(workflow, found[stage][0])}): check its `if:` and what "
                "it `needs`"
                + (
                    " (a condition on pull requests never holds on a push)"
                    if stage == "gate"
                    else ""
                )
            )
        for event in (ON_BRANCH, ON_PR):
            if not _fires(workflow, event):
                continue
            going = [at for at in found[stage] if runs[event].steps[at] != "skipped"]
            if stage == "publish":
                going = [at for at in going if _pushes(workflow, at, event, commands) is not False]
            if going:
                state = runs[event].steps[going[0]]
                problems.append(
                    f"{commands.labels[stage]} {'runs' if state == 'ran' else 'may run'} on "
                    f"{event.label} ({_where(workflow, going[0])}): on main only. "
                    + (
                        "Publishing from any branch ships unreviewed code. "
                        if stage == "publish"
                        else "Training and building on every branch "
                        "spends minutes on work nobody ships. "
                    )
                    + "Restrict it with `if: github.ref == 'refs/heads/main'` (the job's or "
                    "the step's), or `needs:` on a job so restricted"
                    + (
                        " (a condition it cannot read for sure, such as vars or secrets, "
                        "counts as may run)"
                        if state == "maybe"
                        else ""
                    )
                )
    return problems


def order_problems(workflow: dict, commands: Commands = COMMANDS) -> list[str]:
    """The model tests, the gate and the build run after training, and a job that uses the
    model trained in another job downloads it from the training job, which uploads it."""
    found = stage_steps(workflow, commands)
    problems = []
    jobs = jobs_of(workflow)
    if not found["train"]:
        return [f"no step runs {commands.labels['train']}"]
    for stage in NEEDS_MODEL:
        for at in found[stage]:
            earlier = [
                t for t in found["train"] if before(workflow, t, at, ("train", stage), commands)
            ]
            if not earlier:
                problems.append(
                    f"{_where(workflow, at)} runs {commands.labels[stage]} without training first: "
                    "make its job `need` the training job (or run it in a later step of the "
                    "same job), or it works on a model that does not exist yet"
                )
                continue
            if any(t[0] == at[0] for t in earlier):
                continue
            job = jobs[at[0]]
            downloads = [
                i
                for i, s in enumerate(steps_of(job))
                if _action(s) == "actions/download-artifact" and i < at[1]
            ]
            uploads = [
                t
                for t in earlier
                if any(_action(s) == "actions/upload-artifact" for s in steps_of(jobs[t[0]]))
            ]
            if not downloads or not uploads:
                problems.append(
                    f"{commands.labels[stage]} runs in the job '{at[0]}', the model is trained in "
                    f"'{earlier[0][0]}': each job runs on a fresh machine, so the model must "
                    "travel: actions/upload-artifact in the training job, "
                    "actions/download-artifact in this one, before it is used"
                )
    return problems


_SWALLOW_AFTER = re.compile(r"^[^\n]*?(\|\||(?<![|&])\|(?!\|)|(?<![&>])&(?![&>]))")


def _gate_swallowed(
    workflow: dict, at: tuple[str, int], commands: Commands = COMMANDS
) -> str | None:
    """Why the gate command's exit status may not fail its step, or None."""
    job = jobs_of(workflow)[at[0]]
    step = steps_of(job)[at[1]]
    script = _script(step)
    shell = str(
        step.get("shell")
        or _dict(_dict(job.get("defaults")).get("run")).get("shell")
        or _dict(_dict(workflow.get("defaults")).get("run")).get("shell")
        or ""
    ).strip()
    lines = [
        ln.strip() for ln in script.splitlines() if ln.strip() and not ln.strip().startswith("#")
    ]
    gate = commands.patterns["gate"]
    for n, line in enumerate(lines):
        m = gate.search(line)
        if not m:
            continue
        head, tail = line[: m.start()], re.sub(r"\s#.*$", "", line[m.end() :])
        if re.search(
            r"(?:^|[;&|(]\s*)(?:if|while|until|!)\s", head + " "
        ) or head.rstrip().endswith("!"):
            return f"`{line[:80]}`: a condition (if/while/!) catches the gate's exit status"
        if re.search(r"(?:\$\(|`)", head) and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=\$\(", head):
            return f"`{line[:80]}`: the gate runs inside $(...), whose status is dropped"
        before_lines = "\n".join(lines[:n])
        if re.search(r"\bset\s+\+[a-zA-Z]*e|\bset\s+\+o\s+errexit", before_lines):
            return "`set +e` before the gate lets the script go on after it fails"
        t = _SWALLOW_AFTER.match(tail)
        if t:
            op = t[1]
            if op == "||":
                return f"`{line[:80]}`: `||` swallows the gate's failure"
            if op == "&":
                return f"`{line[:80]}`: `&` runs the gate in the background, its status is lost"
            pipefail = shell == "bash" or "pipefail" in shell
            pipefail = pipefail or bool(
                re.search(
                    r"\bset\s+(?:-[a-zA-Z]*\s+)*-o\s+pipefail|"
                    r"set\s+-[a-zA-Z]*o\s+pipefail",
                    before_lines,
                )
            )
            if not pipefail:
                return (
                    f"`{line[:80]}`: a pipe's status is its last command's (without "
                    "`set -o pipefail`, which `shell: bash` turns on): the gate's failure is lost"
                )
        last = n == len(lines) - 1
        if "&&" in tail and not last:
            return (
                f"`{line[:80]}`: a command in an && list (not the script's last line) does "
                "not stop the script when it fails"
            )
        if shell and "{0}" in shell and not re.search(r"\s-[a-zA-Z]*e", shell) and not last:
            return f"shell `{shell}` has no -e: the script goes on after the gate fails"
    return None


def gate_problems(workflow: dict, commands: Commands = COMMANDS) -> list[str]:
    """The publish runs only after lint, tests, the model tests, the gate and the build, and
    the failure of any of them skips it; nothing swallows the gate's failure."""
    found = stage_steps(workflow, commands)
    problems = missing_stage_problems(workflow, ("gate", "publish"), commands)
    if problems:
        return problems
    jobs = jobs_of(workflow)
    ctx = Context(_base_values(workflow, ON_MAIN))
    for at in found["gate"]:
        step = steps_of(jobs[at[0]])[at[1]]
        if _flag(step.get("continue-on-error"), ctx) is not False:
            problems.append(
                f"{_where(workflow, at)} has continue-on-error: the gate's failure "
                "must stop the release"
            )
        if _flag(jobs[at[0]].get("continue-on-error"), ctx) is not False:
            problems.append(
                f"the gate's job '{at[0]}' has continue-on-error: jobs that need it "
                "go on when it blocks"
            )
        why = _gate_swallowed(workflow, at, commands)
        if why:
            problems.append(
                f"{_where(workflow, at)}: {why}; the gate exits 1 to block the "
                "release, and the step must fail with it"
            )
    for at in found["publish"]:
        for stage in BEFORE_PUBLISH:
            if stage == "build" and at in found["build"]:
                continue
            if found[stage] and not any(
                before(workflow, s, at, (stage, "publish"), commands) for s in found[stage]
            ):
                problems.append(
                    f"the publish at {_where(workflow, at)} does not come after "
                    f"{commands.labels[stage]}: make its job `need` that job (directly or through "
                    "others), or the image ships whatever that stage says"
                )
    if problems:
        return problems
    for stage in ("gate", "model_tests", "build", "tests", "lint"):
        broken = frozenset(s for s in found[stage] if s not in found["publish"])
        if not broken:
            continue
        run = simulate(workflow, ON_MAIN, broken)
        going = [at for at in found["publish"] if run.steps[at] != "skipped"]
        if going:
            problems.append(
                f"when {commands.labels[stage]} fails on main, the publish at "
                f"{_where(workflow, going[0])} {'still runs' if run.steps[going[0]] == 'ran' else 'may still run'}"
                ": no always(), failure() or cancelled() in its `if:` (nor in a job between), "
                "no continue-on-error: a failed check must stop the release"
            )
    return problems


_PERMISSION_LEVELS = ("read", "write", "none")


def permission_problems(workflow: dict, commands: Commands = COMMANDS) -> list[str]:
    """Least privilege: top-level contents: read and nothing more; packages: write in the
    publish job only; no other write; a job that checks out keeps contents: read."""
    problems = []
    top = workflow.get("permissions", "(absent)")
    if not isinstance(top, dict):
        problems.append(
            f"the top-level permissions are {top!r}: set `permissions: {{contents: read}}`. "
            + (
                "Without it the GITHUB_TOKEN gets the repository's default, often write on "
                "everything"
                if top == "(absent)"
                else f"{top} gives the token every scope"
            )
            + "; a compromised step (a dependency's install script) can then push code or "
            "packages"
        )
    else:
        if top.get("contents") != "read":
            problems.append(
                f"the top-level permissions give contents: {top.get('contents')!r}, "
                "not read: the jobs need to read the code, and nothing more"
            )
        writes = sorted(k for k, v in top.items() if v == "write")
        if writes:
            problems.append(
                f"the top-level permissions give write on {writes}: every job gets them; give "
                "write only in the job that needs it (packages: write in the publish job)"
            )
    publish_jobs = {at[0] for at in stage_steps(workflow, commands)["publish"]}
    for name, job in jobs_of(workflow).items():
        perms = job.get("permissions")
        if perms is None:
            if name in publish_jobs:
                problems.append(
                    f"the publish job '{name}' has no `permissions`: pushing to ghcr.io with the "
                    "GITHUB_TOKEN needs `packages: write` there (with `contents: read`)"
                )
            continue
        if isinstance(perms, str):
            problems.append(
                f"jobs.{name}.permissions is {perms!r}: name each scope it needs "
                "(least privilege), never write-all or read-all"
            )
            continue
        perms = _dict(perms)
        for scope, level in perms.items():
            if level == "write" and not (scope == "packages" and name in publish_jobs):
                problems.append(
                    f"jobs.{name} gets {scope}: write: "
                    + (
                        "the one write the workflow needs is packages: write, in the publish "
                        "job (to push the image); any other is a door left open to a "
                        "compromised step"
                        if scope != "packages"
                        else "packages: write belongs "
                        "to the publish job only: a job that lints or trains can then publish"
                    )
                )
        if name in publish_jobs and perms.get("packages") != "write":
            problems.append(
                f"the publish job '{name}' lacks packages: write: the push to ghcr.io is refused"
            )
        checks_out = any(_action(s) == "actions/checkout" for s in steps_of(job))
        if checks_out and perms.get("contents") not in ("read", "write"):
            problems.append(
                f"jobs.{name}.permissions has no contents: read, but the job checks out the "
                "code: a job's permissions replace the top level's, and every scope not named "
                "is none"
            )
    return problems


_SHA = re.compile(r"^[0-9a-fA-F]{40}$")


def _all_uses(workflow: dict) -> list[tuple[str, str]]:
    out = []
    for name, job in jobs_of(workflow).items():
        if isinstance(job.get("uses"), str):
            out.append((f"jobs.{name}.uses", job["uses"].strip()))
        for i, step in enumerate(steps_of(job)):
            if _uses(step):
                out.append((f"jobs.{name}.steps[{i}].uses", _uses(step)))
    return out


def pin_problems(workflow: dict) -> list[str]:
    """Every `uses:` pinned to a full commit SHA (local ./ actions apart, docker:// by digest)."""
    problems = []
    for where, uses in _all_uses(workflow):
        if uses.startswith("./"):
            continue
        if uses.startswith("docker://"):
            if not re.search(r"@sha256:[0-9a-f]{64}$", uses):
                problems.append(f"{where}: {uses} is not pinned by a @sha256: digest")
            continue
        ref = uses.split("@", 1)[1] if "@" in uses else ""
        if not _SHA.match(ref):
            problems.append(
                f"{where}: {uses} is pinned to {ref or 'nothing'!r}, not a full 40-hex commit "
                "SHA: a tag or a branch can be moved to other code (as in the tj-actions "
                "attack), a SHA cannot. Write owner/repo@<sha>  # <tag>"
            )
    return problems


def concurrency_problems(workflow: dict) -> list[str]:
    """A top-level concurrency group per branch or pull request, cancel-in-progress on other
    branches and pull requests, never on main."""
    conc = workflow.get("concurrency")
    if conc is None:
        return [
            "no top-level `concurrency`: two pushes in a row run twice, and two runs on "
            "main can publish in the wrong order"
        ]
    spec = {"group": conc} if isinstance(conc, str) else _dict(conc)
    runs = {
        "main, run 1": ON_MAIN,
        "main, run 2": Event("main", "push", f"refs/heads/{MAIN}", run_id=2),
        f"{BRANCH}, run 1": ON_BRANCH,
        f"{BRANCH}, run 2": Event("b", "push", f"refs/heads/{BRANCH}", run_id=3),
        f"{OTHER_BRANCH}": Event("o", "push", f"refs/heads/{OTHER_BRANCH}", run_id=4),
        "pull request 42, run 1": ON_PR,
        "pull request 42, run 2": Event("p", "pull_request", "refs/pull/42/merge", 5, 42),
        "pull request 43": Event("q", "pull_request", "refs/pull/43/merge", 6, 43, OTHER_BRANCH),
    }
    groups, cancels = {}, {}
    for label, event in runs.items():
        ctx = Context(_base_values(workflow, event))
        try:
            groups[label] = _string(template(spec.get("group"), ctx))
            cancels[label] = _truthy(template(spec.get("cancel-in-progress", False), ctx))
        except ExprError as exc:
            return [f"concurrency: {exc}"]
    if any(g is UNKNOWN for g in groups.values()):
        return [
            f"concurrency.group {spec.get('group')!r} depends on a value known only at run "
            "time (vars, secrets, env): build it from github.workflow and github.ref"
        ]
    problems = []
    same = [
        ("main, run 1", "main, run 2"),
        (f"{BRANCH}, run 1", f"{BRANCH}, run 2"),
        ("pull request 42, run 1", "pull request 42, run 2"),
    ]
    apart = [
        (f"{BRANCH}, run 1", OTHER_BRANCH),
        ("main, run 1", f"{BRANCH}, run 1"),
        ("pull request 42, run 1", "pull request 43"),
        ("main, run 1", "pull request 42, run 1"),
    ]
    for a, b in same:
        if groups[a] != groups[b]:
            problems.append(
                f"concurrency.group differs between two runs of one branch ({a}: "
                f"{groups[a]!r}, {b}: {groups[b]!r}): a new push never cancels (nor waits for) "
                "the run it replaces"
            )
            break
    for a, b in apart:
        if groups[a].lower() == groups[b].lower():
            problems.append(
                f"concurrency.group is {groups[a]!r} for both {a} and {b}: one branch's push "
                "cancels (or queues behind) another's run. Put the ref in it: "
                "${{ github.workflow }}-${{ github.ref }}"
            )
            break
    for label in (f"{BRANCH}, run 1", "pull request 42, run 1"):
        if cancels[label] is not True:
            problems.append(
                f"concurrency.cancel-in-progress is {cancels[label]} for {label}: a new push "
                "to a branch should cancel the run it makes obsolete"
            )
            break
    if cancels["main, run 1"] is not False:
        problems.append(
            "concurrency.cancel-in-progress is "
            f"{'true' if cancels['main, run 1'] is True else 'unknown'} on main: a newer push "
            "would kill a run halfway through publishing. Cancel on other branches only: "
            "${{ github.ref != 'refs/heads/main' }}"
        )
    return problems


_PIP = re.compile(r"\bpip3?\s+install\b|\bpython(?:3(?:\.\d+)?)?\s+-m\s+pip\s+install\b")


def cache_problems(workflow: dict) -> list[str]:
    """Every job that runs `pip install` caches pip's downloads, keyed on the requirements."""
    problems = []
    for name, job in jobs_of(workflow).items():
        steps = steps_of(job)
        if not any(_PIP.search(_script(s)) for s in steps):
            continue
        cached = False
        for s in steps:
            with_ = _dict(s.get("with"))
            if _action(s) == "actions/setup-python" and str(with_.get("cache", "")) == "pip":
                cached = True
            if (
                _action(s) == "astral-sh/setup-uv"
                and str(with_.get("enable-cache")).lower() == "true"
            ):
                cached = True  # uv's cache, for `uv pip install`
            if _action(s) in ("actions/cache", "actions/cache/restore"):
                path, key = str(with_.get("path", "")), str(with_.get("key", ""))
                if "pip" in path and "hashFiles(" in key.replace(" ", "") and "requirements" in key:
                    cached = True
                elif "pip" in path:
                    problems.append(
                        f"jobs.{name} caches {path!r} with the key {key!r}: key it on "
                        "hashFiles('requirements*.txt'), so that a change of requirements "
                        "gets a new cache instead of a stale one"
                    )
                    cached = True
        if not cached:
            problems.append(
                f"jobs.{name} runs pip install without a pip cache: every run downloads every "
                "wheel again. Use actions/setup-python with `cache: pip` (or actions/cache of "
                "~/.cache/pip keyed on hashFiles('requirements*.txt'))"
            )
    return problems


_SECRET_EXPR = re.compile(r"\$\{\{[^}]*\b(?:secrets\.|secrets\[|github\.token\b)[^}]*\}\}", re.I)
_XTRACE = re.compile(r"\bset\s+(?:-[a-zA-Z]*x[a-zA-Z]*|-o\s+xtrace)\b")


def _secret_env(env: Any) -> set[str]:
    return {str(k) for k, v in _dict(env).items() if isinstance(v, str) and _SECRET_EXPR.search(v)}


_PRINTERS = {"cat", "tee", "base64", "rev", "xxd", "od", "hexdump", "sed", "awk", "tr", "cut",
             "head", "tail", "fold", "column", "less", "more"}  # fmt: skip


def _prints_secret(line: str, secret: re.Pattern, names: set[str]) -> str | None:
    """How one shell command line shows a secret in the log, or None."""
    words = line.split()
    if not words:
        return None
    if (
        words[0] in ("printenv", "env", "set")
        and len(words) == 1
        or line.strip()
        in (
            "export -p",
            "declare -p",
        )
    ):
        return "prints the whole environment, secrets included" if names else None
    if words[0] == "printenv" and set(words[1:]) & names:
        return "prints a secret"
    m = re.search(r"(?:^|\s|\()(?:echo|printf)\b(?P<rest>.*)", line)
    if not m or "::add-mask::" in m["rest"]:  # add-mask: read by the runner, never shown
        return None
    segments = re.split(r"(?<!\|)\|(?!\|)", m["rest"])
    if not secret.search(segments[0].split(">", 1)[0]) or ">" in segments[0]:
        return None  # no secret, or written to a file
    if len(segments) > 1:
        last = segments[-1].split()
        if not last or last[0].rsplit("/", 1)[-1] not in _PRINTERS or ">" in segments[-1]:
            return None  # piped into the command that needs it
        return f"pipes a secret into {last[0]}, which prints it"
    return "prints a secret"


def secret_problems(workflow: dict) -> list[str]:
    """No secret printed to the log: no echo/printf of one (piping it is fine), no xtrace in a
    step that can see one."""
    problems = []
    top = _secret_env(workflow.get("env"))
    for name, job in jobs_of(workflow).items():
        in_job = top | _secret_env(job.get("env"))
        for i, step in enumerate(steps_of(job)):
            script = _script(step)
            if not script:
                continue
            names = in_job | _secret_env(step.get("env"))
            refs = [_SECRET_EXPR.pattern] + [rf"\$\{{?{re.escape(n)}\b" for n in names]
            secret = re.compile("|".join(f"(?:{r})" for r in refs), re.I)
            where = _where(workflow, (name, i))
            for line in re.split(r"\n|;|&&|\|\|", script):
                why = _prints_secret(line, secret, names)
                if why:
                    problems.append(
                        f"{where} {why}: `{line.strip()[:80]}`. The log is read by everyone "
                        "with access to the repository (and GitHub's masking misses a secret "
                        "once transformed); pipe it into the command that needs it "
                        "(--password-stdin)"
                    )
                    break
            sees = bool(names) or bool(_SECRET_EXPR.search(script))
            shell = str(step.get("shell") or "")
            if sees and (_XTRACE.search(script) or re.search(r"\s-[a-zA-Z]*x", shell)):
                problems.append(
                    f"{where} turns on xtrace (set -x) where it can see a secret: bash then "
                    "prints every command with its variables expanded, the secret included"
                )
    return problems


RULES = (
    trigger_problems,
    when_problems,
    order_problems,
    gate_problems,
    permission_problems,
    pin_problems,
    concurrency_problems,
    cache_problems,
    secret_problems,
)


def all_problems(workflow: dict, commands: Commands = COMMANDS) -> list[str]:
    """Every rule's problems (the schema's first), for a workflow read with load_workflow;
    `commands` says how its stages are recognised."""
    problems = schema_problems(workflow) + structure_problems(workflow)
    for rule in RULES:
        takes = rule in (when_problems, order_problems, gate_problems, permission_problems)
        problems += rule(workflow, commands=commands) if takes else rule(workflow)
    return list(dict.fromkeys(problems))


# --- the checks -------------------------------------------------------------------------------


def _report(problems: list[str], why: str) -> None:
    if problems:
        more = f" (and {len(problems) - 4} more)" if len(problems) > 4 else ""
        fail("; ".join(problems[:4]) + more + (f". {why}" if why else ""))


def _workflow(text: str) -> dict:
    workflow = load_workflow(text)
    if not jobs_of(workflow):
        fail(f"{FILE} defines no job under `jobs`")
    return workflow


class TestWorkflow:
    def test_valid_against_github_workflow_schema(self, submission_text):
        workflow = _workflow(submission_text)
        _report(
            schema_problems(workflow) + structure_problems(workflow),
            "GitHub refuses such a workflow (it shows an error instead of running it)",
        )

    def test_lint_and_tests_on_every_push_and_pull_request(self, submission_text):
        workflow = _workflow(submission_text)
        problems = trigger_problems(workflow) + when_problems(workflow, EVERY_PUSH)
        _report(list(dict.fromkeys(problems)), "CI that skips some changes lets them break main")

    def test_ml_stages_on_main_only(self, submission_text):
        workflow = _workflow(submission_text)
        problems = when_problems(workflow, MAIN_ONLY)
        _report(list(dict.fromkeys(problems)), "Main is what ships; other branches only check")

    def test_model_used_after_training(self, submission_text):
        _report(order_problems(_workflow(submission_text)), "")

    def test_publish_only_when_the_gate_passes(self, submission_text):
        _report(gate_problems(_workflow(submission_text)), "")

    def test_least_privilege_permissions(self, submission_text):
        _report(permission_problems(_workflow(submission_text)), "")

    def test_actions_pinned_to_a_commit_sha(self, submission_text):
        _report(pin_problems(_workflow(submission_text)), "")

    def test_concurrency(self, submission_text):
        _report(concurrency_problems(_workflow(submission_text)), "")

    def test_pip_cached(self, submission_text):
        _report(cache_problems(_workflow(submission_text)), "")

    def test_no_secret_printed(self, submission_text):
        _report(secret_problems(_workflow(submission_text)), "")
