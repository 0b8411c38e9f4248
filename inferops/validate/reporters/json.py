"""Machine-readable report with a stable, versioned structure (documented in README.md)::

    {"version": 1,
     "summary": {"errors", "warnings", "info", "files", "objects", "exit_code"},
     "findings": [{"rule_id", "severity", "file", "line", "object", "message", "hint", "family", "fix"?}],
     "notes": ["..."]}

``line``, ``object`` and ``hint`` are ``null`` when unknown. ``fix`` is present only on findings ``inferops fix``
can fix: ``{"file", "description", "replacements": [{"start_line", "start_column", "end_line", "end_column",
"text"}]}`` (1-based, end exclusive, columns in code points; an insertion has start == end). Bump ``version`` on any incompatible change.
"""

from __future__ import annotations

import dataclasses
import json

from inferops.validate.findings import Finding, Severity
from inferops.validate.report import Report

VERSION = 1
FINDING_KEYS = ("rule_id", "severity", "file", "line", "object", "message", "hint", "family")


def render(report: Report, *, color: bool = False) -> str:
    document = {
        "version": VERSION,
        "summary": {
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "info": report.count(Severity.INFO),
            "files": report.files_checked,
            "objects": report.objects_checked,
            "exit_code": report.exit_code,
        },
        "findings": _findings(report),
        "notes": list(report.notes),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _findings(report: Report) -> list[dict[str, object]]:
    from inferops.fix.registry import Run
    from inferops.fix.report import FixFinder

    finder = FixFinder(Run(report.objects))
    rows = []
    for f in report.sorted_findings():
        row = _finding(f)
        fix = finder.fix_of(f)
        if fix is not None:
            row["fix"] = dataclasses.asdict(fix)
        rows.append(row)
    return rows


def _finding(f: Finding) -> dict[str, object]:
    row: dict[str, object] = {key: getattr(f, key) for key in FINDING_KEYS}
    row["severity"] = f.severity.value
    return row
