"""vLLM TP × PP (flags in any spelling, $(VAR) references, sh -c scripts) and TGI shards equal the GPUs."""

from __future__ import annotations

import pytest
from gpu_cases import LWS, container, messages, rule_ids, serving


def _with(args: list[str], gpus: int = 2, command: list[str] | None = None,
          env: list[dict[str, str]] | None = None) -> dict[str, object]:
    d = serving()
    c = container(d)
    c["args"] = args
    if command is not None:
        c["command"] = command
    if env is not None:
        c["env"] = env
    c["resources"] = {"limits": {"nvidia.com/gpu": str(gpus)}}
    return d


@pytest.mark.parametrize("args", [
    ["m", "--tensor-parallel-size", "4"],
    ["m", "--tensor-parallel-size=4"],
    ["m", "--tensor_parallel_size", "4"],
    ["m", "-tp", "4"],
    ["m", "-tp=4"],
    ["m", "-tp", "2", "--pipeline-parallel-size", "2"],
    ["m", "-tp", "2", "-pp=2"],
    ["m", "-tp", "2", "--data-parallel-size", "2"],
])
def test_every_vllm_spelling_is_understood(args: list[str]) -> None:
    assert "gpu-parallelism-too-large" not in rule_ids(_with(args, gpus=4))
    assert "gpu-parallelism-idle" not in rule_ids(_with(args, gpus=4))
    assert "gpu-parallelism-too-large" in rule_ids(_with(args, gpus=2))
    assert "gpu-parallelism-idle" in rule_ids(_with(args, gpus=8))


def test_tensor_parallel_above_the_gpu_limit_is_an_error() -> None:
    d = _with(["m", "--tensor-parallel-size", "8"], gpus=4)
    assert messages("gpu-parallelism-too-large", d) == [
        "container vllm runs vllm with --tensor-parallel-size 8 = 8 GPUs, but its serving group has 4 GPU(s); "
        "the server cannot start"]


def test_tensor_parallel_below_the_gpu_limit_is_a_warning() -> None:
    d = _with(["m"], gpus=4)  # vLLM's default tensor-parallel size is 1
    assert messages("gpu-parallelism-idle", d) == [
        "container vllm runs vllm with --tensor-parallel-size 1 (the default) = 1 GPUs, but its serving group has "
        "4 GPU(s); 3 GPU(s) sit idle"]


def test_env_references_are_resolved() -> None:
    env = [{"name": "TP", "value": "4"}, {"name": "MODEL_ID", "value": "google/gemma-3-27b-it"}]
    d = _with(["--model=$(MODEL_ID)", "--tensor-parallel-size=$(TP)"], gpus=4,
              command=["python3", "-m", "vllm.entrypoints.openai.api_server"], env=env)
    assert rule_ids(d) == []
    d = _with(["--model=$(MODEL_ID)", "--tensor-parallel-size=$(TP)"], gpus=8,
              command=["python3", "-m", "vllm.entrypoints.openai.api_server"], env=env)
    assert rule_ids(d) == ["gpu-parallelism-idle"]


def test_unresolvable_reference_is_not_judged() -> None:
    d = _with(["m", "--tensor-parallel-size=$(FROM_SECRET)"], gpus=4)
    assert rule_ids(d) == []


def test_shell_script_commands_are_parsed() -> None:
    script = "pip list; vllm serve google/gemma-3-27b-it \\\n  --tensor-parallel-size 8 --port 8000"
    d = _with([script], gpus=4, command=["/bin/sh", "-c"])
    assert rule_ids(d) == ["gpu-parallelism-too-large"]
    d = _with([script], gpus=8, command=["/bin/sh", "-c"])
    assert rule_ids(d) == []


def test_image_entrypoint_with_args_only_counts_as_vllm() -> None:
    d = _with(["--model", "m", "--tensor-parallel-size", "2"], gpus=2)
    del container(d)["command"]
    assert rule_ids(d) == []
    container(d)["args"][-1] = "4"
    assert rule_ids(d) == ["gpu-parallelism-too-large"]


def test_other_servers_are_not_judged() -> None:
    d = _with(["--tp=2", "--pp=8"], gpus=8, command=["python3", "server.py"])
    container(d)["image"] = "nvcr.io/nvidia/tritonserver:24.08-trtllm-python-py3"
    assert not {"gpu-parallelism-idle", "gpu-parallelism-too-large"} & set(rule_ids(d))


def _tgi(args: list[str], env: list[dict[str, str]], gpus: int) -> dict[str, object]:
    d = _with(args, gpus=gpus, env=env)
    c = container(d)
    del c["command"]
    c["image"] = "ghcr.io/huggingface/text-generation-inference:3.3.4"
    return d


def test_tgi_num_shard_flag_and_env() -> None:
    assert rule_ids(_tgi(["--model-id", "google/gemma-2-9b-it", "--num-shard=2"], [], gpus=2)) == []
    assert rule_ids(_tgi(["--model-id", "google/gemma-2-9b-it", "--num-shard=4"], [], gpus=2)) == [
        "gpu-parallelism-too-large"]
    env = [{"name": "NUM_SHARD", "value": "1"}, {"name": "MODEL_ID", "value": "google/gemma-2-9b-it"}]
    assert messages("gpu-parallelism-idle", _tgi([], env, gpus=2)) == [
        "container vllm runs tgi with --num-shard 1 = 1 GPUs, but its serving group has 2 GPU(s); 1 GPU(s) sit idle"]


def test_tgi_without_num_shard_uses_all_gpus() -> None:
    assert rule_ids(_tgi(["--model-id", "google/gemma-2-9b-it"], [], gpus=2)) == []




def test_leader_worker_set_counts_gpus_of_the_whole_group() -> None:
    assert rule_ids(LWS.replace("PP", "2")) == []
    assert messages("gpu-parallelism-too-large", LWS.replace("PP", "4")) == [
        "container vllm-leader runs vllm with --tensor-parallel-size 8 × --pipeline-parallel-size 4 = 32 GPUs, "
        "but its serving group has 8 GPUs (leader) + 1 × 8 GPUs (workers) = 16 GPUs; the server cannot start"]
    # PP 1 leaves the worker idle, and 405B weights do not fit on the leader's 8 GPUs alone
    assert rule_ids(LWS.replace("PP", "1")) == ["gpu-model-too-large", "gpu-parallelism-idle"]


@pytest.mark.parametrize(("command", "args"), [
    (["python3", "-m", "sglang.launch_server"], ["--model-path", "m", "--tp-size", "4"]),
    (["python3", "-m", "sglang.launch_server"], ["--model-path", "m", "--tp", "4"]),
    (["python3", "-m", "sglang.launch_server"], ["--model-path", "m", "--tensor-parallel-size=2", "--pp-size", "2"]),
    (["sglang", "serve"], ["--model-path", "m", "--tp=4"]),
    (["trtllm-serve"], ["m", "--tp_size", "4"]),
    (["trtllm-serve"], ["m", "--tp_size", "2", "--pp_size", "2"]),
    (["sh", "-c"], ["vllm serve m -tp 4 --port 8000"]),
    (["bash", "-c"], ["exec python3 -m vllm.entrypoints.openai.api_server --model m --tensor_parallel_size=4"]),
])
def test_sglang_tensorrt_llm_and_shell_spellings_are_understood(command: list[str], args: list[str]) -> None:
    assert not {"gpu-parallelism-idle", "gpu-parallelism-too-large"} & set(rule_ids(_with(args, 4, command)))
    assert "gpu-parallelism-too-large" in rule_ids(_with(args, 2, command))
    assert "gpu-parallelism-idle" in rule_ids(_with(args, 8, command))


def _env_only(image: str, env: list[dict[str, str]], gpus: int) -> dict[str, object]:
    d = _with([], gpus=gpus, env=env)
    c = container(d)
    del c["command"], c["args"]
    c["image"] = image
    return d


def test_nim_parallelism_env_is_read() -> None:
    env = [{"name": "NIM_TENSOR_PARALLEL_SIZE", "value": "4"}]
    image = "nvcr.io/nim/meta/llama-3.1-70b-instruct:1.3.3"
    assert not {"gpu-parallelism-idle", "gpu-parallelism-too-large"} & set(rule_ids(_env_only(image, env, 4)))
    assert messages("gpu-parallelism-too-large", _env_only(image, env, 2)) == [
        "container vllm runs nim with NIM_TENSOR_PARALLEL_SIZE=4 = 4 GPUs, but its serving group has 2 GPU(s); "
        "the server cannot start"]
    env.append({"name": "NIM_PIPELINE_PARALLEL_SIZE", "value": "2"})
    assert "gpu-parallelism-idle" in rule_ids(_env_only(image, env, 16))


def test_vllm_additional_args_env_is_read() -> None:
    env = [{"name": "VLLM_ADDITIONAL_ARGS", "value": "--max-model-len 8192 --tensor-parallel-size=4"}]
    assert "gpu-parallelism-too-large" in rule_ids(_env_only("ghcr.io/llm-d/llm-d-cuda:v0.9.0", env, 2))
    assert not {"gpu-parallelism-idle", "gpu-parallelism-too-large"} & set(
        rule_ids(_env_only("ghcr.io/llm-d/llm-d-cuda:v0.9.0", env, 4)))


def test_an_unknown_image_without_a_recognised_command_is_not_judged() -> None:
    assert not {"gpu-parallelism-idle", "gpu-parallelism-too-large"} & set(
        rule_ids(_env_only("example.com/my-server:1.0", [], 4)))
