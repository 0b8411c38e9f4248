"""Helpers for `inferops fix` tests: files written into a repository, the CLI run in-process, kustomize."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from inferops.cli import main

SHARED = Path(__file__).resolve().parents[3] / "shared"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, _ = capsys.readouterr()
    return code, out


def kustomize(directory: Path) -> str:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl (with built-in kustomize) is not installed")
    done = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"kustomize failed for {directory}: {done.stderr}"
    return done.stdout


#: An overlay patch that changes something unrelated, for cases where the base has the problem.
UNRELATED_PATCH = """\
# prod: more memory
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
spec:
  template:
    spec:
      containers:
        - name: vllm
          resources:
            limits:
              memory: 32Gi
"""


def overlay_repo(root: Path, base: str, patch: str, extra: dict[str, str] | None = None) -> None:
    """``base/`` with one Deployment, ``overlays/prod/`` patching it (plus ``extra`` resources of the overlay)."""
    extra = extra or {}
    resources = "".join(f"  - {name}\n" for name in ["../../base", *extra])
    write(root, {
        "base/deployment.yaml": base,
        "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
        "overlays/prod/kustomization.yaml": f"resources:\n{resources}patches:\n  - path: patch.yaml\n",
        "overlays/prod/patch.yaml": patch,
        **{f"overlays/prod/{name}": text for name, text in extra.items()},
    })
