"""Where inferops keeps its caches (renders, findings, policies, schemas) and how an entry is written: one
place for the XDG location and the atomic write every cache relies on for concurrent runs."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def user_cache_dir(name: str) -> Path:
    """``$XDG_CACHE_HOME/inferops/<name>``, else ``~/.cache/inferops/<name>``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "inferops" / name


def store_json(path: Path, document: Any) -> None:
    """Write ``document`` to ``path`` through a temporary file renamed into place, so a concurrent reader sees
    the old entry or the new one, never half of one. A failure (no space, no permission, data JSON cannot
    hold) only costs the cache: nothing is raised and no temporary file is left."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream, ensure_ascii=False)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, TypeError, ValueError):
        return
