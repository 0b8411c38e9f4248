"""Image guardrails: every image is pinned (a tag that is not ``latest``, or a digest where the environment
asks for one) and comes from an allowed registry (gpu-serving-facts.md D.34, D.37)."""

from __future__ import annotations

from collections.abc import Iterator

from inferops.placeholders import is_placeholder
from inferops.rules.base import Context, Violation, rule
from inferops.rules.images import ImageRef, parse_image
from inferops.rules.workloads import Container, containers
from inferops.validate.findings import Severity
from inferops.validate.manifest import Manifest

FAMILY = "guardrails"


def _images(m: Manifest) -> Iterator[tuple[Container, ImageRef]]:
    for c in containers(m):
        image = c.data.get("image")
        if isinstance(image, str) and image.strip() and not is_placeholder(image):
            yield c, parse_image(image)


@rule(
    "image-tag-latest", family=FAMILY, severity=Severity.ERROR,
    summary="An image has no tag or the tag `latest` (and no digest), so what runs is not what Git says.",
    hint="pin a version tag, e.g. vllm/vllm-openai:v0.11.0, or a digest",
)
def image_tag_latest(m: Manifest, ctx: Context) -> Iterator[Violation]:
    for c, ref in _images(m):
        problem = "has no tag (which means latest)" if ref.tag is None else "uses the tag latest"
        if ref.floating:
            yield Violation(f"container {c.name}: image {ref.normalised} {problem}", (*c.path, "image"))


@rule(
    "image-digest-required", family=FAMILY, severity=Severity.ERROR,
    summary="The environment's policy sets require_digest and an image is not pinned by digest.",
    hint="append the digest: image: repo:tag@sha256:<digest> (kustomize `images:` can set it per overlay)",
)
def image_digest_required(m: Manifest, ctx: Context) -> Iterator[Violation]:
    env = m.environment
    if not ctx.policy.environment(env).require_digest:
        return
    for c, ref in _images(m):
        if ref.digest is None:
            yield Violation(
                f"container {c.name}: image {ref.normalised} has no digest; environment {env} requires one",
                (*c.path, "image"),
            )


@rule(
    "image-registry-not-allowed", family=FAMILY, severity=Severity.ERROR,
    summary="An image does not match any glob of the policy's allowed_registries.",
    hint="use an image from an allowed registry (or mirror it there), or add a glob to allowed_registries",
)
def image_registry_not_allowed(m: Manifest, ctx: Context) -> Iterator[Violation]:
    allowed = ctx.policy.allowed_registries
    if not allowed:
        return
    for c, ref in _images(m):
        if not any(ref.matches(pattern) for pattern in allowed):
            yield Violation(
                f"container {c.name}: image {ref.normalised} matches none of allowed_registries "
                f"({', '.join(allowed)})",
                (*c.path, "image"),
            )
