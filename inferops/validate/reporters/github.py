"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per finding
(shown on the pull request's diff at the file and line), then the plain summary and notes.

Escaping follows GitHub's toolkit (actions/toolkit ``packages/core/src/command.ts``, ``escapeData`` and
``escapeProperty``), which the runner undoes (actions/runner ``src/Runner.Common/ActionCommand.cs``):
``%``, CR and LF in the message, and additionally ``:`` and ``,`` in property values, are percent-encoded.
The lines that are not annotations (notes, summary) are kept inert (:func:`inert_line`), so that no value
a pull request controls can start a workflow command of its own (``::set-output``, ``::add-mask``,
the legacy ``##[...]`` form).
"""

from __future__ import annotations

from inferops.validate.findings import Finding, Severity
from inferops.validate.printable import inert_line
from inferops.validate.report import Report, describe

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report, *, color: bool = False) -> str:
    lines = [_annotation(f) for f in report.sorted_findings()]
    lines.extend(inert_line(f"note: {note}") for note in report.notes)
    lines.append(inert_line(report.summary()))
    return "\n".join(lines) + "\n"


def _annotation(f: Finding) -> str:
    props = {"file": f.file}
    if f.line:
        props["line"] = str(f.line)
    props["title"] = f.rule_id
    encoded = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
    return f"::{COMMANDS[f.severity]} {encoded}::{escape_data(describe(f, hint=True))}"


def escape_data(s: str) -> str:
    """toolkit's ``escapeData``: the message of a workflow command."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """toolkit's ``escapeProperty``: a ``key=value`` property of a workflow command."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")
