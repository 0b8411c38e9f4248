"""Image references are normalised the way the container runtime reads them."""

from __future__ import annotations

import pytest

from inferops.rules.images import parse_image


@pytest.mark.parametrize(("reference", "normalised", "floating"), [
    ("nginx", "docker.io/library/nginx", True),
    ("nginx:latest", "docker.io/library/nginx:latest", True),
    ("nginx:1.27", "docker.io/library/nginx:1.27", False),
    ("vllm/vllm-openai:v0.11.0", "docker.io/vllm/vllm-openai:v0.11.0", False),
    ("index.docker.io/vllm/vllm-openai", "docker.io/vllm/vllm-openai", True),
    ("ghcr.io/huggingface/text-generation-inference:3.0", "ghcr.io/huggingface/text-generation-inference:3.0", False),
    ("registry.local:5000/team/app", "registry.local:5000/team/app", True),
    ("registry.local:5000/team/app:2.1", "registry.local:5000/team/app:2.1", False),
    ("localhost/app:dev", "localhost/app:dev", False),
    ("nvcr.io/nvidia/tritonserver@sha256:" + "a" * 64, "nvcr.io/nvidia/tritonserver@sha256:" + "a" * 64, False),
    ("nginx:latest@sha256:" + "b" * 64, "docker.io/library/nginx:latest@sha256:" + "b" * 64, False),
])
def test_parse_and_normalise(reference: str, normalised: str, floating: bool) -> None:
    ref = parse_image(reference)
    assert ref.normalised == normalised
    assert ref.floating is floating


def test_registry_port_is_not_a_tag() -> None:
    ref = parse_image("registry.local:5000/app")
    assert (ref.registry, ref.repository, ref.tag) == ("registry.local:5000", "app", None)


@pytest.mark.parametrize(("pattern", "matches"), [
    ("docker.io/vllm/*", True),
    ("docker.io/vllm/vllm-openai", True),
    ("docker.io/*", True),
    ("ghcr.io/*", False),
    ("vllm/*", False),  # patterns are not normalised: write the registry
])
def test_allow_list_globs_match_the_normalised_reference_or_its_name(pattern: str, matches: bool) -> None:
    assert parse_image("vllm/vllm-openai:v0.11.0").matches(pattern) is matches
