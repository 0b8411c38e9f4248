"""A cache of kustomize renders, keyed by the content of every file a render reads.

A second ``inferops validate`` of an unchanged repository should not run kustomize 300 times. The key
of a render root is a SHA-256 over:

* the cache format, inferops' version and the kustomize binary (its command, resolved path, size and
  modification time), so a new kustomize renders afresh;
* the root's path, and for every kustomization it reaches (its bases, components, generator and
  transformer directories, at any depth) that kustomization file's path and bytes;
* the path and bytes of every file a kustomization names: any string value in it that is the path of
  an existing file (resources, patches, generator ``files``/``envs``, ``crds``, ``configurations``,
  replacement sources, ... whatever the field), plus the files such a file names when it is a plugin
  configuration (``transformers``/``generators``/``validators``), and every file under a named
  directory that is not a kustomization.

Taking every path-like string instead of a list of known fields keeps the key complete for fields this
module has never heard of. When in doubt the key is not made and the root renders without the cache: a
kustomization that does not parse, a remote reference (URL or git), Helm charts (which read a charts
directory implicitly), a special file (FIFO, device) or too many files.

Entries live in the user cache directory (``$XDG_CACHE_HOME/inferops/renders``, else
``~/.cache/inferops/renders``), one JSON file per key holding the output and a checksum of it. An entry
is written to a temporary file and renamed into place, so concurrent runs never see half an entry; an
entry that does not parse or whose checksum does not match is ignored and rewritten. Only successful
renders are stored. Deleting the directory is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from inferops import __version__, code_identity
from inferops.cache_files import load_json, store_json, user_cache_dir, within

FORMAT = 3  # 2: the wrapper asks for transformer annotations too; 3: the loaded objects beside the text
#: A render reading a file bigger than this is not cached.
MAX_FILE_BYTES = 64 << 20
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
#: A render reading more files than this is not cached (hashing would cost more than it saves).
MAX_FILES = 20_000
#: Keys whose files are plugin configurations, which may name further files.
PLUGIN_KEYS = ("transformers", "generators", "validators")
#: Keys whose entries kustomize may fetch from the network when they are URLs or git references.
REMOTE_KEYS = ("resources", "bases", "components", "configMapGenerator", "secretGenerator")
_REMOTE_PREFIXES = ("http://", "https://", "git@", "github.com/", "gitlab.com/", "bitbucket.org/", "ssh://",
                    "git::", "file://", "oci://")


class _Uncacheable(Exception):
    """The render's inputs cannot be known for sure: render without the cache."""


def default_directory() -> Path:
    """``$XDG_CACHE_HOME/inferops/renders``, else ``~/.cache/inferops/renders``."""
    return user_cache_dir("renders")


class RenderCache:
    """Rendered output of kustomization roots, by :meth:`key`."""

    def __init__(self, directory: Path, tool: tuple[str, ...], boundaries: list[Path]) -> None:
        """Every input of a cached render must be inside its *boundary*, symlinks resolved: the Git
        repository around the root, else the outermost of ``boundaries`` (the scanned directories)
        holding it. A render reading anything outside is not cached, and nothing outside is read."""
        self.directory = directory
        self.boundaries = sorted({b.resolve() for b in boundaries}, key=lambda b: len(b.parts))
        self._tool = tool_identity(tool)
        self._lock = threading.Lock()
        self.hits = 0
        #: Whether every root looked up so far had a key and none read inside a ``.git`` directory: only
        #: then does a digest of the repository's files (:mod:`run_cache`) cover all the renders read.
        self.all_keyed = True
        #: Files already read by this run's lookups, with their parsed YAML: the overlays of one base all
        #: read the base, and reading and parsing it once per run is enough to look them up.
        self._seen = _Seen()
        self._boundaries: dict[Path, Path | None] = {}

    def key(self, root: Path, *, fresh: bool = False) -> str | None:
        """The key of ``root``'s render, or ``None`` when its inputs cannot all be known. A lookup may
        reuse what this run already read; ``fresh`` reads every input again (the check after a render
        that its inputs did not change while it ran)."""
        boundary = self._boundary(root) if fresh else self._boundaries.get(root) or self._boundary(root)
        self._boundaries[root] = boundary
        if boundary is None:
            self.all_keyed = False
            return None
        digest = hashlib.sha256()
        digest.update(json.dumps([FORMAT, __version__, code_identity.identity(), self._tool, str(root)]).encode())
        try:
            for path, content in sorted(_Inputs(boundary, None if fresh else self._seen).of(root).items()):
                if f"{os.sep}.git{os.sep}" in path:
                    self.all_keyed = False
                digest.update(f"\0{path}\0{len(content)}\0".encode())
                digest.update(content)
        except (_Uncacheable, OSError, RecursionError):
            self.all_keyed = False
            return None
        return digest.hexdigest()

    def _boundary(self, root: Path) -> Path | None:
        resolved = root.resolve()
        for directory in (resolved, *resolved.parents):
            if (directory / ".git").exists():
                return directory
        return next((b for b in self.boundaries if resolved.is_relative_to(b)), None)

    def get(self, key: str) -> tuple[str, str | None, str | None] | None:
        """``(text, origin base, documents)`` stored under ``key``; ``None`` when absent, unreadable or corrupt.
        ``documents`` is the JSON of the objects the text loads as, once a run has added it (:meth:`put`)."""
        try:
            entry = load_json(self._path(key))
            text, base, documents, checksum = entry["text"], entry["origin_base"], entry["documents"], entry["sha256"]
            if entry.get("format") != FORMAT or not isinstance(text, str) or not isinstance(base, (str, type(None))) \
                    or not isinstance(documents, (str, type(None))):
                raise ValueError("unexpected entry")
            if _checksum(text, documents) != checksum:
                raise ValueError("checksum mismatch")
        except (OSError, ValueError, KeyError, TypeError):
            return None
        with self._lock:
            self.hits += 1
        return text, base, documents

    def put(self, key: str, text: str, origin_base: str | None, documents: str | None = None) -> None:
        """Store an entry atomically (a temporary file renamed into place); a failure only costs the cache.
        ``documents``, the JSON of the objects ``text`` loads as, spares later runs parsing the text."""
        store_json(self._path(key), {"format": FORMAT, "text": text, "origin_base": origin_base,
                                     "documents": documents, "sha256": _checksum(text, documents)})

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"


def _checksum(text: str, documents: str | None) -> str:
    digest = hashlib.sha256(text.encode())
    if documents is not None:
        digest.update(b"\0")
        digest.update(documents.encode())
    return digest.hexdigest()


def tool_identity(command: tuple[str, ...]) -> list[Any]:
    """The command, its resolved binary's path, size and modification time, and those of the binaries beside
    it named after it (Google Cloud SDK's ``kubectl`` runs one of its ``kubectl.1.NN`` siblings)."""
    binary = Path(command[0]).resolve()
    try:
        info = binary.stat()
        siblings = sorted(p for p in binary.parent.glob(f"{binary.name}.*") if p.is_file())
        return [list(command), str(binary), info.st_size, info.st_mtime_ns,
                [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in siblings]]
    except OSError:
        return [list(command), str(binary)]


class _Seen:
    """Bytes and parsed YAML of files read earlier in the run (shared by the render threads), reused only
    while the file's size, modification and change times and inode are those it was read with."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bytes: dict[str, tuple[tuple[int, ...], bytes]] = {}
        self.yaml: dict[str, tuple[bytes, Any]] = {}
        #: The inputs of each kustomization directory reached so far, by (boundary, directory), with the
        #: directories whose entries decided them: the bases shared by many overlays are walked once. Reused
        #: only while every file in it is unchanged and no entry was added to or removed from those
        #: directories (their modification and change times).
        self.closures: dict[tuple[str, str], tuple[dict[str, bytes], dict[str, tuple[int, ...]]]] = {}

    def closure(self, key: tuple[str, str]) -> tuple[dict[str, bytes], dict[str, tuple[int, ...]]] | None:
        known = self.closures.get(key)
        if known is None:
            return None
        files, directories = known
        try:
            for path, content in files.items():
                if self.get(path, os.stat(path)) is not content:
                    return None
            for directory, signature in directories.items():
                if _directory_signature(directory) != signature:
                    return None
        except OSError:
            return None
        return known

    def get(self, key: str, info: os.stat_result) -> bytes | None:
        known = self.bytes.get(key)
        return known[1] if known is not None and known[0] == _signature(info) else None

    def put(self, key: str, info: os.stat_result, content: bytes) -> None:
        with self.lock:
            self.bytes[key] = (_signature(info), content)


def _directory_signature(directory: str) -> tuple[int, ...]:
    """What changes when an entry is added to, removed from or renamed in ``directory``; ``()`` if absent."""
    try:
        return _signature(os.stat(directory))
    except OSError:
        return ()


def _signature(info: os.stat_result) -> tuple[int, ...]:
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev


class _Inputs:
    """Every file one render reads, by path, with its bytes."""

    def __init__(self, boundary: Path, seen: _Seen | None = None) -> None:
        self.boundary = boundary
        self.files: dict[str, bytes] = {}
        #: Directories whose entries decided what was read (a path that did not exist may appear there).
        self.directories: dict[str, tuple[int, ...]] = {}
        self.seen = seen

    def of(self, root: Path) -> dict[str, bytes]:
        self._closure(root, frozenset())
        return self.files

    def _closure(self, directory: Path, visiting: frozenset[Path]) -> None:
        """Add the inputs of the kustomization in ``directory`` and everything it reaches."""
        if directory in visiting:
            raise _Uncacheable(f"{directory} includes itself")  # kustomize refuses the cycle too
        memo = (str(self.boundary), str(directory))
        known = self.seen.closure(memo) if self.seen is not None else None
        if known is None:
            inner = _Inputs(self.boundary, self.seen)
            inner._collect(directory, visiting | {directory})
            known = inner.files, inner.directories
            if self.seen is not None:
                with self.seen.lock:
                    self.seen.closures[memo] = known
        self.files.update(known[0])
        self.directories.update(known[1])
        if len(self.files) > MAX_FILES:
            raise _Uncacheable("inputs too large")

    def _watch(self, directory: str) -> None:
        if directory not in self.directories:
            self.directories[directory] = _directory_signature(directory)

    def _collect(self, directory: Path, visiting: frozenset[Path]) -> None:
        self._watch(str(directory))
        if not directory.resolve().is_relative_to(self.boundary):
            raise _Uncacheable(f"{directory} is outside {self.boundary}")
        kustomization = _kustomization_file(directory)
        if kustomization is None:
            raise _Uncacheable(f"no kustomization in {directory}")
        if sum((directory / name).is_file() for name in KUSTOMIZATION_FILES) > 1:
            # kustomize refuses to build ("Found multiple kustomization files"); the key reads only one
            raise _Uncacheable(f"several kustomization files in {directory}")
        doc = self._yaml(kustomization)
        if not isinstance(doc, dict) or doc.get("helmCharts") or doc.get("helmGlobals") \
                or doc.get("helmChartInflationGenerator"):
            raise _Uncacheable("unparsable kustomization or Helm charts")
        for key, value in _strings(doc):
            for target in self._targets(directory, key, value):
                if target.is_dir():
                    if _kustomization_file(target) is not None:
                        self._closure(target, visiting)
                    else:
                        self._tree(target)
                elif key in PLUGIN_KEYS:
                    self._plugin_references(directory, self._yaml(target))
                else:
                    self._read(target)

    def _targets(self, directory: Path, key: str, value: str) -> Iterator[Path]:
        """Existing local paths ``value`` may name (``key=path`` too). A remote reference, or a path
        leaving the boundary, makes the render uncacheable."""
        value = value.strip()
        if not value or "\n" in value or len(value) > 4096:
            return
        if key in REMOTE_KEYS and (value.startswith(_REMOTE_PREFIXES) or "://" in value):
            raise _Uncacheable(f"remote reference {value}")
        for candidate in {value, value.split("=", 1)[-1]}:
            if os.path.isabs(candidate):
                continue  # kustomize refuses absolute paths; nothing to read
            # string paths (os.path), not pathlib: this runs for every string of every kustomization
            path = os.path.normpath(os.path.join(directory, candidate))
            try:
                self._watch(os.path.dirname(path))
                if not os.path.exists(path):
                    continue
                inside = within(os.path.realpath(path), str(self.boundary))
            except (OSError, ValueError):
                continue
            if not inside:
                raise _Uncacheable(f"{path} is outside {self.boundary}")
            yield Path(path)

    def _read(self, path: Path) -> bytes:
        """The bytes of a regular file; anything else makes the render uncacheable."""
        key = str(path)
        if key not in self.files:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):  # a FIFO would block; a device is no input to cache
                raise _Uncacheable(f"{path} is not a regular file")
            if info.st_size > MAX_FILE_BYTES or len(self.files) >= MAX_FILES:
                raise _Uncacheable("inputs too large")
            known = self.seen.get(key, info) if self.seen is not None else None
            self.files[key] = known if known is not None else path.read_bytes()
            if self.seen is not None and known is None:
                self.seen.put(key, info, self.files[key])
        return self.files[key]

    def _yaml(self, path: Path) -> Any:
        """The file's YAML (read-only: a parse may be shared with other lookups of the run)."""
        import yaml

        content = self._read(path)
        known = self.seen.yaml.get(str(path)) if self.seen is not None else None
        if known is not None and known[0] is content:  # parsed from these very bytes
            return known[1]
        try:
            docs = list(yaml.load_all(content, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        except (yaml.YAMLError, ValueError) as err:
            raise _Uncacheable(f"{path} does not parse") from err
        parsed = docs[0] if len(docs) == 1 else docs
        if self.seen is not None:
            with self.seen.lock:
                self.seen.yaml[str(path)] = (content, parsed)
        return parsed

    def _tree(self, directory: Path) -> None:
        for dirpath, _dirnames, filenames in os.walk(directory):
            self._watch(dirpath)
            for name in filenames:
                path = Path(dirpath) / name
                if not path.resolve().is_relative_to(self.boundary):
                    raise _Uncacheable(f"{path} is outside {self.boundary}")
                self._read(path)

    def _plugin_references(self, directory: Path, config: Any) -> None:
        """Files named inside a plugin configuration (a PatchTransformer's ``path``, ...)."""
        for _key, value in _strings(config):
            for target in self._targets(directory, "", value):
                if target.is_dir():
                    self._tree(target)
                else:
                    self._read(target)


def _kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def _strings(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every string value in ``node``, with the top-level key it sits under."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _strings(value, key or str(name))
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, key)
    elif isinstance(node, str):
        yield key, node
