"""Container image references, parsed and normalised the way Docker and containerd read them.

``nginx`` and ``docker.io/library/nginx:latest`` name the same image; an allow-list glob or a "no latest"
check must see through the short forms, so every image rule works on :class:`ImageRef`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

DEFAULT_REGISTRY = "docker.io"
_DOCKER_HUB_ALIASES = ("docker.io", "index.docker.io", "registry-1.docker.io")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """``registry/repository[:tag][@digest]`` with Docker Hub defaults filled in."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        """Registry and repository, without tag or digest: ``docker.io/vllm/vllm-openai``."""
        return f"{self.registry}/{self.repository}"

    @property
    def normalised(self) -> str:
        tag = f":{self.tag}" if self.tag else ""
        digest = f"@{self.digest}" if self.digest else ""
        return f"{self.name}{tag}{digest}"

    def __str__(self) -> str:
        return self.normalised

    @property
    def floating(self) -> bool:
        """True when the reference can move under you: no digest, and no tag or the tag ``latest``."""
        return self.digest is None and self.tag in (None, "latest")

    def matches(self, pattern: str) -> bool:
        """Whether an allow-list glob matches the normalised reference or its name (so ``docker.io/vllm/*``
        and ``docker.io/vllm/vllm-openai`` both allow ``vllm/vllm-openai:v0.11.0``)."""
        return fnmatchcase(self.normalised, pattern) or fnmatchcase(self.name, pattern)


def parse_image(reference: str) -> ImageRef:
    """Split an image reference; short Docker Hub names get ``docker.io`` and ``library/``.

    The first path component is a registry only if it contains ``.`` or ``:`` or is ``localhost``
    (Docker's rule), so ``myregistry:5000/app`` keeps its port and ``vllm/vllm-openai`` is on Docker Hub.
    """
    rest, _, digest = reference.strip().partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    tag = None
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1:]
    first, sep, path = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry = first.lower()
    else:
        registry, path = DEFAULT_REGISTRY, rest
    if registry in _DOCKER_HUB_ALIASES:
        registry = DEFAULT_REGISTRY
        if "/" not in path:
            path = f"library/{path}"
    return ImageRef(registry, path, tag or None, digest or None)
