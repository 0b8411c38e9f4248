"""The model server spreads the model over exactly the GPUs its pods get (gpu-serving-facts.md #15).

vLLM uses tensor-parallel × pipeline-parallel (× data-parallel) GPUs; TGI uses ``--num-shard`` GPUs. For a
Deployment that must equal the GPUs of the server's container; for a LeaderWorkerSet, the GPUs of one pod
times ``leaderWorkerTemplate.size`` (TP = GPUs per pod, PP = group size, as in the LWS vLLM example).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from inferops.rules.base import Context, Violation, rule
from inferops.rules.gpu_pods import gpu_count, group_size, serving_containers
from inferops.rules.gpu_runtime import server_of
from inferops.shapes import as_list
from inferops.validate.findings import Severity
from inferops.rules.workloads import Container
from inferops.validate.manifest import JsonPath, Manifest

FAMILY = "gpu"


def _mismatches(m: Manifest) -> Iterator[tuple[Violation, bool]]:
    """(violation, too_large) for each serving container whose parallelism differs from its GPUs."""
    size = group_size(m)
    for c in serving_containers(m):
        server = server_of(c)
        wanted = server.parallel_size if server else None
        if server is None or wanted is None:
            continue
        gpus = gpu_count(c) * size
        if wanted == gpus:
            continue
        group = f"{gpu_count(c)} GPUs × {size} pods = {gpus} GPUs" if size > 1 else f"{gpus} GPU(s)"
        message = f"container {c.name} runs {server.runtime} with {server.describe_parallelism()} = {wanted} GPUs"
        path = _flag_path(c)
        if wanted > gpus:
            yield Violation(f"{message}, but its serving group has {group}; the server cannot start", path), True
        else:
            yield Violation(f"{message}, but its serving group has {group}; {gpus - wanted} GPU(s) sit idle",
                            path), False


_FLAG = re.compile(r"parallel[-_]size|^-[tpd]p\b|num-shard")


def _flag_path(c: Container) -> JsonPath:
    """The args/command entry that sets the parallelism (for the finding's line), else the container."""
    for key in ("args", "command"):
        items = c.data.get(key)
        for i, item in enumerate(as_list(items)):
            if _FLAG.search(str(item)):
                return (*c.path, key, i)
    return c.path


@rule("gpu-parallelism-too-large", family=FAMILY, severity=Severity.ERROR,
      summary="vLLM tensor×pipeline parallel size (or TGI --num-shard) exceeds the GPUs the pods get.",
      hint="make --tensor-parallel-size × --pipeline-parallel-size equal the GPU limit (× LWS group size)")
def too_large(m: Manifest, ctx: Context) -> Iterator[Violation]:
    yield from (v for v, larger in _mismatches(m) if larger)


@rule("gpu-parallelism-idle", family=FAMILY, severity=Severity.WARNING,
      summary="vLLM tensor×pipeline parallel size (or TGI --num-shard) is below the GPUs the pods get.",
      hint="raise --tensor-parallel-size to the GPU limit, or request fewer GPUs")
def idle(m: Manifest, ctx: Context) -> Iterator[Violation]:
    yield from (v for v, larger in _mismatches(m) if not larger)
