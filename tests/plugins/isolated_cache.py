"""Each test session (each xdist worker) gets its own ``XDG_CACHE_HOME``: the render, result and policy caches
the suite fills stay out of the developer's own cache, and no test reads an entry an earlier session left."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_SAVED = "_inferops_saved_cache_home"


def pytest_configure(config: pytest.Config) -> None:
    setattr(config, _SAVED, os.environ.get("XDG_CACHE_HOME"))
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="inferops-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)
    saved = getattr(config, _SAVED, None)
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved
