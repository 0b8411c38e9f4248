"""Helpers for generator tests: the sample specs, running the CLI in-process, rendering overlays."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from inferops.cli import main

SPECS = Path(__file__).resolve().parent / "specs"
SPEC_NAMES = sorted(p.stem for p in SPECS.glob("*.yaml"))
SHARED = Path(__file__).resolve().parents[3] / "shared"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``inferops`` in-process; returns (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def kustomize(directory: Path) -> str:
    """Render a kustomization with real kustomize (kubectl's built-in one)."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl (with built-in kustomize) is not installed")
    done = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True)
    assert done.returncode == 0, f"kustomize failed for {directory}: {done.stderr}"
    return done.stdout


def kustomizations(repo: Path) -> list[Path]:
    """Every directory Argo CD deploys: the model overlays and the platform directories."""
    return sorted([*repo.glob("apps/*/overlays/*"), *repo.glob("platform/*")])


@pytest.fixture(autouse=True)
def _hub_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the Hugging Face Hub, even where huggingface_hub is installed."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def write_spec(tmp_path: Path):
    """Write spec text to a file and return its path."""

    def write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
