"""Reading a schema safely: only inside its schema root, only a regular file of bounded size, and only
a schema that can check the kind it was looked up for.

Errors name the file and say what is wrong with it; they never quote the file's content, since a schema
path that went wrong may point at something private.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from inferops.errors import InferopsError

#: Largest schema read or downloaded. The biggest shipped schema is a few MB (a converted CRD); a larger
#: "schema" is a mistake or an attack, and parsing it would take the memory of the run.
MAX_SCHEMA_BYTES = 32 * 1024 * 1024
#: Keywords that constrain an object. A schema with none of them accepts every object of its kind, so a
#: truncated or blanked schema (``{}``, ``{"type": "object"}``) would switch the checks off silently.
_CONSTRAINTS = frozenset({
    "properties", "required", "additionalProperties", "patternProperties", "not", "allOf", "anyOf", "oneOf",
    "$ref", "enum", "const", "if", "minProperties", "maxProperties", "propertyNames", "dependentRequired",
    "dependentSchemas", "unevaluatedProperties",
})


def read_bounded(path: Path, root: Path) -> bytes | None:
    """The bytes of ``path``, or ``None`` when it does not exist. Refuses (with an :class:`InferopsError`)
    a path that resolves outside ``root`` (``..``, an absolute part, a symlink), a FIFO or device (reading
    one would block), and a file over :data:`MAX_SCHEMA_BYTES`."""
    try:
        resolved = path.resolve()
        if not resolved.is_relative_to(root.resolve()):
            raise InferopsError("schema path leaves its schema directory; not read", file=str(path))
        fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as err:  # ValueError: a NUL byte in the path
        raise InferopsError(f"cannot read schema: {getattr(err, 'strerror', None) or err}", file=str(path)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            what = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or directory"
            raise InferopsError(f"cannot read schema: {what}, not a file", file=str(path))
        if info.st_size > MAX_SCHEMA_BYTES:
            raise InferopsError(f"schema is larger than {MAX_SCHEMA_BYTES // 2**20} MiB; not read", file=str(path))
        return handle.read(MAX_SCHEMA_BYTES + 1)


def load_schema_file(path: Path, root: Path) -> dict[str, Any] | None:
    """The JSON schema in ``path`` (see :func:`read_bounded`), ``None`` when missing; a file that is not
    a JSON object is an :class:`InferopsError` naming it and the position, not its text."""
    body = read_bounded(path, root)
    if body is None:
        return None
    try:
        schema = json.loads(body)
    except ValueError as err:
        where = f" (line {err.lineno}, column {err.colno})" if isinstance(err, json.JSONDecodeError) else ""
        raise InferopsError(f"schema file is not JSON{where}", file=str(path)) from None
    if not isinstance(schema, dict):
        raise InferopsError("schema file does not hold a JSON object", file=str(path))
    return schema


def object_schema_problem(schema: Any, kind: str, api_version: str) -> str | None:
    """Why ``schema`` cannot be the schema of ``api_version``/``kind``, or ``None``: it must be a JSON
    object, allow type ``object``, constrain something, and, when it pins ``kind`` or ``apiVersion``
    with ``enum``/``const``, pin these."""
    if not isinstance(schema, dict):
        return "is not a JSON object"
    types = schema.get("type", "object")
    if "object" not in (types if isinstance(types, list) else [types]):
        return "does not describe an object"
    if not _CONSTRAINTS.intersection(schema):
        return "constrains nothing (it would accept any object)"
    properties = schema.get("properties")
    for field, value in (("kind", kind), ("apiVersion", api_version)):
        pinned = properties.get(field) if isinstance(properties, dict) else None
        if isinstance(pinned, dict):
            allowed = pinned.get("enum", [pinned["const"]] if "const" in pinned else None)
            if isinstance(allowed, list) and value not in allowed:
                return f"is the schema of another {field}"
    return None
