"""Image references the generator accepts: syntactically valid and pinned (a version tag or a digest).

Parsing and Docker Hub normalisation are shared with the image rules (:mod:`inferops.rules.images`), so
the names the generator writes and the allow-list it puts in the policy match what the validator checks.
"""

from __future__ import annotations

import re

from inferops.rules.images import ImageRef, parse_image

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REFERENCE = re.compile(
    rf"^(?:{_COMPONENT}(?:/{_COMPONENT})*|[a-z0-9.-]+(?::[0-9]+)?(?:/{_COMPONENT})+)"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[a-f0-9]{64})?\Z"
)


def parse_pinned_image(ref: str) -> ImageRef:
    """Parse a pinned image reference; raise ``ValueError`` with a hint when it is not one."""
    if not _REFERENCE.fullmatch(ref):
        raise ValueError(f"{ref!r} is not an image reference like 'docker.io/vllm/vllm-openai:v0.31.0'")
    image = parse_image(ref)
    if image.floating:
        problem = "uses ':latest'" if image.tag else "has no tag"
        raise ValueError(f"image {ref!r} {problem}; pin a version tag or a digest (@sha256:...)")
    return image


def registry_glob(image: ImageRef) -> str:
    """The allow-list pattern covering ``image``: its registry plus the first path segment."""
    head, _, rest = image.repository.partition("/")
    return f"{image.registry}/{head}/*" if rest else f"{image.registry}/*"
