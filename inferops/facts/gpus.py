"""GPU products: memory per device, MIG profiles, and how many GPUs one node of the product holds.

Sources, as read (repository@commit and path):

- MIG profiles per product: NVIDIA/mig-parted@bd7160f deployments/systemd/config-default.yaml, whose
  ``all-<profile>`` configurations name the products (and device ids) each profile exists on. A100-40GB also
  has ``1g.10gb`` (``all-1g.10gb``, 4 per GPU, device filter 0x20B010DE/0x20B110DE/0x20F110DE/0x20F610DE).
- Memory per device: what the driver reports (``nvidia-smi --query-gpu=name,memory.total``, the same number
  GPU Feature Discovery puts in the ``nvidia.com/gpu.memory`` label) -- vLLM multiplies this total by
  ``gpu_memory_utilization`` -- not the marketing size: "NVIDIA L4, 23034 MiB", "NVIDIA L40S, 46068 MiB",
  "NVIDIA L40, 46068 MiB", "NVIDIA A10G, 23028 MiB", "NVIDIA A10, 23028 MiB", "NVIDIA H100 80GB HBM3,
  81559 MiB", "NVIDIA H100 NVL, 95830 MiB", "NVIDIA H200, 143771 MiB", "NVIDIA A100-SXM4-80GB, 81920 MiB",
  "NVIDIA A100-SXM4-40GB, 40960 MiB", "NVIDIA A30, 24576 MiB", "Tesla T4, 15360 MiB", "Tesla V100-SXM2-16GB,
  16384 MiB", "Tesla V100-SXM2-32GB, 32768 MiB", each printed in many public run logs and test fixtures found by
  exact-string search of public GitHub files (one L4 node's GFD labels read ``nvidia.com/gpu.memory=23034``
  beside ``nvidia.com/gpu.product=NVIDIA-L4``). The repositories of those files are not named by that index.
- GPUs per node, AWS: tsaol/aws-gpu@77fcd9f data/all_gpu_instances.js (generated from instances.vantage.sh):
  p5.48xlarge 8 × H100, p5e/p5en.48xlarge 8 × H200, p4d/p4de.24xlarge 8 × A100 (40/80 GB), g6.48xlarge 8 × L4,
  g6e.48xlarge 8 × L40S, g5.48xlarge 8 × A10G, g4dn.metal 8 × T4, p3.16xlarge 8 × V100 16GB, p3dn.24xlarge
  8 × V100 32GB; the largest count of each of these GPUs on any AWS instance is 8.
- GPUs per node, Google Cloud: GoogleCloudPlatform/cluster-toolkit modules/compute/gke-node-pool/
  gpu_definition.tf ``accelerator_machines``: a2-megagpu-16g 16 × nvidia-tesla-a100 (40GB), a2-ultragpu-8g
  8 × nvidia-a100-80gb, a3-highgpu-8g 8 × nvidia-h100-80gb, a3-megagpu-8g 8 × nvidia-h100-mega-80gb,
  a3-ultragpu-8g 8 × nvidia-h200-141gb, g2-standard-96 8 × nvidia-l4.
- Not read here: the NVIDIA DGX/HGX pages (8 GPUs per A100/H100/H200 system) -- the cloud counts above agree.

Products with no sourced node size (A30, A10, L40, H100 NVL) have ``None``: the rules stay silent on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

A100_40_MIG = frozenset({"1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"})
A100_80_MIG = frozenset({"1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"})
H100_NVL_MIG = frozenset({"1g.12gb", "1g.24gb", "2g.24gb", "3g.47gb", "4g.47gb", "7g.94gb"})
H200_MIG = frozenset({"1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"})
A30_MIG = frozenset({"1g.6gb", "2g.12gb", "4g.24gb"})
ALL_MIG_PROFILES = A100_40_MIG | A100_80_MIG | H100_NVL_MIG | H200_MIG | A30_MIG


@dataclass(frozen=True, slots=True)
class GpuModel:
    """A GPU product: its memory per device (MiB, as the driver reports it), the MIG profiles it offers
    (empty: no MIG), and the most GPUs of this product one node holds (``None``: not known)."""

    name: str
    memory_mib: int
    mig_profiles: frozenset[str] = frozenset()
    gpus_per_node: int | None = None


def _gb(n: int) -> int:
    return n * 1024


#: Family token -> {memory in GB as the product is named -> model}; the first entry is the family's default size.
_FAMILIES: dict[str, dict[int, GpuModel]] = {
    "h200": {141: GpuModel("H200-141GB", 143771, H200_MIG, 8)},
    "h100": {80: GpuModel("H100-80GB", 81559, A100_80_MIG, 8), 94: GpuModel("H100-NVL-94GB", 95830, H100_NVL_MIG)},
    "a100": {40: GpuModel("A100-40GB", _gb(40), A100_40_MIG, 16), 80: GpuModel("A100-80GB", _gb(80), A100_80_MIG, 8)},
    "a30": {24: GpuModel("A30-24GB", _gb(24), A30_MIG)},
    "l40s": {48: GpuModel("L40S-48GB", 46068, gpus_per_node=8)},
    "l40": {48: GpuModel("L40-48GB", 46068)},
    "l4": {24: GpuModel("L4-24GB", 23034, gpus_per_node=8)},
    "a10g": {24: GpuModel("A10G-24GB", 23028, gpus_per_node=8)},
    "a10": {24: GpuModel("A10-24GB", 23028)},
    "t4": {16: GpuModel("T4-16GB", 15360, gpus_per_node=8)},
    "v100": {16: GpuModel("V100-16GB", _gb(16), gpus_per_node=8), 32: GpuModel("V100-32GB", _gb(32), gpus_per_node=8)},
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
        return GpuModel(name, _gb(int(mig.group(2))), gpus_per_node=base.gpus_per_node if base else None)
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


def describe_memory(mib: float) -> str:
    """Device memory for a message: ``23034`` -> ``22.5 GiB``, ``81920`` -> ``80 GiB`` (drivers report odd MiB
    totals, so ``:g`` would print ``22.4941``)."""
    return f"{mib / 1024:.1f}".removesuffix(".0") + " GiB"


def mig_profile_memory_mib(profile: str) -> int:
    """``3g.40gb`` -> 40 GB in MiB."""
    return _gb(int(profile.split(".")[1].removesuffix("gb")))
