"""Machine-readable report with a stable, versioned structure (documented in README.md)::

    {"version": 1,
     "summary": {"errors", "warnings", "info", "files", "objects", "exit_code"},
     "findings": [{"rule_id", "severity", "file", "line", "object", "message", "hint", "family"}],
     "notes": ["..."]}

``line``, ``object`` and ``hint`` are ``null`` when unknown. Bump ``version`` on any incompatible change.
"""

from __future__ import annotations

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
        "findings": [_finding(f) for f in report.sorted_findings()],
        "notes": list(report.notes),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _finding(f: Finding) -> dict[str, object]:
    row: dict[str, object] = {key: getattr(f, key) for key in FINDING_KEYS}
    row["severity"] = f.severity.value
    return row
