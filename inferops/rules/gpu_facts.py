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
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

# --- resource names -------------------------------------------------------------------------------------

NVIDIA_GPU = "nvidia.com/gpu"
NVIDIA_GPU_SHARED = "nvidia.com/gpu.shared"
AMD_GPU = "amd.com/gpu"
INTEL_PREFIX = "gpu.intel.com/"
INTEL_DEVICES = frozenset({"gpu.intel.com/i915", "gpu.intel.com/xe"})
#: ``nvidia.com/mig-<slices>g.<memory>gb`` (mixed MIG strategy); ``+me`` marks a media-extension profile.
MIG_RESOURCE = re.compile(r"^nvidia\.com/mig-(?P<profile>[0-9]{1,6}g\.[0-9]{1,6}gb)(?:\+me)?$")


def is_gpu_like(name: str) -> bool:
    """Whether a resource name is meant to be a GPU (known or misspelt): it mentions ``gpu`` or MIG."""
    lowered = name.lower()
    return "gpu" in lowered or lowered.startswith("nvidia.com/mig")


def is_known_gpu_resource(name: str) -> bool:
    """Names the NVIDIA, AMD and Intel device plugins advertise."""
    return (
        name in (NVIDIA_GPU, NVIDIA_GPU_SHARED, AMD_GPU)
        or MIG_RESOURCE.match(name) is not None
        or (name.startswith(INTEL_PREFIX) and len(name) > len(INTEL_PREFIX))
    )


def is_gpu_device(name: str) -> bool:
    """Resources that hand a whole device (or MIG slice) to the container, i.e. that count as "a GPU"."""
    return name in (NVIDIA_GPU, NVIDIA_GPU_SHARED, AMD_GPU) or name in INTEL_DEVICES or bool(MIG_RESOURCE.match(name))


def mig_profile(name: str) -> str | None:
    """``nvidia.com/mig-3g.40gb`` -> ``3g.40gb``."""
    match = MIG_RESOURCE.match(name)
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


# --- GPU models ----------------------------------------------------------------------------------------

A100_40_MIG = frozenset({"1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"})
A100_80_MIG = frozenset({"1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"})
H100_NVL_MIG = frozenset({"1g.12gb", "1g.24gb", "2g.24gb", "3g.47gb", "4g.47gb", "7g.94gb"})
H200_MIG = frozenset({"1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"})
A30_MIG = frozenset({"1g.6gb", "2g.12gb", "4g.24gb"})
ALL_MIG_PROFILES = A100_40_MIG | A100_80_MIG | H100_NVL_MIG | H200_MIG | A30_MIG


@dataclass(frozen=True, slots=True)
class GpuModel:
    """A GPU product: its memory per device (MiB) and the MIG profiles it offers (empty: no MIG)."""

    name: str
    memory_mib: int
    mig_profiles: frozenset[str] = frozenset()


def _gb(n: int) -> int:
    return n * 1024


#: Family token -> {memory in GB -> model}; the first entry is the family's default size.
_FAMILIES: dict[str, dict[int, GpuModel]] = {
    "h200": {141: GpuModel("H200-141GB", _gb(141), H200_MIG)},
    "h100": {80: GpuModel("H100-80GB", _gb(80), A100_80_MIG), 94: GpuModel("H100-NVL-94GB", _gb(94), H100_NVL_MIG)},
    "a100": {40: GpuModel("A100-40GB", _gb(40), A100_40_MIG), 80: GpuModel("A100-80GB", _gb(80), A100_80_MIG)},
    "a30": {24: GpuModel("A30-24GB", _gb(24), A30_MIG)},
    "l40s": {48: GpuModel("L40S-48GB", _gb(48))},
    "l40": {48: GpuModel("L40-48GB", _gb(48))},
    "l4": {24: GpuModel("L4-24GB", _gb(24))},
    "a10g": {24: GpuModel("A10G-24GB", _gb(24))},
    "a10": {24: GpuModel("A10-24GB", _gb(24))},
    "t4": {16: GpuModel("T4-16GB", 15360)},
    "v100": {16: GpuModel("V100-16GB", _gb(16)), 32: GpuModel("V100-32GB", _gb(32))},
}

#: Cloud instance-type prefixes (``node.kubernetes.io/instance-type``) -> GPU product label spelling.
_INSTANCE_TYPES: tuple[tuple[str, str], ...] = (
    ("g4dn.", "t4"), ("g5.", "a10g"), ("g6e.", "l40s"), ("g6.", "l4"), ("p4de.", "a100-80gb"),
    ("p4d.", "a100-40gb"), ("p5e.", "h200"), ("p5en.", "h200"), ("p5.", "h100-80gb"),
    ("a2-ultragpu-", "a100-80gb"), ("a2-highgpu-", "a100-40gb"), ("a2-megagpu-", "a100-40gb"),
    ("g2-standard-", "l4"), ("a3-highgpu-", "h100-80gb"), ("a3-megagpu-", "h100-80gb"), ("a3-ultragpu-", "h200"),
)

_MIG_SUFFIX = re.compile(r"-mig-([0-9]{1,6}g\.([0-9]{1,6})gb)", re.IGNORECASE)


def gpu_model(product: str) -> GpuModel | None:
    """The GPU named by a product label value, or ``None`` when it is not one we know.

    Accepts GPU Feature Discovery names (``NVIDIA-A100-SXM4-80GB``, ``NVIDIA-H100-NVL``, ``...-MIG-1g.5gb``
    under the single MIG strategy, ``...-SHARED`` under time-slicing), GKE accelerator names
    (``nvidia-tesla-a100``, ``nvidia-h100-mega-80gb``), Karpenter GPU names (``l4``) and cloud instance types.
    """
    value = str(product).strip().lower()
    for prefix, spelled in _INSTANCE_TYPES:
        if value.startswith(prefix):
            value = spelled
            break
    value = value.removesuffix("-shared")
    mig = _MIG_SUFFIX.search(value)
    if mig:
        base = gpu_model(value[: mig.start()])
        name = f"{base.name if base else 'GPU'}-MIG-{mig.group(1)}"
        return GpuModel(name, _gb(int(mig.group(2))))
    tokens = re.split(r"[-_ ]+", value)
    family = next((t for t in tokens if t in _FAMILIES), None)
    if family is None:
        return None
    sizes = _FAMILIES[family]
    if family == "h100" and "nvl" in tokens:
        return sizes[94]
    stated = next((int(t[:-2]) for t in tokens if re.fullmatch(r"[0-9]{1,6}gb", t)), None)
    if stated is not None:
        return sizes.get(stated)
    return next(iter(sizes.values()))


def mig_profile_memory_mib(profile: str) -> int:
    """``3g.40gb`` -> 40 GB in MiB."""
    return _gb(int(profile.split(".")[1].removesuffix("gb")))


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
