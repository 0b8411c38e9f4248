"""SARIF 2.1.0 report, for GitHub code scanning (``github/codeql-action/upload-sarif``) and other SARIF viewers.

The ``rules`` array lists every registered rule (so ``ruleIndex`` is stable across runs) plus, defensively,
any rule id a finding carries that the registry does not know. GitHub's constraints are kept: every result
has a location (the file alone when its line is unknown), ``region.startLine`` is at least 1, and paths are
relative POSIX URIs against ``%SRCROOT%`` (absolute paths, for files outside the run's directory, become
``file://`` URIs). Notes go to the invocation's ``toolExecutionNotifications``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from inferops import __version__
from inferops.validate.findings import Finding, Severity
from inferops.validate.report import Report, describe

if TYPE_CHECKING:
    from inferops.fix.report import FixFinder, ReportedFix

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/inferops/inferops"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report, *, color: bool = False) -> str:
    from inferops.rules.base import load_all_rules

    from inferops.fix.registry import Run
    from inferops.fix.report import FixFinder

    registry = load_all_rules()
    finder = FixFinder(Run(report.objects))
    rules = [_rule(r.id, r.summary, r.hint, r.severity, r.family) for r in sorted(registry.values(), key=lambda r: r.id)]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    for f in report.sorted_findings():
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(_rule(f.rule_id, f.message, f.hint or "", f.severity, f.family))

    run: dict[str, Any] = {
        "tool": {
            "driver": {"name": "inferops", "version": __version__, "informationUri": INFORMATION_URI, "rules": rules}
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "note", "message": {"text": n}} for n in report.notes],
            }
        ],
        "results": [_result(f, index[f.rule_id], finder) for f in report.sorted_findings()],
        "columnKind": "unicodeCodePoints",
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(rule_id: str, summary: str, hint: str, severity: Severity, family: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "shortDescription": {"text": summary},
        "help": {"text": hint or summary},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"tags": [family] if family else []},
    }


def _result(f: Finding, rule_index: int, finder: FixFinder) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(f.file)}
    if f.line and f.line >= 1:
        physical["region"] = {"startLine": f.line}
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": describe(f, hint=True)},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"inferopsFinding/v1": _fingerprint(f)},
    }
    fix = finder.fix_of(f)
    if fix is not None:
        result["fixes"] = [_fix(fix)]
    if f.object:
        result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": f.object, "kind": "object"}]
    return result


def _fix(fix: ReportedFix) -> dict[str, Any]:
    """SARIF 2.1.0 ``fix``: one artifactChange whose replacements delete a region and insert text."""
    replacements = [
        {
            "deletedRegion": {"startLine": r.start_line, "startColumn": r.start_column,
                              "endLine": r.end_line, "endColumn": r.end_column},
            "insertedContent": {"text": r.text},
        }
        for r in fix.replacements
    ]
    return {
        "description": {"text": f"inferops fix {fix.description}"},
        "artifactChanges": [{"artifactLocation": _artifact(fix.file), "replacements": replacements}],
    }


def _artifact(file: str) -> dict[str, str]:
    path = PurePosixPath(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


def _fingerprint(f: Finding) -> str:
    """Stable across line moves, so code scanning keeps tracking an alert when lines shift above it."""
    key = "\0".join((f.rule_id, f.file, f.object or "", f.message))
    return hashlib.sha256(key.encode()).hexdigest()
