"""Read untrusted YAML data defensively: a field of the wrong type reads as empty, so checks walking user
manifests, kustomizations or CRDs never crash on it (the schema check reports the wrong type itself)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def as_mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def string_values(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string value (not key) below ``node``, with its path of keys and list indexes."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from string_values(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from string_values(value, (*path, i))


def may_contain(node: Any, needles: re.Pattern[str]) -> bool:
    """Whether a string below ``node`` could hold a match of ``needles``: a quick test (``json.dumps`` runs
    in C) that lets a check skip walking an object that cannot match.

    ``needles`` must only find plain text that JSON does not escape (no quotes, backslashes or control
    characters), so a string holding it shows it in the dump too; keys are searched as well, which only
    makes the answer ``True`` more often. Data JSON cannot encode answers ``True``.
    """
    try:
        text = json.dumps(node, ensure_ascii=False, check_circular=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return True
    return needles.search(text) is not None
