"""Where inferops keeps its caches (renders, findings, policies, runs, schemas) and how an entry is written and
read: one place for the XDG location, the atomic write every cache relies on for concurrent runs, and the
read that no entry, whatever was put in its place, can block, crash or overflow."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any


def user_cache_dir(name: str) -> Path:
    """``$XDG_CACHE_HOME/inferops/<name>``, else ``~/.cache/inferops/<name>``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "inferops" / name


def cache_inside(root: Path) -> bool:
    """Whether inferops' cache directory lies in ``root``, the repository being checked: a change could then
    commit cache entries answering for its own objects (a checksum proves no origin), so none may be used."""
    return user_cache_dir("").resolve().is_relative_to(root.resolve())


def within(real: str, root: str) -> bool:
    """Whether the resolved path ``real`` is ``root`` (resolved) or below it."""
    return real == root or real.startswith(root if root.endswith(os.sep) else root + os.sep)


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


def load_json(path: Path) -> Any:
    """The JSON document in the regular file ``path``; ``None`` when it is missing, unreadable, not a regular
    file (a FIFO put in an entry's place would block a plain read), not JSON, or nested too deep to parse."""
    try:
        return json.loads(read_regular(path))
    except (OSError, ValueError, RecursionError):
        return None


def read_regular(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of ``path`` (at most ``limit`` + 1 of them), opened without following a final symbolic link
    and without blocking; anything but a regular file raises ``OSError``."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"{path} is not a regular file")
        return stream.read() if limit is None else stream.read(limit + 1)
