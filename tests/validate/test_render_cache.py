"""The render cache: keyed by every file a render reads, never stale, safe to corrupt, delete and share."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from repo_helpers import DEPLOYMENT, needs_kustomize, write

from inferops.validate.render import find_kustomize, render_cached
from inferops.validate.render_cache import RenderCache, default_directory


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """overlay -> mid -> base (two levels down), a component, a patch, a generator file, a plugin config."""
    root = tmp_path / "repo"
    write(root / "base" / "deployment.yaml", DEPLOYMENT)
    write(root / "base" / "kustomization.yaml", "resources: [deployment.yaml]\n")
    write(root / "mid" / "kustomization.yaml", "resources: [../base]\nnamePrefix: mid-\n")
    write(root / "component" / "kustomization.yaml",
          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations: {team: ml}\n")
    write(root / "overlay" / "patch.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                                           "spec: {replicas: 2}\n")
    write(root / "overlay" / "settings.env", "MODE=fast\n")
    write(root / "overlay" / "labels.yaml",
          "apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: l}\n"
          "labels: {tier: gpu}\nfieldSpecs: [{path: metadata/labels, create: true}]\n")
    write(root / "overlay" / "kustomization.yaml", "resources: [../mid]\ncomponents: [../component]\n"
                                                   "patches: [{path: patch.yaml}]\n"
                                                   "configMapGenerator: [{name: settings, envs: [settings.env]}]\n"
                                                   "transformers: [labels.yaml]\n")
    write(root / "unrelated.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    return root


def cache_for(repo: Path, tmp_path: Path) -> RenderCache:
    return RenderCache(tmp_path / "cache", ("kubectl", "kustomize"), [repo])


@pytest.mark.parametrize("edited", ["overlay/patch.yaml", "base/deployment.yaml", "mid/kustomization.yaml",
                                    "component/kustomization.yaml", "overlay/settings.env", "overlay/labels.yaml",
                                    "overlay/kustomization.yaml"])
def test_an_edit_to_any_input_of_an_overlay_changes_its_key(repo: Path, tmp_path: Path, edited: str) -> None:
    cache = cache_for(repo, tmp_path)
    before = cache.key(repo / "overlay")
    assert before is not None and cache.key(repo / "overlay") == before
    with (repo / edited).open("a", encoding="utf-8") as stream:
        stream.write("# edited\n")
    assert cache.key(repo / "overlay") not in (None, before)


def test_an_edit_outside_the_render_keeps_the_key(repo: Path, tmp_path: Path) -> None:
    cache = cache_for(repo, tmp_path)
    before = cache.key(repo / "overlay")
    write(repo / "unrelated.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: y}\n")
    assert cache.key(repo / "overlay") == before


@pytest.mark.parametrize("change", ["a named file appears", "a second kustomization file", "a file in a named tree"])
def test_a_base_walked_once_per_run_is_walked_again_when_its_directories_change(
        repo: Path, tmp_path: Path, change: str) -> None:
    """One run walks a base shared by many overlays once; a lookup after a file appeared where the base
    looks (a path it names that did not exist, a second kustomization file, a file in a directory it
    names) walks it again and gets another key (or none)."""
    write(repo / "base" / "kustomization.yaml", "resources: [deployment.yaml]\n"
                                                "configMapGenerator: [{name: extra, files: [extra.txt, conf]}]\n")
    (repo / "base" / "conf").mkdir()
    cache = cache_for(repo, tmp_path)
    before = cache.key(repo / "overlay")
    assert before is not None and cache.key(repo / "overlay") == before
    if change == "a named file appears":
        write(repo / "base" / "extra.txt", "x\n")
    elif change == "a second kustomization file":
        write(repo / "base" / "Kustomization", "resources: [deployment.yaml]\n")
    else:
        write(repo / "base" / "conf" / "settings.txt", "y\n")
    assert cache.key(repo / "overlay") != before


@pytest.mark.parametrize("reference", ["https://example.com/deploy.yaml", "github.com/org/repo//base?ref=v1",
                                       "../../outside"])
def test_remote_references_and_paths_outside_the_repository_are_not_cached(
        repo: Path, tmp_path: Path, reference: str) -> None:
    (tmp_path / "outside").mkdir()
    write(tmp_path / "outside" / "kustomization.yaml", "resources: []\n")
    write(repo / "overlay" / "kustomization.yaml", f"resources: [../mid, '{reference}']\n")
    assert cache_for(repo, tmp_path).key(repo / "overlay") is None


def test_the_boundary_is_the_git_repository_around_the_root(repo: Path, tmp_path: Path) -> None:
    (repo / ".git").mkdir()
    assert RenderCache(tmp_path / "cache", ("kustomize", "build"), []).key(repo / "overlay") is not None
    assert RenderCache(tmp_path / "cache", ("kustomize", "build"), [repo / "base"]).key(repo / "overlay") is not None


def test_outside_git_a_root_outside_the_scanned_directories_is_not_cached(repo: Path, tmp_path: Path) -> None:
    assert RenderCache(tmp_path / "cache", ("kustomize", "build"), [repo / "base"]).key(repo / "overlay") is None


def test_a_fifo_among_the_inputs_is_never_opened(repo: Path, tmp_path: Path) -> None:
    os.mkfifo(repo / "overlay" / "pipe.env")
    write(repo / "overlay" / "kustomization.yaml", "resources: [../mid]\n"
                                                   "configMapGenerator: [{name: s, envs: [pipe.env]}]\n")
    assert cache_for(repo, tmp_path).key(repo / "overlay") is None


def test_the_cache_lives_in_the_user_cache_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_directory() == tmp_path / "xdg" / "inferops" / "renders"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_directory() == Path.home() / ".cache" / "inferops" / "renders"


@needs_kustomize
def test_a_second_render_comes_from_the_cache_and_an_edit_renders_afresh(repo: Path, tmp_path: Path) -> None:
    tool = find_kustomize()
    assert tool is not None
    cache = RenderCache(tmp_path / "cache", tool.command, [repo])
    first = render_cached(repo / "overlay", tool, cache)
    assert first.error is None and "mid-web" in first.text and cache.hits == 0
    again = render_cached(repo / "overlay", tool, cache)
    assert cache.hits == 1 and again.text == first.text and again.origin_base == first.origin_base
    write(repo / "base" / "deployment.yaml", DEPLOYMENT.replace("nginx:1.27", "nginx:1.28"))
    edited = render_cached(repo / "overlay", tool, cache)
    assert cache.hits == 1 and "nginx:1.28" in edited.text


@needs_kustomize
def test_a_corrupt_entry_is_rebuilt(repo: Path, tmp_path: Path) -> None:
    tool = find_kustomize()
    assert tool is not None
    cache = RenderCache(tmp_path / "cache", tool.command, [repo])
    first = render_cached(repo / "overlay", tool, cache)
    [entry] = (tmp_path / "cache").rglob("*.json")
    for corruption in (b"{not json", json.dumps({"format": 1, "text": "kind: Evil\n", "origin_base": None,
                                                 "sha256": "0" * 64}).encode()):
        entry.write_bytes(corruption)
        rebuilt = render_cached(repo / "overlay", tool, cache)
        assert rebuilt.text == first.text and cache.hits == 0
        assert json.loads(entry.read_bytes())["text"] == first.text


@needs_kustomize
def test_two_concurrent_runs_agree_with_a_run_without_cache(repo: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    command = [sys.executable, "-m", "inferops", "validate", "overlay", "-f", "json", "--checks", "render,schema"]
    runs = [subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    fresh = subprocess.run([*command, "--no-cache"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    cached = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert outputs[0] == outputs[1] == fresh.stdout == cached.stdout
    assert json.loads(fresh.stdout)["summary"]["objects"] == 2
    assert len(list((tmp_path / "xdg" / "inferops" / "renders").rglob("*.json"))) == 1
