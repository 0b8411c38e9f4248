"""GPUs, context and cache for one model, from the model's facts and the spec's GPU product.

``gpu.count`` omitted: the smallest count that (a) holds the weights plus the KV cache of the context at
the runtime's memory utilisation on every listed GPU product, (b) divides the attention heads, and (c) fits
one node of the product. The context is ``max_model_len`` when given, else the model's maximum when some
count holds it, else the largest that fits. A given count (or an environment's ``gpu_count``) that breaks
(a)-(c) is refused, naming the smallest count that works. Facts come from :mod:`inferops.facts`, the same
the validator's rules use, so what the generator writes passes them.

Specs are checked here when loaded (errors name the spec line); rendering calls :func:`size` again, which
is deterministic, so ``inferops add`` re-renders recorded models the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inferops.errors import InferopsError
from inferops.facts import hub
from inferops.facts.gpus import gpu_model, mig_profile_memory_mib
from inferops.facts.models import GIB, KV_CACHE_BYTES, QUANT_BYTES, TGI_QUANT_BYTES, ModelFacts, lookup, with_quantization
from inferops.facts.runtimes import DEFAULT_UTILIZATION
from inferops.facts.sizing import MIN_CONTEXT, Fit, default_context, valid_counts

#: Cache volume: the weights plus this share (tokenizer, duplicate formats, vLLM/torch compile caches) plus
#: ``CACHE_EXTRA_GIB``, rounded up to 10Gi; never below the 50Gi default.
CACHE_HEADROOM = 1.2
CACHE_EXTRA_GIB = 10
MIN_CACHE_GIB = 50
#: Above this cache size the default volume is a PersistentVolumeClaim (when the model runs one replica):
#: re-downloading hundreds of GB on every restart is slow, and node ephemeral storage is often smaller.
PVC_ABOVE_GIB = 200


class SizingError(ValueError):
    """A size the runtime or the scheduler would reject; ``loc`` is the spec field to change."""

    def __init__(self, message: str, loc: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass(frozen=True, slots=True)
class Sizing:
    """What the generator writes for one model (base values; environments may change ``count``)."""

    count: int
    context: int | None  # None: not known and not given (no flag written)
    cache_gib: int | None  # None: model size unknown (the spec's or the default cache size)
    reason: str  # one sentence for the generated README


def _option(args: list[str], *names: str) -> str | None:
    """Value of ``--name V`` / ``--name=V`` in extra args (last one wins, as argparse does)."""
    found = None
    for i, arg in enumerate(args):
        head, eq, value = arg.partition("=")
        if head in names:
            found = value if eq else (args[i + 1] if i + 1 < len(args) else None)
    return found


def context_flag(runtime: str) -> tuple[str, ...]:
    return ("--max-model-len",) if runtime == "vllm" else ("--max-total-tokens",)


def model_facts(model: Any) -> ModelFacts | None:
    """The served model's facts: its recorded shape, else the table; with ``--quantization`` applied."""
    shape = model.model_shape
    if shape is not None:
        facts: ModelFacts | None = ModelFacts(model.model.lower(), shape.params_b, shape.layers, shape.heads,
                                              shape.kv_heads, shape.head_dim, shape.max_context,
                                              shape.bytes_per_param, shape.source, shape.mla_dim,
                                              window=shape.window, full_layers=shape.full_layers)
    else:
        facts = lookup(model.model)
    if facts is None:
        return None
    flag = "--quantization" if model.runtime == "vllm" else "--quantize"
    quant = (_option(model.args, flag, *(("-q",) if model.runtime == "vllm" else ())) or "").lower()
    table = QUANT_BYTES if model.runtime == "vllm" else TGI_QUANT_BYTES
    return with_quantization(facts, table.get(quant))


def _memory_and_node(model: Any) -> tuple[float | None, int | None, str]:
    """Smallest memory per device (MiB) and GPUs per node over the listed products, and their name."""
    products = list(model.gpu.product)
    if not products:
        return None, None, ""
    gpus = [gpu_model(p) for p in products]
    if any(g is None for g in gpus):
        return None, None, ", ".join(products)
    known = [g for g in gpus if g is not None]
    memory = float(min(g.memory_mib for g in known))
    if model.gpu.mig_profile:
        memory = float(mig_profile_memory_mib(model.gpu.mig_profile))
    nodes = [g.gpus_per_node for g in known if g.gpus_per_node]
    name = ", ".join(products) + (f" MIG {model.gpu.mig_profile}" if model.gpu.mig_profile else "")
    return memory, (min(nodes) if nodes else None), name


def _utilization(model: Any) -> float:
    flag = "--gpu-memory-utilization" if model.runtime == "vllm" else "--cuda-memory-fraction"
    try:
        value = float(_option(model.args, flag) or DEFAULT_UTILIZATION[model.runtime])
    except ValueError:
        value = DEFAULT_UTILIZATION[model.runtime]
    return value if 0 < value <= 1 else DEFAULT_UTILIZATION[model.runtime]


def given_context(model: Any) -> int | None:
    """The context the spec's ``args`` already set (the generator then writes no second flag)."""
    text = _option(model.args, *context_flag(model.runtime))
    return int(text) if text and text.isascii() and text.isdigit() else None


def _given_context(model: Any) -> int | None:
    return int(model.max_model_len) if model.max_model_len is not None else given_context(model)


def cache_gib(facts: ModelFacts) -> int:
    """Cache volume size (GiB) that holds the weights with headroom."""
    need = facts.weights_bytes() / GIB * CACHE_HEADROOM + CACHE_EXTRA_GIB
    return max(MIN_CACHE_GIB, int(math.ceil(need / 10) * 10))


def size(model: Any, count: int | None = None, where: tuple[str | int, ...] = ()) -> Sizing:
    """Size ``model`` (``count``: an environment's override, checked against the base context)."""
    facts = model_facts(model)
    memory, per_node, product = _memory_and_node(model)
    given = count if count is not None else model.gpu.count
    count_loc = where or (("gpu", "count") if model.gpu.count is not None else ("gpu",))
    context = _given_context(model)
    context_loc = ("max_model_len",) if model.max_model_len is not None else ("args",)
    if facts is None:
        return Sizing(given or 1, context, None,
                      f"{given or 1} GPU(s) as given: inferops does not know {model.model} (set model_config)"
                      if given else f"1 GPU: inferops does not know {model.model}; set gpu.count or model_config")
    if context is not None and context > facts.max_context:
        raise SizingError(f"context {context} is longer than {model.model}'s maximum of {facts.max_context} tokens "
                          "(max_position_embeddings); vLLM refuses it", context_loc)
    mig = bool(model.gpu.mig_profile)
    counts = [1] if mig else valid_counts(facts, per_node)
    util = _utilization(model)
    kv = KV_CACHE_BYTES.get((_option(model.args, "--kv-cache-dtype") or "auto").lower(), 2.0)

    def fit(n: int) -> Fit:
        return Fit(facts, n, memory or 0.0, util, kv)

    if given is not None:
        holds = None if memory is None else (lambda n: fit(n).holds(context or MIN_CONTEXT))
        _check_count(model, facts, given, per_node, product, counts, count_loc, holds)
    if memory is None:
        chosen = given or 1
        return Sizing(chosen, context, cache_gib(facts),
                      f"{chosen} GPU(s) {'as given' if given else 'by default'}; no known gpu.product to size against")
    if given is not None:
        target = context or MIN_CONTEXT
        if not fit(given).holds(target):
            raise SizingError(_too_small(model, facts, fit(given), target, counts, fit, product, per_node), count_loc)
        chosen_context = context or default_context(fit(given))
        return Sizing(given, chosen_context, cache_gib(facts),
                      f"{given} GPU(s) as given: {fit(given).describe()}; context {chosen_context} tokens")
    target = context or facts.max_context
    chosen = next((n for n in counts if fit(n).holds(target)), None)
    if chosen is None and context is None:
        chosen = next((n for n in counts if fit(n).holds(MIN_CONTEXT)), None)
    if chosen is None:
        raise SizingError(_no_count(model, facts, context or MIN_CONTEXT, counts, fit, product, per_node), ("model",))
    chosen_context = context or default_context(fit(chosen))
    return Sizing(chosen, chosen_context, cache_gib(facts),
                  f"{chosen} GPU(s), the fewest that hold the weights and a {chosen_context}-token KV cache on "
                  f"{product} and divide the {facts.heads} attention heads: {fit(chosen).describe()}")


def _check_count(model: Any, facts: ModelFacts, n: int, per_node: int | None, product: str, counts: list[int],
                 loc: tuple[str | int, ...], holds: Callable[[int], bool] | None) -> None:
    """Refuse a count vLLM or the scheduler rejects. ``holds`` tells whether a count fits the model on the
    spec's GPU (``None``: no known product), so the advice names the smallest count that really works."""
    if not facts.divides_heads(n):
        if holds is None:  # no GPU memory to size against: the nearest count vLLM accepts
            advice = f"use {([c for c in counts if c >= n] or counts)[0]}"
        else:
            working = [c for c in counts if holds(c)]
            advice = (f"the smallest count that works is {working[0]}" if working else
                      f"no count up to {per_node or 16} on {product} holds it; pick a larger GPU or a quantised model")
        raise SizingError(f"{n} GPUs do not divide the {facts.heads} attention heads ({facts.kv_heads} KV heads) of "
                          f"{model.model}; vLLM and TGI refuse it; {advice}", loc)
    if per_node is not None and n > per_node:
        raise SizingError(f"{n} GPUs per pod is more than one {product} node holds ({per_node}); the pod would stay "
                          f"Pending. Serving across nodes needs a LeaderWorkerSet (not generated yet)", loc)


def _too_small(model: Any, facts: ModelFacts, at: Fit, target: int, counts: list[int], fit: Any, product: str,
               per_node: int | None) -> str:
    what = "its weights do not fit" if at.kv_budget <= 0 else at.describe_kv(target)
    better = next((n for n in counts if fit(n).holds(target)), None)
    advice = (f"the smallest count that works is {better}" if better else
              f"no count up to {per_node or 16} on {product} works; serving across nodes needs a LeaderWorkerSet "
              "(not generated yet), or pick a larger GPU or a quantised model")
    return f"{model.model} on {at.tp} × {product}: {what} ({at.describe()}); {advice}"


def _no_count(model: Any, facts: ModelFacts, target: int, counts: list[int], fit: Any, product: str,
              per_node: int | None) -> str:
    largest = counts[-1] if counts else 1
    if model.gpu.mig_profile:
        return (f"{model.model} does not fit one {product} slice with a {target}-token context "
                f"({fit(1).describe()}); pick a larger MIG profile, whole GPUs or a quantised model")
    return (f"{model.model} does not fit one {product} node with a {target}-token context even on {largest} "
            f"GPU(s) ({fit(largest).describe()}); serving across nodes needs a LeaderWorkerSet (not generated "
            "yet), or pick a larger GPU or a quantised model")


@dataclass(frozen=True, slots=True)
class CachePlan:
    size: str  # Kubernetes quantity
    persistent: bool
    reason: str


def most_replicas(model: Any) -> int:
    """The most replicas ``model`` runs in any environment."""
    a = model.autoscaling
    envs = list(model.environments.values()) or [None]
    if a is not None:
        return max((o.max_replicas if o and o.max_replicas else a.max_replicas) for o in envs)
    return max((o.replicas if o and o.replicas else model.replicas or 1) for o in envs)


def cache_plan(model: Any, sizing: Sizing) -> CachePlan:
    """The cache volume: the spec's size and kind, else sized from the weights (a PVC above ``PVC_ABOVE_GIB``
    when one replica runs, since a ReadWriteOnce volume attaches to one node)."""
    gib = sizing.cache_gib or MIN_CACHE_GIB
    size_text = model.cache.size or f"{gib}Gi"
    why = "as given" if model.cache.size else (
        f"weights × {CACHE_HEADROOM:g} + {CACHE_EXTRA_GIB}Gi" if sizing.cache_gib else "default for an unknown model")
    persistent = model.cache.persistent
    if persistent is None:
        persistent = gib > PVC_ABOVE_GIB and model.cache.size is None and most_replicas(model) == 1
    return CachePlan(size_text, persistent, why)


def _check_cache(model: Any, facts: ModelFacts | None) -> None:
    from inferops.rules.gpu_facts import parse_quantity

    if facts is None or model.cache.size is None:
        return
    given = parse_quantity(model.cache.size)
    if given is not None and given < facts.weights_bytes():
        raise SizingError(f"cache.size {model.cache.size} is smaller than the {facts.weights_bytes() / GIB:.1f} GiB of "
                          f"{model.model}'s weights; the download would fill it and the pod be evicted; use at least "
                          f"{cache_gib(facts)}Gi or leave cache.size out", ("cache", "size"))


def _models(spec: Any) -> list[tuple[tuple[str | int, ...], Any]]:
    """(location prefix in the file, model) for a one-model or a several-models spec file."""
    if hasattr(spec, "models"):
        return [(("models", i), m) for i, m in enumerate(spec.models)]
    return [((), spec)]


def _shape_of(model: Any, spec_path: Path) -> ModelFacts | None:
    """Facts to record for ``model``: from its ``model_config`` file, else (unknown models) the Hub."""
    if model.model_shape is not None:
        return None
    if model.config_json is not None:
        return hub.facts_from_file(spec_path.parent / model.config_json, model.model)
    return hub.fetch_facts(model.model) if lookup(model.model) is None else None


def resolve(spec: Any, spec_path: Path, root: Any) -> Any:
    """Record each model's shape (``model_config`` or the Hub), then size every model and every environment's
    ``gpu_count``; the first problem is an :class:`InferopsError` naming its spec line."""
    from inferops.configfile import line_of
    from inferops.generator.spec import ModelShape

    resolved = []
    for prefix, m in _models(spec):
        try:
            facts = _shape_of(m, spec_path)
            if facts is not None:
                shape = ModelShape(params_b=facts.params_b, layers=facts.layers, heads=facts.heads,
                                   kv_heads=facts.kv_heads, head_dim=facts.head_dim, max_context=facts.max_context,
                                   bytes_per_param=facts.bytes_per_param, mla_dim=facts.mla_dim,
                                   window=facts.window, full_layers=facts.full_layers, source=facts.source[:500])
                m = m.model_copy(update={"model_shape": shape})
            base = size(m)
            _check_cache(m, model_facts(m))
            for env, o in m.environments.items():
                if o.gpu_count is not None:
                    pinned = m.model_copy(update={"max_model_len": base.context}) if base.context else m
                    size(pinned, o.gpu_count, ("environments", env, "gpu_count"))
        except hub.ConfigError as err:
            raise InferopsError(f"model_config: {err}", file=str(spec_path),
                                line=line_of(root, (*prefix, "model_config"))) from None
        except SizingError as err:
            raise InferopsError(str(err), file=str(spec_path), line=line_of(root, (*prefix, *err.loc))) from None
        resolved.append(m)
    if hasattr(spec, "models"):
        return spec.model_copy(update={"models": resolved})
    return resolved[0]
