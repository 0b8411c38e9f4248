"""Turn YAML/JSON text into :class:`Manifest` objects, or into findings when it cannot be.

Speed matters here (the validator runs as a pre-commit hook on whole repositories). Each file is read
once and checked against the size limits of :mod:`limits` before any parser sees it. Then two paths:

* the fast path (:mod:`native_yaml`): yaml-rs builds the data of the whole file in native code, for
  files in which YAML 1.1 and yaml-rs cannot disagree (most manifests). The line of each document comes
  from a scan of the text; the line of a field is found only when a finding asks for it
  (:meth:`Manifest.locate`), by loading that one file again through the libyaml path.
* the libyaml path: libyaml's C parser composes the nodes and this module builds plain Python data from
  them itself. It reports duplicate keys with their line, bounds alias expansion ("billion laughs") and
  records the line of every key and list item, so that a finding can ask for the line of any JSON path
  with one dict lookup. Anything the fast path is unsure about (syntax errors, duplicate keys in strict
  mode, anchors, tags, ``List`` kinds) comes here, so both paths give the same data and findings.

Scalars follow what kubectl and kubeconform accept (both parse with go-yaml's YAML 1.1 rules):
``on``/``yes`` are booleans, ``0755`` is octal, timestamps stay strings (JSON Schema expects strings)
and ``1:30`` stays a string (go-yaml has no base-60 numbers). Documents are handled one by one like
kubeconform does: a syntax error is reported at its line and parsing resumes at the next ``---``.
Objects of a ``*List`` kind with ``items`` are expanded into their items, as kubeconform does.
"""

from __future__ import annotations

import gc
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from inferops.rules.base import Rule
from inferops.rules.core import FILE_UNREADABLE, OBJECT_INVALID, YAML_INVALID
from inferops.validate.findings import Finding
from inferops.validate.limits import DEFAULT_LIMITS, Limits, document_starts, file_too_large, text_over_limits
from inferops.validate.manifest import JsonPath, Manifest
from inferops.validate.native_yaml import load_native

#: Nodes built beyond the size of the text itself; only alias expansion can get past this.
ALIAS_EXPANSION_ALLOWANCE = 100_000

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _MERGE = (_TAG + t for t in ("str", "int", "float", "bool", "null", "merge"))


@dataclass(slots=True)
class LoadResult:
    """The objects of one file (List kinds expanded) and the problems that kept others out."""

    manifests: list[Manifest] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: Whether a document has ``apiVersion`` or ``kind``: a Kubernetes file, even when it is an empty List.
    has_objects: bool = False


class LoadedFiles:
    """Each file of one run loaded once, by whoever asks first: discovery (which only needs to know
    whether a file holds Kubernetes objects), the plain-file pass, or the origins of rendered objects.
    Parsing dominates a run, so no file is parsed twice. ``name`` gives the path findings show."""

    def __init__(self, name: Callable[[Path], str], *, strict: bool, limits: Limits = DEFAULT_LIMITS) -> None:
        self.name = name
        self.strict = strict
        self.limits = limits
        self._loaded: dict[Path, LoadResult] = {}

    def __len__(self) -> int:
        return len(self._loaded)

    @property
    def paths(self) -> list[Path]:
        """Every file loaded so far."""
        return list(self._loaded)

    def load(self, path: Path) -> LoadResult:
        result = self._loaded.get(path)
        if result is None:
            result = self._loaded[path] = load_path(path, self.name(path), strict=self.strict, limits=self.limits)
        return result


def load_path(path: Path, file: str, *, strict: bool, limits: Limits = DEFAULT_LIMITS) -> LoadResult:
    """Read and load ``path``; an unreadable, binary, non-UTF-8 or oversized file becomes a finding.

    Only regular files are read: a FIFO or device named like a manifest would block the run forever.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return LoadResult(findings=[_finding(FILE_UNREADABLE, "not a regular file (a FIFO, socket or device)",
                                                 file)])
        too_large = file_too_large(info.st_size, limits)
        if too_large is not None:
            return LoadResult(findings=[_finding(FILE_UNREADABLE, too_large, file, 1)])
        with path.open("rb") as stream:  # the file may have grown since stat: read no more than the limit
            raw = stream.read(limits.file_bytes + 1)
        if len(raw) > limits.file_bytes:
            return LoadResult(findings=[_finding(FILE_UNREADABLE, file_too_large(len(raw), limits) or "", file, 1)])
    except OSError as err:
        return LoadResult(findings=[_finding(FILE_UNREADABLE, f"cannot read file: {err.strerror or err}", file)])
    if b"\0" in raw:
        return LoadResult(findings=[_finding(FILE_UNREADABLE, "binary file, expected YAML or JSON text", file)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return LoadResult(findings=[_finding(FILE_UNREADABLE, f"not UTF-8 text (byte {err.start})", file)])
    return load_documents(text, file, strict=strict, limits=limits)


def load_documents(text: str, file: str, *, strict: bool, limits: Limits = DEFAULT_LIMITS) -> LoadResult:
    """Load every document of ``text``; ``file`` is the path findings and manifests show.

    ``strict`` makes a duplicate mapping key a ``yaml-invalid`` finding; otherwise the last one wins,
    as with kubeconform's default. Blank and comment-only documents are skipped. Text over one of
    ``limits`` gives one ``file-unreadable`` finding at the offending document and is not parsed.
    """
    markers = document_starts(text)
    over = text_over_limits(text, markers, limits)
    if over is not None:
        offset, message = over
        return LoadResult(findings=[_finding(FILE_UNREADABLE, message, file, text.count("\n", 0, offset) + 1)])
    with _gc_paused():
        native = load_native(text, markers, strict=strict)
        fast = _from_native(native, text, file) if native is not None else None
        return fast if fast is not None else _load_libyaml(text, file, strict)


def _from_native(documents: list[tuple[Any, int]], text: str, file: str) -> LoadResult | None:
    """Manifests from the fast path, their field lines on demand; ``None`` when a document is a ``List``
    kind (its items need their own lines: the libyaml path expands it)."""
    result = LoadResult()
    lines = _LinesOnDemand(text, file)
    for data, line in documents:
        if not isinstance(data, dict):
            what = "a list" if isinstance(data, list) else "a scalar"
            result.findings.append(_finding(OBJECT_INVALID, f"document is {what}, not a Kubernetes object",
                                            file, line))
            continue
        if str(data.get("kind") or "").endswith("List") and isinstance(data.get("items"), list):
            return None
        result.has_objects = result.has_objects or "apiVersion" in data or "kind" in data
        index = len(result.manifests)
        result.manifests.append(Manifest(data=data, file=file, line=line, locate=partial(lines.locate, index)))
    return result


class _LinesOnDemand:
    """Field lines of a file loaded by the fast path: on the first question, the libyaml path loads the
    file again and answers this one and every later one (its manifests are the same, in the same order)."""

    __slots__ = ("_text", "_file", "_locates")

    def __init__(self, text: str, file: str) -> None:
        self._text = text
        self._file = file
        self._locates: list[Any] | None = None

    def locate(self, index: int, path: JsonPath) -> int | None:
        if self._locates is None:
            with _gc_paused():
                self._locates = [m.locate for m in _load_libyaml(self._text, self._file, False).manifests]
            self._text = ""
        locate = self._locates[index] if index < len(self._locates) else None
        return locate(path) if locate is not None else None


def _load_libyaml(text: str, file: str, strict: bool) -> LoadResult:
    """The libyaml path: exact lines for every field, and the exact finding for every problem."""
    result = LoadResult()
    builder = _Builder(file, strict, result.findings, budget=len(text) + ALIAS_EXPANSION_ALLOWANCE)
    for node, offset in _compose(text, file, result.findings):
        builder.offset = offset
        builder.add_document(node, result.manifests)
    result.has_objects = builder.has_objects
    return result


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector while loading: a load allocates many small acyclic objects (nodes,
    marks, data), and the collections their allocation triggers would otherwise triple the load time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compose(text: str, file: str, findings: list[Finding]) -> Iterator[tuple[Node, int]]:
    """Yield each document's root node with the line offset of the text it was parsed from."""
    offset = 0
    lines: list[str] | None = None
    while True:
        chunk = text if offset == 0 else "\n".join(lines[offset:])  # type: ignore[index]
        try:
            for node in yaml.compose_all(chunk, Loader=_LOADER):
                if node is not None:
                    yield node, offset
            return
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = offset + (mark.line if mark is not None else 0)
            findings.append(_finding(YAML_INVALID, f"invalid YAML: {_problem(err, chunk)}", file, line + 1))
        except yaml.YAMLError as err:  # reader errors: control characters and the like
            position = getattr(err, "position", 0) or 0
            line = offset + chunk[:position].count("\n")
            findings.append(_finding(YAML_INVALID, f"invalid YAML: {_first_line(err)}", file, line + 1))
        if lines is None:
            lines = text.split("\n")  # libyaml's own line breaks, unlike str.splitlines
        resume = _next_document(lines, max(line, offset + 1))
        if resume is None:
            return
        offset = resume


def _next_document(lines: list[str], start: int) -> int | None:
    """Index of the first ``---`` line at or after ``start``, where kubeconform starts its next document."""
    for index in range(start, len(lines)):
        if lines[index].startswith("---"):
            return index
    return None


def _problem(err: yaml.MarkedYAMLError, text: str) -> str:
    mark = err.problem_mark
    if mark is not None:
        lines = text.split("\n")
        if mark.line < len(lines) and lines[mark.line][mark.column:mark.column + 1] == "\t":
            return "tab character where YAML expects spaces (indent with spaces)"
    return " ".join(str(err.problem or err.context or "syntax error").split())


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else "unreadable input"


def _finding(rule: Rule, message: str, file: str, line: int | None = None) -> Finding:
    return Finding(rule.id, rule.severity, message, file, line, None, rule.hint, rule.family)


class _Bomb(Exception):
    """Alias expansion went past the budget."""


#: Line of every key and list item of one document, by JSON path: what ``Manifest.locate`` answers from.
LineIndex = dict[JsonPath, int]


class _Builder:
    """Builds plain data (dict/list/str/int/float/bool/None) from composed nodes, recording the line of
    every path on the way; the nodes themselves are dropped (keeping them makes the cycle collector
    re-scan millions of objects on large inputs)."""

    def __init__(self, file: str, strict: bool, findings: list[Finding], budget: int) -> None:
        self.file = file
        self.strict = strict
        self.findings = findings
        self.budget = budget
        self.offset = 0
        self.lines: LineIndex = {}
        self.has_objects = False

    def add_document(self, node: Node, out: list[Manifest]) -> None:
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            return
        lines: LineIndex = {(): self._line(node)}
        self.lines = lines
        try:
            data = self.build(node, ())
        except _Bomb:
            self._invalid(node, "invalid YAML: aliases expand to too many nodes (alias bomb)")
            return
        except RecursionError:
            self._invalid(node, "invalid YAML: nested too deeply or a recursive alias")
            return
        if not isinstance(data, dict):
            what = "a list" if isinstance(data, list) else "a scalar"
            self.findings.append(_finding(OBJECT_INVALID, f"document is {what}, not a Kubernetes object",
                                          self.file, lines[()]))
            return
        self.has_objects = self.has_objects or "apiVersion" in data or "kind" in data
        items = data.get("items")
        if not (str(data.get("kind") or "").endswith("List") and isinstance(items, list)):
            out.append(Manifest(data=data, file=self.file, line=lines[()], locate=partial(_locate, lines, ())))
            return
        for index, item in enumerate(items):
            prefix = ("items", index)
            if isinstance(item, dict):
                out.append(Manifest(data=item, file=self.file, line=lines.get(prefix),
                                    locate=partial(_locate, lines, prefix)))
            else:
                self.findings.append(_finding(OBJECT_INVALID, f"items[{index}] of a {data['kind']} is not an object",
                                              self.file, lines.get(prefix)))

    def _line(self, node: Node) -> int:
        return self.offset + node.start_mark.line + 1

    def _invalid(self, node: Node, message: str) -> None:
        self.findings.append(_finding(YAML_INVALID, message, self.file, self._line(node)))

    def build(self, node: Node, path: JsonPath) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _Bomb
        if isinstance(node, ScalarNode):
            return _scalar(node)
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        items = []
        for index, child in enumerate(node.value):
            child_path = (*path, index)
            self.lines[child_path] = self.offset + child.start_mark.line + 1
            items.append(self.build(child, child_path))
        return items

    def mapping(self, node: MappingNode, path: JsonPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:  # merged keys first: the mapping's own keys override them
            if key_node.tag == _MERGE:
                self._merge(value_node, path, result)
        merged = set(result)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self._key(key_node, path)
            child_path = (*path, key)
            if key in result and key not in merged and self.strict:
                self.findings.append(_finding(YAML_INVALID, f"duplicate key {key!r}", self.file, self._line(key_node)))
            merged.discard(key)
            self.lines[child_path] = self._line(key_node)
            result[key] = self.build(value_node, child_path)
        return result

    def _merge(self, node: Node, path: JsonPath, into: dict[str, Any]) -> None:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in reversed(sources):  # earlier maps in a merge list take precedence
            value = self.build(source, path)
            if isinstance(value, dict):
                into.update(value)
            else:
                self._invalid(source, "invalid YAML: a merge key (<<) must refer to a mapping")

    def _key(self, node: Node, path: JsonPath) -> str:
        if isinstance(node, ScalarNode):
            return _key_text(node)
        self._invalid(node, "invalid YAML: a mapping key must be a plain value, not a list or mapping")
        return str(self.build(node, path))


def _scalar(node: ScalarNode) -> Any:
    tag, value = node.tag, node.value
    if tag == _STR:
        return value
    if tag == _INT:
        return value if ":" in value else _int(node)
    if tag == _FLOAT:
        return value if ":" in value else _converted(node, _SAFE.construct_yaml_float)
    if tag == _BOOL:
        return _converted(node, _SAFE.construct_yaml_bool)
    if tag == _NULL:
        return None
    return value  # timestamps, binary and custom tags stay text, as JSON has no such types


def _int(node: ScalarNode) -> int | str:
    """An integer, or its text when it has more digits than Python converts (``sys.get_int_max_str_digits``):
    no Kubernetes field holds such a number, and the schema check then reports the field."""
    return _converted(node, _SAFE.construct_yaml_int)


def _converted(node: ScalarNode, construct: Callable[[ScalarNode], Any]) -> Any:
    """``construct(node)``, or the text when it cannot convert it: too many digits, or an explicit tag on a
    value of another type (``!!bool x``, ``!!int ''``, ``!!float .``); the schema check reports the field."""
    try:
        return construct(node)
    except (ValueError, IndexError, KeyError):
        return node.value


def _key_text(node: ScalarNode) -> str:
    """A mapping key as JSON has it: always a string (``true``, ``null``, ``80`` for non-strings)."""
    value = _scalar(node)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _locate(lines: LineIndex, prefix: JsonPath, path: JsonPath) -> int | None:
    """Line of ``path`` inside the object at ``prefix`` of its document: the key's line for a mapping entry."""
    return lines.get((*prefix, *path))
