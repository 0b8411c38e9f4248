"""Each test session (each xdist worker) gets its own ``XDG_CACHE_HOME``: the render, result and policy caches
the suite fills stay out of the developer's own cache, and no test reads an entry an earlier session left.
Only a kubeconform binary built for the parity tests is still found where it was built."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_SAVED = "_inferops_saved_cache_home"


def pytest_configure(config: pytest.Config) -> None:
    saved = os.environ.get("XDG_CACHE_HOME")
    setattr(config, _SAVED, saved)
    # The kubeconform binary bench/kubeconform_setup.py built (minutes of work) stays usable by the parity tests.
    built = Path(saved or Path.home() / ".cache") / "inferops-dev" / "kubeconform" / "kubeconform"
    if "INFEROPS_KUBECONFORM" not in os.environ and built.is_file():
        os.environ["INFEROPS_KUBECONFORM"] = str(built)
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="inferops-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)
    saved = getattr(config, _SAVED, None)
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved
