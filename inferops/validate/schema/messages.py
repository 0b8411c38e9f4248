"""Turn schema problems into findings, with short messages that name the field as kubeconform and
kubectl do: ``spec.replicas: expected integer, got string``, ``unknown field "spec.foo"``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from inferops.rules.base import Rule
from inferops.validate.findings import Finding
from inferops.validate.manifest import JsonPath, Manifest

_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"),
               (dict, "object"), (type(None), "null"))


def json_type(value: Any) -> str:
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def dotted(path: JsonPath) -> str:
    """``("spec", "containers", 0, "image")`` as ``spec.containers[0].image``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe(error: Any) -> Iterator[tuple[JsonPath, str]]:
    """One (path, message) per problem in a jsonschema-rs ``ValidationError`` (an error about several
    unknown fields yields one message per field, each pointing at its own line)."""
    path: JsonPath = tuple(error.instance_path)
    kind = error.kind
    name = getattr(kind, "name", "")
    if name == "additionalProperties":
        for field in kind.unexpected:
            yield (*path, field), f'unknown field "{dotted((*path, field))}"'
        return
    if name == "required":
        yield path, _at(path, f'missing required field "{kind.property}"')
        return
    expected = _expected_types(error)
    if expected:
        yield path, _at(path, f"expected {' or '.join(expected)}, got {json_type(error.instance)}")
        return
    yield path, _at(path, error.message)


def _expected_types(error: Any) -> list[str]:
    """The types a value may have, for a type error or a oneOf/anyOf of type alternatives (int-or-string)."""
    kind = error.kind
    name = getattr(kind, "name", "")
    if name == "type":
        named = [t for t in kind.types if t != "null"]
        return named or list(kind.types)
    if name in ("oneOf", "anyOf") and getattr(kind, "context", None):
        types: list[str] = []
        for branch in kind.context:
            if len(branch) != 1 or getattr(branch[0].kind, "name", "") != "type":
                return []
            types.extend(t for t in branch[0].kind.types if t != "null" and t not in types)
        return types
    return []


def _at(path: JsonPath, message: str) -> str:
    return f"{dotted(path)}: {message}" if path else message


def finding(rule: Rule, m: Manifest, message: str, path: JsonPath = ()) -> Finding:
    """A finding of ``rule`` about ``m``, on the line of ``path`` when the source locates it."""
    file, line = m.place(path)
    return Finding(rule.id, rule.severity, message, file, line, m.ref, rule.hint, rule.family)


def first_line(text: object) -> str:
    lines = str(text).strip().splitlines()
    return lines[0] if lines else "no details"
