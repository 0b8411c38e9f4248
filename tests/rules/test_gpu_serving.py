"""Serving that starts: vLLM's USER, root-only runtime images, heads, GPUs per node, context and cache size.

Each rule fires on a realistic manifest (the shared all-passing Deployment with one thing broken) and is
silent on its fixed twin; models, GPUs or images the facts do not know are never judged.
"""

from __future__ import annotations

from typing import Any

import pytest
from gpu_cases import container, messages, pod, rule_ids, serving


def _on(product: str, model: str, gpus: int, *extra: str, runtime_args: list[str] | None = None) -> dict[str, Any]:
    d = serving()
    c = container(d)
    c["args"] = runtime_args or [model, f"--tensor-parallel-size={gpus}", *extra]
    c["resources"] = {"limits": {"nvidia.com/gpu": str(gpus)}}
    pod(d)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0][
        "matchExpressions"][0]["values"] = [product]
    return d


def _as_uid(d: dict[str, Any], uid: int, image: str) -> dict[str, Any]:
    pod(d)["securityContext"] = {"runAsNonRoot": True, "runAsUser": uid}
    container(d)["image"] = image
    return d


# --- vllm-user-missing ----------------------------------------------------------------------------------


def test_vllm_as_a_uid_without_user_is_an_error() -> None:
    d = _as_uid(serving(), 1000, "docker.io/vllm/vllm-openai:v0.31.0")
    assert messages("vllm-user-missing", d) == [
        "container vllm runs vLLM as uid 1000, which has no /etc/passwd entry in the vLLM image, and sets no USER: "
        "torch inductor's getpass.getuser() raises KeyError 'uid not found' and the server dies at start"]


@pytest.mark.parametrize("name", ["USER", "LOGNAME"])
def test_user_or_logname_fixes_it(name: str) -> None:
    d = _as_uid(serving(), 1000, "docker.io/vllm/vllm-openai:v0.31.0")
    container(d)["env"].append({"name": name, "value": "vllm"})
    assert "vllm-user-missing" not in rule_ids(d)


def test_vllm_as_root_or_an_old_image_is_not_judged() -> None:
    assert "vllm-user-missing" not in rule_ids(_as_uid(serving(), 0, "docker.io/vllm/vllm-openai:v0.31.0"))
    assert "vllm-user-missing" not in rule_ids(_as_uid(serving(), 1000, "docker.io/vllm/vllm-openai:v0.10.1"))


def test_env_from_may_set_user() -> None:
    d = _as_uid(serving(), 1000, "docker.io/vllm/vllm-openai:v0.31.0")
    container(d)["envFrom"] = [{"configMapRef": {"name": "vllm-env"}}]
    assert "vllm-user-missing" not in rule_ids(d)


# --- runtime-root-only-image ----------------------------------------------------------------------------


def _tgi(tag: str, uid: int) -> dict[str, Any]:
    d = _as_uid(_on("NVIDIA-A100-SXM4-80GB", "", 1, runtime_args=[
        "--model-id", "mistralai/Mistral-7B-Instruct-v0.3", "--num-shard", "1"]), uid,
        f"ghcr.io/huggingface/text-generation-inference:{tag}")
    del container(d)["command"]
    return d


def test_tgi_after_3_1_0_as_non_root_is_an_error() -> None:
    assert messages("runtime-root-only-image", _tgi("3.3.4", 1000)) == [
        "container vllm runs text-generation-inference:3.3.4 as uid 1000, but TGI 3.1.1 and later install Python "
        "under /root (mode 700): text-generation-launcher fails with 'libpython3.11.so.1.0: cannot open shared "
        "object file'"]


@pytest.mark.parametrize(("tag", "uid"), [("3.1.0", 1000), ("3.0.1", 1000), ("3.3.4", 0), ("latest", 1000),
                                          ("3.3.4-rocm", 1000)])
def test_tgi_images_that_start_or_cannot_be_dated_pass(tag: str, uid: int) -> None:
    assert "runtime-root-only-image" not in rule_ids(_tgi(tag, uid))


# --- gpu-heads-indivisible ------------------------------------------------------------------------------


def test_tensor_parallel_size_must_divide_the_heads() -> None:
    d = _on("NVIDIA-H100-80GB-HBM3", "meta-llama/Llama-3.3-70B-Instruct", 6, "--max-model-len=8192")
    assert messages("gpu-heads-indivisible", d) == [
        "container vllm: --tensor-parallel-size 6 does not divide the 64 attention heads (8 KV heads) of "
        "meta-llama/Llama-3.3-70B-Instruct; the server refuses to start (sizes that work: 1, 2, 4, 8, 16)"]
    fixed = _on("NVIDIA-H100-80GB-HBM3", "meta-llama/Llama-3.3-70B-Instruct", 4, "--max-model-len=8192")
    assert rule_ids(fixed) == []


def test_tgi_shards_default_to_the_visible_gpus() -> None:
    d = _tgi("3.1.0", 1000)
    container(d)["args"] = ["--model-id", "Qwen/Qwen2.5-7B-Instruct"]  # 28 heads, 4 KV heads
    container(d)["resources"] = {"limits": {"nvidia.com/gpu": "8"}}
    assert "gpu-heads-indivisible" in rule_ids(d)


def test_unknown_models_heads_are_not_judged() -> None:
    d = _on("NVIDIA-H100-80GB-HBM3", "acme/private-70b", 6)
    assert "gpu-heads-indivisible" not in rule_ids(d)


# --- gpu-count-exceeds-node -----------------------------------------------------------------------------


def test_more_gpus_than_a_node_holds_is_an_error() -> None:
    d = _on("NVIDIA-H100-80GB-HBM3", "meta-llama/Llama-3.1-405B-Instruct-FP8", 16, "--max-model-len=16384")
    assert messages("gpu-count-exceeds-node", d) == [
        "the pod asks for 16 GPUs, but a H100-80GB node holds at most 8; it stays Pending forever"]
    assert "gpu-count-exceeds-node" not in rule_ids(
        _on("NVIDIA-A100-SXM4-40GB", "meta-llama/Llama-3.1-70B-Instruct", 16, "--max-model-len=16384"))


def test_products_without_a_known_node_size_are_not_judged() -> None:
    assert "gpu-count-exceeds-node" not in rule_ids(_on("NVIDIA-H100-NVL", "acme/x", 16))


# --- gpu-context-too-large ------------------------------------------------------------------------------


def test_full_context_that_does_not_fit_is_an_error() -> None:
    d = _on("NVIDIA-L4", "meta-llama/Llama-3.1-8B-Instruct", 1)
    assert messages("gpu-context-too-large", d) == [
        "container vllm: no --max-model-len (the server then uses the model's 131072 tokens): a 131072-token context "
        "needs 16.0 GiB of KV cache per GPU, 4.3 GiB is left (8.03B parameters ≈ 15.0 GiB of weights over 1 GPU(s) "
        "= 15.0 GiB per GPU + 1 GiB reserve, of 0.9 × 22.5 GiB = 20.2 GiB usable); the server refuses to start; set "
        "--max-model-len to at most 35072"]


# An L4 reports 23034 MiB: 4.3 GiB of KV cache is 35072 bf16 tokens of Llama 3.1 8B, or twice that in fp8.
@pytest.mark.parametrize("extra", [("--max-model-len=32768",), ("--max-model-len=65536", "--kv-cache-dtype=fp8")])
def test_a_context_that_fits_passes(extra: tuple[str, ...]) -> None:
    assert "gpu-context-too-large" not in rule_ids(_on("NVIDIA-L4", "meta-llama/Llama-3.1-8B-Instruct", 1, *extra))


def test_sliding_window_layers_keep_only_their_window() -> None:
    # Gemma 3 27B: one global layer in six, so its 128k context fits four L4s.
    assert "gpu-context-too-large" not in rule_ids(_on("NVIDIA-L4", "google/gemma-3-27b-it", 4))


def test_tgi_without_max_total_tokens_is_not_judged() -> None:
    d = _tgi("3.1.0", 1000)
    container(d)["args"] = ["--model-id", "meta-llama/Llama-3.1-8B-Instruct", "--num-shard", "1"]
    pod(d)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0][
        "matchExpressions"][0]["values"] = ["NVIDIA-L4"]
    assert "gpu-context-too-large" not in rule_ids(d)
    container(d)["args"] += ["--max-total-tokens", "131072"]
    assert "gpu-context-too-large" in rule_ids(d)


# --- gpu-cache-too-small --------------------------------------------------------------------------------


def _cached(size: str, storage: str | None = None) -> dict[str, Any]:
    d = _on("NVIDIA-H100-80GB-HBM3", "meta-llama/Llama-3.3-70B-Instruct", 4, "--max-model-len=32768")
    c = container(d)
    c["env"].append({"name": "HF_HOME", "value": "/cache/huggingface"})
    c["volumeMounts"].append({"name": "cache", "mountPath": "/cache"})
    pod(d)["volumes"].append({"name": "cache", "emptyDir": {"sizeLimit": size}})
    if storage:
        c["resources"]["requests"] = {"ephemeral-storage": storage}
    return d


def test_cache_smaller_than_the_weights_is_an_error() -> None:
    assert messages("gpu-cache-too-small", _cached("50Gi")) == [
        "container vllm: the cache emptyDir cache has sizeLimit 50Gi (50.0 GiB) but meta-llama/Llama-3.3-70B-Instruct "
        "has 131.5 GiB of weights: the kubelet evicts the pod during the download"]
    assert messages("gpu-cache-too-small", _cached("200Gi", "100Gi")) == [
        "container vllm: ephemeral-storage requests 100Gi (100.0 GiB) is smaller than the 131.5 GiB of "
        "meta-llama/Llama-3.3-70B-Instruct's weights downloaded into an emptyDir"]


def test_cache_that_holds_the_weights_passes() -> None:
    assert rule_ids(_cached("170Gi", "174Gi")) == []


def test_quantised_weights_need_less_cache() -> None:
    d = _cached("50Gi")
    container(d)["args"][0] = "hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4"
    assert "gpu-cache-too-small" not in rule_ids(d)
