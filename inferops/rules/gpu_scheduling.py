"""Where GPU pods land and how GPU capacity is capped: node targeting, the GPU taint's toleration, and
ResourceQuota keys (gpu-serving-facts.md #7, #8, #11)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from inferops.rules.base import Context, Violation, rule
from inferops.rules.gpu_facts import (
    AMD_GPU,
    NVIDIA_GPU,
    TOLERATION_ADDING_PLATFORMS,
    is_gpu_node_label,
    is_known_gpu_resource,
)
from inferops.rules.gpu_pods import gpu_containers, gpu_resources, targeted_label_keys
from inferops.rules.workloads import PodSpec, dig
from inferops.shapes import as_list, as_mapping
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

FAMILY = "gpu"
#: KServe's accelerator injector turns this InferenceService annotation into a nodeSelector on
#: ``cloud.google.com/gke-accelerator`` (kserve pkg/webhook/admission/pod/accelerator_injector.go;
#: used by kserve docs/samples/accelerators/tensorflow-gpu.yaml).
KSERVE_GKE_ACCELERATOR = "serving.kserve.io/gke-accelerator"


def _target_keys(m: Manifest, pod: PodSpec) -> set[str]:
    """Node-label keys the pod requires, including what a controller adds from the object's annotations."""
    keys = targeted_label_keys(pod)
    if m.kind == "InferenceService" and KSERVE_GKE_ACCELERATOR in m.annotations:
        keys.add("cloud.google.com/gke-accelerator")
    return keys


def _gpu_pods(m: Manifest) -> Iterator[tuple[PodSpec, set[str]]]:
    """Each pod spec with GPU containers, with the GPU resource names it asks for."""
    pods: dict[tuple[str | int, ...], tuple[PodSpec, set[str]]] = {}
    for c in gpu_containers(m):
        pods.setdefault(c.pod.path, (c.pod, set()))[1].update(str(n) for n in gpu_resources(c))
    yield from pods.values()


@rule("gpu-node-targeting", family=FAMILY, severity=Severity.WARNING,
      summary="A GPU pod does not select GPU nodes (nodeSelector or required node affinity on a GPU label).",
      hint="add node affinity on nvidia.com/gpu.product (or nodeSelector cloud.google.com/gke-accelerator)")
def node_targeting(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for pod, _ in _gpu_pods(m):
        if pod.spec.get("nodeName"):
            continue
        if not any(is_gpu_node_label(key) for key in _target_keys(m, pod)):
            yield Violation("GPU pod does not target GPU nodes; in a cluster with several GPU models it may land on "
                            "the wrong one", pod.path)


def _tolerates(pod: PodSpec, taint_key: str) -> bool:
    tolerations = pod.spec.get("tolerations")
    for t in as_list(tolerations):
        if not isinstance(t, dict) or t.get("effect") not in (None, "", "NoSchedule"):
            continue
        key, operator = t.get("key") or "", t.get("operator") or "Equal"
        if key == taint_key or (not key and operator == "Exists"):
            return True
    return False


@rule("gpu-toleration", family=FAMILY, severity=Severity.WARNING,
      summary="A GPU pod does not tolerate the GPU nodes' taint (nvidia.com/gpu or amd.com/gpu, NoSchedule).",
      hint="add tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]")
def toleration(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for pod, names in _gpu_pods(m):
        if any(key.startswith(TOLERATION_ADDING_PLATFORMS) for key in _target_keys(m, pod)):
            continue  # the platform adds the matching toleration to GPU pods itself
        vendors = {NVIDIA_GPU for n in names if n.startswith("nvidia.com/")} | {AMD_GPU for n in names if n == AMD_GPU}
        for taint in sorted(vendors):
            if not _tolerates(pod, taint):
                yield Violation(f"GPU pod has no toleration for the {taint}:NoSchedule taint of GPU nodes",
                                (*pod.path, "tolerations"))


@rule("gpu-quota-requests", family=FAMILY, severity=Severity.ERROR,
      summary="A ResourceQuota caps GPUs with limits.<gpu> or a bare <gpu> key instead of requests.<gpu>.",
      hint="use requests.nvidia.com/gpu: extended resources only allow quota keys with the requests. prefix")
def quota_requests(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if m.kind != "ResourceQuota":
        return
    hard: Any = dig(m.data, ("spec", "hard"))
    for key in as_mapping(hard):
        name = str(key)
        resource = name.removeprefix("limits.")
        if is_known_gpu_resource(resource):
            yield Violation(f"ResourceQuota key {name!r} is not allowed for an extended resource; "
                            f"use 'requests.{resource}'", ("spec", "hard", name))
