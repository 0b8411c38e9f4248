"""What the GPU rules know about GPUs on Kubernetes: resource names, quantities, GPU models and their memory
and MIG profiles, node labels, and vLLM metric names.

Kept in one table-like module so a new GPU or a renamed metric is a one-line change, and every rule reads
the same facts. Sources (see also ``gpu-serving-facts.md`` of the project's reference data): the NVIDIA
k8s-device-plugin README (resource names, MIG strategies), NVIDIA mig-parted ``config-default.yaml`` (MIG
profiles and GPU sizes), GPU Feature Discovery README (node labels), Kubernetes "Schedule GPUs" and
"Resource Management" pages (extended resources), and vLLM ``docs/usage/metrics.md`` (metric names).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

# GPU products (memory, MIG profiles, GPUs per node) live in inferops.facts.gpus, shared with the generator;
# re-exported here because the rules read every GPU fact through this module.
from inferops.facts.gpus import (
    A30_MIG as A30_MIG,
    A100_40_MIG as A100_40_MIG,
    A100_80_MIG as A100_80_MIG,
    ALL_MIG_PROFILES as ALL_MIG_PROFILES,
    H100_NVL_MIG as H100_NVL_MIG,
    H200_MIG as H200_MIG,
    GpuModel as GpuModel,
    gpu_model as gpu_model,
    mig_profile_memory_mib as mig_profile_memory_mib,
)


# --- resource names -------------------------------------------------------------------------------------

NVIDIA_GPU = "nvidia.com/gpu"
NVIDIA_GPU_SHARED = "nvidia.com/gpu.shared"
AMD_GPU = "amd.com/gpu"
INTEL_PREFIX = "gpu.intel.com/"
INTEL_DEVICES = frozenset({"gpu.intel.com/i915", "gpu.intel.com/xe"})
#: ``nvidia.com/mig-<slices>g.<memory>gb`` (mixed MIG strategy); ``+me`` marks a media-extension profile.
MIG_RESOURCE = re.compile(r"nvidia\.com/mig-(?P<profile>[0-9]{1,6}g\.[0-9]{1,6}gb)(?:\+me)?\Z")


def is_gpu_like(name: str) -> bool:
    """Whether a resource name is meant to be a GPU (known or misspelt): it mentions ``gpu`` or MIG."""
    lowered = name.lower()
    return "gpu" in lowered or lowered.startswith("nvidia.com/mig")


def is_known_gpu_resource(name: str) -> bool:
    """Names the NVIDIA, AMD and Intel device plugins advertise."""
    return (
        name in (NVIDIA_GPU, NVIDIA_GPU_SHARED, AMD_GPU)
        or MIG_RESOURCE.fullmatch(name) is not None
        or (name.startswith(INTEL_PREFIX) and len(name) > len(INTEL_PREFIX))
    )


def is_gpu_device(name: str) -> bool:
    """Resources that hand a whole device (or MIG slice) to the container, i.e. that count as "a GPU"."""
    return name in (NVIDIA_GPU, NVIDIA_GPU_SHARED, AMD_GPU) or name in INTEL_DEVICES or bool(MIG_RESOURCE.fullmatch(name))


def mig_profile(name: str) -> str | None:
    """``nvidia.com/mig-3g.40gb`` -> ``3g.40gb``."""
    match = MIG_RESOURCE.fullmatch(name)
    return match.group("profile") if match else None


# --- quantities ----------------------------------------------------------------------------------------

_QUANTITY = re.compile(r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+))(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$")
_SUFFIX = {
    "": Fraction(1), "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
    "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
    "P": Fraction(10**15), "E": Fraction(10**18), "Ki": Fraction(2**10), "Mi": Fraction(2**20),
    "Gi": Fraction(2**30), "Ti": Fraction(2**40), "Pi": Fraction(2**50), "Ei": Fraction(2**60),
}


_WHOLE = re.compile(r"[0-9]{1,18}")


def whole_number(text: str) -> int | None:
    """``text`` as a non-negative int when it is plain ASCII digits that fit an int64 (as Kubernetes and
    the model servers parse them); ``None`` otherwise, e.g. for ``"²"`` (which ``str.isdigit`` accepts)
    or a number too long to convert."""
    text = text.strip()
    return int(text) if _WHOLE.fullmatch(text) else None


def parse_quantity(value: Any) -> Fraction | None:
    """A Kubernetes quantity as an exact number; ``None`` when it is not one (e.g. a template placeholder,
    ``.inf``, or more digits than Python converts: the schema check reports those)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    match = None if isinstance(value, float) else _QUANTITY.match(str(value).strip())
    try:
        if isinstance(value, float):
            return Fraction(str(value))
        return Fraction(match.group("number")) * _SUFFIX[match.group("suffix") or ""] if match else None
    except ValueError:
        return None


# --- node labels ---------------------------------------------------------------------------------------

#: Node labels whose value names the GPU product (GFD, GKE, Karpenter, instance types).
PRODUCT_LABELS = (
    "nvidia.com/gpu.product",
    "cloud.google.com/gke-accelerator",
    "karpenter.k8s.aws/instance-gpu-name",
    "node.kubernetes.io/instance-type",
    "beta.kubernetes.io/instance-type",
)
#: GFD label with the memory per GPU in MiB.
GPU_MEMORY_LABEL = "nvidia.com/gpu.memory"
#: Node-label prefixes of managed platforms that add the GPU toleration to GPU pods themselves: GKE taints
#: its GPU nodes and adds the toleration (reported, unverified); AKS lists the ExtendedResourceToleration
#: admission plugin as enabled.
TOLERATION_ADDING_PLATFORMS = ("cloud.google.com/", "kubernetes.azure.com/")
#: Labels that pin a pod to a node pool or instance type (which the platform team made GPU nodes).
NODE_POOL_LABELS = frozenset({
    "cloud.google.com/gke-nodepool", "cloud.google.com/compute-class", "eks.amazonaws.com/nodegroup",
    "karpenter.sh/nodepool", "kubernetes.azure.com/agentpool", "agentpool",
    "node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type",
})


def is_gpu_node_label(key: str) -> bool:
    """Whether selecting on this node label keeps a pod on GPU nodes."""
    lowered = key.lower()
    return "gpu" in lowered or "accelerator" in lowered or key in NODE_POOL_LABELS


# --- vLLM metrics --------------------------------------------------------------------------------------

#: Deprecated vLLM metric -> its replacement (vLLM docs/usage/metrics.md; V0 names hidden, then removed).
DEPRECATED_VLLM_METRICS = {
    "vllm:gpu_cache_usage_perc": "vllm:kv_cache_usage_perc",
    "vllm:gpu_prefix_cache_queries": "vllm:prefix_cache_queries",
    "vllm:gpu_prefix_cache_hits": "vllm:prefix_cache_hits",
}
