"""Exemptions: the annotation inferops.io/exempt.<rule-id> with a reason skips that rule for that object
only; without a reason, or naming an unknown rule, it is itself the finding exemption-without-reason."""

from __future__ import annotations

from typing import Any

from doc_examples import example_findings
from guardrail_cases import run, server, workload

from inferops.policy import Policy, RuleSetting

EXEMPT = "inferops.io/exempt."


def _privileged() -> dict[str, Any]:
    data = workload()
    server(data)["securityContext"]["privileged"] = True
    return data


def test_an_exemption_with_a_reason_skips_exactly_that_rule() -> None:
    data = _privileged()
    server(data)["image"] = "docker.io/vllm/vllm-openai:latest"
    data["metadata"]["annotations"] = {EXEMPT + "pod-privileged": "needs /dev/nvidia-caps for MIG reconfiguration"}
    assert [f.rule_id for f in run([data])] == ["image-tag-latest"]


def test_an_exemption_applies_to_its_object_only() -> None:
    exempted, other = _privileged(), _privileged()
    exempted["metadata"]["annotations"] = {EXEMPT + "pod-privileged": "node tuning daemon"}
    other["metadata"]["name"] = "mistral"
    assert [f.object for f in run([exempted, other])] == ["Deployment/llm-prod/mistral"]


def test_an_exemption_without_a_reason_is_a_finding_and_exempts_nothing() -> None:
    data = _privileged()
    data["metadata"]["annotations"] = {EXEMPT + "pod-privileged": "  "}
    findings = run([data])
    assert sorted(f.rule_id for f in findings) == ["exemption-without-reason", "pod-privileged"]
    bad = next(f for f in findings if f.rule_id == "exemption-without-reason")
    assert bad.severity.value == "error" and "gives no reason" in bad.message


def test_an_exemption_naming_an_unknown_rule_is_a_finding() -> None:
    data = workload()
    data["metadata"]["annotations"] = {EXEMPT + "pod-priviledged": "typo"}
    findings = run([data])
    assert [f.rule_id for f in findings] == ["exemption-without-reason"]
    assert "unknown rule 'pod-priviledged'" in findings[0].message


def test_exemptions_work_for_rules_over_all_manifests() -> None:
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "llama", "namespace": "llm-prod"},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "llama"}, "maxReplicas": 2}}
    data = workload()
    assert [f.rule_id for f in run([data, hpa])] == ["replicas-with-autoscaler"]
    data["metadata"]["annotations"] = {EXEMPT + "replicas-with-autoscaler": "Argo CD ignores /spec/replicas"}
    assert run([data, hpa]) == []


def test_the_policy_sets_severities_and_turns_rules_off() -> None:
    data = _privileged()
    warn = Policy(rules={"pod-privileged": RuleSetting(severity="warning")})
    assert [(f.rule_id, f.severity.value) for f in run([data], warn)] == [("pod-privileged", "warning")]
    assert run([data], Policy(rules={"pod-privileged": RuleSetting(severity="off")})) == []


def test_the_doc_page_shows_both_kinds_of_bad_exemption_and_a_good_one() -> None:
    failing = example_findings("exemption-without-reason", "Failing example", ["guardrails"])
    assert sorted(f.rule_id for f in failing) == ["exemption-without-reason", "exemption-without-reason", "pod-seccomp"]
    assert example_findings("exemption-without-reason", "Fixed example", ["guardrails"]) == []


def test_exemptions_are_checked_only_with_the_guardrails_family() -> None:
    from inferops.policy import Policy
    from inferops.rules.base import Context, run_rules
    from inferops.validate.manifest import Manifest

    m = Manifest(data={"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "x", "annotations": {"inferops.io/exempt.pod-seccomp": ""}}},
                 file="x.yaml", line=1)
    assert [f.rule_id for f in run_rules([m], Context(Policy()), ["gpu"])] == []
    assert [f.rule_id for f in run_rules([m], Context(Policy()), ["guardrails"])] == ["exemption-without-reason"]
