"""Shared by the generator security tests: run the CLI in-process, make a repository, read the state."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from inferops.cli import main

SPECS = Path(__file__).resolve().parents[1] / "generator" / "specs"
STATE = ".inferops/state.json"

MISTRAL = """\
name: mistral-7b
model: mistralai/Mistral-7B-Instruct-v0.3
runtime: tgi
gpu: {count: 1, product: NVIDIA-A100-SXM4-40GB}
"""


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``inferops`` in-process; returns (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_state(repo: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((repo / STATE).read_text(encoding="utf-8"))
    return doc


def write_state(repo: Path, doc: dict[str, Any]) -> None:
    (repo / STATE).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def snapshot(repo: Path) -> dict[str, bytes]:
    """Every file of the repository, ``.git`` included."""
    return {p.relative_to(repo).as_posix(): p.read_bytes() for p in sorted(repo.rglob("*"))
            if p.is_file() and not p.is_symlink()}
