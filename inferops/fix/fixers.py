"""The mechanical fixes, one per rule id. Each returns operations on the rendered object's JSON paths;
the finding's ``path`` is where the rule pointed (see the rule modules for what each path means)."""

from __future__ import annotations

import re

from inferops.fix.registry import Append, Delete, Operation, Run, Set, Substitute, fixer
from inferops.rules.gpu_facts import DEPRECATED_VLLM_METRICS
from inferops.rules.guardrails_replicas import AUTOSCALERS, targets
from inferops.rules.workloads import Container, containers, dig
from inferops.shapes import as_mapping
from inferops.validate.manifest import JsonPath, Manifest


def _resources_of(path: JsonPath) -> JsonPath | None:
    """``(..., "resources")`` of a path ``(..., "resources", "requests"|"limits", name)``."""
    if len(path) >= 3 and path[-3] == "resources" and path[-2] in ("requests", "limits"):
        return path[:-2]
    return None


def _same_file(m: Manifest, path: JsonPath, source: JsonPath) -> bool:
    """Whether the value at ``source`` may be copied to ``path``: always into an overlay's own file (the
    rendered value is this overlay's), but into the base only when the base wrote it too. When an overlay
    set the limit and the base the request, copying the overlay's value into the base would break the base
    (rendered alone, or by another overlay): that is a person's decision."""
    target = m.place(path)[0]
    return target != m.file or m.place(source)[0] == target


@fixer("gpu-request-limit-mismatch", summary="sets the GPU request to the GPU limit")
def request_to_limit(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    resources = _resources_of(path)
    if resources is None:
        return []
    limit_path = (*resources, "limits", path[-1])
    limit = dig(m.data, limit_path)
    if limit is None or not _same_file(m, path, limit_path):
        return []
    return [Set((*resources, "requests", path[-1]), limit)]


@fixer("gpu-limit-missing", summary="sets the GPU limit to the GPU request")
def limit_from_request(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    resources = _resources_of(path)
    if resources is None:
        return []
    request = dig(m.data, path)
    return [Set((*resources, "limits", path[-1]), request)] if request is not None else []


@fixer("gpu-rollout-surge", summary="sets the rolling update's maxSurge to 0 (and maxUnavailable to 1 on a Deployment)")
def no_surge(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    if m.kind == "Deployment" and path == ("spec", "strategy"):
        return [Set(("spec", "strategy", "rollingUpdate", "maxSurge"), 0),
                Set(("spec", "strategy", "rollingUpdate", "maxUnavailable"), 1)]
    if m.kind == "LeaderWorkerSet" and path and path[-1] == "maxSurge":
        return [Set(path, 0)]
    return []  # Argo Rollouts: canary or blue-green is a choice of release strategy, not a typo


def _container_field(path: JsonPath, field: str, value: object) -> list[Operation]:
    """Set ``securityContext.<field>`` of the container a path ``(..., securityContext, field, ...)`` names."""
    if "securityContext" not in path:
        return []
    at = path.index("securityContext")
    return [Set((*path[: at + 1], field), value)]


@fixer("pod-privilege-escalation", summary="sets securityContext.allowPrivilegeEscalation: false on the container")
def no_privilege_escalation(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    return _container_field(path, "allowPrivilegeEscalation", False)


@fixer("pod-seccomp", summary="sets seccompProfile.type: RuntimeDefault where the finding points "
                              "(the pod securityContext when no container sets one)")
def runtime_default_seccomp(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    if "securityContext" not in path:
        return []
    at = path.index("securityContext")
    return [Set((*path[: at + 1], "seccompProfile", "type"), "RuntimeDefault")]


@fixer("pod-run-as-root", summary="sets runAsNonRoot: true where the finding points, when every container it "
                                  "covers runs as a non-zero runAsUser (else the kubelet would refuse an image "
                                  "whose user is root or a name; runAsUser: 0 is left: the right id depends on "
                                  "the image)")
def run_as_non_root(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    if path[-1:] != ("runAsNonRoot",) or "securityContext" not in path:
        return []
    owner = path[:path.index("securityContext")]  # the pod spec or the container that would say it
    covered = [c for c in containers(m) if owner in (c.path, c.pod.path)]
    return [Set(path, True)] if covered and all(_non_root_user(c) for c in covered) else []


def _non_root_user(c: Container) -> bool:
    """Whether ``c`` runs as a non-zero uid the manifest states (its own runAsUser, else the pod's): with
    runAsNonRoot and no uid, the kubelet checks the image's USER and refuses root or a user name
    (kubernetes pkg/kubelet/kuberuntime/security_context_others.go, verifyRunAsNonRoot)."""
    user = as_mapping(c.data.get("securityContext")).get("runAsUser",
                                                          as_mapping(c.pod.spec.get("securityContext")).get("runAsUser"))
    return isinstance(user, int) and not isinstance(user, bool) and user > 0


@fixer("pod-capabilities", summary="adds ALL to the container's securityContext.capabilities.drop "
                                   "(an added capability stays: the workload may need it)")
def drop_all(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    if path[-2:] != ("capabilities", "drop"):
        return []
    return [Append(path, ("ALL",))]


@fixer("replicas-with-autoscaler", summary="removes spec.replicas from the workload the autoscaler scales "
                                           "(not from a base that another environment renders without one)")
def remove_replicas(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    if path != ("spec", "replicas") or _kept_elsewhere(m, path, run):
        return []
    return [Delete(path)]


def _kept_elsewhere(m: Manifest, path: JsonPath, run: Run) -> bool:
    """Whether another render of the line that sets ``replicas`` (a base under an overlay with no autoscaler)
    takes its replica count from it: deleting the line would change that environment (it would run 1)."""
    where = m.place(path)
    scalers = [s for s in run.manifests if s.kind in AUTOSCALERS]
    return any(other is not m and other.kind == m.kind and other.place(path) == where
               and not any(targets(s, other) for s in scalers) for other in run.manifests)


#: A deprecated vLLM metric as PromQL or an adapter names it: ``vllm:name`` or ``vllm_name``, maybe ``_total``.
_OLD_METRIC = re.compile(r"\bvllm(?P<sep>[:_])(?P<name>" + "|".join(
    re.escape(old.removeprefix("vllm:")) for old in DEPRECATED_VLLM_METRICS) + r")(?P<total>_total)?(?![a-z_])")


def _renamed(match: re.Match[str]) -> str:
    new = DEPRECATED_VLLM_METRICS["vllm:" + match["name"]].removeprefix("vllm:")
    return f"vllm{match['sep']}{new}{match['total'] or ''}"


@fixer("gpu-deprecated-metric", summary="renames the deprecated vLLM metric in the HPA metric name or KEDA "
                                        "query to its current name, keeping the text around it")
def rename_metric(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    return [Substitute(path, _OLD_METRIC, _renamed)]
