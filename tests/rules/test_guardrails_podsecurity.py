"""Pod Security guardrails: baseline bans and restricted requirements, on containers, init and ephemeral
containers, at pod or container level, in every workload kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from guardrail_cases import ids, pod, run, server, workload

Change = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any, *, where: str = "server") -> Change:
    """Set ``a.b.c`` inside the server container (or the pod spec)."""
    def change(data: dict[str, Any]) -> None:
        node = server(data) if where == "server" else pod(data)
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return change


def _delete(path: str, *, where: str = "server") -> Change:
    def change(data: dict[str, Any]) -> None:
        node = server(data) if where == "server" else pod(data)
        *parents, last = path.split(".")
        for key in parents:
            node = node[key]
        del node[last]
    return change


CASES: list[tuple[str, Change, str]] = [
    ("privileged container", _set("securityContext.privileged", True), "pod-privileged"),
    ("hostNetwork", _set("hostNetwork", True, where="pod"), "pod-host-access"),
    ("hostPID", _set("hostPID", True, where="pod"), "pod-host-access"),
    ("hostIPC", _set("hostIPC", True, where="pod"), "pod-host-access"),
    ("hostPort", _set("ports", [{"containerPort": 8000, "hostPort": 8000}]), "pod-host-access"),
    ("privilege escalation unset", _delete("securityContext.allowPrivilegeEscalation"), "pod-privilege-escalation"),
    ("privilege escalation true", _set("securityContext.allowPrivilegeEscalation", True), "pod-privilege-escalation"),
    ("no runAsNonRoot anywhere", _delete("securityContext.runAsNonRoot", where="pod"), "pod-run-as-root"),
    ("container runAsNonRoot false", _set("securityContext.runAsNonRoot", False), "pod-run-as-root"),
    ("pod runAsUser 0", _set("securityContext.runAsUser", 0, where="pod"), "pod-run-as-root"),
    ("container runAsUser 0", _set("securityContext.runAsUser", 0), "pod-run-as-root"),
    ("no seccomp profile", _delete("securityContext.seccompProfile", where="pod"), "pod-seccomp"),
    ("pod seccomp Unconfined", _set("securityContext.seccompProfile", {"type": "Unconfined"}, where="pod"), "pod-seccomp"),
    ("container seccomp Unconfined", _set("securityContext.seccompProfile", {"type": "Unconfined"}), "pod-seccomp"),
    ("capabilities not dropped", _delete("securityContext.capabilities"), "pod-capabilities"),
    ("SYS_PTRACE added", _set("securityContext.capabilities.add", ["SYS_PTRACE"]), "pod-capabilities"),
    ("nfs volume", _set("volumes", [{"name": "m", "nfs": {"server": "nfs", "path": "/m"}}], where="pod"), "pod-volume-type"),
    ("hostPath volume", _set("volumes", [{"name": "m", "hostPath": {"path": "/dev/kfd"}}], where="pod"), "pod-host-access"),
]


@pytest.mark.parametrize(("change", "rule_id"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_violation_fires_exactly_its_rule(change: Change, rule_id: str) -> None:
    data = workload()
    change(data)
    assert ids([data]) == [rule_id]


def test_the_clean_workload_passes() -> None:
    assert run([workload()]) == []


def test_container_level_settings_replace_pod_level_ones() -> None:
    data = workload()
    del pod(data)["securityContext"]
    for c in (server(data), pod(data)["initContainers"][0]):
        c["securityContext"].update(runAsNonRoot=True, seccompProfile={"type": "Localhost", "localhostProfile": "x.json"})
    assert ids([data]) == []


def test_net_bind_service_may_be_added_back() -> None:
    data = workload()
    server(data)["securityContext"]["capabilities"]["add"] = ["NET_BIND_SERVICE"]
    assert ids([data]) == []


def test_init_and_ephemeral_containers_are_checked_too() -> None:
    data = workload()
    pod(data)["initContainers"][0]["securityContext"] = {}
    pod(data)["ephemeralContainers"] = [{"name": "debug", "image": "docker.io/library/busybox:1.36",
                                         "securityContext": {"privileged": True}}]
    findings = run([data])
    by_rule = {(f.rule_id, f.message.split(" ")[1]) for f in findings}
    assert ("pod-privilege-escalation", "fetch") in by_rule
    assert ("pod-capabilities", "fetch") in by_rule
    assert ("pod-privileged", "debug") in by_rule
    assert ("pod-privilege-escalation", "debug") in by_rule


def test_windows_pods_skip_the_linux_only_fields() -> None:
    data = workload()
    pod(data)["os"] = {"name": "windows"}
    for c in (server(data), pod(data)["initContainers"][0]):
        c["securityContext"] = {}
    del pod(data)["securityContext"]["seccompProfile"]
    assert ids([data]) == []


def test_rocm_example_breaks_baseline_in_every_way() -> None:
    """The ROCm vLLM example of gpu-serving-facts.md D.32, reduced to its pod security settings."""
    findings = run("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: vllm-rocm, labels: {app.kubernetes.io/name: vllm}}
spec:
  selector: {matchLabels: {app: vllm}}
  template:
    metadata: {labels: {app: vllm}}
    spec:
      hostNetwork: true
      hostIPC: true
      containers:
        - name: vllm
          image: docker.io/rocm/vllm:rocm6.3.1_vllm_0.8.5
          resources:
            requests: {cpu: "8", memory: 64Gi}
            limits: {memory: 64Gi, amd.com/gpu: 1}
          readinessProbe: {httpGet: {path: /health, port: 8000}}
          securityContext:
            seccompProfile: {type: Unconfined}
            capabilities: {add: [SYS_PTRACE]}
          volumeMounts: [{name: kfd, mountPath: /dev/kfd}, {name: dri, mountPath: /dev/dri}]
      volumes:
        - {name: kfd, hostPath: {path: /dev/kfd}}
        - {name: dri, hostPath: {path: /dev/dri}}
""")
    assert sorted({f.rule_id for f in findings}) == [
        "pod-capabilities", "pod-host-access", "pod-privilege-escalation", "pod-run-as-root", "pod-seccomp",
    ]
    host = sorted(f.message for f in findings if f.rule_id == "pod-host-access")
    assert host == ["pod sets hostIPC: true", "pod sets hostNetwork: true",
                    "volume dri mounts host path /dev/dri", "volume kfd mounts host path /dev/kfd"]


@pytest.mark.parametrize("kind_yaml", [
    "kind: CronJob\nspec: {schedule: '0 * * * *', jobTemplate: {spec: {template: {spec: POD}}}}",
    "kind: Pod\nspec: POD",
])
def test_other_workload_kinds_are_checked(kind_yaml: str) -> None:
    pod_spec = "{containers: [{name: c, image: 'docker.io/library/busybox:1.36', securityContext: {privileged: true}}]}"
    text = f"apiVersion: v1\nmetadata: {{name: x}}\n{kind_yaml.replace('POD', pod_spec)}"
    assert "pod-privileged" in ids(text)
