"""replicas-with-autoscaler: spec.replicas in Git fights an HPA or KEDA ScaledObject under Argo CD."""

from __future__ import annotations

from typing import Any

import pytest
from guardrail_cases import ids, run, workload

from inferops.policy import Policy
from inferops.rules.base import Context, run_rules
from inferops.validate.manifest import Manifest

HPA: dict[str, Any] = {
    "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "llama", "namespace": "llm-prod"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llama"},
             "minReplicas": 1, "maxReplicas": 4},
}
SCALED_OBJECT: dict[str, Any] = {
    "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
    "metadata": {"name": "llama", "namespace": "llm-prod"},
    "spec": {"scaleTargetRef": {"name": "llama"}, "minReplicaCount": 1, "maxReplicaCount": 4,
             "triggers": [{"type": "prometheus", "metadata": {"serverAddress": "http://prometheus:9090",
                                                              "query": "sum(vllm:num_requests_waiting)",
                                                              "threshold": "5"}}]},
}


@pytest.mark.parametrize("scaler", [HPA, SCALED_OBJECT], ids=["hpa", "scaledobject"])
def test_replicas_with_an_autoscaler_is_a_warning(scaler: dict[str, Any]) -> None:
    findings = run([workload(), scaler])
    assert [(f.rule_id, f.severity.value, f.object) for f in findings] == [
        ("replicas-with-autoscaler", "warning", "Deployment/llm-prod/llama")]


def test_without_replicas_the_autoscaler_owns_the_count() -> None:
    data = workload()
    del data["spec"]["replicas"]
    assert ids([data, HPA]) == []


def test_without_an_autoscaler_replicas_are_fine() -> None:
    assert ids([workload()]) == []


def test_an_autoscaler_for_another_workload_or_namespace_does_not_count() -> None:
    other_name = {**HPA, "spec": {**HPA["spec"], "scaleTargetRef": {"kind": "Deployment", "name": "mistral"}}}
    other_ns = {**HPA, "metadata": {"name": "llama", "namespace": "llm-dev"}}
    assert ids([workload(), other_name, other_ns]) == []


def test_objects_of_different_renders_are_not_matched() -> None:
    deployment = Manifest(data=workload(), file="apps/llama/base/deployment.yaml", render_root="apps/llama/overlays/dev")
    hpa = Manifest(data=HPA, file="apps/llama/overlays/prod/hpa.yaml", render_root="apps/llama/overlays/prod")
    assert list(run_rules([deployment, hpa], Context(Policy()), ["guardrails"])) == []


def test_ignore_differences_with_respect_ignore_differences_silences_it() -> None:
    app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "llama-prod"},
           "spec": {"project": "llm-prod",
                    "source": {"repoURL": "https://github.com/example-org/llm-gitops.git", "targetRevision": "v0.1.0"},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "llm-prod"},
                    "ignoreDifferences": [{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}],
                    "syncPolicy": {"syncOptions": ["RespectIgnoreDifferences=true"]}}}
    assert ids([workload(), HPA, app]) == []
    app["spec"]["syncPolicy"]["syncOptions"] = []
    assert ids([workload(), HPA, app]) == ["replicas-with-autoscaler"]
