"""Ids of the findings the validator core emits itself (input, render, schema), registered so that
``inferops rules`` lists them, ``inferops explain`` documents them and the policy can set their severity."""

from __future__ import annotations

from inferops.rules.base import EXEMPTION_MISSING_REASON, core_rule
from inferops.validate.findings import Severity

FILE_UNREADABLE = core_rule(
    "file-unreadable", family="input", severity=Severity.ERROR,
    summary="A file could not be read or is not text.",
    hint="check the file's permissions and encoding (UTF-8), or exclude it",
)
YAML_INVALID = core_rule(
    "yaml-invalid", family="input", severity=Severity.ERROR,
    summary="A file is not valid YAML or JSON (syntax, tabs, duplicate keys in strict mode, alias bombs).",
    hint="fix the syntax at the given line; indent with spaces; remove the duplicate key",
)
OBJECT_INVALID = core_rule(
    "object-invalid", family="schema", severity=Severity.ERROR,
    summary="A document is not a Kubernetes object: no apiVersion or kind, or not a mapping.",
    hint="every document needs apiVersion, kind and metadata",
)
SCHEMA_INVALID = core_rule(
    "schema-invalid", family="schema", severity=Severity.ERROR,
    summary="An object does not match its Kubernetes or CRD JSON Schema.",
    hint="fix the field named in the message; in strict mode unknown fields are errors",
)
SCHEMA_MISSING = core_rule(
    "schema-missing", family="schema", severity=Severity.ERROR,
    summary="No schema was found for an object's apiVersion and kind.",
    hint="pass the CRD with --crd, a --schema-location, or --ignore-missing-schemas",
)
KIND_REJECTED = core_rule(
    "kind-rejected", family="schema", severity=Severity.ERROR,
    summary="An object's kind is listed in --reject.",
    hint="remove the object or drop its kind from --reject",
)
RENDER_FAILED = core_rule(
    "render-failed", family="render", severity=Severity.ERROR,
    summary="A kustomization did not build with kustomize.",
    hint="run `kubectl kustomize <dir>` to see the full error and fix the kustomization",
)
RENDER_SKIPPED = core_rule(
    "render-skipped", family="render", severity=Severity.INFO,
    summary="A directory was not rendered (a Helm chart, helmCharts, or --skip-render without kustomize).",
    hint="render it yourself and validate the output, e.g. `helm template . | inferops validate -`",
)
REMOTE_REFERENCE = core_rule(
    "remote-reference", family="render", severity=Severity.ERROR,
    summary="A kustomization refers to a URL or git repository, which is not fetched without --allow-remote.",
    hint="vendor the remote base into the repository, or pass --allow-remote where the network is trusted",
)
EXEMPTION_WITHOUT_REASON = core_rule(
    EXEMPTION_MISSING_REASON, family="guardrails", severity=Severity.ERROR,
    summary="An exemption annotation names an unknown rule or gives no reason.",
    hint="set inferops.io/exempt.<rule-id> to a sentence saying why the rule does not apply",
)
