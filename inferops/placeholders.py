"""Placeholders: values a tutorial or template fills in later (``${VAR}``, ``$VAR``, ``<your-token>``,
``{{ .Values.x }}``). They say nothing about the value that will be deployed, so no rule judges them (an
error would claim a real value is wrong); the run adds one note naming the first one instead."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from inferops.shapes import may_contain, string_values
from inferops.validate.manifest import JsonPath, Manifest

_PLACEHOLDER = re.compile(
    r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+=-][^}]*)?\}"  # ${VAR}, ${VAR:-default}
    r"|\$[A-Za-z_][A-Za-z0-9_]*"  # $VAR
    r"|<[^<>\n]+>"  # <your-token>
    r"|\{\{.*?\}\}"  # {{ .Values.x }}
)


def is_placeholder(value: Any) -> bool:
    """Whether ``value`` is a string that is, or contains, a placeholder (``${VAR}``, ``$VAR``, ``<...>``,
    ``{{ ... }}``); ``$(VAR)`` is Kubernetes' own env reference, resolved by the kubelet, so it is not one."""
    return isinstance(value, str) and _PLACEHOLDER.search(value) is not None


#: Text one of which every placeholder contains (a quick test before walking an object's strings).
PLACEHOLDER_NEEDLES = ("$", "<", "{{")

#: Keys whose strings are scripts, where ``$VAR`` is the shell's own expansion, not a placeholder.
_SCRIPT_KEYS = frozenset({"command", "args"})


def placeholders(manifests: Iterable[Manifest]) -> Iterator[tuple[Manifest, JsonPath, str]]:
    """Every placeholder string value (not key) in the objects, with its path; scripts (``command``,
    ``args``, multi-line strings) are left out, their ``$VAR`` is the shell's."""
    for m in manifests:
        if not may_contain(m.data, PLACEHOLDER_NEEDLES):
            continue
        for path, text in string_values(m.data):
            if is_placeholder(text) and "\n" not in text and not _SCRIPT_KEYS & {p for p in path if isinstance(p, str)}:
                yield m, path, text


def placeholder_note(manifests: Iterable[Manifest]) -> str | None:
    """One note for all the placeholders of a run, naming the first; ``None`` when there are none."""
    found = list(placeholders(manifests))
    if not found:
        return None
    m, path, text = found[0]
    file, line = m.place(path)
    where = f"{file}:{line}" if line else file
    shown = text if len(text) <= 40 else text[:37] + "..."
    return (f"{len(found)} placeholder value(s) such as {shown!r} ({where}) were not judged; substitute them "
            "(e.g. envsubst, helm template) and validate the result")

