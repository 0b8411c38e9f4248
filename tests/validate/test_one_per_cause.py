"""One mistake, one finding: the finding that names the cause is kept, its echo is dropped."""

from __future__ import annotations

from pathlib import Path

from inferops.validate.pipeline import Options, run

TEMPLATE_KEY = """\
apiVersion: v1
kind: Secret
metadata:
  name: hf
stringData:
  token: {{HF_TOKEN}}
"""

REMOVED_API = """\
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: old
spec:
  template:
    spec:
      containers: [{name: a, image: a:1}]
"""


def _rules(tmp_path: Path, text: str, checks: list[str]) -> list[tuple[str, int | None]]:
    (tmp_path / "m.yaml").write_text(text)
    report = run(Options(paths=["m.yaml"], cwd=tmp_path, checks=checks))
    return sorted((f.rule_id, f.line) for f in report.findings if f.family in ("input", "schema")
                  or f.rule_id == "api-version-removed")


def test_a_template_used_as_a_key_is_yaml_invalid_only(tmp_path: Path) -> None:
    # `{{HF_TOKEN}}` is a flow mapping used as a key: the strict loader says so; the schema's
    # "expected string, got object" on the same line is the same mistake
    assert _rules(tmp_path, TEMPLATE_KEY, ["schema"]) == [("yaml-invalid", 6)]


def test_a_removed_api_version_is_not_also_schema_missing(tmp_path: Path) -> None:
    assert _rules(tmp_path, REMOVED_API, ["schema", "guardrails"]) == [("api-version-removed", 1)]


def test_without_the_guardrails_family_the_missing_schema_is_still_reported(tmp_path: Path) -> None:
    assert _rules(tmp_path, REMOVED_API, ["schema"]) == [("schema-missing", 1)]


def test_other_schema_errors_of_a_broken_document_are_kept(tmp_path: Path) -> None:
    text = TEMPLATE_KEY + "type: 5\n"
    assert _rules(tmp_path, text, ["schema"]) == [("schema-invalid", 7), ("yaml-invalid", 6)]
