"""Report formats. Each format is one module of this package with a function
``render(report: Report, *, color: bool) -> str``; :func:`render` looks the module up by the format's
name and imports it only when asked, so a run pays only for the format it prints (SARIF, for instance,
loads the whole rule registry). A new format is a new module plus its name in :data:`FORMATS`.
"""

from __future__ import annotations

import importlib

from inferops.errors import InferopsError
from inferops.validate.report import Report

FORMATS = ("text", "json", "junit", "sarif", "github")


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """``report`` in format ``fmt``; ``color`` adds ANSI colours where the format has any (text only)."""
    if fmt not in FORMATS:
        raise InferopsError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f"{__name__}.{fmt}")
    text: str = module.render(report, color=color)
    return text
