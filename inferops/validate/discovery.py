"""Find what to validate: plain manifest files, Kustomize roots to render, and what to skip.

Rules (documented in README.md under ``inferops validate``):

* Directories are walked recursively, skipping hidden directories and files (``.git``, ``.github``,
  ``.pre-commit-config.yaml``, ``.inferops.yaml``, ...), ``node_modules``, ``__pycache__`` and Python
  virtualenvs. A path named on the command line is always used, hidden or not.
* ``.yaml``, ``.yml`` and ``.json`` files are candidates. In a walked directory a file none of whose
  documents has ``apiVersion`` or ``kind`` is not a Kubernetes manifest (CI configs, Helm values, JSON
  Schemas) and is skipped with a note; a file named explicitly is always checked.
* A directory with ``kustomization.yaml``/``.yml``/``Kustomization`` is a kustomization. Every file it
  references (resources, patches, generator inputs, crds, openapi, configurations, ...) is *owned* by it
  and checked through the render, never as a plain file; a kustomization referenced by another one (as
  a resource, base or component) is not rendered on its own. The rest are *render roots*, and so is
  every kustomization an Argo CD Application or ApplicationSet in the scanned files points at
  (``spec.source.path``, ``spec.sources[].path``), even when another kustomization includes it.
* A directory with ``Chart.yaml`` is a Helm chart: Helm templates are not YAML, so the whole chart is
  skipped and reported; so is a kustomization that inflates charts with ``helmCharts``.

Discovery loads each candidate file through the run's :class:`loader.LoadedFiles` to decide this, so
the pipeline checks the same parse later instead of reading the file again. Peeking first keeps ownership
decisions (which need every kustomization) apart from checking.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inferops.errors import InferopsError
from inferops.shapes import as_list

if TYPE_CHECKING:
    from inferops.validate.loader import LoadResult

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "site-packages"})
STDIN = "-"
#: Files bigger than this are not peeked at; the loader reports them.
PEEK_MAX_BYTES = 5_000_000


@dataclass(slots=True)
class Kustomization:
    """One kustomization directory and what it references (all paths absolute and resolved)."""

    dir: Path
    file: Path
    component: bool = False
    uses_helm: bool = False
    includes: list[Path] = field(default_factory=list)  # kustomization directories
    resources: list[Path] = field(default_factory=list)  # manifest files listed as resources
    aux: list[Path] = field(default_factory=list)  # patches, generator inputs, crds, configurations, ...


@dataclass(slots=True)
class Plan:
    """What the pipeline will check."""

    files: list[Path] = field(default_factory=list)  # plain files to load, in order
    render_roots: list[Kustomization] = field(default_factory=list)
    kustomizations: list[Kustomization] = field(default_factory=list)  # every one found
    charts: list[Path] = field(default_factory=list)  # Helm chart directories skipped
    helm_kustomizations: list[Kustomization] = field(default_factory=list)  # roots using helmCharts, skipped
    not_manifests: list[Path] = field(default_factory=list)  # walked files with no apiVersion/kind
    stdin: bool = False


def display_path(path: Path, cwd: Path) -> str:
    """How findings name ``path``: POSIX and relative to ``cwd`` when inside it, else absolute."""
    try:
        return path.relative_to(cwd).as_posix() or "."
    except ValueError:
        return path.as_posix()


def discover(paths: Sequence[str], cwd: Path, load: Callable[[Path], LoadResult] | None = None) -> Plan:
    """Build the plan for ``paths`` (the current directory when empty); a missing path is an error.

    ``load`` loads a candidate file (the pipeline's :meth:`LoadedFiles.load`, so the parse is reused);
    by default each file is loaded for discovery alone."""
    cwd = cwd.resolve()
    if load is None:
        from inferops.validate.loader import LoadedFiles

        load = LoadedFiles(lambda path: display_path(path, cwd), strict=False).load
    plan = Plan()
    explicit_files: list[Path] = []
    explicit_roots: list[Path] = []
    walked: list[Path] = []  # candidate manifest files found by walking
    found: dict[Path, Kustomization] = {}
    scan_dirs: list[Path] = []

    for raw in paths or ["."]:
        if raw == STDIN:
            plan.stdin = True
            continue
        path = (cwd / raw).resolve()
        if not path.exists():
            raise InferopsError("no such file or directory", file=raw)
        if path.is_dir():
            scan_dirs.append(path)
            _walk(path, walked, found, plan.charts)
        elif path.name in KUSTOMIZATION_FILES:
            found.setdefault(path.parent, _read_kustomization(path))
            explicit_roots.append(path.parent)
        elif path.name == "Chart.yaml":
            plan.charts.append(path.parent)
        else:
            explicit_files.append(path)

    plan.kustomizations = list(found.values())
    included = {d for k in found.values() for d in k.includes}
    owned = {f for k in found.values() for f in (*k.resources, k.file, *k.aux)}
    peeks = _peek_all(_unique([*walked, *explicit_files]), load)
    forced = set(explicit_roots) | _argo_targets(peeks.values(), scan_dirs, cwd, found)

    for k in found.values():
        if k.component or (k.dir in included and k.dir not in forced):
            continue
        (plan.helm_kustomizations if k.uses_helm else plan.render_roots).append(k)

    for f in walked:
        if f in owned:
            continue
        if peeks[f].is_manifest:
            plan.files.append(f)
        else:
            plan.not_manifests.append(f)
    plan.files = _unique([*plan.files, *explicit_files])
    return plan


def _unique(paths: Sequence[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


def _walk(top: Path, files: list[Path], found: dict[Path, Kustomization], charts: list[Path]) -> None:
    """Collect candidate files and kustomizations under ``top``; Helm charts are recorded and not entered."""
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        if "Chart.yaml" in filenames:
            charts.append(here)
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not _skip_dir(here / d))
        for name in KUSTOMIZATION_FILES:
            if name in filenames:
                found.setdefault(here, _read_kustomization(here / name))
                break
        for name in sorted(filenames):
            if name.startswith(".") or name in KUSTOMIZATION_FILES:
                continue
            if name.lower().endswith(MANIFEST_SUFFIXES):
                files.append(here / name)


def _skip_dir(path: Path) -> bool:
    return path.name.startswith(".") or path.name in SKIPPED_DIRS or (path / "pyvenv.cfg").exists()


# --- kustomization references -------------------------------------------------------------------


def _read_kustomization(file: Path) -> Kustomization:
    """Parse the references of a kustomization; an unreadable one still renders (and kustomize explains)."""
    k = Kustomization(dir=file.parent, file=file)
    doc = _first_document(file)
    if not isinstance(doc, dict):
        return k
    k.component = doc.get("kind") == "Component"
    k.uses_helm = bool(doc.get("helmCharts") or doc.get("helmChartInflationGenerator"))
    for entry in _strings(doc.get("resources"), doc.get("bases"), doc.get("components")):
        target = _local(k.dir, entry)
        if target is None:
            continue
        if target.is_dir():
            k.includes.append(target)
        else:
            k.resources.append(target)
    for entry in _aux_entries(doc):
        target = _local(k.dir, entry)
        if target is None:
            continue
        # transformers/generators/validators may name a kustomization directory that emits their configs
        (k.includes if target.is_dir() else k.aux).append(target)
    return k


def _aux_entries(doc: dict[str, Any]) -> Iterator[str]:
    """File references of a kustomization other than resources: patches, generator inputs and friends."""
    for key in ("patches", "patchesJson6902", "replacements"):
        for item in as_list(doc.get(key)):
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                yield item["path"]
            elif isinstance(item, str):
                yield item
    yield from _strings(doc.get("patchesStrategicMerge"), doc.get("crds"), doc.get("configurations"),
                        doc.get("transformers"), doc.get("generators"), doc.get("validators"))
    openapi = doc.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield openapi["path"]
    for key in ("configMapGenerator", "secretGenerator"):
        for gen in as_list(doc.get(key)):
            if not isinstance(gen, dict):
                continue
            for entry in _strings(gen.get("files"), gen.get("envs"), [gen.get("env")]):
                yield entry.split("=", 1)[1] if "=" in entry else entry


def _strings(*values: Any) -> Iterator[str]:
    for value in values:
        for item in as_list(value):
            if isinstance(item, str) and item.strip():
                yield item


def _local(base: Path, entry: str) -> Path | None:
    """The local path a kustomization entry names; ``None`` for URLs and inline YAML."""
    entry = entry.strip()
    if "\n" in entry or entry.startswith(("{", "[")) or "://" in entry or entry.startswith(("git@", "github.com/")):
        return None
    return Path(os.path.normpath(base / entry)).resolve()


# --- peeking at manifests -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Peek:
    is_manifest: bool  # some document has apiVersion or kind (or the file could not be read: the loader says why)
    argo_paths: tuple[str, ...] = ()


def _first_document(file: Path) -> Any:
    docs = _documents(file)
    return docs[0] if docs else None


def _documents(file: Path) -> list[Any] | None:
    """Every document of ``file`` parsed by libyaml; ``None`` when it cannot be read or parsed."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > PEEK_MAX_BYTES:  # a FIFO would block the read
            return None
        return list(yaml.load_all(file.read_text(encoding="utf-8-sig"), Loader=loader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError, ValueError):
        return None


#: Threads that load files for discovery: the native parser releases the GIL, so two cores share the work.
LOAD_THREADS = 2


def _peek_all(files: list[Path], load: Callable[[Path], LoadResult]) -> dict[Path, _Peek]:
    if len(files) < 2 * LOAD_THREADS:
        return {f: _peek(f, load) for f in files}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        return dict(zip(files, pool.map(lambda f: _peek(f, load), files)))


def _peek(file: Path, load: Callable[[Path], LoadResult]) -> _Peek:
    """Whether ``file`` holds objects, from its load; a file the loader has problems with (other than
    documents that are not objects) counts as a manifest, so that the problem is reported."""
    from inferops.rules.core import OBJECT_INVALID

    result = load(file)
    docs = [m.data for m in result.manifests]
    is_manifest = result.has_objects or any(f.rule_id != OBJECT_INVALID.id for f in result.findings)
    return _Peek(is_manifest, tuple(p for d in docs for p in _argo_source_paths(d)))


def _argo_source_paths(doc: Any) -> Iterator[str]:
    """Source paths of an Argo CD Application (or an ApplicationSet's template) in ``doc``."""
    if not isinstance(doc, dict) or not str(doc.get("apiVersion", "")).startswith("argoproj.io/"):
        return
    spec = doc.get("spec")
    if doc.get("kind") == "ApplicationSet" and isinstance(spec, dict):
        template = spec.get("template")
        spec = template.get("spec") if isinstance(template, dict) else None
    elif doc.get("kind") != "Application":
        return
    if not isinstance(spec, dict):
        return
    sources = [spec.get("source"), *as_list(spec.get("sources"))]
    for source in sources:
        if isinstance(source, dict) and isinstance(source.get("path"), str) and "{{" not in source["path"]:
            yield source["path"]


def _argo_targets(peeks: Any, scan_dirs: Sequence[Path], cwd: Path, found: dict[Path, Kustomization]) -> set[Path]:
    """Kustomizations inside the scanned directories that an Argo CD source path points at.

    Argo CD paths are relative to the repository root, which validation cannot know for sure; a path is
    tried against the current directory, each scanned directory and the Git root above them.
    """
    bases = _unique([cwd, *scan_dirs, *(r for d in (cwd, *scan_dirs) if (r := _git_root(d)) is not None)])
    targets: set[Path] = set()
    for peek in peeks:
        for rel in peek.argo_paths:
            if rel.startswith("/"):
                continue
            for base in bases:
                target = Path(os.path.normpath(base / rel)).resolve()
                if target in found and any(target.is_relative_to(d) for d in scan_dirs):
                    targets.add(target)
    return targets


def _git_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None
