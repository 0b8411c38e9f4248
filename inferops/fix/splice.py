"""Operations → minimal text splices on the source text.

A changed scalar is replaced in place; missing keys are inserted as new lines at the indentation of the
mapping they go into, after its last line (all keys one mapping gains are merged into one block), or as
flow text after the last value of a flow mapping; a removed key takes its lines with it. Nothing else in
the file moves, so comments, quoting, key order and indentation of every other line stay byte-identical.
Shapes a splice cannot handle safely (an empty value, a key sharing its line with a list dash, a node
with an anchor) yield no edit: the finding is left for a person.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from inferops.fix.registry import Append, Delete, Operation, Set, Substitute
from inferops.fix.source import Step, descend

_PLAIN = re.compile(r"[A-Za-z0-9_/][A-Za-z0-9_./-]*\Z")
#: What go-yaml (sigs.k8s.io/yaml) reads as a number although PyYAML's YAML 1.1 resolver does not (``1e3``).
_NUMBER = re.compile(r"[-+]?(\.[0-9_]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` with ``replacement`` (character offsets into the source text)."""

    start: int
    end: int
    replacement: str
    #: Orders insertions at one offset: the end of an inner mapping comes before the end of its parent,
    #: so the more indented block goes first.
    indent: int = 0


def scalar_text(value: Any) -> str:
    """``value`` as a YAML scalar: plain where YAML 1.1 (the reading Kubernetes uses) reads it back as the
    same string (``8Gi``, ``/dev/shm``), else double-quoted (``"2"``, ``"on"``, ``"1e3"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return text if _PLAIN.match(text) and _reads_as_string(text) else json.dumps(text)


def _reads_as_string(text: str) -> bool:
    from yaml.nodes import ScalarNode as YamlScalar
    from yaml.resolver import Resolver

    return text.lower() not in _RESERVED and not _NUMBER.fullmatch(text) and \
        Resolver().resolve(YamlScalar, text, (True, False)) == "tag:yaml.org,2002:str"


def _flow(value: Any, as_json: bool = False) -> str:
    """``value`` as flow YAML; as JSON in a JSON file (plain ``{name: dshm}`` is YAML but not JSON, and
    ``kubectl`` reads a file that starts with ``{`` as JSON)."""
    if as_json:
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return scalar_text(value)


def _styled(value: Any, style: str | None) -> str:
    """``value`` as a scalar replacing one written in ``style``: a quoted string stays quoted the same way
    (a JSON file stays JSON, and the line keeps its quoting), anything else as :func:`scalar_text` writes it."""
    if isinstance(value, str) and style == '"':
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and style == "'":
        return "'" + value.replace("'", "''") + "'"
    return scalar_text(value)


def _block(tree: dict[str, Any], indent: int, newline: str, dash: int = 2) -> str:
    """``tree`` as block-style YAML at ``indent``; a list of mappings becomes a block sequence whose dashes
    sit ``dash`` columns right of its key (the file's own habit), other lists stay flow lists."""
    lines = []
    for key, value in tree.items():
        if isinstance(value, dict):
            lines.append(f"{' ' * indent}{key}:{newline}{_block(value, indent + 2, newline, dash)}")
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            prefix = " " * (indent + dash) + "- "
            lines.append(f"{' ' * indent}{key}:{newline}" + "".join(_item(v, prefix, newline, dash) for v in value))
        else:
            lines.append(f"{' ' * indent}{key}: {_flow(value)}{newline}")
    return "".join(lines)


def _item(value: Any, prefix: str, newline: str, dash: int) -> str:
    """One block-sequence item: the dash ``prefix``, then a scalar or a mapping whose first key follows the dash."""
    if not isinstance(value, dict):
        return f"{prefix}{_flow(value)}{newline}"
    return prefix + _block(value, len(prefix), newline, dash)[len(prefix):]


def _as_written(node: Node) -> Any:
    """A node as plain data with every scalar as its text, to compare with an item a fix would add."""
    if isinstance(node, MappingNode):
        return {k.value: _as_written(v) for k, v in node.value if isinstance(k, ScalarNode)}
    if isinstance(node, SequenceNode):
        return [_as_written(v) for v in node.value]
    return node.value


def _as_text(value: Any) -> Any:
    """``value`` with every scalar as the text YAML would read back (``True`` → ``"true"``, ``2`` → ``"2"``)."""
    if isinstance(value, dict):
        return {str(k): _as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    return json.loads(scalar_text(value)) if scalar_text(value).startswith('"') else scalar_text(value)


_DASH = re.compile(r"- *")
#: A key on its own line followed by a list item: how far this file indents a list's dashes under its key.
_KEY_THEN_DASH = re.compile(r"^( *)[^\s#-][^\n:]*:[ \t]*\r?\n( *)- ", re.MULTILINE)


def _line_end(text: str, node: Node) -> int:
    """Offset just past the last line of ``node`` (a block collection ends with its last child)."""
    end = None
    while end is None and isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
        if isinstance(node, MappingNode):
            key, child = node.value[-1]
            aliased = child.start_mark.index < key.end_mark.index
            after = key.end_mark.index
        else:
            child, after = node.value[-1], node.start_mark.index
            before = node.value[-2].start_mark.index if len(node.value) > 1 else -1
            aliased = child.start_mark.index < after or child.start_mark.index <= before
        end = (_alias_end(text, child, after, node.end_mark.index) or after) if aliased else None
        node = child
    if end is None:
        end = node.end_mark.index
    if end > 0 and text[end - 1] == "\n":
        return end
    found = text.find("\n", end)
    return found + 1 if found >= 0 else len(text)


def _alias_end(text: str, node: Node, after: int, before: int) -> int | None:
    """Where the last ``*name`` alias of ``node`` between offsets ``after`` and ``before`` ends: the composed
    graph gives an alias the node of its anchor, which sits earlier in the file."""
    found = text.rfind(f"*{node.anchor}", after, before) if node.anchor else -1
    return found + len(node.anchor) + 1 if found >= 0 else None


def _shared(doc: Node, steps: list[Step]) -> bool:
    """Whether an edit along ``steps`` would land in an anchored node: every alias of it would change too."""
    return any(node.anchor for node in (doc, *(step.node for step in steps)))


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


class Planner:
    """Collects the edits of one source document's operations, merging insertions into the same mapping."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.json = text.lstrip("\ufeff \t\r\n").startswith(("{", "["))  # a JSON file: new flow text as JSON
        self.edits: list[Edit] = []
        self._inserts: dict[int, tuple[MappingNode, Step | None, dict[str, Any]]] = {}
        self._appends: dict[int, tuple[SequenceNode, list[Any]]] = {}
        self._flow_parents: set[int] = set()
        found = _KEY_THEN_DASH.search(text)
        self.dash = len(found[2]) - len(found[1]) if found and len(found[2]) >= len(found[1]) else 2

    def plan(self, doc: Node, ops: list[Operation], rendered: Any) -> bool:
        """Add the edits of ``ops``; ``False`` (adding nothing) when one cannot be spliced safely."""
        saved = (list(self.edits), {k: (m, s, _copy(t)) for k, (m, s, t) in self._inserts.items()},
                 {k: (n, list(items)) for k, (n, items) in self._appends.items()})
        for op in ops:
            steps = descend(doc, op.path, rendered)
            if _shared(doc, steps):
                ok = False
            elif isinstance(op, Delete):
                ok = self._delete(op, steps)
            elif isinstance(op, Substitute):
                ok = self._substitute(op, steps)
            elif isinstance(op, Append):
                ok = self._append(doc, op, steps)
            else:
                ok = self._set(doc, op, steps)
            if not ok:
                self.edits, self._inserts, self._appends = saved
                return False
        return True

    def result(self) -> list[Edit]:
        """Every planned edit, insertions rendered, in file order; overlapping edits keep the first, insertions at
        one offset become one."""
        edits = list(self.edits)
        for parent, owner, tree in self._inserts.values():
            edits.append(self._insertion(parent, owner, tree))
        for seq, items in self._appends.values():
            if items:
                edits.append(self._extension(seq, items))
        out: list[Edit] = []
        for edit in sorted(set(edits), key=_order):
            if out and edit.start == edit.end == out[-1].start == out[-1].end:  # two insertions at one place:
                out[-1] = Edit(edit.start, edit.end, out[-1].replacement + edit.replacement, out[-1].indent)
                continue  # one replacement, so a report's consumer cannot apply them in the wrong order
            if out and edit.start < out[-1].end:
                continue
            out.append(edit)
        return out

    def _set(self, doc: Node, op: Set | Append, steps: list[Step]) -> bool:
        if len(steps) == len(op.path):
            node = steps[-1].node
            if isinstance(op, Append) or (op.expect is not None and getattr(node, "value", None) != op.expect):
                return False
            return self._replace(node, op.value)
        parent = steps[-1].node if steps else doc
        rest = op.path[len(steps):]
        if not isinstance(parent, MappingNode) or not all(isinstance(p, str) for p in rest):
            return False
        if (parent.flow_style and parent.value) or any(
                isinstance(step.node, MappingNode | SequenceNode) and step.node.flow_style for step in steps[:-1]):
            self._flow_parents.add(id(parent))  # ``{a: 1}``, or ``{}`` inside one: new keys as flow text
        _, _, tree = self._inserts.setdefault(id(parent), (parent, steps[-1] if steps else None, {}))
        for key in rest[:-1]:
            tree = tree.setdefault(str(key), {})
            if not isinstance(tree, dict):
                return False
        if isinstance(op, Set):
            tree[str(rest[-1])] = op.value
            return True
        pending = tree.setdefault(str(rest[-1]), [])
        if not isinstance(pending, list):
            return False
        pending += [item for item in op.items if _as_text(item) not in _as_text(pending)]
        return True

    def _append(self, doc: Node, op: Append, steps: list[Step]) -> bool:
        """Add ``op.items`` to the list at ``op.path`` (pending until :meth:`result`), or insert the list."""
        if len(steps) < len(op.path):
            return self._set(doc, op, steps)
        seq = steps[-1].node
        if not isinstance(seq, SequenceNode):
            return False
        if not seq.flow_style and seq.value and self._dash_prefix(seq) is None:
            return False  # ``- - a``, or an item on its key's line: no dash column to follow
        if seq.flow_style and any(item.anchor for item in seq.value):
            return False  # ``[*a]`` rewritten as written would repeat the anchor's text
        have = _as_written(seq)
        _, pending = self._appends.setdefault(id(seq), (seq, []))
        pending += [item for item in op.items if _as_text(item) not in have and _as_text(item) not in _as_text(pending)]
        return True

    def _dash_prefix(self, seq: SequenceNode) -> str | None:
        """What stands before a block sequence's first item on its line (``    - ``), read from the dash where
        the sequence starts (an aliased first item's node sits at its anchor); ``None`` when that is more than
        indentation and a dash."""
        dash, first = seq.start_mark.index, seq.value[0].start_mark.index
        if first < dash:
            found = _DASH.match(self.text, dash)
            first = found.end() if found else dash + 1
        prefix = self.text[_line_start(self.text, dash):first]
        return prefix if prefix.strip() == "-" else None

    def _extension(self, seq: SequenceNode, items: list[Any]) -> Edit:
        if seq.flow_style or not seq.value:  # ``[a, b]`` or ``[]``: rewritten as one flow list, items as written
            written = [self.text[i.start_mark.index:i.end_mark.index] for i in seq.value]
            added = [_flow(item, self.json) for item in items]
            return Edit(seq.start_mark.index, seq.end_mark.index, "[" + ", ".join([*written, *added]) + "]")
        prefix = self._dash_prefix(seq) or "- "
        at = _line_end(self.text, seq)
        block = "".join(_item(item, prefix, self.newline, self.dash) for item in items)
        return Edit(at, at, block if self.text[at - 1:at] in ("\n", "") else self.newline + block, len(prefix))

    def _replace(self, node: Node, value: Any) -> bool:
        if isinstance(node, ScalarNode) and not isinstance(value, list | dict):
            if node.start_mark.index == node.end_mark.index:
                return False  # an empty value: no span to replace
            text = _styled(value, node.style)
            if self.text[node.start_mark.index:node.end_mark.index] != text:
                self.edits.append(Edit(node.start_mark.index, node.end_mark.index, text))
            return True
        if isinstance(node, SequenceNode) and isinstance(value, list):
            return self._become(node, value)
        return False

    def _become(self, seq: SequenceNode, value: list[Any]) -> bool:
        """Make the list of scalars ``seq`` read ``value`` (an overlay's patch states a whole ``args`` list): a
        changed item is replaced where it stands, items past the list's end are appended in its style. A list
        longer than ``value``, or with items that are not plain scalars of their own, is left for a person."""
        items = seq.value
        if len(value) < len(items) or not all(isinstance(i, ScalarNode) and not i.anchor for i in items):
            return False
        same = [item.value == _as_text(new) for item, new in zip(items, value, strict=False)]
        extra = value[len(items):]
        if (seq.flow_style or not items) and extra:  # ``[a, b]`` or ``[]``: rewritten as one flow list
            written = [self.text[i.start_mark.index:i.end_mark.index] if kept else _styled(new, i.style)
                       for i, new, kept in zip(items, value, same, strict=False)]
            text = "[" + ", ".join([*written, *(_flow(v, self.json) for v in extra)]) + "]"
            self.edits.append(Edit(seq.start_mark.index, seq.end_mark.index, text))
            return True
        for item, new, kept in zip(items, value, same, strict=False):
            if not kept and not self._replace(item, new):
                return False
        if not extra:
            return True
        prefix = self._dash_prefix(seq)
        if prefix is None:
            return False
        at = _line_end(self.text, seq)
        lines = "".join(f"{prefix}{scalar_text(v)}{self.newline}" for v in extra)
        self.edits.append(Edit(at, at, lines if self.text[at - 1:at] in ("\n", "") else self.newline + lines))
        return True

    def _substitute(self, op: Substitute, steps: list[Step]) -> bool:
        node = steps[-1].node if len(steps) == len(op.path) else None
        if not isinstance(node, ScalarNode):
            return False
        matches = list(op.pattern.finditer(self.text, node.start_mark.index, node.end_mark.index))
        for match in matches:
            if op.replace(match) != match[0]:
                self.edits.append(Edit(match.start(), match.end(), op.replace(match)))
        return bool(matches)  # none: the value as written differs from its reading (a folded line break)

    def _delete(self, op: Delete, steps: list[Step]) -> bool:
        if len(steps) != len(op.path):
            return True  # already gone
        key = steps[-1].key
        if key is None:
            return False
        start = _line_start(self.text, key.start_mark.index)
        if self.text[start:key.start_mark.index].strip():
            return False  # ``- replicas: 1``: the key shares its line with a list dash
        if len(steps) > 1 and isinstance(steps[-2].node, MappingNode) and len(steps[-2].node.value) == 1:
            if not self._empty_mapping(steps[-2].key):
                return False
        self.edits.append(Edit(start, _line_end(self.text, steps[-1].node), ""))
        return True

    def _empty_mapping(self, owner: Node | None) -> bool:
        """Write ``{}`` after ``owner:`` whose mapping loses its only key: ``spec:`` left empty would be null,
        which in a strategic merge patch deletes the whole field."""
        after = owner.end_mark.index if owner is not None else -1
        if owner is None or self.text[after:after + 1] != ":":
            return False
        self.edits.append(Edit(after + 1, after + 1, " {}"))
        return True

    def _insertion(self, parent: MappingNode, owner: Step | None, tree: dict[str, Any]) -> Edit:
        if self.json or id(parent) in self._flow_parents:
            return self._flow_insertion(parent, tree)
        if not parent.value:  # ``key: {}``: becomes a block mapping under the key
            indent = (owner.key.start_mark.column if owner and owner.key else 0) + 2
            block = _block(tree, indent, self.newline, self.dash).removesuffix(self.newline)
            start = parent.start_mark.index
            while owner and owner.key and self.text[start - 1] in " \t":  # no trailing blank after ``key:``
                start -= 1
            return Edit(start, parent.end_mark.index, self.newline + block, indent)
        indent = parent.value[0][0].start_mark.column
        at = _line_end(self.text, parent)
        block = _block(tree, indent, self.newline, self.dash)
        if at > 0 and self.text[at - 1] != "\n":
            block = self.newline + block
        return Edit(at, at, block, indent)


    def _flow_insertion(self, parent: MappingNode, tree: dict[str, Any]) -> Edit:
        """New keys of a flow mapping (all of a JSON file's), written as flow text after its last value:
        ``{a: 1}`` → ``{a: 1, b: 2}``; ``{}`` → ``{b: 2}``."""
        entries = ", ".join(f"{json.dumps(k) if self.json else k}: {_flow(v, self.json)}" for k, v in tree.items())
        if not parent.value:
            return Edit(parent.start_mark.index, parent.end_mark.index, "{" + entries + "}")
        key, value = parent.value[-1]
        at = value.end_mark.index
        if value.start_mark.index < key.end_mark.index:  # ``{a: *x}``: after the alias (else before ``}``)
            at = _alias_end(self.text, value, key.end_mark.index, parent.end_mark.index) or parent.end_mark.index - 1
        return Edit(at, at, ", " + entries)


def _order(edit: Edit) -> tuple[int, int, int]:
    return edit.start, edit.end, -edit.indent


def _copy(tree: dict[str, Any]) -> dict[str, Any]:
    """A copy of a pending insertion to restore when a finding's later operation fails: its lists too, since
    appends extend them in place."""
    return {k: _copy(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v for k, v in tree.items()}


def apply(text: str, edits: list[Edit]) -> str:
    """``text`` with ``edits`` (non-overlapping) applied."""
    for edit in sorted(edits, key=_order, reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end:]
    return text


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` (columns count characters, as SARIF's default)."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - _line_start(text, offset) + 1
