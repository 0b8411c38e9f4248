"""GPU products: memory per device, MIG profiles, and how many GPUs one node of the product holds.

Sources: NVIDIA mig-parted ``config-default.yaml`` (MIG profiles and GPU memory sizes), GPU Feature
Discovery README (product label spellings), and the cloud machine-type pages for GPUs per node:
AWS EC2 accelerated computing instances (p5/p5e/p5en.48xlarge: 8 × H100/H200; p4d/p4de.24xlarge: 8 × A100;
g6.48xlarge: 8 × L4; g6e.48xlarge: 8 × L40S; g5.48xlarge: 8 × A10G; g4dn.metal: 8 × T4;
p3.16xlarge/p3dn.24xlarge: 8 × V100; https://aws.amazon.com/ec2/instance-types/), Google Cloud GPU
machine types (a2-megagpu-16g: 16 × A100 40GB; a2-ultragpu-8g: 8 × A100 80GB; a3-highgpu-8g and
a3-megagpu-8g: 8 × H100; a3-ultragpu-8g: 8 × H200; g2-standard-96: 8 × L4;
https://cloud.google.com/compute/docs/gpus), and NVIDIA DGX/HGX H100, H200 and A100 systems (8 GPUs each).
Products with no sourced node size (A30, A10, L40, H100 NVL) have ``None``: the rules stay silent on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

A100_40_MIG = frozenset({"1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"})
A100_80_MIG = frozenset({"1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"})
H100_NVL_MIG = frozenset({"1g.12gb", "1g.24gb", "2g.24gb", "3g.47gb", "4g.47gb", "7g.94gb"})
H200_MIG = frozenset({"1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"})
A30_MIG = frozenset({"1g.6gb", "2g.12gb", "4g.24gb"})
ALL_MIG_PROFILES = A100_40_MIG | A100_80_MIG | H100_NVL_MIG | H200_MIG | A30_MIG


@dataclass(frozen=True, slots=True)
class GpuModel:
    """A GPU product: its memory per device (MiB), the MIG profiles it offers (empty: no MIG), and the most
    GPUs of this product one node holds (``None``: not known)."""

    name: str
    memory_mib: int
    mig_profiles: frozenset[str] = frozenset()
    gpus_per_node: int | None = None


def _gb(n: int) -> int:
    return n * 1024


#: Family token -> {memory in GB -> model}; the first entry is the family's default size.
_FAMILIES: dict[str, dict[int, GpuModel]] = {
    "h200": {141: GpuModel("H200-141GB", _gb(141), H200_MIG, 8)},
    "h100": {80: GpuModel("H100-80GB", _gb(80), A100_80_MIG, 8), 94: GpuModel("H100-NVL-94GB", _gb(94), H100_NVL_MIG)},
    "a100": {40: GpuModel("A100-40GB", _gb(40), A100_40_MIG, 16), 80: GpuModel("A100-80GB", _gb(80), A100_80_MIG, 8)},
    "a30": {24: GpuModel("A30-24GB", _gb(24), A30_MIG)},
    "l40s": {48: GpuModel("L40S-48GB", _gb(48), gpus_per_node=8)},
    "l40": {48: GpuModel("L40-48GB", _gb(48))},
    "l4": {24: GpuModel("L4-24GB", _gb(24), gpus_per_node=8)},
    "a10g": {24: GpuModel("A10G-24GB", _gb(24), gpus_per_node=8)},
    "a10": {24: GpuModel("A10-24GB", _gb(24))},
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


def mig_profile_memory_mib(profile: str) -> int:
    """``3g.40gb`` -> 40 GB in MiB."""
    return _gb(int(profile.split(".")[1].removesuffix("gb")))
