"""A whole run's report, kept for a repository in which nothing has changed since.

A pre-commit hook validates the repository on every commit, most often with nothing changed where it looks:
the render and result caches still cost reading, hashing and re-checking every object (about 2 s for 300
overlays). This cache answers such a run with the report the last identical run printed, after one pass
over the repository that reads and hashes every file.

What a run prints is fixed by:

* the repository's content: the path, kind and bytes of every file under its Git root (symbolic links by
  their target; ``.git`` entries by kind, target and whether they lead anywhere, since they decide where
  repositories start, but not their history; other special files by their kind), which holds everything
  discovery, the Argo CD rules and kustomize may read (discovery looks no higher than the Git root);
* the settings: every option of :class:`~inferops.validate.pipeline.Options`, the report format and colour,
  the working directory, the resolved repository and paths, the policy file (path and bytes, wherever it
  is), inferops' version and code (:mod:`inferops.code_identity`), the kustomize binary, and the Kubernetes
  schemas (the ``kubernetes-validate`` release and its version directories, the shipped CRD schemas).

A run that may read anything else is never stored nor answered: standard input, ``--crd`` files, schema
locations, the kubeconform engine, ``--allow-remote``, paths outside one Git repository, a symbolic link
leading out of it or into a ``.git`` directory, a file read or an Argo CD source path under ``.git``, a
render whose inputs the render cache cannot key (or that reads inside ``.git``), a failed render (it may have
timed out), and repositories over :data:`MAX_ENTRIES` entries or :data:`MAX_BYTES` bytes (hashing them would
cost more than the run). The repository is scanned before the run and again after it; a report is stored
only when both scans agree on every file's content and on every entry's change time and inode, so an edit
made while the run reads, even one undone before it ends, is never stored as the report of either state.

Entries live in ``$XDG_CACHE_HOME/inferops/runs``, one file per settings (a later run with other content
replaces it), written atomically with a checksum; a corrupt or foreign entry is ignored. ``--no-cache``
bypasses it, as it bypasses the other caches, and deleting the directory is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inferops import __version__, code_identity
from inferops.cache_files import cache_inside, load_json, read_regular, store_json, user_cache_dir, within

if TYPE_CHECKING:
    from inferops.validate.pipeline import Options

FORMAT = 1
#: Repositories with more entries (files, directories, links, ...) or bytes than this are not hashed: the pass
#: would cost more than it saves.
MAX_ENTRIES = 20_000
MAX_BYTES = 64 << 20


def default_directory() -> Path:
    """``$XDG_CACHE_HOME/inferops/runs``, else ``~/.cache/inferops/runs``."""
    return user_cache_dir("runs")


class RunCache:
    """The stored report of one run's settings, valid while the repository's content is ``before.content``."""

    def __init__(self, directory: Path, settings: str, root: Path, before: Scan,
                 settings_now: Callable[[], str | None]) -> None:
        self.path = directory / settings[:2] / f"{settings}.json"
        self.settings = settings
        #: The settings worked out again: the policy file, kustomize and the schemas may lie outside the
        #: repository, where no scan sees them change.
        self.settings_now = settings_now
        self.root = root
        self.before = before

    def get(self) -> tuple[str, int] | None:
        """``(report text, exit code)`` of the last run with these settings over this very content."""
        try:
            entry = load_json(self.path)
            text, code, inputs = entry["text"], entry["exit_code"], self.before.content
            if entry.get("format") != FORMAT or entry.get("inputs") != inputs or not isinstance(text, str) \
                    or type(code) is not int or entry.get("sha256") != _checksum(inputs, text, code):
                return None
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return text, code

    def put(self, text: str, exit_code: int) -> None:
        """Store the run's report when nothing in the repository was touched since the run began: the same
        content, and every entry with the same change time and inode (a file edited and restored while the run
        read it has the content it started with, but not its change time)."""
        if scan(self.root) != self.before or self.settings_now() != self.settings:
            return
        inputs = self.before.content
        store_json(self.path, {"format": FORMAT, "inputs": inputs, "text": text, "exit_code": exit_code,
                               "sha256": _checksum(inputs, text, exit_code)})


def for_run(options: Options, report_format: str, color: bool) -> RunCache | None:
    """The run cache for ``options``, or ``None`` when the run may read what no key here covers."""
    from inferops.validate.discovery import git_root

    if not options.render_cache or options.stdin_text is not None or "-" in options.paths or options.crds \
            or options.schema_locations or options.engine != "builtin" or options.allow_remote:
        return None
    cwd = options.cwd.resolve()
    targets = [(cwd / p).resolve() for p in options.paths or ["."]]
    root = git_root(targets[0] if targets[0].is_dir() else targets[0].parent)
    if root is None or not all(t.is_relative_to(root) for t in targets):
        return None
    if cache_inside(root):
        return None  # the run says so in a note
    settings = _settings(options, report_format, color, cwd, [root, *targets])
    before = scan(root) if settings is not None else None
    if settings is None or before is None:
        return None
    return RunCache(default_directory(), settings, root, before,
                    lambda: _settings(options, report_format, color, cwd, [root, *targets]))


def _settings(options: Options, report_format: str, color: bool, cwd: Path, places: list[Path]) -> str | None:
    """A digest of everything but the repository's content that decides the report; ``places`` are the
    resolved repository root and paths (a path given through a symbolic link may lead to another checkout)."""
    from inferops.errors import InferopsError
    from inferops.validate.pipeline import policy_path
    from inferops.validate.render import find_kustomize
    from inferops.validate.render_cache import tool_identity

    try:
        tool = find_kustomize()
        policy = policy_path(options.policy, options.paths, cwd)
        policy_bytes = policy.read_bytes() if policy is not None else None
        schemas = _schema_identity()
    except (InferopsError, OSError):
        return None  # the run reports it
    chosen = {k: v for k, v in asdict(options).items() if k not in ("cwd", "stdin_text")}
    settings = [FORMAT, __version__, code_identity.identity(), chosen, report_format, color, str(cwd),
                [str(place) for place in places],
                tool_identity(tool.command) if tool is not None else None,
                str(policy) if policy is not None else None,
                hashlib.sha256(policy_bytes).hexdigest() if policy_bytes is not None else None, schemas]
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


def _schema_identity() -> list[Any]:
    """The installed libraries (every distribution, by its dist-info name and RECORD, in the directories
    holding the schema package and the parsers and schema engine whose messages a report quotes), the
    Kubernetes schemas' version directories (their modification time changes when an install adds, removes
    or replaces a file) and the shipped CRD schemas (each file's name, size and modification time)."""
    import importlib.util

    from inferops.validate.schema.crd import builtin_crds_dir
    from inferops.validate.schema.kubernetes import schema_root

    root = schema_root()
    sites = set()
    for module in ("kubernetes_validate", "jsonschema_rs", "yaml_rs", "yaml"):
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            sites.add(Path(spec.origin).parent.parent)
    releases = [[str(p), _stat(p / "RECORD")] for site in sorted(sites) for p in sorted(site.glob("*.dist-info"))]
    versions = [[d.name, _stat(d)] for d in sorted(root.iterdir())]
    crds = [[str(p), _stat(p)] for p in sorted(builtin_crds_dir().rglob("*"))]
    return [str(root), releases, versions, crds]


def _stat(path: Path) -> list[int]:
    try:
        info = path.stat()
    except OSError:
        return []
    return [info.st_size, info.st_mtime_ns]


@dataclass(frozen=True)
class Scan:
    """One pass over a repository: ``content`` keys the cache (what is there); ``state`` also holds each
    entry's change time, inode and device, which tell whether anything was written meanwhile."""

    content: str
    state: str


def scan(root: Path) -> Scan | None:
    """Every path under ``root`` with its kind and content; ``None`` when the repository is too large, holds
    a symbolic link leading out of it or into a ``.git`` directory (whose files are not hashed), or cannot
    be read entirely. ``.git`` entries count by kind, link target and whether they lead anywhere: they
    decide where repositories start (``(directory / ".git").exists()``), not their history."""
    real_root = os.path.realpath(root)
    content, state = hashlib.sha256(), hashlib.sha256()
    count = size = 0
    pending = [""]
    try:
        while pending:
            relative = pending.pop()
            with os.scandir(os.path.join(real_root, relative)) as listing:
                entries = sorted(listing, key=lambda e: e.name)
            content.update(f"\0D\0{relative}\0{len(entries)}".encode())
            for entry in entries:
                name = os.path.join(relative, entry.name)
                count += 1  # every entry costs a stat (a link a realpath too), not only regular files
                if count > MAX_ENTRIES:
                    return None
                info = entry.stat(follow_symlinks=False)
                kind = info.st_mode
                if entry.name != ".git":  # git writes there while a hook runs: its times tell of no edit
                    state.update(f"\0{name}\0{kind}\0{info.st_ctime_ns}\0{info.st_ino}\0{info.st_dev}".encode())
                if entry.name == ".git":
                    target = os.readlink(entry.path) if stat.S_ISLNK(kind) else ""
                    content.update(f"\0G\0{name}\0{stat.S_IFMT(kind)}\0{target}\0{os.path.exists(entry.path)}".encode())
                elif stat.S_ISLNK(kind):
                    real = os.path.realpath(entry.path)
                    if not within(real, real_root) or ".git" in Path(os.path.relpath(real, real_root)).parts:
                        return None
                    # where it leads too: the way there may pass through links outside the repository
                    content.update(f"\0L\0{name}\0{os.readlink(entry.path)}\0{os.path.relpath(real, real_root)}".encode())
                elif stat.S_ISDIR(kind):
                    pending.append(name)
                elif stat.S_ISREG(kind):
                    data = read_regular(entry.path, MAX_BYTES)
                    size += len(data)
                    if size > MAX_BYTES:
                        return None
                    content.update(f"\0F\0{name}\0{len(data)}\0".encode())
                    content.update(data)
                else:
                    content.update(f"\0S\0{name}\0{stat.S_IFMT(kind)}".encode())  # never read: a FIFO would block
    except (OSError, ValueError):
        return None
    return Scan(content.hexdigest(), state.hexdigest())


def _checksum(inputs: str, text: str, exit_code: int) -> str:
    return hashlib.sha256(json.dumps([inputs, text, exit_code]).encode()).hexdigest()
