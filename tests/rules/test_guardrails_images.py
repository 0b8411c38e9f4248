"""Image guardrails: image-tag-latest, image-digest-required, image-registry-not-allowed."""

from __future__ import annotations

import pytest
from guardrail_cases import WORKLOAD_YAML, ids, load, pod, run, server, workload

from inferops.policy import EnvironmentPolicy, Policy
from inferops.rules.base import Context, run_rules

DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize("image", ["docker.io/vllm/vllm-openai", "vllm/vllm-openai:latest", "nginx"])
def test_missing_or_latest_tag_is_an_error(image: str) -> None:
    data = workload()
    server(data)["image"] = image
    findings = run([data])
    assert [f.rule_id for f in findings] == ["image-tag-latest"]
    assert findings[0].severity.value == "error"


def test_a_digest_pins_even_without_a_tag() -> None:
    data = workload()
    server(data)["image"] = f"docker.io/vllm/vllm-openai@{DIGEST}"
    assert ids([data]) == []


def test_init_containers_are_checked() -> None:
    data = workload()
    pod(data)["initContainers"][0]["image"] = "busybox"
    findings = run([data])
    assert [f.rule_id for f in findings] == ["image-tag-latest"]
    assert "container fetch" in findings[0].message


PROD_DIGEST = Policy(environments={"prod": EnvironmentPolicy(require_digest=True)})


def test_digest_required_only_in_environments_whose_policy_says_so() -> None:
    prod, dev = workload(), workload()
    prod["metadata"]["labels"]["inferops.io/environment"] = "prod"
    dev["metadata"]["labels"]["inferops.io/environment"] = "dev"
    findings = run([prod, dev], PROD_DIGEST)
    assert [f.rule_id for f in findings] == ["image-digest-required"] * 2  # server and init container
    assert all("environment prod" in f.message for f in findings)
    server(prod)["image"] += f"@{DIGEST}"
    pod(prod)["initContainers"][0]["image"] += f"@{DIGEST}"
    assert ids([prod, dev], PROD_DIGEST) == []


def test_digest_required_reads_the_environment_from_the_overlay_path() -> None:
    manifests = load(WORKLOAD_YAML, file="apps/llama/overlays/prod/deployment.yaml")
    found = {f.rule_id for f in run_rules(manifests, Context(PROD_DIGEST), ["guardrails"])}
    assert found == {"image-digest-required"}


def test_registry_allow_list() -> None:
    policy = Policy(allowed_registries=["docker.io/vllm/*", "docker.io/library/busybox"])
    assert ids([workload()], policy) == []
    data = workload()
    server(data)["image"] = "quay.io/someone/vllm:v0.11.0"
    findings = run([data], policy)
    assert [f.rule_id for f in findings] == ["image-registry-not-allowed"]
    assert "quay.io/someone/vllm:v0.11.0" in findings[0].message


def test_empty_allow_list_allows_any_registry() -> None:
    data = workload()
    server(data)["image"] = "quay.io/someone/vllm:v0.11.0"
    assert ids([data], Policy(allowed_registries=[])) == []
