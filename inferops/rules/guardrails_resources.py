"""Resource requests, memory limits and health probes on every container (gpu-serving-facts.md D.35, D.36;
kyverno best-practices/require-pod-requests-limits and require-probes).

Without requests the scheduler packs pods blindly and the node's memory can be overcommitted; without a
memory limit one leaking container takes the node down; without probes a dead server keeps receiving traffic.
"""

from __future__ import annotations

from collections.abc import Iterator

from inferops.rules.base import Context, Violation, rule
from inferops.rules.workloads import BATCH_KINDS, completed_by_controller, containers, dig
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

FAMILY = "guardrails"
REQUIRED_RESOURCES = (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))
PROBES = ("readinessProbe", "livenessProbe", "startupProbe")


@rule(
    "resources-missing", family=FAMILY, severity=Severity.WARNING,
    summary="A container lacks requests.cpu, requests.memory or limits.memory.",
    hint="set resources.requests.cpu, resources.requests.memory and resources.limits.memory",
)
def resources_missing(m: Manifest, ctx: Context) -> Iterator[Violation]:
    # Ephemeral containers cannot have resources, so they are not checked.
    for c in containers(m, ("initContainers", "containers")):
        missing = [".".join(key) for key in REQUIRED_RESOURCES if dig(c.data, ("resources", *key)) in (None, "")]
        if missing:
            yield Violation(f"container {c.name} has no {', '.join(missing)}", (*c.path, "resources"))


@rule(
    "probes-missing", family=FAMILY, severity=Severity.WARNING,
    summary="A long-running container has no readiness, liveness or startup probe.",
    hint="add a readinessProbe (and a startupProbe for slow starts), e.g. httpGet /health",
)
def probes_missing(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if m.kind in BATCH_KINDS:
        return
    for c in containers(m, ("containers",)):
        if c.pod.role == "submitter" or completed_by_controller(m, c):
            continue  # a RayJob's submitter runs to completion; the operator adds the probes itself
        if not any(c.data.get(probe) for probe in PROBES):
            yield Violation(f"container {c.name} has no readiness, liveness or startup probe", c.path)
