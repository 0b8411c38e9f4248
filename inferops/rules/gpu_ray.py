"""Ray Serve LLM on KubeRay: the GPUs the model replicas of a RayService need against the GPUs its Ray
cluster can offer.

A RayService's ``serveConfigV2`` (a YAML text) lists Serve applications; ``ray.serve.llm`` applications
carry ``llm_configs`` (``build_openai_app``) or one ``llm_config`` (``build_llm_deployment``). One model
replica requests ``tensor_parallel_size × pipeline_parallel_size`` GPUs from its ``engine_kwargs``
(docs.ray.io serve/llm/user-guides/cross-node-parallelism; serve/llm/user-guides/tpu: "Ray Serve LLM uses
tensor_parallel_size * pipeline_parallel_size as the number of ... chips that one model replica requests"),
placed as a placement group that may spread over nodes (PACK by default). Replicas come from the
``deployment_config``: ``num_replicas`` (Serve's default 1) or ``autoscaling_config.min_replicas`` /
``max_replicas`` (``num_replicas: auto`` starts at 1).

A Ray node offers the GPUs of ``rayStartParams.num-gpus``, else its container's GPU limit (KubeRay
ray-operator/controllers/ray/common/pod.go: ``num-gpus`` is set from the limit only when absent); a group's
``resources`` overrides both (KubeRay raycluster_types.go ``Resources``). The cluster can grow to
``maxReplicas × numOfHosts`` pods per worker group with ``enableInTreeAutoscaling``, else it stays at
``replicas``.

A serve config that is not plain YAML (or not a mapping) is not judged: its text is untrusted and only read
by the project's bounded parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from inferops.rules.base import Context, Violation, rule
from inferops.rules.gpu_facts import is_gpu_device, parse_quantity, whole_number
from inferops.rules.gpu_pods import pod_gpus
from inferops.rules.workloads import dig, pod_specs
from inferops.shapes import as_list, as_mapping
from inferops.validate.findings import Severity
from inferops.validate.manifest import JsonPath, Manifest

FAMILY = "gpu"
SERVE_CONFIG: JsonPath = ("spec", "serveConfigV2")
#: A worker group's ``maxReplicas`` default (KubeRay raycluster_types.go: ``+kubebuilder:default:=2147483647``);
#: ``replicas`` defaults to 0 and ``numOfHosts`` to 1.
MAX_INT32 = 2**31 - 1


@dataclass(frozen=True, slots=True)
class LlmDeployment:
    """One Ray Serve LLM model: its id, GPUs per replica and the replicas it starts with and may reach."""

    model: str
    gpus_per_replica: int
    min_replicas: int
    max_replicas: int


def serve_config(m: Manifest) -> dict[str, Any] | None:
    """The parsed ``serveConfigV2`` of a RayService, or ``None`` when absent or not plain YAML."""
    text = dig(m.data, SERVE_CONFIG)
    if m.kind != "RayService" or not isinstance(text, str):
        return None
    return _parsed(text)


@lru_cache(maxsize=32)
def _parsed(text: str) -> dict[str, Any] | None:
    """Parsed once for the rules that read it (callers only read the result)."""
    from inferops.validate.limits import DEFAULT_LIMITS, document_starts, text_over_limits
    from inferops.validate.native_yaml import load_native

    markers = document_starts(text)
    if text_over_limits(text, markers, DEFAULT_LIMITS) is not None:
        return None
    loaded = load_native(text, markers, strict=False)
    return loaded[0][0] if loaded and len(loaded) == 1 and isinstance(loaded[0][0], dict) else None


def llm_deployments(config: dict[str, Any]) -> Iterator[LlmDeployment]:
    """Every LLM model of every application of a serve config."""
    for app in as_list(config.get("applications")):
        args = as_mapping(as_mapping(app).get("args"))
        for llm in [*as_list(args.get("llm_configs")), args.get("llm_config")]:
            if isinstance(llm, dict):
                found = _deployment(llm)
                if found is not None:
                    yield found


def _deployment(llm: dict[str, Any]) -> LlmDeployment | None:
    engine = as_mapping(llm.get("engine_kwargs"))
    if str(engine.get("device") or "").lower() == "cpu":
        return None
    tensor, pipeline = (_size(engine.get(key)) for key in ("tensor_parallel_size", "pipeline_parallel_size"))
    deployment = as_mapping(llm.get("deployment_config"))
    autoscaling = as_mapping(deployment.get("autoscaling_config"))
    if deployment.get("num_replicas") not in (None, "auto"):
        low = high = _size(deployment.get("num_replicas"))
    else:
        low = _size(autoscaling.get("min_replicas"))
        high = _size(autoscaling.get("max_replicas"), default=low or 1)
    if tensor is None or pipeline is None or low is None or high is None:
        return None  # a value we cannot read: nothing is concluded
    model = as_mapping(llm.get("model_loading_config"))
    name = str(model.get("model_id") or model.get("model_source") or "model")
    return LlmDeployment(name, tensor * pipeline, low, max(low, high))


def _size(value: Any, default: int = 1) -> int | None:
    if value is None:
        return default
    number = value if isinstance(value, int) and not isinstance(value, bool) else whole_number(str(value))
    return number if number is not None and number >= 0 else None


def cluster_gpus(m: Manifest, *, grown: bool) -> int:
    """GPUs the Ray cluster of a RayService offers to Ray: at its declared size, or (``grown``) at the
    largest size its autoscaler may reach."""
    autoscaling = dig(m.data, ("spec", "rayClusterConfig", "enableInTreeAutoscaling")) is True
    total = 0
    for pod in pod_specs(m):
        group = as_mapping(dig(m.data, pod.path[:-2]))  # headGroupSpec, or workerGroupSpecs/<i>
        gpus = _ray_gpus(group, pod_gpus(pod))
        if pod.role == "head":
            total += gpus
        elif pod.role == "worker":
            replicas = _size(group.get("replicas"), default=0) or 0
            if grown and autoscaling:
                replicas = _size(group.get("maxReplicas"), default=MAX_INT32) or 0
            total += replicas * (_size(group.get("numOfHosts")) or 1) * gpus
    return total


def _ray_gpus(group: dict[str, Any], container_gpus: int) -> int:
    for name, quantity in as_mapping(group.get("resources")).items():
        if str(name).lower().endswith("gpu") or is_gpu_device(str(name).lower()):  # KubeRay IsGPUResourceKey
            return int(parse_quantity(quantity) or 0)
    declared = as_mapping(group.get("rayStartParams")).get("num-gpus")
    if declared is not None:
        return int(parse_quantity(declared) or 0)
    return container_gpus


def _shortfall(m: Manifest, which: str) -> tuple[str, int, int] | None:
    """When the replicas ``which`` names (``min_replicas`` or ``max_replicas``) of every LLM model need more
    GPUs than the Ray cluster offers at its largest: (how they add up, GPUs wanted, GPUs offered)."""
    config = serve_config(m)
    deployments = list(llm_deployments(config)) if config is not None else []
    wanted = sum(getattr(d, which) * d.gpus_per_replica for d in deployments)
    offered = cluster_gpus(m, grown=True) if deployments else 0
    if not deployments or wanted <= offered:
        return None
    return " + ".join(f"{getattr(d, which)} × {d.gpus_per_replica} GPU(s) for {d.model}" for d in deployments), \
        wanted, offered


@rule("ray-llm-gpus-insufficient", family=FAMILY, severity=Severity.ERROR,
      summary="The Ray cluster of a RayService cannot offer the GPUs its Ray Serve LLM replicas start with.",
      hint="give the worker group more GPUs or replicas (maxReplicas with autoscaling), or lower min_replicas, "
           "tensor_parallel_size or pipeline_parallel_size")
def gpus_insufficient(m: Manifest, ctx: Context) -> Iterator[Violation]:
    short = _shortfall(m, "min_replicas")
    if short is not None:
        described, wanted, offered = short
        yield Violation(f"RayService {m.name} starts {described} = {wanted} GPUs, but its Ray cluster offers at most "
                        f"{offered}; the replicas' placement groups never schedule and the application never becomes "
                        "healthy", SERVE_CONFIG)


@rule("ray-llm-max-replicas-unreachable", family=FAMILY, severity=Severity.WARNING,
      summary="Ray Serve LLM autoscaling allows more replicas than the Ray cluster has GPUs for.",
      hint="raise the worker group's maxReplicas (and enableInTreeAutoscaling), or lower max_replicas to what fits")
def max_replicas_unreachable(m: Manifest, ctx: Context) -> Iterator[Violation]:
    short = _shortfall(m, "max_replicas")
    if short is not None and _shortfall(m, "min_replicas") is None:  # else the error above says it
        described, wanted, offered = short
        yield Violation(f"RayService {m.name} may scale to {described} = {wanted} GPUs, but its Ray cluster offers "
                        f"at most {offered}; replicas beyond that stay pending", SERVE_CONFIG)
