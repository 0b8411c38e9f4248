"""JSON format: the documented, versioned structure."""

import json

from inferops.validate.report import Report
from inferops.validate.reporters import render


def test_documented_structure(report: Report) -> None:
    doc = json.loads(render(report, "json"))
    assert list(doc) == ["version", "summary", "findings", "notes"]
    assert doc["version"] == 1
    assert doc["summary"] == {"errors": 2, "warnings": 1, "info": 1, "files": 5, "objects": 9, "exit_code": 1}
    assert doc["notes"] == ["apps/x/chart: Helm chart skipped"]
    assert doc["findings"][0] == {
        "rule_id": "schema-invalid",
        "severity": "error",
        "file": "apps/llm/base/deployment.yaml",
        "line": 12,
        "object": "Deployment/llm/vllm",
        "message": "spec.replicaz: unknown field",
        "hint": "remove the field",
        "family": "schema",
    }


def test_unknown_values_are_null(report: Report) -> None:
    skipped = next(f for f in json.loads(render(report, "json"))["findings"] if f["rule_id"] == "render-skipped")
    assert (skipped["line"], skipped["object"], skipped["hint"]) == (None, None, None)


def test_clean_run(clean: Report) -> None:
    doc = json.loads(render(clean, "json"))
    assert doc["findings"] == [] and doc["summary"]["exit_code"] == 0
