"""Packaging: the built wheel, installed into a fresh virtual environment, runs `inferops new --example`
(so blueprints, schemas and the example spec ship inside it)."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_installs_and_generates_the_example(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = dist.glob("inferops-*.whl")

    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]

    out = tmp_path / "demo"
    run = subprocess.run([str(env / "bin" / "inferops"), "new", "--example", "--output", str(out)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (out / "apps/llama-3-1-8b/base/deployment.yaml").is_file()
    assert (out / ".github/workflows/validate.yml").is_file() and (out / ".github/zizmor.yml").is_file()
    assert "inferops/_data/schemas/model-spec.schema.json" in subprocess.run(
        [str(python), "-m", "zipfile", "-l", str(wheel)], capture_output=True, text=True).stdout
