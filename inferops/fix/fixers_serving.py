"""Fixes that make a model server start and use what it is given: /dev/shm for several GPUs, ``USER`` for
vLLM as a non-root uid, and a tensor-parallel size equal to the GPUs of its pod. The values come from
:mod:`inferops.facts` (the generator writes the same ones)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from inferops.facts.runtimes import VLLM_USER, shm_size
from inferops.fix.registry import Append, Operation, Run, Set, Substitute, fixer
from inferops.rules.gpu_facts import whole_number
from inferops.rules.gpu_memory import SHM_PATH
from inferops.rules.gpu_pods import gpu_containers, gpu_count, gpu_resources, serving_containers, serving_group_gpus
from inferops.rules.gpu_runtime import SHELLS, server_of
from inferops.rules.gpu_weights import served_model
from inferops.rules.parallelism import parallelism_of
from inferops.rules.workloads import Container, containers
from inferops.shapes import as_list, as_mapping
from inferops.validate.manifest import JsonPath, Manifest

SHM_VOLUME = "dshm"  # the name vLLM's Kubernetes guide and the generator give the volume


def _container_at(containers: Iterator[Container], path: JsonPath) -> Container | None:
    """The container a finding's path lies in."""
    return next((c for c in containers if path[:len(c.path)] == c.path), None)


@fixer("gpu-shm-missing", summary="mounts a memory-backed emptyDir (sizeLimit from the GPU count: 2Gi for one, "
                                  "8Gi for several) at /dev/shm, or makes the volume already mounted there "
                                  "memory-backed")
def mount_shm(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    c = _container_at(gpu_containers(m), path)
    if c is None:
        return []
    volumes = as_list(c.pod.spec.get("volumes"))
    mounted = [mt for mt in as_list(c.data.get("volumeMounts"))
               if isinstance(mt, dict) and str(mt.get("mountPath") or "").rstrip("/") == SHM_PATH]
    if mounted:  # something is mounted there already: only an emptyDir may be switched to memory
        index = next((i for i, v in enumerate(volumes) if isinstance(v, dict) and v.get("name") == mounted[0].get("name")),
                     None)
        if index is None or not isinstance(volumes[index].get("emptyDir"), dict):
            return []
        return [Set((*c.pod.path, "volumes", index, "emptyDir", "medium"), "Memory")]
    names = {str(v.get("name")) for v in volumes if isinstance(v, dict)}
    mounts = {str(mt.get("name")) for mt in as_list(c.data.get("volumeMounts")) if isinstance(mt, dict)}
    shared = _shm_volumes(m, c, volumes)
    name = next(n for n in (SHM_VOLUME, *(f"{SHM_VOLUME}-{i}" for i in range(2, 100)))
                if n not in mounts and (n not in names or n in shared))
    volume = {"name": name, "emptyDir": {"medium": "Memory", "sizeLimit": shm_size(gpu_count(c))}}
    overlay = _gpu_set_by_overlay(m, c)  # the overlay that raised the GPUs gets the mount, the base stays
    ops: list[Operation] = [Append((*c.path, "volumeMounts"), ({"name": name, "mountPath": SHM_PATH},), overlay)]
    if name not in names:
        ops.append(Append((*c.pod.path, "volumes"), (volume,), overlay))
    return ops


def _shm_volumes(m: Manifest, c: Container, volumes: list[object]) -> set[str]:
    """Volumes of the pod another /dev/shm mount may share: memory-backed emptyDirs, and emptyDirs that another
    container of the pod mounts at /dev/shm (that container's own fix makes the volume memory-backed), so two
    containers end up with one volume."""
    empty = {str(v.get("name")) for v in volumes if isinstance(v, dict) and isinstance(v.get("emptyDir"), dict)}
    at_shm = {str(mt.get("name")) for other in containers(m) if other.pod.path == c.pod.path
              for mt in as_list(other.data.get("volumeMounts"))
              if isinstance(mt, dict) and str(mt.get("mountPath") or "").rstrip("/") == SHM_PATH}
    return {n for n in empty if _is_shm(volumes, n)} | (empty & at_shm)


def _is_shm(volumes: list[object], name: str) -> bool:
    """Whether the volume ``name`` is already a memory-backed emptyDir (another container's /dev/shm)."""
    return any(isinstance(v, dict) and v.get("name") == name and isinstance(v.get("emptyDir"), dict)
               and v["emptyDir"].get("medium") == "Memory" for v in volumes)


@fixer("vllm-user-missing", summary=f"adds env USER={VLLM_USER} to the vLLM container")
def set_user(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    if path[-1:] != ("env",):
        return []
    return [Append(path, ({"name": "USER", "value": VLLM_USER},))]


#: Flags that set the tensor-parallel size, per server (vLLM engine args; TGI launcher; SGLang server args).
TP_FLAGS = {"vllm": ("--tensor-parallel-size", "-tp"), "tgi": ("--num-shard",),
            "sglang": ("--tensor-parallel-size", "--tp-size", "--tp")}
#: Env variables that do (TGI reads its flags from env too; NIM has its own).
TP_ENV = {"tgi": ("NUM_SHARD",), "nim": ("NIM_TENSOR_PARALLEL_SIZE",)}


_TP_CONDITIONS = ("where pipeline and data parallelism are 1, one pod is the serving group and the model's heads "
                  "divide by the count; in the file that sets the GPUs (an overlay's patch then states the whole "
                  "args list)")


@fixer("gpu-parallelism-idle", summary="raises the tensor-parallel size (vLLM, TGI, SGLang, NIM) to the GPUs of the "
                                       f"pod, {_TP_CONDITIONS}")
@fixer("gpu-parallelism-too-large", summary="lowers the tensor-parallel size (vLLM, TGI, SGLang, NIM) to the GPUs of "
                                            f"the pod, {_TP_CONDITIONS}")
def tensor_parallel_to_gpus(m: Manifest, path: JsonPath, run: Run) -> list[Operation]:
    c = _container_at(serving_containers(m), path)
    parallel = parallelism_of(c, m) if c is not None else None
    group = serving_group_gpus(m, c) if c is not None else None
    if c is None or parallel is None or group is None or group[0] != gpu_count(c) or group[0] < 1:
        return []  # a multi-pod group: which of TP and PP to change is a person's call
    if (parallel.pipeline or 1) != 1 or (parallel.data or 1) != 1:
        return []
    gpus = group[0]
    server = server_of(c)
    facts = served_model(server) if server is not None else None
    if facts is not None and not facts.divides_heads(gpus):
        return []  # gpu-heads-indivisible would follow: fewer GPUs (or another model) is the fix
    ops = _stated(c, parallel.runtime, gpus)
    if not ops and parallel.runtime == "vllm" and parallel.tensor is None:
        ops = _added(c, gpus)
    if not ops:
        return []
    overlay = _gpu_set_by_overlay(m, c)
    if overlay is None or m.place(ops[0].path)[0] == m.place(overlay)[0]:
        return ops  # the size and the GPUs come from the same file
    if m.place(ops[0].path)[0] != m.file:
        return ops  # an overlay set the size itself: its own value is changed
    return _in_overlay(c, ops, overlay)


def _stated(c: Container, runtime: str, gpus: int) -> list[Operation]:
    """Operations that change the tensor-parallel size where the container states it."""
    flags = TP_FLAGS.get(runtime, ())
    ops: list[Operation] = []
    for key in ("command", "args"):
        words = as_list(c.data.get(key))
        for i, word in enumerate(words):
            if not isinstance(word, str):
                continue
            following = words[i + 1] if i + 1 < len(words) else None
            if word in flags and isinstance(following, str) and whole_number(following) is not None:
                ops.append(Set((*c.path, key, i + 1), str(gpus), expect=following))
            elif flags and _inline(flags).search(word):
                ops.append(Substitute((*c.path, key, i), _inline(flags), lambda found: found["head"] + str(gpus)))
    for i, item in enumerate(as_list(c.data.get("env"))):
        if isinstance(item, dict) and item.get("name") in TP_ENV.get(runtime, ()) \
                and isinstance(item.get("value"), str) and whole_number(item["value"]) is not None:
            ops.append(Set((*c.path, "env", i, "value"), str(gpus), expect=item["value"]))
    return ops


def _inline(flags: tuple[str, ...]) -> re.Pattern[str]:
    """A flag and its number in one word (``--tensor-parallel-size=1``) or inside a shell script."""
    alternatives = "|".join(re.escape(f) for f in flags)
    return re.compile(rf"(?P<head>(?<![\w-])(?:{alternatives})(?:=|[ \t]+))(?P<size>\d+)(?![\w.])")


def _added(c: Container, gpus: int) -> list[Operation]:
    """vLLM without the flag (TP 1): ``--tensor-parallel-size=N`` appended to ``args``, when the server's
    command line is a list (not a shell script, whose text we do not rewrite)."""
    command = [w for w in as_list(c.data.get("command")) if isinstance(w, str)]
    if any(w.rsplit("/", 1)[-1] in SHELLS for w in command):
        return []
    args = c.data.get("args")
    if args is not None and not (isinstance(args, list) and all(isinstance(w, str) for w in args)):
        return []
    return [Append((*c.path, "args"), (f"--tensor-parallel-size={gpus}",))]


def _gpu_set_by_overlay(m: Manifest, c: Container) -> JsonPath | None:
    """The path of the container's GPU quantity when an overlay set it (rather than the object's own file)."""
    resources = as_mapping(c.data.get("resources"))
    for part in ("limits", "requests"):
        for name in as_mapping(resources.get(part)):
            path = (*c.path, "resources", part, str(name))
            if name in gpu_resources(c) and m.place(path)[0] != m.file:
                return path
    return None


def _in_overlay(c: Container, ops: list[Operation], overlay: JsonPath) -> list[Operation]:
    """The same change written into the overlay that raised the GPUs, whose patch then states the whole list
    (a strategic merge patch replaces a list of strings whole; the base keeps its own size). Env entries
    merge by name, so they are appended to the patch alone."""
    lists: dict[str, list[object]] = {}
    out: list[Operation] = []
    for op in ops:
        key = op.path[len(c.path)]
        if key == "env" and isinstance(op, Set):
            index = op.path[len(c.path) + 1]
            out.append(Append((*c.path, "env"), ({"name": c.data["env"][index]["name"], "value": op.value},), overlay))
            continue
        words = lists.setdefault(str(key), list(as_list(c.data.get(str(key)))))
        if isinstance(op, Set):
            words[int(op.path[-1])] = op.value
        elif isinstance(op, Substitute):
            at = int(op.path[-1])
            words[at] = op.pattern.sub(op.replace, str(words[at]))
        elif isinstance(op, Append):
            words.extend(op.items)
    out += [Set((*c.path, key), words, anchor=overlay) for key, words in lists.items()]
    return out
