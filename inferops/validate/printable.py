"""Text from a pull request made safe to print: no terminal escapes, no line breaks, no CI commands.

A file name, a YAML key or a kustomize error can hold any character. Printed as it is, a newline starts a
line the GitHub runner reads as a workflow command (``::set-output``, ``::add-mask``), an ESC sequence
rewrites the terminal (ANSI injection), a bidirectional override reorders what a reviewer sees, and a
character XML 1.0 forbids makes the JUnit report unreadable. :func:`printable` turns each such character
into a visible escape (``\\n``, ``\\x1b``, ``\\u202e``); :func:`inert_line` keeps one printed line from
being parsed as a runner command.
"""

from __future__ import annotations

import re

#: C0 controls (newline and tab too: a value never spans lines), DEL and C1 controls (ESC, CSI), Unicode
#: bidirectional controls (Trojan Source, CVE-2021-42574), lone surrogates (not encodable as UTF-8) and
#: the noncharacters U+FFFE/U+FFFF (not allowed in XML 1.0, https://www.w3.org/TR/xml/#charsets).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: The GitHub runner reads a line as a command when it starts with ``::`` after leading blanks, or (the
#: legacy form) when it holds ``##[`` anywhere: actions/runner src/Runner.Common/ActionCommand.cs
#: (TryParseV2 and TryParse), tried in that order by ActionCommandManager.TryProcessCommand.
_COMMAND_START = re.compile(r"^(\s*):(?=:)")
_LEGACY_COMMAND = "##["


def printable(text: str) -> str:
    """``text`` with every control, escape and bidirectional character shown as a visible escape."""
    return _UNPRINTABLE.sub(_escape, text)


def inert_line(line: str) -> str:
    """``line`` as the GitHub runner will not read it as a workflow command (for lines that print values;
    annotation lines are commands by design and escape their values instead)."""
    return _COMMAND_START.sub(r"\1\\x3a", line).replace(_LEGACY_COMMAND, "##\\x5b")


def _escape(found: re.Match[str]) -> str:
    char = found.group(0)
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
