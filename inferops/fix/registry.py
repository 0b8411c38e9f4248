"""Fixers: for a rule id, the operations that make one finding's object comply.

A fixer is a small registered unit like a rule (:func:`fixer`). It gets the rendered object, the JSON
path of the finding and the run's other objects, and returns operations on JSON paths of that object; :mod:`splice` applies them to
the source document the finding points at. A fixer returns ``[]`` when the object offers no safe
mechanical fix (the finding is then left for a person).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from inferops.validate.manifest import JsonPath, Manifest


@dataclass(frozen=True, slots=True)
class Set:
    """Make ``path`` hold the scalar ``value`` (creating the mappings above it that are missing). With
    ``expect``, only where the source still holds that text: a value another layer replaced (an overlay's
    patch of a whole list) is left for a person rather than edited where it has no effect."""

    path: JsonPath
    value: Any
    expect: str | None = None
    anchor: JsonPath | None = None  # see :class:`Append`


@dataclass(frozen=True, slots=True)
class Delete:
    """Remove the key at ``path`` (and its value)."""

    path: JsonPath


@dataclass(frozen=True, slots=True)
class Substitute:
    """Replace each match of ``pattern`` inside the scalar at ``path`` by ``replace(match)``, in place: the
    scalar keeps its style (a block-scalar PromQL query stays a block scalar)."""

    path: JsonPath
    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str]], str]


@dataclass(frozen=True, slots=True)
class Append:
    """Add ``items`` (scalars, or mappings of scalars and mappings) at the end of the list at ``path``,
    creating the list (and the mappings above it) when it is missing. An item the list already holds, or
    that another fix already appends there, is not added twice: two containers of one pod that each need
    the /dev/shm volume get one volume."""

    path: JsonPath
    items: tuple[Any, ...]
    #: A path whose source file receives the fix, when that is not where ``path`` comes from: the overlay
    #: patch that raised a pod's GPUs gets the /dev/shm mount that only its GPU count needs.
    anchor: JsonPath | None = None


Operation = Set | Delete | Substitute | Append


@dataclass(frozen=True, slots=True)
class Run:
    """What a fixer may consult beyond its own object: every object the run checked (an Application's
    fix looks for the AppProjects that could own it)."""

    manifests: Sequence[Manifest] = ()


FixFn = Callable[[Manifest, JsonPath, Run], list[Operation]]


@dataclass(frozen=True, slots=True)
class Fixer:
    rule_id: str
    summary: str  # what ``inferops fix`` does, for ``inferops explain`` and README ("sets ...")
    fix: FixFn


FIXERS: dict[str, Fixer] = {}


def fixer(rule_id: str, *, summary: str) -> Callable[[FixFn], FixFn]:
    """Register ``fn`` as the mechanical fix of rule ``rule_id``."""

    def register(fn: FixFn) -> FixFn:
        if rule_id in FIXERS:
            raise ValueError(f"fixer for {rule_id} registered twice")
        FIXERS[rule_id] = Fixer(rule_id, summary, fn)
        return fn

    return register


def load_all_fixers() -> dict[str, Fixer]:
    """Import the fixer modules so the registry is complete."""
    import inferops.fix.fixers  # noqa: F401  (registers on import)
    import inferops.fix.fixers_argocd  # noqa: F401
    import inferops.fix.fixers_serving  # noqa: F401

    return FIXERS


def markdown_table() -> str:
    """README's table of fixable rules (between ``<!-- fix-table:start -->`` and ``<!-- fix-table:end -->``)."""
    rows = ["| rule | what `inferops fix` does |", "|---|---|"]
    rows += [f"| `{f.rule_id}` | {f.summary} |" for f in sorted(load_all_fixers().values(), key=lambda f: f.rule_id)]
    return "\n".join(rows)
