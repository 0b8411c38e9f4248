"""Every cache reads its entries through one function that nothing put in an entry's place can block, crash
or overflow: a FIFO, a directory, a link, text nested too deep to parse, bytes that are not JSON."""

import json
import os
from pathlib import Path

import pytest

from inferops.cache_files import load_json, read_regular, store_json


def test_an_entry_written_is_read_back(tmp_path: Path) -> None:
    store_json(tmp_path / "a" / "entry.json", {"text": "é", "n": [1, 2.5, None, True]})
    assert load_json(tmp_path / "a" / "entry.json") == {"text": "é", "n": [1, 2.5, None, True]}


@pytest.mark.parametrize("damage", ["missing", "fifo", "directory", "link", "deep", "not json", "binary"])
def test_anything_in_an_entrys_place_reads_as_none(tmp_path: Path, damage: str) -> None:
    entry = tmp_path / "entry.json"
    if damage == "fifo":
        os.mkfifo(entry)  # a plain read would block forever: nothing writes to it
    elif damage == "directory":
        entry.mkdir()
    elif damage == "link":
        (tmp_path / "elsewhere.json").write_text(json.dumps({"a": 1}), encoding="utf-8")
        entry.symlink_to(tmp_path / "elsewhere.json")
    elif damage == "deep":
        entry.write_text("[" * 200_000, encoding="utf-8")
    elif damage == "not json":
        entry.write_text("{'a': 1", encoding="utf-8")
    elif damage == "binary":
        entry.write_bytes(b"\xff\xfe\x00")
    assert load_json(entry) is None


def test_a_bounded_read_stops_after_the_limit(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 1000)
    assert len(read_regular(tmp_path / "big", 10)) == 11


@pytest.mark.parametrize("cache", ["renders", "findings", "policies", "runs"])
def test_no_cache_stops_at_a_damaged_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str) -> None:
    """A run with every cache's entries replaced by FIFOs and deeply nested text still checks and reports."""
    import subprocess
    import sys

    from git import Repo

    repo = tmp_path / "repo"
    Repo.init(repo)
    (repo / "base").mkdir()
    (repo / "base" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", encoding="utf-8")
    (repo / "base" / "kustomization.yaml").write_text("resources: [cm.yaml]\n", encoding="utf-8")
    (repo / ".inferops.yaml").write_text("kubernetes_version: '1.33.0'\n", encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "inferops", "validate", "."]
    first = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False)
    entries = sorted((tmp_path / "xdg" / "inferops" / cache).rglob("*.json"))
    assert entries
    for number, entry in enumerate(entries):
        entry.unlink()
        if number % 2:
            entry.write_text("[" * 200_000, encoding="utf-8")
        else:
            os.mkfifo(entry)
    again = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout) and "Traceback" not in again.stderr
