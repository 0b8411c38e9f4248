"""GPU-specific views of pods: which containers get GPUs, how many, which nodes a pod targets and which
GPU models those nodes carry. Shared by the GPU rules so each reads the pod the same way."""

from __future__ import annotations

import re
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
from inferops.rules.gpu_runtime import server_of
from inferops.rules.workloads import (
    Container,
    PodSpec,
    containers,
    dig,
    pod_containers,
    pod_specs,
    view,
)
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
    return view(container.data, "gpu_count", lambda: _gpu_count(container))


def _gpu_count(container: Container) -> int:
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


#: Kinds whose long-running pods serve a model (Jobs, CronJobs, JobSets, RayJobs and Notebooks do not;
#: KubeRay pods run Ray, which starts the model server itself, so Ray kinds are left out too).
SERVING_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "Rollout", "LeaderWorkerSet", "InferenceService",
                           "ServingRuntime", "ClusterServingRuntime", "LLMInferenceService"})
#: Pod roles that run the model server's API (workers of a multi-node group only join it).
SERVING_ROLES = frozenset({"pod", "leader", "predictor", "runtime", "decode", "prefill"})
#: Words in an image or command that mark a container serving no model: notebooks and training.
_NOT_SERVING = re.compile(r"jupyter|notebook|torchrun|torch\.distributed\.(?:run|launch)|deepspeed|"
                          r"accelerate launch|(?:^|[/_\-\s])train(?:ing|er)?(?:\.py)?(?:$|[\s:_\-])")


def serves_no_model(c: Container) -> bool:
    """Whether a container is recognisably a notebook or a training run rather than a model server."""
    if server_of(c) is not None:
        return False
    words = [str(c.data.get("image") or ""), *(str(a) for key in ("command", "args") for a in as_list(c.data.get(key)))]
    return any(_NOT_SERVING.search(w.lower()) for w in words)


def serving_containers(m: Manifest) -> Iterator[Container]:
    """Long-running GPU containers that serve a model: regular containers of the serving pods of
    :data:`SERVING_KINDS` (the leader of a LeaderWorkerSet: when no leaderTemplate is given the
    workerTemplate is used for the leader too), minus notebooks and training runs."""
    return iter(view(m.data, "serving_containers", lambda: tuple(_serving_containers(m))))


def _serving_containers(m: Manifest) -> Iterator[Container]:
    if m.kind not in SERVING_KINDS:
        return
    has_leader = dig(m.data, ("spec", "leaderWorkerTemplate", "leaderTemplate")) is not None
    for c in containers(m, ("containers",)):
        leads = c.pod.role in SERVING_ROLES or (c.pod.role == "worker" and m.kind == "LeaderWorkerSet" and not has_leader)
        if leads and gpu_count(c) > 0 and not serves_no_model(c):
            yield c


def group_size(m: Manifest) -> int:
    """Pods that serve one model instance together: ``leaderWorkerTemplate.size`` for a LeaderWorkerSet."""
    if m.kind != "LeaderWorkerSet":
        return 1
    size = dig(m.data, ("spec", "leaderWorkerTemplate", "size"))
    return size if isinstance(size, int) and size > 0 else 1


def pod_gpus(pod: PodSpec) -> int:
    """GPUs a pod holds: the sum over its containers, or its largest init container if that is more."""
    regular = [gpu_count(c) for c in pod_containers(pod, ("containers",))]
    init = [gpu_count(c) for c in pod_containers(pod, ("initContainers",))]
    return max(sum(regular), max(init, default=0))


def _role_pod(m: Manifest, role: str) -> PodSpec | None:
    return next((pod for pod in pod_specs(m) if pod.role == role), None)


def lws_group_gpus(m: Manifest) -> tuple[int, int, int]:
    """(leader GPUs, worker GPUs, group size) of a LeaderWorkerSet; without a leaderTemplate the leader is a
    worker (kubernetes-sigs/lws: "LeaderTemplate defines the template for leader pods ... if not specified,
    the WorkerTemplate is used")."""
    worker_pod = _role_pod(m, "worker")
    worker = pod_gpus(worker_pod) if worker_pod else 0
    leader_pod = _role_pod(m, "leader")
    leader = pod_gpus(leader_pod) if leader_pod else worker
    return leader, worker, group_size(m)


def serving_group_gpus(m: Manifest, c: Container) -> tuple[int, str] | None:
    """GPUs the model server in ``c`` can spread one model over, and how they add up; ``None`` where the
    group is assembled by a controller from settings we do not model (KServe multi-node workers).

    A LeaderWorkerSet group is the leader's GPUs plus ``size - 1`` workers' (gpu-serving-facts.md #15:
    TP = GPUs per node, PP = number of nodes, as in the LWS vLLM example's 8 × 2 over 2 pods × 8 GPUs)."""
    own = gpu_count(c)
    if m.kind == "LeaderWorkerSet":
        _, worker, size = lws_group_gpus(m)
        total = own + (size - 1) * worker
        if size == 1:
            return total, f"{total} GPU(s)"
        return total, f"{own} GPUs (leader) + {size - 1} × {worker} GPUs (workers) = {total} GPUs"
    if m.kind == "InferenceService" and dig(m.data, ("spec", "predictor", "workerSpec")) is not None:
        return None
    if m.kind == "LLMInferenceService":
        section = ("spec", "prefill") if c.pod.path[:2] == ("spec", "prefill") else ("spec",)
        if dig(m.data, (*section, "worker")) is not None:
            return None
    return own, f"{own} GPU(s)"


def _ray_cluster_gpus(m: Manifest) -> int:
    """GPUs of a Ray cluster at its declared size: the head plus replicas × numOfHosts of each worker group."""
    total = 0
    for pod in pod_specs(m):
        if pod.role == "head":
            total += pod_gpus(pod)
        elif pod.role == "worker":
            group = dig(m.data, pod.path[:-2])  # .../workerGroupSpecs/<i>
            replicas = dig(group, ("replicas",)) if isinstance(group, dict) else None
            hosts = dig(group, ("numOfHosts",)) if isinstance(group, dict) else None
            count = (replicas if isinstance(replicas, int) and replicas >= 0 else 1) * \
                (hosts if isinstance(hosts, int) and hosts > 0 else 1)
            total += count * pod_gpus(pod)
    return total


def gpus_per_replica(m: Manifest) -> int:
    """GPUs one replica of a workload holds (for a LeaderWorkerSet: the leader plus ``size - 1`` workers;
    for a Ray cluster: every group at its declared replicas)."""
    if m.kind == "LeaderWorkerSet":
        leader, worker, size = lws_group_gpus(m)
        return leader + (size - 1) * worker
    if m.kind in ("RayCluster", "RayService", "RayJob"):
        return _ray_cluster_gpus(m)
    return sum(pod_gpus(pod) for pod in pod_specs(m) if pod.role != "submitter")


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
