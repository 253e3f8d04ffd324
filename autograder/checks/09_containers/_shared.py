"""Helpers shared by the checks of lesson 09_containers, all reading the learner's files as data
(nothing the learner wrote is ever built, run or imported by these helpers):

- names that hold secrets, and image references pinned to a version (ex01, ex03);
- a Dockerfile read into stages and instructions with dockerfile-parse (ex01, and the
  integration tier that builds it);
- the build context a `.dockerignore` leaves, read by the Docker SDK for Python (ex02).

The SDK's reading (`docker.utils.build.exclude_paths`) is a kept library, not ours to maintain. It
differs from BuildKit in corners the contract never needs (it folds case, and an excluded folder
is only entered again for an exception that starts with its path, so `*` then `!**/*.skops` loses
models/model.skops); the contract's patterns (`**/x`, a folder, `!folder/**/*.ext` after the rule
it excepts) read the same in both, and ex02's synthetic context keeps to lower-case names.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from io import BytesIO

# --- names that hold secrets ------------------------------------------------------------------

_SECRET_WORDS = {"PASSWORD", "PASSWD", "PASS", "PWD", "TOKEN", "SECRET", "KEY", "APIKEY", "CREDENTIAL",
                 "CREDENTIALS", "PRIVATE"}  # fmt: skip
_SECRET_ENDINGS = ("PASSWORD", "TOKEN", "SECRET", "APIKEY")


def is_secret_name(name: str) -> bool:
    """True for a variable name that says it holds a secret: DB_PASSWORD, API_TOKEN, SECRET_KEY,
    AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, APIKEY, MLFLOW_TRACKING_PASSWORD (word by word, so that
    KEYBOARD or MONKEY are not secrets)."""
    words = [w for w in re.split(r"[^A-Z0-9]+", name.upper()) if w]
    return any(w in _SECRET_WORDS or w.endswith(_SECRET_ENDINGS) for w in words)


# --- image references ---------------------------------------------------------------------------

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_VERSION = re.compile(r"\d+\.\d+")


@dataclass(frozen=True)
class ImageRef:
    """`[registry/]repository[:tag][@digest]`, as Docker splits it."""

    repository: str
    tag: str | None
    digest: str | None

    @property
    def short_name(self) -> str:
        """The repository without a Docker Hub prefix: `python`, `prom/prometheus`."""
        name = self.repository
        for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
            if name.startswith(prefix):
                return name[len(prefix) :]
        return name


def parse_image(ref: str) -> ImageRef:
    ref = ref.strip()
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        tag = last.rsplit(":", 1)[1]
        ref = ref[: len(ref) - len(tag) - 1]
    return ImageRef(repository=ref, tag=tag, digest=digest)


def pin_problem(ref: str) -> str | None:
    """Why `ref` is not pinned to a version, or None when it is: a tag naming at least a major
    and minor version (`3.11-slim`, `v2.53.0`), optionally with a digest; a digest alone pins too.
    `latest`, no tag, or a tag without a version (`slim`, `3-slim`) float to whatever is newest."""
    image = parse_image(ref)
    if image.digest is not None:
        if not _DIGEST.match(image.digest):
            return f"'{ref}' has a malformed digest (expected sha256: and 64 hex digits)"
        if image.tag != "latest":
            return None
    if image.tag is None:
        return f"'{ref}' has no tag, which means ':latest'"
    if image.tag == "latest":
        return f"'{ref}' uses the 'latest' tag"
    if not _VERSION.search(image.tag):
        return f"'{ref}' has the tag '{image.tag}', which names no major.minor version"
    return None


# --- Dockerfiles --------------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, ...
    value: str  # continuation lines joined
    line: int  # 1-based line where it starts

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form CMD/ENTRYPOINT/RUN/HEALTHCHECK CMD, or None."""
        return exec_form(self.value)

    def flags(self) -> dict[str, str]:
        """The `--name=value` options before the arguments (COPY --from=build, --chown=...)."""
        found = {}
        for word in _split(self.value):
            if not word.startswith("--"):
                break
            name, _, value = word[2:].partition("=")
            found[name.lower()] = value
        return found

    def arguments(self) -> list[str]:
        """The words after the options (shell-like split; exec form for COPY/ADD is decoded)."""
        words = _split(self.value)
        while words and words[0].startswith("--"):
            words.pop(0)
        rest = " ".join(words)
        decoded = exec_form(rest)
        return decoded if decoded is not None else words


@dataclass
class Stage:
    index: int
    name: str | None  # the AS name, lower case
    image_text: str  # FROM's image as written (`${BASE_IMAGE}`)
    image: str  # with the global ARG defaults substituted
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None

    def env(self) -> dict[str, str]:
        """The stage's ENV variables after its last ENV (later values win)."""
        values: dict[str, str] = {}
        for ins in self.all("ENV"):
            values.update(key_values(ins.value))
        return values


@dataclass
class Dockerfile:
    global_args: dict[str, str | None]  # the ARGs before the first FROM, with their defaults
    stages: list[Stage]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage_named(self, ref: str) -> Stage | None:
        """The stage a `--from=` or `FROM` refers to: its AS name or its index."""
        ref = ref.lower()
        for stage in self.stages:
            if stage.name == ref or str(stage.index) == ref:
                return stage
        return None


def exec_form(value: str) -> list[str] | None:
    text = value.strip()
    if not text.startswith("["):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
        return parsed
    return None


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text, posix=True)
    except ValueError:
        return text.split()


def key_values(value: str) -> dict[str, str]:
    """`KEY=value KEY2="two words"` (or the legacy `KEY value with spaces`) as a dict."""
    words = _split(value)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    pairs = {}
    for word in words:
        key, sep, val = word.partition("=")
        if sep:
            pairs[key] = val
        else:
            pairs[key] = ""
    return pairs


_VAR = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+])?(?P<word>[^}]*)\}"
                  r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")  # fmt: skip


def substitute(text: str, values: dict[str, str | None]) -> str:
    """Docker's `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alt}` with `values`."""

    def one(m: re.Match) -> str:
        name = m["braced"] or m["bare"]
        value = values.get(name)
        op = m["op"] or ""
        if op.endswith("-"):
            unset = value is None or (op == ":-" and value == "")
            return m["word"] if unset else value
        if op.endswith("+"):
            set_ = value is not None and (op == "+" or value != "")
            return m["word"] if set_ else ""
        return value or ""

    return _VAR.sub(one, text)


def parse_dockerfile(text: str) -> Dockerfile:
    """The Dockerfile's stages and instructions (dockerfile-parse reads it; nothing runs)."""
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(fileobj=BytesIO(text.encode("utf-8", errors="replace")))
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for item in parser.structure:
        keyword = item["instruction"].upper()
        if keyword == "COMMENT":
            continue
        ins = Instruction(keyword=keyword, value=item["value"], line=item["startline"] + 1)
        if keyword == "FROM":
            words = [w for w in ins.value.split() if not w.startswith("--")]
            image_text = words[0] if words else ""
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            image = substitute(image_text, global_args)
            stages.append(Stage(len(stages), name, image_text, image, ins.line))
        elif not stages:
            if keyword == "ARG":
                for key, val in arg_defaults(ins.value).items():
                    global_args[key] = val
        else:
            stages[-1].instructions.append(ins)
    return Dockerfile(global_args=global_args, stages=stages)


def arg_defaults(value: str) -> dict[str, str | None]:
    """An ARG instruction's `NAME[=default]` words: {name: default, or None without one}."""
    found: dict[str, str | None] = {}
    for word in _split(value):
        key, sep, default = word.partition("=")
        found[key] = default if sep else None
    return found


# --- .dockerignore ---------------------------------------------------------------------------


class BadPattern(ValueError):
    """A pattern that cannot be read as a .dockerignore pattern."""


def clean_path(path: str) -> str:
    """A slash path without `.` parts, `..` resolved and no trailing slash (`a/./b/` is `a/b`)."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
        else:
            parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


def read_dockerignore(text: str) -> list[str]:
    """The patterns of a `.dockerignore`, as Docker reads them: a line starting with
    `#` is a comment (only at the very start of the line: there are no trailing comments), blank
    lines are skipped, spaces around a pattern are trimmed, each pattern is cleaned (`a/./b/` is
    `a/b`) and a leading `/` is dropped (patterns are relative to the context's root)."""
    patterns = []
    for number, raw in enumerate(text.split("\n")):
        line = raw[:-1] if raw.endswith("\r") else raw
        if number == 0 and line.startswith("\ufeff"):
            line = line[1:]
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = clean_path(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append("!" + pattern if invert else pattern)
    return patterns


def sent_files(root: str, patterns: list[str]) -> set[str]:
    """The regular files under `root` that a build sends as its context when the `.dockerignore`
    holds `patterns`: the Docker SDK's own reading (`docker.utils.build.exclude_paths`, what
    `docker-py` tars up for the engine). Patterns match from the context's root (`**/` for any
    depth), a folder left out leaves out what is inside it, and the last matching line decides
    (`!` puts a path back). The Dockerfile and the .dockerignore are always sent."""
    from docker.utils.build import exclude_paths

    try:
        kept = exclude_paths(root, list(patterns))
    except re.error as exc:
        raise BadPattern(f"a pattern is not valid ({exc})") from None
    return {path for path in kept if os.path.isfile(os.path.join(root, path))}
