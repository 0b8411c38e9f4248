"""GPU rollouts: no surge pod, a startupProbe long enough to load the model, a matching progress deadline."""

from __future__ import annotations

import pytest
from gpu_cases import container, messages, rule_ids, serving


def test_default_rolling_update_is_a_warning() -> None:
    d = serving()
    del d["spec"]["strategy"]
    assert messages("gpu-rollout-surge", d) == [
        "rolling update with maxSurge 25% (the default) starts an extra GPU pod before stopping an old one; without "
        "a spare GPU the rollout stalls Pending"]


@pytest.mark.parametrize("surge", [1, "10%"])
def test_positive_max_surge_is_a_warning(surge: object) -> None:
    d = serving()
    d["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = surge
    assert "gpu-rollout-surge" in rule_ids(d)


@pytest.mark.parametrize("strategy", [{"type": "Recreate"}, {"type": "RollingUpdate", "rollingUpdate": {
    "maxSurge": "0%", "maxUnavailable": 1}}])
def test_recreate_or_zero_surge_passes(strategy: dict[str, object]) -> None:
    d = serving()
    d["spec"]["strategy"] = strategy
    assert "gpu-rollout-surge" not in rule_ids(d)


def test_exemption_annotation_documents_an_exception() -> None:
    d = serving()
    d["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = 1
    d["metadata"]["annotations"] = {"inferops.io/exempt.gpu-rollout-surge": "the pool keeps one spare L4 node"}
    assert rule_ids(d) == []


def test_cpu_deployments_are_not_judged() -> None:
    d = serving()
    del d["spec"]["strategy"]
    container(d)["resources"] = {"limits": {"cpu": "1"}}
    assert rule_ids(d) == []


def test_missing_startup_probe_is_a_warning() -> None:
    d = serving()
    del container(d)["startupProbe"]
    assert messages("gpu-startup-probe", d) == [
        "container vllm serves a model on GPUs but has no startupProbe; liveness and readiness probes then run "
        "(and may kill it) while the weights load"]


def test_short_startup_probe_is_a_warning() -> None:
    d = serving()
    container(d)["startupProbe"] = {"httpGet": {"path": "/health", "port": 8000}, "initialDelaySeconds": 60,
                                    "failureThreshold": 30}
    assert messages("gpu-startup-probe", d) == [
        "container vllm's startupProbe gives up after 360s, less than the 600s a model download and load can take"]


def test_progress_deadline_below_startup_budget_is_a_warning() -> None:
    d = serving()
    del d["spec"]["progressDeadlineSeconds"]
    assert messages("gpu-progress-deadline", d) == [
        "progressDeadlineSeconds 600s (the default) is shorter than the 1800s startup budget; Argo CD marks the "
        "Deployment Degraded while the model still loads"]
    d["spec"]["progressDeadlineSeconds"] = 1800
    assert "gpu-progress-deadline" not in rule_ids(d)


def test_progress_deadline_default_covers_a_ten_minute_probe() -> None:
    d = serving()
    del d["spec"]["progressDeadlineSeconds"]
    container(d)["startupProbe"]["failureThreshold"] = 20
    assert rule_ids(d) == []
