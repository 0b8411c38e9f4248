"""Workload hygiene guardrails: resources-missing, probes-missing, required-labels."""

from __future__ import annotations

import pytest
from guardrail_cases import ids, pod, run, server, workload

from inferops.policy import Policy


@pytest.mark.parametrize(("section", "key"), [("requests", "cpu"), ("requests", "memory"), ("limits", "memory")])
def test_each_missing_resource_is_reported(section: str, key: str) -> None:
    data = workload()
    del server(data)["resources"][section][key]
    findings = run([data])
    assert [f.rule_id for f in findings] == ["resources-missing"]
    assert f"{section}.{key}" in findings[0].message
    assert findings[0].severity.value == "warning"


def test_init_containers_need_resources_too() -> None:
    data = workload()
    del pod(data)["initContainers"][0]["resources"]
    findings = run([data])
    assert [f.rule_id for f in findings] == ["resources-missing"]
    assert "requests.cpu, requests.memory, limits.memory" in findings[0].message


def test_ephemeral_containers_cannot_have_resources_and_are_not_asked_for_them() -> None:
    data = workload()
    pod(data)["ephemeralContainers"] = [{
        "name": "debug", "image": "docker.io/library/busybox:1.36",
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }]
    assert ids([data]) == []


@pytest.mark.parametrize("probe", ["readinessProbe", "livenessProbe", "startupProbe"])
def test_any_one_probe_is_enough(probe: str) -> None:
    data = workload()
    server(data)[probe] = server(data).pop("readinessProbe")
    assert ids([data]) == []


def test_container_without_probes_is_reported() -> None:
    data = workload()
    del server(data)["readinessProbe"]
    findings = run([data])
    assert [f.rule_id for f in findings] == ["probes-missing"]
    assert "container server" in findings[0].message


def test_jobs_need_no_probes() -> None:
    data = workload()
    del server(data)["readinessProbe"]
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": data["metadata"],
           "spec": {"template": {"spec": {**pod(data), "restartPolicy": "Never"}}}}
    assert ids([job]) == []


def test_required_labels_default_to_the_app_name() -> None:
    data = workload()
    del data["metadata"]["labels"]
    findings = run([data])
    assert [f.rule_id for f in findings] == ["required-labels"]
    assert "app.kubernetes.io/name" in findings[0].message


def test_required_labels_come_from_the_policy() -> None:
    policy = Policy(required_labels=["app.kubernetes.io/name", "app.kubernetes.io/part-of", "team"])
    findings = run([workload()], policy)
    assert [f.message for f in findings] == ["missing required labels app.kubernetes.io/part-of, team"]


def test_services_need_labels_but_config_maps_do_not() -> None:
    objects = run("""
apiVersion: v1
kind: Service
metadata: {name: llama}
spec: {selector: {app.kubernetes.io/name: llama}, ports: [{port: 80, targetPort: 8000}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast}
""")
    assert [(f.rule_id, f.object) for f in objects] == [("required-labels", "Service/llama")]
