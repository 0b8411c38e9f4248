"""Find what to validate: plain manifest files, Kustomize roots to render, and what to skip.

Rules (documented in README.md under ``inferops validate``):

* Directories are walked recursively. What is skipped is the repository owner's choice, never inferred
  from files a change could add: ``.git`` always, and every file or directory matching an ``exclude``
  glob (policy key and ``--exclude``; by default hidden files and directories, ``node_modules``,
  ``__pycache__`` and ``site-packages``). Every excluded path is listed (:attr:`Plan.excluded`). A path
  named on the command line is always used, hidden or not, and so is a directory an Argo CD Application
  in the scanned files deploys: an exclusion never hides what the repository itself deploys.
* ``.yaml``, ``.yml`` and ``.json`` files are candidates. In a walked directory a file none of whose
  documents has ``apiVersion`` or ``kind`` is not a Kubernetes manifest (CI configs, Helm values, JSON
  Schemas) and is skipped with a note; a file named explicitly is always checked.
* A directory with ``kustomization.yaml``/``.yml``/``Kustomization`` is a kustomization. Every file it
  references (resources, patches, generator inputs, crds, openapi, configurations, ...) is *owned* by it
  and checked through the render, never as a plain file; a kustomization referenced by another one (as
  a resource, base or component) is not rendered on its own. The rest are *render roots*, and so is
  every kustomization an Argo CD Application or ApplicationSet in the scanned files points at
  (``spec.source.path``, ``spec.sources[].path``), even when another kustomization includes it.
* A directory with ``Chart.yaml`` is a Helm chart: a file under its ``templates/`` that holds ``{{``
  is a template, not YAML, and is skipped and listed; every other file of the chart (plain manifests
  beside it, ``crds/``, a template without template actions, which Helm deploys as it is) is checked.
  Kustomizations that cannot render (``helmCharts``, remote references, failures) are the pipeline's
  business (:mod:`closure`).

Discovery loads each candidate file through the run's :class:`loader.LoadedFiles` to decide this, so
the pipeline checks the same parse later instead of reading the file again. Peeking first keeps ownership
decisions (which need every kustomization) apart from checking.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inferops.errors import InferopsError
from inferops.shapes import as_list
from inferops.validate.remote import is_remote

if TYPE_CHECKING:
    from inferops.validate.loader import LoadResult
    from concurrent.futures import ThreadPoolExecutor

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
#: The ``exclude`` globs a policy gets when it names none (documented in README.md).
DEFAULT_EXCLUDES = (".*", "node_modules", "__pycache__", "site-packages")
#: Git's own database: never part of a change's content, never walked.
GIT_DIR = ".git"
STDIN = "-"
#: A file under a chart's ``templates/`` holding this is a Helm template, not YAML.
HELM_ACTION = b"{{"
#: Files bigger than this are not peeked at; the loader reports them.
PEEK_MAX_BYTES = 5_000_000


@dataclass(frozen=True, slots=True)
class Reference:
    """An entry kustomize would fetch remotely, where it is written (for the finding that names it)."""

    file: Path
    line: int | None
    entry: str


@dataclass(frozen=True, slots=True)
class Exclusions:
    """The ``exclude`` globs: a glob without ``/`` matches a file or directory name at any depth, one
    with ``/`` matches the path relative to ``base`` (the policy file's directory)."""

    patterns: tuple[str, ...] = DEFAULT_EXCLUDES
    base: Path | None = None

    def matches(self, path: Path) -> bool:
        rel = None
        if self.base is not None and path.is_relative_to(self.base):
            rel = path.relative_to(self.base).as_posix()
        for raw in self.patterns:
            pattern = raw.strip().rstrip("/")
            if not pattern:
                continue
            if "/" in pattern:
                if rel is not None and fnmatch.fnmatchcase(rel, pattern.lstrip("/")):
                    return True
            elif fnmatch.fnmatchcase(path.name, pattern):
                return True
        return False


NO_EXCLUSIONS = Exclusions(())


@dataclass(slots=True)
class Kustomization:
    """One kustomization directory and what it references (all paths absolute and resolved)."""

    dir: Path
    file: Path
    component: bool = False
    uses_helm: bool = False
    special: bool = False  # the kustomization file is a FIFO, device or socket: kustomize would block on it
    unreadable: tuple[str, int | None] | None = None  # why (and where) its file could not be parsed
    remote: list[Reference] = field(default_factory=list)  # entries kustomize would fetch from the network
    includes: list[Path] = field(default_factory=list)  # kustomization directories
    resources: list[Path] = field(default_factory=list)  # manifest files listed as resources
    aux: list[Path] = field(default_factory=list)  # patches, generator inputs, crds, configurations, ...


@dataclass(slots=True)
class Plan:
    """What the pipeline will check."""

    files: list[Path] = field(default_factory=list)  # plain files to load, in order
    render_roots: list[Kustomization] = field(default_factory=list)
    kustomizations: list[Kustomization] = field(default_factory=list)  # every one found
    charts: list[Path] = field(default_factory=list)  # Helm chart directories (their templates are skipped)
    helm_templates: list[Path] = field(default_factory=list)  # chart template files skipped (not YAML)
    not_manifests: list[Path] = field(default_factory=list)  # walked files with no apiVersion/kind
    excluded: list[Path] = field(default_factory=list)  # files and directories matching ``exclude``
    deployed_excluded: list[Path] = field(default_factory=list)  # Argo CD targets checked although excluded
    outside: list[Path] = field(default_factory=list)  # walked symlinks resolving outside the repository
    enclosing: list[Path] = field(default_factory=list)  # kustomizations above the paths that use files in them
    stdin: bool = False


def real_path(path: Path) -> Path:
    """``path`` absolute with symlinks resolved; unlike ``Path.resolve`` a symlink loop is no exception
    (the loop's path comes back, and reading it fails later with a message)."""
    return Path(os.path.realpath(path))


def display_path(path: Path, cwd: Path) -> str:
    """How findings name ``path``: POSIX and relative to ``cwd`` when inside it, else absolute."""
    try:
        return path.relative_to(cwd).as_posix() or "."
    except ValueError:
        return path.as_posix()


def discover(paths: Sequence[str], cwd: Path, exclude: Exclusions | None = None,
             load: Callable[[Path], LoadResult] | None = None) -> Plan:
    """Build the plan for ``paths`` (the current directory when empty); a missing path is an error.

    ``load`` loads a candidate file (the pipeline's :meth:`LoadedFiles.load`, so the parse is reused);
    by default each file is loaded for discovery alone."""
    cwd = cwd.resolve()
    exclude = Exclusions() if exclude is None else exclude
    if load is None:
        from inferops.validate.loader import LoadedFiles

        load = LoadedFiles(lambda path: display_path(path, cwd), strict=False).load
    plan = Plan()
    explicit_files: list[Path] = []
    explicit_roots: list[Path] = []
    walked: list[Path] = []  # candidate manifest files found by walking
    walked_dirs: set[Path] = set()
    found: dict[Path, Kustomization] = {}
    scan_dirs: list[Path] = []

    for raw in paths or ["."]:
        if raw == STDIN:
            plan.stdin = True
            continue
        path = real_path(cwd / raw)
        if not path.exists():
            raise InferopsError("no such file or directory", file=raw)
        if path.is_dir():
            scan_dirs.append(path)
            _walk(path, exclude, walked, walked_dirs, found, plan)
        elif path.name in KUSTOMIZATION_FILES:
            found.setdefault(path.parent, read_kustomization(path))
            explicit_roots.append(path.parent)
        elif path.name == "Chart.yaml":
            plan.charts.append(path.parent)
        else:
            explicit_files.append(path)

    peeks = _peek_all(_unique([*walked, *explicit_files]), load)
    forced = set(explicit_roots)
    for target, recurse in _argo_targets(peeks.values(), scan_dirs, cwd):
        if target not in walked_dirs:  # excluded, or below an excluded directory: what is deployed is checked
            plan.deployed_excluded.append(target)
            before = len(walked)
            _walk(target, NO_EXCLUSIONS, walked, walked_dirs, found, plan, recurse=recurse)
            peeks.update(_peek_all(walked[before:], load))
        if target in found:
            forced.add(target)

    plan.enclosing = _enclosing_kustomizations([*walked, *explicit_files], scan_dirs, cwd, found)
    forced.update(plan.enclosing)

    plan.kustomizations = list(found.values())
    included = {d for k in found.values() for d in k.includes}
    owned = {f for k in found.values() for f in (*k.resources, k.file, *k.aux)}
    for k in found.values():
        if k.component or (k.dir in included and k.dir not in forced):
            continue
        plan.render_roots.append(k)

    for f in _unique(walked):
        if f in owned:
            continue
        if peeks[f].is_manifest:
            plan.files.append(f)
        else:
            plan.not_manifests.append(f)
    plan.files = _unique([*plan.files, *(f for f in explicit_files if f not in owned or f in plan.files)])
    plan.excluded = [p for p in _unique(plan.excluded) if p not in plan.deployed_excluded]
    return plan


def _unique(paths: Sequence[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


def _walk(top: Path, exclude: Exclusions, files: list[Path], seen: set[Path], found: dict[Path, Kustomization],
          plan: Plan, *, recurse: bool = True) -> None:
    """Collect candidate files and kustomizations under ``top``, recording what ``exclude`` skips and
    the Helm templates of charts (a chart's other files are candidates like any others)."""
    templates: set[Path] = set()
    boundary = repository_root(top)
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        seen.add(here)
        kept = []
        for name in sorted(dirnames):
            if name == GIT_DIR:
                continue
            if exclude.matches(here / name):
                plan.excluded.append(here / name)
            else:
                kept.append(name)
        dirnames[:] = kept if recurse else []
        chart = "Chart.yaml" in filenames
        if chart:
            plan.charts.append(here)
            templates.add(here / "templates")
        in_templates = any(here.is_relative_to(t) for t in templates)
        for name in KUSTOMIZATION_FILES:
            if name in filenames:
                found.setdefault(here, read_kustomization(here / name))
                break
        for name in sorted(filenames):
            path = here / name
            if name in KUSTOMIZATION_FILES or (chart and name == "Chart.yaml"):
                continue
            if not name.lower().endswith(MANIFEST_SUFFIXES):
                continue
            if exclude.matches(path):
                plan.excluded.append(path)
            elif path.is_symlink() and not real_path(path).is_relative_to(boundary):
                plan.outside.append(path)
            elif in_templates and _is_helm_template(path):
                plan.helm_templates.append(path)
            else:
                files.append(path)


def _enclosing_kustomizations(files: Sequence[Path], scan_dirs: Sequence[Path], cwd: Path,
                              found: dict[Path, Kustomization]) -> list[Path]:
    """Directories above the checked paths whose kustomization uses some of ``files`` (as a resource, a
    patch, a generator input, ...), added to ``found``. kustomize loads a file only from a kustomization's
    directory or below it, so a patch named on the command line, or walked in ``overlays/prod/patches``,
    belongs to an enclosing kustomization: it is checked through that render, not as a whole object.
    The search stops at the Git root around the checked path (else the current directory, or the directory of
    a file named outside it): a scanned repository's own root is not searched above."""
    used = {f for k in found.values() for f in (*k.resources, k.file, *k.aux)}
    loose = {f for f in files if f not in used}
    if not loose:
        return []
    enclosing = []
    tops = {d: git_root(d) or (cwd if d.is_relative_to(cwd) else d) for d in scan_dirs}
    tops.update({f: git_root(f.parent) or (cwd if f.is_relative_to(cwd) else f.parent) for f in loose})
    for start, top in dict.fromkeys((checked.parent, top) for checked, top in tops.items()):
        if not start.is_relative_to(top):
            continue
        for directory in (start, *start.parents):
            if not directory.is_relative_to(top):
                break
            file = next((directory / n for n in KUSTOMIZATION_FILES if (directory / n).exists()), None)
            if directory not in found and file is not None:
                k = read_kustomization(file)
                if loose & {*k.resources, *k.aux}:
                    found[directory] = k
                    enclosing.append(directory)
            if directory == top:
                break
    return enclosing


def _is_helm_template(path: Path) -> bool:
    """A chart file holding a template action (``{{``); an unreadable one is left to the loader to report."""
    if not is_regular_file(path):
        return False
    try:
        with path.open("rb") as fh:
            return HELM_ACTION in fh.read(PEEK_MAX_BYTES)
    except OSError:
        return False


def is_regular_file(path: Path) -> bool:
    """True for a regular file (after symlinks); a FIFO, device or socket is never opened, it could block."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


# --- kustomization references -------------------------------------------------------------------


def read_kustomization(file: Path) -> Kustomization:
    """Parse the references of a kustomization; an unreadable one still renders (and kustomize explains).

    Entries kustomize would fetch remotely (:func:`remote.is_remote`) are recorded with their line, never
    followed; so are those in builtin plugin configs written inline under ``transformers`` and friends.
    """
    k = Kustomization(dir=file.parent, file=file)
    if not is_regular_file(file):
        k.special = file.exists()
        return k
    parsed = _parse_first_document(file)
    if isinstance(parsed, Unparsed):  # never rendered: what it would fetch cannot be known
        k.unreadable = (parsed.problem, parsed.line)
        return k
    doc, node = parsed
    lines = _scalar_lines(node)
    k.remote.extend(_keyed_remote_refs(node, file))
    if not isinstance(doc, dict):
        return k
    k.component = doc.get("kind") == "Component"
    k.uses_helm = bool(doc.get("helmCharts") or doc.get("helmChartInflationGenerator"))
    for entry in _strings(doc.get("resources"), doc.get("bases"), doc.get("components")):
        if is_remote(entry):
            k.remote.append(Reference(file, _line_of(lines, entry), entry.strip()))
            continue
        target = _local(k.dir, entry)
        if target is None:
            continue
        if target.is_dir():
            k.includes.append(target)
        else:
            k.resources.append(target)
    for entry in _aux_entries(doc):
        if _is_inline(entry):  # an inline patch or plugin config: only a builtin config's file paths are loaded
            k.remote.extend(Reference(file, _line_of(lines, entry), ref) for ref in _inline_config_refs(entry))
            continue
        if is_remote(entry):
            k.remote.append(Reference(file, _line_of(lines, entry), entry.strip()))
            continue
        target = _local(k.dir, entry)
        if target is None:
            continue
        # transformers/generators/validators may name a kustomization directory that emits their configs
        (k.includes if target.is_dir() else k.aux).append(target)
    k.remote = list(dict.fromkeys(k.remote))
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
            yield from (_file_source(entry) for entry in _strings(gen.get("files"), gen.get("envs"), [gen.get("env")]))


def _file_source(entry: str) -> str:
    """The path of a generator ``files`` entry, which may be ``key=path``."""
    return entry.split("=", 1)[1] if "=" in entry else entry


def _names_remote(entry: str) -> bool:
    """``entry`` (a path, or a generator's ``key=path``) is remote; a URL may hold ``=`` in its query."""
    return is_remote(entry) or is_remote(_file_source(entry))


#: Keys of kustomize's builtin plugin configs (``apiVersion: builtin``) whose values kustomize loads as
#: files: PatchTransformer ``path``, PatchStrategicMergeTransformer ``paths``, ConfigMapGenerator and
#: SecretGenerator ``files``/``envs``/``env``, ReplacementTransformer ``replacements[].path``, ...
_PLUGIN_FILE_KEYS = frozenset({"path", "paths", "files", "envs", "env", "resources"})


def builtin_config_refs(docs: Sequence[Any]) -> list[str]:
    """Remote entries under the file-loading keys of builtin plugin configs among ``docs``."""
    refs: list[str] = []

    def visit(node: Any, depth: int) -> None:
        if depth > 50:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _PLUGIN_FILE_KEYS:
                    entries = _strings(value if isinstance(value, list) else [value])
                    refs.extend(e.strip() for e in entries if _names_remote(e))
                visit(value, depth + 1)
        elif isinstance(node, list):
            for item in node:
                visit(item, depth + 1)

    for doc in docs:
        if isinstance(doc, dict) and doc.get("apiVersion") == "builtin":
            visit(doc, 0)
    return refs


def _inline_config_refs(text: str) -> list[str]:
    import yaml

    try:
        docs = list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    return builtin_config_refs(docs)


def _strings(*values: Any) -> Iterator[str]:
    for value in values:
        for item in as_list(value):
            if isinstance(item, str) and item.strip():
                yield item


def _is_inline(entry: str) -> bool:
    entry = entry.strip()
    return "\n" in entry or entry.startswith(("{", "["))


def _local(base: Path, entry: str) -> Path | None:
    """The local path a kustomization entry names; ``None`` for remote references and inline YAML."""
    if _is_inline(entry) or is_remote(entry):
        return None
    return real_path(Path(os.path.normpath(base / entry.strip())))


# --- peeking at manifests -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Peek:
    is_manifest: bool  # some document has apiVersion or kind (or the file could not be read: the loader says why)
    argo_paths: tuple[tuple[str, bool], ...] = ()  # (source path, directory.recurse)


@dataclass(frozen=True, slots=True)
class Unparsed:
    """Why a kustomization file could not be parsed, and where."""

    problem: str
    line: int | None = None


def _parse_first_document(file: Path) -> tuple[Any, Any] | Unparsed:
    """The first document of ``file``, constructed and as libyaml's node tree (which keeps every key, also
    a duplicated one, with its line)."""
    import yaml

    try:
        if file.stat().st_size > PEEK_MAX_BYTES:
            return Unparsed(f"larger than {PEEK_MAX_BYTES} bytes")
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return Unparsed("not UTF-8 text")
    except OSError as err:
        return Unparsed(f"cannot be read: {err.strerror or err}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_node() if loader.check_node() else None
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        return Unparsed(f"invalid YAML: {err.problem or err.context or 'syntax error'}",
                        mark.line + 1 if mark is not None else None)
    except (yaml.YAMLError, RecursionError, ValueError):
        return Unparsed("invalid YAML")
    finally:
        loader.dispose()


def _nodes(root: Any) -> Iterator[Any]:
    """Every node under ``root`` once (aliases share nodes and may form cycles)."""
    stack, seen = ([root] if root is not None else []), set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node.value, list):
            stack.extend(n for item in node.value for n in (item if isinstance(item, tuple) else (item,)))


def _scalar_lines(root: Any) -> dict[str, int]:
    """The 1-based line where each string scalar under ``root`` first appears."""
    import yaml

    lines: dict[str, int] = {}
    for node in _nodes(root):
        if isinstance(node, yaml.ScalarNode):
            line = node.start_mark.line + 1
            lines[node.value] = min(line, lines.get(node.value, line))
    return lines


#: Keys under which a kustomization names files or directories kustomize loads (``path`` of patches,
#: replacements and ``openapi``; ``files``/``envs``/``env`` of generators; the lists themselves).
_FILE_KEYS = frozenset({"resources", "bases", "components", "path", "paths", "patchesStrategicMerge", "crds",
                        "configurations", "transformers", "generators", "validators", "files", "envs", "env"})


def _keyed_remote_refs(root: Any, file: Path) -> list[Reference]:
    """Remote entries under file-loading keys anywhere in the node tree: unlike the constructed document,
    this sees every occurrence of a duplicated key, whichever of them a YAML library would keep."""
    import yaml

    refs = []
    for node in _nodes(root):
        if not isinstance(node, yaml.MappingNode):
            continue
        for key, value in node.value:
            if not (isinstance(key, yaml.ScalarNode) and key.value in _FILE_KEYS):
                continue
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for item in items:
                if isinstance(item, yaml.ScalarNode) and not _is_inline(item.value) and _names_remote(item.value):
                    entry = _file_source(item.value) if key.value == "files" else item.value
                    refs.append(Reference(file, item.start_mark.line + 1, entry.strip()))
    return refs


def _line_of(lines: dict[str, int], entry: str) -> int | None:
    """The line of the scalar ``entry`` came from (it may be part of one, e.g. ``key=url``)."""
    if entry in lines:
        return lines[entry]
    return min((line for text, line in lines.items() if entry in text), default=None)


#: Threads that load files for discovery: the native parser releases the GIL, so two cores share the work.
LOAD_THREADS = 2


@cache
def _load_pool() -> ThreadPoolExecutor:
    """One pool of load threads for the life of the process. yaml-rs 0.1.6 keeps state from the first thread
    that parses: once that thread has exited, a parse on a newer thread crashes the interpreter (a second
    in-process run, as ``inferops fix`` makes each round, with a fresh pool segfaulted). Threads that never
    exit keep that state valid."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=LOAD_THREADS, thread_name_prefix="inferops-load")


def _peek_all(files: list[Path], load: Callable[[Path], LoadResult]) -> dict[Path, _Peek]:
    if len(files) < 2 * LOAD_THREADS:
        return {f: _peek(f, load) for f in files}
    return dict(zip(files, _load_pool().map(lambda f: _peek(f, load), files)))


def _peek(file: Path, load: Callable[[Path], LoadResult]) -> _Peek:
    """Whether ``file`` holds objects, from its load; a file the loader has problems with (other than
    documents that are not objects) counts as a manifest, so that the problem is reported."""
    from inferops.rules.core import OBJECT_INVALID

    result = load(file)
    docs = [m.data for m in result.manifests]
    is_manifest = result.has_objects or any(f.rule_id != OBJECT_INVALID.id for f in result.findings)
    return _Peek(is_manifest, tuple(p for d in docs for p in _argo_source_paths(d)))


def _argo_source_paths(doc: Any) -> Iterator[tuple[str, bool]]:
    """Source paths of an Argo CD Application (or an ApplicationSet's template) in ``doc``, each with
    whether Argo CD reads the directory recursively (``directory.recurse``)."""
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
            directory = source.get("directory")
            recurse = isinstance(directory, dict) and directory.get("recurse") is True
            yield source["path"], recurse


def _argo_targets(peeks: Any, scan_dirs: Sequence[Path], cwd: Path) -> list[tuple[Path, bool]]:
    """Directories inside the scanned directories that an Argo CD source path points at, with ``recurse``.

    Argo CD paths are relative to the repository root, which validation cannot know for sure; a path is
    tried against the current directory, each scanned directory and the Git root above them.
    """
    bases = _unique([cwd, *scan_dirs, *(r for d in (cwd, *scan_dirs) if (r := git_root(d)) is not None)])
    targets: dict[Path, bool] = {}
    for peek in peeks:
        for rel, recurse in peek.argo_paths:
            if rel.startswith("/") or "\0" in rel:
                continue
            for base in bases:
                named = Path(os.path.normpath(base / rel))
                if not any(named.is_relative_to(d) for d in scan_dirs):
                    continue  # a link outside the scanned directories (in no change) decides nothing
                target = real_path(named)
                if _is_dir(target) and any(target.is_relative_to(d) for d in scan_dirs):
                    targets[target] = targets.get(target, False) or recurse
    return list(targets.items())


def _is_dir(path: Path) -> bool:
    """``path.is_dir()``, where a name the OS refuses (too long, a loop) is no directory, not an exception."""
    try:
        return path.is_dir()
    except OSError:
        return False


def repository_root(path: Path) -> Path:
    """The Git root above ``path``, else ``path`` itself: what a change can contain, and all it may read."""
    return git_root(path) or path


def git_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None
