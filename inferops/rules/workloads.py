"""Find the pod specs and containers inside workload objects, with their JSON paths.

Shared by every rule that looks at pods, so no rule re-implements "where is the pod template".
:data:`POD_SPEC_PATHS` is the one table of where each kind keeps its pod templates: core workloads, Argo
Rollouts, LeaderWorkerSet, JobSet, KubeRay (RayCluster, RayService, RayJob), KServe (InferenceService,
ServingRuntime, ClusterServingRuntime, LLMInferenceService) and Kubeflow Notebooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from inferops.validate.manifest import JsonPath, Manifest

#: Marks "every item of this list" in a template path.
EACH = "*"

#: Containers of a KServe predictor given as one object rather than a list: ``model`` and the older
#: per-framework fields (serving.kserve.io_inferenceservices.yaml, PredictorSpec).
KSERVE_PREDICTOR_CONTAINERS = ("model", "huggingface", "lightgbm", "onnx", "paddle", "pmml", "pytorch",
                               "sklearn", "tensorflow", "triton", "xgboost")


@dataclass(frozen=True, slots=True)
class TemplateSite:
    """Where one kind of pod sits in an object, and what part it plays.

    ``role`` is ``pod`` for a plain template, else ``leader``/``worker`` (LeaderWorkerSet, KServe
    multi-node), ``head``/``worker`` (KubeRay), ``submitter`` (RayJob), ``predictor``/``transformer``/
    ``explainer`` (InferenceService), ``runtime`` (ServingRuntime), ``decode``/``prefill`` (the main and
    prefill templates of an LLMInferenceService). ``single`` names fields of the pod spec that hold one
    container each (a KServe predictor's ``model``), checked like regular containers.
    """

    path: tuple[str, ...]
    role: str = "pod"
    single: tuple[str, ...] = ()


def _site(dotted: str, role: str = "pod", single: tuple[str, ...] = ()) -> TemplateSite:
    return TemplateSite(tuple(dotted.split(".")), role, single)


_TEMPLATE = _site("spec.template.spec")
_RAY = (_site("headGroupSpec.template.spec", "head"), _site("workerGroupSpecs.*.template.spec", "worker"))


def _under(prefix: str, sites: tuple[TemplateSite, ...]) -> tuple[TemplateSite, ...]:
    return tuple(TemplateSite((*prefix.split("."), *s.path), s.role, s.single) for s in sites)


#: Where each kind keeps its pod templates (apiVersion-independent on purpose: CRDs move between versions).
POD_SPEC_PATHS: dict[str, tuple[TemplateSite, ...]] = {
    "Pod": (_site("spec"),),
    "Deployment": (_TEMPLATE,),
    "StatefulSet": (_TEMPLATE,),
    "DaemonSet": (_TEMPLATE,),
    "ReplicaSet": (_TEMPLATE,),
    "ReplicationController": (_TEMPLATE,),
    "Job": (_TEMPLATE,),
    "CronJob": (_site("spec.jobTemplate.spec.template.spec"),),
    "PodTemplate": (_site("template.spec"),),
    # Argo Rollouts (argoproj.io/v1alpha1): a Deployment's template; a workloadRef points elsewhere.
    "Rollout": (_TEMPLATE,),
    # Kubeflow Notebook (kubeflow.org/v1): a pod template that serves no model.
    "Notebook": (_TEMPLATE,),
    "LeaderWorkerSet": (
        _site("spec.leaderWorkerTemplate.leaderTemplate.spec", "leader"),
        _site("spec.leaderWorkerTemplate.workerTemplate.spec", "worker"),
    ),
    "JobSet": (_site("spec.replicatedJobs.*.template.spec.template.spec"),),
    "RayCluster": _under("spec", _RAY),
    "RayService": _under("spec.rayClusterConfig", _RAY),
    "RayJob": (*_under("spec.rayClusterSpec", _RAY), _site("spec.submitterPodTemplate.spec", "submitter")),
    "InferenceService": (
        _site("spec.predictor", "predictor", KSERVE_PREDICTOR_CONTAINERS),
        _site("spec.predictor.workerSpec", "worker"),
        _site("spec.transformer", "transformer"),
        _site("spec.explainer", "explainer", ("art",)),
    ),
    "ServingRuntime": (_site("spec", "runtime"), _site("spec.workerSpec", "worker")),
    "ClusterServingRuntime": (_site("spec", "runtime"), _site("spec.workerSpec", "worker")),
    "LLMInferenceService": (
        _site("spec.template", "decode"),
        _site("spec.worker", "worker"),
        _site("spec.prefill.template", "prefill"),
        _site("spec.prefill.worker", "worker"),
    ),
}

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
RAY_KINDS = frozenset({"RayCluster", "RayService", "RayJob"})
#: Kinds that run to completion (nothing to route traffic to).
BATCH_KINDS = frozenset({"Job", "CronJob", "JobSet"})


def completed_by_controller(m: Manifest, c: Container) -> bool:
    """Whether an operator completes this container with probes and a /dev/shm volume, so their absence
    from the manifest proves nothing:

    - the Ray container of a head or worker pod (KubeRay's ``RayContainerIndex`` 0): KubeRay adds readiness
      and liveness probes and a memory-backed ``shared-mem`` emptyDir at /dev/shm
      (ray-operator/controllers/ray/common/pod.go: ``initLivenessAndReadinessProbe``,
      ``SharedMemoryVolumeMountPath``);
    - a KServe predictor's ``model`` (or framework) container, merged with its ServingRuntime's container;
    - an LLMInferenceService's containers, merged with the LLMInferenceServiceConfig presets (the samples
      only resize the preset's ``shm`` volume: kserve docs/samples/llmisvc).
    """
    if m.kind in RAY_KINDS:
        return c.pod.role in ("head", "worker") and c.list_name == "containers" and c.path[-1] == 0
    if m.kind == "InferenceService":
        return c.path[-1] in c.pod.single
    return m.kind == "LLMInferenceService"


@dataclass(frozen=True, slots=True)
class PodSpec:
    spec: dict[str, Any]
    path: JsonPath
    role: str = "pod"
    single: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Container:
    data: dict[str, Any]
    path: JsonPath
    pod: PodSpec
    list_name: str  # "containers", "initContainers" or "ephemeralContainers" (a KServe ``model``: "containers")

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "?")


def dig(data: Any, path: JsonPath) -> Any:
    """Follow ``path`` through dicts and lists; ``None`` where it does not exist."""
    for part in path:
        if isinstance(part, int) and isinstance(data, list) and -len(data) <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


def _expand(data: Any, path: tuple[str, ...], at: JsonPath = ()) -> Iterator[tuple[Any, JsonPath]]:
    """Every (value, concrete path) that ``path`` reaches, with :data:`EACH` standing for each list item."""
    if not path:
        yield data, at
        return
    head, rest = path[0], path[1:]
    if head == EACH:
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield from _expand(item, rest, (*at, i))
    elif isinstance(data, dict) and head in data:
        yield from _expand(data[head], rest, (*at, head))


T = TypeVar("T")
#: Views of objects computed during one :func:`shared_views` block, by ``id`` of the data they read (the
#: data is held too, so the ``id`` cannot be reused while the block lasts); ``None`` outside a block.
_views: dict[int, tuple[Any, dict[Any, Any]]] | None = None


@contextmanager
def shared_views() -> Iterator[None]:
    """Within the block, each object's pods and containers (and what :func:`view` is asked for) are worked
    out once, not once per rule: a run's rules only read the objects, so the answers cannot change."""
    global _views
    outer = _views
    if outer is None:
        _views = {}
    try:
        yield
    finally:
        if outer is None:
            _views = None


def view(data: Any, name: Any, compute: Callable[[], T]) -> T:
    """``compute()``, remembered for ``data`` under ``name`` inside a :func:`shared_views` block."""
    if _views is None:
        return compute()
    entry = _views.get(id(data))
    if entry is None or entry[0] is not data:
        entry = _views[id(data)] = (data, {})
    found = entry[1]
    if name not in found:
        found[name] = compute()
    return found[name]


def pod_specs(m: Manifest) -> Iterator[PodSpec]:
    return iter(view(m.data, "pod_specs", lambda: tuple(_pod_specs(m))))


def _pod_specs(m: Manifest) -> Iterator[PodSpec]:
    for site in POD_SPEC_PATHS.get(m.kind, ()):
        for spec, path in _expand(m.data, site.path):
            if isinstance(spec, dict):
                yield PodSpec(spec, path, site.role, site.single)


def pod_containers(pod: PodSpec, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[Container]:
    """The containers of one pod spec; a KServe predictor's ``model`` counts as a regular container."""
    for list_name in lists:
        items = pod.spec.get(list_name)
        if isinstance(items, list):
            for i, c in enumerate(items):
                if isinstance(c, dict):
                    yield Container(c, (*pod.path, list_name, i), pod, list_name)
        if list_name == "containers":
            for key in pod.single:
                c = pod.spec.get(key)
                if isinstance(c, dict):
                    yield Container(c, (*pod.path, key), pod, list_name)


def containers(m: Manifest, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[Container]:
    return iter(view(m.data, ("containers", lists),
                     lambda: tuple(c for pod in pod_specs(m) for c in pod_containers(pod, lists))))
