"""GPU resource requests: limits set, requests equal, whole numbers, known names, valid MIG profiles."""

from __future__ import annotations

import pytest
from gpu_cases import container, messages, pod, rule_ids, serving


def test_the_recommended_deployment_passes_every_gpu_rule() -> None:
    assert rule_ids(serving()) == []


def test_gpu_only_in_requests_is_an_error() -> None:
    d = serving()
    del container(d)["resources"]["limits"]["nvidia.com/gpu"]
    assert "gpu-limit-missing" in rule_ids(d)
    assert messages("gpu-limit-missing", d) == ["container vllm requests nvidia.com/gpu but has no limit for it"]


def test_request_different_from_limit_is_an_error() -> None:
    d = serving()
    container(d)["resources"]["requests"]["nvidia.com/gpu"] = "1"
    assert messages("gpu-request-limit-mismatch", d) == [
        "container vllm requests nvidia.com/gpu: 1 but limits it to 2"]


def test_request_equal_to_limit_in_another_spelling_passes() -> None:
    d = serving()
    container(d)["resources"]["requests"]["nvidia.com/gpu"] = 2  # int vs "2"
    container(d)["resources"]["limits"]["nvidia.com/gpu"] = "2000m"
    assert "gpu-request-limit-mismatch" not in rule_ids(d)


@pytest.mark.parametrize("value", ["0.5", 0.5, "1500m", "two"])  # placeholders: tests/test_placeholders.py
def test_fractional_or_unparsable_gpu_quantity_is_an_error(value: object) -> None:
    d = serving()
    container(d)["resources"] = {"limits": {"nvidia.com/gpu": value}}
    assert messages("gpu-whole-number", d) == [f"container vllm sets nvidia.com/gpu: {value!r}, not a whole number"]


def test_misspelt_gpu_resource_is_an_error() -> None:
    d = serving()
    container(d)["resources"] = {"limits": {"nvidia.com/gpus": "2"}}
    assert messages("gpu-resource-name", d) == [
        "container vllm asks for unknown GPU resource 'nvidia.com/gpus'; the pod would stay Pending"]


@pytest.mark.parametrize("name", ["amd.com/gpu", "gpu.intel.com/i915", "gpu.intel.com/xe", "nvidia.com/gpu.shared",
                                  "nvidia.com/mig-3g.20gb"])
def test_known_gpu_resources_pass(name: str) -> None:
    d = serving()
    container(d)["resources"] = {"limits": {name: "1"}}
    assert "gpu-resource-name" not in rule_ids(d)


def _mig(profile: str, product: str) -> dict[str, object]:
    d = serving()
    container(d)["resources"] = {"limits": {f"nvidia.com/mig-{profile}": 1}}
    pod(d)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0][
        "matchExpressions"][0]["values"] = [product]
    return d


def test_mig_profile_of_another_gpu_is_an_error() -> None:
    d = _mig("3g.40gb", "NVIDIA-A100-SXM4-40GB")
    assert messages("gpu-mig-profile", d) == [
        "container vllm asks for MIG profile 3g.40gb, but the targeted GPU (A100-40GB) offers "
        "1g.10gb, 1g.5gb, 2g.10gb, 3g.20gb, 4g.20gb, 7g.40gb"]


def test_mig_on_a_gpu_without_mig_is_an_error() -> None:
    assert messages("gpu-mig-profile", _mig("1g.5gb", "NVIDIA-L4")) == [
        "container vllm asks for MIG profile 1g.5gb, but the targeted GPU (L4-24GB) does not support MIG"]


@pytest.mark.parametrize(("profile", "product"), [("1g.10gb", "NVIDIA-A100-SXM4-80GB"),
                                                  ("1g.10gb", "NVIDIA-A100-SXM4-40GB"),  # mig-parted all-1g.10gb
                                                  ("3g.40gb", "NVIDIA-H100-80GB-HBM3"),
                                                  ("4g.24gb", "NVIDIA-A30"), ("7g.141gb", "NVIDIA-H200")])
def test_mig_profile_of_the_targeted_gpu_passes(profile: str, product: str) -> None:
    assert "gpu-mig-profile" not in rule_ids(_mig(profile, product))


def test_mig_profile_with_unknown_gpu_is_not_judged() -> None:
    d = _mig("1g.23gb", "NVIDIA-B200")
    assert "gpu-mig-profile" not in rule_ids(d)


def test_whole_gpu_with_mig_slice_is_a_warning() -> None:
    d = serving()
    container(d)["resources"] = {"limits": {"nvidia.com/gpu": 1, "nvidia.com/mig-1g.5gb": 1}}
    assert messages("gpu-mixed-devices", d) == [
        "container vllm mixes GPU device types (nvidia.com/gpu, nvidia.com/mig-1g.5gb); only one is usable"]


def test_two_mig_profiles_are_a_warning_and_one_passes() -> None:
    d = serving()
    container(d)["resources"] = {"limits": {"nvidia.com/mig-1g.5gb": 1, "nvidia.com/mig-2g.10gb": 1}}
    assert "gpu-mixed-devices" in rule_ids(d)
    container(d)["resources"] = {"limits": {"nvidia.com/mig-2g.10gb": 2}}
    assert "gpu-mixed-devices" not in rule_ids(d)


def test_more_than_one_shared_gpu_is_a_warning() -> None:
    d = serving()
    container(d)["resources"] = {"limits": {"nvidia.com/gpu.shared": 2}}
    assert messages("gpu-shared-request", d) == ["container vllm asks for 2 shares of one time-sliced GPU"]
    container(d)["resources"] = {"limits": {"nvidia.com/gpu.shared": 1}}
    assert "gpu-shared-request" not in rule_ids(d)


def test_findings_point_at_the_resource_line() -> None:
    from inferops.policy import Policy
    from inferops.rules.base import Context, run_rules
    from inferops.validate.loader import load_documents

    text = """apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: c
      image: x
      resources:
        limits:
          nvidia.com/gpu: "0.5"
"""
    loaded = load_documents(text, "p.yaml", strict=False).manifests
    found = [f for f in run_rules(loaded, Context(Policy()), ["gpu"]) if f.rule_id == "gpu-whole-number"]
    assert [(f.file, f.line) for f in found] == [("p.yaml", 11)]
