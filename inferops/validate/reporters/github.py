"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per finding
(shown on the pull request's diff at the file and line), then the plain summary and notes.

Escaping follows GitHub's toolkit (``@actions/core`` ``command.ts``): ``%``, CR and LF in the message, and
additionally ``:`` and ``,`` in property values, are percent-encoded.
"""

from __future__ import annotations

from inferops.validate.findings import Finding, Severity
from inferops.validate.report import Report, describe

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report, *, color: bool = False) -> str:
    lines = [_annotation(f) for f in report.sorted_findings()]
    lines.extend(f"note: {note}" for note in report.notes)
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def _annotation(f: Finding) -> str:
    props = {"file": f.file}
    if f.line:
        props["line"] = str(f.line)
    props["title"] = f.rule_id
    encoded = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
    return f"::{COMMANDS[f.severity]} {encoded}::{escape_data(describe(f, hint=True))}"


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")
