"""Autoscaling of GPU workloads: one autoscaler per target, current vLLM metrics, current KEDA fields, and
the per-environment GPU budget at full scale-out (gpu-serving-facts.md #24-27, policy ``gpu_budget``)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from inferops.rules.base import Context, Violation, rule
from inferops.rules.gpu_facts import DEPRECATED_VLLM_METRICS
from inferops.rules.gpu_pods import gpus_per_replica
from inferops.rules.workloads import POD_SPEC_PATHS, dig
from inferops.shapes import as_list
from inferops.validate.findings import Severity
from inferops.validate.manifest import JsonPath, Manifest

FAMILY = "gpu"
HPA = "HorizontalPodAutoscaler"
SCALED_OBJECT = "ScaledObject"
#: KEDA's default maxReplicaCount (keda-docs reference/scaledobject-spec.md).
KEDA_DEFAULT_MAX = 100
#: Trigger types whose ``metadata.metricName`` names the metric to read, not the HPA metric, so it is
#: required, not deprecated: Azure Monitor (kedacore/keda#4713, keda-docs#1152) and AWS CloudWatch
#: (keda.sh/docs/2.15/scalers/aws-cloudwatch: "metricName: ApproximateNumberOfMessagesVisible").
METRIC_NAME_IS_SOURCE = frozenset({"azure-monitor", "aws-cloudwatch"})
#: Workload kinds whose replica count we can read; DaemonSets scale with nodes and are left out.
_REPLICATED = ("Deployment", "StatefulSet", "ReplicaSet", "LeaderWorkerSet", "Pod", "Job", "CronJob", "Rollout",
               "RayCluster", "RayService", "RayJob", "InferenceService", "LLMInferenceService")
#: Where a kind keeps its replica count at full scale-out (``spec.replicas`` unless listed; a Ray cluster's
#: GPUs are counted over its worker groups, so it is one replica; KServe scales a predictor up to maxReplicas).
_REPLICA_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Job": (("spec", "parallelism"),),
    "CronJob": (("spec", "jobTemplate", "spec", "parallelism"),),
    "InferenceService": (("spec", "predictor", "maxReplicas"), ("spec", "predictor", "minReplicas")),
    "RayCluster": (), "RayService": (), "RayJob": (),
}


@dataclass(frozen=True, slots=True)
class Target:
    """What an autoscaler scales: (environment, namespace, kind, name)."""

    environment: str | None
    namespace: str | None
    kind: str
    name: str


def _autoscaler_target(m: Manifest) -> Target | None:
    ref = dig(m.data, ("spec", "scaleTargetRef"))
    if m.kind not in (HPA, SCALED_OBJECT) or not isinstance(ref, dict) or not ref.get("name"):
        return None
    return Target(m.environment, m.namespace, str(ref.get("kind") or "Deployment"), str(ref["name"]))


def _max_replicas(m: Manifest) -> tuple[int, JsonPath]:
    if m.kind == HPA:
        value = dig(m.data, ("spec", "maxReplicas"))
        return (value if isinstance(value, int) else 1), ("spec", "maxReplicas")
    value = dig(m.data, ("spec", "maxReplicaCount"))
    return (value if isinstance(value, int) else KEDA_DEFAULT_MAX), ("spec", "maxReplicaCount")


@rule("gpu-autoscaler-conflict", family=FAMILY, severity=Severity.ERROR, scope="all",
      summary="A HorizontalPodAutoscaler and a KEDA ScaledObject scale the same workload.",
      hint="keep one autoscaler: let the ScaledObject own the HPA (KEDA creates it) and delete the other")
def autoscaler_conflict(manifests: Sequence[Manifest], ctx: Context) -> Iterator[Violation]:
    scaled = {t: m for m in manifests if m.kind == SCALED_OBJECT and (t := _autoscaler_target(m))}
    for m in manifests:
        target = _autoscaler_target(m) if m.kind == HPA else None
        other = scaled.get(target) if target else None
        if target and other:
            yield Violation(f"HPA {m.name} and ScaledObject {other.name} both scale {target.kind}/{target.name}; "
                            "they fight over the replica count and KEDA refuses to adopt an existing HPA",
                            ("spec", "scaleTargetRef"), manifest=m)


def _metric_texts(m: Manifest) -> Iterator[tuple[str, JsonPath]]:
    """Metric names of an HPA and queries/metric names of a KEDA ScaledObject's triggers."""
    if m.kind == HPA:
        metrics = dig(m.data, ("spec", "metrics"))
        for i, metric in enumerate(as_list(metrics)):
            for source in ("pods", "object", "external"):
                name = dig(metric, (source, "metric", "name"))
                if name:
                    yield str(name), ("spec", "metrics", i, source, "metric", "name")
    elif m.kind == SCALED_OBJECT:
        for i, trigger in enumerate(triggers(m)):
            metadata = trigger.get("metadata")
            for key, value in metadata.items() if isinstance(metadata, dict) else ():
                if key in ("query", "metricName"):
                    yield str(value), ("spec", "triggers", i, "metadata", key)


def triggers(m: Manifest) -> list[dict[str, object]]:
    triggers = dig(m.data, ("spec", "triggers"))
    return [t for t in triggers if isinstance(t, dict)] if isinstance(triggers, list) else []


_DEPRECATED = {old: re.compile(re.escape(old).replace(":", "[:_]") + r"(?:_total)?(?![a-z_])")
               for old in DEPRECATED_VLLM_METRICS}


@rule("gpu-deprecated-metric", family=FAMILY, severity=Severity.WARNING,
      summary="An autoscaler uses a vLLM metric that current vLLM no longer exports (e.g. vllm:gpu_cache_usage_perc).",
      hint="scale on vllm:num_requests_waiting, or vllm:kv_cache_usage_perc instead of vllm:gpu_cache_usage_perc")
def deprecated_metric(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for text, path in _metric_texts(m):
        for old, pattern in _DEPRECATED.items():
            if pattern.search(text):
                yield Violation(f"{old} is deprecated in vLLM and removed in later releases; use "
                                f"{DEPRECATED_VLLM_METRICS[old]}", path)


@rule("gpu-keda-metric-name", family=FAMILY, severity=Severity.WARNING,
      summary="A KEDA trigger sets metadata.metricName, deprecated in KEDA 2.10 and removed in 2.12.",
      hint="delete metadata.metricName; KEDA names the metric itself (s<index>-<scaler>)")
def keda_metric_name(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if m.kind != SCALED_OBJECT:
        return
    for i, trigger in enumerate(triggers(m)):
        metadata = trigger.get("metadata")
        if trigger.get("type") in METRIC_NAME_IS_SOURCE:
            continue
        if isinstance(metadata, dict) and "metricName" in metadata:
            yield Violation(f"trigger {i} ({trigger.get('type')}) sets metricName, which current KEDA rejects",
                            ("spec", "triggers", i, "metadata", "metricName"))


@dataclass(frozen=True, slots=True)
class Usage:
    workload: Manifest
    replicas: int
    gpus_per_replica: int
    scaler: Manifest | None

    @property
    def gpus(self) -> int:
        return self.replicas * self.gpus_per_replica

    def describe(self) -> str:
        source = f"{self.scaler.kind} {self.scaler.name} max" if self.scaler else "replicas"
        return f"{self.workload.ref} {self.replicas} ({source}) × {self.gpus_per_replica} GPU(s)"


def _replicas(m: Manifest) -> int:
    if m.kind == "Pod":
        return 1
    for path in _REPLICA_PATHS.get(m.kind, (("spec", "replicas"),)):
        value = dig(m.data, path)
        if isinstance(value, int) and value >= 0:
            return value
    return 1


def _usages(manifests: Sequence[Manifest]) -> dict[str | None, list[Usage]]:
    """GPU use at full scale-out per environment; each (environment, kind, namespace, name) counted once."""
    scalers: dict[Target, Manifest] = {}
    for m in manifests:
        target = _autoscaler_target(m)
        if target and (target not in scalers or _max_replicas(m)[0] > _max_replicas(scalers[target])[0]):
            scalers[target] = m
    seen: set[Target] = set()
    result: dict[str | None, list[Usage]] = {}
    for m in manifests:
        if m.kind not in _REPLICATED or m.kind not in POD_SPEC_PATHS:
            continue
        key = Target(m.environment, m.namespace, m.kind, m.name)
        per_replica = gpus_per_replica(m)
        if key in seen or per_replica == 0:
            continue
        seen.add(key)
        scaler = scalers.get(key)
        replicas = _max_replicas(scaler)[0] if scaler else _replicas(m)
        result.setdefault(m.environment, []).append(Usage(m, replicas, per_replica, scaler))
    return result


@rule("gpu-budget", family=FAMILY, severity=Severity.ERROR, scope="all",
      summary="An environment's workloads can scale out to more GPUs than its gpu_budget in the policy file.",
      hint="lower maxReplicas / maxReplicaCount or GPUs per pod, or raise environments.<env>.gpu_budget")
def gpu_budget(manifests: Sequence[Manifest], ctx: Context) -> Iterator[Violation]:
    for environment, usages in sorted(_usages(manifests).items(), key=lambda item: str(item[0])):
        budget = ctx.policy.environment(environment).gpu_budget
        total = sum(u.gpus for u in usages)
        if environment is None or budget is None or total <= budget:
            continue
        largest = max(usages, key=lambda u: u.gpus)
        parts = "; ".join(u.describe() for u in sorted(usages, key=lambda u: -u.gpus))
        anchor = largest.scaler or largest.workload
        path = _max_replicas(anchor)[1] if largest.scaler else ("spec",)
        yield Violation(f"environment {environment} can scale out to {total} GPUs, over its budget of {budget}: "
                        f"{parts}", path, manifest=anchor)
