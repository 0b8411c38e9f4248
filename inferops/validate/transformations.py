"""Point a finding at the overlay line that introduced the value, not at the base it was rendered from.

kustomize's ``transformerAnnotations`` build option adds ``alpha.config.kubernetes.io/transformations`` to
each rendered object: the kustomizations whose transformers changed it and their kinds
(``ImageTagTransformer``, ``ReplicaCountTransformer``, ``PatchTransformer``, ...), but not which fields.
So for a field a finding names, the rendered value is compared with the source document's: the same value
means the source file set it (the finding stays there), and so does a container or pod the source declares
(a finding about what it lacks belongs where it is declared). A different or new value was set by a
transformer, and the one that explains the field is looked up in its kustomization:

- an ``images:`` entry naming the container's image, for ``.image``;
- a ``replicas:`` entry naming the object, for ``spec.replicas``;
- a patch (``patches``, ``patchesStrategicMerge``, ``patchesJson6902``; a file or inline) that sets the
  field: the patch file's line for it (strategic-merge lists matched by ``name``; JSON 6902 by ``path``),
  or the inline patch's entry in the kustomization;
- otherwise the transformer's own key (``namespace``, ``labels``, ``namePrefix``, ...) in the last
  kustomization that changed the object.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from inferops.shapes import as_list, as_mapping
from inferops.validate.manifest import JsonPath, Manifest
from inferops.validate.native_yaml import load_single

TRANSFORMATIONS_ANNOTATION = "alpha.config.kubernetes.io/transformations"
_MISSING = object()
#: Transformer kind -> kustomization keys that configure it.
_KEYS = {
    "ImageTagTransformer": ("images",),
    "ReplicaCountTransformer": ("replicas",),
    "PatchTransformer": ("patches",),
    "PatchStrategicMergeTransformer": ("patchesStrategicMerge",),
    "PatchJson6902Transformer": ("patchesJson6902",),
    "NamespaceTransformer": ("namespace",),
    "LabelTransformer": ("labels", "commonLabels"),
    "AnnotationsTransformer": ("commonAnnotations",),
    "PrefixSuffixTransformer": ("namePrefix", "nameSuffix"),
    "PrefixTransformer": ("namePrefix",),
    "SuffixTransformer": ("nameSuffix",),
}

Loader = Callable[[Path], list[Manifest]]
Place = tuple[str, int | None]


def pop_yaml_annotation(manifest: Manifest, name: str) -> Any:
    """Remove annotation ``name`` (and an annotations map it leaves empty) that kustomize added for the
    build, so checks see what would be deployed; return its YAML value parsed (``None`` if absent or bad)."""
    annotations = manifest.metadata.get("annotations")
    if not isinstance(annotations, dict) or name not in annotations:
        return None
    raw = annotations.pop(name)
    if not annotations:
        del manifest.metadata["annotations"]
    if not isinstance(raw, str):
        return None
    return _parse_annotation(raw) if len(raw) <= _CACHED_ANNOTATION_SIZE else _parse_yaml(raw)


#: Annotations kustomize writes are a few lines; a longer one (a user's own) is parsed without caching.
_CACHED_ANNOTATION_SIZE = 2048


@functools.lru_cache(maxsize=4096)
def _parse_annotation(raw: str) -> Any:
    """The YAML value of an annotation kustomize added. Cached: the objects of one base rendered by many
    overlays carry the same text, and parsing it again for each costs more than the rest of the render's
    reading. Callers only read the value (it is shared between the objects carrying the same text)."""
    return _parse_yaml(raw)


def _parse_yaml(raw: str) -> Any:
    native, value = load_single(raw)
    if native:
        return value
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: one small map per rendered object
    try:
        return yaml.load(raw, Loader=loader)  # noqa: S506 -- a safe loader
    except yaml.YAMLError:
        return None


def pop_transformations(manifest: Manifest) -> list[dict[str, Any]]:
    """Remove the transformations annotation; return its entries."""
    entries = pop_yaml_annotation(manifest, TRANSFORMATIONS_ANNOTATION)
    return [e for e in as_list(entries) if isinstance(e, dict) and isinstance(e.get("configuredIn"), str)]


def attach(manifest: Manifest, source: Manifest | None, transformations: list[dict[str, Any]], base: Path,
           load: Loader, display: Callable[[Path], str], readable: Callable[[Path], bool]) -> None:
    """Give ``manifest`` an ``introduced_at`` that finds the overlay line of fields it did not get from ``source``.

    Only kustomizations ``readable`` allows are read: the annotation could also come from a user's file, and
    a forged ``configuredIn: /etc/passwd`` must not make us read outside the repository.
    """
    if not transformations:
        return
    rendered = manifest.data
    original = source.data if source is not None else None
    steps = [(path, str(as_mapping(e.get("configuredBy")).get("kind"))) for e in transformations
             if readable(path := _configured_in(base, e["configuredIn"]))]
    if not steps:
        return

    def introduced_at(path: JsonPath) -> Place | None:
        if not path or original is None:
            return None
        now, before = _value(rendered, path), _value(original, path)
        if now == before or (isinstance(now, (dict, list)) and before is not _MISSING):
            return None  # the source set it, or the finding is about a container or pod the source declares
        for kustomization, kind in reversed(steps):
            found = _explain(kustomization, kind, manifest, path, load, display)
            if found is not None:
                return found
        kustomization, kind = steps[-1]
        return _key_line(kustomization, _KEYS.get(kind, ()), load, display)

    manifest.introduced_at = introduced_at


@functools.lru_cache(maxsize=4096)
def _configured_in(base: Path, relative: str) -> Path:
    """The kustomization a transformations entry names (every object of a render names the same few)."""
    return Path(os.path.normpath(base / relative))


def _value(data: Any, path: JsonPath) -> Any:
    for part in path:
        if isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return _MISSING
    return data


def _kustomization(path: Path, load: Loader) -> Manifest | None:
    docs = load(path) if path.is_file() else []
    return docs[0] if docs else None


def _key_line(path: Path, keys: tuple[str, ...], load: Loader, display: Callable[[Path], str]) -> Place | None:
    k = _kustomization(path, load)
    if k is None:
        return None
    key = next((key for key in keys if key in k.data), None)
    return display(path), k.line_of((key,)) if key else k.line


def _explain(kustomization: Path, kind: str, m: Manifest, path: JsonPath, load: Loader,
             display: Callable[[Path], str]) -> Place | None:
    k = _kustomization(kustomization, load)
    if k is None:
        return None
    if kind == "ImageTagTransformer" and path[-1] == "image":
        image = str(_value(m.data, path))
        for i, entry in enumerate(as_list(k.data.get("images"))):
            name = str(as_mapping(entry).get("newName") or "") or str(as_mapping(entry).get("name") or "")
            if name and _repository(image) in (name, str(as_mapping(entry).get("name"))):
                key = next((key for key in ("digest", "newTag", "newName") if key in as_mapping(entry)), None)
                return display(kustomization), k.line_of(("images", i, key) if key else ("images", i))
    if kind == "ReplicaCountTransformer" and path == ("spec", "replicas"):
        for i, entry in enumerate(as_list(k.data.get("replicas"))):
            if as_mapping(entry).get("name") and str(as_mapping(entry)["name"]) in m.name:
                return display(kustomization), k.line_of(("replicas", i, "count"))
    if kind.startswith("Patch"):
        return _patch_place(kustomization, k, m, path, load, display)
    return None


def _repository(image: str) -> str:
    """``registry/repo:tag@sha256:...`` -> ``registry/repo``."""
    name = image.split("@", 1)[0]
    head, _, tail = name.rpartition(":")
    return head if head and "/" not in tail else name


def _patch_place(kustomization: Path, k: Manifest, m: Manifest, path: JsonPath, load: Loader,
                 display: Callable[[Path], str]) -> Place | None:
    entries: list[tuple[JsonPath, Any]] = [(("patches", i), e) for i, e in enumerate(as_list(k.data.get("patches")))]
    entries += [(("patchesStrategicMerge", i), e) for i, e in enumerate(as_list(k.data.get("patchesStrategicMerge")))]
    entries += [(("patchesJson6902", i), e) for i, e in enumerate(as_list(k.data.get("patchesJson6902")))]
    for where, entry in entries:
        file = entry if isinstance(entry, str) and "\n" not in entry else as_mapping(entry).get("path")
        if isinstance(file, str):
            patch_path = Path(os.path.normpath(kustomization.parent / file))
            if not patch_path.is_relative_to(kustomization.parent) or not patch_path.is_file():
                continue  # kustomize loads patches only from within the kustomization's directory
            line = _json6902_line(patch_path, m, path)
            for doc in load(patch_path) if line is None else []:
                line = _line_in_patch(doc, m, path)
                if line is not None:
                    break
            if line is not None:
                return display(patch_path), line
        inline = entry if isinstance(entry, str) else as_mapping(entry).get("patch")
        if isinstance(inline, str) and _inline_sets(inline, m, path):
            return display(kustomization), k.line_of(where)
    return None


def _json6902_line(file: Path, m: Manifest, path: JsonPath) -> int | None:
    """For a JSON 6902 patch file (a list of operations), the line of the operation that sets ``path``."""
    try:
        text = file.read_text(encoding="utf-8")
        ops = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(ops, list):
        return None
    for op in ops:
        pointer = str(as_mapping(op).get("path") or "")
        if pointer and _pointer_covers(pointer, m.data, path):
            lines = text.splitlines()
            return next((i + 1 for i, line in enumerate(lines) if pointer in line), None)
    return None


def _line_in_patch(doc: Manifest, m: Manifest, path: JsonPath) -> int | None:
    """The patch document's line for ``path`` of the rendered ``m`` (a strategic-merge patch of the same
    kind and name, or a JSON 6902 operation list), ``None`` when the patch does not set it."""
    if isinstance(doc.data.get("op"), str) or isinstance(doc.data.get("path"), str):
        return None
    if doc.kind and doc.kind != m.kind or doc.name and doc.name not in m.name:
        return None
    patch_path = _patch_path(doc.data, m.data, path)
    return doc.line_of(patch_path) if patch_path is not None else None


def _patch_path(patch: Any, rendered: Any, path: JsonPath) -> JsonPath | None:
    """``path`` translated into the patch's own list positions (list items matched by ``name``)."""
    out: list[str | int] = []
    for part in path:
        if isinstance(part, int):
            if not (isinstance(patch, list) and isinstance(rendered, list) and part < len(rendered)):
                return None
            wanted = as_mapping(rendered[part]).get("name")
            index = next((i for i, item in enumerate(patch) if as_mapping(item).get("name") == wanted), None)
            if wanted is None and patch == rendered:  # a list of scalars: a strategic merge patch replaces it whole
                index = part
            if index is None:
                return None
            patch, rendered = patch[index], rendered[part]
            out.append(index)
        else:
            if not (isinstance(patch, dict) and part in patch):
                return tuple(out) if out and not isinstance(patch, (dict, list)) else None
            patch, rendered = patch[part], _value(rendered, (part,))
            out.append(part)
    return tuple(out)


def _inline_sets(text: str, m: Manifest, path: JsonPath) -> bool:
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return False
    for doc in docs:
        for op in as_list(doc) if isinstance(doc, list) else []:
            pointer = str(as_mapping(op).get("path") or "")
            if pointer and _pointer_covers(pointer, m.data, path):
                return True
        if isinstance(doc, dict) and _patch_path(doc, m.data, path) is not None:
            return True
    return False


def _pointer_covers(pointer: str, rendered: Any, path: JsonPath) -> bool:
    """Whether a JSON 6902 ``path`` (``/spec/template/spec/containers/0/image``) is ``path`` or above it."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/")]
    if len(parts) > len(path):
        return False
    return all(str(a) == b or (b == "-" and isinstance(a, int)) for a, b in zip(path, parts))
