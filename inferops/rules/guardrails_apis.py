"""API versions the target Kubernetes no longer serves: such an object fails to apply, and Argo CD shows
the whole Application as failed (gpu-serving-facts.md D.44; kubernetes.io/docs/reference/using-api/
deprecation-guide/). The target is ``--kubernetes-version`` or the policy's ``kubernetes_version``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from inferops.rules.base import Context, Violation, rule
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

WORKLOADS = ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")
RBAC = ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")

#: (apiVersion, kinds or None for every kind of it) -> (minor version that removed it, replacement).
REMOVED: dict[tuple[str, tuple[str, ...] | None], tuple[int, str]] = {
    ("extensions/v1beta1", WORKLOADS): (16, "apps/v1"),
    ("apps/v1beta1", None): (16, "apps/v1"),
    ("apps/v1beta2", None): (16, "apps/v1"),
    ("extensions/v1beta1", ("NetworkPolicy",)): (16, "networking.k8s.io/v1"),
    ("extensions/v1beta1", ("PodSecurityPolicy",)): (16, "policy/v1beta1 (itself removed in 1.25)"),
    ("extensions/v1beta1", ("Ingress",)): (22, "networking.k8s.io/v1"),
    ("networking.k8s.io/v1beta1", None): (22, "networking.k8s.io/v1"),
    ("admissionregistration.k8s.io/v1beta1", None): (22, "admissionregistration.k8s.io/v1"),
    ("apiextensions.k8s.io/v1beta1", None): (22, "apiextensions.k8s.io/v1"),
    ("apiregistration.k8s.io/v1beta1", None): (22, "apiregistration.k8s.io/v1"),
    ("certificates.k8s.io/v1beta1", None): (22, "certificates.k8s.io/v1"),
    ("coordination.k8s.io/v1beta1", None): (22, "coordination.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1beta1", RBAC): (22, "rbac.authorization.k8s.io/v1"),
    ("scheduling.k8s.io/v1beta1", None): (22, "scheduling.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")): (22, "storage.k8s.io/v1"),
    ("batch/v1beta1", ("CronJob",)): (25, "batch/v1"),
    ("discovery.k8s.io/v1beta1", None): (25, "discovery.k8s.io/v1"),
    ("events.k8s.io/v1beta1", None): (25, "events.k8s.io/v1"),
    ("autoscaling/v2beta1", None): (25, "autoscaling/v2"),
    ("policy/v1beta1", ("PodDisruptionBudget",)): (25, "policy/v1"),
    ("policy/v1beta1", ("PodSecurityPolicy",)): (25, "Pod Security Admission (namespace labels)"),
    ("node.k8s.io/v1beta1", None): (25, "node.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", None): (26, "flowcontrol.apiserver.k8s.io/v1"),
    ("autoscaling/v2beta2", None): (26, "autoscaling/v2"),
    ("storage.k8s.io/v1beta1", ("CSIStorageCapacity",)): (27, "storage.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", None): (29, "flowcontrol.apiserver.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", None): (32, "flowcontrol.apiserver.k8s.io/v1"),
}


def removal(api_version: str, kind: str) -> tuple[int, str] | None:
    """When ``api_version``/``kind`` was removed (minor version of Kubernetes 1.x) and what replaces it."""
    for (version, kinds), found in REMOVED.items():
        if version == api_version and (kinds is None or kind in kinds):
            return found
    return None


def target_minor(kubernetes_version: str) -> int | None:
    """The minor version of ``1.33.0`` (or ``v1.33``); ``None`` when it cannot be read."""
    match = re.match(r"^v?1\.(\d+)", kubernetes_version.strip())
    return int(match.group(1)) if match else None


@rule(
    "api-version-removed", family="guardrails", severity=Severity.ERROR,
    summary="An object uses an apiVersion the target Kubernetes version no longer serves.",
    hint="move the object to the replacement apiVersion named in the message (kubectl convert can help)",
)
def api_version_removed(m: Manifest, ctx: Context) -> Iterator[Violation]:
    found = removal(m.api_version, m.kind)
    if found is None:
        return
    removed_in, replacement = found
    minor = target_minor(ctx.kubernetes_version)
    if minor is None or minor >= removed_in:
        yield Violation(
            f"{m.api_version} {m.kind} was removed in Kubernetes 1.{removed_in} "
            f"(target {ctx.kubernetes_version}); use {replacement}",
            ("apiVersion",),
        )
