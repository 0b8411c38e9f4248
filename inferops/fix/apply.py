"""Writing planned edits: atomically, keeping the file's mode, and only if the file is still what the
edits were computed from (an editor or another tool may have saved it meanwhile: their change wins)."""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
import tempfile

from inferops.fix.plan import FileFix, Refused
from inferops.fix.splice import apply


def fixed_text(file_fix: FileFix) -> str:
    return apply(file_fix.text, file_fix.edits)


def diff(file_fix: FileFix) -> str:
    """Unified diff of the planned change, with ``a/`` and ``b/`` paths as ``git apply`` takes them."""
    before = file_fix.text.splitlines(keepends=True)
    after = fixed_text(file_fix).splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, _quoted(f"a/{file_fix.display}"), _quoted(f"b/{file_fix.display}"))
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _quoted(name: str) -> str:
    """A diff header's file name as git writes it: C-quoted when it holds a control character, a quote or a
    backslash (a newline in a name would otherwise end the header line, and ``git apply`` reads it the same)."""
    if not any(ord(c) < 0x20 or c in '"\\\x7f' for c in name):
        return name
    escapes = {"\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
    return '"' + "".join(escapes.get(c) or (f"\\{ord(c):03o}" if ord(c) < 0x20 or c == "\x7f" else c)
                         for c in name) + '"'


def write(file_fix: FileFix) -> None:
    """Replace the file with its fixed text via a temporary file in the same directory and ``os.replace``."""
    path = file_fix.path
    if path.is_symlink():
        raise Refused("a symbolic link")
    info = path.stat()
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        raise Refused("read-only")  # replacing it would work (the directory is writable) but ignore its owner's choice
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".inferops-fix", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(fixed_text(file_fix).encode("utf-8"))
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        _keep_owner(temp, info)
        if hashlib.sha256(path.read_bytes()).hexdigest() != file_fix.digest or path.is_symlink():
            raise Refused("changed since it was read")
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def _keep_owner(temp: str, info: os.stat_result) -> None:
    """Give the new file the old one's owner and group where we may (run as root, e.g. in a container over a
    mounted checkout, the replaced file would otherwise belong to root); without the right, it stays ours."""
    if (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid()):
        return
    try:
        os.chown(temp, info.st_uid, info.st_gid)
    except PermissionError:
        pass
