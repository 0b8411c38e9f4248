"""The model server spreads the model over exactly the GPUs its serving group gets (gpu-serving-facts.md #15).

vLLM uses tensor-parallel × pipeline-parallel (× data-parallel) GPUs; TGI uses ``--num-shard`` GPUs; SGLang,
NIM and TensorRT-LLM tensor × pipeline (see :mod:`inferops.rules.parallelism` for where each is read).
For a Deployment or a KServe predictor that must equal the GPUs of the server's container; for a
LeaderWorkerSet, the leader's GPUs plus ``size - 1`` workers' (TP = GPUs per pod, PP = group size, as in
the LWS vLLM example).
"""

from __future__ import annotations

from collections.abc import Iterator

from inferops.rules.base import Context, Violation, rule
from inferops.rules.gpu_pods import serving_containers, serving_group_gpus
from inferops.rules.parallelism import parallelism_of
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

FAMILY = "gpu"


def _mismatches(m: Manifest) -> Iterator[tuple[Violation, bool]]:
    """(violation, too_large) for each serving container whose parallelism differs from its group's GPUs."""
    for c in serving_containers(m):
        parallel = parallelism_of(c, m)
        group = serving_group_gpus(m, c)
        if parallel is None or group is None:
            continue
        if any(size is not None and size < 1 for size in (parallel.tensor, parallel.pipeline, parallel.data)):
            continue
        gpus, described = group
        wanted = parallel.gpus
        if wanted == gpus:
            continue
        message = f"container {c.name} runs {parallel.runtime} with {parallel.spelled} = {wanted} GPUs"
        if wanted > gpus:
            yield Violation(f"{message}, but its serving group has {described}; the server cannot start",
                            parallel.path), True
        else:
            yield Violation(f"{message}, but its serving group has {described}; {gpus - wanted} GPU(s) sit idle",
                            parallel.path), False


@rule("gpu-parallelism-too-large", family=FAMILY, severity=Severity.ERROR,
      summary="A model server's tensor×pipeline parallel size (vLLM, TGI, SGLang, NIM, TensorRT-LLM) exceeds "
              "the GPUs its serving group gets.",
      hint="make --tensor-parallel-size × --pipeline-parallel-size equal the GPU limit (× LWS group size)")
def too_large(m: Manifest, ctx: Context) -> Iterator[Violation]:
    yield from (v for v, larger in _mismatches(m) if larger)


@rule("gpu-parallelism-idle", family=FAMILY, severity=Severity.WARNING,
      summary="A model server's tensor×pipeline parallel size (vLLM, TGI, SGLang, NIM, TensorRT-LLM) is below "
              "the GPUs its serving group gets.",
      hint="raise --tensor-parallel-size to the GPU limit, or request fewer GPUs")
def idle(m: Manifest, ctx: Context) -> Iterator[Violation]:
    yield from (v for v, larger in _mismatches(m) if not larger)
