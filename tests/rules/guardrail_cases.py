"""Shared manifests and a runner for the guardrail tests.

``WORKLOAD_YAML`` is a Deployment written the way gpu-serving-facts.md section D asks (restricted Pod
Security, pinned image, requests and limits, probes, labels): no guardrail fires on it, so each test
changes one thing and expects exactly the rule about that thing.
"""

from __future__ import annotations

from typing import Any

import yaml

from inferops.policy import Policy
from inferops.rules.base import Context, run_rules
from inferops.validate.findings import Finding
from inferops.validate.manifest import Manifest

WORKLOAD_YAML = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llama
  namespace: llm-prod
  labels: {app.kubernetes.io/name: llama}
spec:
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: llama}
  template:
    metadata:
      labels: {app.kubernetes.io/name: llama}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: {type: RuntimeDefault}
      initContainers:
        - name: fetch
          image: docker.io/library/busybox:1.36
          command: [sh, -c, "true"]
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 64Mi}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
      containers:
        - name: server
          image: docker.io/vllm/vllm-openai:v0.11.0
          command: [vllm, serve]
          args: [meta-llama/Llama-3.1-8B-Instruct, --port, "8000"]
          env:
            - {name: HF_HOME, value: /cache/huggingface}
            - {name: HF_TOKEN_PATH, value: /secrets/hf/token}
            - {name: TOKENIZERS_PARALLELISM, value: "false"}
            - name: HF_TOKEN
              valueFrom: {secretKeyRef: {name: hf-token, key: token}}
          ports: [{name: http, containerPort: 8000}]
          resources:
            requests: {cpu: "4", memory: 32Gi}
            limits: {memory: 32Gi}
          readinessProbe:
            httpGet: {path: /health, port: 8000}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
          volumeMounts:
            - {name: cache, mountPath: /cache}
            - {name: dshm, mountPath: /dev/shm}
      volumes:
        - name: cache
          persistentVolumeClaim: {claimName: model-cache}
        - name: dshm
          emptyDir: {medium: Memory, sizeLimit: 2Gi}
"""


def workload() -> dict[str, Any]:
    """A fresh copy of the clean Deployment, to change one thing in."""
    data: dict[str, Any] = yaml.safe_load(WORKLOAD_YAML)
    return data


def pod(data: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = data["spec"]["template"]["spec"]
    return spec


def server(data: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = pod(data)["containers"][0]
    return container


def load(text: str, file: str = "x.yaml") -> list[Manifest]:
    return [Manifest(data=d, file=file, line=1) for d in yaml.safe_load_all(text) if d is not None]


def run(objects: list[dict[str, Any]] | str, policy: Policy | None = None, *,
        kubernetes_version: str = "1.33.0", families: tuple[str, ...] = ("guardrails",)) -> list[Finding]:
    """Findings of ``families`` for YAML text or a list of objects (each its own manifest)."""
    manifests = load(objects) if isinstance(objects, str) else [
        Manifest(data=o, file="x.yaml", line=1) for o in objects
    ]
    ctx = Context(policy=policy or Policy(), kubernetes_version=kubernetes_version)
    return list(run_rules(manifests, ctx, families))


def ids(objects: list[dict[str, Any]] | str, policy: Policy | None = None, **kwargs: Any) -> list[str]:
    return sorted(f.rule_id for f in run(objects, policy, **kwargs))
