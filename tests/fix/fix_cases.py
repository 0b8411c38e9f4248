"""Realistic manifests for each fixer: a compliant vLLM Deployment, and for each rule the one change that
breaks it, plainly and as an overlay patch over a compliant base."""

from __future__ import annotations

from dataclasses import dataclass

DEPLOYMENT = """\
# vLLM serving Llama 3.1 8B on one L4 (compliant unless a test breaks it)
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
  labels:
    app: vllm  # selector label
spec:
  replicas: 1
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 0
      maxUnavailable: 1
  selector:
    matchLabels:
      app: vllm
  template:
    metadata:
      labels:
        app: vllm
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: vllm
          image: "vllm/vllm-openai:v0.8.5"  # pinned
          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
          resources:
            requests:
              nvidia.com/gpu: 1
              memory: 24Gi
            limits:
              nvidia.com/gpu: 1
              memory: 24Gi
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: ["ALL"]
"""

HPA = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: vllm
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: vllm}
  minReplicas: 1
  maxReplicas: 4
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
"""

SCALED_OBJECT = """\
# KEDA scales vLLM on KV-cache pressure
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: vllm
spec:
  scaleTargetRef:
    name: vllm
  minReplicaCount: 1
  maxReplicaCount: 4
  triggers:
    - type: prometheus
      metadata:
        serverAddress: http://prometheus.monitoring:9090
        # KV cache in use, the busiest replica
        query: |
          max(vllm:gpu_cache_usage_perc{model_name="llama"})
        threshold: "0.8"
"""

PATCH_HEAD = """\
# prod: {why}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
spec:
"""


def broken(old: str, new: str, extra: str = "") -> str:
    """The compliant Deployment with ``old`` replaced by ``new`` (which must occur once), plus ``extra``."""
    assert DEPLOYMENT.count(old) == 1, old
    return DEPLOYMENT.replace(old, new) + extra


@dataclass(frozen=True)
class Case:
    rule: str
    before: str  # the plain manifest, or the overlay's patch
    diff: str  # the exact unified diff `inferops fix --dry-run` prints


PLAIN = [
    Case("gpu-request-limit-mismatch",
         broken("            requests:\n              nvidia.com/gpu: 1\n",
                "            requests:\n              nvidia.com/gpu: 2  # one too many\n"),
         """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -31,7 +31,7 @@
           args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
           resources:
             requests:
-              nvidia.com/gpu: 2  # one too many
+              nvidia.com/gpu: 1  # one too many
               memory: 24Gi
             limits:
               nvidia.com/gpu: 1
"""),
    Case("gpu-limit-missing",
         broken("            limits:\n              nvidia.com/gpu: 1\n", "            limits:\n"),
         """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -35,6 +35,7 @@
               memory: 24Gi
             limits:
               memory: 24Gi
+              nvidia.com/gpu: 1
           securityContext:
             allowPrivilegeEscalation: false
             capabilities:
"""),
    Case("gpu-rollout-surge",
         broken("      maxSurge: 0\n      maxUnavailable: 1\n", "      maxSurge: 25%  # the default\n"),
         """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -10,7 +10,8 @@
   strategy:
     type: RollingUpdate
     rollingUpdate:
-      maxSurge: 25%  # the default
+      maxSurge: 0  # the default
+      maxUnavailable: 1
   selector:
     matchLabels:
       app: vllm
"""),
    Case("pod-privilege-escalation",
         broken("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true  # for debugging"),
         """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -37,6 +37,6 @@
               nvidia.com/gpu: 1
               memory: 24Gi
           securityContext:
-            allowPrivilegeEscalation: true  # for debugging
+            allowPrivilegeEscalation: false  # for debugging
             capabilities:
               drop: ["ALL"]
"""),
    Case("pod-seccomp",
         broken("        seccompProfile:\n          type: RuntimeDefault\n", ""),
         """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -23,6 +23,8 @@
       securityContext:
         runAsNonRoot: true
         runAsUser: 1000
+        seccompProfile:
+          type: RuntimeDefault
       containers:
         - name: vllm
           image: "vllm/vllm-openai:v0.8.5"  # pinned
"""),
    Case("pod-capabilities",
         broken('              drop: ["ALL"]\n', "              drop:\n                - NET_RAW  # ping\n"),
         """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -41,3 +41,4 @@
             capabilities:
               drop:
                 - NET_RAW  # ping
+                - ALL
"""),
    Case("pod-run-as-root",
         broken("runAsNonRoot: true", "runAsNonRoot: false"),
         """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -21,7 +21,7 @@
         app: vllm
     spec:
       securityContext:
-        runAsNonRoot: false
+        runAsNonRoot: true
         runAsUser: 1000
         seccompProfile:
           type: RuntimeDefault
"""),
    Case("gpu-deprecated-metric", SCALED_OBJECT, """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -14,5 +14,5 @@
         serverAddress: http://prometheus.monitoring:9090
         # KV cache in use, the busiest replica
         query: |
-          max(vllm:gpu_cache_usage_perc{model_name="llama"})
+          max(vllm:kv_cache_usage_perc{model_name="llama"})
         threshold: "0.8"
"""),
    Case("replicas-with-autoscaler",
         broken("  replicas: 1\n", "  replicas: 1  # the HPA owns this\n", HPA),
         """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -6,7 +6,6 @@
   labels:
     app: vllm  # selector label
 spec:
-  replicas: 1  # the HPA owns this
   strategy:
     type: RollingUpdate
     rollingUpdate:
"""),
]

_CONTAINER = """\
  template:
    spec:
      containers:
        - name: vllm
"""


def patch(why: str, body: str) -> str:
    return PATCH_HEAD.format(why=why) + body


#: The overlay's patch introduces the problem, so the fix goes into the patch; the base stays as it is.
#: Overlays record where a patch set a scalar, not a list: a patch's ``drop: [NET_RAW]`` is reported at the
#: base, so pod-capabilities is covered by :data:`BASE_DEFECTS` (the base lacks the field, the overlay
#: patches something else, the fix goes into the base).
OVERLAY = [
    Case("gpu-request-limit-mismatch", patch("two GPUs", _CONTAINER + """\
          resources:
            requests:
              nvidia.com/gpu: 4  # typo
            limits:
              nvidia.com/gpu: 2
"""),
         """\
--- a/overlays/prod/patch.yaml
+++ b/overlays/prod/patch.yaml
@@ -10,6 +10,6 @@
         - name: vllm
           resources:
             requests:
-              nvidia.com/gpu: 4  # typo
+              nvidia.com/gpu: 2  # typo
             limits:
               nvidia.com/gpu: 2
"""),
    Case("gpu-limit-missing", patch("two GPUs, limit dropped by mistake", _CONTAINER + """\
          resources:
            requests:
              nvidia.com/gpu: 2
            limits:
              nvidia.com/gpu: null  # removes the base's limit
"""),
         """\
--- a/overlays/prod/patch.yaml
+++ b/overlays/prod/patch.yaml
@@ -12,4 +12,4 @@
             requests:
               nvidia.com/gpu: 2
             limits:
-              nvidia.com/gpu: null  # removes the base's limit
+              nvidia.com/gpu: 2  # removes the base's limit
"""),
    Case("gpu-rollout-surge", patch("faster rollouts", """\
  strategy:
    rollingUpdate:
      maxSurge: 1
"""),
         """\
--- a/overlays/prod/patch.yaml
+++ b/overlays/prod/patch.yaml
@@ -6,4 +6,5 @@
 spec:
   strategy:
     rollingUpdate:
-      maxSurge: 1
+      maxSurge: 0
+      maxUnavailable: 1
"""),
    Case("pod-privilege-escalation", patch("debugging", _CONTAINER + """\
          securityContext:
            allowPrivilegeEscalation: true
"""),
         """\
--- a/overlays/prod/patch.yaml
+++ b/overlays/prod/patch.yaml
@@ -9,4 +9,4 @@
       containers:
         - name: vllm
           securityContext:
-            allowPrivilegeEscalation: true
+            allowPrivilegeEscalation: false
"""),
    Case("pod-seccomp", patch("profiling", """\
  template:
    spec:
      securityContext:
        seccompProfile:
          type: Unconfined  # perf needs it
"""),
         """\
--- a/overlays/prod/patch.yaml
+++ b/overlays/prod/patch.yaml
@@ -8,4 +8,4 @@
     spec:
       securityContext:
         seccompProfile:
-          type: Unconfined  # perf needs it
+          type: RuntimeDefault  # perf needs it
"""),
    Case("pod-run-as-root", patch("root image", """\
  template:
    spec:
      securityContext:
        runAsNonRoot: false
"""),
         """\
--- a/overlays/prod/patch.yaml
+++ b/overlays/prod/patch.yaml
@@ -7,4 +7,4 @@
   template:
     spec:
       securityContext:
-        runAsNonRoot: false
+        runAsNonRoot: true
"""),
]


#: The base has the problem and an overlay renders it: the fix goes into the base, the overlay stays as is.
BASE_DEFECTS = [
    Case("pod-capabilities", broken('              drop: ["ALL"]\n', '              drop: ["NET_RAW"]\n'), """\
--- a/base/deployment.yaml
+++ b/base/deployment.yaml
@@ -39,4 +39,4 @@
           securityContext:
             allowPrivilegeEscalation: false
             capabilities:
-              drop: ["NET_RAW"]
+              drop: ["NET_RAW", ALL]
"""),
    Case("replicas-with-autoscaler", broken("  replicas: 1\n", "  replicas: 2  # overlay adds an HPA\n"), """\
--- a/base/deployment.yaml
+++ b/base/deployment.yaml
@@ -6,7 +6,6 @@
   labels:
     app: vllm  # selector label
 spec:
-  replicas: 2  # overlay adds an HPA
   strategy:
     type: RollingUpdate
     rollingUpdate:
"""),
]


TWO_GPUS = ("              nvidia.com/gpu: 1\n              memory: 24Gi\n            limits:\n              nvidia.com/gpu: 1\n",
            "              nvidia.com/gpu: 2\n              memory: 24Gi\n            limits:\n              nvidia.com/gpu: 2\n")


def on_two_gpus(old: str = "", new: str = "") -> str:
    """The Deployment on two GPUs with /dev/shm mounted (so only the case's own rule fires), ``old`` → ``new``."""
    text = broken(*TWO_GPUS) + SHM
    return text.replace(old, new) if old else text


SHM = """\
          volumeMounts:
            - name: dshm
              mountPath: /dev/shm
      volumes:
        - name: dshm
          emptyDir: {medium: Memory, sizeLimit: 8Gi}
"""

ARGS = 'args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]'
CURRENT_VLLM = ('image: "vllm/vllm-openai:v0.8.5"  # pinned', 'image: "vllm/vllm-openai:v0.31.0"  # pinned')

PROJECTS = """\
---
# the team's project: this repository, the llm namespaces
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: llm
  namespace: argocd
spec:
  sourceRepos: ["https://github.com/example/llm-gitops.git"]
  destinations:
    - {server: https://kubernetes.default.svc, namespace: "llm-*"}
---
# another team's project: another repository
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: search
  namespace: argocd
spec:
  sourceRepos: ["https://github.com/example/search.git"]
  destinations:
    - {server: https://kubernetes.default.svc, namespace: "search-*"}
"""

APPLICATION = """\
# llama on prod, synced from this repository
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: llama-prod
  namespace: argocd
spec:
  project: default  # TODO
  source:
    repoURL: https://github.com/example/llm-gitops.git
    targetRevision: v1.4.0
    path: apps/llama/overlays/prod
  destination:
    server: https://kubernetes.default.svc
    namespace: llm-prod
"""

PLAIN += [
    Case("gpu-shm-missing", on_two_gpus(SHM, "").replace(ARGS, ARGS[:-1] + ', "-tp", "2"]'), """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -40,3 +40,11 @@
             allowPrivilegeEscalation: false
             capabilities:
               drop: ["ALL"]
+          volumeMounts:
+            - name: dshm
+              mountPath: /dev/shm
+      volumes:
+        - name: dshm
+          emptyDir:
+            medium: Memory
+            sizeLimit: 8Gi
"""),
    Case("vllm-user-missing", broken(*CURRENT_VLLM), """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -40,3 +40,6 @@
             allowPrivilegeEscalation: false
             capabilities:
               drop: ["ALL"]
+          env:
+            - name: USER
+              value: vllm
"""),
    Case("gpu-parallelism-idle", on_two_gpus(), """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -28,7 +28,7 @@
       containers:
         - name: vllm
           image: "vllm/vllm-openai:v0.8.5"  # pinned
-          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
+          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size=2"]
           resources:
             requests:
               nvidia.com/gpu: 2
"""),
    Case("gpu-parallelism-too-large", DEPLOYMENT.replace(ARGS, ARGS[:-1] + ', "--tensor-parallel-size=4"]'), """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -28,7 +28,7 @@
       containers:
         - name: vllm
           image: "vllm/vllm-openai:v0.8.5"  # pinned
-          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size=4"]
+          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size=1"]
           resources:
             requests:
               nvidia.com/gpu: 1
"""),
    Case("argocd-default-project", APPLICATION + PROJECTS, """\
--- a/deployment.yaml
+++ b/deployment.yaml
@@ -5,7 +5,7 @@
   name: llama-prod
   namespace: argocd
 spec:
-  project: default  # TODO
+  project: llm  # TODO
   source:
     repoURL: https://github.com/example/llm-gitops.git
     targetRevision: v1.4.0
"""),
]

_RAISE_GPUS = _CONTAINER + """\
          resources:
            requests:
              nvidia.com/gpu: 2
            limits:
              nvidia.com/gpu: 2
"""

#: The overlay raises the GPUs (or sets the size) in its patch: the mount and the size go into the patch,
#: which then states the whole args list; the base, on one GPU, stays as it is.
OVERLAY += [
    Case("gpu-shm-missing", patch("two GPUs", _RAISE_GPUS), """\
--- a/overlays/prod/patch.yaml
+++ b/overlays/prod/patch.yaml
@@ -13,3 +13,11 @@
               nvidia.com/gpu: 2
             limits:
               nvidia.com/gpu: 2
+          volumeMounts:
+            - name: dshm
+              mountPath: /dev/shm
+      volumes:
+        - name: dshm
+          emptyDir:
+            medium: Memory
+            sizeLimit: 8Gi
"""),
    Case("gpu-parallelism-idle", patch("two GPUs", _RAISE_GPUS), """\
--- a/overlays/prod/patch.yaml
+++ b/overlays/prod/patch.yaml
@@ -13,3 +13,4 @@
               nvidia.com/gpu: 2
             limits:
               nvidia.com/gpu: 2
+          args: ["--model", meta-llama/Llama-3.1-8B-Instruct, "--tensor-parallel-size=2"]
"""),
    Case("gpu-parallelism-too-large", patch("tensor parallel", _CONTAINER + """\
          args:
            - --model
            - meta-llama/Llama-3.1-8B-Instruct
            - --tensor-parallel-size
            - "4"  # for the H100 node pool
"""), """\
--- a/overlays/prod/patch.yaml
+++ b/overlays/prod/patch.yaml
@@ -12,4 +12,4 @@
             - --model
             - meta-llama/Llama-3.1-8B-Instruct
             - --tensor-parallel-size
-            - "4"  # for the H100 node pool
+            - "1"  # for the H100 node pool
"""),
]


def in_base(case: Case) -> Case:
    """A plain case as a base defect: the same manifest in ``base/``, an overlay patching something else."""
    return Case(case.rule, case.before, case.diff.replace("/deployment.yaml", "/base/deployment.yaml"))


BASE_DEFECTS += [in_base(c) for c in PLAIN if c.rule in ("gpu-shm-missing", "vllm-user-missing", "gpu-parallelism-idle")]
