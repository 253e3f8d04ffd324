"""A learner's YAML checked against a JSON schema that check-jsonschema vendors, offline.

Lesson 09's compose.yaml is checked against the Compose specification, lesson 14's workflow
(and the capstone's) against GitHub's workflow schema. jsonschema's own messages for a oneOf or
an unknown key are long and vague ("is not valid under any of the given schemas"); `problems`
turns each error into one line with its path, the most specific error under a oneOf, and an
unknown key named with the closest known one ("did you mean 'depends_on'?").
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import json
import re
from typing import Any


class VendoredSchema:
    """One schema file of `check_jsonschema.builtin_schemas.vendor`, read once.

    The two schemas' structures differ, and so do the choices that give readable messages:
    `conditionals` follows if/then/else when listing the keys a node allows (the Compose
    specification uses them); `unknown_validators` are the errors reported as unknown keys;
    `prefer_unknown_keys` picks an unknown-key error over a type error at the same depth
    under a oneOf; `always_skip` drops the error itself once its unknown keys are reported,
    even when it named none.
    """

    def __init__(
        self,
        file: str,
        *,
        conditionals: bool,
        unknown_validators: tuple[str, ...],
        prefer_unknown_keys: bool,
        always_skip: bool,
    ):
        self.file = file
        self.conditionals = conditionals
        self.unknown_validators = unknown_validators
        self.prefer_unknown_keys = prefer_unknown_keys
        self.always_skip = always_skip

    @functools.cached_property
    def schema(self) -> dict:
        files = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
        return json.loads((files / self.file).read_text(encoding="utf-8"))

    @functools.cached_property
    def validator(self):
        import jsonschema

        return jsonschema.validators.validator_for(self.schema)(self.schema)

    def _resolve(self, node: dict) -> dict:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = self.schema
            for part in ref[2:].split("/"):
                target = target[part]
            return target
        return node

    def known_keys(self, node: dict, depth: int = 0) -> tuple[set[str], list[str]]:
        """(property names, patternProperties regexes) a schema node allows, through its $ref,
        allOf/anyOf/oneOf (and if/then/else with `conditionals`)."""
        node = self._resolve(node)
        names = set(node.get("properties", {}))
        patterns = list(node.get("patternProperties", {}))
        if depth < 8:
            subs = [s for key in ("allOf", "anyOf", "oneOf") for s in node.get(key, [])]
            if self.conditionals:
                subs += [node[k] for k in ("if", "then", "else") if isinstance(node.get(k), dict)]
            if "$ref" in node:
                subs.append(self._resolve(node))
            for sub in subs:
                more, more_patterns = self.known_keys(sub, depth + 1)
                names |= more
                patterns += more_patterns
        return names, patterns

    def _deepest(self, error):
        """The most specific error under a oneOf/anyOf failure (the deepest path)."""
        while error.context:
            error = max(
                error.context,
                key=lambda e: (
                    len(e.absolute_path),
                    self.prefer_unknown_keys and e.validator == "additionalProperties",
                    e.validator != "type",
                ),
            )
        return error

    def problems(self, data: Any) -> list[str]:
        """Readable problems of `data` against the schema, each with its path."""
        problems: list[str] = []
        errors = sorted(self.validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
        for error in errors:
            error = self._deepest(error)
            where = path_text(error.absolute_path)
            if error.validator in self.unknown_validators:
                names, patterns = self.known_keys(error.schema)
                instance = error.instance if isinstance(error.instance, dict) else {}
                unknown = [
                    k
                    for k in instance
                    if k not in names and not any(re.search(p, str(k)) for p in patterns)
                ]
                for key in unknown:
                    close = difflib.get_close_matches(str(key), sorted(names), n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    problems.append(f"{where}: unknown key '{key}'{hint}")
                if unknown or self.always_skip:
                    continue  # known keys listed there failed elsewhere, and are reported there
            problems.append(f"{where}: {error.message[:200]}")
        return list(dict.fromkeys(problems))


def path_text(parts) -> str:
    """`services.api.ports[0]` for the path ["services", "api", "ports", 0]."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
