"""Estimate how much GPU memory a model's weights take, from what the manifest says about the model.

weights ≈ parameters × bytes per parameter (fp16/bf16 2, fp8/int8 1, int4 0.5; gpu-serving-facts.md #19,
after modal.com/blog/how-much-vram-need-inference). The parameter count comes from the model id
(``Meta-Llama-3-8B`` -> 8B, ``gemma-3-27b-it`` -> 27B, ``Qwen2.5-0.5B`` -> 0.5B) or a short table for
mixture-of-experts names whose size is not in the name (``Mixtral-8x7B`` is ~47B, not 56B). Names that
give only the active parameters of a mixture of experts (``Llama-4-Scout-17B-16E``: 17B active of 109B)
are unknown on purpose: a guess would make false errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inferops.rules.gpu_runtime import Server

#: Mixture-of-experts models named ``<experts>x<size>B`` -> total parameters (billions).
_MOE_TOTALS = {(8, 7.0): 46.7, (8, 22.0): 140.6}
_SEP = r"(?:^|(?<=[-_/. ]))"
_END = r"(?=$|[-_/. ])"
_MOE = re.compile(_SEP + r"(\d+)x(\d+(?:\.\d+)?)b" + _END)
_SIZE = re.compile(_SEP + r"(\d+(?:\.\d+)?)([bm])" + _END)
_EXPERTS = re.compile(_SEP + r"\d+e" + _END)

#: Bytes per parameter by --dtype (vLLM) / DTYPE (TGI).
_DTYPE_BYTES = {"float32": 4.0, "float": 4.0, "float16": 2.0, "half": 2.0, "bfloat16": 2.0, "bf16": 2.0, "fp16": 2.0}
#: Bytes per parameter by quantization method (vLLM --quantization, TGI --quantize).
_QUANT_BYTES = {
    "awq": 0.5, "awq_marlin": 0.5, "gptq": 0.5, "gptq_marlin": 0.5, "marlin": 0.5, "exl2": 0.5,
    "bitsandbytes": 0.5, "bitsandbytes-nf4": 0.5, "bitsandbytes-fp4": 0.5, "mxfp4": 0.5, "nvfp4": 0.5,
    "modelopt_fp4": 0.5, "fp8": 1.0, "fbgemm_fp8": 1.0, "modelopt": 1.0, "eetq": 1.0, "int8": 1.0,
}
#: TGI's plain ``bitsandbytes`` is 8-bit (vLLM's loads 4-bit by default).
_TGI_QUANT_BYTES = {**_QUANT_BYTES, "bitsandbytes": 1.0}
#: Hints in a model id, checked in order (e.g. ``-AWQ``, ``-FP8``, ``w4a16``, ``-bnb-4bit``).
_NAME_HINTS = (
    (re.compile(r"awq|gptq|int4|4bit|w4a16|nf4|mxfp4|nvfp4|gpt-oss"), 0.5),
    (re.compile(r"fp8|int8|8bit|w8a8|w8a16"), 1.0),
)


@dataclass(frozen=True, slots=True)
class Weights:
    params_billions: float
    bytes_per_param: float

    @property
    def mib(self) -> float:
        return self.params_billions * 1e9 * self.bytes_per_param / 2**20

    def describe(self) -> str:
        return f"{self.params_billions:g}B parameters × {self.bytes_per_param:g} bytes ≈ {self.mib / 1024:.1f} GiB"


def params_billions(model_id: str) -> float | None:
    """Parameter count stated by a model id or path; ``None`` when it does not say."""
    name = model_id.lower().rsplit("/", 2)
    text = "/".join(name[-2:])
    moe = _MOE.search(text)
    if moe:
        return _MOE_TOTALS.get((int(moe.group(1)), float(moe.group(2))))
    if _EXPERTS.search(text):
        return None
    size = _SIZE.search(text)
    if not size:
        return None
    number = float(size.group(1))
    return number if size.group(2) == "b" else number / 1000


def bytes_per_param(server: Server, model_id: str) -> float | None:
    """From the quantization flag, else hints in the model id, else the dtype flag; bf16 by default.

    ``None`` for a quantization method this table does not know (its size is a guess we do not make).
    """
    quant_flag = "quantization" if server.runtime == "vllm" else "quantize"
    table = _QUANT_BYTES if server.runtime == "vllm" else _TGI_QUANT_BYTES
    quant = (server.option(quant_flag) or "").lower()
    if quant in table:
        return table[quant]
    lowered = model_id.lower()
    for pattern, size in _NAME_HINTS:
        if pattern.search(lowered):
            return size
    if quant:
        return None
    return _DTYPE_BYTES.get((server.option("dtype") or "").lower(), 2.0)


def model_weights(server: Server) -> Weights | None:
    """The server's model weights, or ``None`` when the model or its size is unknown."""
    model = server.model
    if not model:
        return None
    params = params_billions(model)
    size = bytes_per_param(server, model)
    if params is None or size is None:
        return None
    return Weights(params, size)
