"""`inferops fix` over copies of real GPU manifests (GKE AI/ML samples, LeaderWorkerSet examples): every
file that loaded before still loads, every comment stays, and no finding of a rule with a mechanical fix
is left."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from fix_helpers import SHARED, kustomize, run_cli
from git import Repo
from ruamel.yaml import YAML

from inferops.fix.registry import load_all_fixers

CORPORA = ("gke-gpu-samples", "lws-examples")


def _fixable(capsys: pytest.CaptureFixture[str]) -> Counter[str]:
    _, out = run_cli(capsys, "validate", "-f", "json", "--checks", "render,gpu,guardrails", ".")
    return Counter(f["rule_id"] for f in json.loads(out)["findings"] if f["rule_id"] in load_all_fixers())


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


def test_fix_over_the_gpu_corpora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "corpus"
    for name in CORPORA:
        source = SHARED / "corpus" / name
        if not source.is_dir():
            pytest.skip(f"{source} is not available")
        shutil.copytree(source, repo / name, symlinks=True)
    Repo.init(repo)
    monkeypatch.chdir(repo)
    files = sorted(p for p in repo.rglob("*.y*ml") if ".git" not in p.parts)
    loaded_before = {p for p in files if _loads(p)}
    comments_before = {p: _comments(p) for p in files}
    before = _fixable(capsys)
    assert sum(before.values()) > 100 and {"pod-seccomp", "gpu-rollout-surge", "replicas-with-autoscaler"} <= set(before)

    code, out = run_cli(capsys, "fix", ".")
    assert code == 0, out
    assert out.count("\nfixed ") + out.startswith("fixed ") > 20

    assert not [p for p in loaded_before if not _loads(p)]
    assert all(comments_before[p] == _comments(p) for p in files)  # not one comment lost or moved off its line
    assert _fixable(capsys) == Counter()
    assert run_cli(capsys, "fix", ".") == (0, "nothing to fix\n")
    for kustomization in repo.rglob("kustomization.y*ml"):  # none in these corpora today; render any added
        kustomize(kustomization.parent)
