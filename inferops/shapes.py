"""Read untrusted YAML data defensively: a field of the wrong type reads as empty, so checks walking user
manifests, kustomizations or CRDs never crash on it (the schema check reports the wrong type itself)."""

from __future__ import annotations

from typing import Any


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def as_mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}
