"""Autoscalers: one per target, current vLLM metrics and KEDA fields, and the per-environment GPU budget."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from gpu_cases import manifests, messages, rule_ids, serving

from inferops.policy import EnvironmentPolicy, Policy
from inferops.rules.base import Context, run_rules

HPA = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: llama, namespace: serving}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: llama}
  minReplicas: 1
  maxReplicas: 3
  metrics:
    - type: Pods
      pods:
        metric: {name: METRIC}
        target: {type: AverageValue, averageValue: "5"}
"""

SCALED_OBJECT = """
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: llama, namespace: serving}
spec:
  scaleTargetRef: {name: llama}
  minReplicaCount: 1
  maxReplicaCount: 4
  triggers:
    - type: prometheus
      metadata:
        serverAddress: http://prometheus.monitoring:9090
        query: sum(METRIC{namespace="serving"})
        threshold: "5"
"""


def test_hpa_and_scaled_object_on_one_target_is_an_error() -> None:
    hpa = HPA.replace("METRIC", "vllm:num_requests_waiting")
    keda = SCALED_OBJECT.replace("METRIC", "vllm:num_requests_waiting")
    assert messages("gpu-autoscaler-conflict", serving(), hpa, keda) == [
        "HPA llama and ScaledObject llama both scale Deployment/llama; they fight over the replica count and KEDA "
        "refuses to adopt an existing HPA"]


def test_autoscalers_of_different_targets_or_namespaces_pass() -> None:
    hpa = HPA.replace("METRIC", "vllm:num_requests_waiting")
    keda = SCALED_OBJECT.replace("METRIC", "vllm:num_requests_waiting")
    assert "gpu-autoscaler-conflict" not in rule_ids(hpa, keda.replace("name: llama}", "name: other}"))
    assert "gpu-autoscaler-conflict" not in rule_ids(hpa, keda.replace("namespace: serving", "namespace: other"))


def test_deprecated_vllm_metric_in_hpa_is_a_warning() -> None:
    hpa = HPA.replace("METRIC", "prometheus.googleapis.com|vllm:gpu_cache_usage_perc|gauge")
    assert messages("gpu-deprecated-metric", hpa) == [
        "vllm:gpu_cache_usage_perc is deprecated in vLLM and removed in later releases; use vllm:kv_cache_usage_perc"]


def test_deprecated_vllm_metric_in_keda_query_is_a_warning() -> None:
    assert rule_ids(SCALED_OBJECT.replace("METRIC", "vllm:gpu_prefix_cache_hits_total")) == ["gpu-deprecated-metric"]


def test_current_vllm_metrics_pass() -> None:
    assert rule_ids(HPA.replace("METRIC", "vllm:num_requests_waiting")) == []
    assert rule_ids(SCALED_OBJECT.replace("METRIC", "vllm:kv_cache_usage_perc")) == []


def test_keda_metric_name_is_a_warning() -> None:
    keda = yaml.safe_load(SCALED_OBJECT.replace("METRIC", "vllm:num_requests_waiting"))
    keda["spec"]["triggers"][0]["metadata"]["metricName"] = "vllm:num_requests_waiting"
    assert messages("gpu-keda-metric-name", keda) == [
        "trigger 0 (prometheus) sets metricName, which current KEDA rejects"]


@pytest.mark.parametrize("trigger_type", ["azure-monitor", "aws-cloudwatch"])
def test_keda_metric_name_is_not_flagged_where_it_names_the_source_metric(trigger_type: str) -> None:
    """Azure Monitor and CloudWatch triggers read the metric metricName names; KEDA still requires it."""
    keda = yaml.safe_load(SCALED_OBJECT.replace("METRIC", "vllm:num_requests_waiting"))
    keda["spec"]["triggers"] = [{"type": trigger_type, "metadata": {
        "metricName": "kube_pod_status_ready", "targetValue": "1", "resourceURI": "x/y/z",
        "tenantId": "t", "subscriptionId": "s", "resourceGroupName": "g"}}]
    assert messages("gpu-keda-metric-name", keda) == []


def _in_env(obj: str | dict[str, Any], env: str) -> dict[str, Any]:
    data = yaml.safe_load(obj) if isinstance(obj, str) else obj
    data["metadata"].setdefault("labels", {})["inferops.io/environment"] = env
    return data


def _budget(budget: int) -> Policy:
    return Policy(environments={"prod": EnvironmentPolicy(gpu_budget=budget)})


def test_scale_out_over_the_gpu_budget_is_an_error() -> None:
    hpa = _in_env(HPA.replace("METRIC", "vllm:num_requests_waiting"), "prod")
    assert messages("gpu-budget", _in_env(serving(), "prod"), hpa, policy=_budget(4)) == [
        "environment prod can scale out to 6 GPUs, over its budget of 4: "
        "Deployment/serving/llama 3 (HorizontalPodAutoscaler llama max) × 2 GPU(s)"]
    assert "gpu-budget" not in rule_ids(_in_env(serving(), "prod"), hpa, policy=_budget(6))


def test_keda_without_max_counts_its_default_of_100() -> None:
    keda = yaml.safe_load(SCALED_OBJECT.replace("METRIC", "vllm:num_requests_waiting"))
    del keda["spec"]["maxReplicaCount"]
    found = messages("gpu-budget", _in_env(serving(), "prod"), _in_env(keda, "prod"), policy=_budget(16))
    assert found == ["environment prod can scale out to 200 GPUs, over its budget of 16: "
                     "Deployment/serving/llama 100 (ScaledObject llama max) × 2 GPU(s)"]


def test_budget_sums_workloads_and_counts_each_object_once() -> None:
    second = serving()
    second["metadata"]["name"] = "gemma"
    objects = [_in_env(serving(), "prod"), _in_env(serving(), "prod"), _in_env(second, "prod"),
               _in_env(serving(), "dev")]
    assert messages("gpu-budget", *objects, policy=_budget(3)) == [
        "environment prod can scale out to 4 GPUs, over its budget of 3: "
        "Deployment/serving/llama 1 (replicas) × 2 GPU(s); Deployment/serving/gemma 1 (replicas) × 2 GPU(s)"]


def test_environment_comes_from_the_overlay_path() -> None:
    hpa = HPA.replace("METRIC", "vllm:num_requests_waiting")
    objects = manifests(serving(), hpa, file="deploy/overlays/prod/kustomization.yaml")
    found = [f.rule_id for f in run_rules(objects, Context(_budget(4)), ["gpu"]) if f.rule_id == "gpu-budget"]
    assert found == ["gpu-budget"]


def test_no_budget_or_no_environment_is_not_judged() -> None:
    hpa = HPA.replace("METRIC", "vllm:num_requests_waiting")
    assert "gpu-budget" not in rule_ids(_in_env(serving(), "prod"), _in_env(hpa, "prod"))
    assert "gpu-budget" not in rule_ids(serving(), hpa, policy=_budget(0))
