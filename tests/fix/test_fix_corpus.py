"""`inferops fix` over copies of real GPU manifests (GKE AI/ML samples, LeaderWorkerSet examples): every
file that loaded before still loads, every comment stays, and no finding of a rule with a mechanical fix
is left."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from fix_helpers import SHARED, kustomize, run_cli
from git import Repo
from ruamel.yaml import YAML


CORPORA = ("gke-gpu-samples", "lws-examples")


def _fixable(capsys: pytest.CaptureFixture[str]) -> Counter[str]:
    """Findings that carry a mechanical fix (the JSON report's ``fix`` object), by rule."""
    _, out = run_cli(capsys, "validate", "-f", "json", "--checks", "render,gpu,guardrails", ".")
    return Counter(f["rule_id"] for f in json.loads(out)["findings"] if "fix" in f)


def _loads(path: Path) -> bool:
    try:
        list(YAML(typ="rt").load_all(path.read_text(encoding="utf-8")))
    except Exception:  # noqa: BLE001  (any ruamel error: the file does not load)
        return False
    return True


def _comments(path: Path) -> Counter[str]:
    """Every comment of the file with the text before it on its line, key part only (a fixed value may
    change, e.g. ``maxSurge: 25%  # x`` → ``maxSurge: 0  # x``)."""
    return Counter(line[line.index("#"):] for line in path.read_text(encoding="utf-8").splitlines() if "#" in line)


def _wrap_in_kustomizations(repo: Path) -> list[Path]:
    """A kustomization in every directory whose manifests kustomize renders together, so that half the
    corpus is fixed through rendered overlays (findings traced back to their source files) and the rest as
    plain files; the directories that kustomize renders before the fix."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl (with built-in kustomize) is not installed")
    wrapped = []
    for directory in sorted({p.parent for p in repo.rglob("*.y*ml") if ".git" not in p.parts}):
        names = sorted(p.name for p in directory.glob("*.y*ml"))
        kustomization = directory / "kustomization.yaml"
        kustomization.write_text("resources:\n" + "".join(f"  - {name}\n" for name in names), encoding="utf-8")
        done = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, check=False)
        if done.returncode == 0:
            wrapped.append(directory)
        else:  # several objects with one name, or files that are not Kubernetes objects: stays plain
            kustomization.unlink()
    return wrapped


def test_fix_over_the_gpu_corpora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "corpus"
    for name in CORPORA:
        source = SHARED / "corpus" / name
        if not source.is_dir():
            pytest.skip(f"{source} is not available")
        shutil.copytree(source, repo / name, symlinks=True)
    for copied in [repo, *repo.rglob("*")]:  # the shared corpus is read-only; its copy is a working tree
        if not copied.is_symlink():
            copied.chmod(copied.stat().st_mode | 0o200)
    files = sorted(p for p in repo.rglob("*.y*ml") if ".git" not in p.parts)
    wrapped = _wrap_in_kustomizations(repo)
    assert len(wrapped) >= 10
    Repo.init(repo)
    monkeypatch.chdir(repo)
    loaded_before = {p for p in files if _loads(p)}
    comments_before = {p: _comments(p) for p in files}
    before = _fixable(capsys)
    assert sum(before.values()) > 100 and {"pod-seccomp", "gpu-rollout-surge", "replicas-with-autoscaler"} <= set(before)

    code, out = run_cli(capsys, "fix", ".")
    left = [line for line in out.splitlines() if not line.startswith("fixed ")]
    # what is left has no safe fix: runAsNonRoot on images whose user the manifest does not state, say
    assert code == (1 if left else 0) and all("no safe mechanical fix" in line for line in left), left
    assert out.count("\nfixed ") + out.startswith("fixed ") > 20

    assert not [p for p in loaded_before if not _loads(p)]
    assert all(comments_before[p] == _comments(p) for p in files)  # not one comment lost or moved off its line
    assert _fixable(capsys) == Counter()
    assert run_cli(capsys, "fix", ".") == (1 if left else 0, "".join(f"{line}\n" for line in left) or "nothing to fix\n")
    for directory in wrapped:  # every kustomization that rendered before still renders
        kustomize(directory)
