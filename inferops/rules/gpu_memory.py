"""Memory of GPU pods: shared memory for multi-GPU serving, and model weights against GPU memory
(gpu-serving-facts.md #14, #19, #20)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from inferops.facts.gpus import describe_memory
from inferops.facts.runtimes import DEFAULT_UTILIZATION
from inferops.rules.base import Context, Violation, rule
from inferops.rules.gpu_pods import (
    device_memory_choices,
    gpu_containers,
    gpu_count,
    serving_containers,
)
from inferops.rules.gpu_runtime import server_of
from inferops.rules.gpu_weights import Weights, model_weights
from inferops.rules.workloads import Container, completed_by_controller
from inferops.shapes import as_list
from inferops.validate.findings import Severity
from inferops.validate.manifest import JsonPath, Manifest

FAMILY = "gpu"
SHM_PATH = "/dev/shm"  # noqa: S108 -- the mount path checked inside pods' containers, not a file we create
#: Warn when less than this share of the usable memory is left for the KV cache.
MIN_KV_SHARE = 0.20


def _shm_empty_dir(c: Container) -> tuple[int, dict[str, Any]] | None:
    """Index and ``emptyDir`` of the memory-backed volume mounted at /dev/shm; ``None`` when there is none."""
    mounts = c.data.get("volumeMounts")
    names = {str(mt.get("name")) for mt in mounts if isinstance(mt, dict)
             and str(mt.get("mountPath") or "").rstrip("/") == SHM_PATH} if isinstance(mounts, list) else set()
    volumes = c.pod.spec.get("volumes")
    for i, volume in enumerate(as_list(volumes)):
        empty_dir = volume.get("emptyDir") if isinstance(volume, dict) and str(volume.get("name")) in names else None
        if isinstance(empty_dir, dict) and empty_dir.get("medium") == "Memory":
            return i, empty_dir
    return None


def _multi_gpu(c: Container) -> bool:
    server = server_of(c)
    shards = server.model_shards if server else None
    return gpu_count(c) > 1 or (shards or 1) > 1


@rule("gpu-shm-missing", family=FAMILY, severity=Severity.ERROR,
      summary="A multi-GPU container has no memory-backed emptyDir mounted at /dev/shm.",
      hint="mount an emptyDir {medium: Memory, sizeLimit: 2Gi} at /dev/shm (NCCL and tensor parallelism need it)")
def shm_missing(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c in gpu_containers(m):
        if c.list_name == "containers" and _multi_gpu(c) and _shm_empty_dir(c) is None \
                and not completed_by_controller(m, c):
            yield Violation(f"container {c.name} uses several GPUs but /dev/shm is not a memory-backed emptyDir; "
                            "the container's default 64Mi /dev/shm breaks tensor-parallel inference", c.path)


@rule("gpu-shm-size-limit", family=FAMILY, severity=Severity.WARNING,
      summary="The memory-backed /dev/shm of a GPU container has no sizeLimit.",
      hint="set emptyDir.sizeLimit (e.g. 2Gi; vLLM's docs use 2Gi, the LWS example 15Gi)")
def shm_size_limit(m: Manifest, ctx: Context) -> Iterator[Violation]:
    seen: set[tuple[int, JsonPath]] = set()
    for c in gpu_containers(m):
        found = _shm_empty_dir(c)
        if found is None or (found[0], c.pod.path) in seen:
            continue
        index, empty_dir = found
        seen.add((index, c.pod.path))
        if not empty_dir.get("sizeLimit"):
            yield Violation(f"the /dev/shm volume of container {c.name} has no sizeLimit; it counts against the "
                            "pod's memory and can grow until the pod is evicted", (*c.pod.path, "volumes", index))


@dataclass(frozen=True, slots=True)
class Fit:
    container: Container
    weights: Weights
    shards: int
    utilization: float
    memory_mib: list[int]

    def per_gpu_mib(self) -> float:
        return self.weights.mib / self.shards

    def usable_mib(self, memory: int) -> float:
        return memory * self.utilization

    def describe(self, memory: int) -> str:
        return (f"{self.weights.describe()} over {self.shards} GPU(s) is {self.per_gpu_mib() / 1024:.1f} GiB per GPU; "
                f"{self.utilization:g} × {describe_memory(memory)} = {self.usable_mib(memory) / 1024:.1f} GiB usable")


def _fits(m: Manifest) -> Iterator[Fit]:
    for c in serving_containers(m):
        server = server_of(c)
        if server is None:
            continue
        weights = model_weights(server)
        shards = server.model_shards if server.runtime == "vllm" else (server.model_shards or gpu_count(c))
        memory = device_memory_choices(c)
        flag = "gpu-memory-utilization" if server.runtime == "vllm" else "cuda-memory-fraction"
        utilization = server.float_option(flag) or DEFAULT_UTILIZATION[server.runtime]
        if weights and shards and memory and 0 < utilization <= 1:
            yield Fit(c, weights, shards, utilization, memory)


@rule("gpu-model-too-large", family=FAMILY, severity=Severity.ERROR,
      summary="The model's weights per GPU exceed the usable memory of the GPUs the pod targets.",
      hint="shard over more GPUs (--tensor-parallel-size), pick a larger GPU, or serve a quantized model")
def model_too_large(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for fit in _fits(m):
        largest = max(fit.memory_mib)
        if fit.per_gpu_mib() > fit.usable_mib(largest):
            yield Violation(f"container {fit.container.name}: model does not fit: {fit.describe(largest)}",
                            fit.container.path)


@rule("gpu-model-memory-tight", family=FAMILY, severity=Severity.WARNING,
      summary="The model's weights leave less than 20% of the usable GPU memory for the KV cache.",
      hint="shard over more GPUs, lower --max-model-len, or pick a GPU with more memory")
def model_memory_tight(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for fit in _fits(m):
        if fit.per_gpu_mib() > fit.usable_mib(max(fit.memory_mib)):
            continue  # gpu-model-too-large reports it
        smallest = min(fit.memory_mib)
        usable = fit.usable_mib(smallest)
        left = (usable - fit.per_gpu_mib()) / usable
        if left < MIN_KV_SHARE:
            share = max(left, 0.0)
            yield Violation(f"container {fit.container.name}: only {share:.0%} of GPU memory is left for the KV "
                            f"cache: {fit.describe(smallest)}", fit.container.path)
