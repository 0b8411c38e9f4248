"""The model spec: the short form, several models with defaults, and bad input refused with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from inferops.errors import InferopsError
from inferops.generator.context import place
from inferops.generator.spec import EXAMPLE_SPEC, MultiModelFile, SingleModelFile, load_spec

from conftest import SPECS

SHORT = """\
name: llama-3-8b
model: meta-llama/Meta-Llama-3-8B-Instruct
runtime: vllm
gpu: {count: 1}
"""


def error_of(path: Path) -> str:
    with pytest.raises(InferopsError) as exc:
        load_spec(path)
    assert exc.value.exit_code == 2
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_short_form_gets_three_environments_and_defaults(write_spec) -> None:
    spec = load_spec(write_spec(SHORT))
    assert isinstance(spec, SingleModelFile)
    repo = spec.to_repo()
    assert repo.environment_names() == ["dev", "staging", "prod"]
    (model,) = repo.models
    assert (model.name, model.runtime, model.gpu.count, model.autoscaling) == ("llama-3-8b", "vllm", 1, None)
    dev = place(repo, model, "dev")
    assert (dev.namespace, dev.replicas, str(dev.image)) == ("llm-dev", 1, "docker.io/vllm/vllm-openai:v0.31.0")


def test_environment_overrides_apply_per_environment() -> None:
    repo = load_spec(SPECS / "tensor-parallel.yaml").to_repo()
    (model,) = repo.models
    dev, prod = place(repo, model, "dev"), place(repo, model, "prod")
    assert (dev.gpus, dev.min_replicas, dev.max_replicas, dev.replicas) == (4, 1, 1, None)
    assert (prod.gpus, prod.min_replicas, prod.max_replicas) == (8, 2, 4)


def test_several_models_share_defaults_and_targets() -> None:
    spec = load_spec(SPECS / "several-models.yaml")
    assert isinstance(spec, MultiModelFile)
    repo = spec.to_repo()
    by_name = {m.name: m for m in repo.models}
    assert set(by_name) == {"llama-3-8b", "qwen-14b", "mistral-7b"}
    assert all(m.team == "ml-platform" and m.gpu.product == ["NVIDIA-A100-SXM4-80GB"] for m in repo.models)
    assert by_name["qwen-14b"].gpu.count == 2  # a model's own value beats the default
    assert by_name["mistral-7b"].runtime == "tgi"
    assert list(by_name["qwen-14b"].environments) == ["dev", "prod"]
    assert list(by_name["llama-3-8b"].environments) == ["dev", "staging", "prod"]  # from the targets
    assert place(repo, by_name["llama-3-8b"], "prod").namespace == "inference"


def test_builtin_example_is_valid() -> None:
    repo = load_spec(EXAMPLE_SPEC).to_repo()
    assert len(repo.environment_names()) == 3


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (SHORT + "gpus: 2\n", 5, "gpus: unknown key"),
        (SHORT.replace("{count: 1}", "{count: two}"), 4, "gpu.count"),
        (SHORT.replace("name: llama-3-8b", "name: Llama_3"), 1, "not a valid model name"),
        (SHORT.replace("name: llama-3-8b", "name: ../x"), 1, "not a valid model name"),
        (SHORT + "environments:\n  ../etc: {}\n", 6, "not a valid environment name"),
        (SHORT + "name: again\n", 5, "duplicate"),
        (SHORT + "image: vllm/vllm-openai:latest\n", 5, "latest"),
        (SHORT + "image: vllm/vllm-openai\n", 5, "has no tag"),
        (SHORT.replace("{count: 1}", "{count: 2, mig_profile: 3g.40gb}"), 4, "count must be 1"),
        (SHORT.replace("{count: 1}", "{product: NVIDIA-A100-SXM4-40GB, mig_profile: 3g.40gb}"), 4,
         "does not exist on NVIDIA-A100-SXM4-40GB"),
        (SHORT + "replicas: 2\nautoscaling: {max_replicas: 3}\n", 6, "either replicas or autoscaling"),
        (SHORT + "environments:\n  prod: {min_replicas: 2}\n", 5, "need autoscaling"),
        (SHORT + "autoscaling: {max_replicas: 3}\ncache: {persistent: true}\n", 6, "ReadWriteOnce"),
        ("defaults:\n  gpu: {count: 1}\n  colour: red\nmodels:\n  - name: a\n    model: org/a\n", 3,
         "defaults.colour: unknown key"),
        ("models:\n  - name: a\n    model: org/a\n  - name: a\n    model: org/b\n", 1, "used twice"),
        ("models:\n  - name: a\n    model: org/a\n    gpu: {count: 0}\n", 4, "models.0.gpu.count"),
        (SHORT + "replicas: true\n", 5, "replicas: Input should be a valid integer"),
        (SHORT + "replicas: '2'\n", 5, "replicas: Input should be a valid integer"),
        (SHORT + "namespace: " + "n" * 50 + "\n", 5, "longer than Kubernetes' 63 characters"),
        ("namespace: " + "n" * 45 + "\nmodels:\n  - {name: a, model: org/a, environments: [production]}\n", 2,
         "models: namespace"),
    ],
    ids=["unknown-key", "wrong-type", "bad-name", "path-escape-name", "path-escape-environment", "duplicate-key",
         "latest-image", "untagged-image", "mig-count", "mig-profile", "replicas-and-autoscaling",
         "min-without-autoscaling", "rwo-cache-shared", "defaults-unknown-key", "duplicate-model", "model-in-list",
         "boolean-is-not-a-number", "string-is-not-a-number", "derived-name-too-long",
         "derived-name-too-long-in-list"],
)
def test_bad_specs_name_file_and_line(write_spec, text: str, line: int, words: str) -> None:
    path = write_spec(text)
    message = error_of(path)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message


def test_tabs_are_refused_with_line(write_spec) -> None:
    path = write_spec(SHORT + "gpu:\n\tcount: 1\n")
    message = error_of(path)
    assert message.startswith(f"{path}:")
    assert "tab" in message


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"name: x\x00\x01")
    assert "binary" in error_of(path)


def test_alias_bomb_is_refused(write_spec) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    message = error_of(write_spec("\n".join(lines) + "\n"))
    assert "anchor bomb" in message


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    assert "file not found" in error_of(tmp_path / "nope.yaml")


@pytest.mark.parametrize(("text", "kind"), [("- a\n", "a list"), ("hello\n", "a string"), ("42\n", "a number")])
def test_a_spec_that_is_not_a_mapping_names_the_yaml_kind(write_spec, text: str, kind: str) -> None:
    assert error_of(write_spec(text)).endswith(f"expected a mapping at the top level, found {kind}")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_refused_without_reading_it_whole() -> None:
    assert "not a regular file" in error_of(Path("/dev/zero"))  # refused before a byte is read
