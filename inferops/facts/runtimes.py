"""Serving runtime images and what they need to start as a non-root user, keyed by image version.

vLLM (``docker.io/vllm/vllm-openai``)
  - Pinned default: ``v0.31.0`` (vLLM's PyPI release list shows 0.31.0-0.33.0 current in Dec 2026; v0.31.0 is
    the newest tag we found deployed from Docker Hub, e.g. docker.io/vllm/vllm-openai:v0.31.0 in public
    manifests). To bump: pick a release from https://github.com/vllm-project/vllm/releases, check
    ``docker pull docker.io/vllm/vllm-openai:vX.Y.Z``, change ``VLLM_TAG`` below, run the tests.
  - ``USER``: a uid with no ``/etc/passwd`` entry (our 1000 in this image, any OpenShift uid) dies at start in
    ``getpass.getuser()``, which torch inductor calls while vLLM inspects the model (vllm-project/vllm#44548,
    pytorch/pytorch#140765; seen as early as torch 2.6, HabanaAI/vllm-fork#929 "uid not found: 1000").
    llm-d sets ``USER`` for every vLLM pod, "required with vLLM v0.20.0+ due to torch 2.11+" (llm-d/llm-d#1995,
    llm-d/llm-d-benchmark#1573); ``TORCHINDUCTOR_CACHE_DIR`` alone is not enough (vllm-project/vllm#46734).
  - Writable paths (for ``readOnlyRootFilesystem``): ``HOME``, ``HF_HOME``, ``VLLM_CACHE_ROOT`` (default
    ``~/.cache/vllm``, vllm/envs.py), ``TRITON_CACHE_DIR`` (default ``~/.triton/cache``),
    ``TORCHINDUCTOR_CACHE_DIR`` (default ``/tmp/torchinductor_<user>``) and ``/tmp``.

Text Generation Inference (``ghcr.io/huggingface/text-generation-inference``)
  - From 3.1.1 on, the image installs Python with ``uv`` under ``/root/.local/share/uv`` and points
    ``LD_LIBRARY_PATH`` there (Dockerfile, "Moving to uv" #2919); ``/root`` is mode 700, so any non-root uid
    fails with "libpython3.11.so.1.0: cannot open shared object file" (huggingface/text-generation-inference
    #3082: "release v3.0.1 still works"; fix #3197 never merged; TGI is in maintenance mode since Dec 2025,
    last release 3.3.7). 3.1.0 is the last release whose Dockerfile installs Python in ``/opt/conda``
    (world-readable), so it is the pinned default: it starts under Pod Security ``restricted``.
  - Writable paths: ``HF_HOME`` (image default ``/data``), ``/tmp`` (the launcher's shard sockets,
    ``--shard-uds-path /tmp/text-generation-server``), ``HOME``. The entrypoint's ``ldconfig`` fails
    harmlessly as non-root ("unable to refresh ld cache, not a big deal").
"""

from __future__ import annotations

import re

VLLM_IMAGE = "docker.io/vllm/vllm-openai"
VLLM_TAG = "v0.31.0"
TGI_IMAGE = "ghcr.io/huggingface/text-generation-inference"
TGI_TAG = "3.1.0"

#: The ``USER`` a non-root vLLM container gets: any name works, ``getpass.getuser()`` only reads the variable
#: (cpython Lib/getpass.py: LOGNAME, USER, LNAME, USERNAME, then the passwd entry).
VLLM_USER = "vllm"

#: ``sizeLimit`` of the memory-backed /dev/shm: vLLM's Kubernetes guide mounts 2Gi for one NVIDIA GPU and its
#: AMD variant 8Gi for several (vllm docs/deployment/k8s.md); NCCL moves tensor-parallel traffic through
#: /dev/shm between GPUs without NVLink P2P, so several GPUs get 8Gi (the LWS vLLM example uses 15Gi).
SHM_SIZE_ONE_GPU = "2Gi"
SHM_SIZE_SEVERAL_GPUS = "8Gi"


def shm_size(gpus: int) -> str:
    """The /dev/shm ``sizeLimit`` for a model server on ``gpus`` GPUs."""
    return SHM_SIZE_SEVERAL_GPUS if gpus > 1 else SHM_SIZE_ONE_GPU


#: vLLM's default --gpu-memory-utilization (vllm/engine/arg_utils.py, EngineArgs); TGI's
#: --cuda-memory-fraction defaults to 1.0 (launcher/src/main.rs).
DEFAULT_UTILIZATION = {"vllm": 0.90, "tgi": 1.0}

#: First vLLM release for which llm-d calls ``USER`` required (torch 2.11+); older images can still hit it.
VLLM_USER_REQUIRED_SINCE = (0, 20, 0)
#: TGI releases from which the image no longer starts as non-root (see the module docstring).
TGI_ROOT_ONLY_SINCE = (3, 1, 1)

#: Why each runtime's pods start as non-root, written as a comment into the generated Deployment.
NON_ROOT_NOTE = {
    "vllm": "vLLM needs USER because the uid has no /etc/passwd entry in its image (vllm-project/vllm#44548).",
    "tgi": "TGI images from 3.1.1 on keep Python under /root and cannot start as non-root "
           "(huggingface/text-generation-inference#3082); 3.1.0 is the last one that can.",
}

_VERSION = re.compile(r"^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?(?:$|[-+])")


def image_version(tag: str | None) -> tuple[int, int, int] | None:
    """``v0.31.0`` / ``3.3.4`` / ``3.3.4-rocm`` -> (major, minor, patch); ``None`` for ``latest``, digests etc."""
    match = _VERSION.match(tag or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def runtime_of_image(repository: str) -> str | None:
    """``vllm`` / ``tgi`` for the official images (any registry mirror keeps the repository's last part)."""
    name = repository.rsplit("/", 1)[-1]
    if name == "vllm-openai":
        return "vllm"
    if name == "text-generation-inference":
        return "tgi"
    return None


def tgi_starts_as_non_root(tag: str | None) -> bool | None:
    """Whether this TGI image tag starts as a non-root uid; ``None`` when the tag says no version."""
    version = image_version(tag)
    if version is None or "rocm" in (tag or "") or "gaudi" in (tag or "") or "intel" in (tag or ""):
        return None  # other Dockerfiles; not checked
    return version < TGI_ROOT_ONLY_SINCE


def vllm_user_required(tag: str | None) -> bool:
    """Whether a vLLM image of this tag certainly needs ``USER`` as a uid without a passwd entry (unknown tags
    and digests count as current releases)."""
    version = image_version(tag)
    return version is None or version >= VLLM_USER_REQUIRED_SINCE


def writable_env(runtime: str, cache_dir: str, tmp_dir: str) -> list[tuple[str, str]]:
    """(name, value) environment that sends every path ``runtime`` writes to ``cache_dir`` or ``tmp_dir``."""
    env = [("HOME", cache_dir), ("HF_HOME", f"{cache_dir}/huggingface"), ("TMPDIR", tmp_dir)]
    if runtime == "vllm":
        env += [
            ("USER", VLLM_USER),
            ("VLLM_CACHE_ROOT", f"{cache_dir}/vllm"),
            ("TRITON_CACHE_DIR", f"{cache_dir}/triton"),
            ("TORCHINDUCTOR_CACHE_DIR", f"{cache_dir}/torchinductor"),
        ]
    return env
