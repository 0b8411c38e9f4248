"""NVIDIA GPU facts the generator needs: the Kubernetes resource and node-label names, and MIG checks.

Sources (see shared/docs/gpu-serving-facts.md, A.3-A.4): NVIDIA mig-parted ``config-default.yaml`` for the
profiles, the k8s-device-plugin README for the resource names (MIG strategy ``mixed`` exposes each profile
as ``nvidia.com/mig-<profile>``).
"""

from __future__ import annotations

from inferops.rules.gpu_facts import ALL_MIG_PROFILES, gpu_model

GPU_RESOURCE = "nvidia.com/gpu"
#: Node label written by GPU Feature Discovery, e.g. ``NVIDIA-A100-SXM4-80GB``.
PRODUCT_LABEL = "nvidia.com/gpu.product"
#: Node label set by the GPU Operator on every node with an NVIDIA GPU; used when no product is given.
PRESENT_LABEL = "nvidia.com/gpu.present"


def _mig_profiles(product: str) -> frozenset[str]:
    """The MIG profiles ``product`` offers (empty when it has none or is unknown), from the same GPU table
    the validator's rules use, so the generator never writes a profile the validator refuses."""
    model = gpu_model(product)
    return model.mig_profiles if model else frozenset()


def check_mig_profile(profile: str, products: list[str]) -> str | None:
    """Why ``profile`` cannot run on ``products`` (``None`` when it can); no products: any known profile."""
    if not products:
        if profile in ALL_MIG_PROFILES:
            return None
        return f"unknown MIG profile {profile!r}; known: {', '.join(sorted(ALL_MIG_PROFILES))}"
    for product in products:
        offered = _mig_profiles(product)
        if not offered:
            return f"GPU {product!r} does not support MIG (MIG GPUs: A100, A30, H100, H200)"
        if profile not in offered:
            return f"MIG profile {profile!r} does not exist on {product} ({', '.join(sorted(offered))})"
    return None


def gpu_resource(mig_profile: str | None) -> str:
    """The extended resource a pod requests: a whole GPU, or one MIG slice (MIG strategy ``mixed``)."""
    return f"nvidia.com/mig-{mig_profile}" if mig_profile else GPU_RESOURCE
