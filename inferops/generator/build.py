"""Create ``inferops new``'s output directory whole or not at all.

The repository (files, Git repository and first commit) is built in a temporary directory beside the
output, ``.inferops-new-<pid>-<random>``, and renamed into place as the very last step: a rename within one
directory is atomic, and it also replaces an empty directory. So an interrupted run leaves either nothing
or the whole repository. Ctrl-C and SIGTERM remove the temporary directory on the way out; SIGKILL (or a
power cut) cannot, so every run first removes the temporary directories of runs whose process is gone.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

BUILD_PREFIX = ".inferops-new-"
_BUILD_NAME = re.compile(re.escape(BUILD_PREFIX) + r"(?P<pid>[0-9]{1,10})-[A-Za-z0-9_]{1,32}\Z")


@contextmanager
def build_directory(parent: Path) -> Iterator[Path]:
    """A fresh temporary directory in ``parent`` (created if missing), removed when the block ends,
    however it ends (an exception, Ctrl-C or SIGTERM)."""
    remove_stale_builds(parent)
    parent.mkdir(parents=True, exist_ok=True)
    with _sigterm_unwinds():
        work = Path(tempfile.mkdtemp(prefix=f"{BUILD_PREFIX}{os.getpid()}-", dir=parent))
        try:
            yield work
        finally:
            _remove(work)


def _remove(work: Path) -> None:
    """Remove ``work``, trying again for a moment when something is left: a child process (git, stopped by
    the same signal) may still be writing into it while the first attempt runs."""
    for pause in (0.0, 0.1, 0.3, 1.0):
        time.sleep(pause)
        shutil.rmtree(work, ignore_errors=True)
        if not os.path.lexists(work):
            return


def remove_stale_builds(parent: Path) -> list[Path]:
    """Remove the temporary directories that killed runs left in ``parent``; returns what was removed.

    Only directories named like ours, owned by this user, not links, whose process no longer exists."""
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _BUILD_NAME.fullmatch(entry.name)
        if match is None or _process_exists(int(match["pid"])):
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or a number we cannot ask about: leave it alone
    return True


#: Set by the SIGTERM handler of a build in progress (see :func:`publish`).
_terminated = threading.Event()


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while building, so ``finally`` blocks clean up as for Ctrl-C
    (Python's default SIGTERM action ends the process at once, leaving the temporary directory)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        _terminated.set()
        raise KeyboardInterrupt

    _terminated.clear()
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def publish(built: Path, out: Path) -> None:
    """Move the finished tree to ``out`` in one rename, unless a SIGTERM arrived meanwhile. Its
    KeyboardInterrupt is lost when the signal lands while a ``__del__`` runs (Python reports and drops
    exceptions raised there, e.g. in ``ZipFile.__del__``), so the flag it set is checked here, at the commit
    point, and the build unwinds as if the exception had propagated."""
    if _terminated.is_set():
        raise KeyboardInterrupt
    built.rename(out)  # atomic; replaces an empty directory
