"""What the per-object rules found in each object, remembered between runs.

A second ``inferops validate`` of an unchanged repository sees the same objects again; running every
object-scope rule on each of them again is most of the run. An object's violations depend only on the
object (its data, its file and the kustomization that rendered it, which name its environment) and on the
run's settings (inferops' version, the registered rules and the families asked for, the policy, the
Kubernetes version, the repository root), so they are stored under a SHA-256 of exactly those. Cross-object
rules (``scope="all"``: Argo CD projects and paths, autoscalers, budgets, metric scraping) always run over
the whole set, and file and line of every finding are worked out afresh from the object in hand.

Like the render cache (:mod:`inferops.validate.render_cache`), entries live in the user cache directory
(``$XDG_CACHE_HOME/inferops/findings``, else ``~/.cache/inferops/findings``): one JSON file per run settings
holding the entries of the objects the last run saw and a checksum of them, written to a temporary file and
renamed into place. Concurrent runs each write a complete file (entries are keyed by content, so whichever
lands last is right); a file that does not parse or whose checksum does not match is ignored and rewritten.
``--no-cache`` bypasses it, and deleting the directory is always safe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from inferops import __version__, code_identity
from inferops.cache_files import load_json, store_json, user_cache_dir
from inferops.validate.manifest import Manifest

FORMAT = 1

#: A rule id -> the violations it found, each as ``[message, path, hint]``.
Entry = dict[str, list[list[Any]]]


def default_directory() -> Path:
    """``$XDG_CACHE_HOME/inferops/findings``, else ``~/.cache/inferops/findings``."""
    return user_cache_dir("findings")


class RuleResultCache:
    """Violations of per-object rules, by object, for one set of run settings."""

    def __init__(self, directory: Path, settings: Sequence[Any]) -> None:
        """``settings``: everything besides the object that the rules' verdicts depend on (JSON-encodable)."""
        digest = hashlib.sha256(json.dumps([FORMAT, __version__, code_identity.identity(), *settings], sort_keys=True).encode()).hexdigest()
        self.path = directory / f"{digest}.json"
        self._stored = self._load()
        self._used: dict[str, Entry] = {}
        self.hits = 0

    def key(self, m: Manifest) -> str | None:
        """The key of ``m``; ``None`` when its data is not plain JSON (it is then checked, not cached)."""
        try:
            text = json.dumps([m.file, m.render_root, m.data], ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            return None
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, key: str) -> Entry | None:
        """The stored entry of ``key``; ``None`` also when it is not shaped as :meth:`put` stores it (a
        checksum proves no origin: a file from another build or a forged one must not crash the run)."""
        entry = self._stored.get(key)
        if entry is not None and not _well_formed(entry):
            entry = None
        if entry is not None:
            self.hits += 1
            self._used[key] = entry
        return entry

    def put(self, key: str, entry: Entry) -> None:
        self._used[key] = entry

    def save(self) -> None:
        """Write the entries of the objects this run saw (so the file never outgrows the repository),
        atomically; a failure only costs the cache."""
        entries = self._used
        store_json(self.path, {"format": FORMAT, "entries": entries, "sha256": _checksum(entries)})

    def _load(self) -> dict[str, Entry]:
        try:
            document = load_json(self.path)
            entries = document["entries"]
            if document.get("format") != FORMAT or not isinstance(entries, dict) \
                    or _checksum(entries) != document["sha256"]:
                raise ValueError("unexpected or corrupt entry file")
        except (OSError, ValueError, KeyError, TypeError):
            return {}
        return entries


def _checksum(entries: dict[str, Entry]) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _well_formed(entry: Any) -> bool:
    """Whether ``entry`` maps rule ids to lists of ``[message, path, hint]`` as :meth:`put` stores them."""
    return isinstance(entry, dict) and all(
        isinstance(rule_id, str) and isinstance(found, list) and all(
            isinstance(v, list) and len(v) == 3 and isinstance(v[0], str) and isinstance(v[2], (str, type(None)))
            and isinstance(v[1], list)
            and all(isinstance(p, str) or (isinstance(p, int) and not isinstance(p, bool)) for p in v[1])
            for v in found)
        for rule_id, found in entry.items())
