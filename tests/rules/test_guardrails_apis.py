"""api-version-removed: API versions the target Kubernetes version no longer serves."""

from __future__ import annotations

import pytest
from guardrail_cases import run

HPA = """
apiVersion: {api}
kind: HorizontalPodAutoscaler
metadata: {{name: llama}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: llama}}
  minReplicas: 1
  maxReplicas: 2
"""


@pytest.mark.parametrize(("api", "kind", "removed_in"), [
    ("extensions/v1beta1", "Deployment", "1.16"),
    ("apps/v1beta2", "StatefulSet", "1.16"),
    ("networking.k8s.io/v1beta1", "Ingress", "1.22"),
    ("policy/v1beta1", "PodDisruptionBudget", "1.25"),
    ("batch/v1beta1", "CronJob", "1.25"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25"),
    ("node.k8s.io/v1beta1", "RuntimeClass", "1.25"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.32"),
])
def test_removed_versions_are_errors(api: str, kind: str, removed_in: str) -> None:
    findings = run(f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: x, labels: {{app.kubernetes.io/name: x}}}}\n")
    assert [f.rule_id for f in findings] == ["api-version-removed"]
    assert f"removed in Kubernetes {removed_in}" in findings[0].message
    assert findings[0].severity.value == "error"


def test_the_target_version_decides() -> None:
    text = HPA.format(api="autoscaling/v2beta2")
    assert [f.rule_id for f in run(text, kubernetes_version="1.26.0")] == ["api-version-removed"]
    assert run(text, kubernetes_version="1.25.9") == []


@pytest.mark.parametrize("api", ["autoscaling/v2", "autoscaling/v1"])
def test_current_versions_pass(api: str) -> None:
    assert run(HPA.format(api=api)) == []


def test_a_storage_class_beta_removal_does_not_hit_csi_storage_capacity_early() -> None:
    text = "apiVersion: storage.k8s.io/v1beta1\nkind: CSIStorageCapacity\nmetadata: {name: x}\n"
    assert run(text, kubernetes_version="1.26.0") == []
