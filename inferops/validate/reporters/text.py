"""Human-readable report: findings grouped by file and sorted by line, each with its fix hint.

Values arrive printable (the :class:`Report` escapes control characters); every line is also kept inert
for CI runners (:func:`inert_line`), since a pre-commit hook or a CI job may print this format to a log
that the GitHub runner parses for workflow commands."""

from __future__ import annotations

from itertools import groupby

from inferops.validate.findings import Finding, Severity
from inferops.validate.printable import inert_line
from inferops.validate.report import Report, describe

_RESET = "\033[0m"
_BOLD = "\033[1m"
_DIM = "\033[2m"
_SEVERITY_COLOR = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_SEVERITY_WIDTH = max(len(s.value) for s in Severity)


def render(report: Report, *, color: bool = False) -> str:
    def paint(code: str, s: str) -> str:
        return f"{code}{s}{_RESET}" if color else s

    findings = report.sorted_findings()
    line_width = max((len(_line(f)) for f in findings), default=0)
    rule_width = max((len(f.rule_id) for f in findings), default=0)
    lines: list[str] = []
    for file, group in groupby(findings, key=lambda f: f.file):
        lines.append(paint(_BOLD, file))
        for f in group:
            severity = paint(_SEVERITY_COLOR[f.severity], f.severity.value.ljust(_SEVERITY_WIDTH))
            lines.append(
                f"  {_line(f).rjust(line_width)}  {severity}  {paint(_DIM, f.rule_id.ljust(rule_width))}  {describe(f)}"
            )
            if f.hint:
                lines.append(f"  {' ' * line_width}  hint: {f.hint}")
        lines.append("")
    lines.extend(f"note: {note}" for note in report.notes)
    summary_color = _SEVERITY_COLOR[Severity.ERROR] if report.exit_code else "\033[32m"
    lines.append(paint(summary_color, report.summary()))
    return "\n".join(inert_line(line) for line in lines) + "\n"


def _line(f: Finding) -> str:
    return str(f.line) if f.line else "-"
