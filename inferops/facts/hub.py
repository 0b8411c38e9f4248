"""A model's shape from its ``config.json``: a file named in the spec, or the Hugging Face Hub.

The Hub is only asked when the optional ``huggingface_hub`` package is installed (``pip install
inferops[hub]``); it honours ``HF_TOKEN`` (gated models), ``HF_HUB_OFFLINE=1`` (never touch the network)
and its local cache (``HF_HOME``), exactly as ``huggingface_hub`` documents them
(huggingface.co/docs/huggingface_hub/package_reference/environment_variables). The parameter count comes
from the safetensors metadata (``get_safetensors_metadata``) when the Hub answers, else it is estimated
from the config (embeddings + attention + MLP per layer, all experts counted).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from inferops.facts.models import DTYPE_BYTES, QUANT_BYTES, ModelFacts

#: A config.json larger than this is not a model config.
MAX_CONFIG_BYTES = 1_000_000


class ConfigError(ValueError):
    """A config.json that does not describe a transformer we can size."""


def _int(config: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _bytes_per_param(config: Mapping[str, Any]) -> float:
    quant = config.get("quantization_config")
    if isinstance(quant, Mapping):
        method = str(quant.get("quant_method") or "").lower()
        bits = quant.get("bits")
        if isinstance(bits, int) and bits in (4, 8):
            return bits / 8
        if method in QUANT_BYTES:
            return QUANT_BYTES[method]
    dtype = str(config.get("torch_dtype") or config.get("dtype") or "bfloat16").lower()
    return DTYPE_BYTES.get(dtype, 2.0)


def estimate_params(config: Mapping[str, Any]) -> float | None:
    """Parameters (billions) of a decoder-only transformer from its config; ``None`` when fields are missing."""
    hidden = _int(config, "hidden_size")
    layers = _int(config, "num_hidden_layers")
    heads = _int(config, "num_attention_heads")
    vocab = _int(config, "vocab_size")
    inter = _int(config, "moe_intermediate_size", "intermediate_size")
    if not (hidden and layers and heads and vocab and inter):
        return None
    kv = _int(config, "num_key_value_heads") or heads
    head_dim = _int(config, "head_dim") or hidden // heads
    experts = _int(config, "num_local_experts", "num_experts", "n_routed_experts") or 1
    shared = _int(config, "n_shared_experts") or 0
    attention = hidden * head_dim * (2 * heads + 2 * kv)
    mlp = 3 * hidden * inter * (experts + shared)
    embeddings = vocab * hidden * (1 if config.get("tie_word_embeddings") else 2)
    return (layers * (attention + mlp) + embeddings) / 1e9


def facts_from_config(config: Mapping[str, Any], name: str, source: str, params_b: float | None = None) -> ModelFacts:
    """:class:`ModelFacts` from a ``config.json`` (multimodal configs: their ``text_config``)."""
    text = config.get("text_config")
    if isinstance(text, Mapping):
        config = {**config, **text}
    layers = _int(config, "num_hidden_layers", "n_layer", "num_layers")
    heads = _int(config, "num_attention_heads", "n_head")
    hidden = _int(config, "hidden_size", "n_embd")
    if not (layers and heads and hidden):
        raise ConfigError("needs num_hidden_layers, num_attention_heads and hidden_size")
    params = params_b if params_b is not None else estimate_params(config)
    if params is None:
        raise ConfigError("needs vocab_size and intermediate_size to estimate the parameter count")
    mla = (_int(config, "kv_lora_rank") or 0) + (_int(config, "qk_rope_head_dim") or 0)
    window, full = _sliding_window(config, layers)
    return ModelFacts(
        name=name, params_b=round(params, 2), layers=layers, heads=heads,
        kv_heads=_int(config, "num_key_value_heads") or heads,
        head_dim=_int(config, "head_dim") or hidden // heads,
        max_context=_int(config, "max_position_embeddings", "n_positions", "seq_length") or 4096,
        bytes_per_param=_bytes_per_param(config), source=source,
        mla_dim=mla if _int(config, "kv_lora_rank") else 0, window=window, full_layers=full,
    )


def _sliding_window(config: Mapping[str, Any], layers: int) -> tuple[int, int]:
    """(window, layers with full attention) from ``layer_types`` or ``sliding_window_pattern``; (0, 0) when the
    config states no mix of windowed and full layers (counting every layer as full is the safe side)."""
    window = _int(config, "sliding_window")
    types = config.get("layer_types")
    if window and isinstance(types, list) and len(types) == layers:
        full = sum(1 for t in types if t == "full_attention")
        return (window, full) if full < layers else (0, 0)
    pattern = _int(config, "sliding_window_pattern")
    if window and pattern and pattern > 1:
        return window, layers // pattern
    return 0, 0


def read_config(path: Path) -> dict[str, Any]:
    """A local ``config.json`` as a mapping; :class:`ConfigError` when it is not one."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ConfigError(f"{path} is not JSON: {str(err).splitlines()[0][:200]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object")
    return data


def facts_from_file(path: Path, model_id: str) -> ModelFacts:
    return facts_from_config(read_config(path), model_id, str(path))


def fetch_facts(model_id: str) -> ModelFacts | None:
    """The model's facts from the Hugging Face Hub (config.json + safetensors metadata), or ``None`` when
    ``huggingface_hub`` is not installed, the Hub is off (``HF_HUB_OFFLINE``) and nothing is cached, or the
    model cannot be read (gated without ``HF_TOKEN``, not found, no network)."""
    try:
        import huggingface_hub  # optional: pip install inferops[hub]
    except ImportError:
        return None
    try:
        path = huggingface_hub.hf_hub_download(model_id, "config.json")
        config = read_config(Path(path))
    except Exception:  # noqa: BLE001 - any Hub failure means "unknown model", never a crash
        return None
    params: float | None = None
    try:
        meta = huggingface_hub.get_safetensors_metadata(model_id)
        params = sum(meta.parameter_count.values()) / 1e9
    except Exception:  # noqa: BLE001 - metadata is optional; estimate from the config instead
        params = None
    try:
        return facts_from_config(config, model_id, f"https://huggingface.co/{model_id}/blob/main/config.json", params)
    except ConfigError:
        return None
