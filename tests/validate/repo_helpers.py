"""What the cache tests share: a small Deployment, writing a file with its directories, and the mark that skips
a test where no kustomize can render."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

needs_kustomize = pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None,
                                     reason="needs kustomize or kubectl")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
