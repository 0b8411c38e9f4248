"""Locate the data directories shipped with the package.

``blueprints/`` and ``schemas/`` live at the top level of the source tree and are force-included
into the wheel as ``inferops/_data/``; an editable or source checkout reads them in place.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the directory ``name`` (``blueprints`` or ``schemas``) wherever it was installed."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"inferops data directory {name!r} is missing from the installation")


def blueprints_dir() -> Path:
    return data_dir("blueprints")


def schemas_dir() -> Path:
    return data_dir("schemas")
