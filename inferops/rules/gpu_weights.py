"""What a served model is, as far as a manifest says: its facts from the shared model table
(:mod:`inferops.facts.models`, each row citing the config.json it came from), loaded with the precision the
server's flags ask for.

weights ≈ parameters × bytes per parameter (fp16/bf16 2, fp8/int8 1, int4 0.5; gpu-serving-facts.md #19).
The precision comes from the quantization flag (vLLM ``--quantization``, TGI ``--quantize``/``QUANTIZE``),
else words in the model id (``-AWQ``, ``-FP8``), else ``--dtype``, else the model's own dtype. Models the
table does not know (fine-tunes, local paths, new releases) are unknown on purpose: a guess from the name
would make false errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from inferops.facts.models import (
    DTYPE_BYTES,
    GIB,
    KV_CACHE_BYTES,
    QUANT_BYTES,
    TGI_QUANT_BYTES,
    ModelFacts,
    lookup,
    name_hint_bytes,
)
from inferops.rules.gpu_runtime import Server


@dataclass(frozen=True, slots=True)
class Weights:
    params_billions: float
    bytes_per_param: float
    total_bytes: float

    @property
    def mib(self) -> float:
        return self.total_bytes / 2**20

    def describe(self) -> str:
        return f"{self.params_billions:g}B parameters × {self.bytes_per_param:g} bytes ≈ {self.total_bytes / GIB:.1f} GiB"


def bytes_per_param(server: Server, model_id: str, native: float) -> float | None:
    """From the quantization flag, else hints in the model id, else the dtype flag, else ``native``.

    ``None`` for a quantization method this table does not know (its size is a guess we do not make).
    """
    quant_flag = "quantization" if server.runtime == "vllm" else "quantize"
    table = QUANT_BYTES if server.runtime == "vllm" else TGI_QUANT_BYTES
    quant = (server.option(quant_flag) or "").lower()
    if quant in table:
        return table[quant]
    hinted = name_hint_bytes(model_id)
    if hinted is not None:
        return hinted
    if quant:
        return None
    return DTYPE_BYTES.get((server.option("dtype") or "").lower(), native)


def served_model(server: Server) -> ModelFacts | None:
    """The facts of the model ``server`` serves, at the precision it loads it; ``None`` when unknown."""
    model = server.model
    facts = lookup(model) if model else None
    if facts is None or model is None:
        return None
    size = bytes_per_param(server, model, facts.bytes_per_param)
    return None if size is None else facts.loaded_as(size)


def kv_cache_bytes(server: Server) -> float | None:
    """Bytes per cached value (vLLM ``--kv-cache-dtype``); ``None`` for a value we do not know."""
    return KV_CACHE_BYTES.get((server.option("kv-cache-dtype") or "auto").lower())


def model_weights(server: Server) -> Weights | None:
    """The server's model weights, or ``None`` when the model or its size is unknown."""
    facts = served_model(server)
    if facts is None:
        return None
    return Weights(facts.params_b, facts.bytes_per_param, facts.weights_bytes())
