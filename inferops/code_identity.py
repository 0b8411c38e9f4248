"""Which inferops code is running, for the keys of the caches kept between runs.

``__version__`` alone is not enough: an editable (development) install keeps the version string while its
rules, facts tables and loaders change, and a cache keyed by the version would then answer with what the
old code found. The identity is the version plus the path, size and modification time of every Python
source of the package: one ``stat`` per module (a few hundred microseconds in all), no file read.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from inferops import __version__

_identity: str | None = None


def identity() -> str:
    """The running inferops' version and code, worked out once per process."""
    global _identity
    if _identity is None:
        _identity = f"{__version__}+{of_package(Path(__file__).resolve().parent)}"
    return _identity


def of_package(directory: Path) -> str:
    """A digest of the path, size and modification time of every ``.py`` file under ``directory``."""
    signatures = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                signatures.append([os.path.relpath(path, directory), info.st_size, info.st_mtime_ns])
    return hashlib.sha256(json.dumps(signatures).encode()).hexdigest()[:16]
