"""YAML read the way the tools that consume it read it: a key written twice is an error.

PyYAML keeps the last of two equal keys without a word; Compose and Prometheus refuse the file.
A check that reads a learner's YAML (lesson 09's compose.yaml, lesson 10's alerts.yml) registers
`refuse_duplicate_keys` on its own `yaml.SafeLoader` subclass, so the learner hears about the
duplicate with its line numbers instead of being graded on half of what they wrote.
"""

from __future__ import annotations

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
