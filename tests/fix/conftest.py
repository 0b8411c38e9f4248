"""The `repo` fixture of `inferops fix` tests: a Git repository in a temporary directory, entered."""

from __future__ import annotations

from pathlib import Path

import pytest
from git import Repo


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    Repo.init(root)
    monkeypatch.chdir(root)
    return root

