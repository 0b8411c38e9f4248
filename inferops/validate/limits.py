"""Size limits for one input file and one YAML document, checked before anything is parsed.

A pull request can hold a 130 MB manifest or a 12 MB flow mapping on one line; parsing either costs
gigabytes and minutes. Each limit below is checked on the raw text first (file size from ``stat``,
document sizes from the ``---`` markers, an upper bound on nodes from counting indicator characters),
so a file over a limit is refused with one finding at the offending line and never reaches a parser.
The defaults are far above real manifests (the largest CRD we know, KServe's LLMInferenceService, is
2.7 MB and about 120,000 nodes in one document); ``inferops validate --max-*`` raises them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """The most one file or one document may hold; the flag that raises each is in its message."""

    file_bytes: int = 32 * MIB
    document_bytes: int = 4 * MIB
    documents: int = 10_000
    nodes: int = 1_000_000  # per document, aliases expanded


DEFAULT_LIMITS = Limits()

#: A line starting a new document (``---`` followed by a space, a line break or the end of the text).
DOCUMENT_MARKER = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)
#: A line with content: not blank and not only a comment.
CONTENT_LINE = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)


def file_too_large(size: int, limits: Limits) -> str | None:
    """Why a file of ``size`` bytes is refused, or ``None``."""
    if size <= limits.file_bytes:
        return None
    return (f"file is {_size(size)}, over the limit of {_size(limits.file_bytes)} for one file "
            "(raise it with --max-file-bytes)")


def document_starts(text: str) -> list[int]:
    """Offsets of the ``---`` markers of ``text`` (the first document may start before the first one)."""
    starts = [0] if text.startswith("---") and text[3:4] in ("", " ", "\t", "\r", "\n") else []
    at = text.find("\n---")  # a find per marker: a regex trying every line start costs five times as much
    while at >= 0:
        if text[at + 4:at + 5] in ("", " ", "\t", "\r", "\n"):
            starts.append(at + 1)
        at = text.find("\n---", at + 4)
    return starts


def text_over_limits(text: str, markers: list[int], limits: Limits) -> tuple[int, str] | None:
    """The first limit ``text`` breaks, as (offset of the offending document, message), or ``None``.

    ``markers`` are :func:`document_starts` of ``text``.
    """
    starts = markers if CONTENT_LINE.search(text, 0, markers[0] if markers else len(text)) is None else [0, *markers]
    if len(starts) > limits.documents:
        return starts[limits.documents], (f"more than {limits.documents} documents in one file "
                                          "(raise the limit with --max-documents)")
    bounds = [0, *markers, len(text)]
    for start, end in zip(bounds, bounds[1:]):
        size = end - start
        if size > limits.document_bytes:
            return start, (f"document is {_size(size)}, over the limit of {_size(limits.document_bytes)} "
                           "for one document (raise it with --max-document-bytes)")
        if 2 * size >= limits.nodes and node_bound(text, start, end) > limits.nodes \
                and count_nodes(text[start:end], limits.nodes) > limits.nodes:
            return start, (f"document holds more than {limits.nodes} YAML nodes "
                           "(raise the limit with --max-nodes)")
    return None


def node_bound(text: str, start: int, end: int) -> int:
    """An upper bound on the nodes of ``text[start:end]`` without aliases: every node but a document's
    root follows a ``:`` (a key and its value), a ``-`` (a block item), a ``,``, ``[`` or ``{`` (flow
    items), or a ``?`` (a complex key), so twice their count plus one bounds the nodes."""
    indicators = sum(text.count(char, start, end) for char in ":-,[{?")
    return 2 * indicators + 1


def count_nodes(text: str, stop_after: int) -> int:
    """Nodes of ``text`` (aliases count once), counted on libyaml's event stream so that memory stays
    flat; stops past ``stop_after``. Only documents whose :func:`node_bound` is over the limit get here."""
    import yaml

    node_events = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)
    count = 0
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, node_events):
                count += 1
                if count > stop_after:
                    break
    except yaml.YAMLError:
        pass  # the loader reports the syntax error at its line
    return count


def parse_size(text: str) -> int:
    """A positive byte count as flags take it: ``1048576``, ``512K``, ``64M``, ``1G`` (powers of 1024)."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    raw = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = units.get(raw[-1:], 1)
    number = raw[:-1] if raw[-1:] in units else raw
    if not number.isdigit() or int(number) * scale <= 0:
        raise ValueError(f"not a size: {text!r} (use bytes or a K, M or G suffix, e.g. 64M)")
    return int(number) * scale


def _size(size: int) -> str:
    return f"{size / MIB:.1f} MiB" if size >= MIB else f"{size} bytes"
