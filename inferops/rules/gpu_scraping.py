"""An autoscaler on a Prometheus metric needs something that makes Prometheus scrape the pods it scales.

Without a ServiceMonitor or PodMonitor (Prometheus Operator) selecting the pods, or the conventional
``prometheus.io/scrape`` pod annotation for an annotation-driven scrape config, the queue-depth series does
not exist: KEDA's Prometheus scaler then reads 0 by default (``ignoreNullValues`` defaults to true,
kedacore/keda pkg/scalers/prometheus_scaler.go) and the HPA's custom metric is missing, so the model never
scales out. Selectors are matched like Kubernetes label selectors (matchLabels, matchExpressions); a monitor
reaches pods of its own namespace unless ``spec.namespaceSelector`` says otherwise (prometheus-operator
Documentation/api-reference: ServiceMonitorSpec, PodMonitorSpec, NamespaceSelector).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from inferops.rules.base import Context, Violation, rule
from inferops.rules.gpu_autoscaling import HPA, SCALED_OBJECT, triggers
from inferops.rules.workloads import POD_SPEC_PATHS, dig, pod_specs
from inferops.shapes import as_list, as_mapping
from inferops.validate.findings import Severity
from inferops.validate.manifest import JsonPath, Manifest

MONITORING_GROUP = "monitoring.coreos.com"
SCRAPE_ANNOTATION = "prometheus.io/scrape"
#: Metric-name prefixes of the serving runtimes' Prometheus metrics; an HPA metric named so is read from
#: Prometheus through an adapter (vLLM ``vllm:``, TGI ``tgi_``).
PROMETHEUS_METRIC_PREFIXES = ("vllm:", "vllm_", "tgi_")


def _prometheus_inputs(m: Manifest) -> Iterator[tuple[str, JsonPath]]:
    """What the autoscaler reads from Prometheus: KEDA prometheus triggers, HPA runtime metrics."""
    if m.kind == SCALED_OBJECT:
        for i, trigger in enumerate(triggers(m)):
            if trigger.get("type") == "prometheus":
                query = as_mapping(trigger.get("metadata")).get("query")
                yield str(query or "its query"), ("spec", "triggers", i)
    elif m.kind == HPA:
        for i, metric in enumerate(as_list(dig(m.data, ("spec", "metrics")))):
            for source in ("pods", "object"):
                name = dig(metric, (source, "metric", "name"))
                if isinstance(name, str) and name.startswith(PROMETHEUS_METRIC_PREFIXES):
                    yield name, ("spec", "metrics", i)


def _workload(autoscaler: Manifest, manifests: Sequence[Manifest]) -> Manifest | None:
    ref = as_mapping(dig(autoscaler.data, ("spec", "scaleTargetRef")))
    kind = str(ref.get("kind") or "Deployment")
    for m in manifests:
        if (m.kind == kind and m.name == ref.get("name") and m.namespace == autoscaler.namespace
                and m.environment == autoscaler.environment and m.kind in POD_SPEC_PATHS):
            return m
    return None


def _pod_template(workload: Manifest) -> dict[str, Any]:
    """The metadata of the workload's (first) pod template: the labels its pods carry."""
    pod = next(pod_specs(workload), None)
    return as_mapping(dig(workload.data, (*pod.path[:-1], "metadata"))) if pod is not None else {}


def selects(selector: Any, labels: dict[str, Any]) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) against ``labels``; an empty
    selector selects everything, a missing or malformed one nothing."""
    if not isinstance(selector, dict):
        return False
    for key, value in as_mapping(selector.get("matchLabels")).items():
        if key not in labels or str(labels[key]) != str(value):
            return False
    for expression in as_list(selector.get("matchExpressions")):
        if not isinstance(expression, dict) or not isinstance(expression.get("key"), str):
            return False
        name, operator = expression["key"], expression.get("operator")
        values = [str(v) for v in as_list(expression.get("values"))]
        present = name in labels
        if operator == "In" and not (present and str(labels[name]) in values):
            return False
        if operator == "NotIn" and present and str(labels[name]) in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def _reaches(monitor: Manifest, namespace: str | None) -> bool:
    """Whether a monitor looks for targets in ``namespace`` (its own, unless namespaceSelector widens it)."""
    chosen = as_mapping(dig(monitor.data, ("spec", "namespaceSelector")))
    if chosen.get("any") is True:
        return True
    names = chosen.get("matchNames")
    if isinstance(names, list) and names:
        return namespace in [str(n) for n in names]
    return monitor.namespace == namespace


def _scraped(workload: Manifest, manifests: Sequence[Manifest]) -> bool:
    template = _pod_template(workload)
    labels = as_mapping(template.get("labels"))
    if str(as_mapping(template.get("annotations")).get(SCRAPE_ANNOTATION)).lower() == "true":
        return True
    ns, env = workload.namespace, workload.environment
    services = [s for s in manifests if s.kind == "Service" and s.api_version == "v1" and s.namespace == ns
                and s.environment == env and _selects_pods(s, labels)]
    for monitor in manifests:
        if not monitor.api_version.startswith(MONITORING_GROUP + "/") or not _reaches(monitor, ns):
            continue
        if monitor.environment not in (None, env):
            continue
        selector = dig(monitor.data, ("spec", "selector"))
        if monitor.kind == "PodMonitor" and selects(selector, labels):
            return True
        if monitor.kind == "ServiceMonitor" and any(selects(selector, s.labels) for s in services):
            return True
    return False


def _selects_pods(service: Manifest, labels: dict[str, Any]) -> bool:
    selector = dig(service.data, ("spec", "selector"))
    return isinstance(selector, dict) and bool(selector) and selects({"matchLabels": selector}, labels)


@rule(
    "gpu-metric-not-scraped", family="gpu", severity=Severity.ERROR, scope="all",
    summary="An autoscaler scales on a Prometheus metric, but no ServiceMonitor or PodMonitor scrapes its pods.",
    hint="add a ServiceMonitor (or PodMonitor) selecting the workload's Service (or pods), labelled for your Prometheus",
)
def metric_not_scraped(manifests: Sequence[Manifest], ctx: Context) -> Iterator[Violation]:
    for m in manifests:
        if m.kind not in (SCALED_OBJECT, HPA):
            continue
        inputs = list(_prometheus_inputs(m))
        if not inputs:
            continue
        workload = _workload(m, manifests)
        if workload is None or _scraped(workload, manifests):
            continue
        metric, path = inputs[0]
        yield Violation(f"{m.kind} {m.name} scales {workload.kind} {workload.name} on Prometheus ({metric}), but "
                        "no ServiceMonitor or PodMonitor in the repository selects its pods: the series is empty "
                        "and the model never scales out", path, manifest=m)
