"""Which paths ``inferops add`` may write or remove: files the generator produces, inside the repository.

``add`` joins paths from a render and from ``.inferops/state.json`` (which a pull request can change) to
the repository and then writes or deletes them. Every one must be a normalised relative POSIX path, never
under ``.git`` (in any letter case: case-insensitive file systems fold it), and reached without following a
symbolic link at any component, so that neither a tampered state nor a link committed to the repository
can steer a write or a deletion elsewhere.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from inferops.errors import InferopsError

#: Longer paths are not something a blueprint renders.
MAX_PATH_CHARS = 1024
#: Longest file name most file systems accept, in bytes.
MAX_NAME_BYTES = 255


def check_generated_path(path: str) -> str | None:
    """Why ``path`` cannot be a file the generator writes (``None`` when it can)."""
    if not path:
        return "empty path"
    if len(path) > MAX_PATH_CHARS:
        return f"longer than {MAX_PATH_CHARS} characters"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return "control character in path"
    if "\\" in path:
        return "backslash in path"
    if path.startswith("/"):
        return "absolute path"
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "not a normalised path (empty, '.' or '..' component)"
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in parts):
        return f"a name longer than {MAX_NAME_BYTES} bytes"
    if any(part.lower() == ".git" for part in parts):
        return "inside .git"
    return None


def safe_target(repo: Path, path: str) -> Path:
    """``repo / path`` after checking that writing or deleting it stays inside the repository.

    Raises :class:`InferopsError` for a path the generator cannot have produced, and for one that reaches
    through a symbolic link (whatever it points to: a link into ``.git`` is inside the repository too).
    """
    problem = check_generated_path(path)
    if problem:
        raise InferopsError(f"{path!r} is not a file inferops generates ({problem}); refusing to touch it",
                            file=str(repo))
    current = repo
    for part in path.split("/"):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except (FileNotFoundError, NotADirectoryError):
            break  # nothing exists below: no link either (writing there fails, and is reported, later)
        except OSError as err:
            raise InferopsError(f"cannot inspect: {err.strerror}", file=str(current)) from None
        if stat.S_ISLNK(mode):
            raise InferopsError(
                "is a symbolic link; `inferops add` never writes or deletes through one (it could lead outside "
                "the repository or into .git)", file=str(current))
    return repo / path
