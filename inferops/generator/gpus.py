"""NVIDIA GPU facts the generator needs: MIG profiles per GPU and the Kubernetes resource names.

Sources (see shared/docs/gpu-serving-facts.md, A.3-A.4): NVIDIA mig-parted ``config-default.yaml`` for the
profiles, the k8s-device-plugin README for the resource names (MIG strategy ``mixed`` exposes each profile
as ``nvidia.com/mig-<profile>``).
"""

from __future__ import annotations

GPU_RESOURCE = "nvidia.com/gpu"
#: Node label written by GPU Feature Discovery, e.g. ``NVIDIA-A100-SXM4-80GB``.
PRODUCT_LABEL = "nvidia.com/gpu.product"
#: Node label set by the GPU Operator on every node with an NVIDIA GPU; used when no product is given.
PRESENT_LABEL = "nvidia.com/gpu.present"

MIG_PROFILES: dict[str, tuple[str, ...]] = {
    "A100-40GB": ("1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"),
    "A100-80GB": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H100-80GB": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H100-NVL": ("1g.12gb", "1g.24gb", "2g.24gb", "3g.47gb", "4g.47gb", "7g.94gb"),
    "H200-141GB": ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"),
    "A30": ("1g.6gb", "2g.12gb", "4g.24gb"),
}


def mig_family(product: str) -> str | None:
    """The :data:`MIG_PROFILES` key for a GFD product name such as ``NVIDIA-H100-80GB-HBM3``, if MIG-capable."""
    p = product.upper()
    if "A100" in p:
        return "A100-80GB" if "80GB" in p else "A100-40GB"
    if "H100" in p:
        return "H100-NVL" if "NVL" in p else "H100-80GB"
    if "H200" in p:
        return "H200-141GB"
    if "A30" in p:
        return "A30"
    return None


def all_mig_profiles() -> set[str]:
    return {profile for profiles in MIG_PROFILES.values() for profile in profiles}


def check_mig_profile(profile: str, products: list[str]) -> str | None:
    """Why ``profile`` cannot run on ``products`` (``None`` when it can); no products: any known profile."""
    if not products:
        if profile in all_mig_profiles():
            return None
        return f"unknown MIG profile {profile!r}; known: {', '.join(sorted(all_mig_profiles()))}"
    for product in products:
        family = mig_family(product)
        if family is None:
            return f"GPU {product!r} does not support MIG (MIG GPUs: {', '.join(MIG_PROFILES)})"
        if profile not in MIG_PROFILES[family]:
            return f"MIG profile {profile!r} does not exist on {product} ({family}: {', '.join(MIG_PROFILES[family])})"
    return None


def gpu_resource(mig_profile: str | None) -> str:
    """The extended resource a pod requests: a whole GPU, or one MIG slice (MIG strategy ``mixed``)."""
    return f"nvidia.com/mig-{mig_profile}" if mig_profile else GPU_RESOURCE
