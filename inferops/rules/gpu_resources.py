"""GPU resource requests of containers: in limits, equal to requests, whole, correctly named, valid MIG
profiles, one device type, and a shared GPU requested once (gpu-serving-facts.md #1-6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from inferops.placeholders import is_placeholder
from inferops.rules.base import Context, Violation, rule
from inferops.rules.gpu_facts import (
    NVIDIA_GPU,
    NVIDIA_GPU_SHARED,
    is_known_gpu_resource,
    mig_profile,
    parse_quantity,
)
from inferops.rules.gpu_pods import gpu_containers, gpu_resources, resource_map, target_gpu_models
from inferops.rules.workloads import Container
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

FAMILY = "gpu"


def _gpu_entries(m: Manifest) -> Iterator[tuple[Container, str, Any, tuple[str | int, ...]]]:
    """(container, GPU resource, quantity, path) for every GPU resource of every container; like
    :func:`gpu_resources` the limit wins, so the path points at the limit when both are set."""
    for c in gpu_containers(m):
        limits = resource_map(c, "limits")
        for name, value in gpu_resources(c).items():
            if not is_placeholder(value):  # ${ACCELERATOR_QUANTITY} is filled in later: not judged
                yield c, name, value, (*c.path, "resources", "limits" if name in limits else "requests", name)


def _gpu_requests(m: Manifest) -> Iterator[tuple[Container, str, Any, dict[str, Any]]]:
    """(container, GPU resource, requested quantity, the container's limits) for every GPU request."""
    for c in gpu_containers(m):
        limits, gpus = resource_map(c, "limits"), gpu_resources(c)
        for name, requested in resource_map(c, "requests").items():
            if name in gpus and not is_placeholder(requested) and not is_placeholder(limits.get(name)):
                yield c, name, requested, limits


@rule("gpu-limit-missing", family=FAMILY, severity=Severity.ERROR,
      summary="A container requests a GPU without setting it in resources.limits.",
      hint="set the GPU in resources.limits (Kubernetes uses the limit as the request for extended resources)")
def limit_missing(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c, name, _, limits in _gpu_requests(m):
        if name not in limits:
            yield Violation(f"container {c.name} requests {name} but has no limit for it",
                            (*c.path, "resources", "requests", name))


@rule("gpu-request-limit-mismatch", family=FAMILY, severity=Severity.ERROR,
      summary="A container's GPU request differs from its GPU limit.",
      hint="set the GPU request equal to the limit, or drop the request (it defaults to the limit)")
def request_limit_mismatch(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c, name, requested, limits in _gpu_requests(m):
        if name not in limits:
            continue
        limit = limits[name]
        quantity = parse_quantity(limit)
        same = parse_quantity(requested) == quantity if quantity is not None else str(requested) == str(limit)
        if not same:
            yield Violation(f"container {c.name} requests {name}: {requested} but limits it to {limit}",
                            (*c.path, "resources", "requests", name))


@rule("gpu-whole-number", family=FAMILY, severity=Severity.ERROR,
      summary="A GPU quantity is not a whole number (extended resources cannot be fractional).",
      hint="request whole GPUs (e.g. 1); for a fraction of a GPU use a MIG profile or GPU sharing")
def whole_number(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c, name, value, path in _gpu_entries(m):
        quantity = parse_quantity(value)
        if quantity is None or quantity.denominator != 1 or quantity < 0:
            yield Violation(f"container {c.name} sets {name}: {value!r}, not a whole number", path)


@rule("gpu-resource-name", family=FAMILY, severity=Severity.ERROR,
      summary="A GPU resource name is not one a device plugin advertises.",
      hint="use nvidia.com/gpu, nvidia.com/gpu.shared, nvidia.com/mig-<N>g.<M>gb, amd.com/gpu or gpu.intel.com/*")
def resource_name(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c, name, _, path in _gpu_entries(m):
        if not is_known_gpu_resource(str(name)):
            yield Violation(f"container {c.name} asks for unknown GPU resource {name!r}; the pod would stay "
                            "Pending", path)


@rule("gpu-mig-profile", family=FAMILY, severity=Severity.ERROR,
      summary="A MIG resource names a profile that the targeted GPU model does not offer.",
      hint="pick a MIG profile of the GPU the pod targets (e.g. A100-40GB: 1g.5gb, 2g.10gb, 3g.20gb, 7g.40gb)")
def mig_profile_valid(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c in gpu_containers(m):
        models = target_gpu_models(c.pod)
        if not models:
            continue
        for name in gpu_resources(c):
            profile = mig_profile(str(name))
            if profile and not any(profile in model.mig_profiles for model in models):
                names = ", ".join(sorted({model.name for model in models}))
                offered = sorted({p for model in models for p in model.mig_profiles})
                detail = f"offers {', '.join(offered)}" if offered else "does not support MIG"
                yield Violation(f"container {c.name} asks for MIG profile {profile}, but the targeted GPU ({names}) "
                                f"{detail}", (*c.path, "resources", "limits", name))


@rule("gpu-mixed-devices", family=FAMILY, severity=Severity.WARNING,
      summary="A container asks for nvidia.com/gpu together with a MIG slice, or for two MIG profiles.",
      hint="request one device type per container: whole GPUs or a single MIG profile")
def mixed_devices(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c in gpu_containers(m):
        names = [str(n) for n in gpu_resources(c)]
        migs = [n for n in names if mig_profile(n)]
        if migs and (NVIDIA_GPU in names or len(migs) > 1):
            kinds = ", ".join(sorted(n for n in names if n == NVIDIA_GPU or mig_profile(n)))
            yield Violation(f"container {c.name} mixes GPU device types ({kinds}); only one is usable",
                            (*c.path, "resources", "limits"))


@rule("gpu-shared-request", family=FAMILY, severity=Severity.WARNING,
      summary="A container asks for more than one nvidia.com/gpu.shared replica.",
      hint="request nvidia.com/gpu.shared: 1; more replicas of a time-sliced GPU give no extra compute")
def shared_request(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c in gpu_containers(m):
        value = gpu_resources(c).get(NVIDIA_GPU_SHARED)
        quantity = parse_quantity(value) if value is not None else None
        if quantity is not None and quantity > 1:
            yield Violation(f"container {c.name} asks for {value} shares of one time-sliced GPU",
                            (*c.path, "resources", "limits", NVIDIA_GPU_SHARED))
