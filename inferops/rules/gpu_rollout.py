"""Rolling out GPU model servers: no surge pod that needs a spare GPU, and startup/progress budgets long
enough to download and load the weights (gpu-serving-facts.md #12, #16, #31)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from inferops.rules.base import Context, Violation, rule
from inferops.rules.gpu_facts import parse_quantity
from inferops.rules.gpu_pods import gpus_per_replica, serving_containers
from inferops.rules.workloads import Container, completed_by_controller, dig
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

FAMILY = "gpu"
#: The shortest startup budget we accept for a model server: weight download plus load take minutes
#: (llm-d uses 30s × 60 = 30 min; the Gateway API inference example 10 min).
MIN_STARTUP_SECONDS = 600
#: apps/v1 defaults.
DEFAULT_PROGRESS_DEADLINE = 600
DEFAULT_MAX_SURGE = "25%"


def _surges(value: Any) -> bool:
    """Whether a maxSurge value (int or percentage) lets the rollout add a pod."""
    text = str(value).strip()
    number = parse_quantity(text.removesuffix("%"))
    return number is None or number > 0


@rule("gpu-rollout-surge", family=FAMILY, severity=Severity.WARNING,
      summary="A GPU Deployment (or Argo Rollout) rolls out with maxSurge > 0, so each update needs a spare GPU node.",
      hint="set strategy.rollingUpdate {maxSurge: 0, maxUnavailable: 1}, or strategy Recreate for one replica")
def rollout_surge(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if gpus_per_replica(m) == 0:
        return
    if m.kind == "Deployment":
        strategy = dig(m.data, ("spec", "strategy")) or {}
        if isinstance(strategy, dict) and strategy.get("type", "RollingUpdate") == "RollingUpdate":
            surge = dig(strategy, ("rollingUpdate", "maxSurge"))
            if surge is None or _surges(surge):
                shown = DEFAULT_MAX_SURGE + " (the default)" if surge is None else surge
                yield Violation(f"rolling update with maxSurge {shown} starts an extra GPU pod before stopping an old "
                                "one; without a spare GPU the rollout stalls Pending", ("spec", "strategy"))
    elif m.kind == "Rollout":
        yield from _argo_rollout_surge(m)
    elif m.kind == "LeaderWorkerSet":
        surge = dig(m.data, ("spec", "rolloutStrategy", "rollingUpdateConfiguration", "maxSurge"))
        if surge is not None and _surges(surge):
            yield Violation(f"rolling update with maxSurge {surge} starts an extra GPU group before stopping an old "
                            "one", ("spec", "rolloutStrategy", "rollingUpdateConfiguration", "maxSurge"))


def _argo_rollout_surge(m: Manifest) -> Iterator[Violation]:
    """Argo Rollouts: a canary surges by ``maxSurge`` (default 25%, argo-rollouts docs features/canary.md);
    a blue-green rollout brings up a full preview ReplicaSet beside the active one
    (docs features/bluegreen.md), so every update needs the GPUs twice."""
    strategy = dig(m.data, ("spec", "strategy"))
    if not isinstance(strategy, dict):
        return
    if isinstance(strategy.get("canary"), dict):
        surge = dig(strategy, ("canary", "maxSurge"))
        if surge is None or _surges(surge):
            shown = DEFAULT_MAX_SURGE + " (the default)" if surge is None else surge
            yield Violation(f"canary with maxSurge {shown} starts extra GPU pods before stopping old ones; set "
                            "canary.maxSurge: 0 and maxUnavailable: 1", ("spec", "strategy", "canary"))
    elif isinstance(strategy.get("blueGreen"), dict):
        yield Violation("blue-green rollout runs a full preview ReplicaSet beside the active one, so each update "
                        "needs twice the GPUs", ("spec", "strategy", "blueGreen"))


def startup_budget(c: Container) -> int | None:
    """Seconds a container may take to start before its startupProbe gives up; ``None`` without one."""
    probe = c.data.get("startupProbe")
    if not isinstance(probe, dict):
        return None

    def number(key: str, default: int) -> int:
        value = probe.get(key)
        return value if isinstance(value, int) else default

    return number("initialDelaySeconds", 0) + number("periodSeconds", 10) * number("failureThreshold", 3)


@rule("gpu-startup-probe", family=FAMILY, severity=Severity.WARNING,
      summary="A GPU model server has no startupProbe, or one that gives up within 10 minutes.",
      hint="add a startupProbe on /health with periodSeconds: 30 and failureThreshold: 60 (30 minutes)")
def startup_probe(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c in serving_containers(m):
        if completed_by_controller(m, c):
            continue  # the ServingRuntime or preset the controller merges in sets the probes
        budget = startup_budget(c)
        if budget is None:
            yield Violation(f"container {c.name} serves a model on GPUs but has no startupProbe; liveness and "
                            "readiness probes then run (and may kill it) while the weights load", c.path)
        elif budget < MIN_STARTUP_SECONDS:
            yield Violation(f"container {c.name}'s startupProbe gives up after {budget}s, less than the "
                            f"{MIN_STARTUP_SECONDS}s a model download and load can take", (*c.path, "startupProbe"))


@rule("gpu-progress-deadline", family=FAMILY, severity=Severity.WARNING,
      summary="A GPU Deployment's progressDeadlineSeconds is shorter than its model server's startup budget.",
      hint="set spec.progressDeadlineSeconds at or above the startupProbe budget (e.g. 1800 for 30s × 60)")
def progress_deadline(m: Manifest, ctx: Context) -> Iterator[Violation]:
    if m.kind != "Deployment":
        return
    budgets = [b for c in serving_containers(m) if (b := startup_budget(c)) is not None]
    if not budgets:
        return
    value = dig(m.data, ("spec", "progressDeadlineSeconds"))
    deadline = value if isinstance(value, int) else DEFAULT_PROGRESS_DEADLINE
    if deadline < max(budgets):
        shown = f"{deadline}s" + ("" if isinstance(value, int) else " (the default)")
        yield Violation(f"progressDeadlineSeconds {shown} is shorter than the {max(budgets)}s startup budget; "
                        "Argo CD marks the Deployment Degraded while the model still loads",
                        ("spec", "progressDeadlineSeconds") if isinstance(value, int) else ("spec",))
