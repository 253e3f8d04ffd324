"""YAML read the way the tools that consume it read it: a key written twice is an error.

PyYAML keeps the last of two equal keys without a word; Compose and Prometheus refuse the file.
A check that reads a learner's YAML (lesson 09's compose.yaml, lesson 10's alerts.yml) registers
`refuse_duplicate_keys` on its own `yaml.SafeLoader` subclass, so the learner hears about the
duplicate with its line numbers instead of being graded on half of what they wrote.

PyYAML also reads YAML 1.1, where `on`, `yes` and `no` are booleans: a workflow's `on:` key
becomes `True`. Compose and GitHub Actions read YAML 1.2; `yaml12_loader()` makes a loader
that does too (core-schema scalars only), with duplicate keys refused.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class DuplicateKey(ValueError):
    """A mapping holds the same key twice; the message names both lines."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<: *anchor` may appear beside the keys it merges
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, str) and key in seen:
            raise DuplicateKey(
                f"line {line}: the key '{key}' appears twice (first at line {seen[key]})"
            )
        seen[key] = line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


def refuse_duplicate_keys(loader: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """Make `loader` (a SafeLoader subclass) raise DuplicateKey on a key written twice."""
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    return loader


_YAML11_ONLY = ("bool", "int", "float", "timestamp", "value")


def yaml12_loader(doc: str = "") -> type[yaml.SafeLoader]:
    """A fresh SafeLoader subclass reading YAML 1.2 core-schema scalars (`on`, `yes`, `no` and
    `1_000` stay strings, no timestamps), with duplicate keys refused."""
    loader = type("Yaml12Loader", (yaml.SafeLoader,), {"__doc__": doc or yaml12_loader.__doc__})
    loader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp) for tag, regexp in resolvers if tag.rsplit(":", 1)[-1] not in _YAML11_ONLY
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
        list("-+0123456789"),
    )
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+.0123456789"),
    )
    return refuse_duplicate_keys(loader)
