"""/dev/shm for multi-GPU pods, and model weights against the memory of the targeted GPUs."""

from __future__ import annotations

import pytest
from gpu_cases import container, messages, pod, rule_ids, serving


def test_multi_gpu_container_without_memory_shm_is_an_error() -> None:
    d = serving()
    del container(d)["volumeMounts"], pod(d)["volumes"]
    assert messages("gpu-shm-missing", d) == [
        "container vllm uses several GPUs but /dev/shm is not a memory-backed emptyDir; the container's default "
        "64Mi /dev/shm breaks tensor-parallel inference"]


def test_disk_backed_shm_does_not_count() -> None:
    d = serving()
    pod(d)["volumes"] = [{"name": "dshm", "emptyDir": {}}]
    assert "gpu-shm-missing" in rule_ids(d)


def test_single_gpu_without_shm_passes() -> None:
    d = serving()
    c = container(d)
    del c["volumeMounts"], pod(d)["volumes"]
    c["args"] = ["meta-llama/Meta-Llama-3-8B-Instruct"]
    c["resources"] = {"limits": {"nvidia.com/gpu": 1}}
    assert rule_ids(d) == []


def test_shm_without_size_limit_is_a_warning() -> None:
    d = serving()
    pod(d)["volumes"] = [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]
    assert messages("gpu-shm-size-limit", d) == [
        "the /dev/shm volume of container vllm has no sizeLimit; it counts against the pod's memory and can grow "
        "until the pod is evicted"]


def _serve(model: str, product: str, tp: int, *extra: str) -> dict[str, object]:
    d = serving()
    c = container(d)
    c["args"] = [model, "--tensor-parallel-size", str(tp), *extra]
    c["resources"] = {"limits": {"nvidia.com/gpu": str(tp)}}
    pod(d)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0][
        "matchExpressions"][0]["values"] = [product]
    return d


def test_model_larger_than_gpu_memory_is_an_error() -> None:
    d = _serve("meta-llama/Meta-Llama-3-70B-Instruct", "NVIDIA-L4", 2)
    assert messages("gpu-model-too-large", d) == [
        "container vllm: model does not fit: 70.6B parameters × 2 bytes ≈ 131.5 GiB over 2 GPU(s) is 65.8 GiB per GPU; "
        "0.9 × 22.5 GiB = 20.2 GiB usable"]  # an L4 reports 23034 MiB


@pytest.mark.parametrize(("model", "product", "tp", "extra"), [
    ("meta-llama/Meta-Llama-3-70B-Instruct", "NVIDIA-A100-SXM4-80GB", 4, ()),
    ("meta-llama/Meta-Llama-3-70B-Instruct", "NVIDIA-H100-80GB-HBM3", 4, ()),
    ("google/gemma-3-27b-it", "NVIDIA-L4", 4, ()),
    ("hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4", "NVIDIA-A100-SXM4-80GB", 1, ()),
    ("meta-llama/Meta-Llama-3-70B-Instruct", "NVIDIA-H100-80GB-HBM3", 2, ("--quantization", "fp8")),
])
def test_models_that_fit_pass(model: str, product: str, tp: int, extra: tuple[str, ...]) -> None:
    found = rule_ids(_serve(model, product, tp, *extra))
    assert "gpu-model-too-large" not in found and "gpu-model-memory-tight" not in found


def test_little_room_for_the_kv_cache_is_a_warning() -> None:
    d = _serve("meta-llama/Meta-Llama-3-70B-Instruct", "NVIDIA-A100-SXM4-80GB", 2)
    assert rule_ids(d) == ["gpu-model-memory-tight"]
    assert messages("gpu-model-memory-tight", d) == [
        "container vllm: only 9% of GPU memory is left for the KV cache: 70.6B parameters × 2 bytes ≈ 131.5 GiB over "
        "2 GPU(s) is 65.8 GiB per GPU; 0.9 × 80 GiB = 72.0 GiB usable"]


def test_gpu_memory_utilization_flag_is_honoured() -> None:
    d = _serve("meta-llama/Meta-Llama-3-8B-Instruct", "NVIDIA-L4", 1)
    assert not {"gpu-model-too-large", "gpu-model-memory-tight"} & set(rule_ids(d))
    d = _serve("meta-llama/Meta-Llama-3-8B-Instruct", "NVIDIA-L4", 1, "--gpu-memory-utilization=0.7")
    assert messages("gpu-model-memory-tight", d) == [
        "container vllm: only 5% of GPU memory is left for the KV cache: 8.03B parameters × 2 bytes ≈ 15.0 GiB over "
        "1 GPU(s) is 15.0 GiB per GPU; 0.7 × 22.5 GiB = 15.7 GiB usable"]


def test_mixture_of_experts_uses_total_parameters() -> None:
    d = _serve("mistralai/Mixtral-8x7B-Instruct-v0.1", "NVIDIA-A100-SXM4-80GB", 1)
    assert "gpu-model-too-large" in rule_ids(d)  # ~47B × 2 bytes ≈ 87 GiB
    assert "gpu-model-too-large" not in rule_ids(_serve("mistralai/Mixtral-8x7B-Instruct-v0.1",
                                                         "NVIDIA-A100-SXM4-80GB", 2))


@pytest.mark.parametrize("model", ["meta-llama/Llama-4-Scout-17B-16E-Instruct", "acme/llama-3-70b-finetune-v2",
                                   "/models/my-finetune"])
def test_unknown_model_size_is_not_judged(model: str) -> None:
    found = rule_ids(_serve(model, "NVIDIA-L4", 1))
    assert "gpu-model-too-large" not in found and "gpu-model-memory-tight" not in found


def test_unknown_gpu_is_not_judged() -> None:
    d = _serve("meta-llama/Meta-Llama-3-70B-Instruct", "NVIDIA-B200", 1)
    assert "gpu-model-too-large" not in rule_ids(d)


def test_mig_slice_memory_is_the_limit() -> None:
    d = _serve("meta-llama/Meta-Llama-3-8B-Instruct", "NVIDIA-A100-SXM4-40GB", 1)
    container(d)["resources"] = {"limits": {"nvidia.com/mig-1g.10gb": 1}}
    assert "gpu-model-too-large" in rule_ids(d)


def test_gpu_memory_label_gives_the_memory() -> None:
    d = _serve("meta-llama/Meta-Llama-3-70B-Instruct", "NVIDIA-L4", 1)
    del pod(d)["affinity"]
    pod(d)["nodeSelector"] = {"nvidia.com/gpu.memory": "15360"}
    assert "gpu-model-too-large" in rule_ids(d)


def test_tgi_quantize_env_is_read() -> None:
    d = _serve("x", "NVIDIA-L4", 2)
    c = container(d)
    del c["command"]
    c["image"] = "ghcr.io/huggingface/text-generation-inference:3.3.4"
    c["args"] = ["--num-shard", "2"]
    c["env"] = [{"name": "MODEL_ID", "value": "meta-llama/Meta-Llama-3-70B-Instruct"}]
    assert "gpu-model-too-large" in rule_ids(d)
    c["env"].append({"name": "QUANTIZE", "value": "bitsandbytes-nf4"})
    assert not {"gpu-model-too-large", "gpu-model-memory-tight"} & set(rule_ids(d))
