"""The fast path of the loader: parse a whole file with ``yaml-rs`` (a native YAML parser), without lines.

``yaml-rs`` builds Python objects about ten times faster than libyaml plus a Python constructor, but it
reads YAML 1.2's core schema, while Kubernetes (``sigs.k8s.io/yaml``, go-yaml) and the libyaml path of
:mod:`loader` read YAML 1.1: ``on``/``yes``/``off``/``no`` are booleans, ``0755`` is octal, ``1_000`` is
a number, ``1e3`` and ``-.5`` are strings, ``<<`` merges. The two readings differ only on such plain
scalars, on tags, anchors and complex keys, and on characters YAML 1.1 treats differently (NEL and the
Unicode line separators, control characters). :func:`needs_libyaml` looks for any of them in the text
(over-approximating: a hit in a string is a harmless false alarm) and the loader then takes the libyaml
path, which also reports syntax errors, duplicate keys and alias bombs with their lines. Comments are
skipped, since prose in comments ("serve on", "no") would otherwise send most real files to libyaml.

Lines are not computed here: the line of each document's root comes from a scan of the text (the first
line with content after its ``---``), and the loader finds the line of a field only when a finding
asks for it, by loading that file again through libyaml.
"""

from __future__ import annotations

import re
from typing import Any

from inferops.validate.limits import CONTENT_LINE, DOCUMENT_MARKER

#: Characters after which a plain scalar's token starts.
_AT_START = r"[\s\[\]{},:]"
#: Where a token that may read differently starts, found at its first character (a character class first
#: keeps the scan fast; the look-behind then checks that a token starts there): an indicator that changes
#: how a node is read (tags, anchors, aliases, complex keys, directives, reserved characters), or a
#: number-like token YAML 1.1 and yaml-rs may read differently (a leading ``0`` before a digit, ``_``,
#: ``o``, ``b`` or ``X``; an underscore or an exponent in a number; a sign). A number's whole token is then
#: checked by :data:`_RISKY_NUMBER`, an indicator's place by :func:`_in_comment`.
_INDICATOR_CHARACTERS = "!&*?%@`"
_RISKY_START = re.compile(
    r"[-+._0-9!&*?%@`](?<=" + _AT_START + r"[-+._0-9!&*?%@`])"
    r"(?:(?<=[!&*?%@`])|(?<=0)[0-9_oObBX]|(?<=[0-9])[0-9.]*[_eE]|(?<=[._])[0-9._]|(?<=[-+])[0-9._])"
)
_TOKEN = re.compile(r"[^\s,\[\]{}]*")
_RISKY_NUMBER = re.compile(
    r"[-+]?0[0-9_oObBX].*|[-+]0[xX].*|[-+]\.[0-9].*"  # 0755 (octal in 1.1), 0b1, 0o7, 0X8, +0x1F, -.5
    r"|[-+]?[._]*[0-9.][0-9a-zA-Z.:+-]*_.*|[-+]?\.?_.*"  # 1_000 (a number in 1.1), _3 (a number in yaml-rs)
    r"|[-+]?\.?[0-9][0-9.]*[eE].*"  # 1e3, 1.5e+3 (strings in 1.1)
)
#: Texts whose presence anywhere sends a file to libyaml: merge keys, document end markers, and (one scan
#: for a ``:``) a ``:`` starting a scalar or right before a flow indicator (libyaml refuses some of these,
#: yaml-rs does not).
_LITERALS = ("<<", "\n...")
_COLON = re.compile(r":(?:(?<=[ \t\n\[{,]:)|[,\]}])")
#: Characters read differently or refused by libyaml, even in comments: tabs in indentation, a lone CR,
#: NEL, the Unicode line and paragraph separators, control characters, a byte-order mark inside the text.
_INDENT = frozenset(" ?:-")
_LONE_CR = re.compile(r"\r(?!\n)")
_NOT_PRINTABLE = (  # compiled on the first non-ASCII text: the Unicode ranges cost a few ms of every start-up
    r"[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Integers with more digits than Python converts to text (the libyaml path keeps them as text).
_HUGE = 10 ** 4000
#: Plain scalars that YAML 1.1 reads as booleans and yaml-rs as strings; found in the loaded data.
_YAML11_BOOLEANS = frozenset("yes Yes YES no No NO on On ON off Off OFF".split())
_COMMENT = re.compile(r"(?:^|\s)#")
#: Alias expansions yaml-rs may replay; the libyaml path applies the loader's own budget past this.
_MAX_REPLAYED = 100_000


def needs_libyaml(text: str) -> bool:
    """Whether the text of ``text`` holds anything YAML 1.1 may read differently from yaml-rs (outside
    comments); :func:`_plain_data` checks the loaded data for the rest (booleans and keys)."""
    if _special_characters(text):
        return True
    if not text.endswith("\n") and ("|" in text or ">" in text):
        return True  # a block scalar ending the text: yaml-rs adds the line break the text lacks
    if text.startswith(("...", ":")) or any(literal in text for literal in _LITERALS) \
            or _COLON.search(text) is not None:
        return True
    if text[:1] in _INDICATOR_CHARACTERS and text:
        return True
    for match in _RISKY_START.finditer(text):
        at = match.start()
        if text[at] in _INDICATOR_CHARACTERS:
            if not _in_comment(text, at):
                return True
            continue
        token = _TOKEN.match(text, at)
        if token is not None and _RISKY_NUMBER.fullmatch(token.group()) and not _in_comment(text, at):
            return True
    return False


def _special_characters(text: str) -> bool:
    tab = text.find("\t")
    while tab >= 0:  # a tab in indentation (also after "- ", "? ", ": ")
        if _INDENT.issuperset(text[text.rfind("\n", 0, tab) + 1:tab]):
            return True
        tab = text.find("\t", tab + 1)
    if "\r" in text and _LONE_CR.search(text) is not None:
        return True
    if text.isascii():
        return _CONTROL.search(text) is not None
    return re.search(_NOT_PRINTABLE, text) is not None


def _in_comment(text: str, at: int) -> bool:
    """Whether ``at`` is inside a comment: after a ``#`` that follows whitespace on its line, with no quote
    before that ``#`` (which could make it part of a string)."""
    head = text[text.rfind("\n", 0, at) + 1:at]
    comment = _COMMENT.search(head)
    return comment is not None and "'" not in head[:comment.start()] and '"' not in head[:comment.start()]


def _plain_data(documents: list[Any]) -> bool:
    """Whether every key is a string and no key or string value is a YAML 1.1 boolean word: such a word
    was quoted (a string both ways) or plain (a boolean in 1.1); only libyaml knows which. Integers too
    long to print are left to libyaml as well."""
    booleans = _YAML11_BOOLEANS
    stack = list(documents)
    while stack:
        item = stack.pop()
        if type(item) is dict:
            for key in item:
                if type(key) is not str or key in booleans:
                    return False
            values: Any = item.values()
        elif type(item) is list:
            values = item
        else:
            if type(item) is str and item in booleans:
                return False
            continue
        for value in values:
            kind = type(value)
            if kind is str:
                if value in booleans:
                    return False
            elif kind is dict or kind is list:
                stack.append(value)
            elif kind is int and not -_HUGE < value < _HUGE:
                return False
    return True


def root_lines(text: str, markers: list[int]) -> list[int | None]:
    """The 1-based line of each document's root node (``None`` for an empty document), given the offsets
    of the ``---`` markers; a first document before any marker counts only when it has content."""
    lines: list[int | None] = []
    counted, line = 0, 1
    first_end = markers[0] if markers else len(text)
    found = CONTENT_LINE.search(text, 0, first_end)
    if found is not None:
        line += text.count("\n", counted, found.start())
        counted = found.start()
        lines.append(line)
    for index, marker in enumerate(markers):
        end = markers[index + 1] if index + 1 < len(markers) else len(text)
        eol = text.find("\n", marker, end)
        eol = end if eol < 0 else eol
        rest = text[marker + 3:eol].strip()
        start = marker if rest and not rest.startswith("#") else None
        if start is None:
            found = CONTENT_LINE.search(text, eol, end)
            start = found.start() if found is not None else None
        if start is None:
            lines.append(None)
            continue
        line += text.count("\n", counted, start)
        counted = start
        lines.append(line)
    return lines


def _parse(text: str, *, strict: bool) -> tuple[bool, Any]:
    """``(True, data)`` of the whole text as yaml-rs reads it, when nothing in it reads differently under
    YAML 1.1 and it parses (duplicate keys refused when ``strict``, else the last wins); else ``(False,
    None)``. No wheel of yaml-rs for this platform also answers ``False``: the libyaml path alone is slower,
    not different."""
    if needs_libyaml(text):
        return False, None
    try:
        import yaml_rs
    except ImportError:
        return False, None
    policy = yaml_rs.DuplicateKeyPolicy.Error if strict else yaml_rs.DuplicateKeyPolicy.LastWins
    limits = yaml_rs.AliasLimits(max_total_replayed_events=_MAX_REPLAYED)
    try:
        return True, yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=policy, alias_limits=limits)
    except (ValueError, RecursionError, OverflowError, MemoryError):
        return False, None


def load_single(text: str) -> tuple[bool, Any]:
    """``(True, data)`` when ``text`` is one document that yaml-rs reads as YAML 1.1 would (duplicate keys:
    the last wins), else ``(False, None)``: the caller asks libyaml. For short texts kustomize writes
    (annotations), where a libyaml parse costs more than the rest of reading the object."""
    if DOCUMENT_MARKER.search(text) is not None:
        return False, None
    parsed, loaded = _parse(text, strict=False)
    return (True, loaded) if parsed and _plain_data([loaded]) else (False, None)


def load_native(text: str, markers: list[int], *, strict: bool) -> list[tuple[Any, int]] | None:
    """``(data, root line)`` of each non-empty document, or ``None`` when the libyaml path must decide:
    YAML 1.1 differences, syntax errors, duplicate keys in strict mode, alias limits, or a document
    count that does not match the markers."""
    parsed, loaded = _parse(text, strict=strict)
    if not parsed:
        return None
    lines = root_lines(text, markers)
    documents: list[Any]
    if len(lines) == 1:
        documents = [loaded]
    elif not lines:
        documents = []
    else:
        documents = loaded if isinstance(loaded, list) else []
    if len(documents) != len(lines) or (len(lines) == 1 and not isinstance(loaded, dict)):
        return None  # a root list or scalar, or a count we cannot map to lines: libyaml says what it is
    if not _plain_data(documents):
        return None
    return [(data, line) for data, line in zip(documents, lines) if data is not None and line is not None]
