"""How many GPUs a model needs on a GPU product, and how much context then fits.

vLLM loads the weights (split over the tensor-parallel GPUs), profiles a forward pass, and gives what is
left of ``gpu_memory_utilization`` × GPU memory to the KV cache; it refuses to start when one sequence of
``max_model_len`` tokens does not fit ("The model's max seq len ... is larger than the maximum number of
tokens that can be stored in KV cache", vllm/v1/core/kv_cache_utils.py; gpu-serving-facts.md #19). TGI's
warmup fails the same way when ``--max-total-tokens`` does not fit. So a size fits when, per GPU:

    weights / TP + RESERVE + KV per token per GPU × context ≤ utilization × GPU memory

``RESERVE_GIB`` stands for activations of the profiling pass, CUDA graphs and non-torch allocations:
a rule of thumb (vLLM's docs: "memory ... for activations ... CUDA graphs"), deliberately generous.
"""

from __future__ import annotations

from dataclasses import dataclass

from inferops.facts.models import GIB, ModelFacts

RESERVE_GIB = 2.0
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
                f"per GPU + {RESERVE_GIB:g} GiB reserve, of {self.utilization:g} × {self.memory_mib / 1024:g} GiB "
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
