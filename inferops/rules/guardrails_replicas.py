"""``spec.replicas`` in Git for a workload an autoscaler owns: every Argo CD sync resets the replica count
the HPA or KEDA chose, so the two fight (gpu-serving-facts.md C.29; argo-cd docs/user-guide/
best_practices.md, sync-options.md). Omit ``replicas``, or ignore the field in the Application with
``ignoreDifferences`` plus ``RespectIgnoreDifferences=true`` (then the rule stays quiet).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from inferops.rules.base import Context, Violation, rule
from inferops.rules.workloads import dig
from inferops.shapes import as_list
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

#: Kinds with a scale subresource that autoscalers target (Argo Rollouts and LeaderWorkerSet have one too).
SCALABLE = ("Deployment", "StatefulSet", "Rollout", "LeaderWorkerSet")
#: Autoscaler kind -> the kind its scaleTargetRef defaults to.
AUTOSCALERS = {"HorizontalPodAutoscaler": None, "ScaledObject": "Deployment"}


@rule(
    "replicas-with-autoscaler", family="guardrails", severity=Severity.WARNING, scope="all",
    summary="A workload (Deployment, StatefulSet, Rollout, LeaderWorkerSet) sets spec.replicas although an HPA "
            "or KEDA ScaledObject scales it.",
    hint="remove spec.replicas (and kustomize `replicas:`) and let the autoscaler's min replicas apply",
)
def replicas_with_autoscaler(manifests: Sequence[Manifest], ctx: Context) -> Iterator[Violation]:
    scalers = [m for m in manifests if m.kind in AUTOSCALERS]
    if not scalers:
        return
    ignored = _ignored_replicas(manifests)
    for m in manifests:
        if m.kind not in SCALABLE or dig(m.data, ("spec", "replicas")) is None:
            continue
        if (m.kind, m.name) in ignored or (m.kind, None) in ignored:
            continue
        for scaler in scalers:
            if targets(scaler, m):
                yield Violation(
                    f"{m.kind} {m.name} sets replicas but {scaler.kind} {scaler.name} scales it",
                    ("spec", "replicas"), manifest=m,
                )
                break


def targets(scaler: Manifest, m: Manifest) -> bool:
    ref = dig(scaler.data, ("spec", "scaleTargetRef"))
    if not isinstance(ref, dict):
        return False
    kind = ref.get("kind") or AUTOSCALERS[scaler.kind]
    same_render = scaler.render_root == m.render_root
    same_namespace = scaler.namespace is None or m.namespace is None or scaler.namespace == m.namespace
    return kind == m.kind and ref.get("name") == m.name and same_render and same_namespace


def _ignored_replicas(manifests: Sequence[Manifest]) -> set[tuple[str, str | None]]:
    """(kind, name or None) whose replicas some Argo CD Application ignores and respects ignoring on sync."""
    ignored: set[tuple[str, str | None]] = set()
    for app in manifests:
        if app.kind != "Application" or not app.api_version.startswith("argoproj.io/"):
            continue
        options = dig(app.data, ("spec", "syncPolicy", "syncOptions"))
        if not isinstance(options, list) or "RespectIgnoreDifferences=true" not in options:
            continue
        for entry in as_list(dig(app.data, ("spec", "ignoreDifferences"))):
            if isinstance(entry, dict) and "/spec/replicas" in as_list(entry.get("jsonPointers")):
                ignored.add((str(entry.get("kind") or ""), entry.get("name") or None))
    return ignored


