"""Pod Security Standards as guardrails: the "baseline" bans (privileged containers, host namespaces,
hostPath, hostPort) and the "restricted" requirements (no privilege escalation, non-root, seccomp,
capabilities dropped, volume types). A GPU from a device plugin needs none of these privileges, so the
generated workloads meet "restricted" (gpu-serving-facts.md D.32; kubernetes.io/docs/concepts/security/
pod-security-standards/).

One rule per requirement, so a workload that truly needs one exception (an AMD ROCm pod mounting
/dev/kfd) is exempted from that rule only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from inferops.rules.base import Context, Violation, rule
from inferops.rules.workloads import Container, PodSpec, containers, dig, pod_specs
from inferops.shapes import as_list, as_mapping
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

FAMILY = "guardrails"
SECCOMP_ALLOWED = ("RuntimeDefault", "Localhost")
RESTRICTED_VOLUME_TYPES = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
})
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


def _pod_sc(pod: PodSpec) -> dict[str, Any]:
    return as_mapping(pod.spec.get("securityContext"))


def _sc(c: Container) -> dict[str, Any]:
    return as_mapping(c.data.get("securityContext"))


def _linux_containers(m: Manifest) -> Iterator[Container]:
    """Containers of pods not marked ``os.name: windows`` (PSS exempts Windows pods from the Linux-only fields)."""
    for c in containers(m):
        if as_mapping(c.pod.spec.get("os")).get("name") != "windows":
            yield c


@rule(
    "pod-privileged", family=FAMILY, severity=Severity.ERROR,
    summary="A container runs privileged (Pod Security baseline).",
    hint="remove securityContext.privileged; device-plugin GPUs need no privileges",
)
def pod_privileged(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c in containers(m):
        if _sc(c).get("privileged") is True:
            yield Violation(f"container {c.name} is privileged", (*c.path, "securityContext", "privileged"))


@rule(
    "pod-host-access", family=FAMILY, severity=Severity.ERROR,
    summary="A pod uses host namespaces, hostPath volumes or hostPort (Pod Security baseline).",
    hint="drop hostNetwork/hostPID/hostIPC, hostPath volumes and hostPort; expose ports through a Service",
)
def pod_host_access(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for pod in pod_specs(m):
        for key in HOST_NAMESPACES:
            if pod.spec.get(key) is True:
                yield Violation(f"pod sets {key}: true", (*pod.path, key))
        for i, volume in _volumes(pod):
            if "hostPath" in volume:
                where = as_mapping(volume.get("hostPath")).get("path", "?")
                yield Violation(f"volume {volume.get('name', '?')} mounts host path {where}",
                                (*pod.path, "volumes", i, "hostPath"))
    for c in containers(m):
        for i, port in enumerate(as_list(c.data.get("ports"))):
            if isinstance(port, dict) and port.get("hostPort"):
                yield Violation(f"container {c.name} binds hostPort {port['hostPort']}",
                                (*c.path, "ports", i, "hostPort"))


@rule(
    "pod-privilege-escalation", family=FAMILY, severity=Severity.ERROR,
    summary="A container does not set allowPrivilegeEscalation: false (Pod Security restricted).",
    hint="set securityContext.allowPrivilegeEscalation: false on every container",
)
def pod_privilege_escalation(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c in _linux_containers(m):
        if _sc(c).get("allowPrivilegeEscalation") is not False:
            yield Violation(f"container {c.name} does not set allowPrivilegeEscalation: false",
                            (*c.path, "securityContext", "allowPrivilegeEscalation"))


@rule(
    "pod-run-as-root", family=FAMILY, severity=Severity.ERROR,
    summary="A container may run as root: runAsNonRoot is not true or runAsUser is 0 (Pod Security restricted).",
    hint="set runAsNonRoot: true and a non-zero runAsUser in the pod securityContext",
)
def pod_run_as_root(m: Manifest, ctx: Context) -> Iterator[Violation]:
    yield from _inherited_setting(m, containers(m), ("runAsNonRoot",), lambda v: v is not False,
                                  lambda _: "runAsNonRoot: false", "runAsNonRoot: true")
    for pod in pod_specs(m):
        if _pod_sc(pod).get("runAsUser") == 0:
            yield Violation("pod sets runAsUser: 0", (*pod.path, "securityContext", "runAsUser"))
    for c in containers(m):
        if _sc(c).get("runAsUser") == 0:
            yield Violation(f"container {c.name} sets runAsUser: 0", (*c.path, "securityContext", "runAsUser"))


@rule(
    "pod-seccomp", family=FAMILY, severity=Severity.ERROR,
    summary="A container has no seccomp profile RuntimeDefault or Localhost (Pod Security restricted).",
    hint="set securityContext.seccompProfile.type: RuntimeDefault in the pod securityContext",
)
def pod_seccomp(m: Manifest, ctx: Context) -> Iterator[Violation]:
    yield from _inherited_setting(m, _linux_containers(m), ("seccompProfile", "type"), SECCOMP_ALLOWED.__contains__,
                                  lambda v: f"seccompProfile {v}", "a seccompProfile")


@rule(
    "pod-capabilities", family=FAMILY, severity=Severity.ERROR,
    summary="A container does not drop ALL capabilities or adds one other than NET_BIND_SERVICE (restricted).",
    hint="set securityContext.capabilities.drop: [ALL] and add nothing (NET_BIND_SERVICE at most)",
)
def pod_capabilities(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c in _linux_containers(m):
        caps = as_mapping(_sc(c).get("capabilities"))
        path = (*c.path, "securityContext", "capabilities")
        if "ALL" not in {str(d).upper() for d in as_list(caps.get("drop"))}:
            yield Violation(f"container {c.name} does not drop ALL capabilities", (*path, "drop"))
        extra = [str(a) for a in as_list(caps.get("add")) if str(a).upper() not in ("NET_BIND_SERVICE", "CAP_NET_BIND_SERVICE")]
        if extra:
            yield Violation(f"container {c.name} adds capabilities {', '.join(extra)}", (*path, "add"))


@rule(
    "pod-volume-type", family=FAMILY, severity=Severity.ERROR,
    summary="A pod uses a volume type Pod Security restricted does not allow (e.g. nfs, iscsi, cloud disks).",
    hint="use a persistentVolumeClaim (or configMap, secret, emptyDir, projected, csi, ephemeral, downwardAPI)",
)
def pod_volume_type(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for pod in pod_specs(m):
        for i, volume in _volumes(pod):
            for kind in (k for k in volume if k not in ("name", "hostPath") and k not in RESTRICTED_VOLUME_TYPES):
                yield Violation(f"volume {volume.get('name', '?')} is of type {kind}", (*pod.path, "volumes", i, kind))


def _inherited_setting(m: Manifest, checked: Iterable[Container], field: tuple[str, ...],
                       allowed: Callable[[Any], bool], shown: Callable[[Any], str], setting: str) -> Iterator[Violation]:
    """A securityContext ``field`` a pod sets for all its containers and a container may override: a value
    that is not ``allowed`` is reported where it is set (pod or container), and the ``checked`` containers
    that neither set nor inherit it are reported once per pod (see :func:`_per_pod`)."""
    for pod in pod_specs(m):
        value = dig(pod.spec, ("securityContext", *field))
        if value is not None and not allowed(value):
            yield Violation(f"pod sets {shown(value)}", (*pod.path, "securityContext", *field))
    lacking = []
    for c in checked:
        own = dig(c.data, ("securityContext", *field))
        if own is None:
            if dig(c.pod.spec, ("securityContext", *field)) is None:
                lacking.append(c)
        elif not allowed(own):
            yield Violation(f"container {c.name} sets {shown(own)}", (*c.path, "securityContext", *field))
    yield from _per_pod(lacking, setting, ("securityContext", field[0]))


def _per_pod(lacking: list[Container], setting: str, field: tuple[str, ...]) -> Iterator[Violation]:
    """One violation per pod for containers missing ``setting`` that neither they nor their pod set,
    pointing at the pod's securityContext: setting it there once fixes them all."""
    by_pod: dict[tuple[str | int, ...], list[Container]] = {}
    for c in lacking:
        by_pod.setdefault(c.pod.path, []).append(c)
    for pod_path, items in by_pod.items():
        names = ", ".join(c.name for c in items)
        plural = "s" if len(items) > 1 else ""
        yield Violation(f"container{plural} {names}: neither pod nor container sets {setting}", (*pod_path, *field))


def _volumes(pod: PodSpec) -> Iterator[tuple[int, dict[str, Any]]]:
    """The pod's volumes with their index in ``spec.volumes`` (for the finding's line)."""
    volumes = pod.spec.get("volumes")
    for i, volume in enumerate(as_list(volumes)):
        if isinstance(volume, dict):
            yield i, volume
