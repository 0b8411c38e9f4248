"""Turn a kustomize render into manifests that point at the source file and line of each object.

:mod:`render` asks kustomize for ``config.kubernetes.io/origin`` annotations, which name the source file
(or, for generated objects, the kustomization whose generator made it). Here the annotation is removed
from the object again (checks must see exactly what kustomize would deploy) and the object is matched
to its document in the source file by kind and name; kustomize may have added a ``namePrefix`` or
``nameSuffix``, so the source name is found *inside* the rendered name, longest match first. The
manifest then takes the source document's line and ``locate``, so a finding on a field points at the
line in the file the user edits; a field an overlay changed (an image tag, replicas, a patch) points at
the overlay line that set it (:mod:`transformations`). Objects whose origin is unknown (remote bases, a render without
origins) point at the root's kustomization file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inferops.validate.discovery import Kustomization, display_path
from inferops.validate.findings import Finding
from inferops.validate.limits import Limits, document_starts, text_over_limits
from inferops.validate.loader import LoadedFiles, LoadResult, load_documents
from inferops.validate.manifest import Manifest
from inferops.validate.render import Rendered
from inferops.validate.transformations import attach, pop_transformations, pop_yaml_annotation

if TYPE_CHECKING:
    from inferops.validate.render_cache import RenderCache

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
_GENERATOR_KEYS = {"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator"}


class Sources:
    """Source files of renders, each loaded once however many roots include it."""

    def __init__(self, cwd: Path, *, strict: bool, files: LoadedFiles | None = None) -> None:
        self.cwd = cwd
        self.strict = strict
        self._files = files if files is not None else LoadedFiles(lambda path: display_path(path, cwd), strict=strict)
        self._loaded: dict[Path, LoadResult] = {}
        self._by_kind: dict[Path, dict[str, list[Manifest]]] = {}
        self._by_name: dict[tuple[Path, str], dict[str, Manifest]] = {}
        self._is_file: dict[Path, bool] = {}

    def load(self, path: Path) -> LoadResult:
        if path not in self._loaded:
            self._loaded[path] = self._files.load(path)
        return self._loaded[path]

    def is_file(self, path: Path) -> bool:
        """``path.is_file()``, asked once per run: every overlay of a base names the base's files."""
        found = self._is_file.get(path)
        if found is None:
            found = self._is_file[path] = path.is_file()
        return found

    def of_kind(self, path: Path, kind: str) -> list[Manifest]:
        """The documents of ``path`` whose kind is ``kind``."""
        by_kind = self._by_kind.get(path)
        if by_kind is None:
            by_kind = self._by_kind[path] = {}
            for m in self.load(path).manifests:
                by_kind.setdefault(m.kind, []).append(m)
        return by_kind.get(kind, [])

    def by_name(self, path: Path, kind: str) -> dict[str, Manifest]:
        """The first document of ``path`` of kind ``kind`` with each (non-empty) name: a file of a hundred
        Applications is matched by name once per render, not searched for each rendered object."""
        index = self._by_name.get((path, kind))
        if index is None:
            index = self._by_name[(path, kind)] = {}
            for m in self.of_kind(path, kind):
                if m.name:
                    index.setdefault(m.name, m)
        return index

    @property
    def limits(self) -> Limits:
        return self._files.limits

    @property
    def files(self) -> list[Path]:
        return list(self._loaded)

    def findings(self) -> list[Finding]:
        """Problems the strict loader sees in source files that kustomize accepted (duplicate keys, ...)."""
        return [f for result in self._loaded.values() for f in result.findings]


def rendered_manifests(rendered: Rendered, root: Kustomization, sources: Sources,
                       cache: RenderCache | None = None) -> LoadResult:
    """The objects of a successful render, each pointing at its source; load problems of the output too.
    A render from ``cache`` whose objects are not stored yet gets them stored, so later runs skip the parse."""
    root_file = display_path(root.file, sources.cwd)
    result = _load_output(rendered, root_file, sources.limits, cache)
    render_root = display_path(root.dir, sources.cwd)
    readable: dict[Path, bool] = {}  # kustomizations the transformations name, inside the repository or root

    def may_read(path: Path) -> bool:
        if path not in readable:
            readable[path] = path.is_relative_to(sources.cwd) or path.is_relative_to(root.dir)
        return readable[path]

    for manifest in result.manifests:
        manifest.render_root = render_root
        manifest.line = None
        manifest.locate = None
        origin = _pop_origin(manifest)
        transformations = pop_transformations(manifest)
        if origin and rendered.origin_base is not None:
            source = _point_at_source(manifest, origin, rendered.origin_base, sources)
            attach(manifest, source, transformations, rendered.origin_base,
                   lambda path: sources.load(path).manifests, lambda path: display_path(path, sources.cwd),
                   may_read)
    return result


def _load_output(rendered: Rendered, file: str, limits: Limits, cache: RenderCache | None) -> LoadResult:
    """The objects of a render's text: from the JSON the cache keeps beside it (checked against the same
    limits as the text), else parsed, and then kept when the text loads without a problem."""
    if rendered.documents is not None and text_over_limits(rendered.text, document_starts(rendered.text), limits) is None:
        try:
            stored = json.loads(rendered.documents)
        except (ValueError, RecursionError):
            stored = None
        if isinstance(stored, list) and all(isinstance(data, dict) for data in stored):
            return LoadResult(manifests=[Manifest(data=data, file=file, line=None) for data in stored],
                              has_objects=any("apiVersion" in data or "kind" in data for data in stored))
    result = load_documents(rendered.text, file, strict=False, limits=limits)
    if cache is not None and rendered.key is not None and rendered.documents is None and not result.findings:
        try:
            documents = json.dumps([m.data for m in result.manifests], ensure_ascii=False, allow_nan=True)
        except (TypeError, ValueError, RecursionError):
            return result
        cache.put(rendered.key, rendered.text, str(rendered.origin_base) if rendered.origin_base else None, documents)
    return result


def _pop_origin(manifest: Manifest) -> dict[str, Any] | None:
    """Remove the origin annotation (and an annotations map it leaves empty); return it parsed."""
    origin = pop_yaml_annotation(manifest, ORIGIN_ANNOTATION)
    return origin if isinstance(origin, dict) else None


def _point_at_source(manifest: Manifest, origin: dict[str, Any], base: Path, sources: Sources) -> Manifest | None:
    """Point ``manifest`` at its source; return the source document it was rendered from, when found."""
    if origin.get("repo"):  # a remote base: nothing local to point at
        return None
    if isinstance(origin.get("path"), str):
        path = _resolve(base, origin["path"])
        if sources.is_file(path):
            source = _match(manifest, sources.of_kind(path, manifest.kind), sources.by_name(path, manifest.kind))
            _adopt(manifest, source, path, sources)
            return source
        return None
    configured_in = origin.get("configuredIn")
    if isinstance(configured_in, str):  # made by a generator: point at its entry in the kustomization
        path = _resolve(base, configured_in)
        if path.is_file():
            _adopt_generator(manifest, origin, path, sources)
    return None


def _resolve(base: Path, relative: str) -> Path:
    return Path(os.path.normpath(base / relative))


def _match(rendered: Manifest, same_kind: list[Manifest], by_name: dict[str, Manifest]) -> Manifest | None:
    """The source document of ``rendered`` among those of its kind: the only one, else the one with the
    longest name contained in its name (its own name, when one has it: none can be longer)."""
    if len(same_kind) == 1:
        return same_kind[0]
    exact = by_name.get(rendered.name)
    if exact is not None:
        return exact
    named = [m for m in same_kind if m.name and m.name in rendered.name]
    return max(named, key=lambda m: len(m.name)) if named else None


def _adopt(manifest: Manifest, source: Manifest | None, path: Path, sources: Sources) -> None:
    manifest.file = display_path(path, sources.cwd)
    if source is not None:
        manifest.line = source.line
        manifest.locate = source.locate


def _adopt_generator(manifest: Manifest, origin: dict[str, Any], kustomization: Path, sources: Sources) -> None:
    manifest.file = display_path(kustomization, sources.cwd)
    by = origin.get("configuredBy")
    key = _GENERATOR_KEYS.get(by.get("kind", "")) if isinstance(by, dict) else None
    loaded = sources.load(kustomization).manifests
    if key is None or not loaded:
        return
    doc = loaded[0]
    generators = doc.data.get(key)
    index = next((i for i, g in enumerate(generators or [])
                  if isinstance(g, dict) and g.get("name") and str(g["name"]) in manifest.name), None)
    manifest.line = doc.line_of((key,) if index is None else (key, index))
