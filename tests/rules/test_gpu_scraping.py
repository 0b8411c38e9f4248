"""gpu-metric-not-scraped: an autoscaler on a Prometheus metric whose pods nothing scrapes, and the ways of
scraping them that make it silent (ServiceMonitor through a Service, PodMonitor, namespaceSelector, the
prometheus.io/scrape annotation)."""

from __future__ import annotations

from typing import Any

import pytest
from gpu_cases import manifests, serving
from test_gpu_autoscaling import HPA as HPA_TEMPLATE
from test_gpu_autoscaling import SCALED_OBJECT as SCALED_OBJECT_TEMPLATE

from inferops.rules.base import Context, run_rules
from inferops.rules.gpu_scraping import selects

SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: llama, namespace: serving, labels: {app.kubernetes.io/name: llama}}
spec:
  selector: {app.kubernetes.io/name: llama}
  ports: [{name: http, port: 8000}]
"""
METRIC = "vllm:num_requests_waiting"
SCALED_OBJECT = SCALED_OBJECT_TEMPLATE.replace("METRIC", METRIC)
HPA = HPA_TEMPLATE.replace("METRIC", METRIC)
SERVICE_MONITOR = """
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: llama, namespace: NAMESPACE, labels: {release: kube-prometheus-stack}}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: llama}}
  endpoints: [{port: http, path: /metrics}]
"""
POD_MONITOR = """
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: {name: llama, namespace: serving}
spec:
  selector:
    matchExpressions: [{key: app.kubernetes.io/name, operator: In, values: [llama]}]
  podMetricsEndpoints: [{port: http}]
"""


def scraped_findings(*docs: str) -> list[str]:
    return [f.message for f in run_rules(manifests(*docs), Context(), ["gpu"]) if f.rule_id == "gpu-metric-not-scraped"]


def workload() -> dict[str, Any]:
    """The all-passing vLLM Deployment (pods labelled app.kubernetes.io/name: llama), left to the autoscaler."""
    deployment = serving()
    del deployment["spec"]["replicas"]
    return deployment


@pytest.mark.parametrize("autoscaler", [SCALED_OBJECT, HPA])
def test_an_autoscaler_on_an_unscraped_metric_is_an_error(autoscaler: str) -> None:
    (message,) = scraped_findings(workload(), SERVICE, autoscaler)
    assert "Deployment llama" in message and "vllm:num_requests_waiting" in message


@pytest.mark.parametrize("autoscaler", [SCALED_OBJECT, HPA])
def test_a_servicemonitor_on_the_service_in_front_of_the_pods_fixes_it(autoscaler: str) -> None:
    assert scraped_findings(workload(), SERVICE, autoscaler, SERVICE_MONITOR.replace("NAMESPACE", "serving")) == []


def test_a_podmonitor_selecting_the_pods_fixes_it() -> None:
    assert scraped_findings(workload(), SCALED_OBJECT, POD_MONITOR) == []


def test_a_monitor_in_another_namespace_reaches_the_pods_only_through_its_namespace_selector() -> None:
    elsewhere = SERVICE_MONITOR.replace("NAMESPACE", "monitoring")
    assert len(scraped_findings(workload(), SERVICE, SCALED_OBJECT, elsewhere)) == 1
    selected = elsewhere.replace("spec:\n", "spec:\n  namespaceSelector: {matchNames: [serving]}\n")
    assert scraped_findings(workload(), SERVICE, SCALED_OBJECT, selected) == []


def test_a_monitor_selecting_other_pods_does_not_count() -> None:
    other = SERVICE_MONITOR.replace("NAMESPACE", "serving").replace("{app.kubernetes.io/name: llama}}",
                                                                     "{app.kubernetes.io/name: qwen}}")
    assert len(scraped_findings(workload(), SERVICE, SCALED_OBJECT, other)) == 1


def test_annotation_driven_scraping_counts() -> None:
    annotated = workload()
    annotated["spec"]["template"]["metadata"]["annotations"] = {"prometheus.io/scrape": "true"}
    assert scraped_findings(annotated, SCALED_OBJECT) == []


def test_autoscalers_on_other_inputs_or_without_a_known_workload_are_not_judged() -> None:
    cpu = SCALED_OBJECT.replace("type: prometheus", "type: cpu")
    assert scraped_findings(workload(), cpu) == []
    assert scraped_findings(SCALED_OBJECT) == []


@pytest.mark.parametrize(("selector", "labels", "expected"), [
    ({}, {"a": "1"}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
    ({"matchLabels": {"a": "1"}}, {"b": "2"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {"a": "1"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": "x"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": "x"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Near"}]}, {"a": "x"}, False),
    (None, {"a": "1"}, False),
])
def test_label_selectors(selector: object, labels: dict[str, str], expected: bool) -> None:
    assert selects(selector, labels) is expected
