"""The fixed example of each guardrail's doc page is a manifest to copy: no GPU or guardrail rule flags it,
and its failing example breaks nothing but the rule it documents (plus what that rule implies)."""

from __future__ import annotations

import pytest
from doc_examples import example_findings

from inferops.rules.base import REGISTRY, load_all_rules

load_all_rules()
GUARDRAILS = sorted(r.id for r in REGISTRY.values() if r.family == "guardrails")


def test_there_are_guardrails_for_every_topic_of_the_issue() -> None:
    expected = {
        "pod-privileged", "pod-host-access", "pod-privilege-escalation", "pod-run-as-root", "pod-seccomp",
        "pod-capabilities", "pod-volume-type", "image-tag-latest", "image-digest-required",
        "image-registry-not-allowed", "required-labels", "resources-missing", "probes-missing",
        "secret-plaintext", "credential-literal", "api-version-removed", "argocd-default-project",
        "argocd-project-wildcard", "argocd-revision-unpinned", "argocd-app-not-permitted",
        "replicas-with-autoscaler", "exemption-without-reason",
    }
    assert expected <= set(GUARDRAILS)


@pytest.mark.parametrize("rule_id", GUARDRAILS)
def test_fixed_example_is_clean(rule_id: str) -> None:
    findings = example_findings(rule_id, "Fixed example", ["gpu", "guardrails"])
    assert [f"{f.rule_id}: {f.message}" for f in findings] == []


@pytest.mark.parametrize("rule_id", [r for r in GUARDRAILS if r != "exemption-without-reason"])
def test_failing_example_breaks_only_its_rule(rule_id: str) -> None:
    findings = example_findings(rule_id, "Failing example", ["gpu", "guardrails"])
    assert {f.rule_id for f in findings} == {rule_id}
