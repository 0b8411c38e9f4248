"""The node a finding points at, in the source file's YAML node graph (ruamel.yaml ``compose``: nodes with
exact character positions, so edits can be splices that leave every other byte alone)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from inferops.rules.workloads import dig
from inferops.validate.manifest import JsonPath


@dataclass(frozen=True, slots=True)
class Step:
    """One part of a JSON path found in the source: the node it leads to and the line it sits on (1-based)."""

    part: str | int
    node: Node
    line: int
    key: Node | None = None  # the key node, for a mapping entry


def documents(text: str) -> tuple[Node, ...]:
    """The documents of a source file as node graphs (empty documents left out). Parse once per file:
    edits of several findings merge by node identity."""
    return tuple(doc for doc in YAML(typ="rt").compose_all(text) if doc is not None)


def descend(root: Node, path: JsonPath, rendered: Any) -> list[Step]:
    """Follow ``path`` (a path in the rendered object ``rendered``) through ``root`` as far as the source has it.

    List items are matched by their ``name`` when the rendered item has one (a strategic merge patch lists
    only the containers it changes, in any order), else by index."""
    steps: list[Step] = []
    node: Node = root
    for i, part in enumerate(path):
        if isinstance(part, str) and isinstance(node, MappingNode):
            entry = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == part), None)
            if entry is None:
                break
            key, node = entry
            steps.append(Step(part, node, key.start_mark.line + 1, key))
        elif isinstance(part, int) and isinstance(node, SequenceNode):
            item = _item(node, dig(rendered, path[: i + 1]), part)
            if item is None:
                break
            node = item
            steps.append(Step(part, node, item.start_mark.line + 1))
        else:
            break
    return steps


def _item(seq: SequenceNode, rendered_item: Any, index: int) -> Node | None:
    name = rendered_item.get("name") if isinstance(rendered_item, dict) else None
    if name is not None:
        for item in seq.value:
            if isinstance(item, MappingNode) and any(
                isinstance(k, ScalarNode) and k.value == "name" and isinstance(v, ScalarNode) and v.value == str(name)
                for k, v in item.value
            ):
                return item
        return None
    return seq.value[index] if 0 <= index < len(seq.value) else None


def find_document(docs: tuple[Node, ...], path: JsonPath, rendered: Any, line: int | None) -> tuple[Node, list[Step]] | None:
    """The document of ``docs`` whose walk along ``path`` passes ``line`` (the finding's line), with that walk."""
    for doc in docs:
        if not isinstance(doc, MappingNode):
            continue
        steps = descend(doc, path, rendered)
        if line is not None and any(step.line == line for step in steps):
            return doc, steps
    return None

