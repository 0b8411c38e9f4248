"""Policy files that passed validation before, by their exact bytes, so a run need not validate them again.

Validating a policy file takes pydantic and ruamel.yaml, whose imports alone cost more than the checks
of a small repository. A file's validated content is stored under a SHA-256 of inferops' version, the
cache format and the file's bytes, in ``$XDG_CACHE_HOME/inferops/policies`` (else
``~/.cache/inferops/policies``), with a checksum, written atomically. Only files that passed are stored:
an invalid file is validated (and its error reported) every time. ``--no-cache`` bypasses it, a corrupt
entry is ignored and rewritten, deleting the directory is always safe.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from inferops import __version__, code_identity
from inferops.cache_files import load_json, store_json, user_cache_dir
from inferops.policy import Policy

FORMAT = 1


def default_directory() -> Path:
    """``$XDG_CACHE_HOME/inferops/policies``, else ``~/.cache/inferops/policies``."""
    return user_cache_dir("policies")


class PolicyCache:
    """The stored validation of one policy file, as it is now."""

    def __init__(self, directory: Path, path: Path) -> None:
        try:
            content = path.read_bytes() if path.is_file() else None
        except OSError:
            content = None  # validation reports it
        self.key = None if content is None else hashlib.sha256(
            json.dumps([FORMAT, __version__, code_identity.identity()]).encode() + b"\0" + content).hexdigest()
        self.entry = directory / f"{self.key}.json" if self.key is not None else None

    def get(self) -> Policy | None:
        if self.entry is None:
            return None
        try:
            document = load_json(self.entry)
            data: dict[str, Any] = document["policy"]
            if document.get("format") != FORMAT or document.get("sha256") != _checksum(data) \
                    or not _well_formed(data):
                raise ValueError("unexpected or corrupt entry")
            return Policy.from_dump(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, policy: Policy) -> None:
        if self.entry is None:
            return
        data = policy.model_dump()
        store_json(self.entry, {"format": FORMAT, "policy": data, "sha256": _checksum(data)})


def _checksum(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _well_formed(data: Any) -> bool:
    """Whether ``data`` has the types :meth:`Policy.model_dump` writes (a checksum proves no origin: an
    entry from another build or a forged one must not reach the rules with, say, a text GPU budget)."""
    def texts(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)

    def environment(env: Any) -> bool:
        budget = env.get("gpu_budget") if isinstance(env, dict) else None
        return isinstance(env, dict) and set(env) == {"gpu_budget", "require_digest", "require_pinned_revision"} \
            and (budget is None or (isinstance(budget, int) and not isinstance(budget, bool))) \
            and isinstance(env["require_digest"], bool) and isinstance(env["require_pinned_revision"], bool)

    return isinstance(data, dict) and data.get("version") == 1 \
        and isinstance(data.get("kubernetes_version"), (str, type(None))) \
        and texts(data.get("required_labels")) and texts(data.get("allowed_registries")) \
        and texts(data.get("exclude")) \
        and isinstance(data.get("environments"), dict) \
        and all(isinstance(name, str) and environment(env) for name, env in data["environments"].items()) \
        and isinstance(data.get("rules"), dict) \
        and all(isinstance(rule_id, str) and isinstance(setting, dict) and set(setting) == {"severity"}
                and setting["severity"] in ("error", "warning", "info", "off")
                for rule_id, setting in data["rules"].items())
