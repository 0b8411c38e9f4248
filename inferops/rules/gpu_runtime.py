"""Read a model server's settings (vLLM or TGI) from a container's command, args and env.

Manifests spell the same setting many ways: ``--tensor-parallel-size 8``, ``--tensor-parallel-size=8``,
``--tensor_parallel_size 8`` (vLLM's argument parser accepts underscores), ``-tp 8``, ``$(TP)`` references
to the container's env, or all of it inside ``sh -c "..."``. This module turns those into one
:class:`Server` so the rules compare numbers, not strings.

vLLM has no environment variables for its engine arguments (its ``VLLM_*`` variables configure the
runtime, see docs.vllm.ai configuration/env_vars), so only flags count for vLLM. TGI's launcher reads
each flag from an env variable too (``--num-shard`` / ``NUM_SHARD``, ``--model-id`` / ``MODEL_ID``,
``--quantize`` / ``QUANTIZE``, ``--dtype`` / ``DTYPE``, ``--cuda-memory-fraction`` / ``CUDA_MEMORY_FRACTION``).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Literal

from inferops.rules.gpu_facts import whole_number
from inferops.rules.workloads import Container, view
from inferops.shapes import as_list

Runtime = Literal["vllm", "tgi"]

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
_K8S_REF = re.compile(r"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_SHELL_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_SEPARATORS = frozenset({";", "&&", "||", "|", "&"})

#: vLLM short options and their long names.
_VLLM_SHORT = {"-tp": "tensor-parallel-size", "-pp": "pipeline-parallel-size", "-dp": "data-parallel-size",
               "-q": "quantization"}
#: TGI flags and the env variables the launcher reads them from.
_TGI_ENV = {"num-shard": "NUM_SHARD", "model-id": "MODEL_ID", "quantize": "QUANTIZE", "dtype": "DTYPE",
            "cuda-memory-fraction": "CUDA_MEMORY_FRACTION"}


@dataclass(frozen=True, slots=True)
class Server:
    """A model server's settings as far as the manifest states them (``None``: not stated)."""

    runtime: Runtime
    options: dict[str, str] = field(default_factory=dict)  # long option name (dashes) -> value
    positional_model: str | None = None

    def option(self, name: str) -> str | None:
        return self.options.get(name)

    def int_option(self, name: str) -> int | None:
        value = self.option(name)
        return whole_number(value) if value is not None else None

    def float_option(self, name: str) -> float | None:
        value = self.option(name)
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    @property
    def model(self) -> str | None:
        key = "model" if self.runtime == "vllm" else "model-id"
        return self.option(key) or self.positional_model

    def _product(self, names: tuple[str, ...]) -> int | None:
        """Product of integer options (an unset one counts 1); ``None`` when one is set but not a number."""
        product = 1
        for name in names:
            value = self.option(name)
            number = whole_number(value) if value is not None else 1
            if number is None:
                return None
            product *= number
        return product

    @property
    def parallel_size(self) -> int | None:
        """GPUs the server spreads one model over (vLLM TP × PP × DP, TGI shards); ``None`` if unknown.

        vLLM defaults each size to 1; TGI's ``--num-shard`` defaults to every visible GPU, so an unset
        TGI shard count is unknown (and never wrong).
        """
        if self.runtime == "tgi":
            return self.int_option("num-shard")
        return self._product(("tensor-parallel-size", "pipeline-parallel-size", "data-parallel-size"))

    @property
    def model_shards(self) -> int | None:
        """Over how many GPUs the weights are split (TP × PP; data-parallel replicas each hold a copy)."""
        if self.runtime == "tgi":
            return self.int_option("num-shard")
        return self._product(("tensor-parallel-size", "pipeline-parallel-size"))

    def describe_parallelism(self) -> str:
        if self.runtime == "tgi":
            return f"--num-shard {self.option('num-shard')}"
        parts = [f"{flag} {self.option(name)}" for flag, name in (
            ("--tensor-parallel-size", "tensor-parallel-size"), ("--pipeline-parallel-size", "pipeline-parallel-size"),
            ("--data-parallel-size", "data-parallel-size")) if self.option(name)]
        return " × ".join(parts) or "--tensor-parallel-size 1 (the default)"


def container_env(container: Container) -> dict[str, str]:
    """Literal env values of a container (``valueFrom`` entries are unknown and left out)."""
    env: dict[str, str] = {}
    for item in as_list(container.data.get("env")):
        if isinstance(item, dict) and item.get("name") and "value" in item and item["value"] is not None:
            env[str(item["name"])] = str(item["value"])
    return env


def command_line(container: Container, env: dict[str, str]) -> list[str]:
    """The container's argv as words, with ``$(VAR)`` resolved and ``sh -c`` scripts split into words."""
    argv = [str(a) for key in ("command", "args") for a in as_list(container.data.get(key)) if a is not None]
    argv = [_K8S_REF.sub(lambda m: env.get(m.group(1), m.group(0)), a) for a in argv]
    if argv and argv[0].rsplit("/", 1)[-1] in SHELLS and "-c" in argv[1:]:
        at = argv.index("-c", 1)
        script = " ".join(argv[at + 1:at + 2])
        script = _SHELL_REF.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), script)
        script = script.replace("\\\n", " ")
        try:
            words = shlex.split(script, comments=True)
        except ValueError:
            words = script.split()
        return [w.rstrip(";") for w in words]
    return argv


def server_of(container: Container) -> Server | None:
    """The vLLM or TGI server a container runs, or ``None`` when it runs neither (or cannot tell)."""
    return view(container.data, "server_of", lambda: _server_of(container))


def _server_of(container: Container) -> Server | None:
    env = container_env(container)
    argv = command_line(container, env)
    image = str(container.data.get("image") or "").lower()
    has_command = bool(container.data.get("command"))
    if _runs_vllm(argv, image, has_command):
        # Without a command the image's entrypoint (``vllm serve`` in vllm/vllm-openai) gets the args.
        return _parse(argv if has_command else ["vllm", "serve", *argv], "vllm", env)
    if "text-generation-inference" in image or "text-generation-launcher" in argv:
        return _parse(argv, "tgi", env)
    return None


def _runs_vllm(argv: list[str], image: str, has_command: bool) -> bool:
    for i, word in enumerate(argv):
        if word.startswith("vllm.entrypoints") and word.endswith("api_server"):
            return True
        if word.rsplit("/", 1)[-1] == "vllm" and argv[i + 1:i + 2] == ["serve"]:
            return True
    # Images like vllm/vllm-openai start the API server themselves; args alone configure it.
    return "vllm" in image and not has_command


def _parse(argv: list[str], runtime: Runtime, env: dict[str, str]) -> Server:
    options: dict[str, str] = {}
    positional: str | None = None
    if runtime == "tgi":
        options.update({flag: env[var] for flag, var in _TGI_ENV.items() if var in env})
    i = 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if word in _SEPARATORS:
            continue
        name, value = _option(word, runtime)
        if name is None:
            if runtime == "vllm" and argv[i - 2:i - 1] == ["serve"] and positional is None:
                positional = word
            continue
        if value is None and i < len(argv) and not argv[i].startswith("-") and argv[i] not in _SEPARATORS:
            value = argv[i]
            i += 1
        options[name] = value if value is not None else "true"
    return Server(runtime, options, positional)


def _option(word: str, runtime: Runtime) -> tuple[str | None, str | None]:
    """``--tensor_parallel_size=8`` -> (``tensor-parallel-size``, ``8``); ``-tp`` -> its long name."""
    head, eq, value = word.partition("=")
    if head.startswith("--") and len(head) > 2:
        name = head[2:]
        return (name.replace("_", "-") if runtime == "vllm" else name), (value if eq else None)
    if runtime == "vllm" and head in _VLLM_SHORT:
        return _VLLM_SHORT[head], (value if eq else None)
    return None, None
