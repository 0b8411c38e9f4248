"""GPU pods target GPU nodes and tolerate their taint; ResourceQuotas cap GPUs with requests.<gpu>."""

from __future__ import annotations

import pytest
from gpu_cases import messages, pod, rule_ids, serving


def test_gpu_pod_without_node_targeting_is_a_warning() -> None:
    d = serving()
    del pod(d)["affinity"]
    assert messages("gpu-node-targeting", d) == [
        "GPU pod does not target GPU nodes; in a cluster with several GPU models it may land on the wrong one"]


@pytest.mark.parametrize("selector", [
    {"cloud.google.com/gke-accelerator": "nvidia-l4"},
    {"nvidia.com/gpu.present": "true"},
    {"karpenter.k8s.aws/instance-gpu-name": "l4"},
    {"node.kubernetes.io/instance-type": "g6.12xlarge"},
    {"cloud.google.com/gke-nodepool": "gpu-pool"},
])
def test_node_selector_on_a_gpu_label_passes(selector: dict[str, str]) -> None:
    d = serving()
    del pod(d)["affinity"]
    pod(d)["nodeSelector"] = selector
    assert "gpu-node-targeting" not in rule_ids(d)


def test_selector_on_an_unrelated_label_does_not_count() -> None:
    d = serving()
    del pod(d)["affinity"]
    pod(d)["nodeSelector"] = {"kubernetes.io/os": "linux"}
    assert "gpu-node-targeting" in rule_ids(d)


def test_affinity_must_constrain_gpus_in_every_term() -> None:
    d = serving()
    terms = pod(d)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    terms.append({"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]})
    assert "gpu-node-targeting" in rule_ids(d)


def test_missing_gpu_toleration_is_a_warning() -> None:
    d = serving()
    del pod(d)["tolerations"]
    assert messages("gpu-toleration", d) == [
        "GPU pod has no toleration for the nvidia.com/gpu:NoSchedule taint of GPU nodes"]


@pytest.mark.parametrize("toleration", [
    {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},
    {"key": "nvidia.com/gpu", "operator": "Exists"},
    {"operator": "Exists"},
])
def test_matching_tolerations_pass(toleration: dict[str, str]) -> None:
    d = serving()
    pod(d)["tolerations"] = [toleration]
    assert "gpu-toleration" not in rule_ids(d)


def test_toleration_for_another_taint_does_not_count() -> None:
    d = serving()
    pod(d)["tolerations"] = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoExecute"},
                             {"key": "dedicated", "operator": "Exists"}]
    assert "gpu-toleration" in rule_ids(d)


@pytest.mark.parametrize("selector", [{"cloud.google.com/gke-accelerator": "nvidia-l4"},
                                      {"cloud.google.com/gke-nodepool": "l4-pool"},
                                      {"kubernetes.azure.com/agentpool": "gpunp"}])
def test_gke_and_aks_pods_get_their_toleration_from_the_platform(selector: dict[str, str]) -> None:
    d = serving()
    del pod(d)["tolerations"], pod(d)["affinity"]
    pod(d)["nodeSelector"] = selector
    assert rule_ids(d) == []


def test_amd_gpus_need_the_amd_taint_toleration() -> None:
    d = serving()
    c = pod(d)["containers"][0]
    c["resources"] = {"limits": {"amd.com/gpu": "2"}}
    assert messages("gpu-toleration", d) == [
        "GPU pod has no toleration for the amd.com/gpu:NoSchedule taint of GPU nodes"]


QUOTA = """
apiVersion: v1
kind: ResourceQuota
metadata: {name: gpus, namespace: serving}
spec:
  hard:
    requests.cpu: "64"
    KEY: "8"
"""


@pytest.mark.parametrize("key", ["limits.nvidia.com/gpu", "nvidia.com/gpu", "limits.amd.com/gpu"])
def test_quota_on_gpu_limits_is_an_error(key: str) -> None:
    resource = key.removeprefix("limits.")
    assert messages("gpu-quota-requests", QUOTA.replace("KEY", key)) == [
        f"ResourceQuota key {key!r} is not allowed for an extended resource; use 'requests.{resource}'"]


@pytest.mark.parametrize("key", ["requests.nvidia.com/gpu", "gpu.nvidia.com.deviceclass.resource.k8s.io/devices"])
def test_quota_on_gpu_requests_passes(key: str) -> None:
    assert rule_ids(QUOTA.replace("KEY", key)) == []
