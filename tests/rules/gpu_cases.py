"""Shared manifests and a runner for the GPU rule tests.

``SERVING`` is a vLLM Deployment written the way gpu-serving-facts.md recommends (and the generator emits):
every GPU rule passes on it, so each test breaks exactly one thing and expects exactly one rule to fire.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from inferops.policy import Policy
from inferops.rules.base import Context, run_rules
from inferops.validate.findings import Finding
from inferops.validate.manifest import Manifest

SERVING_YAML = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llama
  namespace: serving
  labels: {app.kubernetes.io/name: llama}
spec:
  replicas: 1
  progressDeadlineSeconds: 1800
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 0, maxUnavailable: 1}
  selector:
    matchLabels: {app.kubernetes.io/name: llama}
  template:
    metadata:
      labels: {app.kubernetes.io/name: llama}
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - {key: nvidia.com/gpu.product, operator: In, values: [NVIDIA-L4]}
      tolerations:
        - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.10.1
          command: [vllm, serve]
          args: [meta-llama/Meta-Llama-3-8B-Instruct, --tensor-parallel-size, "2", --max-model-len, "8192"]
          env:
            - name: HF_TOKEN
              valueFrom: {secretKeyRef: {name: hf-token, key: token}}
          ports: [{containerPort: 8000, name: http}]
          resources:
            requests: {cpu: "8", memory: 48Gi, nvidia.com/gpu: "2"}
            limits: {memory: 48Gi, nvidia.com/gpu: "2"}
          startupProbe:
            httpGet: {path: /health, port: http}
            periodSeconds: 30
            failureThreshold: 60
          livenessProbe:
            httpGet: {path: /health, port: http}
          readinessProbe:
            httpGet: {path: /health, port: http}
          volumeMounts:
            - {name: dshm, mountPath: /dev/shm}
      volumes:
        - name: dshm
          emptyDir: {medium: Memory, sizeLimit: 2Gi}
"""

#: The LeaderWorkerSet vLLM example (TP 8 × PP placeholder ``PP`` over 2 pods of 8 H100s), GKE-style.
LWS = """
apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata: {name: vllm}
spec:
  replicas: 1
  leaderWorkerTemplate:
    size: 2
    leaderTemplate:
      spec:
        nodeSelector: {cloud.google.com/gke-accelerator: nvidia-h100-80gb}
        containers:
          - name: vllm-leader
            image: vllm/vllm-openai:v0.8.5
            command: [sh, -c]
            args:
              - "bash /vllm-workspace/examples/online_serving/multi-node-serving.sh leader --ray_cluster_size=$(LWS_GROUP_SIZE);
                python3 -m vllm.entrypoints.openai.api_server --port 8080 --model meta-llama/Meta-Llama-3.1-405B-Instruct
                --tensor-parallel-size 8 --pipeline-parallel-size PP"
            resources: {limits: {nvidia.com/gpu: "8"}}
            startupProbe: {httpGet: {path: /health, port: 8080}, periodSeconds: 30, failureThreshold: 60}
            volumeMounts: [{mountPath: /dev/shm, name: dshm}]
        volumes: [{name: dshm, emptyDir: {medium: Memory, sizeLimit: 15Gi}}]
    workerTemplate:
      spec:
        nodeSelector: {cloud.google.com/gke-accelerator: nvidia-h100-80gb}
        containers:
          - name: vllm-worker
            image: vllm/vllm-openai:v0.8.5
            command: [sh, -c, "bash /vllm-workspace/examples/online_serving/multi-node-serving.sh worker"]
            resources: {limits: {nvidia.com/gpu: "8"}}
            volumeMounts: [{mountPath: /dev/shm, name: dshm}]
        volumes: [{name: dshm, emptyDir: {medium: Memory, sizeLimit: 15Gi}}]
"""


def serving() -> dict[str, Any]:
    """A fresh copy of the all-passing Deployment, to break one thing in."""
    return copy.deepcopy(yaml.safe_load(SERVING_YAML))


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]["containers"][0]


def pod(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]


def manifests(*objects: str | dict[str, Any], file: str = "x.yaml") -> list[Manifest]:
    """Manifests from YAML strings (one or more documents) and dicts."""
    out: list[Manifest] = []
    for obj in objects:
        docs = yaml.safe_load_all(obj) if isinstance(obj, str) else [obj]
        out += [Manifest(data=d, file=file, line=1) for d in docs if d]
    return out


def gpu_findings(*objects: str | dict[str, Any], policy: Policy | None = None) -> list[Finding]:
    return list(run_rules(manifests(*objects), Context(policy or Policy()), ["gpu"]))


def rule_ids(*objects: str | dict[str, Any], policy: Policy | None = None) -> list[str]:
    """Sorted rule ids of the GPU findings (repeated when a rule fires more than once)."""
    return sorted(f.rule_id for f in gpu_findings(*objects, policy=policy))


def messages(rule_id: str, *objects: str | dict[str, Any], policy: Policy | None = None) -> list[str]:
    return [f.message for f in gpu_findings(*objects, policy=policy) if f.rule_id == rule_id]
