"""A Kubernetes object as the checks see it: its data plus where it came from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from inferops.shapes import as_mapping

#: Label the generator puts on every object of an overlay, naming its environment.
ENVIRONMENT_LABEL = "inferops.io/environment"

#: A JSON path into an object: keys and list indexes, e.g. ``("spec", "template", "spec", "containers", 0)``.
JsonPath = tuple[str | int, ...]


@dataclass(slots=True)
class Manifest:
    """One object, from a plain file or from a kustomize render.

    ``file``/``line`` point at the source of the object (for a rendered object: the file Kustomize took it
    from, when that is known, else the kustomization). ``render_root`` is the kustomization directory
    whose build produced it, ``None`` for plain files. ``locate`` maps a JSON path inside the object to
    a line in ``file`` when the source is known, so findings can point at the offending field.
    ``introduced_at`` answers, for a rendered object, where an overlay set a field (an ``images:`` entry,
    a patch file's line) when that is not ``file``; :meth:`place` consults it first.
    """

    data: dict[str, Any]
    file: str
    line: int | None = None
    render_root: str | None = None
    locate: Callable[[JsonPath], int | None] | None = field(default=None, repr=False)
    introduced_at: Callable[[JsonPath], tuple[str, int | None] | None] | None = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return str(self.data.get("kind") or "")

    @property
    def api_version(self) -> str:
        return str(self.data.get("apiVersion") or "")

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        return as_mapping(meta)

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or self.metadata.get("generateName") or "")

    @property
    def namespace(self) -> str | None:
        ns = self.metadata.get("namespace")
        return str(ns) if ns else None

    @property
    def labels(self) -> dict[str, str]:
        labels = self.metadata.get("labels")
        return as_mapping(labels)

    @property
    def annotations(self) -> dict[str, str]:
        annotations = self.metadata.get("annotations")
        return as_mapping(annotations)

    @property
    def ref(self) -> str:
        """``Kind/namespace/name`` (or ``Kind/name``), as findings name objects."""
        parts = [self.kind or "?"]
        if self.namespace:
            parts.append(self.namespace)
        parts.append(self.name or "?")
        return "/".join(parts)

    @property
    def environment(self) -> str | None:
        """The environment this object is deployed to.

        Taken from the ``inferops.io/environment`` label, else from an ``overlays/<env>`` path segment
        of the kustomization that rendered it (or of its file).
        """
        label = self.labels.get(ENVIRONMENT_LABEL)
        if label:
            return str(label)
        for path in (self.render_root, self.file):
            if path:
                parts = path.replace("\\", "/").split("/")
                for i, part in enumerate(parts[:-1]):
                    if part == "overlays":
                        return parts[i + 1]
        return None

    def place(self, path: Sequence[str | int]) -> tuple[str, int | None]:
        """File and line a finding about ``path`` points at: where an overlay set it, else :meth:`line_of`."""
        if self.introduced_at is not None:
            found = self.introduced_at(tuple(path))
            if found is not None:
                return found
        return self.file, self.line_of(path)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Best line for ``path``: the deepest part of it that the source locates, else the object's line."""
        if self.locate is not None:
            probe = tuple(path)
            while probe:
                found = self.locate(probe)
                if found is not None:
                    return found
                probe = probe[:-1]
        return self.line
