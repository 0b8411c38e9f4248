"""How many GPUs a model needs on a GPU product, and how much context then fits.

vLLM loads the weights (split over the tensor-parallel GPUs), profiles a forward pass, and gives what is
left of ``gpu_memory_utilization`` × GPU memory to the KV cache; it refuses to start when one sequence of
``max_model_len`` tokens does not fit ("The model's max seq len ... is larger than the maximum number of
tokens that can be stored in KV cache", vllm/v1/core/kv_cache_utils.py; gpu-serving-facts.md #19). TGI's
warmup fails the same way when ``--max-total-tokens`` does not fit. So a size fits when, per GPU:

    weights / TP + RESERVE + KV per token per GPU × context ≤ utilization × GPU memory

``RESERVE_GIB`` stands for the peak activations of vLLM's profiling pass and its non-torch allocations, on
top of the weights. vLLM's own start-up log measures them: "Loading model weights took 14.9888 GB ... Memory
profiling results: total_gpu_memory=23.58GiB ... non_torch_memory=0.35GiB ... peak_torch_memory=15.05GiB"
for Llama 3.1 8B with chunked prefill (vllm-project/vllm#10517: activations 0.06 GiB above the weights, but
~2 GiB when 20k tokens are prefilled in one batch without chunking). vLLM V1 always chunks prefills
(``max_num_batched_tokens`` 2048-8192), so 1 GiB covers both with room; CUDA graphs are captured after the KV
cache is allocated, from the ``1 - gpu_memory_utilization`` headroom. Memory is what the driver reports
(:mod:`inferops.facts.gpus`): with an L4's true 22.5 GiB, the 2 GiB reserve used before rejected Google's own
sample that serves Llama 3.1 8B at ``--max-model-len=32768`` on one L4 (GoogleCloudPlatform/
kubernetes-engine-samples ai-ml/adk-vllm/deploy-llm/deploy-llm.yaml, in ../shared/corpus/gke-gpu-samples).
"""

from __future__ import annotations

from dataclasses import dataclass

from inferops.facts.gpus import describe_memory
from inferops.facts.models import GIB, ModelFacts

RESERVE_GIB = 1.0
#: The least context worth serving: a size that leaves less is refused.
MIN_CONTEXT = 4096
#: Contexts are rounded down to a multiple of this (vLLM's KV block size is 16; 256 reads better).
CONTEXT_STEP = 256


@dataclass(frozen=True, slots=True)
class Fit:
    """``facts`` on ``tp`` GPUs of ``memory_mib`` each at ``utilization``."""

    facts: ModelFacts
    tp: int
    memory_mib: float
    utilization: float
    kv_cache_bytes: float = 2.0

    @property
    def usable_bytes(self) -> float:
        return self.memory_mib * 2**20 * self.utilization

    @property
    def weights_per_gpu(self) -> float:
        return self.facts.weights_bytes() / self.tp

    @property
    def kv_budget(self) -> float:
        """Bytes per GPU left for the KV cache (negative: the weights do not fit)."""
        return self.usable_bytes - self.weights_per_gpu - RESERVE_GIB * GIB

    def max_context(self) -> int:
        """Most tokens one sequence can hold in the KV cache (0 when the weights do not fit)."""
        return self.facts.max_tokens(self.kv_budget, self.tp, self.kv_cache_bytes)

    def holds(self, context: int) -> bool:
        return self.max_context() >= context

    def describe(self) -> str:
        return (f"{self.facts.describe_weights()} over {self.tp} GPU(s) = {self.weights_per_gpu / GIB:.1f} GiB "
                f"per GPU + {RESERVE_GIB:g} GiB reserve, of {self.utilization:g} × {describe_memory(self.memory_mib)} "
                f"= {self.usable_bytes / GIB:.1f} GiB usable")

    def describe_kv(self, context: int) -> str:
        need = self.facts.kv_bytes(context, self.tp, self.kv_cache_bytes) / GIB
        return (f"a {context}-token context needs {need:.1f} GiB of KV cache per GPU, "
                f"{max(self.kv_budget, 0) / GIB:.1f} GiB is left")


def default_context(fit: Fit) -> int:
    """The largest context that fits, capped at the model's maximum and rounded down to ``CONTEXT_STEP``."""
    fitted = min(fit.max_context(), fit.facts.max_context)
    if fitted >= fit.facts.max_context:
        return fit.facts.max_context
    return fitted // CONTEXT_STEP * CONTEXT_STEP


def valid_counts(facts: ModelFacts, per_node: int | None, limit: int = 16) -> list[int]:
    """GPU counts that divide the heads, within one node."""
    top = min(limit, per_node) if per_node else limit
    return [n for n in range(1, top + 1) if facts.divides_heads(n)]
