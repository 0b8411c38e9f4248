"""GPU-specific views of pods: which containers get GPUs, how many, which nodes a pod targets and which
GPU models those nodes carry. Shared by the GPU rules so each reads the pod the same way."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from inferops.rules.gpu_facts import (
    GPU_MEMORY_LABEL,
    PRODUCT_LABELS,
    GpuModel,
    gpu_model,
    is_gpu_device,
    is_gpu_like,
    mig_profile,
    mig_profile_memory_mib,
    parse_quantity,
    whole_number,
)
from inferops.rules.workloads import Container, PodSpec, containers, dig, pod_specs
from inferops.shapes import as_list, as_mapping
from inferops.validate.manifest import Manifest


def resource_map(container: Container, section: str) -> dict[str, Any]:
    """``resources.limits`` or ``resources.requests`` of a container (empty when absent or malformed)."""
    found = dig(container.data, ("resources", section))
    return as_mapping(found)


def gpu_resources(container: Container) -> dict[str, Any]:
    """The GPU-like resources of a container with their quantities; limits win over requests."""
    merged = {k: v for k, v in resource_map(container, "requests").items() if is_gpu_like(str(k))}
    merged.update({k: v for k, v in resource_map(container, "limits").items() if is_gpu_like(str(k))})
    return merged


def gpu_count(container: Container) -> int:
    """How many GPU devices (whole GPUs or MIG slices) the container gets; unparsable quantities count 0."""
    total = 0
    for name, value in gpu_resources(container).items():
        quantity = parse_quantity(value)
        if is_gpu_device(str(name)) and quantity is not None and quantity > 0:
            total += int(quantity)
    return total


def gpu_containers(m: Manifest) -> Iterator[Container]:
    """Every container (init and ephemeral too) that asks for a GPU-like resource."""
    for c in containers(m):
        if gpu_resources(c):
            yield c


def serving_containers(m: Manifest) -> Iterator[Container]:
    """Long-running GPU containers that serve a model: regular containers of Deployments, StatefulSets,
    ReplicaSets and the leader pod of a LeaderWorkerSet (the leader runs the API server; when no
    leaderTemplate is given the workerTemplate is used for the leader too)."""
    if m.kind not in ("Deployment", "StatefulSet", "ReplicaSet", "LeaderWorkerSet"):
        return
    has_leader = dig(m.data, ("spec", "leaderWorkerTemplate", "leaderTemplate")) is not None
    for c in containers(m, ("containers",)):
        if m.kind == "LeaderWorkerSet" and has_leader and "workerTemplate" in c.pod.path:
            continue
        if gpu_count(c) > 0:
            yield c


def group_size(m: Manifest) -> int:
    """Pods that serve one model instance together: ``leaderWorkerTemplate.size`` for a LeaderWorkerSet."""
    if m.kind != "LeaderWorkerSet":
        return 1
    size = dig(m.data, ("spec", "leaderWorkerTemplate", "size"))
    return size if isinstance(size, int) and size > 0 else 1


def pod_gpus(pod: PodSpec) -> int:
    """GPUs a pod holds: the sum over its containers, or its largest init container if that is more."""
    def count(list_name: str) -> list[int]:
        items = pod.spec.get(list_name)
        if not isinstance(items, list):
            return []
        return [gpu_count(Container(c, (*pod.path, list_name, i), pod, list_name))
                for i, c in enumerate(items) if isinstance(c, dict)]

    return max(sum(count("containers")), max(count("initContainers"), default=0))


def gpus_per_replica(m: Manifest) -> int:
    """GPUs one replica of a workload holds (for a LeaderWorkerSet: the leader plus ``size - 1`` workers)."""
    if m.kind != "LeaderWorkerSet":
        return sum(pod_gpus(pod) for pod in pod_specs(m))
    template = ("spec", "leaderWorkerTemplate")
    worker_spec = dig(m.data, (*template, "workerTemplate", "spec"))
    worker = pod_gpus(PodSpec(worker_spec, ())) if isinstance(worker_spec, dict) else 0
    leader_spec = dig(m.data, (*template, "leaderTemplate", "spec"))
    leader = pod_gpus(PodSpec(leader_spec, ())) if isinstance(leader_spec, dict) else worker
    return leader + (group_size(m) - 1) * worker


# --- node targeting ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    """One required node-label condition: from ``nodeSelector`` (operator In) or required node affinity."""

    key: str
    operator: str
    values: tuple[str, ...]


def node_selector(pod: PodSpec) -> dict[str, Any]:
    found = pod.spec.get("nodeSelector")
    return as_mapping(found)


def affinity_terms(pod: PodSpec) -> list[list[Requirement]]:
    """The required node-affinity terms (ORed), each a list of ANDed requirements."""
    terms = dig(pod.spec, ("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                           "nodeSelectorTerms"))
    result: list[list[Requirement]] = []
    for term in as_list(terms):
        expressions = term.get("matchExpressions") if isinstance(term, dict) else None
        reqs = [
            Requirement(str(e.get("key")), str(e.get("operator")),
                        tuple(str(v) for v in e["values"]) if isinstance(e.get("values"), list) else ())
            for e in expressions if isinstance(e, dict)
        ] if isinstance(expressions, list) else []
        result.append(reqs)
    return result


def targeted_label_keys(pod: PodSpec) -> set[str]:
    """Node-label keys a pod requires (selector keys, plus keys that every affinity term constrains)."""
    keys = {str(k) for k in node_selector(pod)}
    terms = affinity_terms(pod)
    if terms:
        per_term = [{r.key for r in term if r.operator in ("In", "Exists", "Gt", "Lt")} for term in terms]
        keys |= set.intersection(*per_term)
    return keys


def target_gpu_models(pod: PodSpec) -> list[GpuModel] | None:
    """GPU models the pod can land on, from product labels or ``nvidia.com/gpu.memory``.

    ``None`` when any allowed node is of an unknown model (then nothing can be concluded).
    """
    selector = node_selector(pod)
    for key in (*PRODUCT_LABELS, GPU_MEMORY_LABEL):
        if key in selector:
            return _models(key, (str(selector[key]),))
    terms = affinity_terms(pod)
    if not terms:
        return None
    models: list[GpuModel] = []
    for term in terms:
        req = next((r for r in term if r.operator == "In" and r.key in (*PRODUCT_LABELS, GPU_MEMORY_LABEL)), None)
        found = _models(req.key, req.values) if req else None
        if found is None:
            return None
        models += found
    return models


def _models(key: str, values: tuple[str, ...]) -> list[GpuModel] | None:
    models: list[GpuModel] = []
    for value in values:
        if key == GPU_MEMORY_LABEL:
            mib = whole_number(value)
            model = GpuModel(f"{value} MiB GPU", mib) if mib is not None else None
        else:
            model = gpu_model(value)
        if model is None:
            return None
        models.append(model)
    return models or None


def device_memory_choices(container: Container) -> list[int] | None:
    """Memory per device (MiB) for each GPU the container may get: a MIG slice's size, else the node GPUs'."""
    for name in gpu_resources(container):
        profile = mig_profile(str(name))
        if profile:
            return [mig_profile_memory_mib(profile)]
    models = target_gpu_models(container.pod)
    return [model.memory_mib for model in models] if models else None
