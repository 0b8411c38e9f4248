"""Serving that starts: what the runtimes need as non-root, and sizes that vLLM, TGI or the scheduler reject.

Each rule compares a manifest with the shared facts (:mod:`inferops.facts`): the runtime image's version
(vLLM's ``USER`` need, TGI's root-only images), the model table (attention heads, KV cache per token,
weights) and the GPU table (memory, GPUs per node). When the model, the GPU product or the image version is
unknown the rules say nothing: they never report an error on a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from inferops.facts.gpus import GpuModel
from inferops.facts.models import GIB, ModelFacts
from inferops.facts.runtimes import DEFAULT_UTILIZATION, runtime_of_image, tgi_starts_as_non_root, vllm_user_required
from inferops.facts.sizing import Fit
from inferops.rules.base import Context, Violation, rule
from inferops.rules.gpu_facts import parse_quantity
from inferops.rules.gpu_pods import device_memory_choices, gpu_count, pod_gpus, serving_containers, target_gpu_models
from inferops.rules.gpu_runtime import Server, container_env, server_of
from inferops.rules.gpu_weights import kv_cache_bytes, served_model
from inferops.rules.images import parse_image
from inferops.rules.workloads import Container, containers, dig, pod_specs
from inferops.shapes import as_list, as_mapping
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

FAMILY = "gpu"
#: ``getpass.getuser()`` returns the first of these that is set before it asks /etc/passwd (CPython getpass).
USER_VARIABLES = ("LOGNAME", "USER", "LNAME", "USERNAME")


def _run_as(c: Container) -> Any:
    """The uid the container runs as when the manifest says (container securityContext wins over the pod's)."""
    own = dig(c.data, ("securityContext", "runAsUser"))
    return own if own is not None else dig(c.pod.spec, ("securityContext", "runAsUser"))


def _non_root(c: Container) -> bool:
    uid = _run_as(c)
    return isinstance(uid, int) and not isinstance(uid, bool) and uid != 0


def _env_names(c: Container) -> set[str] | None:
    """Names the container's env sets; ``None`` when ``envFrom`` may set more (then nothing is concluded)."""
    if c.data.get("envFrom"):
        return None
    return {str(e.get("name")) for e in as_list(c.data.get("env")) if isinstance(e, dict)}


def _image(c: Container) -> tuple[str | None, str | None]:
    """(runtime of an official image, its tag)."""
    text = str(c.data.get("image") or "")
    if not text:
        return None, None
    image = parse_image(text)
    return runtime_of_image(image.repository), image.tag


@rule("vllm-user-missing", family=FAMILY, severity=Severity.ERROR,
      summary="vLLM runs as a non-root uid without USER set, so torch's getpass.getuser() fails at start.",
      hint="add env USER (any name, e.g. vllm) to the vLLM container")
def vllm_user_missing(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c in containers(m, ("containers",)):
        server = server_of(c)
        if server is None or server.runtime != "vllm" or not _non_root(c):
            continue
        names = _env_names(c)
        if names is None or names & set(USER_VARIABLES):
            continue
        runtime, tag = _image(c)
        if runtime == "vllm" and not vllm_user_required(tag):
            continue  # an image older than v0.20.0 (torch < 2.11): the crash is not certain there
        yield Violation(f"container {c.name} runs vLLM as uid {_run_as(c)}, which has no /etc/passwd entry in the "
                        "vLLM image, and sets no USER: torch inductor's getpass.getuser() raises "
                        "KeyError 'uid not found' and the server dies at start", (*c.path, "env"))


@rule("runtime-root-only-image", family=FAMILY, severity=Severity.ERROR,
      summary="The runtime image is known not to start as a non-root user, but the pod runs as one.",
      hint="use an image version that starts as non-root (TGI 3.1.0 or earlier), or run this pod as root in a "
           "namespace whose Pod Security allows it")
def root_only_image(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c in containers(m, ("containers",)):
        runtime, tag = _image(c)
        if runtime != "tgi" or not _non_root(c) or tgi_starts_as_non_root(tag) is not False:
            continue
        yield Violation(f"container {c.name} runs text-generation-inference:{tag} as uid {_run_as(c)}, but TGI 3.1.1 "
                        "and later install Python under /root (mode 700): text-generation-launcher fails with "
                        "'libpython3.11.so.1.0: cannot open shared object file'", (*c.path, "image"))


def _tensor_parallel(server: Server, c: Container) -> int | None:
    """GPUs one model's attention heads are split over (vLLM TP, TGI shards: all visible GPUs by default)."""
    if server.runtime == "tgi":
        return server.int_option("num-shard") or gpu_count(c) or None
    value = server.option("tensor-parallel-size")
    return 1 if value is None else server.int_option("tensor-parallel-size")


def _served(m: Manifest) -> Iterator[tuple[Container, Server, ModelFacts]]:
    for c in serving_containers(m):
        server = server_of(c)
        facts = served_model(server) if server else None
        if server is not None and facts is not None:
            yield c, server, facts


@rule("gpu-heads-indivisible", family=FAMILY, severity=Severity.ERROR,
      summary="The tensor-parallel size does not divide the model's attention heads.",
      hint="use a --tensor-parallel-size (TGI --num-shard) that divides the attention heads, e.g. 1, 2, 4 or 8")
def heads_indivisible(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c, server, facts in _served(m):
        tp = _tensor_parallel(server, c)
        if tp and tp > 0 and not facts.divides_heads(tp):
            flag = "--num-shard" if server.runtime == "tgi" else "--tensor-parallel-size"
            working = [n for n in (1, 2, 4, 8, 16) if facts.divides_heads(n)]
            yield Violation(f"container {c.name}: {flag} {tp} does not divide the {facts.heads} attention heads "
                            f"({facts.kv_heads} KV heads) of {server.model}; the server refuses to start "
                            f"(sizes that work: {', '.join(map(str, working))})", c.path)


def _node_limit(models: list[GpuModel] | None) -> tuple[int, str] | None:
    """The fewest GPUs per node among the products a pod may land on; ``None`` when one is unknown."""
    if not models or any(g.gpus_per_node is None for g in models):
        return None
    smallest = min(models, key=lambda g: g.gpus_per_node or 0)
    return smallest.gpus_per_node or 0, smallest.name


@rule("gpu-count-exceeds-node", family=FAMILY, severity=Severity.ERROR,
      summary="A pod asks for more GPUs than one node of the targeted GPU product holds.",
      hint="request at most the GPUs of one node; serve across nodes with a LeaderWorkerSet (TP per node × PP)")
def count_exceeds_node(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for pod in pod_specs(m):
        wanted = pod_gpus(pod)
        limit = _node_limit(target_gpu_models(pod)) if wanted > 1 else None
        if limit is not None and wanted > limit[0]:
            yield Violation(f"the pod asks for {wanted} GPUs, but a {limit[1]} node holds at most {limit[0]}; "
                            "it stays Pending forever", pod.path)


@rule("gpu-context-too-large", family=FAMILY, severity=Severity.ERROR,
      summary="The context length's KV cache does not fit in the GPU memory left after the weights.",
      hint="set --max-model-len (TGI --max-total-tokens) to at most the number in the message, or use more GPUs")
def context_too_large(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c, server, facts in _served(m):
        fit = _fit(c, server, facts)
        if fit is None or fit.kv_budget <= 0:
            continue  # unknown GPU, pipeline parallelism, or weights that do not fit (gpu-model-too-large)
        flag = "--max-model-len" if server.runtime == "vllm" else "--max-total-tokens"
        given = server.int_option(flag.removeprefix("--"))
        if given is None and server.runtime == "tgi":
            continue  # TGI 3 picks its token limits from the free memory
        context = given or facts.max_context
        if fit.holds(context):
            continue
        said = f"{flag} {given}" if given else f"no {flag} (the server then uses the model's {facts.max_context} tokens)"
        most = fit.max_context() // 256 * 256 or fit.max_context()
        yield Violation(f"container {c.name}: {said}: {fit.describe_kv(context)} ({fit.describe()}); "
                        f"the server refuses to start; set {flag} to at most {most}", c.path)


def _fit(c: Container, server: Server, facts: ModelFacts) -> Fit | None:
    memory = device_memory_choices(c)
    tp = _tensor_parallel(server, c)
    if not memory or not tp or (server.int_option("pipeline-parallel-size") or 1) != 1:
        return None
    flag = "gpu-memory-utilization" if server.runtime == "vllm" else "cuda-memory-fraction"
    utilization = server.float_option(flag) or DEFAULT_UTILIZATION[server.runtime]
    kv = kv_cache_bytes(server)
    if kv is None or not 0 < utilization <= 1:
        return None
    return Fit(facts, tp, min(memory), utilization, kv)


def _hf_cache_dir(c: Container, runtime: str) -> str:
    """Where the Hugging Face cache lives in the container (HF_HUB_CACHE, HF_HOME, HOME; images run as root)."""
    env = container_env(c)
    if env.get("HF_HUB_CACHE"):
        return env["HF_HUB_CACHE"]
    if env.get("HF_HOME"):
        return env["HF_HOME"].rstrip("/") + "/hub"
    if runtime == "tgi":
        return "/data"  # the TGI image sets HF_HOME=/data
    return env.get("HOME", "/root").rstrip("/") + "/.cache/huggingface/hub"


def _cache_volume(c: Container, directory: str) -> tuple[int, dict[str, Any]] | None:
    """Index and definition of the volume mounted at (or above) ``directory``: the deepest such mount."""
    best: tuple[int, str] | None = None
    for mount in as_list(c.data.get("volumeMounts")):
        path = str(mount.get("mountPath") or "").rstrip("/") if isinstance(mount, dict) else ""
        if path and (directory == path or directory.startswith(path + "/")) and (best is None or len(path) > best[0]):
            best = (len(path), str(mount.get("name")))
    if best is None:
        return None
    for i, volume in enumerate(as_list(c.pod.spec.get("volumes"))):
        if isinstance(volume, dict) and str(volume.get("name")) == best[1]:
            return i, volume
    return None


@rule("gpu-cache-too-small", family=FAMILY, severity=Severity.ERROR,
      summary="The model cache volume (or the pod's ephemeral-storage) is smaller than the model's weights.",
      hint="size the cache emptyDir's sizeLimit and the ephemeral-storage request above the weights, or use a PVC")
def cache_too_small(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c, server, facts in _served(m):
        weights = facts.weights_bytes()
        found = _cache_volume(c, _hf_cache_dir(c, server.runtime))
        empty_dir = as_mapping(found[1].get("emptyDir")) if found else {}
        if found is None or "emptyDir" not in found[1] or empty_dir.get("medium") == "Memory":
            continue
        limit = parse_quantity(empty_dir.get("sizeLimit"))
        if limit is not None and limit < weights:
            yield Violation(f"container {c.name}: the cache emptyDir {found[1].get('name')} has sizeLimit "
                            f"{empty_dir.get('sizeLimit')} ({float(limit) / GIB:.1f} GiB) but {server.model} has "
                            f"{weights / GIB:.1f} GiB of weights: the kubelet evicts the pod during the download",
                            (*c.pod.path, "volumes", found[0], "emptyDir", "sizeLimit"))
        for section in ("requests", "limits"):
            storage = parse_quantity(dig(c.data, ("resources", section, "ephemeral-storage")))
            if storage is not None and storage < weights:
                yield Violation(f"container {c.name}: ephemeral-storage {section} "
                                f"{dig(c.data, ('resources', section, 'ephemeral-storage'))} "
                                f"({float(storage) / GIB:.1f} GiB) is smaller than the {weights / GIB:.1f} GiB of "
                                f"{server.model}'s weights downloaded into an emptyDir",
                                (*c.path, "resources", section, "ephemeral-storage"))
