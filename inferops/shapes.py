"""Read untrusted YAML data defensively: a field of the wrong type reads as empty, so checks walking user
manifests, kustomizations or CRDs never crash on it (the schema check reports the wrong type itself)."""

from __future__ import annotations

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


def may_contain(node: Any, needles: tuple[str, ...]) -> bool:
    """Whether a string below ``node`` could hold one of ``needles``: a quick test (``repr`` runs in C,
    and each needle is one substring search) that lets a check skip walking an object that cannot match.

    ``repr`` shows a string's text as it is except quotes, backslashes and unprintable characters, so a
    needle free of those shows in it whenever a string holds it; keys and the reprs of other values are
    searched as well, which only makes the answer ``True`` more often. Data too deep to print answers
    ``True``.
    """
    try:
        text = repr(node)
    except RecursionError:
        return True
    return any(needle in text for needle in needles)
