"""--engine kubeconform: a clear error without the binary; its JSON report folds into the same findings."""

import json
from pathlib import Path

import pytest

from inferops.errors import InferopsError
from inferops.validate.loader import load_documents
from inferops.validate.schema import SchemaChecker, SchemaOptions
from inferops.validate.schema.kubeconform import CATALOG_TEMPLATE, fold_report, kubeconform_flags

OBJECTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
spec:
  replicas: two
  template:
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.8.5
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: v1
kind: Secret
metadata: {name: s}
---
apiVersion: v1
kind: Namespace
metadata: {name: ok}
"""


def test_without_a_kubeconform_binary_on_path_the_engine_is_a_usage_error(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InferopsError, match="--engine kubeconform needs a kubeconform binary on PATH") as err:
        SchemaChecker(SchemaOptions(engine="kubeconform"))
    assert err.value.exit_code == 2


def test_an_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(InferopsError, match="unknown schema engine"):
        SchemaChecker(SchemaOptions(engine="kubeval"))


def test_flags_mirror_the_options(tmp_path: Path) -> None:
    options = SchemaOptions(strict=True, ignore_missing=True, skip=["Secret"], reject=["apps/v1/DaemonSet"],
                            locations=["https://example.com/{{ .ResourceKind }}.json"], cache_dir=tmp_path / "c")
    flags = kubeconform_flags(options, "1.33.0", tmp_path / "catalog")
    assert flags == ["-output", "json", "-kubernetes-version", "1.33.0",
                     "-schema-location", str(tmp_path / "catalog" / CATALOG_TEMPLATE),
                     "-schema-location", "https://example.com/{{ .ResourceKind }}.json",
                     "-strict", "-ignore-missing-schemas", "-skip", "Secret", "-reject", "apps/v1/DaemonSet",
                     "-cache", str(tmp_path / "c")]
    assert "default" in kubeconform_flags(SchemaOptions(strict=False), "1.33.0", tmp_path)


def test_kubeconform_json_report_folds_into_findings_with_lines() -> None:
    manifests = load_documents(OBJECTS, "objects.yaml", strict=True).manifests
    report = {"resources": [
        {"filename": "/tmp/x/objects/0.json", "kind": "Deployment", "name": "vllm", "version": "apps/v1",
         "status": "statusInvalid", "msg": "problem validating schema",
         "validationErrors": [
             {"path": "/spec/replicas", "msg": "expected integer or null, but got string"},
             {"path": "/spec/template/spec/containers/0", "msg": "additionalProperties 'foo' not allowed"},
             {"path": "", "msg": "missing properties: 'selector'"}]},
        {"filename": "/tmp/x/objects/1.json", "kind": "Widget", "name": "w", "version": "example.com/v1",
         "status": "statusError", "msg": "could not find schema for Widget"},
        {"filename": "/tmp/x/objects/2.json", "kind": "Secret", "name": "s", "version": "v1",
         "status": "statusError", "msg": "prohibited resource kind Secret"},
        {"filename": "/tmp/x/objects/3.json", "kind": "Namespace", "name": "ok", "version": "v1",
         "status": "statusValid", "msg": ""},
    ]}
    findings = fold_report(json.dumps(report), manifests)
    assert [(f.rule_id, f.line, f.object, f.message) for f in findings] == [
        ("schema-invalid", 6, "Deployment/vllm", "spec.replicas: expected integer or null, but got string"),
        ("schema-invalid", 10, "Deployment/vllm", "spec.template.spec.containers[0]: additionalProperties 'foo' not allowed"),
        ("schema-invalid", 1, "Deployment/vllm", "missing properties: 'selector'"),
        ("schema-missing", 13, "Widget/w", "could not find schema for Widget"),
        ("kind-rejected", 17, "Secret/s", "prohibited resource kind Secret"),
    ]
    assert all(f.file == "objects.yaml" for f in findings)


def test_older_reports_without_validation_errors_keep_the_whole_message() -> None:
    manifests = load_documents("kind: Thing\nmetadata: {name: t}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
                               "o.yaml", strict=True).manifests
    report = {"resources": [
        {"filename": "0.json", "status": "statusError", "msg": "error while parsing: missing 'apiVersion' key"},
        {"filename": "1.json", "status": "statusInvalid", "msg": "For field spec: Required value"},
    ]}
    assert [(f.rule_id, f.line, f.message) for f in fold_report(json.dumps(report), manifests)] == [
        ("object-invalid", 1, "error while parsing: missing 'apiVersion' key"),
        ("schema-invalid", 4, "For field spec: Required value"),
    ]


def test_output_that_is_not_json_is_a_usage_error() -> None:
    with pytest.raises(InferopsError, match="kubeconform printed no JSON report: flag provided but not defined"):
        fold_report("flag provided but not defined: -bogus\n", [])
