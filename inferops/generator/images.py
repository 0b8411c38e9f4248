"""Container image references: parse, refuse unpinned ones, and spell them fully qualified.

Generated manifests always name images as ``registry/path:tag`` (Docker Hub made explicit as
``docker.io``), so the registry allow-list in the policy file matches without guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REFERENCE = re.compile(
    rf"^(?P<name>{_COMPONENT}(?:/{_COMPONENT})*|[a-z0-9.-]+(?::[0-9]+)?(?:/{_COMPONENT})+)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)


@dataclass(frozen=True, slots=True)
class Image:
    registry: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        return f"{self.registry}/{self.path}"

    def __str__(self) -> str:
        ref = self.repository
        if self.tag:
            ref += f":{self.tag}"
        if self.digest:
            ref += f"@{self.digest}"
        return ref

    @property
    def registry_glob(self) -> str:
        """The allow-list pattern covering this image: registry plus its first path segment."""
        head, _, rest = self.path.partition("/")
        return f"{self.registry}/{head}/*" if rest else f"{self.registry}/*"


def parse_image(ref: str) -> Image:
    """Parse a pinned image reference; raise ``ValueError`` with a hint when it is not one."""
    match = _REFERENCE.match(ref)
    if not match:
        raise ValueError(f"{ref!r} is not an image reference like 'docker.io/vllm/vllm-openai:v0.11.0'")
    name, tag, digest = match["name"], match["tag"], match["digest"]
    if not tag and not digest:
        raise ValueError(f"image {ref!r} has no tag; pin a version tag or a digest (@sha256:...)")
    if tag == "latest" and not digest:
        raise ValueError(f"image {ref!r} uses ':latest'; pin a version tag or a digest")
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", name
    if registry == "docker.io" and "/" not in path:
        path = f"library/{path}"
    return Image(registry, path, tag, digest)
