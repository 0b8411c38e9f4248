"""How many GPUs a model server spreads one model over, wherever the manifest says so.

vLLM and TGI come from :func:`inferops.rules.gpu_runtime.server_of` (flags in any spelling, ``-tp``,
``$(VAR)``, ``sh -c`` scripts, TGI's ``NUM_SHARD`` env). This module adds the other places and servers:

- vLLM flags in ``VLLM_ADDITIONAL_ARGS`` (KServe LLMInferenceService's main container, whose command
  comes from the preset config: kserve docs/samples/llmisvc) and NIM 2.x's ``NIM_PASSTHROUGH_ARGS``
  (docs.nvidia.com/nim/large-language-models/2.0.0/reference/advanced-configuration.html);
- an LLMInferenceService's ``spec.parallelism`` (``tensor``, ``pipeline``, ``data``) and a KServe
  ``workerSpec``'s ``tensorParallelSize``/``pipelineParallelSize`` (serving.kserve.io CRDs);
- KServe's Hugging Face runtime (``modelFormat: huggingface``, image ``kserve/huggingfaceserver``), which
  passes vLLM engine arguments through;
- SGLang ``--tp-size``/``--tp``, ``--pp-size`` (sglang ``python/sglang/srt/server_args.py``:
  ``--tensor-parallel-size``/``--tp-size``; ``--tp`` is argparse's unambiguous prefix, used by the
  LeaderWorkerSet SGLang example);
- NIM ``NIM_TENSOR_PARALLEL_SIZE``/``NIM_PIPELINE_PARALLEL_SIZE`` ("you will need TP * PP amount of GPUs",
  docs.nvidia.com/nim/large-language-models/1.12.0/configuration.html);
- TensorRT-LLM's ``trtllm-serve --tp_size N --pp_size M`` (TensorRT-LLM docs, commands/trtllm-serve).
  Other TensorRT-LLM launchers (a custom ``server.py``) are not read: their flags mean what the script says.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from inferops.rules.gpu_facts import whole_number
from inferops.rules.gpu_runtime import SHELLS, Server, command_line, container_env, server_of
from inferops.rules.workloads import Container, dig
from inferops.shapes import as_list, as_mapping
from inferops.validate.manifest import JsonPath, Manifest

#: Env variables holding extra vLLM command-line arguments.
VLLM_ARGS_ENV = ("VLLM_ADDITIONAL_ARGS", "NIM_PASSTHROUGH_ARGS")
NIM_ENV = {"NIM_TENSOR_PARALLEL_SIZE": "tensor", "NIM_PIPELINE_PARALLEL_SIZE": "pipeline"}
_SGLANG = {"--tensor-parallel-size": "tensor", "--tp-size": "tensor", "--tp": "tensor",
           "--pipeline-parallel-size": "pipeline", "--pp-size": "pipeline", "--pp": "pipeline",
           "--data-parallel-size": "data", "--dp-size": "data", "--dp": "data"}
_TRTLLM = {"--tp_size": "tensor", "--tp-size": "tensor", "--pp_size": "pipeline", "--pp-size": "pipeline"}
_VLLM_SIZES = (("tensor-parallel-size", "tensor"), ("pipeline-parallel-size", "pipeline"),
               ("data-parallel-size", "data"))
_PARALLEL_WORD = re.compile(r"parallel[-_]size|(?:^|\s)-[tpd]p\b|num[-_]shard|--[tp]p\b|--[tp]p[-_]size")


@dataclass(frozen=True, slots=True)
class Parallelism:
    """Parallel sizes as the manifest states them (``None``: not stated; sizes default to 1)."""

    runtime: str
    tensor: int | None = None
    pipeline: int | None = None
    data: int | None = None
    spelled: str = ""  # how the manifest says it, for messages
    path: JsonPath = ()  # where it is said, for the finding's line

    @property
    def model_shards(self) -> int:
        """GPUs the weights are split over (TP × PP)."""
        return (self.tensor or 1) * (self.pipeline or 1)

    @property
    def gpus(self) -> int:
        """GPUs one server instance uses: TP × PP × DP."""
        return self.model_shards * (self.data or 1)


def parallelism_of(c: Container, m: Manifest | None = None) -> Parallelism | None:
    """The parallel sizes of the model server in ``c`` (``m`` gives KServe's object-level settings);
    ``None`` when the container runs no server we can read or leaves the size to the server
    (TGI without ``--num-shard`` uses every visible GPU)."""
    env = container_env(c)
    argv = command_line(c, env)
    image = str(c.data.get("image") or "").lower()
    for reader in (_sglang, _trtllm):
        found = reader(c, argv)
        if found is not None:
            return found
    if "nvcr.io/nim/" in image or any(name in env for name in NIM_ENV):
        nim = _nim(c, env)
        if nim is not None:
            return nim
    return _vllm_or_tgi(c, m, env, argv, image)


def _sizes_from_flags(c: Container, argv: list[str], runtime: str, flags: dict[str, str]) -> Parallelism | None:
    sizes: dict[str, int | None] = {}
    spelled = []
    for i, word in enumerate(argv):
        head, eq, value = word.partition("=")
        if head in flags:
            text = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            sizes[flags[head]] = whole_number(text)
            spelled.append(f"{head} {text}")
    if None in sizes.values():
        return None  # stated but not a number we can read ($(VAR) from a Secret, a template)
    return Parallelism(runtime, sizes.get("tensor"), sizes.get("pipeline"), sizes.get("data"),
                       " × ".join(spelled) or "tensor parallel 1 (the default)", flag_path(c))


def _sglang(c: Container, argv: list[str]) -> Parallelism | None:
    if not any("sglang.launch_server" in w or (w.rsplit("/", 1)[-1] == "sglang" and argv[i + 1:i + 2] == ["serve"])
               for i, w in enumerate(argv)):
        return None
    return _sizes_from_flags(c, argv, "sglang", _SGLANG)


def _trtllm(c: Container, argv: list[str]) -> Parallelism | None:
    if not any(w.rsplit("/", 1)[-1] == "trtllm-serve" for w in argv):
        return None
    return _sizes_from_flags(c, argv, "tensorrt-llm", _TRTLLM)


def _nim(c: Container, env: dict[str, str]) -> Parallelism | None:
    sizes = {field: whole_number(env[name]) for name, field in NIM_ENV.items() if name in env}
    if not sizes or None in sizes.values():
        return None
    spelled = " × ".join(f"{name}={env[name]}" for name in NIM_ENV if name in env)
    return Parallelism("nim", sizes.get("tensor"), sizes.get("pipeline"), None, spelled, flag_path(c))


def _vllm_or_tgi(c: Container, m: Manifest | None, env: dict[str, str], argv: list[str],
                 image: str) -> Parallelism | None:
    extra = [w for name in VLLM_ARGS_ENV if name in env for w in _split(env[name])]
    server = server_of(c)
    kserve_default = _kserve_sizes(c, m)
    if server is None and (extra or kserve_default or _kserve_hf_runtime(c, image)):
        # KServe and NIM start vLLM themselves: the manifest only adds arguments.
        words = [w for w in argv if w.rsplit("/", 1)[-1] not in SHELLS]
        server = server_of(Container({**c.data, "command": ["vllm", "serve"], "args": [*words, *extra]},
                                     c.path, c.pod, c.list_name))
    elif server is not None and server.runtime == "vllm" and extra:
        server = server_of(Container({**c.data, "args": [*as_list(c.data.get("args")), *extra]},
                                     c.path, c.pod, c.list_name))
    if server is None:
        return None
    if server.runtime == "tgi":
        shards = server.int_option("num-shard")
        if shards is None:
            return None
        return Parallelism("tgi", shards, None, None, f"--num-shard {server.option('num-shard')}", flag_path(c))
    return _vllm_sizes(c, server, kserve_default)


def _vllm_sizes(c: Container, server: Server,
                defaults: dict[str, tuple[int, str, JsonPath]]) -> Parallelism | None:
    sizes: dict[str, int | None] = {}
    spelled = []
    path = flag_path(c)
    for option, field in _VLLM_SIZES:
        value = server.option(option)
        if value is not None:
            sizes[field] = whole_number(value)
            spelled.append(f"--{option} {value}")
        elif field in defaults:
            sizes[field], said, where = defaults[field]
            spelled.append(said)
            path = where if path == c.path else path
    if None in sizes.values():
        return None
    return Parallelism("vllm", sizes.get("tensor"), sizes.get("pipeline"), sizes.get("data"),
                       " × ".join(spelled) or "--tensor-parallel-size 1 (the default)", path)


def _kserve_sizes(c: Container, m: Manifest | None) -> dict[str, tuple[int, str, JsonPath]]:
    """Sizes set on the KServe object around the container: LLMInferenceService ``parallelism`` (of the
    template's own section: ``spec`` or ``spec.prefill``) and a predictor's ``workerSpec`` sizes."""
    if m is None:
        return {}
    found: dict[str, tuple[int, str, JsonPath]] = {}
    if m.kind == "LLMInferenceService":
        section = ("spec", "prefill") if c.pod.path[:2] == ("spec", "prefill") else ("spec",)
        parallelism = as_mapping(dig(m.data, (*section, "parallelism")))
        for field in ("tensor", "pipeline", "data"):
            value = parallelism.get(field)
            if isinstance(value, int) and not isinstance(value, bool):
                found[field] = (value, f"{'.'.join(section)}.parallelism.{field} {value}",
                                (*section, "parallelism", field))
    elif m.kind == "InferenceService" and c.pod.role == "predictor":
        worker = as_mapping(dig(m.data, ("spec", "predictor", "workerSpec")))
        for key, field in (("tensorParallelSize", "tensor"), ("pipelineParallelSize", "pipeline")):
            value = worker.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                found[field] = (value, f"workerSpec.{key} {value}", ("spec", "predictor", "workerSpec", key))
    return found


def _kserve_hf_runtime(c: Container, image: str) -> bool:
    """KServe's Hugging Face server (vLLM backend by default) or a vLLM runtime, given as a predictor ``model``."""
    model_format = as_mapping(c.data.get("modelFormat")).get("name")
    return "huggingfaceserver" in image or str(model_format).lower() in ("huggingface", "vllm")


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def flag_path(c: Container) -> JsonPath:
    """The args/command/env entry that sets the parallelism (for the finding's line), else the container."""
    for key in ("args", "command"):
        for i, item in enumerate(as_list(c.data.get(key))):
            if _PARALLEL_WORD.search(str(item)):
                return (*c.path, key, i)
    for i, item in enumerate(as_list(c.data.get("env"))):
        name = str(item.get("name")) if isinstance(item, dict) else ""
        if name in (*NIM_ENV, "NUM_SHARD") or (name in VLLM_ARGS_ENV and _PARALLEL_WORD.search(str(item.get("value")))):
            return (*c.path, "env", i)
    return c.path
